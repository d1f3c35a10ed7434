"""The overview of many namespaces (``netviz.viewmodel.nssets``): namespaces that no namespace
selector tells apart are one set; the sets are the classes of that partition (checked against
a plain reference), the tree stays laminar, and the picture at set level is exact."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_paths
from netviz.viewmodel.graph import BUNDLE, GraphModel, GraphOptions
from netviz.viewmodel.nssets import PREFIX, namespace_selectors, namespace_sets

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate, write

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analyzer, list]:
    d = tmp_path_factory.mktemp("synth") / "c"
    write(generate(30, 150, 120), d)
    cl = load_paths([str(d)]).cluster
    an = Analyzer(cl)
    return an, connlist(an)


def test_sets_are_the_classes_no_namespace_selector_tells_apart(synth) -> None:
    an, _ = synth
    names = sorted({p.namespace for p in an.cluster.pods})
    sets = namespace_sets(an, names, 20)
    assert sets and all(s.key.startswith(PREFIX) for s in sets)
    # reference: a namespace's row of matches over every namespace selector of the policies
    labels = {ns.name: ns.labels for ns in an.cluster.namespaces}
    sels = namespace_selectors(an)

    def row(ns: str) -> tuple[bool, ...]:
        merged = {"kubernetes.io/metadata.name": ns, **labels.get(ns, {})}
        return tuple(s.matches(merged) for s in sels)

    seen: set[str] = set()
    for s in sets:
        assert len(s.namespaces) >= 2
        assert not seen & set(s.namespaces)  # disjoint
        seen |= set(s.namespaces)
        assert len({row(ns) for ns in s.namespaces}) == 1
    # a namespace outside every set has a row no other namespace has; two sets differ
    rows = [row(s.namespaces[0]) for s in sets]
    assert len(set(rows)) == len(rows)
    for ns in names:
        if ns not in seen:
            assert sum(1 for o in names if row(o) == row(ns)) == 1
    # fewer namespaces than the threshold: no sets
    assert namespace_sets(an, names, len(names)) == []
    assert namespace_sets(an, names, 0) == []


def test_the_set_level_picture_is_exact_and_the_tree_laminar(synth) -> None:
    an, conns = synth
    m = GraphModel(an.cluster, conns, an, GraphOptions(namespace_sets_above=20))
    sets = [k for k in m.tree.containers if k.startswith(PREFIX)]
    assert sets
    for k in sets:
        assert not m.tree.parent[k].startswith("ns:")
        kids = m.tree.kids(k)
        assert len(kids) >= 2 and all(c.startswith("ns:") for c in kids)
        assert "namespaces" in m.nodes[k].label
    # laminar: every container's leaves are a contiguous range, nested or disjoint
    spans = sorted((m.tree.lo[k], -m.tree.hi[k]) for k in m.tree.containers)
    for (_a, b), (c, d) in zip(spans, spans[1:], strict=False):
        assert c >= -b or -d <= -b
    # at set level (sets and namespaces collapsed) every pair is stated exactly or counted
    shut = frozenset(k for k in m.tree.containers if k.startswith(("ns:", "nsset:")))
    v = m.view(collapsed=shut)
    drawn = {k for e in v.edges for k in (e.src, e.dst)}
    assert not any(k.startswith("ns:") and m.tree.parent[k] in sets for k in drawn)
    assert set(sets) & drawn
    allowed = {(c.src.key, c.dst.key): str(c.connections) for c in conns}
    stated: set[tuple[str, str]] = set()
    for e in v.edges:
        if e.style == "bundle":
            pairs = [(a, b) for a in m.members(e.src) for b in m.members(e.dst) if a != b]
            assert 0 < e.count <= len(pairs)
            stated.update(p for p in pairs if p in allowed)
        elif e.style in ("allowed", "partial"):
            for a in m.members(e.src):
                for b in m.members(e.dst):
                    if a != b:
                        assert allowed.get((a, b)) == e.connection, (e, a, b)
                        stated.add((a, b))
    assert {p for p in allowed if p[0] != p[1]} <= stated
    assert len(v.edges) < len(m.view(collapsed=frozenset(
        k for k in m.tree.containers if k.startswith("ns:"))).edges)
    # the picture netviz render draws has no set
    plain = GraphModel(an.cluster, conns, an, GraphOptions())
    assert not any(k.startswith(PREFIX) for k in plain.tree.containers)
    assert BUNDLE not in {p.label for p in (plain._base_products or [])}


def test_few_namespaces_have_no_sets() -> None:
    cl = load_paths([str(DEMO)]).cluster
    an = Analyzer(cl)
    m = GraphModel(cl, connlist(an), an, GraphOptions(namespace_sets_above=20))
    assert not any(k.startswith(PREFIX) for k in m.tree.containers)


def _assert_states_exactly(m: GraphModel, edges, conns) -> None:
    allowed = {(c.src.key, c.dst.key): str(c.connections) for c in conns}
    stated: set[tuple[str, str]] = set()
    for e in edges:
        if e.style not in ("allowed", "partial"):
            continue
        for a in m.members(e.src):
            for b in m.members(e.dst):
                if a != b:
                    assert allowed.get((a, b)) == e.connection, (e, a, b)
                    assert (a, b) not in stated
                    stated.add((a, b))
    assert stated == {p for p in allowed if p[0] != p[1]}


def _assert_exact_or_counted(m: GraphModel, edges, conns) -> None:
    """Exact edges state exactly their pairs; every allowed pair is stated or in a bundle."""
    allowed = {(c.src.key, c.dst.key): str(c.connections) for c in conns}
    seen: set[tuple[str, str]] = set()
    for e in edges:
        pairs = [(a, b) for a in m.members(e.src) for b in m.members(e.dst) if a != b]
        if e.style == "bundle":
            seen.update(pairs)
        elif e.style in ("allowed", "partial"):
            for p in pairs:
                assert allowed.get(p) == e.connection, (e, p)
            seen.update(pairs)
    assert {p for p in allowed if p[0] != p[1]} <= seen


def test_deferred_groups_are_chosen_when_a_namespace_opens(synth) -> None:
    """A model for a picture that opens collapsed chooses the groups inside namespaces only
    when a view first shows a namespace open; above the namespaces nothing changes, and the
    views before and after are exact."""
    an, conns = synth
    m = GraphModel(an.cluster, conns, an, GraphOptions(namespace_sets_above=20),
                   defer_groups=True)
    assert m.deferred
    assert not any(k.startswith("grp:") and not k.startswith("grp:external")
                   for k in m.tree.containers)
    top = {k: m.tree.parent[k] for k in m.tree.containers
           if k != "root" and not k.startswith("grp:")}
    tops = frozenset(k for k in m.tree.containers if k.startswith(("ns:", "nsset:")))
    m.view(collapsed=tops)
    m.view(collapsed=frozenset(k for k in tops if k.startswith("ns:")))
    assert m.deferred  # every namespace still shut
    # a what-if model keeps the deferral
    m2 = m.updated(an.cluster, conns, an, set())
    assert m2.deferred
    shut = frozenset(k for k in tops if k.startswith("ns:"))
    one = sorted(shut)[0]
    assert m.needs_refine(shut - {one}) and not m.needs_refine(shut)
    v = m.view(collapsed=shut - {one})
    # the groups of that namespace only are chosen now
    assert m.deferred and m.structure.opened == {one}
    inner = {k for k in m.tree.containers if k.startswith("grp:") and "external" not in k}
    assert inner and all(k.startswith(f"grp:{one[3:]}/") for k in inner)
    assert not m.needs_refine(shut - {one})
    # nothing above the namespaces moved
    assert {k: m.tree.parent[k] for k in top} == top
    _assert_exact_or_counted(m, v.edges, conns)
    full = m.view()
    assert not m.deferred
    _assert_states_exactly(m, full.edges, conns)
    assert any(e.src.startswith(one) or e.dst.startswith(one) or one[3:] in e.src
               for e in v.edges)
    # and the what-if model refines on its own
    _assert_states_exactly(m2, m2.view().edges, conns)
    assert not m2.deferred

"""The incremental cover (``cover_memo``) and the what-if update of the picture model: after
changing cells, reusing the untouched blocks gives the very products a full cover gives."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist, connlist_edit
from netviz.io.manifests import load_text
from netviz.model import LabelSelector, Peer, PolicyPort, Rule
from netviz.viewmodel.cover import ROOT, Tree, cover, cover_memo
from netviz.viewmodel.graph import GraphModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate


def count_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the cover's block decompositions (``_Coverer._run`` calls) in ``[0]``."""
    from netviz.viewmodel import cover as C

    calls = [0]
    real = C._Coverer._run

    def counting(self: C._Coverer, a: str, b: str, status: int) -> None:
        calls[0] += 1
        real(self, a, b, status)

    monkeypatch.setattr(C._Coverer, "_run", counting)
    return calls


def random_tree(rnd: random.Random, n_leaves: int) -> Tree:
    """Namespaces of leaves, some groups inside them, all under one cluster container."""
    parent: dict[str, str] = {"cluster": ROOT}
    containers = {"cluster"}
    leaf = 0
    for ns in range(max(2, n_leaves // 6)):
        nk = f"ns:{ns}"
        parent[nk] = "cluster"
        containers.add(nk)
        for g in range(rnd.randint(0, 2)):
            gk = f"grp:{ns}/{g}"
            parent[gk] = nk
            containers.add(gk)
            for _ in range(rnd.randint(1, 3)):
                parent[f"l{leaf}"] = gk
                leaf += 1
        for _ in range(rnd.randint(1, 3)):
            parent[f"l{leaf}"] = nk
            leaf += 1
    return Tree(parent, containers)


def random_matrix(rnd: random.Random, tree: Tree, labels: int) -> np.ndarray:
    n = len(tree.leaves)
    m = np.zeros((n, n), dtype=np.int16)
    # blocks of one label (as policies make them), then noise
    for _ in range(n):
        a, b = sorted(rnd.sample(range(n), 2))
        c, d = sorted(rnd.sample(range(n), 2))
        m[a:b, c:d] = rnd.randint(1, labels)
    for _ in range(n):
        m[rnd.randrange(n), rnd.randrange(n)] = rnd.randint(0, labels)
    np.fill_diagonal(m, -1)  # one-member leaves: wildcards
    return m


@pytest.mark.parametrize("seed", range(12))
def test_memo_gives_the_full_cover_after_changed_cells(seed: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_runs(monkeypatch)
    rnd = random.Random(seed)
    tree = random_tree(rnd, rnd.randint(12, 60))
    m = random_matrix(rnd, tree, 4)
    products, memo = cover_memo(tree, m)
    assert products == cover(tree, m)
    for _step in range(3):  # several edits in a row, each from the previous memo
        m2 = m.copy()
        n = len(tree.leaves)
        changed = set()
        for _ in range(rnd.randint(1, 6)):
            i, j = rnd.randrange(n), rnd.randrange(n)
            if i != j:
                m2[i, j] = rnd.randint(0, 4)
                changed.add((i, j))
        calls[0] = 0
        got, memo = cover_memo(tree, m2, (), memo, changed)
        incremental = calls[0]
        calls[0] = 0
        assert got == cover(tree, m2)
        assert incremental <= calls[0]  # blocks without a changed cell were not redone
        m = m2


def test_a_memo_of_another_tree_or_collapse_is_not_used() -> None:
    rnd = random.Random(5)
    tree = random_tree(rnd, 30)
    other = random_tree(rnd, 30)
    m = random_matrix(rnd, tree, 3)
    _p, memo = cover_memo(tree, m)
    m2 = random_matrix(rnd, tree, 3)  # everything changed, and the memo is told nothing
    assert cover_memo(tree, m2, (), memo, ())[0] != cover(tree, m2) or np.array_equal(m, m2)
    # another tree, or other collapsed containers: the memo is ignored
    mo = random_matrix(rnd, other, 3)
    assert cover_memo(other, mo, (), memo, ())[0] == cover(other, mo)
    assert cover_memo(tree, m2, {"ns:0"}, memo, ())[0] == cover(tree, m2, {"ns:0"})


def test_updated_model_reuses_the_cover_and_equals_a_fresh_one() -> None:
    """Edits on a synthetic cluster: the model after each edit (memoized cover, cached edges)
    draws what a model built from scratch on the same tree draws."""
    objs = generate(namespaces=6, workloads=60, policies=40, seed=7)
    cluster = load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    model.ensure_memo()
    base = model.view().edges
    pols = list(cluster.policies)
    edits = 0
    for n, name in enumerate(("api-from-web", "db-from-api", "web-from-team")):
        i = next(i for i, p in enumerate(pols) if p.name.startswith(name))
        # every pod of the namespace may reach the policy's pods on one port only
        pols[i] = replace(pols[i], ingress=(Rule(peers=(Peer(pod_selector=LabelSelector()),),
                                                 ports=(PolicyPort("TCP", 1000 + n),)),))
        an2 = an.with_policies(pols)
        got = connlist_edit(an, conns, an2)
        assert got.changed
        edits += 1
        model = model.updated(an2.cluster, got.connections, an2, got.changed)
        assert model.tree is not None
        fresh = GraphModel(an2.cluster, got.connections, an2, keep=model)
        assert [(e.src, e.dst, e.style, e.label, e.connection) for e in model.view().edges] == [
            (e.src, e.dst, e.style, e.label, e.connection) for e in fresh.view().edges]
        an, conns = an2, got.connections
    assert edits == 3 and model.view().edges != base


def test_the_first_edit_after_a_build_covers_only_changed_blocks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's own build leaves the memo of its cover (``groups.choose``), so the first
    what-if edit does not cover the whole relation again."""
    objs = generate(namespaces=6, workloads=60, policies=40, seed=3)
    cluster = load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    model.view()
    calls = count_runs(monkeypatch)
    pols = list(cluster.policies)
    i = next(i for i, p in enumerate(pols) if p.name.startswith("db-from-api"))
    pols[i] = replace(pols[i], ingress=(Rule(peers=(Peer(pod_selector=LabelSelector()),),
                                             ports=(PolicyPort("TCP", 1234),)),))
    an2 = an.with_policies(pols)
    got = connlist_edit(an, conns, an2)
    edited = model.updated(an2.cluster, got.connections, an2, got.changed)
    edges = edited.view().edges
    incremental = calls[0]
    calls[0] = 0
    fresh = GraphModel(an2.cluster, got.connections, an2, keep=edited)
    assert [(e.src, e.dst, e.style, e.connection) for e in edges] == [
        (e.src, e.dst, e.style, e.connection) for e in fresh.view().edges]
    assert 0 < incremental < calls[0] / 2, (incremental, calls[0])


def test_two_models_updated_from_one_keep_their_own_edges() -> None:
    """Two what-if edits made from the same model (not one after the other) each draw their
    own evaluation: the edge cache is not shared between them (their new label ids clash)."""
    objs = generate(namespaces=6, workloads=60, policies=40, seed=7)
    cluster = load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    model.view()
    pols = list(cluster.policies)
    i = next(i for i, p in enumerate(pols) if p.name.startswith("db-from-api"))
    got = []
    for port in (1111, 2222):
        edited = list(pols)
        edited[i] = replace(pols[i], ingress=(Rule(peers=(Peer(pod_selector=LabelSelector()),),
                                                   ports=(PolicyPort("TCP", port),)),))
        an2 = an.with_policies(edited)
        e = connlist_edit(an, conns, an2)
        got.append((model.updated(an2.cluster, e.connections, an2, e.changed), an2, e))
    for m, an2, e in got + got[::-1]:
        fresh = GraphModel(an2.cluster, e.connections, an2, keep=m)
        assert [(x.src, x.dst, x.connection) for x in m.view().edges] == [
            (x.src, x.dst, x.connection) for x in fresh.view().edges]


def _mixed_case(rnd: random.Random, seed: int) -> tuple[Tree, np.ndarray, list[str]]:
    """A random tree and relation; odd seeds merge external ranges (several members, no pair
    with themselves), every third collapses two containers."""
    tree = random_tree(rnd, rnd.randint(20, 90))
    if seed % 2:
        multi = {k: rnd.randint(2, 3) for k in rnd.sample(tree.leaves, 4)}
        tree = Tree(tree.parent, tree.containers, None, multi)
    m = random_matrix(rnd, tree, 1 + seed % 4)
    for k in tree.leaves:
        if tree.multi.get(k, 1) > 1:
            m[tree.index[k], tree.index[k]] = 0
    shut = rnd.sample(sorted(tree.containers - {ROOT}), 2) if seed % 3 == 0 else []
    return tree, m, shut


@pytest.mark.parametrize("seed", range(10))
def test_small_blocks_in_python_split_as_numpy_does(seed: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The cover works out small child-status matrices in plain Python (``SMALL``): the
    products are exactly those of the numpy path, with and without collapsed containers and
    multi-member leaves."""
    from netviz.viewmodel import cover as C

    tree, m, shut = _mixed_case(random.Random(100 + seed), seed)
    assert C.SMALL > 0
    mixed = cover(tree, m, shut)
    monkeypatch.setattr(C, "SMALL", -1)  # every split through numpy
    assert mixed == cover(tree, m, shut)
    assert len(mixed) > 5


@pytest.mark.parametrize("seed", range(8))
def test_big_blocks_reduced_band_by_band_as_reduceat_does(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks above ``BAND_CELLS`` are reduced band by band (``_band_max_min``): the same
    maxima and minima (wildcards ignored) as ``reduceat``, so the same products."""
    from netviz.viewmodel import cover as C

    tree, m, shut = _mixed_case(random.Random(200 + seed), seed)
    monkeypatch.setattr(C, "BAND_CELLS", 1 << 40)  # never
    plain = cover(tree, m, shut)
    c = C._Coverer(tree, m, frozenset(), np.ones(len(tree.leaves), dtype=np.int64))
    blocks = [(a, b, sa, sb) for a in c.kids for b in c.kids
              for sa in (True, False) for sb in (True, False)]
    want = [c.reduced(*blk) for blk in blocks]
    monkeypatch.setattr(C, "BAND_CELLS", -1)  # always
    assert plain == cover(tree, m, shut)
    for blk, (mx, mn) in zip(blocks, want, strict=True):
        got = c.reduced(*blk)
        assert np.array_equal(got[0], mx) and np.array_equal(got[1], mn), blk


def twin_tree_and_matrix(rnd: random.Random) -> tuple[Tree, np.ndarray]:
    """Namespaces made from a few templates (as charts make them), with relation blocks that
    repeat between copies of a template, plus noise in some blocks: twins and non-twins."""
    templates = []
    for _ in range(3):
        shape = [rnd.randint(0, 3) for _ in range(rnd.randint(1, 3))]  # 0: a leaf, k: a group
        templates.append(shape)
    parent: dict[str, str] = {}
    containers: set[str] = set()
    multi: dict[str, int] = {}
    kind_of: list[int] = []
    leaf = 0
    for ns in range(rnd.randint(6, 12)):
        t = rnd.randrange(len(templates))
        kind_of.append(t)
        nk = f"ns:{ns}"
        parent[nk] = ROOT
        containers.add(nk)
        for g, k in enumerate(templates[t]):
            if k == 0:
                parent[f"l{leaf}"] = nk
                leaf += 1
                continue
            gk = f"grp:{ns}/{g}"
            parent[gk] = nk
            containers.add(gk)
            for _ in range(k):
                parent[f"l{leaf}"] = gk
                leaf += 1
    for e in range(2):  # merged external ranges: several members
        parent[f"x{e}"] = ROOT
        multi[f"x{e}"] = 2 + e
    tree = Tree(parent, containers, None, multi)
    n = len(tree.leaves)
    m = np.zeros((n, n), dtype=np.int16)
    nss = [f"ns:{i}" for i in range(len(kind_of))]
    pattern: dict[tuple[int, int, bool], np.ndarray] = {}
    for i, a in enumerate(nss):
        for j, b in enumerate(nss):
            key = (kind_of[i], kind_of[j], i == j)
            shape = (tree.hi[a] - tree.lo[a], tree.hi[b] - tree.lo[b])
            if key not in pattern:
                pattern[key] = np.array(rnd.choices([0, 1, 2, 3], k=shape[0] * shape[1]),
                                        dtype=np.int16).reshape(shape)
            m[tree.lo[a]:tree.hi[a], tree.lo[b]:tree.hi[b]] = pattern[key]
    for _ in range(n // 3):
        m[rnd.randrange(n), rnd.randrange(n)] = rnd.randint(0, 3)
    for k in tree.leaves:
        i = tree.index[k]
        m[i, i] = 0 if k in multi else -1
    return tree, m


@pytest.mark.parametrize("seed", range(12))
def test_twin_blocks_get_the_products_of_their_own_decomposition(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``TWINS``: a block with the cells and shapes of one covered before takes its products
    renamed; products and memo are exactly those of decomposing every block, with and without
    collapsed containers, and the next what-if edit from that memo is the same too."""
    from netviz.viewmodel import cover as C

    rnd = random.Random(300 + seed)
    tree, m = twin_tree_and_matrix(rnd)
    shut = rnd.sample(sorted(tree.containers - {ROOT}), 2) if seed % 3 == 0 else []
    calls = count_runs(monkeypatch)
    assert C.TWINS
    got, memo = cover_memo(tree, m, shut)
    with_twins = calls[0]
    monkeypatch.setattr(C, "TWINS", False)
    calls[0] = 0
    want, want_memo = cover_memo(tree, m, shut)
    assert got == want and len(got) > 5
    assert memo.blocks == want_memo.blocks
    assert with_twins < calls[0]  # some block was a twin
    n = len(tree.leaves)
    m2 = m.copy()
    changed = {(rnd.randrange(n), rnd.randrange(n)) for _ in range(4)}
    for i, j in changed:
        if i != j:
            m2[i, j] = rnd.randint(0, 3)
    assert cover_memo(tree, m2, shut, memo, changed)[0] == cover(tree, m2, shut)

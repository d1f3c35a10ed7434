"""Differential: a what-if edit drawn incrementally (``GraphModel.updated`` with its memoized
cover and cached edges, then ``picture_update``) states exactly what a model and a picture
made from scratch state, pair by pair, in the plain and in the difference view; nothing moves.

Random edits of a small synthetic cluster (``benchmarks/synth.py``): a policy's ingress is
replaced by one rule from pods picked by a random selector on a random port, or a policy is
dropped; and (``test_ipblock_edit_...``) ipBlock edits: an ipBlock rule added, removed, or its
CIDR or ``except`` changed, in ingress and egress, so external ranges are cut anew and merge or
split (``GraphModel.updated`` then changes the tree's external leaves in place). An updated
model's edges equal those of a model built from scratch on its tree; what its picture states,
pair by pair, equals what a picture built from scratch (its own tree) states.
``NETVIZ_EDIT_EXAMPLES`` raises the number of seeds for a long run."""

from __future__ import annotations

import ipaddress
import os
import random
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist, connlist_edit, known_names
from netviz.engine.diff import diff
from netviz.export.picture_json import to_dict
from netviz.io.manifests import load_text
from netviz.model import LabelSelector, Peer, PolicyPort, Rule
from netviz.model.objects import IPBlock
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import Picture, picture, picture_update
from tests.conformance.test_picture import PC, check

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate

SEEDS = int(os.environ.get("NETVIZ_EDIT_EXAMPLES", "3"))


def stated(pic: Picture) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(source member, target member) -> the (style, connection) every drawn edge states for
    it (bundles and Service links state no pair)."""
    members = {n.key: n.members for n in pic.nodes}
    out: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for d in pic.edges:
        e = d.edge
        if e.style in ("bundle", "service") or e.src not in members or e.dst not in members:
            continue
        for s in members[e.src]:
            for t in members[e.dst]:
                if s != t:
                    out.setdefault((s, t), set()).add((str(e.style), e.connection))
    return out


def random_edit(rnd: random.Random, an: Analyzer) -> Analyzer:
    pols = list(an.cluster.policies)
    i = rnd.randrange(len(pols))
    if rnd.random() < 0.2:
        del pols[i]
    else:
        labels = sorted({(k, v) for w in an.cluster.workloads for k, v in w.labels.items()
                         if k != "app"})
        k, v = rnd.choice(labels)
        sel = LabelSelector() if rnd.random() < 0.3 else LabelSelector(((k, v),))
        port = rnd.choice((80, 443, 5432, 8080, 9090))
        pols[i] = replace(pols[i], ingress=(Rule(peers=(Peer(pod_selector=sel),),
                                                 ports=(PolicyPort("TCP", port),)),))
    return an.with_policies(pols)


#: CIDRs the ipBlock edits pick from (nested and overlapping, so cuts interact)
CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9", "172.16.0.0/12",
         "172.20.0.0/16", "172.21.0.0/16", "192.168.0.0/16", "192.168.0.0/17",
         "203.0.113.0/24", "100.64.0.0/10")


def random_block(rnd: random.Random) -> IPBlock:
    """A valid ipBlock: a CIDR and up to two ``except`` blocks strictly inside it."""
    cidr = rnd.choice(CIDRS)
    net = ipaddress.ip_network(cidr)
    inside = [c for c in CIDRS if c != cidr and ipaddress.ip_network(c).subnet_of(net)]
    rnd.shuffle(inside)
    k = rnd.choice((0, 0, 1, 2))
    return IPBlock(cidr, tuple(sorted(inside[:k])))


def ipblock_edit(rnd: random.Random, an: Analyzer) -> Analyzer:
    """One ipBlock edit of a random policy: a rule with an ipBlock added (ingress or egress),
    one removed, or one's CIDR or ``except`` changed."""
    pols = list(an.cluster.policies)
    i = rnd.randrange(len(pols))
    pol = pols[i]
    direction = rnd.choice(("ingress", "egress"))
    rules = list(getattr(pol, direction))
    with_block = [j for j, r in enumerate(rules) if any(p.ip_block for p in r.peers)]
    what = rnd.choice(("add", "remove", "change", "change"))
    if what != "add" and with_block:
        j = rnd.choice(with_block)
        if what == "remove":
            del rules[j]
        else:
            peers = tuple(Peer(ip_block=random_block(rnd)) if p.ip_block else p
                          for p in rules[j].peers)
            rules[j] = replace(rules[j], peers=peers)
    else:
        ports = () if rnd.random() < 0.3 else (PolicyPort("TCP", rnd.choice((80, 443, 8080))),)
        rules.append(Rule(peers=(Peer(ip_block=random_block(rnd)),), ports=ports))
    kind = "Ingress" if direction == "ingress" else "Egress"
    pols[i] = replace(pol, **{direction: tuple(rules)},
                      policy_types=pol.policy_types | {kind})
    return an.with_policies(pols)


@pytest.mark.parametrize("difference", [False, True], ids=["plain", "difference"])
@pytest.mark.parametrize("seed", range(SEEDS))
def test_incremental_edit_states_what_a_fresh_picture_states(seed: int,
                                                             difference: bool) -> None:
    assert run_edits(seed, difference, random_edit)[0] >= 2


@pytest.mark.parametrize("difference", [False, True], ids=["plain", "difference"])
@pytest.mark.parametrize("seed", range(SEEDS))
def test_ipblock_edit_states_what_a_fresh_picture_states(seed: int, difference: bool) -> None:
    updates, leaves_changed = run_edits(seed + 100, difference, ipblock_edit, steps=6)
    # some edits merged or split external ranges, and picture_update drew them (a new
    # column for the new external boxes)
    assert leaves_changed >= 1 and updates >= 2


def run_edits(seed: int, difference: bool, edit, steps: int = 5) -> tuple[int, int]:
    """Random edits; returns how many were drawn by ``picture_update``, and how many of those
    changed the external leaves."""
    rnd = random.Random(seed)
    objs = generate(namespaces=6, workloads=48, policies=30, seed=seed + 1)
    cluster = load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster
    base_an = Analyzer(cluster)
    base_conns = connlist(base_an)
    names = known_names(base_an)
    an, conns = base_an, base_conns
    model = GraphModel(cluster, conns, an, difference=[] if difference else None)
    model.ensure_memo()
    layout = Layout()
    pic = picture(model, model.view(), layout)
    boxes = [(n.key, n.rect) for n in pic.nodes]
    updates = leaves_changed = 0
    for step in range(steps):
        an2 = edit(rnd, an)
        got = connlist_edit(an, conns, an2)
        if not got.changed:
            continue
        d = diff(base_conns, got.connections, names, names) if difference else None
        before_ext = {k: model.members_of[k] for k in model.externals}
        model = model.updated(an2.cluster, got.connections, an2, got.changed, d)
        cut_anew = before_ext != {k: model.members_of[k] for k in model.externals}
        vis = model.view()
        fresh_model = GraphModel(an2.cluster, got.connections, an2, difference=d, keep=model)
        fresh_vis = fresh_model.view()
        # the model: the very edges a model built from scratch on the same tree has
        assert [(e.src, e.dst, e.style, e.label, e.connection, e.count) for e in vis.edges] == [
            (e.src, e.dst, e.style, e.label, e.connection, e.count) for e in fresh_vis.edges]
        # the external leaves are the ranges merged exactly as a fresh model merges them
        scratch = GraphModel(an2.cluster, got.connections, an2, difference=d)
        assert sorted(model.externals) == sorted(scratch.externals)
        assert {k: model.members_of[k] for k in model.externals} == {
            k: scratch.members_of[k] for k in scratch.externals}
        assert {k: model.nodes[k] for k in model.externals} == {
            k: scratch.nodes[k] for k in scratch.externals}
        assert {k for k, n in model.nodes.items() if not n.is_container} == {
            k for k, n in scratch.nodes.items() if not n.is_container}
        assert {k for k, n in model.nodes.items() if n.is_container} == (
            model.tree.containers - {"root"})
        # pair by pair, the updated model states what the scratch model does
        assert stated(picture(model, vis, Layout())) == stated(
            picture(scratch, scratch.view(), Layout()))
        new = picture_update(pic, model, vis, layout)
        if new is None:  # too much changed: made afresh (nothing to compare)
            pic = picture(model, vis, layout)
            boxes = [(n.key, n.rect) for n in pic.nodes]
            an, conns = an2, got.connections
            continue
        updates += 1
        leaves_changed += cut_anew  # and drawn by picture_update
        # nothing moved (a box stays where it was unless the edit made it another node: an
        # external leaf that stands for other ranges now); every line still drawn is where
        # it was
        replaced = {k for k in model.externals
                    if k in before_ext and before_ext[k] != model.members_of[k]}
        old_boxes = dict(boxes)
        assert {n.key: n.rect for n in new.nodes if n.key in old_boxes
                and n.key not in replaced} == {k: r for k, r in old_boxes.items()
                                               if k in {n.key for n in new.nodes}
                                               and k not in replaced}, step
        boxes = [(n.key, n.rect) for n in new.nodes]
        before = {id(x.edge): x.points for x in pic.edges}
        assert all(x.points == before[id(x.edge)] for x in new.edges if id(x.edge) in before)
        # every edge of the view is drawn (none left out), each once
        assert [x.edge for x in new.edges] == [e for e in vis.edges
                                              if e in {x.edge for x in new.edges}]
        assert len(new.edges) == len(picture(fresh_model, fresh_vis, Layout()).edges)
        # pair by pair: what the picture states is what a fresh picture states
        assert stated(new) == stated(picture(fresh_model, fresh_vis, Layout())), step
        assert new.pairs == fresh_vis.pairs
        if PC is not None and not difference:
            want = {(c.src.key, c.dst.key): str(c.connections) for c in got.connections}
            r = check(to_dict(new), want)
            assert (r["wrong"], r["missing"], r["conflicting"]) == (0, 0, 0), r
            assert r["through"] == [], r["through"][:5]
            assert (r["labels"], r["legend"], r["overlap"]) == (0, 0, 0), r
        pic, an, conns = new, an2, got.connections
    return updates, leaves_changed

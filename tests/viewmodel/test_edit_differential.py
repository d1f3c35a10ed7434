"""Differential: a what-if edit drawn incrementally (``GraphModel.updated`` with its memoized
cover and cached edges, then ``picture_update``) states exactly what a model and a picture
made from scratch state, pair by pair, in the plain and in the difference view; nothing moves.

Random edits of a small synthetic cluster (``benchmarks/synth.py``): a policy's ingress is
replaced by one rule from pods picked by a random selector on a random port, or a policy is
dropped. ``NETVIZ_EDIT_EXAMPLES`` raises the number of seeds for a long run."""

from __future__ import annotations

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


@pytest.mark.parametrize("difference", [False, True], ids=["plain", "difference"])
@pytest.mark.parametrize("seed", range(SEEDS))
def test_incremental_edit_states_what_a_fresh_picture_states(seed: int,
                                                             difference: bool) -> None:
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
    updates = 0
    for step in range(5):
        an2 = random_edit(rnd, an)
        got = connlist_edit(an, conns, an2)
        if not got.changed:
            continue
        d = diff(base_conns, got.connections, names, names) if difference else None
        model = model.updated(an2.cluster, got.connections, an2, got.changed, d)
        vis = model.view()
        fresh_model = GraphModel(an2.cluster, got.connections, an2, difference=d, keep=model)
        fresh_vis = fresh_model.view()
        # the model: the very edges a model built from scratch on the same tree has
        assert [(e.src, e.dst, e.style, e.label, e.connection, e.count) for e in vis.edges] == [
            (e.src, e.dst, e.style, e.label, e.connection, e.count) for e in fresh_vis.edges]
        new = picture_update(pic, model, vis, layout)
        if new is None:  # too much changed: made afresh (nothing to compare)
            pic = picture(model, vis, layout)
            boxes = [(n.key, n.rect) for n in pic.nodes]
            an, conns = an2, got.connections
            continue
        updates += 1
        # nothing moved; every line still drawn is where it was
        assert [(n.key, n.rect) for n in new.nodes] == boxes, step
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
            assert r["labels"] == 0, r
        pic, an, conns = new, an2, got.connections
    assert updates >= 2

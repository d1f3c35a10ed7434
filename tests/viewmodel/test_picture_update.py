"""``picture_update``: the picture after a what-if edit keeps every box and every line still
drawn where it was, routes the new lines between them, and is as exact and readable as a
picture made from scratch (the checks of tests/conformance/test_picture.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist, connlist_edit
from netviz.export.picture_json import to_dict
from netviz.io.manifests import load_paths
from netviz.model import LabelSelector, Peer, PolicyPort, Rule
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import picture, picture_update
from tests.conformance.test_picture import PC, check

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def edited(an: Analyzer, name: str, port: int) -> Analyzer:
    """``an`` with the policy ``name`` admitting every pod of its namespace on ``port``."""
    pols = list(an.cluster.policies)
    i = next(i for i, p in enumerate(pols) if p.name == name)
    pols[i] = replace(pols[i], ingress=(Rule(peers=(Peer(pod_selector=LabelSelector()),),
                                             ports=(PolicyPort("TCP", port),)),))
    return an.with_policies(pols)


@pytest.mark.parametrize("difference", [False, True], ids=["plain", "difference"])
def test_an_edit_moves_nothing_and_stays_exact(difference: bool) -> None:
    from netviz.engine.connlist import known_names
    from netviz.engine.diff import diff

    cluster = load_paths([str(DEMO)]).cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an, difference=[] if difference else None)
    layout = Layout()
    pic = picture(model, model.view(), layout)
    boxes = {n.key: n.rect for n in pic.nodes}
    names = known_names(an)
    for step, (name, port) in enumerate((("postgres-clients", 6000),
                                         ("postgres-clients", 5432),
                                         ("api-from-web", 7001))):
        if not any(p.name == name for p in an.cluster.policies):
            pytest.skip(f"the demo has no policy {name}")
        an2 = edited(an, name, port)
        got = connlist_edit(an, conns, an2)
        assert got.changed, step
        d = diff(connlist(Analyzer(cluster)), got.connections, names, names) if difference \
            else None
        model = model.updated(an2.cluster, got.connections, an2, got.changed, d)
        vis = model.view()
        new = picture_update(pic, model, vis, layout)
        assert new is not None, step
        # nothing moved: the very same boxes
        assert new.nodes is pic.nodes
        assert {n.key: n.rect for n in new.nodes} == boxes
        # every line still drawn is where it was
        before = {id(d.edge): d.points for d in pic.edges}
        kept = [d for d in new.edges if id(d.edge) in before]
        assert kept and all(d.points == before[id(d.edge)] for d in kept)
        assert [d.edge for d in new.edges] == [e for e in vis.edges if e in {d.edge for d in new.edges}]
        if PC is not None and not difference:
            want = {(c.src.key, c.dst.key): str(c.connections) for c in got.connections}
            r = check(to_dict(new), want)
            assert (r["wrong"], r["missing"], r["conflicting"]) == (0, 0, 0), r
            assert r["through"] == [], r["through"][:5]
            assert r["labels"] == 0, r
        pic, an, conns = new, an2, got.connections


def test_too_much_changed_or_other_boxes_route_afresh() -> None:
    cluster = load_paths([str(DEMO)]).cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    layout = Layout()
    pic = picture(model, model.view(), layout)
    # another view (a namespace filter): other boxes shown, so not an update
    vis = model.view(namespaces=frozenset({"data"}))
    assert picture_update(pic, model, vis, layout) is None
    # a moved node: the picture is made afresh
    layout.move(next(n.key for n in pic.nodes if n.title_rect is None), 5.0, 5.0)
    assert picture_update(pic, model, model.view(), layout) is None


PILLS = """
apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: data}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: front, namespace: web}
spec:
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: i}]}
""" + "".join(f"""---
apiVersion: v1
kind: Service
metadata: {{name: s{i}, namespace: data}}
spec:
  selector: {{app: db}}
  ports: [{{port: {p}, targetPort: {p}}}]
""" for i, p in enumerate((80, 5432, 9000))) + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-in, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: front}}}]
    ports: [{port: 80}]
"""


def test_a_line_into_a_pill_between_siblings_enters_from_above() -> None:
    """A new line into the middle one of a workload's Service pills comes in from above (as a
    fresh picture draws it), never through its sibling pills; the ends of a kept line keep
    their places."""
    from netviz.io.manifests import load_text

    cluster = load_text(PILLS, "pills.yaml").cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    layout = Layout()
    pic = picture(model, model.view(), layout)
    assert ("web/front[Deployment]", "svc:data/s0") in {
        (d.edge.src, d.edge.dst) for d in pic.edges}
    # every pod of the cluster may reach db on the middle Service's port
    pols = list(an.cluster.policies)
    everyone = Peer(pod_selector=LabelSelector(), namespace_selector=LabelSelector())
    pols[0] = replace(pols[0], ingress=(Rule(peers=(everyone,),
                                             ports=(PolicyPort("TCP", 5432),)),))
    an2 = an.with_policies(pols)
    got = connlist_edit(an, conns, an2)
    model = model.updated(an2.cluster, got.connections, an2, got.changed)
    vis = model.view()
    new = picture_update(pic, model, vis, layout)
    assert new is not None
    rects = {n.key: n.rect for n in new.nodes}
    middle = [d for d in new.edges if d.edge.dst == "svc:data/s1"]
    assert middle, [d.edge.dst for d in new.edges]
    for d in middle:
        x, y, w, h = rects[d.edge.dst]
        # the last leg comes down onto the pill's top
        (x0, y0), (x1, y1) = d.points[-2], d.points[-1]
        assert abs(x0 - x1) < 0.01 and y0 < y1 and abs(y1 - y) < 0.01
        assert x < x1 < x + w
    if PC is not None:
        want = {(c.src.key, c.dst.key): str(c.connections) for c in got.connections}
        r = check(to_dict(new), want)
        assert (r["wrong"], r["missing"], r["conflicting"]) == (0, 0, 0), r
        assert r["through"] == [], r["through"][:5]
        assert r["labels"] == 0, r


def test_lines_of_an_edit_follow_a_node_moved_by_hand() -> None:
    """A node the user moved before the edit: the new lines end at it where it is now (as in
    a fresh picture), and it stays where it was put."""
    cluster = load_paths([str(DEMO)]).cluster
    an = Analyzer(cluster)
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    layout = Layout()
    first = picture(model, model.view(), layout)
    an2 = edited(an, "postgres-clients", 6000)
    got = connlist_edit(an, conns, an2)
    model2 = model.updated(an2.cluster, got.connections, an2, got.changed)
    vis2 = model2.view()
    old_ids = {id(d.edge) for d in first.edges}
    target = next(e.dst for e in vis2.edges if id(e) not in old_ids and e.style != "service")
    cx, cy = layout.centre(model, target)
    layout.move(target, cx + 40.0, cy + 25.0)
    pic = picture(model, model.view(), layout)  # the picture after the move
    new = picture_update(pic, model2, vis2, layout)
    assert new is not None
    into = [d for d in new.edges if d.edge.dst == target and id(d.edge) not in old_ids]
    assert into
    for d in into:
        assert d.points[-1] == (cx + 40.0, cy + 25.0)
    assert {n.key: n.rect for n in new.nodes}[target] == layout.rect(model2, target)


def test_free_places_and_track_index_equal_the_plain_ones() -> None:
    """``route_more``'s helpers for busy gaps (numpy) choose what the plain ones choose: the
    free place among many taken ones (``_free_np`` vs ``_free``'s loop), and the runs beside
    a height range (``_Tracks`` with removals vs a list)."""
    import random

    from netviz.viewmodel import routing as R

    rnd = random.Random(7)
    for _ in range(300):
        lo = rnd.uniform(0, 50)
        hi = lo + rnd.choice((0.0, 3.0, 40.0, 400.0))
        taken = [round(rnd.uniform(lo - 10, hi + 10), rnd.choice((0, 1, 3)))
                 for _ in range(rnd.choice((49, 60, 200)))]
        taken += taken[:5]  # duplicates
        want = rnd.uniform(lo - 20, hi + 20)
        small = taken[:48] if rnd.random() < 0.5 else taken
        plain = R._free(lo, hi, small[:48], want)
        assert R._free_np(lo, hi, small[:48], want) == plain
        assert R._free_np(lo, hi, taken, want) == _free_plain(lo, hi, taken, want)
    tracks = R._Tracks()
    ref: list[tuple[float, float, float]] = []
    for _ in range(2000):
        if ref and rnd.random() < 0.3:
            t = rnd.choice(ref)
            ref.remove(t)
            tracks.remove(t)
        else:
            a, b = sorted((rnd.uniform(0, 1000), rnd.uniform(0, 1000)))
            t = (float(rnd.randrange(100)), a, b)
            ref.append(t)
            tracks.add(t)
        q0, q1 = sorted((rnd.uniform(0, 1000), rnd.uniform(0, 1000)))
        assert sorted(tracks.beside(q0, q1)) == sorted(x for x, a, b in ref
                                                        if a <= q1 and b >= q0)
    assert len(tracks) == len(ref) and sorted(tracks.items()) == sorted(ref)


def _free_plain(lo: float, hi: float, taken: list[float], want: float) -> float:
    """``routing._free`` without its numpy path (the reference)."""
    import math
    from bisect import bisect_left

    from netviz.viewmodel.routing import TRACK

    if hi < lo:
        return (lo + hi) / 2
    near = sorted(t for t in taken if lo - TRACK <= t <= hi + TRACK)
    target = min(max(want, lo), hi)
    if not near:
        return target

    def gap_at(x: float) -> float:
        i = bisect_left(near, x)
        d = math.inf
        if i < len(near):
            d = near[i] - x
        if i > 0:
            d = min(d, x - near[i - 1])
        return d

    best_x, best = target, (gap_at(target), 0.0)
    for x in (lo, hi):
        cand = (gap_at(x), -abs(x - want))
        if cand > best:
            best_x, best = x, cand
    for a, b in zip(near, near[1:], strict=False):
        mid = (a + b) / 2
        if lo <= mid <= hi:
            cand = ((b - a) / 2, -abs(mid - want))
            if cand > best:
                best_x, best = mid, cand
    return best_x

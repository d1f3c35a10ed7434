"""The picture, exactly: every box, line, crossing height, track and label place of two
pictures (the demo and a synthetic cluster with many edges through shared gaps) against golden
picture JSON files. Speed work on layout and routing must keep pictures identical; a change
that means to move something regenerates the goldens on purpose with

    NETVIZ_UPDATE_GOLDENS=1 python -m pytest tests/viewmodel/test_picture_golden.py

and says in its commit why the picture differs. The text is measured with ``approx_measure``
(no fonts), so the goldens are the same on every machine."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.export.picture_json import to_dict
from netviz.io.manifests import load_paths, load_text
from netviz.model.cluster import Cluster
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout, Structure
from netviz.viewmodel.routing import picture, route

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = ROOT / "tests" / "data" / "goldens"
UPDATE = os.environ.get("NETVIZ_UPDATE_GOLDENS") == "1"


def _demo() -> Cluster:
    return load_paths([str(ROOT / "resources" / "demo")]).cluster


def _synthetic() -> Cluster:
    import yaml

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import generate

    objs = generate(namespaces=6, workloads=90, policies=50, seed=3)
    return load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster


def _model(cluster: Cluster) -> GraphModel:
    an = Analyzer(cluster)
    return GraphModel(cluster, connlist(an), an)


def _laid_out(cluster: Cluster) -> tuple[GraphModel, Any, Structure]:
    """The model of ``cluster``, its view and the structure its picture was laid out and
    routed on."""
    model = _model(cluster)
    vis = model.view()
    lay = Layout()
    picture(model, vis, lay)
    assert lay.structure is not None
    return model, vis, lay.structure


@pytest.mark.parametrize("name, make", [("demo", _demo), ("synthetic", _synthetic)])
def test_picture_is_the_golden_one(name, make) -> None:
    model = _model(make())
    got = to_dict(picture(model, model.view(), Layout(), heading=name))
    path = GOLDENS / f"picture-{name}.json"
    if UPDATE:
        path.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    assert len(got["elements"]["edges"]) > 20
    # compare piece by piece, so a failure names the first box or edge that moved
    assert {k: v for k, v in got.items() if k != "elements"} == {
        k: v for k, v in want.items() if k != "elements"}
    for part in ("nodes", "edges"):
        for i, (g, w) in enumerate(zip(got["elements"][part], want["elements"][part],
                                       strict=True)):
            assert g == w, f"{part} {i}"


def test_cached_plans_route_as_fresh_ones() -> None:
    """``route`` caches the plans of an arrangement (``Structure.plans``): routing again with
    the cache gives exactly what a fresh plan gives, with and without the polylines."""
    model, vis, st = _laid_out(_synthetic())
    assert st.plans  # the picture planned through the cache

    def key(routes):
        return [(r.edge.src, r.edge.dst, r.edge.style, r.points, r.runs, r.ends, r.crosses,
                 r.starts_on_border) for r in routes]

    for points in (True, False):
        cached, cached_needs = route(st, model, vis.edges, points=points)
        st.plans.clear()
        fresh, fresh_needs = route(st, model, vis.edges, points=points)
        assert key(cached) == key(fresh)
        assert cached_needs == fresh_needs
        assert any(len(r.runs) > 1 for r in fresh)
        assert any(r.crosses for r in fresh) == points  # the places held: with the polylines


@pytest.mark.parametrize("name, make", [("demo", _demo), ("synthetic", _synthetic)])
def test_plans_from_pieces_are_the_plans(name, make) -> None:
    """``_heights`` plans most edges from memoised pieces (``_fast_plan``): the very
    compiled template ``_plan`` gives, for every edge of the view, with and without Services drawn
    through, and for edges between any two boxes (whatever holds what)."""
    from netviz.viewmodel.graph import Edge
    from netviz.viewmodel.routing import _compile, _fast_plan, _plan, _template

    model, vis, st = _laid_out(make())
    depth = {k: model.tree.depth.get(k, 0) for k in st.conts}
    memo: dict = {}
    keys = sorted(st.rects)
    edges = list(vis.edges) + [
        Edge(a, b, "allowed") for a in keys[::3] for b in keys[::2]]
    pieces = 0
    for e in edges:
        p = _plan(st, e, depth)
        want = None if p is None else _compile(_template(p))
        assert _fast_plan(st, e, depth, memo) == want, e
        pieces = len(memo)
    assert pieces > 10  # the pieces were used


@pytest.mark.parametrize("name, make", [("demo", _demo), ("synthetic", _synthetic)])
def test_gap_needs_are_what_routing_needs(name, make) -> None:
    """``gap_needs`` (what ``measure_needs`` sizes the gaps by) counts tracks without
    assigning them: the same needs as ``route(points=False)``'s interval colouring, and the
    same label room (each labelled edge in the gap of its longest run, first of equals)."""
    from netviz.viewmodel.routing import LABEL_PAD_X, gap_needs
    from netviz.viewmodel.text import approx_measure

    model, vis, st = _laid_out(make())
    routes, (vneeds, hneeds) = route(st, model, vis.edges, points=False)
    labels: dict = {}
    for r in routes:
        if not r.edge.label or not r.runs:
            continue
        best = max(r.runs, key=lambda t, r=r: (abs(t[3] - t[2]), t[0] == r.runs[-1][0]))
        lw, _ = approx_measure(r.edge.label, "label")
        labels[best[0]] = max(labels.get(best[0], 0.0), lw + 2 * LABEL_PAD_X + 8)
    got = gap_needs(st, model, vis.edges, approx_measure)
    assert got == (vneeds, hneeds, labels)
    assert labels and any(v > 13 for v in vneeds.values())  # several tracks somewhere


def _simplify_reference(pts):
    """The plain scan ``_simplify`` replaced: drop repeats, then delete middles in place."""
    out = []
    for pt in pts:
        if out and abs(out[-1][0] - pt[0]) < 0.01 and abs(out[-1][1] - pt[1]) < 0.01:
            continue
        out.append(pt)
    i = 1
    while i < len(out) - 1:
        (x0, y0), (x1, y1), (x2, y2) = out[i - 1], out[i], out[i + 1]
        if (abs(x0 - x1) < 0.01 and abs(x1 - x2) < 0.01) or (
                abs(y0 - y1) < 0.01 and abs(y1 - y2) < 0.01):
            del out[i]
        else:
            i += 1
    return out


def test_simplify_matches_the_plain_scan() -> None:
    import random

    from netviz.viewmodel.routing import _simplify

    rnd = random.Random(8)
    # few distinct coordinates (some within 0.01 of another): repeats and straight runs abound
    xs, ys = (0.0, 0.004, 1.0, 2.0), (0.0, 0.006, 1.0, 3.0)
    for _ in range(5000):
        pts = [(rnd.choice(xs), rnd.choice(ys)) for _ in range(rnd.randrange(9))]
        assert _simplify(pts) == _simplify_reference(pts), pts


def _candidates_reference(pts, w, h):
    """The label places ``_candidates`` walks lazily, as lists (the plain form it replaced)."""
    segs = [(pts[i], pts[i + 1]) for i in range(len(pts) - 1)]
    vert = [s for s in reversed(segs) if abs(s[0][0] - s[1][0]) < 0.5]
    hori = [s for s in reversed(segs) if abs(s[0][1] - s[1][1]) < 0.5]
    fracs = (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95)
    out = []
    for (x0, y0), (_x1, y1) in vert:
        if abs(y1 - y0) >= 2:
            for f in fracs:
                y = y0 + (y1 - y0) * f
                out += [(x0 - w / 2, y - h / 2, w, h), (x0 + 2, y - h / 2, w, h),
                        (x0 - w - 2, y - h / 2, w, h)]
    for (x0, y0), (x1, _y1) in hori:
        length = abs(x1 - x0)
        if length >= 2:
            for f in fracs:
                x = x0 + (x1 - x0) * f
                if length >= w:
                    x = min(max(x, min(x0, x1) + w / 2), max(x0, x1) - w / 2)
                out += [(x - w / 2, y0 - h / 2, w, h), (x - w / 2, y0 - h - 1, w, h),
                        (x - w / 2, y0 + 1, w, h)]
    return out


def test_label_places_are_the_plain_ones() -> None:
    import random

    from netviz.viewmodel.graph import Edge
    from netviz.viewmodel.routing import Routed, _candidates

    rnd = random.Random(9)
    # axis-aligned runs, tiny and slanted steps, repeats: every kind of segment
    for _ in range(3000):
        pts = [(rnd.choice((0.0, 0.3, 1.0, 5.0, 40.0)), rnd.choice((0.0, 0.4, 1.5, 3.0, 60.0)))
               for _ in range(rnd.randrange(7))]
        w, h = rnd.choice((4.0, 30.0)), 12.0
        r = Routed(Edge("a", "b", "allowed"), pts)
        assert list(_candidates(r, w, h)) == _candidates_reference(pts, w, h), pts

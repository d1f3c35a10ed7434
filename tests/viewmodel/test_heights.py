"""``_heights`` (route steps 1-3: each crossing's horizontal gap, the ports, the crossing
heights) and the rest of ``route`` (vertical runs, places held, polylines) run on numpy
arrays over all plans at once; here they are checked against the plain per-plan code they
replaced, on the pictures of the demo and a synthetic cluster and on random
edges between any two boxes (squeezed gaps, pills, containers, loops), to the last bit."""

from __future__ import annotations

import bisect
import math
import random
from pathlib import Path

import numpy as np
import pytest

from netviz.viewmodel.graph import Edge
from netviz.viewmodel.layout import RING, TRACK, Structure
from netviz.viewmodel.routing import (
    LEFT,
    RIGHT,
    TOP,
    TOP_X,
    Routed,
    _colour,
    _Compiled,
    _compiled_plans,
    _End,
    _heights,
    _heights_np,
    _hgap_ranges,
    _pill_row,
    _polylines,
    _port_range,
    _side_x,
    _simplify,
    _spread,
    _spread_at,
    _spread_at_np,
    route,
)
from tests.viewmodel.test_picture_golden import _demo, _laid_out, _synthetic


def _heights_reference(st, model, edges):
    """``_heights`` as it was, plan by plan in plain Python (the reference it must match);
    the plans are gathered as ``_heights_np`` gathers them."""
    edge_l, comp_l = _compiled_plans(st, model, edges)
    conts, rects = st.conts, st.rects
    prange: dict[str, tuple[float, float]] = {}

    def port_range(node: str) -> tuple[float, float]:
        got = prange.get(node)
        if got is None:
            got = prange[node] = _port_range(st, _End(node, RIGHT))
        return got

    mids: dict[str, float] = {}

    def port_mid(node: str) -> float:
        got = mids.get(node)
        if got is None:
            got = mids[node] = sum(port_range(node)) / 2
        return got

    starts: list[_End] = []
    ends: list[_End] = []
    cgap_l: list[list[int]] = []  # per plan: the horizontal gap of each crossing
    cy_l: list[list[float]] = []  # per plan: the height of each crossing
    # 1. which horizontal gap each crossing uses: the one nearest the straight line (the
    # score |mid - want| + |mid - cur| / 4 is least at one of the two gaps around ``want``)
    gaps_of: dict[tuple[str, int], tuple[list[tuple[float, float]], list[float], list[int],
                                         int]] = {}
    #: every crossing, plans in order: its horizontal gap's id (``gap_keys``) and height
    gid_flat: list[int] = []
    cy_flat: list[float] = []
    gap_keys: list[tuple[str, int, int]] = []
    for comp in comp_l:
        t, cks, _gks = comp
        s_end, e_end = _End(*t[0]), _End(*t[2])
        starts.append(s_end)
        ends.append(e_end)
        gl: list[int] = []
        yl: list[float] = []
        cgap_l.append(gl)
        cy_l.append(yl)
        if t[4] or not cks:  # direct, or nothing to cross
            continue
        cur = port_mid(s_end.node)
        y1 = port_mid(e_end.node)
        m = len(cks)
        for ci, ck in enumerate(cks):
            got = gaps_of.get(ck)
            if got is None:
                ranges = _hgap_ranges(conts[ck[0]], ck[1])
                usable = [gi for gi, (a, b) in enumerate(ranges) if b - a >= 4] or [0]
                got = (ranges, [(ranges[gi][0] + ranges[gi][1]) / 2 for gi in usable], usable,
                       len(gap_keys))
                gaps_of[ck] = got
                gap_keys.extend((ck[0], ck[1], gi) for gi in range(len(ranges)))
            ranges, gmids, usable, base = got
            want = cur + (y1 - cur) / (m - ci + 1)
            k = bisect.bisect_left(gmids, want)
            best, best_d = usable[0], math.inf
            for j in (k - 1, k):
                if 0 <= j < len(gmids):
                    dd = abs(gmids[j] - want) + 0.25 * abs(gmids[j] - cur)
                    if dd < best_d:
                        best, best_d = usable[j], dd
            gl.append(best)
            gid_flat.append(base + best)
            a, b = ranges[best]
            cur = (a + b) / 2
            yl.append(cur)
            cy_flat.append(cur)
    # 2. ports: edges at one side of a box, ordered by where they go next (entries (towards,
    # 2 * plan + 0 for its start, 1 for its end): unique, so plain tuple order is the order)
    ports: dict[tuple[str, str, bool], list[tuple[float, int]]] = {}
    for i, comp in enumerate(comp_l):
        t = comp[0]
        if t[4]:
            continue
        yl = cy_l[i]
        ports.setdefault(t[0], []).append((yl[0] if yl else port_mid(t[2][0]), 2 * i))
        ports.setdefault(t[2], []).append((yl[-1] if yl else port_mid(t[0][0]), 2 * i + 1))
    for pkey, items in ports.items():
        items.sort()
        lo, hi = port_range(pkey[0])
        spacing = max(TRACK, min(12.0, (hi - lo) / max(1, len(items))))
        for y, (_w, idx) in zip(_spread(len(items), lo, hi, spacing), items, strict=True):
            (ends if idx & 1 else starts)[idx >> 1].y = y
    # 2b. a pill with siblings between it and the side the edge comes from is entered from
    # above (through the gap over its workload's unit), never through its siblings
    above: dict[str, list[_End]] = {}
    rows: dict[str, list[str] | None] = {}
    for i, comp in enumerate(comp_l):
        e_end = ends[i]
        if comp[0][4] or e_end.border:
            continue
        node = e_end.node
        if node in rows:
            row = rows[node]
        else:
            row = rows[node] = _pill_row(st, node)
        if row is None:
            continue
        pos = row.index(node)
        if (e_end.side == LEFT and pos > 0) or (e_end.side == RIGHT and pos < len(row) - 1):
            above.setdefault(st.elem_of[node], []).append(e_end)
    for unit, tops in above.items():
        el = st.elems[unit]
        ucont = conts[st.cont_of[unit]]
        lo = ucont.top - RING / 2
        for ga, gb in _hgap_ranges(ucont, el.col):
            if abs(gb - el.y) < 0.5:
                lo = ga
        tops.sort(key=lambda en: (rects[en.node][0], en.side))
        room = max(2.0, el.y - lo - 2)
        dy = min(TRACK, room / (len(tops) + 1))
        for k, en in enumerate(tops):
            nx, _, nw, _ = rects[en.node]
            en.y = el.y - dy * (k + 1)
            en.top_x = nx + nw / 2 + (k - (len(tops) - 1) / 2) * 3
    # 3. crossings of one horizontal gap get their own heights: spread in the order of
    # (wanted height, plan, crossing), the wanted height halfway between the heights before
    # and after it (with numpy: ~350,000 crossings at 5,000 workloads; the same float
    # operations as ``_spread``)
    hneeds: dict[tuple[str, int, int], float] = {}
    if not cy_flat:
        return edge_l, comp_l, starts, ends, cgap_l, cy_l, hneeds
    owners = [i for i, yl in enumerate(cy_l) if yl]
    counts = np.array([len(cy_l[i]) for i in owners], dtype=np.int64)
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    lasts = firsts + counts - 1
    cy = np.array(cy_flat, dtype=np.float64)
    before = np.empty_like(cy)
    after = np.empty_like(cy)
    before[1:] = cy[:-1]
    after[:-1] = cy[1:]
    before[firsts] = [starts[i].y for i in owners]
    after[lasts] = [ends[i].y for i in owners]
    wanted = (before + after) / 2
    plan = np.repeat(np.array(owners, dtype=np.int64), counts)
    step = np.arange(cy.size, dtype=np.int64) - np.repeat(firsts, counts)
    gid = np.array(gid_flat, dtype=np.int64)
    order = np.lexsort((step, plan, wanted, gid))
    gs = gid[order]
    heads = np.flatnonzero(np.concatenate(([True], gs[1:] != gs[:-1])))
    sizes = np.diff(np.append(heads, gs.size))
    rank = np.arange(gs.size, dtype=np.int64) - np.repeat(heads, sizes)
    g_start = np.empty(len(heads), dtype=np.float64)
    g_step = np.empty(len(heads), dtype=np.float64)
    for j, (g, n) in enumerate(zip(gs[heads].tolist(), sizes.tolist(), strict=True)):
        c, col, gi = gap_keys[g]
        a, b = gaps_of[(c, col)][0][gi]
        g_start[j], g_step[j] = _spread_at(n, a + 3, b - 3)
    grp = np.repeat(np.arange(len(heads)), sizes)
    placed = np.where(sizes[grp] == 1, g_start[grp], g_start[grp] + rank * g_step[grp])
    y_flat = np.empty_like(cy)
    y_flat[order] = placed
    ys_all = y_flat.tolist()
    for i, lo, n in zip(owners, firsts.tolist(), counts.tolist(), strict=True):
        cy_l[i] = ys_all[lo:lo + n]
    # the needs in the order the gaps are first crossed (plans in order)
    _u, first_at = np.unique(gid, return_index=True)
    need_of = dict(zip(gs[heads].tolist(), sizes.tolist(), strict=True))
    for g in gid[np.sort(first_at)].tolist():
        hneeds[gap_keys[g]] = need_of[g] * TRACK + 8
    return edge_l, comp_l, starts, ends, cgap_l, cy_l, hneeds


def _route_reference(st, model, edges, points=True):
    """``route`` as it was: per plan lists and loops over them."""
    edge_l, comp_l, starts, ends, cgap_l, cy_l, hneeds = _heights_reference(st, model, edges)
    conts = st.conts
    vneeds: dict[tuple[str, int], float] = {}
    # 4. vertical runs: tracks per gap (entries (y0, y1, plan, run): unique, and runs of one
    # plan in step order, so plain tuple order is the order by (y0, y1, plan))
    runs: dict[tuple[str, int], list[tuple[float, float, int, int]]] = {}
    fixed_y: list[list[float]] = []
    for i, comp in enumerate(comp_l):
        t, _cks, gks = comp
        ys = [starts[i].y, ends[i].y] if t[3] else [starts[i].y, *cy_l[i], ends[i].y]
        fixed_y.append(ys)
        for gi in range(len(gks)):
            a, b = ys[gi], ys[gi + 1]
            item = (a, b, i, gi) if a <= b else (b, a, i, gi)
            runs.setdefault(gks[gi], []).append(item)
    tx_l: list[list[float]] = [[0.0] * len(comp[2]) for comp in comp_l]
    # the tracks of every gap (sorted in place; the x of each run in that order)
    gap_keys = list(runs)
    coloured = [_colour(runs[gk], conts[gk[0]].vgaps[gk[1]]) for gk in gap_keys]
    for gk, (xs, nt) in zip(gap_keys, coloured, strict=True):
        for (_y0, _y1, i, ri), x in zip(runs[gk], xs, strict=True):
            tx_l[i][ri] = x
        vneeds[gk] = nt * TRACK + 8
    # 5. points
    out: list[Routed] = []
    if not points:
        for i, comp in enumerate(comp_l):
            r = Routed(edge_l[i], [])
            ys = fixed_y[i]
            tx = tx_l[i]
            r.runs = [(gk, tx[gi], ys[gi], ys[gi + 1]) for gi, gk in enumerate(comp[2])]
            out.append(r)
        return out, (vneeds, hneeds)
    out = _routed_reference(st, edge_l, comp_l, starts, ends, cgap_l, cy_l, fixed_y, tx_l)
    for r, pts in zip(out, _polylines_reference(st, comp_l, starts, ends, fixed_y, tx_l), strict=True):
        r.points = pts
    return out, (vneeds, hneeds)


def _routed_reference(st: Structure, edge_l: list[Edge], comp_l: list[_Compiled],
                      starts: list[_End], ends: list[_End], cgap_l: list[list[int]], cy_l: list[list[float]],
            fixed_y: list[list[float]], tx_l: list[list[float]]) -> list[Routed]:
    """``route`` step 5 without the polylines (``_polylines``): a ``Routed`` per plan with its
    vertical runs and the places it holds."""
    conts, elem_of = st.conts, st.elem_of
    out: list[Routed] = []
    for i, comp in enumerate(comp_l):
        t, cks, gks = comp
        r = Routed(edge_l[i], [])
        out.append(r)
        if t[4]:
            continue
        ys = fixed_y[i]
        tx = tx_l[i]
        r.runs = [(gks[gi], tx[gi], ys[gi], ys[gi + 1]) for gi in range(len(gks))]
        s_end, e_end = starts[i], ends[i]
        r.starts_on_border = s_end.border or s_end.node in conts
        # the places it holds, for ``route_more`` (as ``_occupies`` records them)
        start = (s_end.node, s_end.side, s_end.border, s_end.y)
        if e_end.top_x is not None:
            r.ends = (start, (elem_of[e_end.node], TOP, False, e_end.y),
                      (e_end.node, TOP_X, False, e_end.top_x))
        else:
            r.ends = (start, (e_end.node, e_end.side, e_end.border, e_end.y))
        gl, yl = cgap_l[i], cy_l[i]
        r.crosses = [((cks[ci][0], cks[ci][1], gl[ci]), yl[ci]) for ci in range(len(yl))]
    return out


def _polylines_reference(st: Structure, comp_l: list[_Compiled], starts: list[_End],
                         ends: list[_End],
               fixed_y: list[list[float]], tx_l: list[list[float]]
               ) -> list[list[tuple[float, float]]]:
    """``route`` step 5: the polylines of the plans."""
    rects = st.rects
    out: list[list[tuple[float, float]]] = []
    for i in range(len(comp_l)):
        t, _cks, gks = comp_l[i]
        s_end, e_end = starts[i], ends[i]
        if t[4]:
            ux, uy, uw, uh = rects[s_end.node]
            vx, vy, vw, vh = rects[e_end.node]
            # straight down from the pill to its workload (pills stand in a row above it)
            x = min(max(ux + uw / 2, vx + 4), vx + vw - 4)
            out.append([(x, uy + uh), (x, vy)])
            continue
        ys = fixed_y[i]
        tx = tx_l[i]
        pts: list[tuple[float, float]] = [(_side_x(st, s_end), ys[0])]
        for gi in range(len(gks)):
            x = tx[gi]
            pts.append((x, ys[gi]))
            pts.append((x, ys[gi + 1]))
        if e_end.top_x is not None:
            pts.append((e_end.top_x, ys[-1]))
            pts.append((e_end.top_x, rects[e_end.node][1]))
        else:
            pts.append((_side_x(st, e_end), ys[-1]))
        if t[3]:
            # out of the right border and back in
            x = max(pts[1][0], _side_x(st, s_end) + 6)
            pts = [(pts[0][0], ys[0]), (x, ys[0]), (x, ys[1]), (pts[-1][0], ys[1])]
        out.append(_simplify(pts))
    return out


def _same(st, model, edges) -> int:
    want = _heights_reference(st, model, edges)
    got = _heights(st, model, edges)
    edge_l, comp_l, starts, ends, cgap_l, cy_l, hneeds = got
    assert edge_l == want[0] and comp_l == want[1]
    assert starts == want[2]  # ports (node, side, border, y)
    assert ends == want[3]  # and pills entered from above (top_x)
    assert cgap_l == want[4]
    assert cy_l == want[5]
    assert list(hneeds.items()) == list(want[6].items())  # in the order first crossed
    for points in (True, False):
        routes, (vneeds, hn) = route(st, model, edges, points)
        want_r, (want_v, want_h) = _route_reference(st, model, edges, points)
        assert [(r.edge, r.points, r.runs, r.ends, r.crosses, r.starts_on_border)
                for r in routes] == [(r.edge, r.points, r.runs, r.ends, r.crosses,
                                      r.starts_on_border) for r in want_r]
        assert list(vneeds.items()) == list(want_v.items())
        assert list(hn.items()) == list(want_h.items())
    return sum(map(len, cy_l))


@pytest.mark.parametrize("name, make", [("demo", _demo), ("synthetic", _synthetic)])
def test_heights_are_the_plain_ones(name, make) -> None:
    model, vis, st = _laid_out(make())
    assert _same(st, model, vis.edges) > 20  # crossings enough to share gaps
    # random edges between any two boxes: gaps not sized for them (squeezed, unusable ones),
    # edges into and out of containers, loops, pills and their workloads
    rnd = random.Random(8)
    keys = sorted(st.rects)
    for _ in range(4):
        edges = [Edge(rnd.choice(keys), rnd.choice(keys), rnd.choice(("allowed", "denied")))
                 for _ in range(rnd.randrange(1, 400))]
        _same(st, model, edges)
    _same(st, model, [])


def test_spread_at_np_is_spread_at() -> None:
    rnd = random.Random(3)
    cases = [(rnd.randrange(1, 9), rnd.choice((0.0, 3.5, -2.0, 100.25)) + rnd.random(),
              rnd.choice((0.0, 1.0, 7.0, 40.0)) * rnd.random(), rnd.choice((TRACK, 12.0, 2.5)))
             for _ in range(3000)]
    n = np.array([c[0] for c in cases])
    lo = np.array([c[1] for c in cases])
    hi = lo + np.array([c[2] for c in cases]) - 1.0  # some spans empty or negative
    step = np.array([c[3] for c in cases])
    first, dist = _spread_at_np(n, lo, hi, step)
    for i, (k, a, b, s) in enumerate(zip(n.tolist(), lo.tolist(), hi.tolist(), step.tolist(),
                                             strict=True)):
        assert (first[i], dist[i]) == _spread_at(k, a, b, s)
        ys = [first[i]] if k == 1 else [first[i] + j * dist[i] for j in range(k)]
        assert ys == _spread(k, a, b, s)


def test_polylines_are_the_plain_ones_whatever_the_heights() -> None:
    """``_polylines`` builds the polylines at once and simplifies only those with repeated
    points or straight middles: against the plain per-plan code, on heights and tracks from
    a few values (repeats and straight runs everywhere) and boxes at integer coordinates (an
    integer side stays an integer in the points)."""
    model, vis, st = _laid_out(_synthetic())
    for k in sorted(st.rects)[::5]:
        st.rects[k] = tuple(int(v) for v in st.rects[k])
    _e, comp_l, starts, ends, topo, *_rest = _heights_np(st, model, vis.edges)
    ys_n = topo.counts + 2
    y_off = np.cumsum(ys_n) - ys_n
    run_off = np.cumsum(topo.run_n) - topo.run_n
    rnd = random.Random(5)
    simplified = 0
    for _ in range(3):
        ys = np.array([rnd.choice((0.0, 0.004, 1.0, 2.0, 40.0)) for _ in range(ys_n.sum())])
        tx = np.array([rnd.choice((0.0, 0.006, 3.0, 40.0)) for _ in range(topo.run_n.sum())])
        got = _polylines(st, comp_l, starts, ends, topo, ys, y_off, tx, run_off)
        fixed_y = [ys[a:a + k].tolist() for a, k in zip(y_off, ys_n, strict=True)]
        tx_l = [tx[a:a + k].tolist() for a, k in zip(run_off, topo.run_n, strict=True)]
        want = _polylines_reference(st, comp_l, starts, ends, fixed_y, tx_l)
        assert repr(got) == repr(want)  # the same numbers, ints as ints
        simplified += sum(len(p) < 2 * len(t) + 2 for p, t in zip(got, tx_l, strict=True))
    assert simplified > 10
    assert any(type(p[0][0]) is int for p in got)


def test_places_held_are_made_when_first_read() -> None:
    """``route`` leaves each route's runs, ends and crossings to be made when one of them is
    first read, for all its routes at once (``_Later``): whichever is read first, and through
    copy, pickle or ``Occupancy``, they are what reading them in order gives; a field set
    before (``route_more`` sets its own) is kept."""
    import copy
    import pickle

    from netviz.viewmodel.routing import Occupancy

    model, vis, st = _laid_out(_synthetic())

    def fields(r: Routed) -> tuple:
        return (r.edge, r.points, r.runs, r.starts_on_border, r.ends, r.crosses)

    want = [fields(r) for r in route(st, model, vis.edges)[0]]
    assert any(w[2] for w in want) and any(w[5] for w in want)  # runs and crossings made
    routes = route(st, model, vis.edges)[0]
    assert routes[-1].crosses == want[-1][5]  # the last one's crossings first
    assert [fields(r) for r in routes] == want
    routes = route(st, model, vis.edges)[0]
    held = next(i for i, w in enumerate(want) if w[2])
    routes[held].runs = []
    assert routes[held].ends == want[held][4]
    assert routes[held].runs == []
    assert [fields(r) for i, r in enumerate(routes) if i != held] == [
        w for i, w in enumerate(want) if i != held]
    for make in (copy.copy, lambda r: pickle.loads(pickle.dumps(r))):
        routes = route(st, model, vis.edges)[0]
        assert [fields(make(r)) for r in routes] == want
    a = Occupancy.of(route(st, model, vis.edges)[0])
    routes = route(st, model, vis.edges)[0]
    for r in routes:
        r.runs, r.ends, r.crosses  # noqa: B018 (made the plain way)
    b = Occupancy.of(routes)
    assert (a.ports, a.crossed) == (b.ports, b.crossed)
    assert {k: t.items() for k, t in a.tracks.items()} == {
        k: t.items() for k, t in b.tracks.items()}


def test_ends_made_when_asked_are_the_ends() -> None:
    """``_heights_np`` hands on the starts and ends as ``_Ends`` (each ``_End`` made when
    asked for): by index (negative too), by slice and in order they are the same ends.
    (Their heights and the ends entered from above are checked against the plain code by
    ``_same``, through ``_heights``.)"""
    model, vis, st = _laid_out(_synthetic())
    _e, _c, starts, ends, *_rest = _heights_np(st, model, vis.edges)
    for seq in (starts, ends):
        whole = list(seq)
        assert len(whole) == len(seq) > 0
        assert [seq[i] for i in range(len(seq))] == whole
        assert [seq[i - len(seq)] for i in range(len(seq))] == whole
        assert seq[1:4] == whole[1:4]
        assert len({en.y for en in whole}) > 1  # their own heights
    ends.top_x[2] = 7.5  # (an end entered from above: its x, by plan, wherever asked)
    assert ends[2].top_x == ends[2 - len(ends)].top_x == list(ends)[2].top_x == 7.5


_SCENARIOS = (Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
              / "netpol-analyzer" / "scenarios")


@pytest.mark.skipif(not _SCENARIOS.is_dir(),
                    reason="../shared/conformance is not beside this checkout")
def test_heights_with_pills_entered_from_above_are_the_plain_ones() -> None:
    """A Service pill with sibling pills on the side an edge comes from is entered from above
    (neither the demo nor the synthetic cluster has such a row): on a reference scenario
    that has one, the heights, the tops' x and the routes are the plain per-plan ones."""
    from netviz.io.manifests import load_paths

    cluster = load_paths([str(_SCENARIOS / "onlineboutique_workloads_with_ingress")]).cluster
    model, vis, st = _laid_out(cluster)
    _same(st, model, vis.edges)
    ends = _heights_np(st, model, vis.edges)[3]
    assert ends.top_x  # some ends entered from above


def _place_labels_reference(routes, obstacles, measure, order):
    """``place_labels`` as it was: every place asked of the grid, in order."""
    from netviz.viewmodel.routing import LABEL_PAD_X, LABEL_PAD_Y, _candidates, _Grid

    grid = _Grid()
    for rect in obstacles:
        grid.add(rect)
    missing = 0
    for i in order:
        r = routes[i]
        if not r.edge.label:
            continue
        w, h = measure(r.edge.label, "label")
        w, h = w + 2 * LABEL_PAD_X, h + 2 * LABEL_PAD_Y
        got = next((c for c in _candidates(r, w, h) if not grid.hits(c)), None)
        if got is None:
            missing += 1
            continue
        r.label_rect, r.label_text = got, r.edge.label
        grid.add(got)
    return missing


def test_labels_go_where_the_plain_placing_puts_them() -> None:
    """``place_labels`` passes over a place that overlaps the box that blocked the last one
    without asking the grid: the very places (and the very misses) of asking it every time,
    on the synthetic picture's routes in several orders, among boxes and random obstacles
    (some closer than a point to a place, which only the grid may call)."""
    from netviz.viewmodel.routing import place_labels
    from netviz.viewmodel.text import approx_measure

    model, vis, st = _laid_out(_synthetic())
    rnd = random.Random(6)
    boxes = list(st.rects.values())
    x1 = max(x + w for x, _y, w, _h in boxes)
    y1 = max(y + h for _x, y, _w, h in boxes)
    blocked = 0
    for k in range(4):
        obstacles = boxes + [(rnd.uniform(0, x1), rnd.uniform(0, y1), rnd.choice((0.5, 8.0, 60.0)),
                              rnd.choice((0.5, 14.0))) for _ in range(k * 400)]
        want_r = route(st, model, vis.edges)[0]
        got_r = route(st, model, vis.edges)[0]
        order = list(range(len(want_r)))
        if k:
            rnd.shuffle(order)
        want = _place_labels_reference(want_r, obstacles, approx_measure, order)
        assert place_labels(got_r, obstacles, approx_measure, order) == want
        assert [(r.label_rect, r.label_text) for r in got_r] == [
            (r.label_rect, r.label_text) for r in want_r]
        blocked += sum(1 for r in got_r if r.label_rect is not None and r.points
                       and r.label_rect[0] != r.points[-2][0] - r.label_rect[2] / 2)
    assert blocked > 50  # many labels not at their first place

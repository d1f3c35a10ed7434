"""The fast pieces of the layout's gap sizing, track colouring and label placing against
plain forms, on random input with many ties (equal heights, runs that end exactly 3 above a
start, runs shorter than 0.5, lines on the label grid's cell borders). The whole pictures
are pinned by test_picture_golden.py; these reach the corners the two golden pictures may
not."""

from __future__ import annotations

import math
import random

import numpy as np

from netviz.viewmodel.routing import _colour, _longest_runs, _most_overlap


def test_most_overlap_is_the_colourings_track_count() -> None:
    rnd = random.Random(11)
    heights = (0.0, 0.25, 1.0, 3.0, 4.0, 6.0, 7.0, 10.0, 13.0)
    for _ in range(400):
        n_gaps = rnd.randrange(1, 6)
        runs = []
        for _ in range(rnd.randrange(1, 40)):
            a, b = rnd.choice(heights), rnd.choice(heights)
            runs.append((rnd.randrange(n_gaps), a, b))
        g = np.array([r[0] for r in runs], dtype=np.int64)
        lo = np.array([min(r[1], r[2]) for r in runs])
        hi = np.array([max(r[1], r[2]) for r in runs])
        want = [0] * n_gaps
        for gid in range(n_gaps):
            mine = [(min(a, b), max(a, b), i, 0) for i, (gg, a, b) in enumerate(runs)
                    if gg == gid]
            want[gid] = _colour(mine, (0.0, 100.0))[1] if mine else 0
        assert _most_overlap(g, lo, hi, n_gaps) == want, runs


def test_longest_runs_are_the_first_maximum() -> None:
    rnd = random.Random(12)
    for _ in range(400):
        plans = [[(rnd.randrange(4), float(rnd.choice((0, 1, 2, 2, 5))))
                  for _ in range(rnd.randrange(1, 6))] for _ in range(rnd.randrange(1, 8))]
        g = np.array([gk for p in plans for gk, _ in p], dtype=np.int64)
        length = np.array([ln for p in plans for _, ln in p])
        n_runs = np.array([len(p) for p in plans], dtype=np.int64)
        run_at = np.cumsum(n_runs) - n_runs
        got = _longest_runs(length, g, run_at, n_runs).tolist()
        want = []
        for p, at in zip(plans, run_at.tolist(), strict=True):
            last = p[-1][0]
            best = max(range(len(p)), key=lambda j, p=p, last=last: (p[j][1], p[j][0] == last))
            want.append(at + best)
        assert got == want, plans


def test_first_fit_for_many_runs_is_the_heap_one() -> None:
    from netviz.viewmodel.routing import _first_fit, _first_fit_sorted

    rnd = random.Random(13)
    heights = (0.0, 0.25, 1.0, 3.0, 4.0, 6.0, 7.0, 10.0, 13.0, 20.0)
    for _ in range(300):
        runs = []
        for i in range(rnd.randrange(1, 60)):
            a, b = rnd.choice(heights), rnd.choice(heights)
            runs.append((min(a, b), max(a, b), i, 0))
        runs.sort()
        assert _first_fit_sorted(runs) == _first_fit(runs), runs


def _place_reference(routes, obstacles, sizes):
    """The plain placer ``place_labels`` replaced: every candidate of ``_candidates`` in turn,
    tested against every rectangle sharing one of its 96-unit grid cells (pad -1)."""
    from netviz.viewmodel.routing import _candidates

    cells: dict = {}

    def cells_of(r):
        x, y, w, h = r
        return [(gx, gy) for gx in range(math.floor(x / 96), math.floor((x + w) / 96) + 1)
                for gy in range(math.floor(y / 96), math.floor((y + h) / 96) + 1)]

    def add(r):
        for cell in cells_of(r):
            cells.setdefault(cell, []).append(r)

    def hits(r):
        rx, ry, rw, rh = r
        return any(rx - 1 < o[0] + o[2] and o[0] - 1 < rx + rw and ry - 1 < o[1] + o[3]
                   and o[1] - 1 < ry + rh for cell in cells_of(r) for o in cells.get(cell, ()))

    for o in obstacles:
        add(o)
    out = []
    for r in routes:
        if not r.edge.label:
            out.append(None)
            continue
        w, h = sizes[r.edge.label]
        got = next((c for c in _candidates(r, w + 6, h + 2) if not hits(c)), None)
        if got is not None:
            add(got)
        out.append(got)
    return out


def test_place_labels_is_the_plain_placer() -> None:
    from netviz.viewmodel.graph import Edge
    from netviz.viewmodel.routing import Routed, place_labels

    rnd = random.Random(14)
    sizes = {"a": (30.0, 12.0), "bb": (60.0, 12.0), "": (1.0, 12.0)}
    # lines on and near the 96-unit cells' borders, crowded: labels stop each other often
    xs = (90.0, 95.5, 96.0, 100.0, 105.0, 190.0, 192.5)
    ys = (0.0, 40.0, 95.0, 96.5, 150.0, 200.0, 300.0)
    for _ in range(30):
        routes = []
        for _ in range(rnd.randrange(1, 40)):
            pts = [(rnd.choice(xs), rnd.choice(ys))]
            for _ in range(rnd.randrange(1, 5)):
                x, y = pts[-1]
                pts.append((x, rnd.choice(ys)) if rnd.random() < 0.6 else (rnd.choice(xs), y))
            routes.append(Routed(Edge("s", "t", "allowed", label=rnd.choice(list(sizes))), pts))
        obstacles = [(rnd.choice(xs) - 20, rnd.choice(ys), 40.0, 30.0) for _ in range(4)]
        want = _place_reference([r for r in routes], obstacles, sizes)
        got = place_labels(routes, obstacles, lambda t, role: sizes[t])
        assert [r.label_rect for r in routes] == want
        assert got == sum(1 for r, w in zip(routes, want, strict=True)
                          if r.edge.label and w is None)

"""The vectorised pieces of the layout's gap sizing and label placing against the plain
forms they replaced, on random input with many ties (equal heights, runs that end exactly
3 above a start, runs shorter than 0.5). The whole pictures are pinned by
test_picture_golden.py; these reach the corners the two golden pictures may not."""

from __future__ import annotations

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

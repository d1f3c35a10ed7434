"""``scene._edge_paths`` (the per-edge arithmetic inlined for speed) makes the very paths of
calling ``routing.arrow_base`` and ``layout.arrow_head`` per edge: element for element."""
from __future__ import annotations

import math
import random
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath

from netviz.ui import scene as S
from netviz.viewmodel.graph import Edge
from netviz.viewmodel.layout import ARROW_HALF_WIDTH, ARROW_LEN, arrow_head
from netviz.viewmodel.routing import DrawnEdge, arrow_base


def _reference(edges: list[DrawnEdge], arrows: bool,
               scale: float) -> tuple[QPainterPath, QPainterPath]:
    line, marks = QPainterPath(), QPainterPath()
    for d in edges:
        pts = d.points
        line.moveTo(*pts[0])
        if not arrows:
            for pt in pts[1:]:
                line.lineTo(*pt)
            continue
        for pt in pts[1:-1]:
            line.lineTo(*pt)
        if scale == 1.0:
            line.lineTo(*arrow_base(pts))
        else:  # arrow_base's formula for a longer arrow
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            n = math.hypot(x1 - x0, y1 - y0) or 1.0
            k = min(ARROW_LEN * scale, n) / n
            line.lineTo(x1 - (x1 - x0) * k, y1 - (y1 - y0) * k)
        tip, left, right = arrow_head(pts[-2][0], pts[-2][1], pts[-1][0], pts[-1][1],
                                      ARROW_LEN * scale, ARROW_HALF_WIDTH * scale)
        marks.moveTo(*tip)
        marks.lineTo(*left)
        marks.lineTo(*right)
        marks.closeSubpath()
        if d.source_dot:
            marks.addEllipse(QPointF(*pts[0]), 3.0 * scale, 3.0 * scale)
    return line, marks


def _elements(path: QPainterPath) -> list[tuple[Any, float, float]]:
    return [(path.elementAt(i).type, path.elementAt(i).x, path.elementAt(i).y)
            for i in range(path.elementCount())]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("arrows", [True, False])
@pytest.mark.parametrize("scale", [1.0, 1.3])
def test_inlined_paths_are_the_reference_paths(qapp, seed, arrows, scale):
    rng = random.Random(seed)
    edges = []
    for _ in range(rng.choice([1, 5, 200])):
        pts = [(round(rng.uniform(-50, 3000), rng.choice([0, 1, 3])),
                round(rng.uniform(-50, 3000), rng.choice([0, 1, 3])))
               for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.2:
            pts.append(pts[-1])  # a last segment of length 0
        elif rng.random() < 0.2:
            pts.append((pts[-1][0] + rng.choice([1.0, 4.0]), pts[-1][1]))  # shorter than an arrow
        edges.append(DrawnEdge(Edge("a", "b", "allowed"), pts, source_dot=rng.random() < 0.5))
    got = S._edge_paths(edges, arrows, scale)
    want = _reference(edges, arrows, scale)
    for g, w in zip(got, want, strict=True):
        assert _elements(g) == _elements(w)
    assert got[0].elementCount() > 0
    # arrowheads drawn unless every edge ends in a segment of length 0
    assert got[1].isEmpty() == (not arrows or all(d.points[-1] == d.points[-2] for d in edges))


def test_lines_shorter_than_their_arrowheads_leave_no_empty_svg_path(qapp, tmp_path):
    """A Service just above its backend: the edge is shorter than its arrowhead, so only the
    head is drawn, and the SVG has no empty path (``d=""``, which SVG readers warn about)."""
    from PySide6.QtWidgets import QGraphicsScene

    short = DrawnEdge(Edge("svc:a/s", "a/w[Deployment]", "exposed"),
                      [(50.0, 40.0), (50.0, 40.0 + ARROW_LEN - 2)])
    sc = QGraphicsScene()
    for it in S.edge_items([short]):
        sc.addItem(it)
    assert any(isinstance(it, S.EdgeLayer) and it.path().isEmpty() for it in sc.items())
    out = tmp_path / "short.svg"
    S.render(sc, (0, 0, 100, 80), str(out))
    text = out.read_text()
    assert 'd=""' not in text
    assert "<path" in text  # the arrowhead

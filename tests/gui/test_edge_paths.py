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
    # without the heads: the same lines, no second path
    line, heads = S._edge_paths(edges, arrows, scale, heads=False)
    assert _elements(line) == _elements(want[0]) and heads.isEmpty()
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


@pytest.mark.parametrize("lod", [0.05, 0.2, 0.5])
def test_a_file_at_a_small_scale_makes_only_the_layers_it_paints(qapp, tmp_path, lod):
    """``PictureScene.file_lod``: a PNG written at a small scale leaves out the arrowhead
    layers and the labels (which do not paint there), and its pixels are those of the scene
    with every layer (where a small style's arrowheads go with the big style's)."""
    rng = random.Random(7)
    edges = []
    for i in range(1500):  # over AA_MAX_ELEMENTS arrowhead elements
        x, y = rng.uniform(0, 3000), rng.uniform(0, 2000)
        pts = [(x, y), (x + rng.uniform(20, 300), y), (x + rng.uniform(20, 300), y + 40)]
        style = "allowed" if i % 10 else "partial"
        edges.append(DrawnEdge(Edge("a", f"b{i}", style), pts, f"TCP {i}",
                               (pts[1][0], y - 8, 40, 14), source_dot=i % 3 == 0))
    from netviz.viewmodel.routing import Picture

    pic = Picture([], edges, (0, -20, 3400, 2100), None, "", None, 0)

    def scene(file_lod: float | None) -> S.PictureScene:
        sc = S.PictureScene()
        sc.file_lod = file_lod
        sc.set_edges(pic.edges)
        return sc

    every, lean = scene(None), scene(lod)
    out_every, out_lean = tmp_path / "every.png", tmp_path / "lean.png"
    assert S.render(every, pic.canvas, str(out_every), scale=lod) == pytest.approx(lod)
    S.render(lean, pic.canvas, str(out_lean), scale=lod)
    assert out_lean.read_bytes() == out_every.read_bytes()

    def kinds(sc: S.PictureScene) -> list[str]:
        return sorted(("heads" if it.is_arrows else "line") if isinstance(it, S.EdgeLayer)
                      else type(it).__name__ for it in sc.edge_layer)

    # zoomed out, the arrowheads of every style go together (the small style's too)
    assert kinds(lean).count("heads") == (0 if lod < S.ARROW_LOD else 2)
    labels = lod >= S.LABEL_LOD
    assert ("LabelLayer" in kinds(lean)) == labels
    assert kinds(every).count("heads") == 2 and "LabelLayer" in kinds(every)

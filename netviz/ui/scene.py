"""The one renderer: a ``QGraphicsScene`` drawing a ``netviz.viewmodel.routing.Picture``.

The window (``netviz.ui.graph_view``), *File > Export* and ``netviz render`` all draw this
scene, so a PNG, SVG or PDF is exactly what the app shows, and the picture JSON (written from
the same ``Picture``) has the geometry as drawn. Rules this module keeps:

- Items draw what the picture says and nothing else: boxes at their rectangles, texts with the
  fonts of ``netviz.ui.fonts`` (the ones the layout measured with), edges along their
  polylines, labels in their boxes, the legend and the heading where the picture put them.
- Edges are batched: one path item per (style, width) plus one for arrowheads and one for the
  start dots, with an empty ``shape()`` so that scene hit-tests never walk thousands of
  segments (clicks on edges are a nearest-segment search in the viewmodel). All labels are one
  item that paints only the exposed ones.
- ``render`` writes PNG (at any scale; 1 = one pixel per scene unit), SVG or PDF of the
  picture's canvas; it needs a ``QGuiApplication`` (``ensure_app`` makes an offscreen one when
  there is no display).
"""

from __future__ import annotations

import contextlib
import math
import mmap
import operator
import os
import tempfile
from collections.abc import Iterator, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from netviz.ui.fonts import font
from netviz.viewmodel import palette
from netviz.viewmodel.layout import ARROW_HALF_WIDTH, ARROW_LEN, HEX_INSET, LEAF_PAD_Y
from netviz.viewmodel.routing import (
    LEGEND_PAD,
    LEGEND_ROW,
    LEGEND_SAMPLE,
    DrawnEdge,
    DrawnNode,
    Picture,
)

Z_CONTAINER = -10.0
Z_EDGES = 0.0
Z_NODES = 10.0
Z_HIGHLIGHT = 20.0
Z_LABELS = 25.0
Z_LEGEND = 30.0
TEXT_LOD = 0.28  # node text is skipped below this zoom
LABEL_LOD = 0.4
AA_MAX_ELEMENTS = 4000
ARROW_LOD = 0.3  # below this zoom, big arrowhead layers are not drawn
DASH_LOD = 0.15  # below this zoom, big dashed layers are drawn solid
CANVAS_MAX_PIXELS = 8_000_000  # the edge canvas's image at most (32 MB)
THIN = 0.6  # the thinnest an edge gets when zoomed out (pixels)
#: edge chunks of the window's scene (``PictureScene.set_edges``), when it draws at least
#: ``CHUNK_MIN_EDGES`` edges (a small picture is one chunk: a handful of items): a grid of
#: ``EDGE_CHUNKS`` rows and columns by the namespaces of an edge's two ends, and
#: ``EXTERNAL_CHUNKS`` more by external range
EDGE_CHUNKS = 8
EXTERNAL_CHUNKS = 6
CHUNK_MIN_EDGES = 400
_KEY_PREFIXES = ("grp:", "svc:", "nsset:", "ns:")


def _cell(key: str, n: int) -> int:
    """The row (column) of the grid of chunks of ``key``'s edges from (to) it: 0..n-1 by its
    namespace, n.. by an external range."""
    loc = locality(key)
    if loc:
        return hash(loc) % n
    return n + hash(key) % EXTERNAL_CHUNKS


def locality(key: str) -> str:
    """The namespace a node key belongs to ("" for external ranges, the key itself for a
    set of namespaces): edges whose ends share localities go into one chunk of the window's
    scene, so that the edges one policy edit changes (all into, or all out of, the
    policy's namespace) are in few chunks."""
    if key.endswith("[External]"):
        return ""
    if key.startswith(_KEY_PREFIXES):
        key = key.split(":", 1)[1]
    return key.split("/", 1)[0]


def edge_pen(style: palette.EdgeLook, width: float | None = None, cosmetic: bool = True) -> QPen:
    pen = QPen(QColor(style.color))
    pen.setWidthF(width if width is not None else style.width)
    pen.setCosmetic(cosmetic)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    if style.dashes:
        pen.setDashPattern(list(style.dashes))
    return pen


def _rect(r: Sequence[float]) -> QRectF:
    return QRectF(r[0], r[1], r[2], r[3])


def node_outline(kind: str, r: QRectF) -> QPainterPath:
    path = QPainterPath()
    if kind == "service":
        path.addRoundedRect(r, r.height() / 2, r.height() / 2)
    elif kind in ("external", "destination"):
        k = HEX_INSET
        path.addPolygon(QPolygonF([
            QPointF(r.left() + k, r.top()), QPointF(r.right() - k, r.top()),
            QPointF(r.right(), r.center().y()), QPointF(r.right() - k, r.bottom()),
            QPointF(r.left() + k, r.bottom()), QPointF(r.left(), r.center().y()),
        ]))
        path.closeSubpath()
    elif kind in ("peer", "outside"):
        path.addRoundedRect(r, 12, 12)
    else:
        path.addRoundedRect(r, 5, 5)
    return path


def paint_node_text(p: QPainter, r: QRectF, name: str, subtitle: str, color: QColor) -> None:
    """Name (bold, possibly several lines) and subtitle, centred in ``r``."""
    from netviz.ui.fonts import qt_measure

    nh = qt_measure(name, "name")[1]
    sh = qt_measure(subtitle, "sub")[1] if subtitle else 0.0
    top = r.top() + (r.height() - nh - sh) / 2
    p.setPen(color)
    p.setFont(font("name"))
    p.drawText(QRectF(r.left(), top, r.width(), nh), Qt.AlignmentFlag.AlignCenter, name)
    if subtitle:
        p.setFont(font("sub"))
        p.drawText(QRectF(r.left(), top + nh, r.width(), sh), Qt.AlignmentFlag.AlignCenter,
                   subtitle)


#: below this zoom a container's rounded corners (8 units) are under a quarter of a pixel
ROUND_LOD = 1 / 32
_CONTAINER_LOOKS: dict[tuple[str, bool], tuple[QPen, QBrush, QColor]] = {}
_NODE_COLORS: dict[str, tuple[QColor, QColor]] = {}


def _container_look(kind: str, highlighted: bool) -> tuple[QPen, QBrush, QColor]:
    """Pen, brush and title colour of a container box (made once per kind)."""
    look = _CONTAINER_LOOKS.get((kind, highlighted))
    if look is None:
        fill, border, text, dashed = palette.CONTAINER_COLORS.get(
            kind, palette.CONTAINER_COLORS["namespace"])
        pen = QPen(QColor(palette.SELECTED if highlighted else border),
                   2.2 if highlighted else 1.2)
        pen.setCosmetic(True)
        if dashed:
            pen.setDashPattern([5.0, 3.0])
        look = _CONTAINER_LOOKS[(kind, highlighted)] = (pen, QBrush(QColor(fill)), QColor(text))
    return look


def _node_colors(kind: str) -> tuple[QColor, QColor]:
    """Fill and border colour of a leaf box (made once per kind)."""
    c = _NODE_COLORS.get(kind)
    if c is None:
        fill, border, _ = palette.NODE_COLORS.get(kind, palette.NODE_COLORS["workload"])
        c = _NODE_COLORS[kind] = (QColor(fill), QColor(border))
    return c


class ContainerItem(QGraphicsItem):
    """A namespace, group or cluster box with its title band."""

    def __init__(self, node: DrawnNode) -> None:
        super().__init__()
        self.node = node
        self.key = node.key
        self.rect = _rect(node.rect)
        self.title_rect = _rect(node.title_rect or (node.rect[0], node.rect[1], node.rect[2], 24))
        self.setZValue(Z_CONTAINER)
        self.setToolTip(node.tooltip)
        self.highlighted = False

    def set_node(self, node: DrawnNode) -> None:
        r = _rect(node.rect)
        if r != self.rect or node.title_rect != self.node.title_rect:
            self.prepareGeometryChange()
            self.rect = r
            self.title_rect = _rect(node.title_rect or (node.rect[0], node.rect[1],
                                                        node.rect[2], 24))
        self.node = node

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        pen, brush, text = _container_look(self.node.kind, self.highlighted)
        p.setPen(pen)
        p.setBrush(brush)
        if lod < ROUND_LOD:
            # corners of a fraction of a pixel: a plain rectangle, not antialiased (a whole
            # cluster on screen: thousands of boxes, a third of a repaint otherwise)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.drawRect(self.rect)
            return
        p.drawRoundedRect(self.rect, 8, 8)
        if lod < TEXT_LOD:
            return
        p.setFont(font("title"))
        p.setPen(QColor(text))
        p.drawText(self.title_rect.adjusted(10, 0, -4, 0),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.node.name)


class NodeItem(QGraphicsItem):
    """A leaf: workload, Service, external range or other peer. Its position is its centre."""

    def __init__(self, node: DrawnNode) -> None:
        super().__init__()
        self.node = node
        self.key = node.key
        x, y, w, h = node.rect
        self.w, self.h = w, h
        self.setPos(x + w / 2, y + h / 2)
        self.selected = False
        self.matched = False
        self._path: QPainterPath | None = None
        self.setZValue(Z_NODES)
        self.setToolTip(node.tooltip)

    def set_node(self, node: DrawnNode) -> None:
        x, y, w, h = node.rect
        if (w, h) != (self.w, self.h):
            self.prepareGeometryChange()
            self.w, self.h = w, h
            self._path = None
        self.node = node
        c = QPointF(x + w / 2, y + h / 2)
        if c != self.pos():
            self.place(c)

    def place(self, c: QPointF) -> None:
        self.setPos(c)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.w / 2 - 4, -self.h / 2 - 4, self.w + 8, self.h + 8)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(QRectF(-self.w / 2, -self.h / 2, self.w, self.h))
        return path

    def local_rect(self) -> QRectF:
        return QRectF(-self.w / 2, -self.h / 2, self.w, self.h)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        if lod < TEXT_LOD and not (self.matched or self.selected):
            fill_c, border_c = _node_colors(self.node.kind)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(border_c)
            p.setBrush(fill_c)
            p.drawRect(QRectF(-self.w / 2, -self.h / 2, self.w, self.h))
            return
        fill, border, text = palette.NODE_COLORS.get(self.node.kind, palette.NODE_COLORS["workload"])
        r = self.local_rect()
        if self._path is None:
            self._path = node_outline(self.node.kind, r)
        if self.matched:
            halo = QPen(QColor(palette.MATCH_HALO), 7)
            halo.setCosmetic(True)
            p.setPen(halo)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(self._path)
        pen = QPen(QColor(palette.SELECTED if self.selected else border),
                   2.6 if self.selected else 1.3)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(QColor(fill))
        p.drawPath(self._path)
        if lod < TEXT_LOD:
            return
        paint_node_text(p, r.adjusted(0, LEAF_PAD_Y / 2, 0, -LEAF_PAD_Y / 2), self.node.name,
                        self.node.subtitle, QColor(text))


class EdgeLayer(QGraphicsPathItem):
    """Many edges of one style as one path. Not hit-testable (empty shape)."""

    def __init__(self, path: QPainterPath, pen: QPen | None, brush: QColor | None) -> None:
        #: path elements of every layer of this style (the scene may split a style into
        #: chunks): whether to antialias is decided on the whole style, as one layer would
        self.style_elements = 0
        #: the window scene's ``EdgeCanvas`` that draws this layer from its image when the
        #: whole picture is zoomed out (None: the layer always draws itself)
        self.canvas: EdgeCanvas | None = None
        super().__init__(path)
        self.setPen(pen if pen is not None else QPen(Qt.PenStyle.NoPen))
        if brush is not None:
            self.setBrush(QBrush(brush))
        self.is_arrows = pen is None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        # Qt derives a cosmetic pen's bounding rect from shape(), which is empty here: the
        # item would be culled wherever the view does not contain the origin
        self._bounds = path.boundingRect().adjusted(-4, -4, 4, 4)

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        c = self.canvas
        if c is not None and not c.drawing and c.covers(p.worldTransform()):
            return
        if self.path().isEmpty():
            # every line of the style is shorter than its arrowhead (a Service just above
            # its backend): only the heads show. An SVG would get an empty path (d=""),
            # which SVG readers warn about
            return
        # whether to thin, skip or simplify is decided on the whole style, as one layer would
        # (the window's scene splits a style into chunks: ``PictureScene.set_edges``)
        n = max(self.path().elementCount(), self.style_elements)
        pen = self.pen()
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        if self.is_arrows and n > AA_MAX_ELEMENTS and lod < ARROW_LOD:
            # arrowheads a couple of pixels wide say nothing and cost a third of a frame; n
            # counts the arrowheads of every style, so that they all go, not some styles'
            return
        dashed = pen.style() != Qt.PenStyle.SolidLine
        limit = AA_MAX_ELEMENTS if not dashed else AA_MAX_ELEMENTS // 4
        if pen.style() != Qt.PenStyle.NoPen and pen.isCosmetic() and lod < 1.0:
            # zoomed out, lines thin out with the picture (parallel lines 5 units apart stay
            # apart), down to a hairline: the window then looks like the exported picture
            pen = QPen(pen)
            pen.setWidthF(max(THIN, pen.widthF() * lod))
        if n > limit:
            # thousands of strokes: antialiasing them costs more than everything else (a
            # dashed layer of 30,000 segments: minutes), and a dashed cosmetic pen wider than
            # one pixel leaves Qt's fast stroker (seconds): one-pixel dashes look the same
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            if pen.style() != Qt.PenStyle.NoPen:
                if lod < DASH_LOD and pen.isCosmetic():
                    # a whole cluster on screen: one-pixel lines (Qt's cosmetic stroker), and
                    # no dashes (a few scene units long, they are sub-pixel noise there and
                    # cost most of a repaint); the colour still tells the styles apart
                    pen = QPen(pen)
                    pen.setWidthF(1.0)
                    pen.setStyle(Qt.PenStyle.SolidLine)
                elif dashed and pen.isCosmetic() and pen.widthF() > 1.0:
                    pen = QPen(pen)
                    pen.setWidthF(1.0)
        if pen.style() != Qt.PenStyle.NoPen:
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.brush())
        p.drawPath(self.path())


class EdgeCanvas(QGraphicsItem):
    """The window scene's edge layers drawn once into an image and painted from it, while the
    view shows the whole picture zoomed out (below ``DASH_LOD``, an image of at most
    ``CANVAS_MAX_PIXELS``): panning then blits an image instead of stroking every edge (tens
    of thousands of segments, two thirds of a repaint at 1,000 workloads). The image is
    drawn by the layers' own ``paint`` at the view's scale and sub-pixel offset, so it is
    the same pixels; it is drawn again when the scale, the offset within a pixel, the
    layers or their opacity change."""

    def __init__(self, layers: list[EdgeLayer]) -> None:
        super().__init__()
        self.layers = sorted(layers, key=lambda it: it.zValue())
        r = QRectF()
        for it in layers:
            r = r.united(it.boundingRect())
            it.canvas = self
        self._bounds = r
        self.drawing = False
        self._key: tuple[float, ...] | None = None
        self._image: QImage | None = None
        #: the last answer of ``covers``: (the transform's scale part, the answer)
        self._covers: tuple[tuple[float, ...], bool] = ((), False)
        self.setZValue(Z_EDGES - 0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def covers(self, t: QTransform) -> bool:
        """Whether the layers are drawn from the image under the view transform ``t``."""
        m = (t.m11(), t.m12(), t.m21(), t.m22(), CANVAS_MAX_PIXELS)
        if m == self._covers[0]:
            return self._covers[1]
        if t.isRotating() or t.m11() <= 0 or t.m22() <= 0:
            on = False
        else:
            lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(t)
            b = self._bounds
            on = (lod < DASH_LOD and not b.isEmpty() and (b.width() * t.m11() + 2)
                  * (b.height() * t.m22() + 2) <= CANVAS_MAX_PIXELS)
        self._covers = (m, on)
        return on

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        t = p.worldTransform()
        if not self.covers(t):
            return
        o = t.map(self._bounds.topLeft())
        ox, oy = math.floor(o.x()), math.floor(o.y())
        key = (t.m11(), t.m22(), round(t.dx() - ox, 6) % 1.0, round(t.dy() - oy, 6) % 1.0,
               float(int(p.renderHints().value)),
               *(it.opacity() if it.isVisible() else -1.0 for it in self.layers))
        if key != self._key or self._image is None:
            br = t.mapRect(self._bounds)
            img = QImage(max(1, math.ceil(br.right()) - ox + 2),
                         max(1, math.ceil(br.bottom()) - oy + 2),
                         QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            q = QPainter(img)
            hints = p.renderHints()
            q.setRenderHints(hints)
            q.setWorldTransform(t * QTransform.fromTranslate(-ox, -oy))
            option = QStyleOptionGraphicsItem()
            self.drawing = True
            try:
                for it in self.layers:
                    if not it.isVisible():
                        continue
                    q.save()
                    q.setOpacity(it.opacity())
                    it.paint(q, option, None)
                    q.restore()
            finally:
                self.drawing = False
                q.end()
            self._image, self._key = img, key
        p.save()
        p.resetTransform()
        p.drawImage(ox, oy, self._image)
        p.restore()


class LabelLayer(QGraphicsItem):
    """Edge labels (text on a white chip) in their boxes, painted in one item."""

    def __init__(self, labels: list[tuple[QRectF, str]], min_lod: float = LABEL_LOD) -> None:
        super().__init__()
        self.labels = labels
        self.min_lod = min_lod
        r = QRectF()
        for rr, _ in labels:
            r = r.united(rr)
        self._bounds = r
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        if lod < self.min_lod:
            return
        exposed = opt.exposedRect
        p.setFont(font("label"))
        chip = QColor(255, 255, 255, 235)
        border = QPen(QColor("#C9CED5"), 1)
        border.setCosmetic(True)
        text_pen = QPen(QColor("#222222"))
        shown = [(rr, text) for rr, text in self.labels if exposed.intersects(rr)]
        # every chip, then every text: labels never overlap (routing places them so), so
        # this is what label after label would paint, with two changes of pen instead of
        # two per label (an SVG group each: 64,000 labels at 5,000 workloads)
        p.setPen(border)
        p.setBrush(chip)
        for rr, _ in shown:
            p.drawRoundedRect(rr, 3, 3)
        p.setPen(text_pen)
        for rr, text in shown:
            p.drawText(rr, Qt.AlignmentFlag.AlignCenter, text)


class LegendItem(QGraphicsItem):
    def __init__(self, rect: Sequence[float], entries: list[tuple[str, object]]) -> None:
        super().__init__()
        self.rect = _rect(rect)
        self.entries = entries
        self.setZValue(Z_LEGEND)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setToolTip("\n".join(f"{s.label}: {s.description}"
                                  for _, s in entries if isinstance(s, palette.EdgeLook)))

    @property
    def admin(self) -> bool:
        """The legend lists the style of pairs denied by Admin-tier Deny rules."""
        return any(isinstance(s, palette.EdgeLook) and s.name == "denied-by-admin"
                   for _, s in self.entries)

    @property
    def difference(self) -> bool:
        """The legend of the what-if difference view (its edge styles are listed)."""
        return any(isinstance(s, palette.EdgeLook) and s.name in palette.DIFF_STYLES
                   for _, s in self.entries)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-1, -1, 1, 1)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        paint_legend(p, self.rect, self.entries)


def paint_legend(p: QPainter, rect: QRectF, entries: list[tuple[str, object]]) -> None:
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(QColor(palette.NAMESPACE_BORDER), 1)
    pen.setCosmetic(True)
    p.setPen(pen)
    p.setBrush(QBrush(QColor(255, 255, 255)))
    p.drawRoundedRect(rect, 5, 5)
    p.setFont(font("legend"))
    y = rect.top() + LEGEND_PAD + LEGEND_ROW / 2
    x = rect.left() + LEGEND_PAD
    for text, what in entries:
        if isinstance(what, palette.EdgeLook):
            p.setPen(edge_pen(what, what.width + 0.6 if what.name != "bundle" else 4.0))
            p.drawLine(QPointF(x, y), QPointF(x + LEGEND_SAMPLE - 8, y))
            if what.name != "service":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(what.color))
                tri = QPainterPath()
                tri.moveTo(x + LEGEND_SAMPLE - 2, y)
                tri.lineTo(x + LEGEND_SAMPLE - 10, y - 4)
                tri.lineTo(x + LEGEND_SAMPLE - 10, y + 4)
                tri.closeSubpath()
                p.drawPath(tri)
        elif what == "box":
            fill, border, _, dashed = palette.CONTAINER_COLORS["group"]
            bp = QPen(QColor(border), 1.2)
            bp.setDashPattern([4.0, 2.0])
            p.setPen(bp)
            p.setBrush(QColor(fill))
            p.drawRoundedRect(QRectF(x + 14, y - 7, LEGEND_SAMPLE - 14, 14), 3, 3)
            c = QColor(palette.EDGE_STYLES["allowed"].color)
            p.setPen(QPen(c, 1.6))
            p.drawLine(QPointF(x, y), QPointF(x + 14, y))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c)
            p.drawEllipse(QPointF(x + 14, y), 2.5, 2.5)
        else:
            fill, border, _ = palette.NODE_COLORS.get(str(what), palette.NODE_COLORS["workload"])
            p.setPen(QPen(QColor(border), 1.4))
            p.setBrush(QColor(fill))
            r = QRectF(x + 2, y - 6, LEGEND_SAMPLE - 6, 12)
            p.drawPath(node_outline(str(what), r) if what not in ("external", "destination")
                       else _small_hex(r))
        p.setPen(QColor(palette.NAMESPACE_TEXT))
        p.drawText(QRectF(x + LEGEND_SAMPLE + LEGEND_PAD, y - LEGEND_ROW / 2,
                          rect.width(), LEGEND_ROW),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        y += LEGEND_ROW
    p.restore()


def _small_hex(r: QRectF) -> QPainterPath:
    k = 5.0
    path = QPainterPath()
    path.addPolygon(QPolygonF([
        QPointF(r.left() + k, r.top()), QPointF(r.right() - k, r.top()),
        QPointF(r.right(), r.center().y()), QPointF(r.right() - k, r.bottom()),
        QPointF(r.left() + k, r.bottom()), QPointF(r.left(), r.center().y()),
    ]))
    path.closeSubpath()
    return path


class HeadingItem(QGraphicsItem):
    def __init__(self, rect: Sequence[float], text: str) -> None:
        super().__init__()
        self.rect = _rect(rect)
        self.text = text
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        p.setFont(font("heading"))
        p.setPen(QColor(palette.NAMESPACE_TEXT))
        p.drawText(self.rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.text)


# ---------------------------------------------------------------------- edges


def edge_items(edges: Sequence[DrawnEdge], widen: float = 1.0, z: float = Z_EDGES,
               labels: bool = True, label_lod: float = LABEL_LOD,
               lod: float | None = None) -> list[QGraphicsItem]:
    """Batched items for ``edges``: a stroked path per (style, width), arrowheads, start
    dots and the labels. Layers stack by style (name, then width) through their z value, so
    that several batches (``PictureScene.set_edges``' chunks) stack as one would. ``lod``:
    the one zoom a file is painted at (``PictureScene.file_lod``); layers that would not
    paint at it are not made (big arrowhead layers, labels: see their ``paint``)."""
    # arrowhead layers have 4 path elements per edge or more: ``EdgeLayer.paint`` skips them
    # all below ``ARROW_LOD`` when they have more than ``AA_MAX_ELEMENTS`` in all (0.99 here
    # and for the labels: a margin for Qt's own level of detail, whose axes' scales differ
    # by rounding)
    heads = not (lod is not None and lod < 0.99 * ARROW_LOD and 4 * sum(
        1 for d in edges if len(d.points) >= 2 and d.edge.style != "service") > AA_MAX_ELEMENTS)
    label_items: list[tuple[QRectF, str]] = [
        (_rect(d.label_rect), d.label) for d in edges
        if d.label and d.label_rect is not None and len(d.points) >= 2
    ] if labels and not (lod is not None and lod < 0.99 * label_lod) else []
    by_style: dict[str, list[DrawnEdge]] = {}
    for d in edges:
        if len(d.points) >= 2:
            by_style.setdefault(d.edge.style, []).append(d)
    scale = 1.0 if widen == 1.0 else 1.3
    groups = {(name, palette.EDGE_STYLES[name].width * widen):
              _edge_paths(batch, name != "service", scale, heads)
              for name, batch in by_style.items()}
    items: list[QGraphicsItem] = []
    for (style_name, width), (line, marks) in sorted(groups.items()):
        style = palette.EDGE_STYLES[style_name]
        # the order of ``sorted`` above, as z values below 1 apart
        stack = z + 1e-3 * _STYLE_RANK.get(style_name, 0) + 1e-6 * min(width, 100.0)
        it = EdgeLayer(line, edge_pen(style, width), None)
        it.setZValue(stack)
        items.append(it)
        if not marks.isEmpty():
            mi = EdgeLayer(marks, None, QColor(style.color))
            mi.setZValue(stack)
            items.append(mi)
    if label_items:
        li = LabelLayer(label_items, label_lod)
        li.setZValue(Z_LABELS if z == Z_EDGES else z + 1)
        items.append(li)
    return items


def _edge_paths(edges: list[DrawnEdge], arrows: bool, scale: float,
                heads: bool = True) -> tuple[QPainterPath, QPainterPath]:
    """The lines of ``edges`` (two points or more each) in one path; with ``arrows``, each
    line stops at its arrowhead's base (``routing.arrow_base``) and the arrowheads
    (``layout.arrow_head``) and start dots are a second path (left empty without ``heads``).
    Tens of thousands of edges at scale: the per-edge arithmetic is inlined, with the
    formulas and operations of those two functions (so the paths are the very same)."""
    line, marks = QPainterPath(), QPainterPath()
    move, to = line.moveTo, line.lineTo
    if not arrows:
        for d in edges:
            pts = d.points
            move(*pts[0])
            for pt in pts[1:]:
                to(*pt)
        return line, marks
    m_move, m_to, m_close, m_dot = (marks.moveTo, marks.lineTo, marks.closeSubpath,
                                    marks.addEllipse)
    length, half, r = ARROW_LEN * scale, ARROW_HALF_WIDTH * scale, 3.0 * scale
    hypot = math.hypot
    for d in edges:
        pts = d.points
        move(*pts[0])
        for pt in pts[1:-1]:
            to(*pt)
        (x0, y0), (x1, y1) = pts[-2], pts[-1]
        dx, dy = x1 - x0, y1 - y0
        n = hypot(dx, dy) or 1.0
        k = min(length, n) / n
        to(x1 - dx * k, y1 - dy * k)
        if not heads:
            continue
        ux, uy = dx / n, dy / n
        bx, by = x1 - ux * length, y1 - uy * length
        m_move(x1, y1)
        m_to(bx - uy * half, by + ux * half)
        m_to(bx + uy * half, by - ux * half)
        m_close()
        if d.source_dot:
            m_dot(QPointF(*pts[0]), r, r)
    return line, marks


_STYLE_RANK = {name: i for i, name in enumerate(sorted(palette.EDGE_STYLES))}


def _layer_key(it: EdgeLayer) -> tuple[str, float, bool]:
    """The layers judged together (``EdgeLayer.style_elements``): a style's line layers
    (colour and width), and all arrowhead layers."""
    if it.is_arrows:
        return ("", 0.0, True)
    return (it.pen().color().name(), it.pen().widthF(), False)


# ---------------------------------------------------------------------- the scene


class PictureScene(QGraphicsScene):
    """A scene drawing one picture. ``show`` puts a whole picture in; the window updates its
    parts instead (``sync_nodes`` keeps the node items and moves/hides them, ``set_edges``,
    ``set_legend``, ``set_heading`` replace theirs)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setBackgroundBrush(QColor(palette.BACKGROUND))
        self.picture: Picture | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.containers: dict[str, ContainerItem] = {}
        self.edge_layer: list[QGraphicsItem] = []
        #: the window's edges drawn from an image when zoomed out (``EdgeCanvas``)
        self.edge_canvas: EdgeCanvas | None = None
        self.legend: LegendItem | None = None
        self.heading: HeadingItem | None = None
        self.node_factory: type[NodeItem] = NodeItem
        self.container_factory: type[ContainerItem] = ContainerItem
        #: edge layers per chunk (``set_edges``): 1 for a file, ``EDGE_CHUNKS`` in the window
        self.edge_chunks = 1
        #: the one zoom the scene is painted at, when it is written to a file at a fixed
        #: scale (``png_scale``): layers that do not paint at it are not made (``edge_items``)
        self.file_lod: float | None = None
        self._chunks: dict[int, list[DrawnEdge]] = {}
        self._chunk_items: dict[int, list[QGraphicsItem]] = {}
        #: node key -> its row and column in the grid of chunks (``_cell``), for ``_cells_n``
        self._cells: dict[str, int] = {}
        self._cells_n = 0

    def reset(self) -> None:
        self.clear()
        self.nodes = {}
        self.containers = {}
        self.edge_layer = []
        self.edge_canvas = None
        self._chunks = {}
        self._chunk_items = {}
        self._cells = {}
        self._cells_n = 0
        self.legend = None
        self.heading = None
        self.picture = None

    def show(self, pic: Picture, legend_entries: list[tuple[str, object]] | None = None) -> None:
        """Draw ``pic`` (everything in it, nothing else)."""
        self.reset()
        self.sync_nodes(pic)
        self.set_edges(pic.edges)
        self.set_legend(pic, legend_entries)
        self.set_heading(pic)
        self.setSceneRect(_rect(pic.canvas))

    def sync_nodes(self, pic: Picture) -> None:
        """Node and container items for the picture's nodes: new ones made, moved ones
        moved, the others hidden."""
        self.picture = pic
        shown: set[str] = set()
        for n in pic.nodes:
            shown.add(n.key)
            if n.kind in ("namespace", "group", "cluster"):
                ci = self.containers.get(n.key)
                if ci is None:
                    ci = self.container_factory(n)
                    self.addItem(ci)
                    self.containers[n.key] = ci
                else:
                    ci.set_node(n)
                ci.setVisible(True)
            else:
                ni = self.nodes.get(n.key)
                if ni is None:
                    ni = self.node_factory(n)
                    self.addItem(ni)
                    self.nodes[n.key] = ni
                else:
                    ni.set_node(n)
                ni.setVisible(True)
        for k, it in self.nodes.items():
            if k not in shown:
                it.setVisible(False)
        for k, ci in self.containers.items():
            if k not in shown:
                ci.setVisible(False)

    def set_edges(self, edges: Sequence[DrawnEdge]) -> None:
        """Draw ``edges``. The window's scene keeps them in chunks (a grid of ``edge_chunks``
        + ``EXTERNAL_CHUNKS`` rows and columns, by the localities of source and target,
        external ranges in the last ones), so that when a what-if edit changes a few edges
        only their chunks are built again: an edit of a policy changes edges into its
        namespace (ingress) or out of it (egress), which are one column or one row of the
        grid. A picture written to a file is one chunk per style."""
        chunks: dict[int, list[DrawnEdge]] = {}
        n = self.edge_chunks if len(edges) >= CHUNK_MIN_EDGES else 1
        if n == 1:
            chunks[0] = list(edges)
        else:
            # external ranges have rows and columns of their own (by range): an ipBlock edit
            # changes the lines of a few external boxes, to and from every namespace
            m = n + EXTERNAL_CHUNKS
            if self._cells_n != n:
                self._cells, self._cells_n = {}, n
            cell = self._cells
            for d in edges:
                e = d.edge
                a = cell.get(e.src)
                if a is None:
                    a = cell[e.src] = _cell(e.src, n)
                b = cell.get(e.dst)
                if b is None:
                    b = cell[e.dst] = _cell(e.dst, n)
                chunks.setdefault(a * m + b, []).append(d)
        for key in set(self._chunks) | set(chunks):
            want = chunks.get(key, [])
            have = self._chunks.get(key)
            if have is not None and len(have) == len(want) and all(
                    map(operator.is_, have, want)):
                continue
            for it in self._chunk_items.pop(key, []):
                self.removeItem(it)
            if want:
                items = edge_items(want, lod=self.file_lod)
                for it in items:
                    self.addItem(it)
                self._chunk_items[key] = items
                self._chunks[key] = want
            else:
                self._chunks.pop(key, None)
        self.edge_layer = [it for items in self._chunk_items.values() for it in items]
        # a line layer is judged with its style's other chunks; the arrowhead layers of
        # every style together (zoomed out, all of them show or none: ``EdgeLayer.paint``)
        totals: dict[tuple[str, float, bool], int] = {}
        for it in self.edge_layer:
            if isinstance(it, EdgeLayer):
                key2 = _layer_key(it)
                totals[key2] = totals.get(key2, 0) + it.path().elementCount()
        for it in self.edge_layer:
            if isinstance(it, EdgeLayer):
                it.style_elements = totals[_layer_key(it)]
        if self.edge_canvas is not None:
            self.removeItem(self.edge_canvas)
            self.edge_canvas = None
        layers = [it for it in self.edge_layer if isinstance(it, EdgeLayer)]
        for it in layers:
            it.canvas = None
        if n > 1:
            if layers:
                self.edge_canvas = EdgeCanvas(layers)
                self.addItem(self.edge_canvas)

    def set_legend(self, pic: Picture, entries: list[tuple[str, object]] | None) -> None:
        if self.legend is not None:
            self.removeItem(self.legend)
            self.legend = None
        if pic.legend is not None and entries:
            self.legend = LegendItem(pic.legend, entries)
            self.addItem(self.legend)

    def set_heading(self, pic: Picture) -> None:
        if self.heading is not None:
            self.removeItem(self.heading)
            self.heading = None
        if pic.heading and pic.heading_rect is not None:
            self.heading = HeadingItem(pic.heading_rect, pic.heading)
            self.addItem(self.heading)


# ---------------------------------------------------------------------- files


def ensure_app() -> object:
    """A QGuiApplication for drawing (offscreen when there is no display)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication([])
    return app


#: a bigger picture is written at a smaller scale (the JSON keeps scale-1 coordinates)
MAX_PNG_PIXELS = 32_000_000


def png_scale(canvas: Sequence[float], scale: float = 1.0) -> float:
    """The scale a PNG of ``canvas`` is written at: ``scale``, lowered to keep the image
    within ``MAX_PNG_PIXELS``."""
    w, h = canvas[2], canvas[3]
    if w * h * scale * scale > MAX_PNG_PIXELS:
        scale = (MAX_PNG_PIXELS / (w * h)) ** 0.5
    return scale


def render(scene: QGraphicsScene, canvas: Sequence[float], path: str, scale: float = 1.0,
           title: str = "") -> float:
    """Write the canvas area of ``scene`` to PNG (``scale`` pixels per unit; lowered when the
    image would exceed ``MAX_PNG_PIXELS``), SVG or PDF (one unit = one point at 96 dpi).
    Returns the scale used. The file is replaced atomically (``written_beside``)."""
    with written_beside(path) as tmp:
        return _render(scene, canvas, tmp, path.lower(), scale, title)


@contextlib.contextmanager
def written_beside(path: str) -> Iterator[str]:
    """A temporary name beside ``path`` for Qt to write to; when the block ends without an
    error it replaces ``path`` (``os.replace``, then the folder is synced), so an export that
    fails or is interrupted half way never leaves a truncated picture in place of the
    previous one. A device or FIFO (``/dev/stdout``) is written in place."""
    from netviz.io.atomic import fsync_dir, new_file_mode

    if os.path.exists(path) and not os.path.isfile(path):
        yield path
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        if os.path.exists(path) or os.path.islink(path):
            with contextlib.suppress(OSError):
                os.chmod(tmp, os.stat(path).st_mode & 0o777)
        else:
            os.chmod(tmp, new_file_mode())
        os.replace(tmp, os.path.realpath(path))
        fsync_dir(folder)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _render(scene: QGraphicsScene, canvas: Sequence[float], path: str, lower: str,
            scale: float, title: str) -> float:
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    source = _rect(canvas)
    w, h = source.width(), source.height()
    if lower.endswith(".svg"):
        _svg(scene, source, path, title)
        return 1.0
    if lower.endswith(".pdf"):
        writer = QPdfWriter(path)
        writer.setTitle(title or "netviz")
        writer.setCreator("netviz")
        writer.setResolution(96)
        writer.setPageLayout(QPageLayout(
            QPageSize(QSize(int(w * 0.75) + 1, int(h * 0.75) + 1).toSizeF(), QPageSize.Unit.Point),
            QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        p = QPainter(writer)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        vp = p.viewport()
        k = vp.width() / w
        scene.render(p, QRectF(0, 0, w * k, h * k), source)
        p.end()
        return 1.0
    scale = png_scale(canvas, scale)
    width, height = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    # the pixels live in memory shared with a forked child (``_png_rows``)
    buf = mmap.mmap(-1, width * height * 4)
    img = QImage(memoryview(buf), width, height, width * 4, QImage.Format.Format_RGB32)
    img.fill(QColor(palette.BACKGROUND))
    _png_rows(scene, source, img, np.frombuffer(buf, dtype=np.uint32).reshape(height, width))
    # the same pixels as Qt's writer, compressed on two cores (netviz.export.png)
    from netviz.export import png

    bits = np.frombuffer(buf, dtype=np.uint8)
    data = png.encode_rgb32(bits.reshape(height, width * 4), width,
                            (img.dotsPerMeterX(), img.dotsPerMeterY()))
    with open(path, "wb") as f:
        f.write(data)
    return scale


# ---------------------------------------------------------------------- writing on two cores
#
# Qt's writers take a quarter of a one-shot render at 5,000 workloads (SVG ~4 s, PNG ~2 s of
# CPU). In a one-shot command (``netviz.viewmodel.forked``) a forked child paints a part:
# - a PNG's lower rows: both processes paint the whole scene into one image in shared memory,
#   each clipped to its rows; the raster engine computes every pixel from the same transform
#   and drops the spans outside the clip, so the image is the very one a single paint makes;
# - an SVG's last items: the items are painted in their stacking order, the first ones here
#   and the rest by the child (without the background), whose SVG elements then follow this
#   process's ones in the file. Each element group of Qt's SVG states its whole paint state
#   (pen, brush, font, transform), so this is the file of one pass with a few empty groups
#   where the parts meet. Where to cut depends only on the picture (``_svg_cut``), not on
#   whether a child could run: the same picture is always the same file.
# A child that fails or is stuck costs time, not the picture: its part is painted here.


#: rough seconds of Qt's SVG writer per path element, label and other item (measured at
#: 5,000 workloads): where to cut an SVG in two, and whether it is worth it
_COST_ELEMENT = 0.6e-6
_COST_LABEL = 23e-6
_COST_ITEM = 90e-6
#: below this estimate (a few hundred workloads) one process writes the whole SVG
SPLIT_MIN_S = 0.3
#: and the whole PNG below this one (~2,000 workloads): rasterising costs about 0.4 x the SVG
#: estimate, and under ~0.4 s the half saved is what the fork costs (measured at 1,000)
PNG_SPLIT_MIN_S = 1.0


def _paint_cost(it: QGraphicsItem) -> float:
    if isinstance(it, EdgeLayer):
        return _COST_ELEMENT * it.path().elementCount()
    if isinstance(it, LabelLayer):
        return _COST_LABEL * len(it.labels)
    return _COST_ITEM


def _painted(scene: QGraphicsScene) -> list[QGraphicsItem]:
    """The items ``scene.render`` paints, in the order it paints them (ascending stacking
    order: z value, then insertion)."""
    return [it for it in scene.items(Qt.SortOrder.AscendingOrder) if it.isVisible()]


def _worth_two(items: list[QGraphicsItem], at_least: float) -> bool:
    return sum(_paint_cost(it) for it in items) >= at_least


def _svg_cut(items: list[QGraphicsItem]) -> int:
    """Where to cut ``items`` (paint order) into two SVG parts of about the same cost; 0 for
    one part."""
    costs = [_paint_cost(it) for it in items]
    total = sum(costs)
    if total < SPLIT_MIN_S:
        return 0
    acc = 0.0
    for i, c in enumerate(costs):
        if acc + c / 2 >= total / 2:
            return i if 0 < i < len(items) else 0
        acc += c
    return 0


def _png_rows(scene: QGraphicsScene, source: QRectF, img: QImage, rows: np.ndarray) -> None:
    """Paint ``scene``'s ``source`` over all of ``img`` (filled with the background; its
    pixels are ``rows``, in shared memory): the lower rows in a forked child when enabled."""
    from PySide6.QtCore import QRect

    from netviz.viewmodel import forked

    width, height = img.width(), img.height()
    target = QRectF(0, 0, width, height)

    def paint(top: int, bottom: int) -> bytes:
        p = QPainter(img)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        if (top, bottom) != (0, height):
            p.setClipRect(QRect(0, top, width, bottom - top))
        scene.render(p, target, source)
        p.end()
        return b""

    k = height // 2
    if not forked.enabled() or k == 0 or not _worth_two(_painted(scene), PNG_SPLIT_MIN_S):
        paint(0, height)
        return
    blank = int(rows[0, 0])  # the background (nothing is painted yet)
    _, done = forked.beside(lambda: paint(0, k), lambda: paint(k, height))
    if done is None:  # the child could not paint its rows, or not all of them
        rows[k:] = blank
        paint(k, height)


_SVG_END = b"</g>\n</svg>\n"


def _svg(scene: QGraphicsScene, source: QRectF, path: str, title: str) -> None:
    """Write ``scene``'s ``source`` to the SVG file ``path``: in two parts when it is big
    (the second in a forked child when enabled)."""
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtSvg import QSvgGenerator

    from netviz.viewmodel import forked

    w, h = source.width(), source.height()

    def write(device: str | QBuffer, hidden: list[QGraphicsItem], background: bool) -> None:
        """Qt's SVG of the scene without the items ``hidden`` (and its background)."""
        gen = QSvgGenerator()
        if isinstance(device, str):
            gen.setFileName(device)
        else:
            gen.setOutputDevice(device)
        gen.setSize(QSize(int(w), int(h)))
        gen.setViewBox(QRectF(0, 0, w, h))
        gen.setTitle(title or "netviz")
        brush = scene.backgroundBrush()
        for it in hidden:
            it.setVisible(False)
        if not background:
            scene.setBackgroundBrush(QBrush())
        try:
            p = QPainter(gen)
            p.setRenderHints(QPainter.RenderHint.Antialiasing
                             | QPainter.RenderHint.TextAntialiasing)
            scene.render(p, QRectF(0, 0, w, h), source)
            p.end()
        finally:
            scene.setBackgroundBrush(brush)
            for it in hidden:
                it.setVisible(True)

    def rest() -> bytes:
        b = QBuffer()
        b.open(QIODevice.OpenModeFlag.WriteOnly)
        write(b, order[:cut], False)
        return bytes(b.data().data())

    order = _painted(scene)
    cut = _svg_cut(order)
    if cut == 0:
        write(path, [], True)
        return
    _, got = forked.beside(lambda: write(path, order[cut:], True), rest)
    second = rest() if got is None else got
    if not _append_svg(path, second):
        write(path, [], True)  # not the SVG this module knows: one pass


_SVG_DEFS = b"<defs>\n</defs>\n"


def _svg_root(svg: bytes | bytearray) -> tuple[int, int, int] | None:
    """Where the root group of a Qt SVG file opens, and where its elements start and end:
    after its (empty) definitions and the line opening the root group, before the end of the
    root group and of the document."""
    defs = svg.find(_SVG_DEFS)
    if defs < 0 or not svg.endswith(_SVG_END):
        return None
    root = defs + len(_SVG_DEFS)
    line = svg.find(b">\n", root)
    if line < 0 or not svg.startswith(b"<g ", root):
        return None
    return root, line + 2, len(svg) - len(_SVG_END)


def _append_svg(path: str, second: bytes | bytearray) -> bool:
    """Put the elements of the SVG file ``second`` after those of the file at ``path`` (both
    written by Qt for the same size and view box, the same root group); False, the file
    unchanged, when either is not as expected."""
    inner = _svg_root(second)
    if inner is None:
        return False
    root, start, stop = inner
    with open(path, "r+b") as f:
        head = f.read(start + 4096)
        defs = head.find(_SVG_DEFS)
        if defs < 0 or not head.startswith(bytes(second[root:start]), defs + len(_SVG_DEFS)):
            return False
        end = f.seek(0, os.SEEK_END)
        if end < len(_SVG_END):
            return False
        f.seek(end - len(_SVG_END))
        if f.read(len(_SVG_END)) != _SVG_END:
            return False
        f.seek(end - len(_SVG_END))
        f.write(memoryview(second)[start:stop])  # no copy of tens of megabytes
        f.write(_SVG_END)
        f.truncate()
    return True

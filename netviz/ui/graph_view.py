"""The graph: a QGraphicsView drawing a ``GraphModel`` laid out by a ``Layout``.

Rules this module keeps (why: the figures in ``benchmarks/gui_bench.py``):
- The view draws; it decides nothing about policies. It subscribes to ``AppState``: ``loaded``
  and ``evaluated`` rebuild the ``GraphModel`` (positions are kept in the ``Layout``),
  ``filters`` recompute what is visible, ``selection`` re-highlights. Clicks write
  ``AppState.select``; other views (explanation, matrix, ...) follow the state.
- Edges are batched: one ``QGraphicsPathItem`` per style (plus one for arrowheads), with an
  empty ``shape()`` so that scene hit-tests never walk 10,000 segments. Clicking an edge is a
  nearest-segment search in the viewmodel (``graph.edge_at``). Labels are one item too.
- Level of detail: zoomed out below ``LOD_SCALE`` with more than ``LOD_MIN_EDGES`` edges, the
  edges between namespaces are drawn as bundles (one line per namespace pair, width ~ count);
  the selected node's own edges are always drawn in detail. Node text is skipped when tiny.
- Pens are cosmetic (constant pixel width at any zoom); dash patterns come from the palette.

Mouse: click a node to select it (what it reaches and what reaches it stay lit, the rest
fades); Ctrl+click a second node to pick a source and a target (selects that pair); click an
edge to select it; click empty space to clear. Drag a node or a namespace title to move it;
drag the background to pan; the wheel zooms; double-click a workload to show its pods.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from netviz.engine import Analyzer
from netviz.model.cluster_policy import Tier
from netviz.model.keys import EdgeStyle
from netviz.ui.legend import Legend, edge_pen, legend_size, paint_legend
from netviz.viewmodel import palette
from netviz.viewmodel.graph import (
    Edge,
    GraphModel,
    GraphOptions,
    Node,
    VisibleGraph,
    bundle_edges,
    bundle_width,
    edge_at,
    edge_style_for,
)
from netviz.viewmodel.layout import Layout, Rect, arrow_head, node_size
from netviz.viewmodel.state import AppState

LOD_SCALE = 0.45  # below this zoom, bundle edges between namespaces...
LOD_MIN_EDGES = 400  # ...when there are more edges than this
LABEL_LIMIT = 500  # edge labels are drawn when at most this many edges are drawn
TEXT_LOD = 0.28  # node text is skipped below this zoom
HIT_PIXELS = 6.0
AA_MAX_ELEMENTS = 4000  # path elements above which edge layers are drawn without antialiasing
ARROW_LOD = 0.3  # below this zoom, large arrowhead layers are not drawn  # how close (in pixels) a click must be to an edge

Z_NAMESPACE = -10.0
Z_EDGES = 0.0
Z_NODES = 10.0
Z_HIGHLIGHT = 20.0
Z_LABELS = 25.0


def _admin_loaded(an: Analyzer | None) -> bool:
    """Whether Admin-tier cluster policies are loaded (their denials have an edge style)."""
    return an is not None and any(cp.policy.tier is Tier.ADMIN for cp in an.cluster_policies)


def _qrect(r: Rect) -> QRectF:
    return QRectF(r[0], r[1], r[2], r[3])


class _Fonts:
    title: QFont
    sub: QFont
    ns: QFont
    label: QFont
    ready = False

    @classmethod
    def init(cls) -> None:
        if cls.ready:
            return
        base = QFont()
        cls.title = QFont(base)
        cls.title.setPointSizeF(9.0)
        cls.title.setBold(True)
        cls.sub = QFont(base)
        cls.sub.setPointSizeF(7.8)
        cls.ns = QFont(base)
        cls.ns.setPointSizeF(10.5)
        cls.ns.setBold(True)
        cls.label = QFont(base)
        cls.label.setPointSizeF(7.5)
        cls.ready = True


# ---------------------------------------------------------------------- items


class EdgeLayer(QGraphicsPathItem):
    """Many edges of one style as one path. Not hit-testable (empty shape)."""

    def __init__(self, path: QPainterPath, pen: QPen | None, brush: QColor | None) -> None:
        super().__init__(path)
        if pen is None:
            self.setPen(QPen(Qt.PenStyle.NoPen))
        else:
            self.setPen(pen)
        if brush is not None:
            self.setBrush(QBrush(brush))
        self.is_arrows = pen is None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        n = self.path().elementCount()
        if self.is_arrows and n > AA_MAX_ELEMENTS:
            # arrowheads a couple of pixels wide say nothing and cost a third of a frame
            lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
            if lod < ARROW_LOD:
                return
        # antialiasing thousands of long strokes (dashed ones most) costs more than
        # everything else in a frame
        limit = AA_MAX_ELEMENTS if self.pen().style() == Qt.PenStyle.SolidLine else \
            AA_MAX_ELEMENTS // 4
        if n > limit:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(p, opt, w)


class LabelLayer(QGraphicsItem):
    """Edge labels (text on a white chip) at segment midpoints, painted in one item."""

    def __init__(self, labels: list[tuple[QPointF, str]], color: str = "#333333",
                 min_lod: float = 0.5) -> None:
        super().__init__()
        _Fonts.init()
        self.labels = labels
        self.color = QColor(color)
        self.min_lod = min_lod
        fm = QFontMetrics(_Fonts.label)
        self._rects = []
        r = QRectF()
        for pt, text in labels:
            w = fm.horizontalAdvance(text) + 6
            h = fm.height() + 2
            rr = QRectF(pt.x() - w / 2, pt.y() - h / 2, w, h)
            self._rects.append(rr)
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
        p.setFont(_Fonts.label)
        p.setBrush(QColor(255, 255, 255, 225))
        text_pen = QPen(self.color)
        for rr, (_pt, text) in zip(self._rects, self.labels, strict=True):
            if not exposed.intersects(rr):
                continue
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(rr, 3, 3)
            p.setPen(text_pen)
            p.drawText(rr, Qt.AlignmentFlag.AlignCenter, text)


class NamespaceItem(QGraphicsItem):
    """A labelled box around a namespace's members. Drag its title band to move it."""

    def __init__(self, view: GraphView, name: str, tooltip: str) -> None:
        super().__init__()
        _Fonts.init()
        self.view = view
        self.name = name
        self.rect = QRectF()
        self.count = 0
        self.setZValue(Z_NAMESPACE)
        self.setToolTip(tooltip)
        self._drag: QPointF | None = None

    def set_rect(self, r: QRectF) -> None:
        if r != self.rect:
            self.prepareGeometryChange()
            self.rect = r

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-1, -1, 1, 1)

    def title_rect(self) -> QRectF:
        return QRectF(self.rect.left(), self.rect.top(), self.rect.width(), 28)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        p.setPen(QPen(QColor(palette.NAMESPACE_BORDER), 1.2))
        p.setBrush(QColor(palette.NAMESPACE_FILL))
        p.drawRoundedRect(self.rect, 8, 8)
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        font = QFont(_Fonts.ns)
        if lod < 0.4:
            # keep the namespace readable when zoomed out: scale the title up
            font.setPointSizeF(min(10.5 / max(lod, 0.05) * 0.4, 60))
        p.setFont(font)
        p.setPen(QColor(palette.NAMESPACE_TEXT))
        tr = self.title_rect().adjusted(10, 0, -10, 0)
        if lod < 0.4:
            tr = QRectF(self.rect.left() + 10, self.rect.top() - QFontMetrics(font).height(),
                        self.rect.width(), QFontMetrics(font).height())
        p.drawText(tr, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   f"namespace {self.name}" if lod >= 0.4 else self.name)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.title_rect().contains(event.pos()):
            self._drag = event.scenePos()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            event.ignore()
            return
        d = event.scenePos() - self._drag
        self._drag = event.scenePos()
        self.view.move_namespace(self.name, d.x(), d.y())

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is not None:
            self._drag = None
            self.unsetCursor()
            self.view.nodesMoved.emit()


class PodItem(QGraphicsItem):
    def __init__(self, node: Node, parent: NodeItem) -> None:
        super().__init__(parent)
        self.node = node
        self.setToolTip(node.tooltip)

    def boundingRect(self) -> QRectF:
        return QRectF(-6, -6, 12, 12)

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        fill, border, _ = palette.NODE_COLORS["pod"]
        p.setPen(QPen(QColor(border), 1.2))
        p.setBrush(QColor(fill))
        p.drawEllipse(QRectF(-5, -5, 10, 10))


class NodeItem(QGraphicsItem):
    """A workload, Service or external range. Movable; moves are reported to the view."""

    def __init__(self, view: GraphView, node: Node) -> None:
        super().__init__()
        _Fonts.init()
        self.view = view
        self.node = node
        self.key = node.key
        w, h = node_size(node)
        self.w, self.h = w, h
        self.selected = False
        self.matched = False
        self.pods: list[PodItem] = []
        self._path: QPainterPath | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(Z_NODES)
        self.setToolTip(node.tooltip + "\n\nClick: highlight · Ctrl+click: pick as target"
                        + (" · Double-click: pods" if node.kind == "workload" else ""))
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.w / 2 - 4, -self.h / 2 - 4, self.w + 8, self.h + 8)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(QRectF(-self.w / 2, -self.h / 2, self.w, self.h))
        return path

    def _outline(self, r: QRectF) -> QPainterPath:
        path = QPainterPath()
        kind = self.node.kind
        if kind == "service":
            path.addRoundedRect(r, r.height() / 2, r.height() / 2)
        elif kind == "external":
            k = 12.0
            path.addPolygon(QPolygonF([
                QPointF(r.left() + k, r.top()), QPointF(r.right() - k, r.top()),
                QPointF(r.right(), r.center().y()), QPointF(r.right() - k, r.bottom()),
                QPointF(r.left() + k, r.bottom()), QPointF(r.left(), r.center().y()),
            ]))
            path.closeSubpath()
        else:
            path.addRoundedRect(r, 5, 5)
        return path

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, w: QWidget | None = None) -> None:
        fill, border, text = palette.NODE_COLORS[self.node.kind]
        r = QRectF(-self.w / 2, -self.h / 2, self.w, self.h)
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(p.worldTransform())
        if lod < TEXT_LOD and not (self.matched or self.selected):
            # zoomed out: a plain box is all that shows
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(QColor(border))
            p.setBrush(QColor(fill))
            p.drawRect(r)
            return
        if self._path is None:
            self._path = self._outline(r)
        outline = self._path
        if self.matched:
            p.setPen(QPen(QColor(palette.MATCH_HALO), 7))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(outline)
        p.setPen(QPen(QColor(palette.SELECTED if self.selected else border),
                      2.6 if self.selected else 1.3))
        p.setBrush(QColor(fill))
        p.drawPath(outline)
        if lod < TEXT_LOD:
            return
        pad = 14 if self.node.kind != "workload" else 8
        inner = r.adjusted(pad, 3, -pad, -3)
        p.setPen(QColor(text))
        p.setFont(_Fonts.title)
        fm = QFontMetrics(_Fonts.title)
        title = fm.elidedText(self.node.label, Qt.TextElideMode.ElideMiddle, int(inner.width()))
        half = inner.height() / 2
        if self.node.subtitle:
            p.drawText(QRectF(inner.left(), inner.top(), inner.width(), half),
                       Qt.AlignmentFlag.AlignCenter, title)
            p.setFont(_Fonts.sub)
            fs = QFontMetrics(_Fonts.sub)
            sub = fs.elidedText(self.node.subtitle, Qt.TextElideMode.ElideRight,
                                int(inner.width()))
            p.drawText(QRectF(inner.left(), inner.top() + half, inner.width(), half),
                       Qt.AlignmentFlag.AlignCenter, sub)
        else:
            p.drawText(inner, Qt.AlignmentFlag.AlignCenter, title)

    def itemChange(self, change, value):
        if (change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
                and not self.view._placing):
            self.view._node_moved(self)
        return super().itemChange(change, value)

    def set_pods(self, positions: list[tuple[float, float]], pods: list[Node]) -> None:
        for it in self.pods:
            it.setParentItem(None)  # type: ignore[arg-type]  # Qt takes None: no parent
            if it.scene() is not None:
                it.scene().removeItem(it)
        self.pods = []
        x0, y0 = self.pos().x(), self.pos().y()
        for (x, y), node in zip(positions, pods, strict=False):
            it = PodItem(node, self)
            it.setPos(x - x0, y - y0)
            self.pods.append(it)


# ---------------------------------------------------------------------- the view


class GraphView(QGraphicsView):
    """Draws the graph of ``state``; clicks select in ``state``."""

    #: the scene was rebuilt or re-highlighted (tests wait on it)
    refreshed = Signal()
    #: the user moved nodes (the main window saves the session)
    nodesMoved = Signal()
    #: level of detail switched (True: namespace bundles)
    lodChanged = Signal(bool)

    def __init__(self, state: AppState, parent: QWidget | None = None,
                 options: GraphOptions | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.graph_options = options or GraphOptions()
        self.graph_layout = Layout()
        self.model: GraphModel | None = None
        self.visible: VisibleGraph | None = None
        self.bundling = True  # allow level-of-detail bundles
        self.lod_min_edges = LOD_MIN_EDGES
        self.bundled = False
        self.hide_styles: frozenset[str] = frozenset()
        self._placing = False
        self._nodes: dict[str, NodeItem] = {}
        self._namespaces: dict[str, NamespaceItem] = {}
        self._edge_items: list[QGraphicsItem] = []
        self._hl_items: list[QGraphicsItem] = []
        self._drawn: list[Edge] = []
        self._segments: list[tuple[float, float, float, float]] = []
        self._hl_drawn: list[Edge] = []
        self._hl_segments: list[tuple[float, float, float, float]] = []
        self._ns_rects: dict[str, Rect] = {}
        self._pick_anchor: str | None = None
        self._moved_ns: set[str] = set()

        scene = QGraphicsScene(self)
        self.setScene(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(palette.BACKGROUND))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

        self.legend = Legend(self)
        self.legend.show()
        self._edge_timer = QTimer(self)
        self._edge_timer.setSingleShot(True)
        self._edge_timer.setInterval(15)
        self._edge_timer.timeout.connect(self._after_move)

        self._unsubscribe = state.subscribe(self._on_state)
        self.destroyed.connect(lambda *_: None)
        if state.cluster is not None:
            self._on_state("loaded")

    # ------------------------------------------------------------------ state
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self._rebuild_model(fit=event == "loaded")
        elif event == "filters":
            self.refresh()
        elif event == "selection":
            self._apply_highlight()
            self.refreshed.emit()

    def closeEvent(self, event) -> None:
        self._unsubscribe()
        super().closeEvent(event)

    def detach(self) -> None:
        """Stop following the state (the window is going away)."""
        self._unsubscribe()

    def set_graph_options(self, options: GraphOptions) -> None:
        if options != self.graph_options:
            self.graph_options = options
            self._rebuild_model(fit=False)

    def set_hidden_styles(self, styles: frozenset[str]) -> None:
        if styles != self.hide_styles:
            self.hide_styles = styles
            self.refresh()

    def set_bundling(self, on: bool) -> None:
        self.bundling = on
        self._update_lod(force=True)

    def _rebuild_model(self, fit: bool) -> None:
        st = self.state
        if st.cluster is None:
            self.model = None
            self.scene().clear()
            self._nodes.clear()
            self._namespaces.clear()
            self._edge_items = []
            self._hl_items = []
            self.refreshed.emit()
            return
        old = self.model
        difference = st.difference
        hint = st.changed_pairs
        if (old is not None and hint is not None and not fit
                and old.options == self.graph_options):
            # a what-if edit: only the edges of the changed pairs are rebuilt
            self.model = old.updated(st.cluster, st.connections, st.analyzer, hint, difference)
            if self.model.nodes is old.nodes:
                self.legend.set_difference(difference is not None)
                self.legend.set_admin(_admin_loaded(st.analyzer))
                self._place_legend()
                self.refresh()
                return
        else:
            self.model = GraphModel(st.cluster, st.connections, st.analyzer, self.graph_options,
                                    difference)
        if old is not None:
            self.model.expanded = {k for k in old.expanded if k in self.model.nodes}
        self.legend.set_difference(difference is not None)
        self.legend.set_admin(_admin_loaded(st.analyzer))
        self._place_legend()
        self.graph_layout.update(self.model)
        self._build_scene()
        if fit:
            self.fit()

    def _build_scene(self) -> None:
        assert self.model is not None
        scene = self.scene()
        scene.clear()
        self._edge_items = []
        self._hl_items = []
        self._nodes = {}
        self._namespaces = {}
        m = self.model
        for ns, box in m.namespaces.items():
            ns_item = NamespaceItem(self, ns, box.tooltip)
            scene.addItem(ns_item)
            self._namespaces[ns] = ns_item
        self._placing = True
        try:
            for key, node in m.nodes.items():
                it = NodeItem(self, node)
                x, y = self.graph_layout.positions[key]
                it.setPos(x, y)
                scene.addItem(it)
                self._nodes[key] = it
                if key in m.expanded:
                    it.set_pods(self.graph_layout.pod_positions(m, key), m.pod_nodes(key))
        finally:
            self._placing = False
        self.refresh()

    # ------------------------------------------------------------------ visibility
    def refresh(self) -> None:
        """Recompute what is visible from the filters, then redraw edges and highlight."""
        if self.model is None:
            self.refreshed.emit()
            return
        f = self.state.filters
        sel = self.state.selection
        selected = next(iter(sel.nodes)) if len(sel.nodes) == 1 else None
        self.visible = self.model.view(
            namespaces=f.namespaces, text=f.text, protocol=f.protocol, port=f.port,
            show_denied=f.show_denied, focus=f.focus,
            hide_styles=self.hide_styles | f.hide_verdicts,
            selected=selected,
        )
        vis = set(self.visible.nodes)
        for key, it in self._nodes.items():
            it.setVisible(key in vis)
        self._update_namespace_rects()
        self._update_lod(force=True)
        self.refreshed.emit()

    def _update_namespace_rects(self, names: Sequence[str] | None = None) -> None:
        assert self.model is not None and self.visible is not None
        vis = set(self.visible.nodes)
        shown = set(self.visible.namespaces)
        for ns in names if names is not None else list(self._namespaces):
            it = self._namespaces[ns]
            r = self.graph_layout.namespace_rect(self.model, ns, vis) if ns in shown else None
            if r is None:
                it.setVisible(False)
                self._ns_rects.pop(ns, None)
            else:
                it.setVisible(True)
                it.set_rect(_qrect(r))
                self._ns_rects[ns] = r

    # ------------------------------------------------------------------ level of detail
    def current_scale(self) -> float:
        return self.transform().m11()

    def _should_bundle(self) -> bool:
        if not self.bundling or self.visible is None:
            return False
        return (self.current_scale() < LOD_SCALE
                and len(self.visible.edges) > self.lod_min_edges)

    def _update_lod(self, force: bool = False) -> None:
        want = self._should_bundle()
        if force or want != self.bundled:
            changed = want != self.bundled
            self.bundled = want
            self.legend.set_bundles(want)
            self._rebuild_edges()
            self._apply_highlight()
            if changed:
                self.lodChanged.emit(want)

    # ------------------------------------------------------------------ edges
    def _clear(self, items: list[QGraphicsItem]) -> None:
        scene = self.scene()
        for it in items:
            scene.removeItem(it)
        items.clear()

    def _edge_paths(self, edges: Sequence[Edge], segs: Sequence[tuple[float, float, float, float]],
                    widen: float = 1.0, z: float = Z_EDGES,
                    labels: bool = True) -> list[QGraphicsItem]:
        """Batched items for ``edges``: a stroked path per (style, width) and arrowheads."""
        groups: dict[tuple[str, float], tuple[QPainterPath, QPainterPath]] = {}
        label_items: list[tuple[QPointF, str]] = []
        arrow_scale = 1.0 if widen == 1.0 else 1.3
        for e, (x0, y0, x1, y1) in zip(edges, segs, strict=True):
            style = palette.EDGE_STYLES[e.style]
            width = style.width * widen
            if e.style == "bundle":
                width = round(bundle_width(e.count) * 2) / 2 * widen
            line, arrows = groups.setdefault((e.style, width), (QPainterPath(), QPainterPath()))
            line.moveTo(x0, y0)
            if e.style != "service":
                tip, left, right = arrow_head(x0, y0, x1, y1, 10 * arrow_scale
                                              + (width if e.style == "bundle" else 0),
                                              4.5 * arrow_scale + (width / 2 if e.style == "bundle" else 0))
                # stop the line at the arrow's base so dashes do not poke through the tip
                bx, by = (left[0] + right[0]) / 2, (left[1] + right[1]) / 2
                line.lineTo(bx, by)
                arrows.moveTo(*tip)
                arrows.lineTo(*left)
                arrows.lineTo(*right)
                arrows.closeSubpath()
            else:
                line.lineTo(x1, y1)
            if labels and e.label:
                label_items.append((QPointF((x0 + x1) / 2, (y0 + y1) / 2), e.label))
        items: list[QGraphicsItem] = []
        scene = self.scene()
        for (style_name, width), (line, arrows) in sorted(groups.items()):
            style = palette.EDGE_STYLES[style_name]
            it = EdgeLayer(line, edge_pen(style, width), None)
            it.setZValue(z)
            scene.addItem(it)
            items.append(it)
            if not arrows.isEmpty():
                ai = EdgeLayer(arrows, None, QColor(style.color))
                ai.setZValue(z)
                scene.addItem(ai)
                items.append(ai)
        if label_items:
            li = LabelLayer(label_items, min_lod=0.5 if widen == 1.0 else 0.0)
            li.setZValue(Z_LABELS)
            scene.addItem(li)
            items.append(li)
        return items

    def _rebuild_edges(self) -> None:
        self._clear(self._edge_items)
        if self.model is None or self.visible is None:
            return
        edges = self.visible.edges
        if self.bundled:
            # the edges of a difference stay in detail over the bundles
            drawn = bundle_edges(self.model, edges) + [
                e for e in edges if e.style in palette.DIFF_STYLES]
        else:
            drawn = list(edges)
        segs = self.graph_layout.segments(self.model, drawn, self._ns_rects)
        self._drawn, self._segments = drawn, segs
        self._edge_items = self._edge_paths(
            drawn, segs, labels=self.bundled or len(drawn) <= LABEL_LIMIT)

    # ------------------------------------------------------------------ highlight
    def highlighted_nodes(self) -> set[str] | None:
        """Keys lit by the current selection (None: nothing selected)."""
        return self._lit

    _lit: set[str] | None = None

    def _selected_edges(self) -> list[Edge]:
        assert self.model is not None and self.visible is not None
        sel = self.state.selection
        if sel.edge is None:
            return []
        got = [e for e in self.visible.edges
               if e.pair == sel.edge or (e.src, e.dst) == sel.edge]
        if not got:
            s, d = sel.edge
            if s in self.model.nodes and d in self.model.nodes:
                conns = self.model.allowed.get((s, d))
                if conns is None:
                    got = [Edge(s, d, self.model.denied_style(s, d), "denied", "No Connections",
                                None, (s, d))]
                else:
                    style = edge_style_for(conns)
                    got = [Edge(s, d, style, "" if style == EdgeStyle.ALLOWED else str(conns),
                                str(conns), conns, (s, d))]
        return got

    def _apply_highlight(self) -> None:
        self._clear(self._hl_items)
        self._hl_drawn, self._hl_segments = [], []
        if self.model is None or self.visible is None:
            return
        sel = self.state.selection
        lit: set[str] | None = None
        hl_edges: list[Edge] = []
        if sel.edge is not None:
            hl_edges = self._selected_edges()
            lit = {sel.edge[0], sel.edge[1]} | {e.src for e in hl_edges} | {
                e.dst for e in hl_edges}
        elif len(sel.nodes) == 1:
            key = next(iter(sel.nodes))
            if key in self.model.nodes:
                hl = self.model.highlight(key, self.visible.edges)
                hl_edges = list(hl.edges)
                lit = set(hl.nodes)
        elif sel.nodes:
            lit = set(sel.nodes)
        emphasis = self.visible.emphasis
        self._lit = lit
        for key, it in self._nodes.items():
            faded = (lit is not None and key not in lit) or (
                lit is None and emphasis is not None and key not in emphasis)
            it.setOpacity(palette.FADED_OPACITY if faded else 1.0)
            sel_now = key in sel.nodes or (sel.edge is not None and key in sel.edge)
            match_now = bool(self.state.filters.text.strip()) and emphasis is not None and key in emphasis
            if sel_now != it.selected or match_now != it.matched:
                it.selected, it.matched = sel_now, match_now
                it.update()
        dim = lit is not None or emphasis is not None
        for edge_item in self._edge_items:
            edge_item.setOpacity(palette.FADED_OPACITY if dim else 1.0)
        if hl_edges:
            segs = self.graph_layout.segments(self.model, hl_edges, self._ns_rects)
            self._hl_drawn, self._hl_segments = hl_edges, segs
            self._hl_items = self._edge_paths(hl_edges, segs, palette.HIGHLIGHT_WIDTH_FACTOR,
                                              Z_HIGHLIGHT, labels=True)

    # ------------------------------------------------------------------ moving
    def _node_moved(self, item: NodeItem) -> None:
        assert self.model is not None
        p = item.pos()
        self.graph_layout.move(item.key, p.x(), p.y())
        ns = item.node.namespace
        if ns is not None:
            self._moved_ns.add(ns)
        if not self._edge_timer.isActive():
            self._edge_timer.start()

    def move_namespace(self, ns: str, dx: float, dy: float) -> None:
        if self.model is None:
            return
        self.graph_layout.move_namespace(self.model, ns, dx, dy)
        self._placing = True
        try:
            for k in self.model.namespaces[ns].members:
                it = self._nodes.get(k)
                if it is not None:
                    x, y = self.graph_layout.positions[k]
                    it.setPos(x, y)
        finally:
            self._placing = False
        self._moved_ns.add(ns)
        if not self._edge_timer.isActive():
            self._edge_timer.start()

    def _after_move(self) -> None:
        if self.model is None or self.visible is None:
            return
        self._update_namespace_rects(sorted(self._moved_ns))
        self._moved_ns.clear()
        self._rebuild_edges()
        self._apply_highlight()
        self.refreshed.emit()

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._edge_timer.isActive():
            self._edge_timer.stop()
            self._after_move()
            self.nodesMoved.emit()
        elif self.graph_layout.moved and self._press_item is not None:
            self.nodesMoved.emit()
        self._press_item = None
        event.accept()  # clicks on edges and empty space are ours too

    _press_item: QGraphicsItem | None = None

    def toggle_pods(self, key: str) -> None:
        if self.model is None or key not in self._nodes:
            return
        self.model.toggle_expanded(key)
        it = self._nodes[key]
        if key in self.model.expanded:
            it.set_pods(self.graph_layout.pod_positions(self.model, key), self.model.pod_nodes(key))
        else:
            it.set_pods([], [])
        ns = it.node.namespace
        if ns is not None:
            self._update_namespace_rects([ns])
        self.refreshed.emit()

    # ------------------------------------------------------------------ hit-testing
    def node_at(self, pos: QPointF) -> str | None:
        for it in self.items(pos.toPoint()):
            if isinstance(it, PodItem):
                return it.node.parent
            if isinstance(it, NodeItem):
                return it.key
        return None

    def edge_at_view(self, pos: QPointF) -> Edge | None:
        sp = self.mapToScene(pos.toPoint())
        tol = HIT_PIXELS / max(self.current_scale(), 1e-6)
        i = edge_at(self._hl_segments, sp.x(), sp.y(), tol)
        if i is not None:
            return self._hl_drawn[i]
        i = edge_at(self._segments, sp.x(), sp.y(), tol)
        if i is not None:
            return self._drawn[i]
        return None

    def mousePressEvent(self, event) -> None:
        self._press_item = None
        if event.button() == Qt.MouseButton.LeftButton and self.model is not None:
            pos = event.position()
            key = self.node_at(pos)
            if key is not None:
                self._press_item = self._nodes.get(key)
                ctrl = bool(event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                                 | Qt.KeyboardModifier.MetaModifier))
                self.click_node(key, pick_target=ctrl)
            else:
                ns_item = self._namespace_title_at(pos)
                if ns_item is None:
                    e = self.edge_at_view(pos)
                    if e is not None:
                        self.click_edge(e)
                        event.accept()
                        return
                    self.state.select()
        super().mousePressEvent(event)

    def _namespace_title_at(self, pos: QPointF) -> NamespaceItem | None:
        sp = self.mapToScene(pos.toPoint())
        for it in self.items(pos.toPoint()):
            if isinstance(it, NamespaceItem) and it.title_rect().contains(sp):
                return it
        return None

    def click_node(self, key: str, pick_target: bool = False) -> None:
        """What a click on node ``key`` does (also used by tests and keyboard search)."""
        sel = self.state.selection
        if pick_target and len(sel.nodes) == 1:
            src = next(iter(sel.nodes))
            if src != key:
                self.state.select(edge=(src, self._peer(key)))
                return
        if pick_target and sel.edge is not None:
            self.state.select(edge=(sel.edge[0], self._peer(key)))
            return
        self.state.select(nodes=frozenset({key}))

    def _peer(self, key: str) -> str:
        """A Service stands for its first backend when picked as a target."""
        assert self.model is not None
        backends = self.model.service_backends.get(key)
        return backends[0] if backends else key

    def click_edge(self, e: Edge) -> None:
        if e.style == "bundle":
            # a bundle: zoom into the two namespaces
            r = QRectF()
            for ns in (e.src, e.dst):
                if ns in self._ns_rects:
                    r = r.united(_qrect(self._ns_rects[ns]))
                elif ns in self._nodes:
                    r = r.united(self._nodes[ns].sceneBoundingRect())
            if not r.isEmpty():
                self.fitInView(r.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
                self._update_lod()
            return
        if e.style == "service":
            self.state.select(nodes=frozenset({e.src}))
            return
        self.state.select(edge=e.pair or (e.src, e.dst))

    def mouseDoubleClickEvent(self, event) -> None:
        key = self.node_at(event.position())
        if key is not None and self.model is not None and self.model.nodes[key].kind == "workload":
            self.toggle_pods(key)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.model is not None:
            pos = QPointF(event.pos())
            if self.node_at(pos) is None and self._namespace_title_at(pos) is None:
                e = self.edge_at_view(pos)
                if e is not None:
                    text = e.tooltip
                    if e.style in ("denied", "denied-by-admin", "partial", "allowed", "added",
                                   "removed", "changed", "unchanged") and e.pair:
                        why = self.model.why(*e.pair)
                        if why:
                            text += "\n\n" + why
                    text += "\n\nClick for the full explanation" if e.style != "bundle" else \
                        "\n\nClick to zoom in"
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
        return super().viewportEvent(event)

    # ------------------------------------------------------------------ zoom / pan
    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            return
        self.zoom(math.pow(1.0015, delta))

    def zoom(self, factor: float) -> None:
        s = self.current_scale()
        target = max(0.02, min(8.0, s * factor))
        f = target / s
        self.scale(f, f)
        self._update_lod()

    def zoom_in(self) -> None:
        self.zoom(1.25)

    def zoom_out(self) -> None:
        self.zoom(0.8)

    def fit(self) -> None:
        """Fit the visible graph in the view."""
        if self.model is None or self.visible is None or not self.visible.nodes:
            return
        r = _qrect(self.graph_layout.bounds(self.model, self.visible.nodes))
        r = r.adjusted(-30, -50, 30, 30)
        self.fitInView(r, Qt.AspectRatioMode.KeepAspectRatio)
        if self.current_scale() > 1.5:
            f = 1.5 / self.current_scale()
            self.scale(f, f)
        self._update_lod()

    def reset_layout(self) -> None:
        if self.model is None:
            return
        self.graph_layout.reset(self.model)
        self._build_scene()
        self.fit()
        self.nodesMoved.emit()

    def center_on_node(self, key: str) -> None:
        it = self._nodes.get(key)
        if it is not None:
            if self.current_scale() < 0.6:
                f = 0.8 / self.current_scale()
                self.scale(f, f)
                self._update_lod()
            self.centerOn(it)

    def keyPressEvent(self, event) -> None:
        k = event.key()
        if k in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif k == Qt.Key.Key_Minus:
            self.zoom_out()
        elif k in (Qt.Key.Key_0, Qt.Key.Key_F) and not event.modifiers():
            self.fit()
        elif k == Qt.Key.Key_Escape:
            self.state.select()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_legend()

    def _place_legend(self) -> None:
        vp = self.viewport().geometry()
        self.legend.adjustSize()
        self.legend.move(vp.left() + 10, vp.bottom() - self.legend.height() - 10)
        self.legend.raise_()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_legend()

    # ------------------------------------------------------------------ queries for tests
    def node_item(self, key: str) -> NodeItem | None:
        return self._nodes.get(key)

    def drawn_edges(self) -> list[Edge]:
        return list(self._drawn)

    def highlight_edges(self) -> list[Edge]:
        return list(self._hl_drawn)

    def namespace_item(self, ns: str) -> NamespaceItem | None:
        return self._namespaces.get(ns)

    def edge_layers(self) -> list[QGraphicsItem]:
        return list(self._edge_items)

    def scene_point_of_edge(self, e: Edge) -> QPointF:
        """Midpoint of a drawn edge, in view coordinates (for tests that click edges)."""
        for d, (x0, y0, x1, y1) in zip(self._drawn, self._segments, strict=True):
            if d == e:
                return QPointF(self.mapFromScene(QPointF((x0 + x1) / 2, (y0 + y1) / 2)))
        raise KeyError(e)


# ---------------------------------------------------------------------- export


def render_view(view: GraphView, path: str, title: str, whole: bool = False) -> None:
    """Write the current view (or the whole graph) to PNG, SVG or PDF, with title and legend."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    if whole and view.model is not None and view.visible is not None:
        source = _qrect(view.graph_layout.bounds(view.model, view.visible.nodes)).adjusted(
            -20, -40, 20, 20)
        scale = 1.0
    else:
        vr = view.viewport().rect()
        source = view.mapToScene(vr).boundingRect()
        scale = view.current_scale()
    title_h = 34.0
    target_w = source.width() * scale
    target_h = source.height() * scale
    size = QSize(max(200, int(target_w)), max(150, int(target_h + title_h)))
    lower = path.lower()

    def paint(p: QPainter, w: float, h: float) -> None:
        p.fillRect(QRectF(0, 0, w, h), QColor(palette.BACKGROUND))
        font = QFont()
        font.setPointSizeF(13)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(palette.NAMESPACE_TEXT))
        p.drawText(QRectF(12, 4, w - 24, title_h - 4),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        view.scene().render(p, QRectF(0, title_h, w, h - title_h), source,
                            Qt.AspectRatioMode.KeepAspectRatio)
        lf = QFont()
        lf.setPointSizeF(8.5)
        # the legend goes in the bottom-left corner, over the picture
        diff_on = view.model is not None and view.model.difference is not None
        admin = view.legend.admin
        lh = legend_size(lf, view.bundled, diff_on, admin).height()
        paint_legend(p, QPointF(10, h - lh - 10), lf, view.bundled, diff_on, admin)

    if lower.endswith(".svg"):
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(size)
        gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
        gen.setTitle(title)
        p = QPainter(gen)
        paint(p, size.width(), size.height())
        p.end()
    elif lower.endswith(".pdf"):
        writer = QPdfWriter(path)
        writer.setTitle(title)
        writer.setResolution(96)
        writer.setPageLayout(QPageLayout(
            QPageSize(size.toSizeF(), QPageSize.Unit.Point),
            QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        p = QPainter(writer)
        vp = p.viewport()
        sx = vp.width() / size.width()
        p.scale(sx, sx)
        paint(p, size.width(), size.height())
        p.end()
    else:
        img = QImage(size * 2, QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(2.0)
        p = QPainter(img)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        paint(p, size.width(), size.height())
        p.end()
        if not img.save(path):
            raise OSError(f"could not write {path}")

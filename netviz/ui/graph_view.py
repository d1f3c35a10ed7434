"""The graph: a QGraphicsView showing the picture of the current state.

Rules this module keeps (why: the figures in ``benchmarks/gui_bench.py``):
- The view draws; it decides nothing about policies. It subscribes to ``AppState``: ``loaded``
  and ``evaluated`` rebuild the ``GraphModel`` (a what-if edit updates it incrementally and the
  layout keeps every box where it is), ``filters`` recompute what is visible, ``selection``
  re-highlights. Clicks write ``AppState.select``; other views follow the state.
- One renderer: the view shows a ``netviz.ui.scene.PictureScene`` holding the
  ``netviz.viewmodel.routing.Picture`` of the current view, the very object that *File >
  Export*, ``netviz render`` and ``netviz gui --screenshot`` draw (and that the picture JSON
  describes). The legend is part of the picture, outside the drawing.
- Edges are batched (one path item per style, empty ``shape()``); clicking an edge is a
  nearest-segment search in the viewmodel (``graph.edge_at``). Node items are kept across
  refreshes (moved or hidden, not rebuilt).
- Pens are cosmetic (constant pixel width at any zoom); dash patterns come from the palette.

Mouse: click a node to select it (what it reaches and what reaches it stay lit, the rest
fades); Ctrl+click a second node to pick a source and a target (selects that pair); click an
edge to select it (a group edge selects its first pair; the Explanation panel lists them);
click empty space to clear. Drag a node, or a namespace/group by its title, to move it (the
layout remembers it, the session saves it); drag the background to pan; the wheel zooms;
double-click a workload to show its pods.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QToolTip,
    QWidget,
)

from netviz.model import Cluster
from netviz.model.keys import EdgeStyle, NodeKind
from netviz.ui import scene as S
from netviz.ui.fonts import qt_measure
from netviz.ui.worker import Prepared
from netviz.viewmodel import palette
from netviz.viewmodel.cover import ROOT
from netviz.viewmodel.graph import (
    NS_PREFIX,
    Edge,
    GraphModel,
    GraphOptions,
    Node,
    VisibleGraph,
    edge_at,
    edge_style_for,
)
from netviz.viewmodel.groups import NSSET_KEYS
from netviz.viewmodel.layout import Layout, Rect
from netviz.viewmodel.routing import (
    DrawnEdge,
    DrawnNode,
    Occupancy,
    Picture,
    legend_entries,
    picture,
    picture_update,
)
from netviz.viewmodel.state import AppState

HIT_PIXELS = 6.0
#: semantic zoom: clusters with more workloads open at namespace level
COLLAPSE_ABOVE = 500
#: the overview: with more namespaces than this, namespaces no namespace selector tells apart
#: are one box (``netviz.viewmodel.nssets``); a cluster that opens collapsed opens at that level
NAMESPACE_SETS_ABOVE = 20
#: kept for callers of the previous level-of-detail view: edges are drawn at every zoom
LOD_MIN_EDGES = 400


def _qrect(r: Rect) -> QRectF:
    return QRectF(r[0], r[1], r[2], r[3])


# ---------------------------------------------------------------------- items


class PodItem(QGraphicsItem):
    def __init__(self, node: Node, parent: QGraphicsItem) -> None:
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


class NodeItem(S.NodeItem):
    """A leaf in the window: movable; moves are reported to the view."""

    view: GraphView

    def __init__(self, node: DrawnNode) -> None:
        super().__init__(node)
        self.pods: list[PodItem] = []
        self._placing = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        tip = node.tooltip + "\n\nClick: highlight · Ctrl+click: pick as target"
        if node.kind == "workload":
            tip += " · Double-click: pods"
        self.setToolTip(tip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def place(self, c: QPointF) -> None:
        self._placing = True
        try:
            self.setPos(c)
        finally:
            self._placing = False

    def itemChange(self, change, value):
        if (change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
                and not self._placing and getattr(self, "view", None) is not None):
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


class NamespaceItem(S.ContainerItem):
    """A container in the window: drag its title band to move it with everything inside."""

    view: GraphView

    def __init__(self, node: DrawnNode) -> None:
        super().__init__(node)
        self.name = node.name if node.kind != "namespace" else node.key[3:]
        self._drag: QPointF | None = None

    def mousePressEvent(self, event) -> None:
        if (event.button() == Qt.MouseButton.LeftButton
                and self.title_rect.contains(event.scenePos())):
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
        self.view.move_container(self.key, d.x(), d.y())

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is not None:
            self._drag = None
            self.unsetCursor()
            self.view.nodesMoved.emit()


# ---------------------------------------------------------------------- the view


class GraphView(QGraphicsView):
    """Draws the picture of ``state``; clicks select in ``state``."""

    #: the scene was rebuilt or re-highlighted (tests wait on it)
    refreshed = Signal()
    #: the user moved nodes (the main window saves the session)
    nodesMoved = Signal()
    #: level of detail switched (kept for compatibility; edges are drawn at every zoom)
    lodChanged = Signal(bool)

    def __init__(self, state: AppState, parent: QWidget | None = None,
                 options: GraphOptions | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.graph_options = options or GraphOptions(namespace_sets_above=NAMESPACE_SETS_ABOVE)
        self.graph_layout = Layout(qt_measure)
        self.model: GraphModel | None = None
        self.visible: VisibleGraph | None = None
        self.picture: Picture | None = None
        self.bundled = False
        self.hide_styles: frozenset[str] = frozenset()
        self.collapsed: frozenset[str] = frozenset()
        #: a cluster with more workloads than this opens with its namespaces collapsed
        self.collapse_above = COLLAPSE_ABOVE
        #: a model a load job built in its worker, until the next rebuild (``offer``)
        self._offered: GraphModel | None = None
        self._drawn: list[DrawnEdge] = []
        #: (drawn edges, segments, owner index) for hit-testing, made on demand
        self._seg_cache: tuple[list[DrawnEdge], list[tuple[float, float, float, float]],
                               list[int]] | None = None
        #: the model was just updated by a what-if edit (``_draw`` keeps the picture's lines)
        self._edit_update = False
        self._legend_rows: list[tuple[str, object]] = []
        self._hl_items: list[QGraphicsItem] = []
        self._hl_drawn: list[DrawnEdge] = []
        self._hl_segments: list[tuple[float, float, float, float]] = []
        self._hl_seg_edge: list[int] = []
        self._lit: set[str] | None = None

        sc = S.PictureScene(self)
        sc.edge_chunks = S.EDGE_CHUNKS
        view = self

        class _Node(NodeItem):
            def __init__(self, node: DrawnNode) -> None:
                super().__init__(node)
                self.view = view

        class _Cont(NamespaceItem):
            def __init__(self, node: DrawnNode) -> None:
                super().__init__(node)
                self.view = view

        sc.node_factory = _Node
        sc.container_factory = _Cont
        self.setScene(sc)
        self.pic_scene = sc
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(palette.BACKGROUND))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)

        self._occupancy_timer = QTimer(self)
        self._occupancy_timer.setSingleShot(True)
        self._occupancy_timer.setInterval(300)
        self._occupancy_timer.timeout.connect(self._prepare_update)
        self._edge_timer = QTimer(self)
        self._edge_timer.setSingleShot(True)
        self._edge_timer.setInterval(15)
        self._edge_timer.timeout.connect(self._after_move)

        self._unsubscribe = state.subscribe(self._on_state)
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
        """Kept for compatibility: every edge is drawn at every zoom (groups do the
        compression); collapse containers with ``set_collapsed`` instead."""

    def set_collapsed(self, keys: frozenset[str]) -> None:
        """Draw these containers as single boxes (semantic zoom; their mixed edges become
        bundles with counts)."""
        if keys != self.collapsed:
            self.collapsed = keys
            self.refresh()

    @property
    def legend(self) -> S.LegendItem | None:
        return self.pic_scene.legend

    def _rebuild_model(self, fit: bool) -> None:
        st = self.state
        self.graph_layout.measure = qt_measure
        if st.cluster is None:
            self.model = None
            self.visible = None
            self.picture = None
            self.pic_scene.reset()
            self._drawn = []
            self._seg_cache = None
            self._hl_items = []
            self.refreshed.emit()
            return
        old = self.model
        difference = st.difference
        hint = st.changed_pairs
        offered, self._offered = self._offered, None
        if (old is not None and not fit and old.options == self.graph_options
                and (old.cluster is st.cluster or old.cluster == st.cluster)
                and (old.source_connections is st.connections
                     or old.source_connections == st.connections)
                and old.difference == (list(difference) if difference is not None else None)
                and (old.difference is None) == (difference is None)):
            # the same evaluation again (the edit session's first push after a load)
            self.refreshed.emit()
            return
        if (old is not None and hint is not None and not fit
                and old.options == self.graph_options):
            # a what-if edit: only the changed pairs are rewritten; nothing moves, and the
            # picture keeps every line that is still drawn (``picture_update``)
            self.model = old.updated(st.cluster, st.connections, st.analyzer, hint, difference)
            self._edit_update = True
        elif (old is None and difference is None and offered is not None
              and offered.cluster is st.cluster and offered.source_connections is st.connections
              and offered.options == self.graph_options):
            # built by the load job in its worker (``model_preparer``): the same model
            self.model = offered
        else:
            # the same leaves as before (a re-evaluation, a reload of the same objects): the
            # same boxes, so the layout keeps every node where it is
            self.model = GraphModel(st.cluster, st.connections, st.analyzer, self.graph_options,
                                    difference, keep=old,
                                    defer_groups=self._large(st.cluster))
        if old is not None:
            self.model.expanded = {k for k in old.expanded if k in self.model.nodes}
        # other inputs (other namespaces) open afresh; an edit or a reload of the same
        # namespaces keeps what the user collapsed or expanded, even when the groups change
        fresh = old is None or _namespaces(old) != _namespaces(self.model)
        if fresh:
            # semantic zoom: a large cluster opens at namespace level (exact group edges
            # with counts); double-click a namespace to expand it
            self.collapsed = frozenset(self._opening_collapse())
        else:
            self.collapsed = frozenset(k for k in self.collapsed
                                       if k in self.model.tree.containers)
        try:
            self.refresh()
        finally:
            self._edit_update = False
        if fit:
            self.fit()

    def _large(self, cluster: Cluster) -> bool:
        """A cluster that opens at namespace level: it chooses the groups inside its
        namespaces when one is first expanded (``GraphModel.refine``)."""
        return self.collapse_above > 0 and len(
            {p.workload_key or p.key for p in cluster.pods}) > self.collapse_above

    def model_preparer(self) -> Callable[[Prepared], object]:
        """For a load job of new inputs: the picture model built in the job's worker (with
        the job's progress, and its cancel before and after), which the view takes when the
        load is installed (``offer``) instead of building it on the UI thread, where a large
        cluster's model (seconds at 5,000 workloads) froze the window without progress.
        Plain data in, plain data out: the options are read here, on the UI thread."""
        options = self.graph_options
        large = self._large

        def prepare(p: Prepared) -> object:
            p.check()
            p.progress(0, 1, "grouping workloads (the picture's boxes and edges)")
            model = GraphModel(p.cluster, p.connections, p.analyzer, options,
                               defer_groups=large(p.cluster))
            p.check()
            return model

        return prepare

    def offer(self, prepared: object) -> None:
        """The model a load job prepared (``model_preparer``), for the next rebuild: taken
        only when it is of exactly that state and options, and there is no model to keep."""
        self._offered = prepared if isinstance(prepared, GraphModel) else None

    def _opening_collapse(self) -> list[str]:
        m = self.model
        if m is None or self.collapse_above <= 0:
            return []
        workloads = sum(1 for n in m.nodes.values() if n.kind == NodeKind.WORKLOAD)
        if workloads <= self.collapse_above:
            return []
        return self.namespace_keys()

    def namespace_keys(self) -> list[str]:
        """The namespace boxes of the picture and the namespace sets around them (the
        overview's and the chosen groups'): what "Collapse all" collapses; a set opens onto
        its namespaces, still collapsed."""
        m = self.model
        if m is None:
            return []
        return [k for k in m.tree.containers
                if k.startswith(NS_PREFIX) or k.startswith(NSSET_KEYS)]

    def toggle_collapsed(self, key: str) -> None:
        """Collapse the box ``key`` into one box, or expand it again."""
        self.set_collapsed(self.collapsed ^ {key})

    def collapse_all(self) -> None:
        self.set_collapsed(frozenset(self.namespace_keys()))

    def expand_all(self) -> None:
        self.set_collapsed(frozenset())

    # ------------------------------------------------------------------ visibility
    def refresh(self) -> None:
        """Recompute what is visible from the filters, then redraw edges and highlight."""
        if self.model is None:
            self.refreshed.emit()
            return
        f = self.state.filters
        sel = self.state.selection
        selected = next(iter(sel.nodes)) if len(sel.nodes) == 1 else None
        if self.model.needs_refine(self.collapsed):
            # a namespace opened for the first time: the groups inside it are chosen now
            # (a second or two at 5,000 workloads)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.model.refine(self.collapsed)
            finally:
                QApplication.restoreOverrideCursor()
        self.visible = self.model.view(
            namespaces=f.namespaces, text=f.text, protocol=f.protocol, port=f.port,
            show_denied=f.show_denied, focus=f.focus,
            hide_styles=self.hide_styles | f.hide_verdicts,
            selected=selected, collapsed=self.collapsed,
        )
        self._draw()
        self.refreshed.emit()

    def _draw(self) -> None:
        assert self.model is not None and self.visible is not None
        prev = self.picture
        pic = None
        if self._edit_update and prev is not None:
            pic = picture_update(prev, self.model, self.visible, self.graph_layout, legend=True)
        if pic is None:
            pic = picture(self.model, self.visible, self.graph_layout, legend=True)
            # where its lines are, for the next what-if edit (``picture_update``), made when
            # the window is idle rather than inside that edit (at 1,000 workloads with every
            # namespace open: tens of milliseconds)
            self._occupancy_timer.start()
        self.picture = pic
        sc = self.pic_scene
        same_boxes = prev is not None and pic.nodes is prev.nodes
        if not same_boxes:
            sc.sync_nodes(pic)
        else:
            sc.picture = pic
        for key, it in sc.nodes.items():
            if isinstance(it, NodeItem) and it.isVisible():
                want = key in self.model.expanded
                if want and not it.pods:
                    it.set_pods(self.graph_layout.pod_positions(self.model, key),
                                self.model.pod_nodes(key))
                elif not want and it.pods:
                    it.set_pods([], [])
        sc.set_edges(pic.edges)
        entries = pic.legend_rows
        if entries is None:
            entries = legend_entries(self.model, self.visible)
        if not (same_boxes and prev is not None and pic.legend == prev.legend
                and entries == self._legend_rows and sc.legend is not None):
            self._legend_rows = entries
            sc.set_legend(pic, entries)
            sc.set_heading(pic)
        x, y, w, h = pic.canvas
        sc.setSceneRect(QRectF(x - 400, y - 400, w + 800, h + 800))
        self._drawn = list(pic.edges)
        # hit-testing segments are made when first needed (a click or a tooltip)
        self._seg_cache = None
        self._apply_highlight()

    def _prepare_update(self) -> None:
        pic = self.picture
        if pic is not None and pic.occupancy is None and pic.routes is not None:
            pic.occupancy = Occupancy.of(pic.routes)

    @property
    def _segments(self) -> list[tuple[float, float, float, float]]:
        return self._edge_segments()[0]

    @property
    def _seg_edge(self) -> list[int]:
        return self._edge_segments()[1]

    def _edge_segments(self) -> tuple[list[tuple[float, float, float, float]], list[int]]:
        got = self._seg_cache
        if got is None or got[0] is not self._drawn:
            segs, owner = _segments(self._drawn)
            got = (self._drawn, segs, owner)
            self._seg_cache = got
        return got[1], got[2]

    # ------------------------------------------------------------------ highlight
    def highlighted_nodes(self) -> set[str] | None:
        """Keys lit by the current selection (None: nothing selected)."""
        return self._lit

    def _selected_edges(self) -> list[DrawnEdge]:
        """The drawn edges stating the selected pair (or a straight line for a pair drawn
        nowhere: denied, or hidden by the filters)."""
        assert self.model is not None and self.visible is not None
        sel = self.state.selection
        if sel.edge is None:
            return []
        s, d = sel.edge
        got = []
        for de in self._drawn:
            e = de.edge
            if e.style == "service":
                continue
            if (e.src, e.dst) == (s, d) or e.pair == (s, d) or (
                    s in self.model.leaves_of(e.src) and d in self.model.leaves_of(e.dst)):
                got.append(de)
        if got:
            return got
        if s in self.model.nodes and d in self.model.nodes:
            conns = self.model.allowed.get((s, d))
            if conns is None:
                edge = Edge(s, d, self.model.denied_style(s, d), "denied", "No Connections",
                            None, (s, d), connection="No Connections")
            else:
                style = edge_style_for(conns)
                edge = Edge(s, d, style, "" if style == EdgeStyle.ALLOWED else str(conns),
                            str(conns), conns, (s, d), connection=str(conns))
            a = self.graph_layout.rect(self.model, s)
            b = self.graph_layout.rect(self.model, d)
            return [DrawnEdge(edge, list(_straight(a, b)))]
        return []

    def _apply_highlight(self) -> None:
        sc = self.pic_scene
        for it in self._hl_items:
            sc.removeItem(it)
        self._hl_items = []
        self._hl_drawn, self._hl_segments, self._hl_seg_edge = [], [], []
        if self.model is None or self.visible is None:
            return
        sel = self.state.selection
        lit: set[str] | None = None
        hl: list[DrawnEdge] = []
        if sel.edge is not None:
            hl = self._selected_edges()
            lit = {sel.edge[0], sel.edge[1]} | {d.edge.src for d in hl} | {d.edge.dst for d in hl}
        elif len(sel.nodes) == 1:
            key = next(iter(sel.nodes))
            if key in self.model.nodes:
                h = self.model.highlight(key, self.visible.edges)
                keys = set(h.edges)
                hl = [d for d in self._drawn if d.edge in keys]
                lit = set(h.nodes)
                for e in h.edges:
                    lit.add(e.src)
                    lit.add(e.dst)
                # what a lit container holds is lit too
                for k in list(lit):
                    if k in self.model.tree.containers:
                        lit.update(self.model.tree.leaves_of(k))
        elif sel.nodes:
            lit = set(sel.nodes)
        emphasis = self.visible.emphasis
        self._lit = lit
        text_on = bool(self.state.filters.text.strip())
        for key, it in sc.nodes.items():
            faded = (lit is not None and key not in lit) or (
                lit is None and emphasis is not None and key not in emphasis)
            it.setOpacity(palette.FADED_OPACITY if faded else 1.0)
            sel_now = key in sel.nodes or (sel.edge is not None and key in sel.edge)
            match_now = text_on and emphasis is not None and key in emphasis
            if sel_now != it.selected or match_now != it.matched:
                it.selected, it.matched = sel_now, match_now
                it.update()
        for key, ci in sc.containers.items():
            on = key in sel.nodes
            if on != ci.highlighted:
                ci.highlighted = on
                ci.update()
        # a selection or a search fades the other edges; "Reaches port" alone does not: every
        # edge it keeps accepts the port at its drawn end, and is shown at full contrast
        dim = lit is not None or (text_on and emphasis is not None)
        for it in sc.edge_layer:
            it.setOpacity(palette.FADED_OPACITY if dim else 1.0)
        if hl:
            self._hl_drawn = hl
            self._hl_segments, self._hl_seg_edge = _segments(hl)
            self._hl_items = S.edge_items(hl, palette.HIGHLIGHT_WIDTH_FACTOR, S.Z_HIGHLIGHT,
                                          labels=True, label_lod=0.0)
            for it in self._hl_items:
                sc.addItem(it)

    # ------------------------------------------------------------------ moving
    def _node_moved(self, item: NodeItem) -> None:
        if self.model is None:
            return
        p = item.pos()
        self.graph_layout.move(item.key, p.x(), p.y())
        if not self._edge_timer.isActive():
            self._edge_timer.start()

    def move_container(self, key: str, dx: float, dy: float) -> None:
        if self.model is None:
            return
        self.graph_layout.move_namespace(self.model, key, dx, dy)
        if not self._edge_timer.isActive():
            self._edge_timer.start()

    def move_namespace(self, ns: str, dx: float, dy: float) -> None:
        self.move_container("ns:" + ns, dx, dy)

    def _after_move(self) -> None:
        if self.model is None or self.visible is None:
            return
        self._draw()
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
        if self.model is None or key not in self.pic_scene.nodes:
            return
        self.model.toggle_expanded(key)
        it = self.pic_scene.nodes[key]
        assert isinstance(it, NodeItem)
        if key in self.model.expanded:
            it.set_pods(self.graph_layout.pod_positions(self.model, key), self.model.pod_nodes(key))
        else:
            it.set_pods([], [])
        self.refreshed.emit()

    # ------------------------------------------------------------------ hit-testing
    def node_at(self, pos: QPointF) -> str | None:
        for it in self.items(pos.toPoint()):
            if isinstance(it, PodItem):
                return it.node.parent
            if isinstance(it, S.NodeItem):
                return it.key
        return None

    def edge_at_view(self, pos: QPointF) -> Edge | None:
        sp = self.mapToScene(pos.toPoint())
        tol = HIT_PIXELS / max(self.current_scale(), 1e-6)
        i = edge_at(self._hl_segments, sp.x(), sp.y(), tol)
        if i is not None:
            return self._hl_drawn[self._hl_seg_edge[i]].edge
        i = edge_at(self._segments, sp.x(), sp.y(), tol)
        if i is not None:
            return self._drawn[self._seg_edge[i]].edge
        return None

    def mousePressEvent(self, event) -> None:
        self._press_item = None
        if event.button() == Qt.MouseButton.LeftButton and self.model is not None:
            pos = event.position()
            key = self.node_at(pos)
            if key is not None:
                self._press_item = self.pic_scene.nodes.get(key)
                ctrl = bool(event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                                 | Qt.KeyboardModifier.MetaModifier))
                self.click_node(key, pick_target=ctrl)
            else:
                ns_item = self._container_title_at(pos)
                if ns_item is None:
                    e = self.edge_at_view(pos)
                    if e is not None:
                        self.click_edge(e)
                        event.accept()
                        return
                    self.state.select()
        super().mousePressEvent(event)

    def _container_at(self, pos: QPointF) -> NamespaceItem | None:
        """The innermost box under ``pos``."""
        for it in self.items(pos.toPoint()):
            if isinstance(it, NamespaceItem):
                return it
        return None

    def _container_title_at(self, pos: QPointF) -> NamespaceItem | None:
        sp = self.mapToScene(pos.toPoint())
        for it in self.items(pos.toPoint()):
            if isinstance(it, NamespaceItem) and it.title_rect.contains(sp):
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
        """Select the pair an edge stands for; an edge between boxes (several pairs) also
        selects itself as a group edge with its pairs (the Reach panel lists them)."""
        if e.style == "service":
            self.state.select(nodes=frozenset({e.src}))
            return
        if e.style in (EdgeStyle.ENTRY, EdgeStyle.LEADS_OUT) or (
                e.style in (EdgeStyle.EXPOSED, EdgeStyle.BLOCKED) and e.pair is None):
            # the path from outside: the way in (or out) it belongs to
            self.state.select(nodes=frozenset({e.dst if e.style == EdgeStyle.ENTRY else e.src}))
            return
        assert self.model is not None
        pair = e.pair or (e.src, e.dst)
        if e.count > 1 or e.style == EdgeStyle.BUNDLE:
            pairs = tuple(sorted((s, t) for s in self.model.members(e.src)
                                 for t in self.model.members(e.dst) if s != t))
            self.state.select(edge=pair, group_edge=(e.src, e.dst), pairs=pairs)
            return
        self.state.select(edge=pair)

    def mouseDoubleClickEvent(self, event) -> None:
        key = self.node_at(event.position())
        if key is not None and self.model is not None and self.model.nodes[key].kind == "workload":
            self.toggle_pods(key)
            event.accept()
            return
        if key is None and self.model is not None:
            # a namespace (or group) box: its title collapses it; a collapsed box expands
            # wherever it is double-clicked
            box = self._container_at(event.position())
            if box is not None and box.key != ROOT and (
                    box.key in self.collapsed
                    or box.title_rect.contains(self.mapToScene(event.position().toPoint()))):
                self.toggle_collapsed(box.key)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.model is not None:
            pos = QPointF(event.pos())
            if self.node_at(pos) is None and self._container_title_at(pos) is None:
                e = self.edge_at_view(pos)
                if e is not None:
                    text = e.tooltip
                    if e.style not in ("service", "bundle") and e.pair and e.count == 1:
                        why = self.model.why(*e.pair)
                        if why:
                            text += "\n\n" + why
                    text += "\n\nClick for the full explanation" if e.style != "bundle" else ""
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
        return super().viewportEvent(event)

    # ------------------------------------------------------------------ zoom / pan
    def current_scale(self) -> float:
        return self.transform().m11()

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

    def zoom_in(self) -> None:
        self.zoom(1.25)

    def zoom_out(self) -> None:
        self.zoom(0.8)

    def fit(self) -> None:
        """Fit the whole picture (drawing and legend) in the view."""
        if self.picture is None:
            return
        r = _qrect(self.picture.canvas)
        self.fitInView(r, Qt.AspectRatioMode.KeepAspectRatio)
        if self.current_scale() > 1.5:
            f = 1.5 / self.current_scale()
            self.scale(f, f)

    def reset_layout(self) -> None:
        if self.model is None:
            return
        self.graph_layout.reset(self.model)
        self.refresh()
        self.fit()
        self.nodesMoved.emit()

    def center_on_node(self, key: str) -> None:
        it = self.pic_scene.nodes.get(key)
        if it is not None:
            if self.current_scale() < 0.6:
                f = 0.8 / self.current_scale()
                self.scale(f, f)
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

    # ------------------------------------------------------------------ queries for tests
    @property
    def _nodes(self) -> dict[str, S.NodeItem]:
        return self.pic_scene.nodes

    def node_item(self, key: str) -> NodeItem | None:
        it = self.pic_scene.nodes.get(key)
        return it if isinstance(it, NodeItem) else None

    def drawn_edges(self) -> list[Edge]:
        return [d.edge for d in self._drawn]

    def drawn(self) -> list[DrawnEdge]:
        return list(self._drawn)

    def highlight_edges(self) -> list[Edge]:
        return [d.edge for d in self._hl_drawn]

    def namespace_item(self, ns: str) -> NamespaceItem | None:
        it = self.pic_scene.containers.get("ns:" + ns) or self.pic_scene.containers.get(ns)
        return it if isinstance(it, NamespaceItem) else None

    def edge_layers(self) -> list[QGraphicsItem]:
        return [it for it in self.pic_scene.edge_layer if isinstance(it, S.EdgeLayer)]

    def scene_point_of_edge(self, e: Edge) -> QPointF:
        """A point on a drawn edge (its longest segment's middle), in view coordinates."""
        for d in self._drawn:
            if d.edge == e:
                pts = d.points
                best = max(range(len(pts) - 1), key=lambda i: math.dist(pts[i], pts[i + 1]))
                (x0, y0), (x1, y1) = pts[best], pts[best + 1]
                return QPointF(self.mapFromScene(QPointF((x0 + x1) / 2, (y0 + y1) / 2)))
        raise KeyError(e)


def _segments(edges: Sequence[DrawnEdge]) -> tuple[list[tuple[float, float, float, float]],
                                                    list[int]]:
    segs: list[tuple[float, float, float, float]] = []
    owner: list[int] = []
    for i, d in enumerate(edges):
        pts = d.points
        for j in range(len(pts) - 1):
            segs.append((pts[j][0], pts[j][1], pts[j + 1][0], pts[j + 1][1]))
            owner.append(i)
    return segs, owner


def _straight(a: Rect, b: Rect) -> tuple[tuple[float, float], tuple[float, float]]:
    """From the side of ``a`` facing ``b`` to the side of ``b`` facing ``a``."""
    ax, ay = a[0] + a[2] / 2, a[1] + a[3] / 2
    bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
    if bx >= ax:
        return (a[0] + a[2], ay), (b[0], by)
    return (a[0], ay), (b[0] + b[2], by)


# ---------------------------------------------------------------------- export


def _namespaces(model: GraphModel) -> frozenset[str]:
    return frozenset(k for k in model.tree.containers if k.startswith(NS_PREFIX))


def render_view(view: GraphView, path: str, title: str, whole: bool = False) -> None:
    """Write the picture (``whole``: all of it, with the title above; else the part shown in
    the window) to PNG, SVG or PDF, or the picture JSON (``.json``, always whole)."""
    if view.model is None or view.visible is None:
        raise OSError("nothing to export")
    lower = path.lower()
    pic = picture(view.model, view.visible, view.graph_layout, heading=title, legend=True)
    if lower.endswith(".json"):
        from netviz.export.picture_json import write

        write(pic, path)
        return
    sc = S.PictureScene()
    sc.show(pic, legend_entries(view.model, view.visible))
    canvas: Sequence[float] = pic.canvas
    if not whole:
        vr = view.mapToScene(view.viewport().rect()).boundingRect()
        canvas = (vr.x(), vr.y(), vr.width(), vr.height())
        scale = view.current_scale()
        S.render(sc, canvas, path, scale=scale, title=title)
    else:
        S.render(sc, canvas, path, title=title)
    sc.deleteLater()

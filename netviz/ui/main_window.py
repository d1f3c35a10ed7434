"""The main window: opening, the graph, filters, docks for the panels, export.

Rules this module keeps:
- One ``AppState`` for the window; every view gets it in its constructor. The window turns
  user actions into state changes (``set_loaded``, ``set_evaluation``, ``set_filters``,
  ``select``) and never computes policy semantics itself.
- Loading and evaluation run in ``netviz.ui.worker`` threads with progress and cancel; the
  window stays responsive and keeps the previous cluster until a new one is ready.
- The window is assembled explicitly: ``PANELS`` lists every panel (``Panel(state, parent)``)
  with its dock title and area, in the order the docks are tabbed; a panel with
  ``opens_source`` has an ``openSource(file, line)`` signal that opens the file in the YAML
  view. Everything is imported normally: a panel that fails to import or build is an error
  that stops the window (tests/gui/test_main_window.py builds each), never a missing dock.
  A new panel is one line in ``PANELS``.
- Loading other inputs starts afresh; loading the same ones again (F5, a change on disk, the
  reload after a save) keeps the selection, the namespace filter and the view, and a message
  given to ``reload(message)`` is shown when it has finished.
- The window opens within the screen; toolbar buttons carry short texts (menus the full
  ones) and the what-if toolbar wraps to a second row rather than overflow; ``AutoFit``
  refits the graph after a resize while all of it was in view; a dock whose ``PanelSpec``
  has ``usable_height`` gets that share of the height the first time it is shown.
- Node positions are saved per set of inputs (``netviz.io.appfiles.session_path``) when
  the user moves something, and read back when the same inputs are opened again.
- What-if editing lives in ``netviz.ui.editor.controller.EditController`` (``self.editing``).
  The window is its ``EditHost`` (the narrow interface the controller uses: state, inputs,
  messages, dock placement) and places what it offers (Edit menu, toolbar, shortcuts). The
  window only asks it before closing, reloading or opening other inputs with unsaved edits,
  and does not auto-reload over them.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QTransform
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from netviz.engine import Options
from netviz.engine.analyzer import DEFAULT_INGRESS_CONTROLLER_NAMESPACE, parse_ingress_controller
from netviz.io.appfiles import JsonFile, session_path
from netviz.model.diagnostics import Severity
from netviz.model.enforcement import PLUGINS, Enforcement
from netviz.model.keys import VerdictKind
from netviz.model.loaded import LoadResult
from netviz.ui.autofit import AutoFit
from netviz.ui.editor.controller import EditController
from netviz.ui.graph_view import GraphView, render_view
from netviz.ui.panels import (
    AuditPanel,
    DiagnosticsPanel,
    ExplainPanel,
    ExposurePanel,
    MatrixPanel,
    PoliciesPanel,
    ReachPanel,
    YamlView,
)
from netviz.ui.panels._base import LazyPanel
from netviz.ui.snapshot_dialog import SnapshotDialog
from netviz.ui.worker import Job, JobResult, Runner
from netviz.viewmodel.diagnostics import diagnostics_of
from netviz.viewmodel.editing import gcpolicy
from netviz.viewmodel.enforcement import banner_text, effective, enforced_today
from netviz.viewmodel.graph import display_name, parse_port_filter
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.nssets import PREFIX as NSSET_PREFIX
from netviz.viewmodel.reach import port_text
from netviz.viewmodel.state import AppState, Selection

MAX_RECENT = 10
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass(frozen=True)
class PanelSpec:
    """One dock of the window: ``make(state, parent)`` builds its widget."""

    #: key in ``MainWindow.panels``/``docks`` (the dock's object name is ``dock<name>``)
    name: str
    title: str
    area: Qt.DockWidgetArea
    make: Callable[[AppState, QWidget], QWidget]
    #: the widget has ``openSource(file, line)``: connected to the YAML view
    opens_source: bool = False
    #: the first time the dock is shown, its area gets at least this fraction of the
    #: window's height (a table that needs rows to be usable), unless the user made it so
    usable_height: float = 0.0


#: every panel of the window, in the order their docks are added (and tabbed) per area
PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("ReachPanel", "Reach", BOTTOM, ReachPanel, usable_height=0.3),
    PanelSpec("AuditPanel", "Audit", BOTTOM, AuditPanel, opens_source=True),
    PanelSpec("DiagnosticsPanel", "Diagnostics", BOTTOM, DiagnosticsPanel, opens_source=True),
    PanelSpec("ExplainPanel", "Explanation", RIGHT, ExplainPanel, opens_source=True),
    PanelSpec("ExposurePanel", "Exposure", BOTTOM, ExposurePanel, opens_source=True),
    PanelSpec("MatrixPanel", "Matrix", BOTTOM, MatrixPanel, usable_height=0.45),
    PanelSpec("PoliciesPanel", "Policies", RIGHT, PoliciesPanel, opens_source=True),
    PanelSpec("YamlView", "YAML", RIGHT, YamlView),
)


def demo_path() -> Path | None:
    """``resources/demo`` next to the package (editable installs and source checkouts)."""
    import netviz

    for base in (Path(netviz.__file__).resolve().parents[1], Path.cwd()):
        p = base / "resources" / "demo"
        if p.is_dir():
            return p
    return None


class MainWindow(QMainWindow):
    def __init__(self, state: AppState | None = None, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state or AppState()
        self.settings = settings or QSettings("netviz", "netviz")
        self.paths: list[str] = []
        #: the inputs of the load job under way (None: the job re-evaluates)
        self._pending_paths: list[str] | None = None
        self._pending_new = False
        #: said when the reload under way has finished (e.g. "Saved 2 file(s)")
        self._pending_message = ""
        self.editing: EditController | None = None
        self.runner = Runner(self)
        self.setWindowTitle("netviz")
        self._size_to_screen()
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AnimatedDocks)

        self.view = GraphView(self.state, self)
        # the banner over the graph (policies not enforced: netviz.viewmodel.enforcement)
        self.cni_override: str | None = None
        self._pending_today = False
        self._today_analyzer: object | None = None
        self.banner = QLabel(self)
        self.banner.setObjectName("enforcementBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet(
            "QLabel#enforcementBanner { background: #d55e00; color: white; font-weight: bold;"
            " padding: 6px 10px; }")
        self.banner.hide()
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}

        self._session_timer = QTimer(self)
        self._session_timer.setSingleShot(True)
        self._session_timer.setInterval(800)
        self._session_timer.timeout.connect(self.save_session)
        self.view.nodesMoved.connect(self._session_timer.start)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_disk_change)
        self.watcher.directoryChanged.connect(self._on_disk_change)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(600)
        self._reload_timer.timeout.connect(self._auto_reload)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._apply_search)
        self._search_hits: list[str] = []
        self._search_index = -1

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_statusbar()
        self._build_panels()

        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_job_finished)
        self.runner.failed.connect(self._on_job_failed)
        self.runner.cancelled.connect(self._on_job_cancelled)
        self.runner.busyChanged.connect(self._on_busy)
        self._unsubscribe = self.state.subscribe(self._on_state)
        self._update_status()
        # what-if editing (netviz.ui.editor): Edit menu, view modes, editor/changes/history
        self.editing = EditController(self)
        mb = self.menuBar()
        mb.insertMenu(mb.actions()[1], self.editing.edit_menu)
        self.addToolBar(self.editing.toolbar)
        self.addActions(self.editing.actions)
        # saving belongs in the File menu too (where people look for it)
        self.file_menu.insertActions(self._file_export_anchor,
                                     [self.editing.act_save, self.editing.act_save_as])
        self.file_menu.insertSeparator(self._file_export_anchor)
        self._toolbars = [self.main_toolbar, self.editing.toolbar]
        self._wrap_toolbars()
        self.autofit = AutoFit(self.view)

    # ------------------------------------------------------------------ size
    def _size_to_screen(self) -> None:
        """Open at most as large as the screen's free area (90 % of it on a large screen,
        all of it on a small one), centred."""
        screen = self.screen()
        if screen is None:
            self.resize(1500, 950)
            return
        avail = screen.availableGeometry()
        if avail.width() < 1500 or avail.height() < 900:
            # all of it, less room for the window manager's frame (not counted by resize)
            w, h = avail.width() - 16, avail.height() - 48
        else:
            w, h = min(int(avail.width() * 0.9), 2200), min(int(avail.height() * 0.9), 1400)
        self.resize(max(w, 640), max(h, 480))
        self.move(avail.left() + max(0, (avail.width() - w) // 2),
                  avail.top() + max(0, (avail.height() - h) // 2))

    def _wrap_toolbars(self) -> None:
        """The what-if toolbar goes on a second row when both do not fit in one, so that no
        toolbar hides buttons behind its overflow arrow."""
        bars = getattr(self, "_toolbars", None)
        if not bars:
            return
        need = sum(tb.sizeHint().width() for tb in bars) + 8
        broken = self.toolBarBreak(bars[1])
        if need > self.width() and not broken:
            self.insertToolBarBreak(bars[1])
        elif need <= self.width() and broken:
            self.removeToolBarBreak(bars[1])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._wrap_toolbars()

    # ------------------------------------------------------------------ building
    def _act(self, text: str, slot, shortcut=None, checkable: bool = False,
             tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(slot)
        return a

    def _build_actions(self) -> None:
        S = QKeySequence.StandardKey
        self.act_open = self._act("&Open Files…", self.open_files_dialog, S.Open,
                                  tip="Open manifest files (YAML/JSON)")
        self.act_open_dir = self._act("Open &Folder…", self.open_folder_dialog, "Ctrl+Shift+O",
                                      tip="Open every manifest in a folder")
        self.act_reload = self._act("&Reload", self.reload, "F5", tip="Read the files again")
        self.act_auto = self._act("Reload &Automatically", lambda on: None, checkable=True,
                                  tip="Reload when a file changes on disk")
        self.act_auto.setChecked(bool(self.settings.value("autoReload", True, type=bool)))
        self.act_auto.toggled.connect(lambda on: self.settings.setValue("autoReload", on))
        self.act_export_view = self._act("Export &View…", lambda: self.export_dialog(False),
                                         "Ctrl+E", tip="Save what the view shows as PNG, SVG or PDF")
        self.act_export_all = self._act("Export &Whole Graph…", lambda: self.export_dialog(True),
                                        "Ctrl+Shift+E", tip="Save the whole graph as PNG, SVG or PDF")
        self.act_quit = self._act("&Quit", self.close, S.Quit)
        self.act_cancel = self._act("Cancel", self.cancel_job, tip="Stop loading")
        self.act_cancel.setEnabled(False)

        self.act_fit = self._act("&Fit to Window", self.view.fit, "Ctrl+0",
                                 tip="Show the whole graph (F)")
        self.act_zoom_in = self._act("Zoom &In", self.view.zoom_in, S.ZoomIn)
        self.act_zoom_out = self._act("Zoom &Out", self.view.zoom_out, S.ZoomOut)
        self.act_collapse_all = self._act(
            "&Collapse All Namespaces", self.view.collapse_all,
            tip="Draw each namespace as one box (exact group edges with counts); "
                "double-click a namespace to expand it")
        self.act_expand_all = self._act("E&xpand All Namespaces", self.view.expand_all,
                                        tip="Draw every workload")
        self.act_reset_layout = self._act("Reset &Layout", self.view.reset_layout,
                                          tip="Forget moved nodes and lay the graph out afresh")
        self.act_clear = self._act("&Clear Selection", lambda: self.state.select(), "Esc")
        self.act_focus = self._act("F&ocus on Selection", self.toggle_focus, "Ctrl+Shift+F",
                                   checkable=True,
                                   tip="Show only the selected workload and its neighbours")
        self.act_bundles = self._act("&Bundle Edges When Zoomed Out", self.view.set_bundling,
                                     checkable=True, tip="Level of detail for large clusters")
        self.act_bundles.setChecked(True)
        self.act_services = self._act("Show &Services", self._graph_options_changed,
                                      checkable=True)
        self.act_services.setChecked(True)
        self.act_route = self._act("&Route Edges Through Services", self._graph_options_changed,
                                   checkable=True,
                                   tip="An edge to a Service: its backends are reachable on its "
                                       "target port")
        self.act_route.setChecked(True)
        self.act_outside = self._act(
            "Show Path from &Outside", self._graph_options_changed, checkable=True,
            tip="The internet → LoadBalancer / NodePort / Ingress / Route → Service → pods, "
                "with what the backends' policies let through; where Services lead outside")
        self.act_outside.setChecked(True)

        self.act_allowed = self._act("Allowed", self._verdicts_changed, checkable=True,
                                     tip="Show edges where everything is allowed")
        self.act_partial = self._act("Partial", self._verdicts_changed, checkable=True,
                                     tip="Show edges where some ports are allowed")
        self.act_denied = self._act("Denied", self._verdicts_changed, checkable=True,
                                    tip="Show denied pairs (dashed)")
        self.act_allowed.setChecked(True)
        self.act_partial.setChecked(True)

        self.act_ipblock = self._act("ipBlocks Match &Pod IPs", self._options_changed,
                                     checkable=True,
                                     tip="Whether an ipBlock also matches pods whose IPs it covers")
        self.host_group = QActionGroup(self)
        self.act_host_pod = self._act("hostNetwork Pods Are &Pods", self._options_changed,
                                      checkable=True)
        self.act_host_node = self._act("hostNetwork Pods Are &Node Traffic",
                                       self._options_changed, checkable=True)
        self.host_group.addAction(self.act_host_pod)
        self.host_group.addAction(self.act_host_node)
        self.act_host_pod.setChecked(True)
        self.cni_group = QActionGroup(self)
        self.act_cni_detected = self._act("As &Detected", lambda: self.set_cni(None),
                                          checkable=True,
                                          tip="The plugin the snapshot recorded or the "
                                              "manifests' DaemonSets show")
        self.cni_group.addAction(self.act_cni_detected)
        self.act_cni_detected.setChecked(True)
        self.cni_actions: dict[str, QAction] = {}
        for plugin in PLUGINS:
            act = self._act(plugin.name, lambda _on=False, pid=plugin.id: self.set_cni(pid),
                            checkable=True)
            self.cni_group.addAction(act)
            self.cni_actions[plugin.id] = act
        self.act_enforced_today = self._act(
            "Show as &Enforced Today", self.set_enforced_today, checkable=True,
            tip="When the network plugin does not enforce NetworkPolicy: show what the cluster "
                "does (every pair allowed) instead of what the policies say")
        self.act_enforced_today.setEnabled(False)
        self.act_ingress_controller = self._act(
            "&Ingress Controller Location…", self.ask_ingress_controller,
            tip="Where the ingress controller serving Ingress/Route objects runs: its namespace "
                "and pod labels, so that policies admitting it are read as meant")

        self.act_demo = self._act("Open &Demo", self.open_demo, tip="Open the demo cluster")
        self.act_keys = self._act("&Keyboard and Mouse", self.show_keys, S.HelpContents)
        self.act_about = self._act("&About netviz", self.show_about)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.file_menu = m
        m.addActions([self.act_open, self.act_open_dir])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        m.addActions([self.act_reload, self.act_auto])
        self.act_snapshot = self._act("&Snapshot from Cluster…", self.snapshot_dialog,
                                      tip="Read a live cluster into a snapshot file")
        m.addAction(self.act_snapshot)
        m.addSeparator()
        #: Save / Save As of the edit controller go before this
        self._file_export_anchor = self.act_export_view
        m.addActions([self.act_export_view, self.act_export_all])
        m.addSeparator()
        m.addAction(self.act_quit)

        v = mb.addMenu("&View")
        v.addActions([self.act_fit, self.act_zoom_in, self.act_zoom_out])
        v.addSeparator()
        v.addActions([self.act_clear, self.act_focus])
        v.addSeparator()
        v.addActions([self.act_collapse_all, self.act_expand_all])
        v.addSeparator()
        v.addActions([self.act_allowed, self.act_partial, self.act_denied])
        v.addSeparator()
        v.addActions([self.act_services, self.act_route, self.act_outside, self.act_bundles,
                      self.act_reset_layout])
        self.docks_menu = v.addMenu("&Panels")

        o = mb.addMenu("&Options")
        o.addAction(self.act_ipblock)
        o.addSeparator()
        o.addActions([self.act_host_pod, self.act_host_node])
        o.addSeparator()
        o.addAction(self.act_ingress_controller)
        o.addSeparator()
        cni = o.addMenu("Network &Plugin")
        cni.addAction(self.act_cni_detected)
        cni.addSeparator()
        cni.addActions(list(self.cni_actions.values()))
        o.addAction(self.act_enforced_today)

        h = mb.addMenu("&Help")
        h.addActions([self.act_demo, self.act_keys, self.act_about])

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        self.main_toolbar = tb
        self.addToolBar(tb)
        # short texts on the buttons (the menus keep the full ones) and no zoom buttons
        # (wheel, Ctrl++/Ctrl+-, View menu): both toolbars fit one row of a 1280-pixel
        # screen. Cancel is in the status bar while something runs.
        for act, short in ((self.act_open, "Open"), (self.act_open_dir, "Folder"),
                           (self.act_fit, "Fit"), (self.act_focus, "Focus")):
            act.setIconText(short)
        tb.addActions([self.act_open, self.act_open_dir, self.act_reload])
        tb.addSeparator()
        tb.addAction(self.act_fit)
        tb.addSeparator()
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search name or label…")
        self.search.setToolTip("Search by name, namespace, kind or label (tier=db); "
                               "Enter selects the next match")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(140)
        self.search.setMaximumWidth(260)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.next_match)
        tb.addWidget(self.search)
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._focus_search)
        self.addAction(find)
        self.ns_button = QToolButton(self)
        self.ns_button.setText("Namespaces")
        self.ns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.ns_menu = QMenu(self)
        self.ns_button.setMenu(self.ns_menu)
        tb.addWidget(self.ns_button)
        self.port_edit = QLineEdit(self)
        self.port_edit.setObjectName("portFilter")
        self.port_edit.setPlaceholderText("Reaches port…")
        self.port_edit.setClearButtonEnabled(True)
        self.port_edit.setMinimumWidth(120)
        self.port_edit.setMaximumWidth(190)
        self.port_edit.setToolTip("Show only the edges that allow this protocol/port:\n"
                                  "\"TCP 5432\", \"5432\" (any protocol), \"UDP\"")
        self.port_edit.textChanged.connect(self._port_changed)
        tb.addWidget(self.port_edit)
        tb.addSeparator()
        tb.addActions([self.act_allowed, self.act_partial, self.act_denied])
        tb.addSeparator()
        tb.addAction(self.act_focus)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.status_counts = QLabel(self)
        self.status_options = QLabel(self)
        self.status_options.setObjectName("optionsLabel")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_job)
        sb.addWidget(self.status_counts, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        sb.addPermanentWidget(self.status_options)

    def _build_panels(self) -> None:
        """A dock per entry of ``PANELS``. A panel that cannot be built is an error."""
        first: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for spec in PANELS:
            widget = spec.make(self.state, self)
            self.panels[spec.name] = widget
            dock = self.place_dock(spec.name, spec.title, widget, spec.area)
            first.setdefault(spec.area, dock)
            if spec.opens_source:
                widget.openSource.connect(self.open_source)  # type: ignore[attr-defined]
        yaml = self.panels["YamlView"]
        assert isinstance(yaml, YamlView)
        self.yaml_view = yaml
        for dock in first.values():
            dock.raise_()
        self._first_docks = first
        self._sized_docks = False
        for spec in PANELS:
            if spec.usable_height:
                dock = self.docks[spec.name]
                dock.visibilityChanged.connect(
                    lambda on, d=dock, f=spec.usable_height: self._make_usable(d, f, on))

    def _size_docks(self) -> None:
        """The graph gets most of the window: docks sized from the window once it is shown
        (before that Qt does not know the window's size)."""
        first = self._first_docks
        if BOTTOM in first:
            self.resizeDocks([first[BOTTOM]], [max(180, int(self.height() * 0.26))],
                             Qt.Orientation.Vertical)
        if RIGHT in first:
            self.resizeDocks([first[RIGHT]], [max(320, min(460, int(self.width() * 0.28)))],
                             Qt.Orientation.Horizontal)
        self._sized_docks = True

    def _make_usable(self, dock: QDockWidget, fraction: float, shown: bool = True) -> None:
        """Give ``dock`` at least ``fraction`` of the window's height, the first time it is
        shown (later the user's sizes are kept)."""
        if (not shown or dock.property("madeUsable") or not self.isVisible()
                or dock.isFloating()):
            return
        dock.setProperty("madeUsable", True)
        want = int(self.height() * fraction)
        if dock.height() < want:
            self.resizeDocks([dock], [want], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized_docks:
            self._sized_docks = True
            # after the window's first layout, which gives the docks their hinted sizes
            QTimer.singleShot(0, self._size_docks)

    def place_dock(self, name: str, title: str, widget: QWidget,
                   area: Qt.DockWidgetArea) -> QDockWidget:
        """Show ``widget`` in the dock ``name``: made on first use (tabbed with the docks
        already in ``area``, listed in View ▸ Panels); a widget it held before is deleted."""
        dock = self.docks.get(name)
        if dock is None:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock{name}")
            anchor = next((d for d in self.docks.values()
                           if self.dockWidgetArea(d) == area and not d.isFloating()), None)
            self.addDockWidget(area, dock)
            if anchor is not None:
                self.tabifyDockWidget(anchor, dock)
            self.docks[name] = dock
            self.docks_menu.addAction(dock.toggleViewAction())
            # a panel that computes only on screen catches up when its tab is selected
            dock.visibilityChanged.connect(lambda on, d=dock: self._dock_shown(d, on))
        prev = dock.widget()
        dock.setWidget(widget)
        if prev is not None and prev is not widget:
            prev.deleteLater()
        return dock

    @staticmethod
    def _dock_shown(dock: QDockWidget, on: bool) -> None:
        w = dock.widget()
        if on and isinstance(w, LazyPanel):
            w.shown()

    def show_dock(self, name: str) -> None:
        dock = self.docks.get(name)
        if dock is not None:
            dock.show()
            dock.raise_()

    # ------------------------------------------------------------------ opening
    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open manifests", self.last_dir(),
            "Kubernetes manifests (*.yaml *.yml *.json);;All files (*)")
        if files:
            self.open_paths(files)

    def open_folder_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Open a folder of manifests", self.last_dir())
        if d:
            self.open_paths([d])

    # ------------------------------------------------------------------ EditHost
    def last_dir(self) -> str:
        return str(self.settings.value("lastDir", str(Path.home())))

    def show_message(self, text: str, msecs: int = 0) -> None:
        self.statusBar().showMessage(text, msecs)

    def set_unsaved(self, unsaved: bool) -> None:
        title = self.windowTitle().removesuffix(" *")
        self.setWindowTitle(title + (" *" if unsaved else ""))

    def dialog_parent(self) -> QWidget:
        return self

    def open_demo(self) -> None:
        p = demo_path()
        if p is None:
            QMessageBox.warning(self, "netviz", "The demo folder resources/demo was not found.")
            return
        self.open_paths([str(p)])

    def open_paths(self, paths: Sequence[str]) -> None:
        """Load ``paths`` (files and folders) off the UI thread."""
        paths = [str(p) for p in paths]
        if not paths:
            return
        new_inputs = sorted(paths) != sorted(self.paths)
        if (new_inputs and self.editing is not None
                and not self.editing.maybe_discard("open other manifests")):
            return
        if new_inputs:
            self.save_session()
        self._pending_paths = paths
        self._pending_new = new_inputs
        self.settings.setValue("lastDir", str(Path(paths[0]).resolve().parent))
        # new inputs: the picture's model is built in the job's worker too (with progress);
        # the same inputs again keep the current model's boxes, which the UI thread owns
        fresh = new_inputs or self.view.model is None
        self.runner.start(Job(self.state.options, paths=paths,
                              prepare=self.view.model_preparer() if fresh else None))

    def reload(self, message: str = "") -> None:
        """Read the inputs again; the selection, the filters and the view are kept.
        ``message`` is shown when the reload has finished (after a save: what was saved)."""
        if self.paths:
            if self.editing is not None and not self.editing.maybe_discard("reload"):
                return
            self._pending_message = message
            self.open_paths(self.paths)

    def cancel_job(self) -> None:
        self.runner.cancel()

    def evaluate(self, options: Options) -> None:
        """Re-evaluate the loaded cluster with ``options`` off the UI thread."""
        if self.state.cluster is None:
            self.state.options = options
            self._update_status()
            return
        self._pending_paths = None
        cluster = self.state.cluster
        self._pending_today = self.act_enforced_today.isChecked()
        if self._pending_today:
            cluster = enforced_today(cluster)
        self.runner.start(Job(options, cluster=cluster, result=self.state.result))

    def _on_job_finished(self, r: JobResult) -> None:
        try:
            self._install_job(r)
        finally:
            # what was loaded or evaluated lives until the next load: out of the cyclic
            # collector's way, so that edits do not traverse it (gcpolicy; off in tests)
            gcpolicy.after_load()

    def _install_job(self, r: JobResult) -> None:
        paths = self._pending_paths
        if paths is None and self._pending_today:
            # "as enforced today": shown, not an edit (the edit session keeps the policies)
            self._today_analyzer = r.analyzer
            if self.editing is not None:
                with self.editing.suspended():
                    self.state.set_evaluation(r.options, r.analyzer, r.connections)
            else:
                self.state.set_evaluation(r.options, r.analyzer, r.connections)
            self._update_enforcement()
            self._update_status()
            return
        if paths is None:  # an options change
            self.state.set_evaluation(r.options, r.analyzer, r.connections)
            self.statusBar().showMessage(f"Evaluated in {r.seconds:.2f} s", 4000)
            self._update_status()
            return
        if self.act_enforced_today.isChecked():
            self.act_enforced_today.setChecked(False)  # a new input: what its policies say
        again = not self._pending_new and self.state.cluster is not None
        said, self._pending_message = self._pending_message, ""
        if self._pending_new:
            self.view.graph_layout = Layout()
            self.view.model = None
            self.view.graph_layout.load_dict(JsonFile(session_path(paths)).read())
        self.paths = paths
        self._add_recent(paths)
        # the same inputs again (F5, a change on disk, after a save): keep what the user was
        # looking at; other inputs: start afresh
        kept = self._view_state() if again else None
        if not again:
            self.state.set_filters(namespaces=None, focus=None)
        self.view.offer(r.prepared)
        self.state.set_loaded(r.result, r.cluster, r.analyzer, r.connections)
        self._update_enforcement()
        self._watch(r.result)
        self._fill_namespaces()
        if kept is not None:
            self._restore_view_state(kept)
        names = ", ".join(Path(p).name or p for p in paths)
        self.setWindowTitle(f"netviz — {names}")
        diags = diagnostics_of(r.result)
        errors = [d for d in diags if d.severity is Severity.ERROR]
        msg = (f"{said}; reloaded in {r.seconds:.2f} s" if said
               else f"Loaded in {r.seconds:.2f} s")
        if diags:
            msg += f" — {len(diags)} diagnostic(s), {len(errors)} error(s): see the Diagnostics panel"
            if errors:
                self.show_dock("DiagnosticsPanel")
        if self.view.collapsed and any(k.startswith(NSSET_PREFIX) for k in self.view.collapsed):
            msg += (" — a large cluster: opened at namespace-set level (namespaces no namespace "
                    "selector tells apart are one box); double-click a box to expand it "
                    "(View > Expand All Namespaces)")
        elif self.view.collapsed:
            msg += (" — a large cluster: opened at namespace level; double-click a namespace to "
                    "expand it (View > Expand All Namespaces)")
        self.statusBar().showMessage(msg, 15000 if self.view.collapsed else 8000)
        self._update_status()

    def _view_state(self) -> tuple[Selection, frozenset[str] | None, QTransform, QPointF]:
        """What a reload of the same inputs keeps: selection, namespace filter, zoom, centre."""
        v = self.view
        centre = v.mapToScene(v.viewport().rect().center())
        return (self.state.selection, self.state.filters.namespaces, v.transform(), centre)

    def _restore_view_state(self, kept: tuple[Selection, frozenset[str] | None, QTransform,
                                              QPointF]) -> None:
        sel, namespaces, transform, centre = kept
        model = self.view.model
        known = set(model.nodes) if model is not None else set()
        cl = self.state.cluster
        if namespaces is not None and cl is not None:
            namespaces = frozenset(n for n in namespaces if cl.namespace(n) is not None)
            for name, act in self._ns_actions.items():
                act.blockSignals(True)
                act.setChecked(name in namespaces)
                act.blockSignals(False)
            self._namespaces_changed()
        nodes = frozenset(k for k in sel.nodes if k in known)
        edge = sel.edge if sel.edge is not None and set(sel.edge) <= known else None
        policy = sel.policy
        if policy is not None and self.state.analyzer is not None and not any(
                p.key == policy for p in self.state.cluster.policies):  # type: ignore[union-attr]
            policy = None
        if nodes or edge or policy:
            self.state.select(nodes=nodes, edge=edge, policy=policy)
        self.view.setTransform(transform)
        self.view.centerOn(centre)

    def _on_job_failed(self, message: str) -> None:
        first = message.split("\n", 1)[0]
        QMessageBox.critical(self, "netviz", f"Could not load:\n{first}", QMessageBox.StandardButton.Ok)

    def _on_job_cancelled(self) -> None:
        self.statusBar().showMessage("Cancelled; the previous cluster is still shown", 5000)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{Path(what).name or what} (%v/%m)")

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.act_cancel.setEnabled(busy)
        if busy:
            self.progress.setValue(0)

    # ------------------------------------------------------------------ recent files
    def recent(self) -> list[list[str]]:
        raw = self.settings.value("recent", [], type=list)
        if not isinstance(raw, list):
            raw = []
        out = []
        for item in raw:
            try:
                paths = json.loads(item)
            except (TypeError, ValueError):
                continue
            if isinstance(paths, list) and paths:
                out.append([str(p) for p in paths])
        return out

    def _add_recent(self, paths: Sequence[str]) -> None:
        entry = [str(Path(p).resolve()) for p in paths]
        items = [r for r in self.recent() if r != entry]
        items.insert(0, entry)
        self.settings.setValue("recent", [json.dumps(r) for r in items[:MAX_RECENT]])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent()
        if not items:
            a = self.recent_menu.addAction("(none)")
            a.setEnabled(False)
            return
        for paths in items:
            text = " + ".join(paths)
            a = self.recent_menu.addAction(text if len(text) < 90 else "…" + text[-88:])
            a.triggered.connect(lambda _=False, p=paths: self.open_paths(p))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear", lambda: self.settings.setValue("recent", []))

    # ------------------------------------------------------------------ watching
    def _watch(self, result: LoadResult | None) -> None:
        old = self.watcher.files() + self.watcher.directories()
        if old:
            self.watcher.removePaths(old)
        files = [f for f in (result.files if result else []) if os.path.exists(f)]
        dirs = set()
        for p in self.paths:
            if os.path.isdir(p):
                for root, subdirs, _ in os.walk(p):
                    subdirs[:] = [d for d in subdirs if not d.startswith(".")]
                    dirs.add(root)
        todo = files + sorted(dirs)
        if todo:
            self.watcher.addPaths(todo)

    def _on_disk_change(self, _path: str) -> None:
        if self.act_auto.isChecked() and self.paths:
            self._reload_timer.start()

    def _auto_reload(self) -> None:
        if self.runner.busy:
            self._reload_timer.start()
            return
        if self.editing is not None and self.editing.dirty:
            # never drop unsaved edits for a change on disk; Save will ask about it
            self.statusBar().showMessage(
                "Files changed on disk; not reloaded because of your unsaved policy edits", 8000)
            return
        self.statusBar().showMessage("Files changed on disk: reloading…", 3000)
        self.reload()

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # ------------------------------------------------------------------ state
    def _on_state(self, event: str) -> None:
        if (event == "evaluated" and self.act_enforced_today.isChecked()
                and self.state.analyzer is not self._today_analyzer):
            # an edit or another evaluation shows the policies again: say so
            self.act_enforced_today.setChecked(False)
            self._update_enforcement()
        if event in ("loaded", "evaluated", "filters", "selection"):
            self._update_status()
        if event == "filters":
            self._follow_port_filter()
        if event == "selection" and self.act_focus.isChecked():
            sel = self.state.selection
            if len(sel.nodes) == 1:
                self.state.set_filters(focus=next(iter(sel.nodes)))

    def _update_status(self) -> None:
        st = self.state
        opts = st.options
        self.status_options.setText(
            "ipBlock→pod IPs: " + ("yes" if opts.ipblock_matches_pod_ips else "no")
            + " · hostNetwork: " + ("pod" if opts.host_network == "pod" else "node"))
        self.status_options.setToolTip("\n".join(opts.describe()))
        self.act_ipblock.setChecked(opts.ipblock_matches_pod_ips)
        (self.act_host_pod if opts.host_network == "pod" else self.act_host_node).setChecked(True)
        if st.cluster is None:
            self.status_counts.setText("Open manifests (Ctrl+O), drop files here, or Help ▸ Open Demo")
            return
        v = self.view.visible
        n_wl = len(st.cluster.workloads) or len({p.workload_key for p in st.cluster.pods})
        parts = [f"{len(st.cluster.namespaces)} namespaces", f"{n_wl} workloads",
                 f"{len(st.cluster.policies)} policies", f"{len(st.connections)} connections"]
        if v is not None:
            parts.append(f"{len(v.edges)} edges shown")
            if v.denied_limited:
                parts.append("select a workload to see its denied pairs")
        if self.view.bundled:
            parts.append("zoomed out: namespace bundles")
        sel = st.selection
        if sel.edge:
            parts.append(f"selected {display_name(sel.edge[0])} → {display_name(sel.edge[1])}")
        elif len(sel.nodes) == 1:
            parts.append(f"selected {display_name(next(iter(sel.nodes)))}")
        if st.filters.focus:
            parts.append(f"focus: {display_name(st.filters.focus)}")
        self.status_counts.setText(" · ".join(parts))

    # ------------------------------------------------------------------ filters
    def _apply_search(self) -> None:
        text = self.search.text()
        self._search_hits = self.view.model.search(text) if self.view.model else []
        self._search_index = -1
        if text.strip() and not self._search_hits:
            # nothing to emphasise: fade nothing, and say so where the user is typing
            self.state.set_filters(text="")
            self.search.setStyleSheet("QLineEdit { background: #FDE2D6; }")
            self.search.setToolTip(f"No node matches \u201c{text}\u201d")
            self.statusBar().showMessage(
                f"No node matches \u201c{text}\u201d: search looks at names, namespaces, "
                "kinds and labels (tier=db)", 6000)
            return
        self.search.setStyleSheet("")
        self.search.setToolTip("Search by name, namespace, kind or label (tier=db); "
                               "Enter selects the next match")
        self.state.set_filters(text=text)
        if self._search_hits:
            self.statusBar().showMessage(
                f"{len(self._search_hits)} match(es) for \u201c{text}\u201d "
                "(Enter: select the next)", 4000)

    def next_match(self) -> None:
        """Select the next node matching the search box and centre on it."""
        if self._search_timer.isActive():
            self._search_timer.stop()
            self._apply_search()
        if not self._search_hits:
            return
        self._search_index = (self._search_index + 1) % len(self._search_hits)
        key = self._search_hits[self._search_index]
        self.state.select(nodes=frozenset({key}))
        self.view.center_on_node(key)
        self.statusBar().showMessage(
            f"Match {self._search_index + 1} of {len(self._search_hits)}: {display_name(key)}", 3000)

    def _port_changed(self, text: str) -> None:
        got = parse_port_filter(text)
        if got is None:
            self.port_edit.setStyleSheet("QLineEdit { background: #FDE2D6; }")
            return
        self.port_edit.setStyleSheet("")
        self.state.set_filters(protocol=got[0], port=got[1])
        if got != (None, None):
            self.show_dock("ReachPanel")  # the answer, listed

    def _follow_port_filter(self) -> None:
        """Show the port filter set elsewhere (the Reach panel) in the toolbar field."""
        f = self.state.filters
        if parse_port_filter(self.port_edit.text()) == (f.protocol, f.port):
            return
        text = port_text(f.protocol, f.port).removeprefix("port ") if (
            f.protocol is not None or f.port is not None) else ""
        self.port_edit.blockSignals(True)
        self.port_edit.setText(text)
        self.port_edit.setStyleSheet("")
        self.port_edit.blockSignals(False)

    def _verdicts_changed(self, *_args: object) -> None:
        hide = frozenset(
            name for name, act in ((VerdictKind.ALLOWED, self.act_allowed),
                                   (VerdictKind.PARTIAL, self.act_partial))
            if not act.isChecked())
        self.state.set_filters(hide_verdicts=hide, show_denied=self.act_denied.isChecked())

    def _fill_namespaces(self) -> None:
        self.ns_menu.clear()
        cl = self.state.cluster
        if cl is None:
            return
        all_act = self.ns_menu.addAction("All namespaces")
        all_act.triggered.connect(self._all_namespaces)
        self.ns_menu.addSeparator()
        self._ns_actions: dict[str, QAction] = {}
        for ns in cl.namespaces:
            a = self.ns_menu.addAction(ns.name)
            a.setCheckable(True)
            a.setChecked(True)
            a.toggled.connect(self._namespaces_changed)
            self._ns_actions[ns.name] = a
        self.ns_button.setText("Namespaces")

    def _all_namespaces(self) -> None:
        for a in self._ns_actions.values():
            a.blockSignals(True)
            a.setChecked(True)
            a.blockSignals(False)
        self._namespaces_changed()

    def _namespaces_changed(self, *_args: object) -> None:
        chosen = frozenset(n for n, a in self._ns_actions.items() if a.isChecked())
        all_on = len(chosen) == len(self._ns_actions)
        self.state.set_filters(namespaces=None if all_on else chosen)
        self.ns_button.setText("Namespaces" if all_on else f"Namespaces ({len(chosen)})")

    def toggle_focus(self, on: bool) -> None:
        if not on:
            self.state.set_filters(focus=None)
            return
        sel = self.state.selection
        key = next(iter(sel.nodes)) if len(sel.nodes) == 1 else (sel.edge[0] if sel.edge else None)
        if key is None:
            self.statusBar().showMessage("Select a workload first, then focus on it", 4000)
            self.act_focus.setChecked(False)
            return
        self.state.set_filters(focus=key)
        QTimer.singleShot(0, self.view.fit)

    def _graph_options_changed(self, *_args: object) -> None:
        self.act_route.setEnabled(self.act_services.isChecked())
        self.act_outside.setEnabled(self.act_services.isChecked())
        self.view.set_graph_options(dataclasses.replace(
            self.view.graph_options,
            route_via_services=self.act_route.isChecked(),
            show_services=self.act_services.isChecked(),
            show_outside=self.act_outside.isChecked()))

    def _options_changed(self, *_args: object) -> None:
        opts = dataclasses.replace(
            self.state.options,
            ipblock_matches_pod_ips=self.act_ipblock.isChecked(),
            host_network="node" if self.act_host_node.isChecked() else "pod")
        if opts != self.state.options:
            self.evaluate(opts)

    # ------------------------------------------------------------------ enforcement
    def enforcement(self) -> Enforcement | None:
        """The network plugin in effect (the user's choice, else what the input says)."""
        return effective(self.state.result, self.cni_override)

    def set_cni(self, plugin_id: str | None) -> None:
        """Choose the network plugin (None: as detected), like ``--cni``."""
        self.cni_override = plugin_id
        act = self.act_cni_detected if plugin_id is None else self.cni_actions[plugin_id]
        if not act.isChecked():
            act.setChecked(True)
        was_today = self.act_enforced_today.isChecked()
        self._update_enforcement()
        if was_today and not self.act_enforced_today.isChecked():
            self.evaluate(self.state.options)  # back to what the policies say

    def set_enforced_today(self, on: bool) -> None:
        enf = self.enforcement()
        if on and (enf is None or not enf.not_enforced):
            self.act_enforced_today.setChecked(False)
            return
        self._update_enforcement()
        self.evaluate(self.state.options)

    def _update_enforcement(self) -> None:
        enf = self.enforcement()
        not_enforced = enf is not None and enf.not_enforced
        self.act_enforced_today.setEnabled(not_enforced)
        if not not_enforced and self.act_enforced_today.isChecked():
            self.act_enforced_today.blockSignals(True)
            self.act_enforced_today.setChecked(False)
            self.act_enforced_today.blockSignals(False)
        text = banner_text(enf, self.act_enforced_today.isChecked())
        self.banner.setVisible(text is not None)
        self.banner.setText(text or "")
        if enf is not None and enf.evidence:
            # rich text, escaped: the evidence quotes names and args from the cluster
            self.banner.setToolTip("<p>" + "<br>".join(html.escape(x) for x in enf.evidence)
                                   + "</p>")

    def ask_ingress_controller(self) -> None:
        """Ask where the ingress controller runs (``Options.ingress_controller``)."""
        ns, labels = self.state.options.ingress_controller
        current = ns + (":" + ",".join(f"{k}={v}" for k, v in labels) if labels else "")
        text, ok = QInputDialog.getText(
            self, "Ingress Controller Location",
            "Namespace of the ingress controller, then optionally its pod labels\n"
            "(NAMESPACE[:KEY=VALUE,...], e.g. ingress-nginx:app.kubernetes.io/name=ingress-nginx;\n"
            f"{DEFAULT_INGRESS_CONTROLLER_NAMESPACE} is the reference analyzer's placeholder):",
            QLineEdit.EchoMode.Normal, current)
        if ok and text.strip():
            self.set_ingress_controller(text)

    def set_ingress_controller(self, text: str) -> bool:
        """Set where the ingress controller runs from ``NAMESPACE[:KEY=VALUE,...]``; False (and
        a status message) when the text does not parse."""
        try:
            where = parse_ingress_controller(text)
        except ValueError as exc:
            self.statusBar().showMessage(f"Ingress controller location: {exc}", 6000)
            return False
        opts = dataclasses.replace(self.state.options, ingress_controller=where)
        if opts != self.state.options:
            self.evaluate(opts)
        return True

    # ------------------------------------------------------------------ panels
    def open_source(self, file: str, line: int) -> None:
        """Show ``file`` at ``line`` in the YAML view."""
        self.yaml_view.open_file(file, line)
        self.show_dock("YamlView")

    def snapshot_dialog(self) -> None:
        dlg = SnapshotDialog(self)
        dlg.snapshotWritten.connect(lambda path: self.open_paths([path]))
        dlg.open()

    # ------------------------------------------------------------------ export
    def export_title(self) -> str:
        names = ", ".join(Path(p).name or p for p in self.paths) or "netviz"
        f = self.state.filters
        extra = []
        if f.focus:
            extra.append(f"focus {display_name(f.focus)}")
        if f.namespaces is not None:
            extra.append("namespaces " + ", ".join(sorted(f.namespaces)))
        if f.port or f.protocol:
            extra.append(f"reaching {f.protocol or 'any'} {f.port or ''}".strip())
        title = f"Network policies — {names}" + (f" ({'; '.join(extra)})" if extra else "")
        text = banner_text(self.enforcement(), self.act_enforced_today.isChecked())
        return f"{title}\n{text}" if text else title

    def export_dialog(self, whole: bool) -> None:
        if self.view.model is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export graph" if whole else "Export view",
            str(Path(self.last_dir()) / "netviz.png"),
            "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if path:
            self.export(path, whole)

    def export(self, path: str, whole: bool) -> None:
        if Path(path).suffix.lower() not in (".png", ".svg", ".pdf"):
            path += ".png"
        try:
            render_view(self.view, path, self.export_title(), whole=whole)
        except OSError as exc:
            QMessageBox.critical(self, "netviz", str(exc))
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    # ------------------------------------------------------------------ session
    def save_session(self) -> None:
        if not self.paths or self.view.model is None or not self.view.graph_layout.moved:
            return
        try:
            JsonFile(session_path(self.paths)).write(
                self.view.graph_layout.to_dict(self.view.model))
        except OSError as exc:
            self.statusBar().showMessage(f"Could not save the layout: {exc}", 5000)

    def closeEvent(self, event) -> None:
        if self.editing is not None:
            if not self.editing.maybe_discard("close"):
                event.ignore()
                return
            self.editing.shutdown()
        self.save_session()
        self.runner.shutdown()
        self._unsubscribe()
        self.view.detach()
        super().closeEvent(event)

    # ------------------------------------------------------------------ help
    def show_keys(self) -> None:
        QMessageBox.information(self, "Keyboard and mouse", (
            "Click a node: highlight what it reaches and what reaches it\n"
            "Ctrl+click a second node: explain source → target\n"
            "Click an edge: explain it · Click a bundle: zoom into it\n"
            "Double-click a workload: show its pods\n"
            "Double-click a namespace title: collapse it into one box (again: expand)\n"
            "Drag a node or a namespace title: move it (saved per input)\n"
            "Drag the background: pan · Wheel: zoom\n\n"
            "Ctrl+O open · Ctrl+Shift+O open folder · F5 reload\n"
            "Ctrl+F search (Enter: next match) · Esc clear selection\n"
            "Ctrl+0 / F fit · Ctrl++ / Ctrl+- zoom\n"
            "Ctrl+Shift+F focus on the selection\n"
            "Ctrl+E export view · Ctrl+Shift+E export whole graph"))

    def show_about(self) -> None:
        from netviz import __version__

        QMessageBox.about(self, "About netviz", (
            f"netviz {__version__}\n\nSee, audit and what-if Kubernetes NetworkPolicies.\n\n"
            + "\n".join(self.state.options.describe())))

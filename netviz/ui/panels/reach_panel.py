"""The Reach panel: the answer of "who can reach X?", of "what reaches port P?" and the pairs
of a group edge, as a list.

Three modes (the combo box at the top), all answered by ``netviz.viewmodel.reach`` from the
connection list (so they agree with ``netviz list``):

- **Who can reach…** the workload or Service selected in the graph (or any other view), or
  picked in the box: every peer that reaches it, grouped by the source's namespace, with the
  connection and the Services it reaches it through.
- **What reaches port…** the ``filters.protocol``/``filters.port`` of the ``AppState`` (the
  toolbar's "Reaches port" field and this panel's port field are the same filter): every pair
  whose connection accepts the port, grouped by destination, with the Services that forward
  to it.
- **Pairs of the edge** selected in the graph when it stands for several pairs (a group edge:
  ``selection.group_edge`` and ``selection.pairs``): each pair with its connection, by source.

The panel switches to the pairs mode when a group edge is selected, and to the port mode when a port filter is set anywhere, and to the who mode
when a single node is selected while no port filter is set. Selecting an answer row selects
that pair (``state.select(edge=...)``), so the Explanation panel explains it and the graph
lights it up; selecting a group row selects its node. The answer is computed when the panel
is visible (not on every what-if edit of a hidden panel); large groups fill when expanded.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netviz.model.keys import display_name, is_service_key, is_workload_key, service_key
from netviz.ui.panels._base import LazyPanel, subscribe_for_lifetime
from netviz.viewmodel.graph import parse_port_filter
from netviz.viewmodel.reach import Answer, Reach, ReachGroup, ReachIndex, port_text
from netviz.viewmodel.state import AppState

WHO, PORT, PAIRS = 0, 1, 2
#: a node of the answer: the group's node key, or the pair of a row
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
PAIR_ROLE = Qt.ItemDataRole.UserRole + 2
#: groups with more rows than this fill only when expanded; all groups are expanded when
#: the whole answer has at most this many rows
EXPAND_LIMIT = 200
#: rows shown per group (the summary and the group title give the exact counts)
ROW_LIMIT = 2000


class ReachPanel(LazyPanel):
    #: emitted after an answer is shown (for tests and the window's status bar)
    answered = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reachPanel")
        self.state = state
        self.answer: Answer | None = None
        self._index: ReachIndex | None = None
        self._index_of: object = None
        self._dirty = True
        self._target: str | None = None
        self._targets: dict[str, str] = {}
        self._pairs: tuple[tuple[str, str], ...] = ()
        self._groups: dict[int, ReachGroup] = {}

        self.mode_box = QComboBox(self)
        self.mode_box.addItems(["Who can reach…", "What reaches port…", "Pairs of the edge"])
        self.mode_box.setToolTip("Who can reach the selected workload or Service, or which "
                                 "pairs reach a port")
        self.target_box = QComboBox(self)
        self.target_box.setEditable(True)
        self.target_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.target_box.setMinimumContentsLength(20)
        self.target_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        edit = self.target_box.lineEdit()
        assert edit is not None
        edit.setPlaceholderText("click a workload, or type its name")
        completer = QCompleter(self.target_box.model(), self.target_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.target_box.setCompleter(completer)
        self.port_edit = QLineEdit(self)
        self.port_edit.setObjectName("reachPort")
        self.port_edit.setPlaceholderText("port, e.g. TCP 5432")
        self.port_edit.setClearButtonEnabled(True)
        self.summary_label = QLabel(self)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)  # names are escaped
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Peer", "Connection", "Through Service"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(0, 260)
        header.resizeSection(1, 180)

        row = QHBoxLayout()
        row.addWidget(self.mode_box)
        row.addWidget(self.target_box, 1)
        row.addWidget(self.port_edit, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.tree, 1)

        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        self.target_box.activated.connect(self._target_picked)
        edit.returnPressed.connect(self._target_picked)
        self.port_edit.textEdited.connect(self._port_edited)
        self.tree.itemExpanded.connect(self._fill_group)
        self.tree.currentItemChanged.connect(self._current_changed)
        subscribe_for_lifetime(self, state, self._on_state)
        self._populate_targets()
        self._mode_changed(WHO)

    # ---------------------------------------------------------------- public
    def mode(self) -> int:
        return self.mode_box.currentIndex()

    def ask_who(self, target: str) -> None:
        """Answer "who can reach ``target``" (a peer key or ``svc:ns/name``)."""
        self._target = target
        self.mode_box.setCurrentIndex(WHO)
        self._set_target_text(target)
        self.refresh()

    def ask_port(self, text: str) -> bool:
        """Answer "what reaches ``text``" ("TCP 5432", "5432", "UDP"): sets the state's port
        filter (the graph follows). False when the text does not parse."""
        got = parse_port_filter(text)
        if got is None:
            return False
        self.mode_box.setCurrentIndex(PORT)
        self.port_edit.setText(text)
        self.state.set_filters(protocol=got[0], port=got[1])
        self.refresh()
        return True

    def refresh(self) -> None:
        """Compute the answer of the current mode and show it."""
        self._dirty = False
        st = self.state
        if st.cluster is None:
            self._show(None, "Nothing loaded")
            return
        if self.mode() == PORT:
            f = st.filters
            if f.protocol is None and f.port is None:
                self._show(None, "Type a port above (e.g. TCP 5432), or in the toolbar's "
                                 "\u201cReaches port\u201d field.")
                return
            self._show(self._reach_index().reaches_port(f.protocol, f.port))
            return
        if self.mode() == PAIRS:
            if not self._pairs:
                self._show(None, "Click an edge of the graph that stands for several pairs "
                                 "(between groups or namespaces) to list them here.")
                return
            self._show(self._reach_index().edge_pairs(self._pairs))
            return
        if self._target is None:
            self._show(None, "Click a workload or a Service in the graph (or pick one above) "
                             "to see who can reach it, on which ports, and through which "
                             "Services.")
            return
        self._show(self._reach_index().who_can_reach(self._target))

    def _reach_index(self) -> ReachIndex:
        """The index of the current evaluation, made when a question is first asked (with
        no question the panel shows a hint: at 5,000 workloads the index takes seconds)."""
        st = self.state
        assert st.cluster is not None
        if self._index is None or self._index_of is not st.connections:
            self._index = ReachIndex(st.cluster, st.connections)
            self._index_of = st.connections
        return self._index

    # ---------------------------------------------------------------- state -> panel
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self._index = None
            if event == "loaded":
                self._target = None
                self._populate_targets()
            self._changed()
        elif event == "filters":
            f = self.state.filters
            shown = parse_port_filter(self.port_edit.text())
            if shown != (f.protocol, f.port):
                self.port_edit.setText("" if f.protocol is None and f.port is None
                                       else port_text(f.protocol, f.port).replace("port ", ""))
            if f.protocol is not None or f.port is not None:
                if self.mode() != PORT:
                    self.mode_box.setCurrentIndex(PORT)  # refreshes
                    return
            if self.mode() == PORT:
                self._changed()
        elif event == "selection":
            sel = self.state.selection
            if sel.pairs:
                self._pairs = sel.pairs
                if self.mode() != PAIRS:
                    self.mode_box.setCurrentIndex(PAIRS)  # refreshes
                else:
                    self._changed()
                return
            nodes = sel.nodes
            if len(nodes) != 1:
                return
            (key,) = nodes
            if not (is_workload_key(key) or is_service_key(key)) or key == self._target:
                return
            f = self.state.filters
            self._target = key
            self._set_target_text(key)
            if f.protocol is None and f.port is None and self.mode() != WHO:
                self.mode_box.setCurrentIndex(WHO)  # refreshes
                return
            if self.mode() == WHO:
                self._changed()
            else:
                self._reveal(key)

    def _changed(self) -> None:
        self.recompute_when_seen()

    def recompute(self) -> None:
        self.refresh()

    # ---------------------------------------------------------------- panel -> state
    def _mode_changed(self, mode: int) -> None:
        self.target_box.setVisible(mode == WHO)
        self.port_edit.setVisible(mode == PORT)
        first = {WHO: "Peer", PORT: "Destination / source", PAIRS: "Source / destination"}
        self.tree.setHeaderLabels([first.get(mode, "Peer"), "Connection", "Through Service"])
        self._changed()

    def _target_picked(self, *_args: object) -> None:
        text = self.target_box.currentText().strip()
        key = self._targets.get(text, text)
        if key in self._targets.values():
            self._target = key
            self.state.select(nodes=frozenset({key}))
            self.refresh()

    def _port_edited(self, text: str) -> None:
        got = parse_port_filter(text)
        if got is None:
            self.port_edit.setStyleSheet("QLineEdit { background: #FDE2D6; }")
            return
        self.port_edit.setStyleSheet("")
        self.state.set_filters(protocol=got[0], port=got[1])

    def _current_changed(self, item: QTreeWidgetItem | None, _prev: object) -> None:
        if item is None:
            return
        pair = item.data(0, PAIR_ROLE)
        if pair:
            src, dst = pair
            if self.state.selection.edge != (src, dst):
                self.state.select(edge=(src, dst))
            return
        key = item.data(0, KEY_ROLE)
        if key and self.state.selection.nodes != frozenset({key}):
            self.state.select(nodes=frozenset({key}))

    # ---------------------------------------------------------------- showing
    def _populate_targets(self) -> None:
        cl = self.state.cluster
        self._targets = {}
        if cl is not None:
            for key in sorted({p.workload_key or p.key for p in cl.pods}):
                self._targets[display_name(key)] = key
            for svc in sorted(cl.services, key=lambda s: s.key):
                self._targets[f"Service {svc.key}"] = service_key(svc.key)
        self.target_box.blockSignals(True)
        self.target_box.clear()
        self.target_box.addItems(list(self._targets))
        self.target_box.setCurrentIndex(-1)
        self.target_box.blockSignals(False)

    def _set_target_text(self, key: str) -> None:
        text = next((t for t, k in self._targets.items() if k == key), display_name(key))
        self.target_box.blockSignals(True)
        self.target_box.setCurrentText(text)
        self.target_box.blockSignals(False)

    def _show(self, answer: Answer | None, message: str = "") -> None:
        self.answer = answer
        self.tree.blockSignals(True)
        self.tree.clear()
        self._groups = {}
        self.tree.blockSignals(False)
        if answer is None:
            self.summary_label.setText(html.escape(message))
            self.answered.emit()
            return
        self.summary_label.setText(f"<b>{html.escape(answer.question)}</b> "
                                   f"{html.escape(answer.summary)}")
        total = sum(len(g.rows) for g in answer.groups)
        expand = total <= EXPAND_LIMIT
        for i, g in enumerate(answer.groups):
            item = QTreeWidgetItem([f"{g.title} ({len(g.rows)})", "",
                                    "; ".join(str(s) for s in g.services)])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            if g.dst is not None:
                item.setData(0, KEY_ROLE, g.dst)
                item.setToolTip(0, g.dst)
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self._groups[i] = g
            self.tree.addTopLevelItem(item)
            if expand:
                item.setExpanded(True)  # fills it
        first = self.tree.topLevelItem(0)
        if first is not None and not expand:
            first.setExpanded(True)
        self.answered.emit()

    def _fill_group(self, item: QTreeWidgetItem) -> None:
        if item.childCount():
            return
        g = self._groups.get(item.data(0, Qt.ItemDataRole.UserRole))
        if g is None:
            return
        pairs_mode = self.mode() == PAIRS
        items = []
        for r in g.rows[:ROW_LIMIT]:
            name = display_name(r.dst if pairs_mode else r.src)
            child = QTreeWidgetItem([name, str(r.connection), r.via_text])
            child.setData(0, PAIR_ROLE, r.pair)
            child.setToolTip(0, _row_tip(r))
            child.setToolTip(1, str(r.connection))
            child.setToolTip(2, r.via_text or "Not through a Service: no Service of "
                             f"{display_name(r.dst)} forwards a port this connection allows")
            items.append(child)
        if len(g.rows) > ROW_LIMIT:
            more = QTreeWidgetItem([f"… and {len(g.rows) - ROW_LIMIT} more", "", ""])
            more.setFlags(Qt.ItemFlag.ItemIsEnabled)
            items.append(more)
        item.addChildren(items)

    def _reveal(self, key: str) -> None:
        """Scroll to the group of ``key`` (port mode)."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, KEY_ROLE) == key:
                item.setExpanded(True)
                self.tree.scrollToItem(item)
                return

    # ---------------------------------------------------------------- for tests
    def rows(self) -> list[Reach]:
        """Every row of the answer shown (the whole answer, also in collapsed groups)."""
        return self.answer.rows if self.answer is not None else []

    def shown_pairs(self) -> list[tuple[str, str]]:
        """The pairs of the rows currently in the tree (expanded or not)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount() if top is not None else 0):
                child = top.child(j) if top is not None else None
                pair = child.data(0, PAIR_ROLE) if child is not None else None
                if pair:
                    out.append((pair[0], pair[1]))
        return out


def _row_tip(r: Reach) -> str:
    head = f"{r.src} → {r.dst}\n{r.connection}"
    if r.services:
        head += "\nthrough " + r.via_text
    return head + "\n(select to explain)"


__all__ = ["PAIRS", "PORT", "WHO", "ReachPanel"]

"""The policies panel: every policy, the pods it selects per direction, and its rules.

A ``QTreeView`` over ``PolicyTreeModel``, a thin wrapper of ``netviz.viewmodel.policies``'s
plain tree (grouped by tier, in evaluation order, when cluster policies are loaded). Selecting any row of a policy selects that policy in the ``AppState`` (the graph and
matrix then highlight what it affects); a policy selected elsewhere is selected here. Activating
(double-click, Enter) a policy or rule row emits ``openSource(file, line)`` (and
``openSourceRange(file, line, end_line)``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from netviz.engine.analyzer import Analyzer
from netviz.ui.panels._base import LazyPanel, subscribe_for_lifetime
from netviz.viewmodel.policies import POLICY, TIER, TreeNode, policy_tree
from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex


class _Item:
    __slots__ = ("node", "parent", "row", "children")

    def __init__(self, node: TreeNode | None, parent: _Item | None, row: int) -> None:
        self.node = node
        self.parent = parent
        self.row = row
        self.children: list[_Item] = []


class PolicyTreeModel(QAbstractItemModel):
    """Two columns (Name, Details) over a tuple of ``TreeNode``. ``UserRole``: the node."""

    HEADERS = ("Policy", "Details")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _Item(None, None, 0)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_nodes(self, nodes: tuple[TreeNode, ...]) -> None:
        self.beginResetModel()
        self._root = _Item(None, None, 0)
        self._add(self._root, nodes)
        self.endResetModel()

    def _add(self, parent: _Item, nodes: tuple[TreeNode, ...]) -> None:
        for i, n in enumerate(nodes):
            item = _Item(n, parent, i)
            parent.children.append(item)
            self._add(item, n.children)

    def _item(self, index: _Index) -> _Item:
        if index.isValid():
            item = index.internalPointer()
            assert isinstance(item, _Item)
            return item
        return self._root

    # ---- QAbstractItemModel
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(self.HEADERS) or row < 0:
            return QModelIndex()
        p = self._item(parent)
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if row >= len(p.children):
            return QModelIndex()
        return self.createIndex(row, column, p.children[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        item = self._item(index)
        p = item.parent
        if p is None or p is self._root:
            return QModelIndex()
        return self.createIndex(p.row, 0, p)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._item(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._item(index).node
        assert node is not None
        if role == Qt.ItemDataRole.DisplayRole:
            return node.text if index.column() == 0 else node.detail
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{node.text}: {node.detail}" if node.detail else node.text
            if node.link is not None:
                tip += f"\n{node.link.file}:{node.link.line} (double-click to open)"
            return tip
        if role == Qt.ItemDataRole.FontRole and node.kind in (POLICY, TIER):
            return self._bold
        if role == Qt.ItemDataRole.UserRole:
            return node
        return None

    # ---- lookups
    def node(self, index: _Index) -> TreeNode | None:
        return self._item(index).node if index.isValid() else None

    def policy_index(self, key: str) -> QModelIndex:
        """The row of policy ``key``: at the top level, or under its tier's row."""
        for item in self._root.children:
            for cand in (item, *(item.children if item.node and item.node.kind == TIER else ())):
                if cand.node is not None and cand.node.kind == POLICY and cand.node.policy == key:
                    return self.createIndex(cand.row, 0, cand)
        return QModelIndex()


class PoliciesPanel(LazyPanel):
    openSource = Signal(str, int)
    openSourceRange = Signal(str, int, int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policiesPanel")
        self.state = state
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter policies (namespace/name)")
        self.filter_edit.setClearButtonEnabled(True)
        self.model = PolicyTreeModel(self)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QTreeView.SelectionMode.SingleSelection)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setStretchLastSection(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.view, 1)

        self._syncing = False
        self.filter_edit.textChanged.connect(self._rebuild)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.activated.connect(self._activated)
        self._dirty = False
        subscribe_for_lifetime(self, state, self._on_state)
        self._rebuild()

    # ---------------------------------------------------------------- state -> view
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self.recompute_when_seen()
        elif event == "selection" and not self._dirty:
            self._show_selected()

    def recompute(self) -> None:
        self._rebuild()

    def _rebuild(self, *_args: object) -> None:
        self._dirty = False
        an: Analyzer | None = self.state.analyzer
        self._syncing = True
        try:
            self.model.set_nodes(policy_tree(an, self.filter_edit.text()) if an else ())
            for row in range(self.model.rowCount()):
                index = self.model.index(row, 0)
                node = self.model.node(index)
                if node is not None and node.kind == TIER:
                    self.view.expand(index)  # the tiers are headings: their policies show
        finally:
            self._syncing = False
        self._show_selected()

    def _show_selected(self) -> None:
        key = self.state.selection.policy
        current = self.model.node(self.view.currentIndex())
        if key is None:
            if current is not None:
                self._syncing = True
                try:
                    self.view.selectionModel().clearSelection()
                    self.view.setCurrentIndex(QModelIndex())
                finally:
                    self._syncing = False
            return
        if current is not None and current.policy == key:
            return
        index = self.model.policy_index(key)
        if not index.isValid():
            return
        self._syncing = True
        try:
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(index)
        finally:
            self._syncing = False

    # ---------------------------------------------------------------- view -> state
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing:
            return
        node = self.model.node(current)
        if node is not None and node.policy is not None and \
                node.policy != self.state.selection.policy:
            self.state.select(policy=node.policy)

    def _activated(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is None:
            return
        link = node.link
        if link is None and node.policy is not None:
            # rows without their own source open the policy
            link = self.model.node(self.model.policy_index(node.policy)).link  # type: ignore[union-attr]
        if link is not None:
            self.openSource.emit(link.file, link.line)
            self.openSourceRange.emit(link.file, link.line, link.end_line or 0)

    def selected_policy(self) -> str | None:
        node = self.model.node(self.view.currentIndex())
        return None if node is None else node.policy

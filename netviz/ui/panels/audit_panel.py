"""The audit panel: findings of ``netviz.engine.audit``, each linked to its objects.

A table (Severity, Finding, Objects, Location). Selecting or activating a finding selects its
objects in the ``AppState`` (workloads and Services as nodes, the first policy as the selected
policy) so the graph, matrix and policies panel show them; activating it (double-click, Enter)
or "Open source" also emits ``openSource(file, line)``. The severity box hides less severe
findings. Findings are recomputed on every load/evaluation.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netviz.model.diagnostics import SEVERITY_RANK, Severity
from netviz.ui.panels._base import (
    LazyPanel,
    RowTableModel,
    row_table_view,
    subscribe_for_lifetime,
)
from netviz.ui.panels._severity import severity_colour, severity_icon
from netviz.viewmodel.audit import AuditRow, audit_rows, selection_for, summary
from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex


class AuditModel(RowTableModel):
    """Columns: Severity, Finding, Objects, Location. ``UserRole``: the ``AuditRow``."""

    HEADERS = ("Severity", "Finding", "Objects", "Location")

    def __init__(self, icon_source: QWidget, parent: Any = None) -> None:
        super().__init__(parent)
        self._icons = icon_source
        self._rows: list[AuditRow] = []

    def set_rows(self, rows: list[AuditRow]) -> None:
        self._reset_rows(rows)

    def rows(self) -> list[AuditRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.severity), row.title, row.objects_text, row.location)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return severity_icon(self._icons, row.severity)
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return severity_colour(row.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.message}\n[{row.code}]"
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class AuditPanel(LazyPanel):
    openSource = Signal(str, int)

    SEVERITIES = (("All findings", Severity.INFO), ("Warnings and errors", Severity.WARNING),
                  ("Errors", Severity.ERROR))

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPanel")
        self.state = state
        self.severity_box = QComboBox(self)
        for text, _sev in self.SEVERITIES:
            self.severity_box.addItem(text)
        self.open_button = QPushButton("Open source", self)
        self.open_button.setEnabled(False)
        self.summary_label = QLabel(self)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = AuditModel(self, self)
        self.view = row_table_view(self, self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)

        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.severity_box)
        top.addWidget(self.open_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.message_label)

        self._all: list[AuditRow] | None = None  # every finding of the current analyzer
        self._dirty = False
        self.severity_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.activated.connect(self._activated)
        self.open_button.clicked.connect(self._open_current)
        subscribe_for_lifetime(self, state, self._on_state)
        self.refresh()

    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self._all = None
            self.recompute_when_seen()

    def recompute(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        sev = self.SEVERITIES[max(0, self.severity_box.currentIndex())][1]
        if self._all is None:
            self._all = audit_rows(self.state.analyzer)
        limit = SEVERITY_RANK[sev]
        self.model.set_rows([r for r in self._all if SEVERITY_RANK[r.severity] <= limit])
        self.summary_label.setText(
            "Nothing loaded" if self.state.analyzer is None
            else f"Audit: {summary(self._all)}")
        self.message_label.clear()
        self.open_button.setEnabled(False)

    def _row(self, index: QModelIndex) -> AuditRow | None:
        got = self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole)
        return got if isinstance(got, AuditRow) else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self._row(current) if current.isValid() else None
        self.open_button.setEnabled(row is not None and row.link is not None)
        if row is None:
            self.message_label.clear()
            return
        self.message_label.setText(row.message)
        self.select_objects(row)

    def select_objects(self, row: AuditRow) -> None:
        """Select the objects of ``row``'s finding in the shared state."""
        self.state.select(**selection_for(row.finding))

    def _activated(self, index: QModelIndex) -> None:
        row = self._row(index)
        if row is None:
            return
        self.select_objects(row)
        self._open(row)

    def _open_current(self) -> None:
        index = self.view.currentIndex()
        row = self._row(index) if index.isValid() else None
        if row is not None:
            self._open(row)

    def _open(self, row: AuditRow) -> None:
        link = row.link
        if link is not None and not link.file.startswith("<"):
            self.openSource.emit(link.file, link.line)

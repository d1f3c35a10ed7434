"""The diagnostics panel: every loading problem, located; double-click opens the YAML there."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from netviz.model.diagnostics import Diagnostic
from netviz.ui.panels._base import RowTableModel, row_table_view, subscribe_for_lifetime
from netviz.ui.panels._severity import severity_colour, severity_icon
from netviz.viewmodel.diagnostics import DiagnosticRow, diagnostic_rows, diagnostics_of, summary
from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex


class DiagnosticsModel(RowTableModel):
    """Columns: Severity, Location, Message. ``UserRole`` on any column: the ``DiagnosticRow``."""

    HEADERS = ("Severity", "Location", "Message")

    def __init__(self, icon_source: QWidget, parent: Any = None) -> None:
        super().__init__(parent)
        self._icons = icon_source
        self._rows: list[DiagnosticRow] = []

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self._reset_rows(diagnostic_rows(diagnostics))

    def rows(self) -> list[DiagnosticRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.severity), row.location, row.message)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return severity_icon(self._icons, row.severity)
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return severity_colour(row.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class DiagnosticsPanel(QWidget):
    """Shows ``diagnostics_of(state.result)`` after every load. Double-clicking (or pressing
    Enter on) a row emits ``openSource(file, line)`` when the row names a readable file."""

    openSource = Signal(str, int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsPanel")
        self.state = state
        self.summary_label = QLabel(self)
        self.model = DiagnosticsModel(self, self)
        self.view = row_table_view(self, self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.activated.connect(self._activate)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.view)
        subscribe_for_lifetime(self, state, self._on_state)
        self.refresh()

    def _on_state(self, event: str) -> None:
        if event in ("loaded", "diagnostics"):
            self.refresh()

    def refresh(self) -> None:
        self.set_diagnostics(diagnostics_of(self.state.result))

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Show ``diagnostics`` (e.g. from a load that produced no cluster at all)."""
        self.model.set_diagnostics(diagnostics)
        rows = self.model.rows()
        self.summary_label.setText(f"Loading: {summary(rows)}")

    def _activate(self, index: QModelIndex) -> None:
        # ``activated``: double-click (or single click, per style) and Enter
        row = self.model.data(index, Qt.ItemDataRole.UserRole)
        if isinstance(row, DiagnosticRow) and row.can_open and row.file:
            self.openSource.emit(row.file, row.line)

    def open_row(self, row: int) -> None:
        """Open the source of row ``row`` (what double-clicking it does)."""
        self._activate(self.model.index(row, 0))

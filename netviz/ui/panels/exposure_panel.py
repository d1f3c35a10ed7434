"""The Exposure panel: each workload marked with what could reach it beyond today's pods.

A table (Workload, Exposure, Internet, Any namespace, New pods with labels) of
``netviz.viewmodel.exposure`` rows, most exposed first; the filter box keeps every workload,
the exposed ones, or those open to the internet. Selecting a row selects the workload in the
``AppState`` (so the graph and matrix show it) and explains its marks below the table: why, on
which ports, through which rules, with links that open the YAML at the rule
(``openSource(file, line)``).

The view is computed when the panel is shown and after each load or evaluation while it is
visible (not on every what-if edit of a hidden panel).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from netviz.ui.panels._base import (
    LazyPanel,
    RowTableModel,
    row_table_view,
    subscribe_for_lifetime,
)
from netviz.viewmodel.exposure import (
    CLUSTER,
    INTERNET,
    LABELS,
    LEVELS,
    OPEN,
    WIDE,
    ExposureRow,
    ExposureView,
    build_exposure_view,
    link_for_href,
    to_html,
)
from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex

#: level -> colour of the Exposure column (Okabe-Ito, as the rest of the app)
LEVEL_COLOURS = {OPEN: "#D55E00", WIDE: "#E69F00", "narrow": "#0072B2", "closed": "#009E73"}


class ExposureModel(RowTableModel):
    """Columns: Workload, Exposure, Internet, Any namespace, New pods with labels.
    ``UserRole``: the ``ExposureRow``."""

    HEADERS = ("Workload", "Exposure", "Internet", "Any namespace", "New pods with labels")

    def set_rows(self, rows: list[ExposureRow]) -> None:
        self._reset_rows(rows)

    def rows(self) -> list[ExposureRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row: ExposureRow = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row.workload
            if col == 1:
                return row.level
            if col == 2:
                m = row.mark(INTERNET)
                return "" if m is None else m.connections + (" (entry point)" if m.entries else "")
            if col == 3:
                m = row.mark(CLUSTER)
                return "" if m is None else m.connections
            n = sum(1 for m in row.marks if m.kind == LABELS)
            return "" if n == 0 else str(n)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(LEVEL_COLOURS[row.level]))
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.summary
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class ExposurePanel(LazyPanel):
    openSource = Signal(str, int)

    FILTERS = ("All workloads", "Exposed beyond today's pods", "Open to the internet")

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exposurePanel")
        self.state = state
        self.view_model = ExposureView()
        self._dirty = True
        self.filter_box = QComboBox(self)
        self.filter_box.addItems(self.FILTERS)
        self.filter_box.setCurrentIndex(1)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.model = ExposureModel(self)
        self.table = row_table_view(self, self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 5):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.details = QTextBrowser(self)
        self.details.setOpenLinks(False)
        self.details.setPlaceholderText("Select a workload to see what could reach it, and why.")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.filter_box)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.filter_box.currentIndexChanged.connect(lambda _i: self._fill())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.details.anchorClicked.connect(self._anchor)
        subscribe_for_lifetime(self, state, self._on_state)

    # ---- state
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self._dirty = True
            self.recompute_when_seen()
        elif event == "selection":
            self._follow_selection()

    def recompute(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute the view from the state's analyzer and connections."""
        self.view_model = build_exposure_view(self.state.analyzer, self.state.connections)
        self._dirty = False
        self._fill()

    def _fill(self) -> None:
        rows = self.view_model.rows
        mode = self.filter_box.currentIndex()
        if mode == 1:
            rows = [r for r in rows if r.marks]
        elif mode == 2:
            rows = [r for r in rows if r.level == OPEN]
        order = {lv: i for i, lv in enumerate(LEVELS)}
        rows = sorted(rows, key=lambda r: (order[r.level], r.workload))
        self.model.set_rows(rows)
        self.summary_label.setText(
            "Nothing loaded" if self.state.analyzer is None
            else f"Exposure: {self.view_model.summary()}")
        self.details.clear()
        self._follow_selection()

    # ---- selection
    def current_row(self) -> ExposureRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        got = self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole)
        return got if isinstance(got, ExposureRow) else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.current_row() if current.isValid() else None
        if row is None:
            self.details.clear()
            return
        self.details.setHtml(to_html(row))
        if self.state.selection.nodes != frozenset({row.workload}):
            self.state.select(nodes=frozenset({row.workload}))

    def _follow_selection(self) -> None:
        """Show the workload selected elsewhere (graph, matrix, audit)."""
        nodes = self.state.selection.nodes
        if len(nodes) != 1:
            return
        (key,) = nodes
        for i, r in enumerate(self.model.rows()):
            if r.workload == key:
                if self.table.currentIndex().row() != i:
                    self.table.setCurrentIndex(self.model.index(i, 0))
                return

    def _anchor(self, url: QUrl) -> None:
        row = self.current_row()
        if row is None:
            return
        link = link_for_href(row, url.toString())
        if link is not None and not link.file.startswith("<"):
            self.openSource.emit(link.file, link.line)


__all__ = ["ExposureModel", "ExposurePanel", "LEVEL_COLOURS", "WIDE"]

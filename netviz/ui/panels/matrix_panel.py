"""The reachability matrix: workload x workload, coloured like the graph, with a port filter.

Rows are sources, columns destinations (``netviz.viewmodel.matrix``). Linked both ways with the
``AppState`` selection: clicking a cell selects that edge, clicking a row/column header selects
that workload; a selected edge highlights its cell, selected nodes (and the workloads a selected
policy affects) highlight their rows and columns, and everything else fades. The port filter
("TCP 5432") restricts every cell to those ports. "Export CSV…" writes the matrix as shown.

Readable without colour: every cell starts with its status glyph (``STATUS_GLYPH``: ✓ all,
◐ some ports, ✕ denied), denied cells are hatched and paler than the others, and the legend
above the table says so. Column headers are two lines (name, namespace) and the columns are
as wide as their headers need (within limits), so names are not cut in the middle.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from netviz.io.atomic import atomic_file
from netviz.ui.panels._base import LazyPanel, subscribe_for_lifetime
from netviz.viewmodel.matrix import (
    ALLOWED,
    DENIED,
    PARTIAL,
    SELF,
    STATUS_GLYPH,
    STATUS_LEGEND,
    Matrix,
    MatrixHighlight,
    build_matrix,
    cell_text,
    header_lines,
    highlight,
    matrix_to_csv,
    parse_port_filter,
    short_label,
    status_colour,
)
from netviz.viewmodel.policies import affected_workloads
from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1  # "allowed" | "partial" | "denied" | "self"
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # header: the full peer key
EMPHASIS_ROLE = Qt.ItemDataRole.UserRole + 3  # cell: highlighted by the selection

_ALPHA_NORMAL = 150
_ALPHA_FADED = 45
#: denied cells are paler (and hatched): the eye goes to what is allowed
_ALPHA_DENIED = 70
#: column widths (pixels) the headers may ask for
_COL_MIN, _COL_MAX = 64, 170
#: up to this many cells, columns are also as wide as their texts (within the limits)
_MEASURE_CELLS = 40_000


class _HatchDelegate(QStyledItemDelegate):
    """Draws denied cells hatched over their (pale) colour: a pattern, not only a shade."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        super().paint(painter, option, index)
        if index.data(STATUS_ROLE) == DENIED:
            colour = QColor(status_colour(DENIED))
            colour.setAlpha(110)
            painter.save()
            painter.fillRect(option.rect, QBrush(colour, Qt.BrushStyle.BDiagPattern))
            painter.restore()


class MatrixModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.matrix = Matrix((), (), ())
        self.hl = MatrixHighlight()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_matrix(self, matrix: Matrix) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.hl = MatrixHighlight()
        self.endResetModel()

    def set_highlight(self, hl: MatrixHighlight) -> None:
        if hl == self.hl:
            return
        self.hl = hl
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self.rowCount() - 1)

    def emphasised(self, r: int, c: int) -> bool:
        h = self.hl
        return h.cell == (r, c) or r in h.rows or c in h.cols

    def _any_highlight(self) -> bool:
        h = self.hl
        return bool(h.rows or h.cols or h.cell)

    # ---- QAbstractTableModel
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.matrix.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.matrix.cols)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        keys = self.matrix.cols if orientation == Qt.Orientation.Horizontal else self.matrix.rows
        if not 0 <= section < len(keys):
            return None
        key = keys[section]
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return "\n".join(header_lines(key))
            return short_label(key)
        if role in (Qt.ItemDataRole.ToolTipRole, KEY_ROLE):
            if role == Qt.ItemDataRole.ToolTipRole:
                side = "destination" if orientation == Qt.Orientation.Horizontal else "source"
                return f"{key} ({side})"
            return key
        if role == Qt.ItemDataRole.FontRole:
            hot = self.hl.cols if orientation == Qt.Orientation.Horizontal else self.hl.rows
            cell = self.hl.cell
            if section in hot or (cell is not None and section == (
                    cell[1] if orientation == Qt.Orientation.Horizontal else cell[0])):
                return self._bold
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        m = self.matrix
        if r >= len(m.rows) or c >= len(m.cols):
            return None
        status = m.status(r, c)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(status, m.text(r, c))
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = QColor(status_colour(status))
            if status == SELF:
                return colour
            if self.emphasised(r, c):
                alpha = 255
            elif self._any_highlight():
                alpha = _ALPHA_FADED
            else:
                alpha = _ALPHA_DENIED if status == DENIED else _ALPHA_NORMAL
            colour.setAlpha(alpha)
            return colour
        if role == Qt.ItemDataRole.ForegroundRole:
            if status != SELF and self.emphasised(r, c):
                return QColor("#FFFFFF")
            return None
        if role == Qt.ItemDataRole.FontRole and self.hl.cell == (r, c):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if status == SELF:
                return f"{m.rows[r]}: a workload to itself is not evaluated here"
            what = m.text(r, c)
            legend = dict(STATUS_LEGEND)
            head = f"{m.rows[r]} → {m.cols[c]}\n{STATUS_GLYPH[status]} {legend[status]}: {what}"
            if m.port_filter is not None:
                head += f"\n(port filter: {m.port_filter})"
            return head
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == STATUS_ROLE:
            return status
        if role == EMPHASIS_ROLE:
            return self.emphasised(r, c)
        return None


class MatrixPanel(LazyPanel):
    #: emitted after the matrix is rebuilt (loaded, re-evaluated, filters)
    rebuilt = Signal()
    #: emitted with the path after "Export CSV…" wrote a file
    exported = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrixPanel")
        self.state = state
        self._dirty = False
        self.port_edit = QLineEdit(self)
        self.port_edit.setPlaceholderText("Port filter, e.g. TCP 5432")
        self.port_edit.setClearButtonEnabled(True)
        self.external_box = QCheckBox("External peers", self)
        self.export_button = QPushButton("Export CSV…", self)
        self.summary_label = QLabel(self)
        self.legend_label = QLabel(self)
        self.legend_label.setObjectName("matrixLegend")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setText(_legend_html())
        self.model = MatrixModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(_HatchDelegate(self.view))
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.view.horizontalHeader().setDefaultSectionSize(90)
        # two-line headers: Qt elides a multi-line text as if it were one line
        self.view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setWordWrap(False)
        self.view.setCornerButtonEnabled(False)
        # the selection is drawn by the model (emphasis); the view's own highlight only
        # darkens the cell slightly so that its status colour stays visible
        pal = self.view.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Highlight, QColor(0, 0, 0, 50))
            pal.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
        self.view.setPalette(pal)

        row = QHBoxLayout()
        row.addWidget(QLabel("Ports:", self))
        row.addWidget(self.port_edit, 1)
        row.addWidget(self.external_box)
        row.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        info = QHBoxLayout()
        info.addWidget(self.summary_label, 1)
        info.addWidget(self.legend_label)
        lay.addLayout(info)
        lay.addWidget(self.view, 1)

        self.port_edit.textChanged.connect(self._port_changed)
        self.external_box.toggled.connect(lambda _on: self.rebuild())
        self.export_button.clicked.connect(self._export_clicked)
        self.view.clicked.connect(self._cell_clicked)
        self.view.horizontalHeader().sectionClicked.connect(self._col_clicked)
        self.view.verticalHeader().sectionClicked.connect(self._row_clicked)
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.verticalHeader().setSectionsClickable(True)
        subscribe_for_lifetime(self, state, self._on_state)
        self.rebuild()

    # ---------------------------------------------------------------- state -> view
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated", "filters"):
            # computed while on screen; otherwise when shown (a tab behind another costs
            # nothing on a load or a what-if edit)
            self.recompute_when_seen()
        elif event == "selection" and not self._dirty:
            self._apply_selection()

    def recompute(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        cluster = self.state.cluster
        if cluster is None:
            matrix = Matrix((), (), ())
        else:
            try:
                port_filter = parse_port_filter(self.port_edit.text())
            except ValueError:
                port_filter = self.model.matrix.port_filter
            matrix = build_matrix(cluster, self.state.connections, port_filter,
                                  self.state.filters.namespaces, self.external_box.isChecked())
        self._dirty = False
        self.model.set_matrix(matrix)
        self._size_columns()
        self._update_summary()
        self._apply_selection()
        self.rebuilt.emit()

    def sizeHint(self) -> QSize:
        """Big enough to read a dozen rows (the window gives the dock this much the first
        time the matrix is shown)."""
        return QSize(900, 420)

    def _size_columns(self) -> None:
        """Each column as wide as its two-line header needs (within limits), so that names
        are readable; the header is as tall as two lines."""
        header = self.view.horizontalHeader()
        fm = QFontMetrics(header.font())
        cell_fm = QFontMetrics(self.view.font())
        m = self.model.matrix
        # the cells' own texts count too while the matrix is small enough to measure
        measure = len(m.rows) * len(m.cols) <= _MEASURE_CELLS
        for c, key in enumerate(m.cols):
            need = max(fm.horizontalAdvance(line) for line in header_lines(key)) + 28
            if measure:
                for r in range(len(m.rows)):
                    if m.status(r, c) == PARTIAL:
                        need = max(need, cell_fm.horizontalAdvance(
                            cell_text(PARTIAL, m.text(r, c))) + 16)
            header.resizeSection(c, max(_COL_MIN, min(_COL_MAX, need)))
        self.view.verticalHeader().setDefaultSectionSize(max(fm.height(), cell_fm.height()) + 8)

    def _update_summary(self) -> None:
        m = self.model.matrix
        n = len(m.rows)
        if not n:
            self.summary_label.setText("Nothing loaded")
            return
        c = m.counts()
        pairs = sum(v for k, v in c.items() if k != SELF)
        what = f" for {m.port_filter}" if m.port_filter is not None else ""
        self.summary_label.setText(
            f"{n} peers, {pairs} pairs{what}: {c[ALLOWED]} allowed, {c[PARTIAL]} partly, "
            f"{c[DENIED]} denied")

    def _apply_selection(self) -> None:
        sel = self.state.selection
        affected: frozenset[str] = frozenset()
        if sel.policy is not None and self.state.analyzer is not None:
            affected = affected_workloads(self.state.analyzer, sel.policy)
        hl = highlight(self.model.matrix, sel.nodes, sel.edge, affected)
        self.model.set_highlight(hl)
        if hl.cell is not None:
            index = self.model.index(*hl.cell)
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)
        else:
            self.view.clearSelection()

    # ---------------------------------------------------------------- view -> state
    def _port_changed(self, text: str) -> None:
        try:
            parse_port_filter(text)
        except ValueError as e:
            self.port_edit.setStyleSheet("QLineEdit { border: 1px solid #D55E00; }")
            self.port_edit.setToolTip(str(e))
            return
        self.port_edit.setStyleSheet("")
        self.port_edit.setToolTip("")
        self.rebuild()

    def port_filter_error(self) -> str:
        return self.port_edit.toolTip()

    def _cell_clicked(self, index: QModelIndex) -> None:
        m = self.model.matrix
        r, c = index.row(), index.column()
        if m.status(r, c) == SELF:
            self.state.select(nodes=frozenset({m.rows[r]}))
            return
        self.state.select(edge=(m.rows[r], m.cols[c]))

    def _row_clicked(self, section: int) -> None:
        self.state.select(nodes=frozenset({self.model.matrix.rows[section]}))

    def _col_clicked(self, section: int) -> None:
        self.state.select(nodes=frozenset({self.model.matrix.cols[section]}))

    # ---------------------------------------------------------------- export
    def export_csv(self, path: str) -> None:
        """Write the matrix as shown (port filter applied) to ``path``."""
        with atomic_file(path, newline="") as fh:
            matrix_to_csv(self.model.matrix, fh)
        self.exported.emit(path)

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the matrix as CSV",
                                              "reachability.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)


def _legend_html() -> str:
    parts = []
    for status, text in STATUS_LEGEND:
        colour = status_colour(status)
        glyph = STATUS_GLYPH[status] or "\u00a0\u00a0"
        parts.append(f'<span style="background:{colour}; color:#000000">&nbsp;{glyph}&nbsp;</span>'
                     f"&nbsp;{text}")
    return "&nbsp;&nbsp; ".join(parts)

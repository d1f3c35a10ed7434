"""What-if editing widgets: views of an ``EditSession`` (``netviz.viewmodel.editing``).

- ``YamlEditor``: a ``QPlainTextEdit`` with a line-number gutter, the YAML colours of the
  read-only view, and inline error marks (wavy underline from the column to the end of the
  line, red line number, the loader's message as tooltip).
- ``PolicyEditor``: the policy list (``PolicyListModel``: status, enable checkbox) over a
  ``YamlEditor``. Typing is sent to the session ``APPLY_MS`` after the last key
  (``set_policy_text(merge=True)``): a valid text re-evaluates at once, an invalid one is kept
  and marked. When the session changes under it (undo, redo, restore) the text is reloaded.
- ``ChangesPanel``: every changed pair of the difference, with before and after
  (``ChangesModel``); selecting a row selects that edge in the ``AppState``.
- ``HistoryPanel``: the undo history (``HistoryModel``); activating a row goes there.
- ``LabelDialog`` and ``TemplateDialog``: what-if labels and new policies from templates.

The widgets take the session in their constructor and subscribe to it for their lifetime;
they never compute policy semantics.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QTextCharFormat,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from netviz.engine.diff import ADDED, CHANGED, REMOVED
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.ui.panels.yaml_view import YamlHighlighter
from netviz.viewmodel import palette
from netviz.viewmodel.editing import EditError, EditSession, PolicyEntry
from netviz.viewmodel.graph import display_name
from netviz.viewmodel.state import AppState
from netviz.viewmodel.templates import TEMPLATES, render_template

APPLY_MS = 300
_Index = QModelIndex | QPersistentModelIndex
ERROR_COLOUR = palette.VERMILLION
WARNING_COLOUR = palette.ORANGE
STATUS_TEXT = {"new": "new", "modified": "edited", "deleted": "deleted", "disabled": "disabled",
               "invalid": "has errors", "": ""}


def _subscribe(widget: QWidget, session: EditSession, listener: Any) -> None:
    unsubscribe = session.subscribe(listener)
    widget.destroyed.connect(lambda *_: unsubscribe())


# --------------------------------------------------------------------------- the text editor


class _Gutter(QWidget):
    def __init__(self, editor: YamlEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class YamlEditor(QPlainTextEdit):
    """Editable YAML with line numbers, colours and inline diagnostics."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("yamlEditor")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabChangesFocus(False)
        self._gutter = _Gutter(self)
        self._highlighter = YamlHighlighter(self.document())
        self.diagnostics: list[Diagnostic] = []
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._update_gutter)
        self._update_margin()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.insertPlainText("  ")  # YAML has no tabs
            return
        super().keyPressEvent(event)

    # ---- diagnostics
    def set_diagnostics(self, diags: list[Diagnostic]) -> None:
        self.diagnostics = [d for d in diags if d.severity is not Severity.INFO]
        sels = []
        doc = self.document()
        for d in self.diagnostics:
            line = max(1, min(d.line or 1, self.blockCount()))
            block = doc.findBlockByNumber(line - 1)
            sel = QTextEdit.ExtraSelection()
            fmt = sel.format
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(ERROR_COLOUR if d.severity is Severity.ERROR
                                         else WARNING_COLOUR))
            fmt.setToolTip(d.message)
            cursor = self.textCursor()
            cursor.setPosition(block.position())
            text = block.text()
            col = (d.column or 1) - 1
            if col >= len(text.rstrip()):
                col = len(text) - len(text.lstrip())
            cursor.setPosition(block.position() + min(col, len(text)))
            cursor.setPosition(block.position() + max(len(text), col + 1),
                               cursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            sels.append(sel)
        self.setExtraSelections(sels)
        self._gutter.update()

    def diagnostics_at_line(self, line: int) -> list[Diagnostic]:
        n = self.blockCount()
        return [d for d in self.diagnostics if max(1, min(d.line or 1, n)) == line]

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            cursor = self.cursorForPosition(self.viewport().mapFromGlobal(e.globalPos()))
            found = self.diagnostics_at_line(cursor.blockNumber() + 1)
            if found:
                QToolTip.showText(e.globalPos(), "\n".join(d.message for d in found), self)
                return True
            QToolTip.hideText()
        return super().event(e)

    # ---- gutter
    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def _update_margin(self, *_args: object) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        p = QPainter(self._gutter)
        p.fillRect(event.rect(), QColor("#F3F4F6"))
        bad: dict[int, Severity] = {}
        n = self.blockCount()
        for d in self.diagnostics:
            line = max(1, min(d.line or 1, n))
            if bad.get(line) is not Severity.ERROR:
                bad[line] = d.severity
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        h = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                sev = bad.get(number + 1)
                if sev is not None:
                    colour = QColor(ERROR_COLOUR if sev is Severity.ERROR else WARNING_COLOUR)
                    p.fillRect(0, top, 4, h, colour)
                    p.setPen(colour)
                else:
                    p.setPen(QColor("#8A9099"))
                p.drawText(0, top, self._gutter.width() - 5, h, Qt.AlignmentFlag.AlignRight,
                           str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        p.end()


# --------------------------------------------------------------------------- policy list


class PolicyListModel(QAbstractListModel):
    """The session's policies: ``DisplayRole`` key (+ status), ``CheckStateRole`` enabled,
    ``UserRole`` the entry id, ``ToolTipRole`` origin and status."""

    def __init__(self, session: EditSession, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self._entries: tuple[PolicyEntry, ...] = session.entries

    def refresh(self) -> None:
        self.beginResetModel()
        self._entries = self.session.entries
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        e = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            status = STATUS_TEXT[e.status]
            return f"{e.key}  ({status})" if status else e.key
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if e.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return e.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if e.status == "invalid":
                return QColor(ERROR_COLOUR)
            if e.status in ("deleted", "disabled"):
                return QColor(palette.GREY)
            return None
        if role == Qt.ItemDataRole.FontRole:
            f = QFont()
            f.setStrikeOut(e.deleted)
            f.setItalic(e.is_new)
            f.setBold(e.modified and not e.is_new)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            where = (f"{e.origin[0]}, document {e.origin[1]}" if e.origin else "new (not saved)")
            return f"{e.key}\n{where}" + (f"\n{STATUS_TEXT[e.status]}" if e.status else "")
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._entries[index.row()].deleted:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        e = self._entries[index.row()]
        on = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self.session.set_enabled(e.id, on)
        return True

    def row_of(self, id_: str) -> int:
        for i, e in enumerate(self._entries):
            if e.id == id_:
                return i
        return -1


class PolicyEditor(QWidget):
    """The policy list and the YAML editor of the selected policy."""

    #: the policy shown changed: (entry id or "")
    policyOpened = Signal(str)
    #: the text was sent to the session (after the debounce)
    applied = Signal(str)

    def __init__(self, session: EditSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.current: str | None = None
        self.list_model = PolicyListModel(session, self)
        self.list = QListView(self)
        self.list.setObjectName("policyList")
        self.list.setModel(self.list_model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.selectionModel().currentChanged.connect(self._list_current)
        self.title = QLabel(self)
        self.title.setObjectName("editorTitle")
        self.editor = YamlEditor(self)
        self.problems = QLabel(self)
        self.problems.setObjectName("editorProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.list)
        bottom = QWidget(split)
        lay = QVBoxLayout(bottom)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.problems)
        split.addWidget(bottom)
        split.setSizes([140, 500])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(split)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(APPLY_MS)
        self._timer.timeout.connect(self.apply_now)
        self._loading = False
        self.editor.textChanged.connect(self._typed)
        self.editor.setEnabled(False)
        _subscribe(self, session, self._on_session)

    # ---- session -> view
    def _on_session(self, event: str) -> None:
        if event != "edited":
            return
        self.list_model.refresh()
        if self.current is not None:
            try:
                e = self.session.entry(self.current)
            except KeyError:
                self.open(None)
                return
            if self._timer.isActive():
                return  # the user is typing; their text wins
            if e.text != self.editor.toPlainText():
                self._load(e)
            else:
                self._show_status(e)
            self._select_row()

    def _select_row(self) -> None:
        if self.current is None:
            return
        row = self.list_model.row_of(self.current)
        if row >= 0:
            idx = self.list_model.index(row, 0)
            if self.list.currentIndex() != idx:
                self.list.selectionModel().blockSignals(True)
                self.list.setCurrentIndex(idx)
                self.list.selectionModel().blockSignals(False)

    def _list_current(self, cur: QModelIndex, _prev: QModelIndex) -> None:
        if cur.isValid():
            self.open(cur.data(Qt.ItemDataRole.UserRole))

    def open(self, id_: str | None) -> None:
        """Show policy ``id_`` (None: nothing) in the editor."""
        if self._timer.isActive():
            self.apply_now()
        self.current = id_
        if id_ is None:
            self._loading = True
            self.editor.setPlainText("")
            self._loading = False
            self.editor.setEnabled(False)
            self.title.setText("Select a policy, or add one from a template")
            self.problems.setText("")
            self.policyOpened.emit("")
            return
        e = self.session.entry(id_)
        self._load(e)
        self._select_row()
        self.policyOpened.emit(id_)

    def _load(self, e: PolicyEntry) -> None:
        self._loading = True
        bar = self.editor.verticalScrollBar().value()
        pos = self.editor.textCursor().position()
        self.editor.setPlainText(e.text)
        cursor = self.editor.textCursor()
        cursor.setPosition(min(pos, len(e.text)))
        self.editor.setTextCursor(cursor)
        self.editor.verticalScrollBar().setValue(bar)
        self._loading = False
        self.editor.setEnabled(not e.deleted)
        self.editor.setReadOnly(e.deleted)
        self._show_status(e)

    def _show_status(self, e: PolicyEntry) -> None:
        where = f"{e.origin[0]} (document {e.origin[1]})" if e.origin else "new policy"
        status = STATUS_TEXT[e.status]
        # rich text for the bold key: names and paths from the inputs are escaped
        self.title.setText(f"<b>{html.escape(e.key)}</b> — {html.escape(where)}"
                           + (f" — <i>{html.escape(status)}</i>" if status else ""))
        self.editor.set_diagnostics(list(e.diagnostics))
        lines = [f"{'line ' + str(d.line) + ': ' if d.line else ''}{d.message}"
                 for d in e.diagnostics if d.severity is not Severity.INFO]
        if not e.valid:
            lines.append("The graph shows the last valid version of this policy.")
        self.problems.setText("\n".join(lines))
        self.problems.setStyleSheet(f"color: {ERROR_COLOUR};" if not e.valid else "")

    # ---- view -> session
    def _typed(self) -> None:
        if not self._loading and self.current is not None:
            self._timer.start()

    def apply_now(self) -> None:
        """Send the editor's text to the session now (the debounce does it by itself)."""
        self._timer.stop()
        if self.current is None:
            return
        text = self.editor.toPlainText()
        try:
            e = self.session.entry(self.current)
        except KeyError:
            return
        if e.deleted or text == e.text:
            return
        self.session.set_policy_text(self.current, text, merge=True)
        self.applied.emit(self.current)


# --------------------------------------------------------------------------- changes


KIND_TEXT = {CHANGED: "ports changed", ADDED: "newly allowed", REMOVED: "newly denied"}


class ChangesModel(QAbstractTableModel):
    """Every entry of the session's difference: Change, Source, Destination, Before, After.
    ``UserRole``: the (src, dst) pair."""

    HEADERS = ("Change", "Source", "Destination", "Before", "After")

    def __init__(self, session: EditSession, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self._rows = list(session.difference)

    def refresh(self) -> None:
        self.beginResetModel()
        self._rows = list(self.session.difference)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (KIND_TEXT[e.kind], display_name(e.src.key), display_name(e.dst.key),
                    str(e.before), str(e.after))[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return QColor(palette.EDGE_STYLES[e.kind].color)
        if role == Qt.ItemDataRole.UserRole:
            return (e.src.key, e.dst.key)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{display_name(e.src.key)} → {display_name(e.dst.key)}: {KIND_TEXT[e.kind]}"
            if e.newly_allowed:
                tip += f"\nnewly allowed: {e.newly_allowed}"
            if e.newly_denied:
                tip += f"\nnewly denied: {e.newly_denied}"
            return tip + (f"\n{e.info}" if e.info else "")
        return None


class ChangesPanel(QWidget):
    """The Changes dock: the difference as a table; a row selects its edge."""

    def __init__(self, session: EditSession, state: AppState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = state
        self.model = ChangesModel(session, self)
        self.summary = QLabel(self)
        self.summary.setObjectName("changesSummary")
        self.table = QTableView(self)
        self.table.setObjectName("changesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        _subscribe(self, session, self._on_session)
        self._update_summary()

    def _on_session(self, event: str) -> None:
        if event == "edited":
            self.model.refresh()
            self._update_summary()

    def _update_summary(self) -> None:
        d = self.session.difference
        if not d:
            self.summary.setText("No connectivity differences against the loaded manifests.")
            return
        n = {k: sum(1 for e in d if e.kind == k) for k in (ADDED, REMOVED, CHANGED)}
        self.summary.setText(f"{len(d)} changed pair(s): {n[ADDED]} newly allowed, "
                             f"{n[REMOVED]} newly denied, {n[CHANGED]} with other ports")

    def _clicked(self, index: QModelIndex) -> None:
        pair = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        if pair:
            self.state.select(edge=tuple(pair))


# --------------------------------------------------------------------------- history


class HistoryModel(QAbstractListModel):
    """The session's history: ``DisplayRole`` description, ``UserRole`` index; the current
    step is bold, undone steps are grey."""

    def __init__(self, session: EditSession, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self._items = session.history()

    def refresh(self) -> None:
        self.beginResetModel()
        self._items = self.session.history()
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        h = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return h.description
        if role == Qt.ItemDataRole.UserRole:
            return h.index
        if role == Qt.ItemDataRole.FontRole:
            f = QFont()
            f.setBold(h.current)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and h.undone:
            return QColor(palette.GREY)
        return None


class HistoryPanel(QWidget):
    def __init__(self, session: EditSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = HistoryModel(session, self)
        self.list = QListView(self)
        self.list.setObjectName("historyList")
        self.list.setModel(self.model)
        self.list.activated.connect(self._go)
        self.list.clicked.connect(self._go)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(QLabel("Click a step to go back (or forward) to it.", self))
        lay.addWidget(self.list)
        _subscribe(self, session, self._on_session)

    def _on_session(self, event: str) -> None:
        if event in ("edited", "saved"):
            self.model.refresh()

    def _go(self, index: QModelIndex) -> None:
        self.session.goto(int(index.data(Qt.ItemDataRole.UserRole)))


# --------------------------------------------------------------------------- dialogs


class LabelDialog(QDialog):
    """Add, change or remove a label of a namespace or of a workload's pods."""

    def __init__(self, session: EditSession, target: tuple[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What-if labels")
        self.session = session
        cl = session.baseline.cluster
        self.target = QComboBox(self)
        self.target.setObjectName("labelTarget")
        for ns in cl.namespaces:
            self.target.addItem(f"namespace {ns.name}", ("namespace", ns.name))
        for key in sorted({p.workload_key for p in cl.pods}):
            self.target.addItem(f"pods of {key}", ("workload", key))
        if target is not None:
            for i in range(self.target.count()):
                if tuple(self.target.itemData(i)) == tuple(target):
                    self.target.setCurrentIndex(i)
                    break
        self.current = QLabel(self)
        self.current.setWordWrap(True)
        self.key = QLineEdit(self)
        self.key.setObjectName("labelKey")
        self.value = QLineEdit(self)
        self.value.setObjectName("labelValue")
        self.value.setPlaceholderText("empty + Remove: delete the label")
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        form = QFormLayout(self)
        form.addRow("Target", self.target)
        form.addRow("Labels now", self.current)
        form.addRow("Key", self.key)
        form.addRow("Value", self.value)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(self)
        self.set_button = self.buttons.addButton("Set", QDialogButtonBox.ButtonRole.AcceptRole)
        self.remove_button = self.buttons.addButton("Remove",
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.set_button.clicked.connect(lambda: self.apply(remove=False))
        self.remove_button.clicked.connect(lambda: self.apply(remove=True))
        form.addRow(self.buttons)
        self.target.currentIndexChanged.connect(self._show_current)
        self._show_current()

    def _show_current(self, *_args: object) -> None:
        t = self.target.currentData()
        labels = self.session.effective_labels(tuple(t)) if t else {}
        self.current.setText(", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "none")

    def apply(self, remove: bool = False) -> bool:
        t = self.target.currentData()
        key = self.key.text().strip()
        try:
            self.session.set_label(tuple(t), key, None if remove else self.value.text().strip())
        except EditError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self._show_current()
        return True


class TemplateDialog(QDialog):
    """Choose a template and fill in its parameters; ``text()`` is the new policy."""

    def __init__(self, namespaces: list[str], parent: QWidget | None = None,
                 namespace: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New policy from a template")
        self.namespaces = namespaces
        self.choice = QComboBox(self)
        self.choice.setObjectName("templateChoice")
        for t in TEMPLATES.values():
            self.choice.addItem(t.title, t.name)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        YamlHighlighter(self.preview.document())
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.choice)
        lay.addWidget(self.description)
        lay.addWidget(self.form_host)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self._namespace = namespace
        self.choice.currentIndexChanged.connect(self._build_form)
        self._build_form()
        self.resize(520, 560)

    def _build_form(self, *_args: object) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        t = TEMPLATES[self.choice.currentData()]
        self.description.setText(t.description)
        for p in t.params:
            w: QLineEdit | QComboBox
            if p.kind in ("namespace", "choice"):
                w = QComboBox(self.form_host)
                w.setEditable(p.kind == "namespace")
                items = list(p.choices) if p.kind == "choice" else list(self.namespaces)
                default = (self._namespace if p.name == "namespace" and self._namespace
                           else p.default)
                if default and default not in items:
                    items.insert(0, default)
                w.addItems(items)
                w.setCurrentText(default)
                w.currentTextChanged.connect(self._update_preview)
            else:
                w = QLineEdit(p.default, self.form_host)
                w.setPlaceholderText(p.help)
                w.textChanged.connect(self._update_preview)
            w.setObjectName(f"param_{p.name}")
            if p.help:
                w.setToolTip(p.help)
            self.fields[p.name] = w
            self.form.addRow(p.label, w)
        self._update_preview()

    def values(self) -> dict[str, str]:
        return {n: (w.currentText() if isinstance(w, QComboBox) else w.text()).strip()
                for n, w in self.fields.items()}

    def text(self) -> str:
        return render_template(self.choice.currentData(), **self.values())

    def _update_preview(self, *_args: object) -> None:
        try:
            self.preview.setPlainText(self.text())
            self.error.setText("")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        except (ValueError, KeyError) as exc:
            self.error.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

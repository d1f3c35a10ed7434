"""A read-only YAML view with line numbers, syntax colours and a highlighted line range.

``YamlView.open_file(path, line, end_line=None)`` shows a file, scrolls to ``line`` and
highlights ``line..end_line``; without ``end_line`` it highlights the YAML block that starts at
``line`` (the line and every following line indented deeper, so a rule's first line lights up
the whole rule; a top-level line lights up its document). A later issue makes it editable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRect, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from netviz.viewmodel.state import AppState

HIGHLIGHT_COLOUR = "#FFF3C4"  # a light yellow: readable with every syntax colour

#: (pattern, colour, bold) in application order; later rules win
_RULES: tuple[tuple[str, str, bool], ...] = (
    (r"\b(true|false|True|False|null|~)\b", "#CC79A7", False),
    (r"(?<=[:\-]\s)\s*-?\d+(\.\d+)?\s*$", "#0072B2", False),
    (r"^\s*(-\s+)?[^\s#:'\"][^#:]*?:(?=\s|$)", "#0F5C8A", True),
    (r"^\s*-\s", "#7F7F7F", True),
    (r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'", "#007A5A", False),
    (r"^(---|\.\.\.)\s*$", "#D55E00", True),
    (r"(^|\s)#.*$", "#7F7F7F", False),
)


class YamlHighlighter(QSyntaxHighlighter):
    """Keys, scalars, strings, comments and document markers, line by line."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._rules: list[tuple[QRegularExpression, QTextCharFormat]] = []
        for pattern, colour, bold in _RULES:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            self._rules.append((QRegularExpression(pattern), fmt))

    def highlightBlock(self, text: str) -> None:
        for rx, fmt in self._rules:
            it = rx.globalMatch(text)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)


def block_range(lines: Sequence[str], line: int) -> tuple[int, int]:
    """The 1-based inclusive line range of the YAML block starting at ``line``."""
    n = len(lines)
    if not 1 <= line <= n:
        return line, line
    start = lines[line - 1]
    stripped = start.lstrip(" ")
    indent = len(start) - len(stripped)
    if stripped.startswith("- ") or stripped == "-":
        limit = indent  # lines of the list item are indented past its dash
    elif indent == 0 and not stripped.startswith("---"):
        limit = -1  # a top-level line: the rest of its document
    else:
        limit = indent
    end = line
    for i in range(line, n):
        text = lines[i]
        s = text.strip()
        if limit < 0:
            if s in ("---", "...") or s.startswith("--- "):
                break
        elif s and not s.startswith("#"):
            ind = len(text) - len(text.lstrip(" "))
            if ind <= limit:
                break
        if s:
            end = i + 1
    return line, end


class _LineNumbers(QWidget):
    def __init__(self, view: YamlView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:
        return QSize(self._view.line_number_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._view.paint_line_numbers(event)


class YamlView(QPlainTextEdit):
    """Read-only YAML text with line numbers. ``state`` is optional and unused for now (every
    panel takes it; the editing issue will use it)."""

    #: emitted after a file is shown: (path, first highlighted line)
    fileOpened = Signal(str, int)

    def __init__(self, state: AppState | None = None, parent: QWidget | None = None,
                 text_provider: Callable[[str], str | None] | None = None) -> None:
        super().__init__(parent)
        self.state = state
        #: returns the text of a path the view cannot read itself (stdin, snapshots), or None
        self.text_provider = text_provider
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setObjectName("yamlView")
        self._numbers = _LineNumbers(self)
        self._highlighter = YamlHighlighter(self.document())
        self.current_file: str | None = None
        self._range: tuple[int, int] | None = None
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._update_numbers)
        self._update_margin()

    # ---------------------------------------------------------------- content
    def set_text(self, text: str, name: str | None = None) -> None:
        self.setPlainText(text)
        self.current_file = name
        self._range = None
        self.setExtraSelections([])

    def _read(self, path: str) -> str | None:
        if self.text_provider is not None:
            got = self.text_provider(path)
            if got is not None:
                return got
        if path.startswith("<"):
            return None
        try:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                return fh.read()
        except OSError:
            return None

    def open_file(self, path: str, line: int = 1, end_line: int | None = None) -> bool:
        """Show ``path`` (re-read unless it is the file shown), scroll to ``line`` and
        highlight ``line..end_line`` (or the YAML block at ``line``). False when the file
        cannot be read; the view then says so."""
        if path != self.current_file:
            text = self._read(path)
            if text is None:
                self.set_text(f"# Cannot show {path}: the file cannot be read.\n", None)
                return False
            self.set_text(text, path)
        self.highlight_lines(line, end_line)
        self.fileOpened.emit(path, line)
        return True

    def reload(self) -> None:
        path, rng = self.current_file, self._range
        self.current_file = None
        if path is not None:
            self.open_file(path, *(rng or (1, 1)))

    # ---------------------------------------------------------------- highlight
    def lines(self) -> list[str]:
        return self.toPlainText().split("\n")

    def highlight_lines(self, line: int, end_line: int | None = None) -> None:
        n = self.blockCount()
        line = max(1, min(line, n))
        if end_line is None:
            line, end_line = block_range(self.lines(), line)
        end_line = max(line, min(end_line, n))
        self._range = (line, end_line)
        sels = []
        colour = QColor(HIGHLIGHT_COLOUR)
        for i in range(line, end_line + 1):
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(colour)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(self.document().findBlockByNumber(i - 1))
            sel.cursor = cursor
            sels.append(sel)
        self.setExtraSelections(sels)
        # scroll so the range starts near the top, then put the caret on its first line
        cursor = QTextCursor(self.document().findBlockByNumber(line - 1))
        self.setTextCursor(cursor)
        self.verticalScrollBar().setValue(max(0, line - 4))
        self.ensureCursorVisible()

    def highlighted_range(self) -> tuple[int, int] | None:
        return self._range

    def first_visible_line(self) -> int:
        return self.firstVisibleBlock().blockNumber() + 1

    # ---------------------------------------------------------------- line numbers
    def line_number_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def _update_margin(self, *_args: object) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _update_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._numbers.setGeometry(QRect(cr.left(), cr.top(), self.line_number_width(),
                                        cr.height()))

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        painter = QPainter(self._numbers)
        painter.fillRect(event.rect(), QColor("#F3F4F6"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        rng = self._range or (0, -1)
        h = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                in_range = rng[0] <= number + 1 <= rng[1]
                painter.setPen(QColor("#10243A" if in_range else "#8A9099"))
                painter.drawText(0, top, self._numbers.width() - 5, h,
                                 Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()


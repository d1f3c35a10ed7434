"""The explain panel: why traffic from one peer to another is allowed, partly, or not at all.

Shows the ``Explanation`` (``netviz.viewmodel.explain``) of the selected edge, or of a pair picked
with the two combo boxes (typing filters them; both complete on any part of the key). Policy
and rule names are links: clicking one emits ``openSource(file, line)`` and
``openSourceRange(file, line, end_line)`` (``end_line`` 0 when unknown) so the YAML view can
open the policy with the rule highlighted. Picking a pair selects that edge in the ``AppState``,
so the graph and the matrix follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from netviz.engine.connlist import Connection, PeerNode
from netviz.ui.panels._base import subscribe_for_lifetime
from netviz.viewmodel.explain import (
    ExplainError,
    Explanation,
    explain_pair,
    link_for_href,
    peer_keys,
    to_html,
)
from netviz.viewmodel.state import AppState

PLACEHOLDER = ("<p>Click an edge in the graph or a cell of the matrix, or pick a source and a "
               "target above, to see which policies decide the traffic and why.</p>")


def _combo(parent: QWidget, placeholder: str) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setMinimumContentsLength(10)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    edit = box.lineEdit()
    assert edit is not None  # an editable combo box has one
    edit.setPlaceholderText(placeholder)
    completer = QCompleter(box.model(), box)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    box.setCompleter(completer)
    return box


class ExplainPanel(QWidget):
    openSource = Signal(str, int)
    openSourceRange = Signal(str, int, int)
    #: emitted after a new explanation is shown (src key, dst key)
    explained = Signal(str, str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainPanel")
        self.state = state
        self.explanation: Explanation | None = None
        self.source_box = _combo(self, "source")
        self.target_box = _combo(self, "target")
        self.explain_button = QPushButton("Explain", self)
        self.swap_button = QPushButton("⇄", self)
        self.swap_button.setToolTip("Swap source and target")
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._anchor)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #D55E00")
        self.error_label.hide()

        row = QHBoxLayout()
        row.addWidget(self.source_box, 1)
        row.addWidget(QLabel("→", self))
        row.addWidget(self.target_box, 1)
        row.addWidget(self.swap_button)
        row.addWidget(self.explain_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.error_label)
        lay.addWidget(self.browser, 1)

        self.explain_button.clicked.connect(self._picked)
        self.swap_button.clicked.connect(self._swap)
        for box in (self.source_box, self.target_box):
            edit = box.lineEdit()
            assert edit is not None
            edit.returnPressed.connect(self._picked)
        self.source_box.activated.connect(self._picked_if_both)
        self.target_box.activated.connect(self._picked_if_both)

        self._pair: tuple[str, str] | None = None
        subscribe_for_lifetime(self, state, self._on_state)
        self._populate()
        self._show(None)

    # ---------------------------------------------------------------- state
    def _on_state(self, event: str) -> None:
        if event in ("loaded", "evaluated"):
            self._populate()
            pair = self._pair if event == "evaluated" else None
            self._pair = None
            if pair is not None:
                self.explain(*pair)
            else:
                self._show(None)
            if self.state.selection.edge is not None:
                self.explain(*self.state.selection.edge)
        elif event == "selection":
            edge = self.state.selection.edge
            if edge is not None and edge != self._pair:
                self.explain(*edge)

    def _populate(self) -> None:
        an = self.state.analyzer
        keys: list[str] = []
        if an is not None:
            keys = peer_keys(an)
            keys += sorted({p.key for p in _distinct_peers(self.state.connections)
                            if p.is_external or p.is_ingress_controller})
        for box in (self.source_box, self.target_box):
            text = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(keys)
            box.setCurrentIndex(-1)
            box.setEditText(text if text in keys else "")
            box.blockSignals(False)

    # ---------------------------------------------------------------- actions
    def _picked_if_both(self, *_args: object) -> None:
        if self.source_box.currentText().strip() and self.target_box.currentText().strip():
            self._picked()

    def _picked(self) -> None:
        src = self.source_box.currentText().strip()
        dst = self.target_box.currentText().strip()
        if not src or not dst:
            return
        if self.explain(src, dst):
            self.state.select(edge=(src, dst))

    def _swap(self) -> None:
        src, dst = self.source_box.currentText(), self.target_box.currentText()
        self.source_box.setEditText(dst)
        self.target_box.setEditText(src)
        self._picked()

    def explain(self, src: str, dst: str) -> bool:
        """Show why ``src`` reaches ``dst`` (peer keys, pod keys or addresses). False, with a
        message in the panel, when a name is unknown."""
        an = self.state.analyzer
        if an is None:
            return False
        self.source_box.setEditText(src)
        self.target_box.setEditText(dst)
        try:
            expl = explain_pair(an, src, dst)
        except ExplainError as e:
            self.error_label.setText(str(e))
            self.error_label.show()
            return False
        self.error_label.hide()
        self._pair = (src, dst)
        self._show(expl)
        self.explained.emit(src, dst)
        return True

    def _show(self, expl: Explanation | None) -> None:
        self.explanation = expl
        self.browser.setHtml(PLACEHOLDER if expl is None else to_html(expl))

    def _anchor(self, url: QUrl) -> None:
        self.open_href(url.toString())

    def open_href(self, href: str) -> None:
        """What clicking the anchor ``href`` of the shown explanation does."""
        if self.explanation is None:
            return
        link = link_for_href(self.explanation, href)
        if link is None:
            return
        self.openSource.emit(link.file, link.line)
        self.openSourceRange.emit(link.file, link.line, link.end_line or 0)

    def hrefs(self) -> list[str]:
        """The anchors of the shown explanation, in document order (for tests and a11y)."""
        out: list[str] = []
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.isAnchor():
                    for h in fmt.anchorHref().split("\n"):
                        if h and (not out or out[-1] != h):
                            out.append(h)
                it += 1
            block = block.next()
        return out


def _distinct_peers(conns: Sequence[Connection]) -> Iterable[PeerNode]:
    """The peers of a connection list, each once. By identity, in C loops: a list of 900,000
    connections names a few thousand peer objects, and hashing each end by value (a Python
    ``__hash__``) cost most of a second at 5,000 workloads."""
    srcs = list(map(itemgetter(0), conns))
    dsts = list(map(itemgetter(1), conns))
    seen: dict[int, PeerNode] = dict(zip(map(id, srcs), srcs, strict=True))
    seen.update(zip(map(id, dsts), dsts, strict=True))
    return seen.values()

"""What the panels share: subscribing to the ``AppState`` for the widget's lifetime, and the
plumbing of a read-only table of rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTableView, QWidget

from netviz.viewmodel.state import AppState

_Index = QModelIndex | QPersistentModelIndex


def on_screen(widget: QWidget) -> bool:
    """``widget`` can be seen: shown, and not on a tab behind another in a tabbed dock area
    (Qt keeps those "visible" and moves them out of the window, so ``isVisible`` alone makes
    every panel of a dock area compute on every change)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class LazyPanel(QWidget):
    """A panel that computes only while it can be seen (``on_screen``): a change calls
    ``recompute_when_seen``, which computes now or marks the panel stale (``_dirty``); its
    show event, and the window when its dock's tab is selected, call ``shown``, which catches
    up. Subclasses implement ``recompute`` and clear ``_dirty`` there."""

    _dirty = False

    def recompute(self) -> None:
        raise NotImplementedError

    def recompute_when_seen(self) -> None:
        if on_screen(self):
            self.recompute()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.shown()

    def shown(self) -> None:
        if self._dirty:
            self.recompute()


def subscribe_for_lifetime(widget: QWidget, state: AppState,
                           listener: Callable[[str], None]) -> Callable[[], None]:
    """Subscribe ``listener`` to ``state`` until ``widget`` is destroyed; returns the
    unsubscribe function (safe to call twice). The ``destroyed`` slot holds only the
    unsubscribe closure, never the widget, so it runs after the Python wrapper is gone too."""
    unsubscribe = state.subscribe(listener)
    widget.destroyed.connect(lambda *_args: unsubscribe())
    return unsubscribe


class RowTableModel(QAbstractTableModel):
    """A read-only table of row objects with fixed ``HEADERS``: the plumbing the findings and
    diagnostics tables share. Subclasses implement ``data``; rows are replaced with
    ``_reset_rows``."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def _reset_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


def row_table_view(parent: QWidget, model: QAbstractTableModel) -> QTableView:
    """A read-only, single-row-selection table without row numbers or wrapping."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    return view

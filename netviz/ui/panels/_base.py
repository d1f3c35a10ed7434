"""What every panel shares: subscribing to the ``AppState`` for the widget's lifetime."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from netviz.viewmodel.state import AppState


def subscribe_for_lifetime(widget: QWidget, state: AppState,
                           listener: Callable[[str], None]) -> Callable[[], None]:
    """Subscribe ``listener`` to ``state`` until ``widget`` is destroyed; returns the
    unsubscribe function (safe to call twice). The ``destroyed`` slot holds only the
    unsubscribe closure, never the widget, so it runs after the Python wrapper is gone too."""
    unsubscribe = state.subscribe(listener)
    widget.destroyed.connect(lambda *_args: unsubscribe())
    return unsubscribe

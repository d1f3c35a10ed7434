"""QApplication bootstrap for ``netviz`` / ``netviz gui``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The process's QApplication (created once)."""
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("netviz")
        QCoreApplication.setApplicationName("netviz")
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    return app


def run(paths: Sequence[str] = ()) -> int:
    """Open the main window (on ``paths`` when given) and run the event loop."""
    app = application()
    from netviz.ui.main_window import MainWindow
    from netviz.viewmodel.editing import gcpolicy

    # the long-running app: no cyclic collection inside a what-if edit, the objects of a
    # load frozen out of the collector's way (netviz.viewmodel.editing.gcpolicy)
    gcpolicy.configure("app")

    win = MainWindow()
    win.show()
    if paths:
        win.open_paths(list(paths))
    return int(app.exec())

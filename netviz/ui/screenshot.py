"""``netviz gui --screenshot FILE PATH...``: the window, as a user sees it, saved to a file.

Opens the main window at a fixed size (``--size``, default 1600x1000), loads the inputs as
the app does, waits until the load has finished and the graph has been drawn and fitted, paints
the whole window once more (the first complete paint) and saves it (PNG, or any format Qt
writes by the suffix), then exits. For docs, reviews and CI: it needs no display (the offscreen
platform is used when there is none), asks nothing (message boxes are printed to stderr
instead of waiting for a click), and gives up after ``timeout`` seconds.

``--select NS/NAME`` clicks a workload or Service first (docs: "who can reach data/postgres",
answered in one click).

Exit codes: 0 saved; 3 nothing could be loaded (the window is still saved, with its message);
1 the file could not be written or the load did not finish in time.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence


def run(paths: Sequence[str], out: str, size: tuple[int, int] = (1600, 1000),
        timeout: float = 300.0, select: str | None = None) -> int:
    """``select``: a workload or Service (``ns/name``) to click before the picture is taken
    (what a user sees after one click: what it reaches and what reaches it, the Reach
    panel's answer)."""
    if not os.environ.get("QT_QPA_PLATFORM") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from netviz.ui.app import application

    app = application()
    _unattended(QMessageBox)
    from netviz.ui.main_window import MainWindow

    win = MainWindow()
    win.resize(*size)
    win.show()
    result = {"code": 1}
    started = time.monotonic()
    # the load's end (after the window's own handlers: the state is loaded by then)
    done = {"v": not paths}

    def finished(*_: object) -> None:
        done["v"] = True

    win.runner.finished.connect(finished)
    win.runner.failed.connect(finished)
    win.runner.cancelled.connect(finished)

    def poll() -> None:
        if time.monotonic() - started > timeout:
            print(f"netviz gui --screenshot: the load did not finish in {timeout:.0f} s",
                  file=sys.stderr)
            app.exit(1)
            return
        if not done["v"] or win.runner.busy:
            QTimer.singleShot(30, poll)
            return
        if select:
            key = win.view.model.find_workload(select) if win.view.model is not None else None
            if key is None:
                print(f"netviz gui --screenshot: --select {select}: no such workload or Service",
                      file=sys.stderr)
            else:
                win.view.click_node(key)
        win.view.fit()
        app.processEvents()
        image = win.grab()  # paints the whole window now
        if image.isNull() or not _save_png(image, out):
            print(f"netviz gui --screenshot: cannot write {out}", file=sys.stderr)
            app.exit(1)
            return
        loaded = win.state.cluster is not None
        print(f"wrote {out} ({image.width()}x{image.height()})")
        result["code"] = 0 if loaded else 3
        app.exit(result["code"])

    if paths:
        win.open_paths(list(paths))
    QTimer.singleShot(0, poll)
    code = app.exec()
    win.runner.shutdown()
    win.close()
    return int(code)


def _unattended(box: type) -> None:
    """Message boxes print their text instead of waiting for a click."""

    def say(*args: object, **kwargs: object) -> object:
        texts = [a for a in args if isinstance(a, str)]
        print("netviz: " + " — ".join(texts[1:] or texts), file=sys.stderr)
        return box.StandardButton.Ok  # type: ignore[attr-defined]

    for name in ("critical", "warning", "information", "question", "about"):
        setattr(box, name, staticmethod(say))
    box.exec = lambda self: box.StandardButton.Ok  # type: ignore[attr-defined]


def _save_png(image, out: str) -> bool:
    """Save ``image`` as PNG, replacing ``out`` atomically; False when it cannot be written."""
    from netviz.ui.scene import written_beside

    try:
        with written_beside(out) as tmp:
            if not image.save(tmp, "PNG"):
                raise OSError(f"could not write {out}")
    except OSError:
        return False
    return True

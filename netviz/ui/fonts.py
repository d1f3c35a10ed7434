"""The fonts of the picture, and the Qt text measurer the layout uses.

netviz draws with DejaVu Sans everywhere (``netviz.viewmodel.text.FAMILY``) so that every
machine draws the same picture: the files come with matplotlib, a dependency already
(``matplotlib/mpl-data/fonts/ttf``), and are registered with Qt at first use; when they cannot be
found, the system's DejaVu Sans (or Qt's default) is used. Sizes are in pixels, so a picture
does not depend on the screen's DPI. ``qt_measure`` measures with the very fonts the scene
draws with, so boxes fit their text exactly and the picture JSON is what was drawn.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF

from netviz.viewmodel.text import FAMILY, FONTS

_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@functools.cache
def _register() -> str:
    """Register the bundled DejaVu Sans files; returns the family name to use."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        base = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
        for name in _FILES:
            p = base / name
            if p.is_file():
                QFontDatabase.addApplicationFont(str(p))
    return FAMILY


@functools.cache
def font(role: str) -> QFont:
    spec = FONTS[role]
    f = QFont(_register())
    f.setPixelSize(spec.pixels)
    f.setBold(spec.bold)
    f.setKerning(False)  # the layout's Qt-free measure has no kerning either
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return f


@functools.cache
def _metrics(role: str) -> QFontMetricsF:
    return QFontMetricsF(font(role))


@functools.lru_cache(maxsize=65536)
def qt_measure(text: str, role: str) -> tuple[float, float]:
    """(width, height) of ``text`` (lines split at "\\n") in font ``role``, rounded up."""
    fm = _metrics(role)
    lines = text.split("\n")
    w = max(fm.horizontalAdvance(line) for line in lines)
    h = len(lines) * fm.height()
    return (float(int(w) + 1), float(int(h + 0.999)))

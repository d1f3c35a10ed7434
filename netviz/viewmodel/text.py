"""Text sizes for the Qt-free layout: every name is drawn whole, so every box is sized to it.

Rules this module keeps:
- The layout never guesses text sizes: it asks a ``Measure`` (``measure(text, role) -> (width,
  height)`` in scene units, one unit = one pixel of the picture at scale 1). The app and
  ``netviz render`` pass the Qt measurer of ``netviz.ui.fonts`` (the real font, so the picture
  JSON has the geometry exactly as drawn); Qt-free code and tests use ``approx_measure``, which
  has the advance widths of DejaVu Sans (the font netviz draws with everywhere) for ASCII and a
  few symbols, without kerning.
- Roles (``FONTS``) fix family, pixel size and weight, so a picture does not depend on the
  screen's DPI: ``name`` (node names), ``sub`` (second lines: kind, ports), ``title`` (namespace
  and group titles), ``label`` (edge labels), ``legend`` and ``heading`` (the picture's title).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FontSpec:
    pixels: int
    bold: bool = False


FAMILY = "DejaVu Sans"
FONTS: dict[str, FontSpec] = {
    "name": FontSpec(12, True),
    "sub": FontSpec(10),
    "title": FontSpec(13, True),
    "label": FontSpec(10),
    "legend": FontSpec(11),
    "heading": FontSpec(16, True),
}

#: (width, height) of ``text`` drawn in font ``role``; multi-line text: widest line, all lines
Measure = Callable[[str, str], tuple[float, float]]

# advance widths of DejaVu Sans (2048 units per em), ASCII 32..126, regular and bold
_REGULAR = (
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048,
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235,
    1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024,
    1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
    1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716)
_BOLD = (
    713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048,
    1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501,
    1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024,
    1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466,
    1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716)
_SYMBOLS = {"→": 1716, "←": 1716, "↔": 1716, "×": 1716, "—": 2048, "–": 1024, "·": 651,
            "•": 1208, "≤": 1716, "≥": 1716, "∅": 1716}
#: ascent + descent of DejaVu Sans, in ems
LINE_EM = 2384 / 2048


def _line_width(line: str, bold: bool) -> float:
    table = _BOLD if bold else _REGULAR
    total = 0
    for ch in line:
        o = ord(ch)
        if 32 <= o <= 126:
            total += table[o - 32]
        else:
            total += _SYMBOLS.get(ch, 1400)
    return total / 2048


def approx_measure(text: str, role: str) -> tuple[float, float]:
    """DejaVu Sans metrics without Qt (no kerning: within a pixel or two of Qt's)."""
    spec = FONTS[role]
    lines = text.split("\n")
    w = max(_line_width(ln, spec.bold) for ln in lines) * spec.pixels
    h = len(lines) * round(LINE_EM * spec.pixels)
    return (float(round(w + 0.5)), float(h))


def line_height(measure: Measure, role: str) -> float:
    return measure("Ag", role)[1]


def wrap(text: str, max_chars: int = 28, sep: str = ",") -> str:
    """Break a long connection text after separators so that lines stay short (nothing is
    dropped: the lines joined without the breaks are ``text``)."""
    if len(text) <= max_chars:
        return text
    lines: list[str] = []
    cur = ""
    for part in text.split(sep):
        piece = part if not cur else sep + part
        if cur and len(cur) + len(piece) > max_chars:
            lines.append(cur + sep)
            cur = part
        else:
            cur += piece
    if cur:
        lines.append(cur)
    return "\n".join(lines)

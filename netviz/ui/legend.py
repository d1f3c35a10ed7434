"""The legend: edge styles and node kinds, always visible over the graph.

``paint_legend`` draws into any QPainter (the overlay widget, and view exports), from the one
palette in ``netviz.viewmodel.palette``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from netviz.viewmodel import palette

ROW_H = 18
PAD = 8
SAMPLE_W = 34


def edge_pen(style: palette.EdgeLook, width: float | None = None, cosmetic: bool = True) -> QPen:
    pen = QPen(QColor(style.color))
    pen.setWidthF(width if width is not None else style.width)
    pen.setCosmetic(cosmetic)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if style.dashes:
        pen.setDashPattern(list(style.dashes))
    return pen


def _entries(bundles: bool, difference: bool = False,
             admin: bool = False) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [
        (s.label, s) for s in palette.legend_entries(True, bundles, difference,
                                                     admin_denied=admin)]
    out += [("Workload (×replicas)", "workload"), ("Service (port→target)", "service"),
            ("External addresses", "external")]
    return out


def legend_size(font: QFont, bundles: bool = False, difference: bool = False,
                admin: bool = False) -> QSize:
    fm = QFontMetrics(font)
    entries = _entries(bundles, difference, admin)
    w = max(fm.horizontalAdvance(t) for t, _ in entries) + SAMPLE_W + 3 * PAD
    return QSize(w, len(entries) * ROW_H + 2 * PAD)


def paint_legend(p: QPainter, origin: QPointF, font: QFont, bundles: bool = False,
                 difference: bool = False, admin: bool = False) -> QRectF:
    """Draw the legend with its top-left at ``origin``; returns the rectangle used.
    ``difference``: the what-if difference view's edge styles instead of the plain ones;
    ``admin``: Admin-tier policies are loaded (the style of edges they deny)."""
    size = legend_size(font, bundles, difference, admin)
    rect = QRectF(origin, QSize(size.width(), size.height()).toSizeF())
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(QColor(palette.NAMESPACE_BORDER), 1))
    p.setBrush(QBrush(QColor(255, 255, 255, 235)))
    p.drawRoundedRect(rect, 5, 5)
    p.setFont(font)
    fm = QFontMetrics(font)
    y = rect.top() + PAD + ROW_H / 2
    x = rect.left() + PAD
    for text, what in _entries(bundles, difference, admin):
        if isinstance(what, palette.EdgeLook):
            p.setPen(edge_pen(what, what.width + 0.6 if what.name != "bundle" else 4.0))
            p.drawLine(QPointF(x, y), QPointF(x + SAMPLE_W - 8, y))
            if what.name != "service":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(what.color))
                tri = QPainterPath()
                tri.moveTo(x + SAMPLE_W - 2, y)
                tri.lineTo(x + SAMPLE_W - 9, y - 4)
                tri.lineTo(x + SAMPLE_W - 9, y + 4)
                tri.closeSubpath()
                p.drawPath(tri)
        else:
            fill, border, _ = palette.NODE_COLORS[str(what)]
            p.setPen(QPen(QColor(border), 1.4))
            p.setBrush(QColor(fill))
            r = QRectF(x + 2, y - 6, SAMPLE_W - 6, 12)
            radius = 6 if what == "service" else 3
            p.drawRoundedRect(r, radius, radius)
        p.setPen(QColor(palette.NAMESPACE_TEXT))
        p.drawText(QPointF(x + SAMPLE_W + PAD, y + fm.ascent() / 2 - 1), text)
        y += ROW_H
    p.restore()
    return rect


class Legend(QWidget):
    """Overlay legend; the owning view keeps it in its bottom-left corner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bundles = False
        self.difference = False
        self.admin = False
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setToolTip("\n".join(f"{s.label}: {s.description}" for s in palette.EDGE_STYLES.values()))
        self.resize(legend_size(self.font(), True))

    def set_bundles(self, on: bool) -> None:
        if on != self.bundles:
            self.bundles = on
            self.resize(legend_size(self.font(), on, self.difference, self.admin))
            self.update()

    def set_difference(self, on: bool) -> None:
        """Show the difference view's edge styles (what-if editing)."""
        if on != self.difference:
            self.difference = on
            self.resize(legend_size(self.font(), self.bundles, on, self.admin))
            self.update()

    def set_admin(self, on: bool) -> None:
        """List the style of edges denied by Admin-tier rules (when such policies are loaded)."""
        if on != self.admin:
            self.admin = on
            self.resize(legend_size(self.font(), self.bundles, self.difference, on))
            self.update()

    def sizeHint(self) -> QSize:
        return legend_size(self.font(), self.bundles, self.difference, self.admin)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        paint_legend(p, QPointF(0, 0), self.font(), self.bundles, self.difference, self.admin)
        p.end()

"""The edge labels' layer paints every chip, then every text: the pixels of painting label after
label (labels never overlap), with one SVG group for all chips instead of one per label."""
from __future__ import annotations

import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from netviz.ui import scene as S
from netviz.ui.fonts import font

LABELS = [(QRectF(10 + 70 * (i % 6), 12 + 24 * (i // 6), 60, 16), f"TCP {8000 + i}")
          for i in range(30)]


def _one_by_one(p: QPainter) -> None:
    """What the layer painted before: chip and text, label after label."""
    p.setFont(font("label"))
    border = QPen(QColor("#C9CED5"), 1)
    border.setCosmetic(True)
    for rr, text in LABELS:
        p.setPen(border)
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRoundedRect(rr, 3, 3)
        p.setPen(QPen(QColor("#222222")))
        p.drawText(rr, Qt.AlignmentFlag.AlignCenter, text)


def _image(paint) -> QImage:
    img = QImage(460, 140, QImage.Format.Format_RGB32)
    img.fill(QColor("#8899aa"))
    p = QPainter(img)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    paint(p)
    p.end()
    return img


def test_the_layer_paints_what_label_after_label_paints(qapp):
    sc = QGraphicsScene()
    sc.addItem(S.LabelLayer(list(LABELS), min_lod=0.0))
    got = _image(lambda p: sc.render(p, QRectF(0, 0, 460, 140), QRectF(0, 0, 460, 140)))
    assert got == _image(_one_by_one)
    assert got != _image(lambda p: None)  # it did paint


def test_svg_has_one_group_of_chips(qapp, tmp_path):
    sc = QGraphicsScene()
    sc.addItem(S.LabelLayer(list(LABELS), min_lod=0.0))
    out = tmp_path / "labels.svg"
    S.render(sc, (0, 0, 460, 140), str(out))
    text = out.read_text()
    assert len(re.findall(r'<g [^>]*stroke="#c9ced5"', text)) == 1
    assert all(f">TCP {8000 + i}<" in text for i in range(len(LABELS)))

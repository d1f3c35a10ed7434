"""The two-core PNG writer (``netviz.export.png``): a valid PNG whose rows are exactly the
pixels given, whatever the number of bands; Qt reads back the image Qt drew."""

from __future__ import annotations

import struct
import sys
import zlib

import numpy as np
import pytest

from netviz.export import png


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == png.SIGNATURE
    out, at = [], 8
    while at < len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        (crc,) = struct.unpack(">I", data[at + 8 + n:at + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        out.append((kind, body))
        at += 12 + n
    return out


def picture(h: int, w: int, seed: int) -> np.ndarray:
    """Rows of 32-bit pixels as Qt's Format_RGB32 holds them: a background, lines, noise,
    and 8 bytes of padding per row (bytes per line > 4 * width)."""
    rnd = np.random.default_rng(seed)
    px = np.full((h, w, 4), 255, dtype=np.uint8)
    px[rnd.integers(0, h, h), :, :3] = rnd.integers(0, 256, (h, 1, 3), dtype=np.uint8)
    px[:, rnd.integers(0, w, 3), 1] = 7
    noise = rnd.random((h, w)) < 0.05
    px[noise, :3] = rnd.integers(0, 256, (int(noise.sum()), 3), dtype=np.uint8)
    return np.concatenate([px.reshape(h, 4 * w), np.zeros((h, 8), np.uint8)], axis=1)


@pytest.mark.parametrize("h, w, parts", [(1, 1, 2), (2, 5, 2), (7, 3, 3), (64, 40, 1),
                                         (64, 40, 2), (301, 97, 4)])
def test_rows_come_back_exactly(h: int, w: int, parts: int) -> None:
    bits = picture(h, w, h * w + parts)
    data = png.encode_rgb32(bits, w, (3780, 3780), parts=parts)
    got = chunks(data)
    assert [k for k, _ in got] == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]
    assert got[0][1] == struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    assert got[1][1] == struct.pack(">IIB", 3780, 3780, 1)
    raw = zlib.decompress(got[2][1])  # one zlib stream, Adler-32 checked by zlib
    rows = np.frombuffer(raw, np.uint8).reshape(h, 1 + 3 * w)
    assert not rows[:, 0].any()  # filter: none
    px = bits[:, :4 * w].reshape(h, w, 4)
    order = [2, 1, 0] if sys.byteorder == "little" else [1, 2, 3]
    assert np.array_equal(rows[:, 1:].reshape(h, w, 3), px[..., order])
    assert png.encode(png.rows_of_rgb32(bits, w), w, (3780, 3780), parts=parts) == data


def test_bad_rows_are_refused() -> None:
    with pytest.raises(ValueError):
        png.encode(np.zeros((3, 10), np.uint8), 4)


def test_qt_reads_back_what_qt_drew() -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    from netviz.ui.scene import ensure_app

    ensure_app()
    img = QImage(203, 117, QImage.Format.Format_RGB32)
    img.fill(QColor("#fbfbf8"))
    p = QPainter(img)
    p.setRenderHints(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#2a7"), 2.5))
    p.drawLine(3, 5, 190, 101)
    p.setBrush(QColor(200, 40, 90))
    p.drawEllipse(QRectF(60, 20, 70, 40))
    p.setPen(Qt.GlobalColor.black)
    p.drawText(10, 110, "netviz ünïcode")
    p.end()
    bits = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    data = png.encode_rgb32(bits.reshape(img.height(), img.bytesPerLine()), img.width(),
                            (img.dotsPerMeterX(), img.dotsPerMeterY()))
    back = QImage.fromData(data, "PNG").convertToFormat(QImage.Format.Format_RGB32)
    assert back.size() == img.size()
    assert back == img
    assert back.dotsPerMeterX() == img.dotsPerMeterX()

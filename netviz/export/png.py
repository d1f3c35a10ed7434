"""PNG files from 32-bit pixel rows, compressed on two cores: for ``netviz render -o X.png``.

A picture of a big cluster is drawn at up to 32 megapixels; Qt's PNG writer (libpng, adaptive
row filters, one zlib stream) takes ~0.7 s of CPU for that, a quarter of a 1,000-workload
render. This writer does what is needed and no more, with the same pixels:

- colour type 2 (8-bit RGB), no interlace, every row with filter 0 (none): a drawing on a
  plain background compresses well without filters (a 32-megapixel picture of 1,000 workloads:
  ~6 MB, as with Qt's writer);
- the rows are converted and deflated in ``parts`` bands in threads (numpy's copies and
  zlib release the GIL): each band is a raw deflate stream ended with a sync flush (byte-aligned, not
  final), the last one finished, so the bands concatenate into one valid zlib stream (as
  ``pigz`` does), with the Adler-32 of all rows after it;
- a ``pHYs`` chunk with the image's resolution (Qt writes one too), nothing else.
Readers see one ordinary PNG (tests decode it with zlib and with Qt).
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF))


def rows_of_rgb32(bits: np.ndarray, width: int) -> np.ndarray:
    """PNG rows (filter byte 0, then R, G, B per pixel) from rows of 32-bit 0xffRRGGBB
    words as Qt's ``Format_RGB32`` stores them (native byte order), ``bits`` shaped
    (height, bytes per line)."""
    h = bits.shape[0]
    px = bits[:, :4 * width].reshape(h, width, 4)
    r, g, b = (2, 1, 0) if sys.byteorder == "little" else (1, 2, 3)
    raw = np.empty((h, 1 + 3 * width), dtype=np.uint8)
    raw[:, 0] = 0
    rgb = raw[:, 1:].reshape(h, width, 3)
    rgb[..., 0] = px[..., r]
    rgb[..., 1] = px[..., g]
    rgb[..., 2] = px[..., b]
    return raw


def encode(raw: np.ndarray, width: int, dots_per_meter: tuple[int, int] | None = None,
           level: int = 1, parts: int = 2) -> bytes:
    """The PNG file of ``raw`` (``rows_of_rgb32``'s rows: height x (1 + 3 * width) bytes)."""
    h = raw.shape[0]
    if raw.shape != (h, 1 + 3 * width) or raw.dtype != np.uint8:
        raise ValueError("rows must be uint8, 1 + 3 * width bytes each")
    return _file(width, h, [raw[a:b] for a, b in _bounds(h, parts)], lambda band: band,
                 dots_per_meter, level)


def encode_rgb32(bits: np.ndarray, width: int,
                 dots_per_meter: tuple[int, int] | None = None,
                 level: int = 1, parts: int = 2) -> bytes:
    """The PNG file of Qt ``Format_RGB32`` rows (``bits``: height x bytes per line): each band
    is converted (``rows_of_rgb32``) and deflated in its own thread."""
    h = bits.shape[0]
    return _file(width, h, [bits[a:b] for a, b in _bounds(h, parts)],
                 lambda band: rows_of_rgb32(band, width), dots_per_meter, level)


def _file(width: int, height: int, bands: list[np.ndarray],
          rows: Callable[[np.ndarray], np.ndarray],
          dots_per_meter: tuple[int, int] | None, level: int) -> bytes:
    def deflate(i: int) -> tuple[np.ndarray, bytes]:
        raw = np.ascontiguousarray(rows(bands[i]))
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
        out = c.compress(raw.data.cast("B"))
        return raw, out + c.flush(zlib.Z_FINISH if i == len(bands) - 1 else zlib.Z_SYNC_FLUSH)

    if len(bands) > 1:
        with ThreadPoolExecutor(len(bands)) as pool:
            done = list(pool.map(deflate, range(len(bands))))
    else:
        done = [deflate(0)] if bands else []
    adler = 1
    for raw, _ in done:
        adler = zlib.adler32(raw.data.cast("B"), adler)
    # zlib header: deflate, 32 KiB window, no dictionary (0x7801 is a multiple of 31)
    data = b"\x78\x01" + b"".join(z for _, z in done) + struct.pack(">I", adler & 0xFFFFFFFF)
    out = [SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if dots_per_meter is not None and min(dots_per_meter) > 0:
        out.append(_chunk(b"pHYs", struct.pack(">IIB", dots_per_meter[0], dots_per_meter[1],
                                                1)))
    out.append(_chunk(b"IDAT", data))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` row bands of about equal height (fewer when there are fewer rows)."""
    step = -(-n // max(1, min(parts, n))) if n else 1
    return [(a, min(n, a + step)) for a in range(0, n, step)]

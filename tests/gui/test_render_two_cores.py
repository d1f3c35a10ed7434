"""``render`` writes big pictures on two cores (a forked child paints a PNG's lower rows, or an
SVG's last items): the PNG is the very file one paint makes, the SVG draws what one pass draws
(the same elements in the same order; only empty groups where the parts meet), with a child or
without, and when the child fails."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from netviz.engine.analyzer import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_paths
from netviz.ui import scene as S
from netviz.ui.fonts import qt_measure
from netviz.viewmodel import forked
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import legend_entries, picture

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
posix = pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")


@pytest.fixture(scope="module")
def demo(qapp):  # type: ignore[no-untyped-def]
    result = load_paths([str(DEMO)])
    an = Analyzer(result.cluster)
    model = GraphModel(result.cluster, connlist(an), an)
    visible = model.view()
    pic = picture(model, visible, Layout(qt_measure), heading="demo")
    sc = S.PictureScene()
    sc.show(pic, legend_entries(model, visible))
    return sc, pic


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write even the demo in two parts (it is below ``SPLIT_MIN_S``)."""
    monkeypatch.setattr(S, "SPLIT_MIN_S", 0.0)
    monkeypatch.setattr(S, "PNG_SPLIT_MIN_S", 0.0)


@pytest.fixture
def two_cores() -> object:
    forked.enable(True)
    yield
    forked.enable(False)


def _failing_child(here, there):  # type: ignore[no-untyped-def]
    """``forked.beside`` whose child painted its part (here, into the shared pixels) and then
    failed: the caller must start that part again from scratch."""
    first = here()
    there()
    return first, None


def _elements(svg: bytes) -> bytes:
    return re.sub(rb'<g [^>]*>\n</g>\n\n?', b"", svg)


def _pixels(svg: Path, size: tuple[int, int]) -> QImage:
    img = QImage(*size, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    QSvgRenderer(str(svg)).render(p, QRectF(0, 0, *size))
    p.end()
    return img


def test_small_pictures_are_one_pass(demo) -> None:  # type: ignore[no-untyped-def]
    sc, _ = demo
    assert S._svg_cut(S._painted(sc)) == 0
    assert not S._worth_two(S._painted(sc), S.PNG_SPLIT_MIN_S)


@posix
def test_svg_in_two_parts_draws_what_one_pass_draws(demo, tmp_path, monkeypatch,
                                                    two_cores) -> None:  # type: ignore[no-untyped-def]
    sc, pic = demo
    one = tmp_path / "one.svg"
    S.render(sc, pic.canvas, str(one), title="demo")
    monkeypatch.setattr(S, "SPLIT_MIN_S", 0.0)
    items = S._painted(sc)
    cut = S._svg_cut(items)
    assert 0 < cut < len(items)
    two = tmp_path / "two.svg"
    S.render(sc, pic.canvas, str(two), title="demo")  # the second part in a child
    assert two.read_bytes() != one.read_bytes()  # really in two parts
    assert _elements(two.read_bytes()) == _elements(one.read_bytes())
    assert all(it.isVisible() for it in items)  # the scene as it was
    assert sc.backgroundBrush().color() == QColor(S.palette.BACKGROUND)
    size = (int(pic.canvas[2] / 4), int(pic.canvas[3] / 4))
    assert _pixels(two, size) == _pixels(one, size)
    # the same file without a child, and when the child fails
    forked.enable(False)
    here = tmp_path / "here.svg"
    S.render(sc, pic.canvas, str(here), title="demo")
    assert here.read_bytes() == two.read_bytes()
    forked.enable(True)
    monkeypatch.setattr(forked, "beside", _failing_child)
    failed = tmp_path / "failed.svg"
    S.render(sc, pic.canvas, str(failed), title="demo")
    assert failed.read_bytes() == two.read_bytes()


@posix
def test_png_rows_in_a_child_are_the_one_paint(demo, tmp_path, monkeypatch, split,
                                               two_cores) -> None:  # type: ignore[no-untyped-def]
    sc, pic = demo
    forked.enable(False)
    one = tmp_path / "one.png"
    S.render(sc, pic.canvas, str(one))
    forked.enable(True)
    calls: list[int] = []
    real = forked.beside

    def counted(here, there):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(here, there)

    monkeypatch.setattr(forked, "beside", counted)
    two = tmp_path / "two.png"
    S.render(sc, pic.canvas, str(two))
    assert calls  # the lower rows were painted by a child
    assert two.read_bytes() == one.read_bytes()
    monkeypatch.setattr(forked, "beside", _failing_child)
    failed = tmp_path / "failed.png"
    S.render(sc, pic.canvas, str(failed))
    # painted twice without the background in between, antialiased pixels would darken
    assert failed.read_bytes() == one.read_bytes()


def test_svg_parts_are_joined_only_when_they_are_what_qt_writes(tmp_path) -> None:
    # type: ignore[no-untyped-def]
    head = (b'<?xml version="1.0"?>\n<svg>\n<defs>\n</defs>\n'
            b'<g fill="none" stroke="black" >\n')
    first = tmp_path / "first.svg"
    first.write_bytes(head + b"<path d='M0 0'/>\n" + S._SVG_END)
    second = head + b"<text>two</text>\n" + S._SVG_END
    assert S._append_svg(str(first), second)
    assert first.read_bytes() == head + b"<path d='M0 0'/>\n<text>two</text>\n" + S._SVG_END
    before = first.read_bytes()
    for bad in (b"not svg", second[:-3], second.replace(b"black", b"red")):
        assert not S._append_svg(str(first), bad)
        assert first.read_bytes() == before  # left as it was
    other = tmp_path / "other.svg"
    other.write_bytes(b"<svg>no root group</svg>\n")
    assert not S._append_svg(str(other), second)
    assert other.read_bytes() == b"<svg>no root group</svg>\n"

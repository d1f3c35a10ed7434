"""netviz render / export.figure: the app's layout and palette, headless, PNG/SVG/PDF."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viewmodel"))

from test_graph_fixtures import API, YAML, evaluated

from netviz.cli import main
from netviz.export import figure
from netviz.viewmodel import palette
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    p = tmp_path / "all.yaml"
    p.write_text(YAML, encoding="utf-8")
    return p


def build():
    cl, an, conns = evaluated()
    m = GraphModel(cl, conns, an)
    lay = Layout()
    lay.update(m)
    return m, lay


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_figure_formats(tmp_path: Path, suffix: str) -> None:
    m, lay = build()
    fig = figure.figure(m, lay, m.view(), "My title")
    out = tmp_path / f"g.{suffix}"
    figure.save(fig, out)
    data = out.read_bytes()
    assert len(data) > 2000
    if suffix == "svg":
        text = data.decode()
        assert "My title" in text
        # the palette's colours, lower-cased by matplotlib
        assert palette.EDGE_STYLES["partial"].color.lower() in text.lower()
        assert "Partially allowed" in text


def test_figure_uses_layout_positions() -> None:
    m, lay = build()
    fig = figure.figure(m, lay, m.view(), "t")
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    y1, y0 = ax.get_ylim()  # inverted: y down like the GUI
    for k in m.nodes:
        x, y = lay.positions[k]
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_unknown_suffix_refused(tmp_path: Path) -> None:
    m, lay = build()
    with pytest.raises(ValueError):
        figure.save(figure.figure(m, lay, m.view()), tmp_path / "x.gif")


def test_render_cli(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.png"
    assert main(["render", str(manifests), "-o", str(out)]) == 0
    assert out.stat().st_size > 5000
    out2 = tmp_path / "focus.svg"
    assert main(["render", str(manifests), "-o", str(out2), "--focus", "shop/api",
                 "--show-denied", "--port", "TCP 5432"]) == 0
    assert "focus shop/api" in out2.read_text()


def test_render_cli_errors(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.gif")]) == 2
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.png"), "--focus", "shop/apo"]) == 2
    assert "did you mean shop/api" in capsys.readouterr().err
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.png"), "--namespace", "nope"]) == 2


def test_same_picture_inputs_as_the_app() -> None:
    """The GUI and render share model + layout: same nodes at the same places."""
    m, lay = build()
    m2, lay2 = build()
    assert lay.positions == lay2.positions
    assert [e.key for e in m.view().edges] == [e.key for e in m2.view().edges]
    assert API in lay.positions

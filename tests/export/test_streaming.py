"""Streamed output is the same text: every format's pieces join to the reference bytes, the
json writer equals ``json.dumps(indent=2)`` of the whole list, and ``netviz list`` writes what
``render`` would have written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netviz.cli import main
from netviz.engine.analyzer import Analyzer
from netviz.engine.connlist import ConnectionStream, Focus, build_list
from netviz.export import CHUNKS, FORMATS, render, render_chunks
from netviz.export.json_format import dumps, items
from netviz.io.manifests import load_paths

SHOP = str(Path(__file__).resolve().parents[1] / "cli" / "data" / "shop.yaml")
DEMO = str(Path(__file__).resolve().parents[2] / "resources" / "demo")


@pytest.mark.parametrize("notes", [(), ("WARNING: x <&> \u2028", "note two")])
@pytest.mark.parametrize("focus", [Focus(), Focus(protocol="UDP", port=53),
                                   Focus(workloads=("nothing-matches",))])
@pytest.mark.parametrize("path", [SHOP, DEMO])
def test_json_pieces_equal_json_dumps(path: str, focus: Focus, notes: tuple[str, ...]) -> None:
    listed = dataclasses.replace(build_list(Analyzer(load_paths([path]).cluster), focus),
                                 notes=notes)
    data: object = items(listed)
    if notes:
        data = {"netviz_options": list(notes), "connlist_results": data}
    assert "".join(CHUNKS["json"](listed)) == dumps(data)


@pytest.mark.parametrize("focus", [Focus(), Focus(protocol="UDP", port=53),
                                   Focus(workloads=("api",), direction="ingress")])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_streamed_connections_render_the_same(fmt: str, focus: Focus) -> None:
    an = Analyzer(load_paths([DEMO]).cluster)
    listed = build_list(an, focus)
    streamed = dataclasses.replace(listed, connections=ConnectionStream(an, focus))
    assert "".join(render_chunks(fmt, streamed)) == render(fmt, listed)


def test_small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    from netviz.export import txt

    monkeypatch.setattr(txt, "CHUNK", 3)
    listed = build_list(Analyzer(load_paths([DEMO]).cluster))
    pieces = list(txt.chunks(listed))
    assert len(pieces) > 3 and "".join(pieces) == txt.render(listed)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_writes_what_render_makes(fmt: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"out.{fmt}"
    assert main(["list", DEMO, "-q", "-o", fmt, "-f", str(out)]) == 0
    expected = render(fmt, build_list(Analyzer(load_paths([DEMO]).cluster)))
    assert out.read_bytes() == expected.encode()
    assert main(["list", DEMO, "-q", "-o", fmt]) == 0
    assert capsys.readouterr().out == expected

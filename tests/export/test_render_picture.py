"""netviz render: the app's Qt scene, headless; PNG/SVG/PDF and the picture JSON agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viewmodel"))

from test_graph_fixtures import API, SVC_DB, YAML

from netviz.cli import main


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    p = tmp_path / "all.yaml"
    p.write_text(YAML, encoding="utf-8")
    return p


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_render_formats(tmp_path: Path, manifests: Path, suffix: str,
                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"g.{suffix}"
    assert main(["render", str(manifests), "-o", str(out), "--title", "My title"]) == 0
    assert out.stat().st_size > 1000
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out}") and "ratio" in said
    if suffix == "svg":
        assert "My title" in out.read_text(encoding="utf-8")


def test_picture_json_is_the_png(tmp_path: Path, manifests: Path) -> None:
    from PySide6.QtGui import QImage

    png, js = tmp_path / "p.png", tmp_path / "p.json"
    assert main(["render", str(manifests), "-o", str(png)]) == 0
    assert main(["render", str(manifests), "-o", str(js)]) == 0
    pic = json.loads(js.read_text(encoding="utf-8"))
    assert pic["format"] == "netviz-picture/1"
    img = QImage(str(png))
    assert (img.width(), img.height()) == (pic["width"], pic["height"])
    nodes = {n["data"]["key"]: n for n in pic["elements"]["nodes"]}
    api = nodes[API]
    x, y, w, h = api["bbox"]
    assert api["position"] == {"x": pytest.approx(x + w / 2), "y": pytest.approx(y + h / 2)}
    assert api["data"]["members"] == [API]
    assert api["data"]["label"] == "api\nDeployment"
    ids = {n["data"]["id"]: n for n in pic["elements"]["nodes"]}
    parent = ids[api["data"]["parent"]]["data"]
    assert parent["kind"] in ("namespace", "group") and API in parent["members"]
    # the workload's box is drawn where the JSON says: its border colour is at the bbox edge
    from netviz.viewmodel import palette

    border = palette.NODE_COLORS["workload"][1]
    from PySide6.QtGui import QColor

    want = QColor(border)
    seen = [img.pixelColor(int(x + w / 2), int(y) + dy) for dy in (-1, 0, 1)]
    # antialiased: the 1.3 px border blends with the white around it
    assert any(c.red() < 120 and c.blue() - c.red() > 60 and c.blue() > want.blue() - 60
               for c in seen), [c.name() for c in seen]
    outside = img.pixelColor(int(x + w / 2), int(y) - 4)
    assert outside.name() != QColor(palette.NODE_COLORS["workload"][0]).name()
    ex, ey, lw, lh = pic["legend"]
    assert all(not (n["bbox"][0] < ex + lw and ex < n["bbox"][0] + n["bbox"][2]
                    and n["bbox"][1] < ey + lh and ey < n["bbox"][1] + n["bbox"][3])
               for n in pic["elements"]["nodes"])
    into_db = [e["data"] for e in pic["elements"]["edges"]
               if e["data"]["target"] == nodes[SVC_DB]["data"]["id"]
               and e["data"]["verdict"] == "partial"]
    assert [e["connection"] for e in into_db] == ["TCP 5432"]
    assert into_db[0]["label"] == "TCP 5432" and len(into_db[0]["label_bbox"]) == 4


def test_render_options(tmp_path: Path, manifests: Path) -> None:
    out = tmp_path / "focus.svg"
    assert main(["render", str(manifests), "-o", str(out), "--focus", "shop/api",
                 "--show-denied", "--port", "TCP 5432"]) == 0
    assert "focus shop/api" in out.read_text(encoding="utf-8")
    js = tmp_path / "c.json"
    assert main(["render", str(manifests), "-o", str(js), "--collapse", "shop"]) == 0
    verdicts = {e["data"]["verdict"] for e in json.loads(js.read_text())["elements"]["edges"]}
    assert "bundle" in verdicts


def test_render_cli_errors(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.gif")]) == 2
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.png"), "--focus", "shop/apo"]) == 2
    assert "did you mean shop/api" in capsys.readouterr().err
    assert main(["render", str(manifests), "-o", str(tmp_path / "x.png"), "--namespace", "nope"]) == 2


def test_render_needs_no_display(tmp_path: Path, manifests: Path) -> None:
    """The real command, with no DISPLAY and no QT_QPA_PLATFORM: it picks offscreen."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "nodisplay.png"
    r = subprocess.run([sys.executable, "-m", "netviz", "render", str(manifests), "-o", str(out)],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 1000


def test_gui_screenshot_saves_the_window(tmp_path: Path, manifests: Path) -> None:
    """``netviz gui --screenshot``: loads, waits for the drawing, saves, exits; headless."""
    from PySide6.QtGui import QImage

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "netviz", "gui", "--screenshot", str(out),
                        "--size", "900x700", str(manifests)],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (900, 700)
    # something was drawn in the graph area: not a blank window
    colours = {img.pixelColor(x, y).name() for x in range(0, 600, 7) for y in range(80, 600, 7)}
    assert len(colours) > 10


def test_render_of_nothing_to_draw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Read fine but nothing netviz draws: an empty picture, like list's empty list; a
    missing input is still an error."""
    p = tmp_path / "ns.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n")
    out = tmp_path / "empty.json"
    assert main(["render", str(p), "-o", str(out)]) == 0
    pic = json.loads(out.read_text())
    assert pic["elements"]["edges"] == [] and pic["pairs"] == 0
    assert "the picture is empty" in capsys.readouterr().err
    assert main(["render", str(tmp_path / "missing.yaml"), "-o", str(out)]) == 3


def test_render_path_from_outside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The picture JSON has the path from outside: nodes that stand for no peer, edges that
    state no pair; --no-outside leaves it out; --ingress-controller moves the controller."""
    from test_graph_outside import LB, OUTSIDE_KEY, WEB, YAML

    src = tmp_path / "c.yaml"
    src.write_text(YAML, encoding="utf-8")
    js = tmp_path / "p.json"
    assert main(["render", str(src), "-o", str(js)]) == 0
    pic = json.loads(js.read_text(encoding="utf-8"))
    nodes = {n["data"]["key"]: n["data"] for n in pic["elements"]["nodes"]}
    assert nodes[OUTSIDE_KEY]["kind"] == "outside" and nodes[LB]["members"] == []
    assert nodes[LB]["label"] == "LoadBalancer front\n443→8080"
    by_id = {n["data"]["id"]: n["data"]["key"] for n in pic["elements"]["nodes"]}
    verdicts = {(by_id[e["data"]["source"]], by_id[e["data"]["target"]]): e["data"]["verdict"]
                for e in pic["elements"]["edges"]}
    assert verdicts[(OUTSIDE_KEY, LB)] == "entry" and verdicts[("svc:shop/web", WEB)] == "exposed"
    assert all(e["data"]["connection"] == "" for e in pic["elements"]["edges"]
               if e["data"]["verdict"] in ("entry", "exposed", "blocked", "leads-out"))
    assert main(["render", str(src), "--no-outside", "-o", str(js)]) == 0
    keys = {n["data"]["key"] for n in json.loads(js.read_text(encoding="utf-8"))["elements"]["nodes"]}
    assert OUTSIDE_KEY not in keys and LB not in keys
    # the controller placed where a policy admits it: the Ingress's way gets through
    pol = YAML + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: nginx}}}]}]
"""
    src.write_text(pol, encoding="utf-8")
    for extra, want in (([], "blocked"), (["--ingress-controller", "nginx"], "exposed")):
        assert main(["render", str(src), "-o", str(js), *extra]) == 0
        pic = json.loads(js.read_text(encoding="utf-8"))
        by_id = {n["data"]["id"]: n["data"]["key"] for n in pic["elements"]["nodes"]}
        got = {(by_id[e["data"]["source"]], by_id[e["data"]["target"]]): e["data"]["verdict"]
               for e in pic["elements"]["edges"]}
        assert got[("svc:shop/web", WEB)] == want

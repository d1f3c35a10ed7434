"""The picture of every reference scenario (and the demo) is exact and readable.

For each scenario of ``../shared/conformance/netpol-analyzer`` (every one ``netviz list``
evaluates: core, Ingress/Route, AdminNetworkPolicy) and ``resources/demo``, the picture JSON is
built in-process exactly as ``netviz render -o FILE.json`` builds it (same model, layout with the
Qt font measure, routing, labels), and checked the way ``../shared/tools/picture-check.py``
checks it (its geometry helpers are loaded from there, never copied):

- exact: every allowed/partial edge states members(source) x members(target), s != t, with
  exactly its ``connection`` as ``netviz list -o json`` prints it, and every listed pair is
  stated once;
- readable: 0 edges through a leaf that is not one of their ends, 0 label collisions (labels,
  leaves, legend), 0 leaves under the legend, 0 overlapping leaves, 0 shortened names;
- compressed: at most 30 % as many drawn allowed/partial edges as pairs where pairs > 5 x peers.
The ratio of every scenario is in the test id's output (``-rA``) and in ``report_ratios``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

import pytest

from .goldens import scenario_skip, shared_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = shared_dir()
DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _checker() -> ModuleType | None:
    if ROOT is None:
        return None
    path = ROOT.parent.parent / "tools" / "picture-check.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("picture_check", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


PC = _checker()


def _scenarios() -> list[object]:
    out: list[object] = [pytest.param(DEMO, id="demo")]
    if ROOT is None:
        return out
    for d in sorted((ROOT / "scenarios").iterdir()):
        if d.is_dir() and scenario_skip(ROOT, d.name) is None:
            out.append(pytest.param(d, id=d.name))
    return out


def picture_json(path: Path) -> tuple[dict, dict[tuple[str, str], str]]:
    from netviz.engine import Analyzer, Options
    from netviz.engine.connlist import connlist
    from netviz.export.picture_json import to_dict
    from netviz.io.manifests import load_paths
    from netviz.ui.fonts import qt_measure
    from netviz.viewmodel.graph import GraphModel
    from netviz.viewmodel.layout import Layout
    from netviz.viewmodel.routing import picture

    cluster = load_paths([str(path)]).cluster
    an = Analyzer(cluster, Options())
    conns = connlist(an)
    model = GraphModel(cluster, conns, an)
    pic = picture(model, model.view(), Layout(qt_measure), heading=f"Network policies — {path.name}")
    want = {(c.src.key, c.dst.key): str(c.connections) for c in conns}
    # what `netviz list -o json` prints
    from netviz.engine.connlist import build_list
    from netviz.export import render

    listed = {(x["src"], x["dst"]): x["conn"]
              for x in json.loads(render("json", build_list(an)) or "[]")}
    assert listed == want
    return to_dict(pic), want


def check(pic: dict, want: dict[tuple[str, str], str]) -> dict[str, object]:
    """picture-check's checks, on a picture in memory."""
    assert PC is not None
    els = pic["elements"]
    nodes = {n["data"]["id"]: n for n in els["nodes"]}
    edges = [e["data"] for e in els["edges"]]
    parent = {i: n["data"].get("parent") for i, n in nodes.items()}

    def inside(i: str | None, anc: str) -> bool:
        while i is not None:
            if i == anc:
                return True
            i = parent.get(i)
        return False

    leaves = {i: n for i, n in nodes.items() if n["data"]["kind"] not in PC.CONTAINER_KINDS}
    stated: dict[tuple[str, str], set[str]] = {}
    wrong = 0
    for e in edges:
        if e["verdict"] not in ("allowed", "partial"):
            continue
        for s in nodes[e["source"]]["data"]["members"]:
            for t in nodes[e["target"]]["data"]["members"]:
                if s == t:
                    continue
                wrong += want.get((s, t)) != e["connection"]
                stated.setdefault((s, t), set()).add(e["connection"])
    missing = sum(1 for k in want if k not in stated)
    conflicting = sum(1 for v in stated.values() if len(v) > 1)
    through = []
    for e in edges:
        pts = e["points"]
        for i, n in leaves.items():
            if (inside(e["source"], i) or inside(e["target"], i) or inside(i, e["source"])
                    or inside(i, e["target"])):
                continue
            if any(PC.seg_hits_rect(pts[k], pts[k + 1], n["bbox"]) for k in range(len(pts) - 1)):
                through.append((nodes[e["source"]]["data"]["key"],
                                nodes[e["target"]]["data"]["key"], n["data"]["key"]))
                break
    labels = [e["label_bbox"] for e in edges if e.get("label_bbox")]
    legend = pic["legend"]
    lab = 0
    for k, lb in enumerate(labels):
        if (any(PC.rects_overlap(lb, o) for o in labels[k + 1:])
                or any(PC.rects_overlap(lb, n["bbox"]) for n in leaves.values())
                or (legend and PC.rects_overlap(lb, legend))):
            lab += 1
    lv = list(leaves.values())
    return {
        "wrong": wrong, "missing": missing, "conflicting": conflicting, "through": through,
        "labels": lab,
        "legend": sum(1 for n in lv if legend and PC.rects_overlap(n["bbox"], legend)),
        "overlap": sum(1 for a in range(len(lv)) for b in range(a + 1, len(lv))
                       if PC.rects_overlap(lv[a]["bbox"], lv[b]["bbox"])),
        "cut": sum(1 for n in nodes.values()
                   if "…" in n["data"]["label"] or "..." in n["data"]["label"]),
        "drawn": sum(1 for e in edges if e["verdict"] in ("allowed", "partial")),
    }


@pytest.mark.conformance
@pytest.mark.parametrize("scenario", _scenarios())
def test_picture_is_exact_and_readable(qapp, scenario: Path) -> None:
    if PC is None:
        pytest.skip("../shared/tools/picture-check.py not found beside the checkout")
    pic, want = picture_json(scenario)
    r = check(pic, want)
    assert (r["wrong"], r["missing"], r["conflicting"]) == (0, 0, 0), r
    assert r["through"] == [], r["through"][:5]
    assert (r["labels"], r["legend"], r["overlap"], r["cut"]) == (0, 0, 0, 0), r
    peers = {p for k in want for p in k}
    ratio = r["drawn"] / len(want) if want else 0.0
    if len(want) > 5 * max(1, len(peers)):
        assert ratio <= 0.30, f"{r['drawn']} edges for {len(want)} pairs"
    assert pic["pairs"] == len(want)
    assert pic["ratio"] == pytest.approx(ratio, abs=1e-3)

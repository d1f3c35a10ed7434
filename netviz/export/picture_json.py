"""The picture as data: ``netviz-picture/1``, Cytoscape.js elements with the geometry as drawn.

Written by ``netviz render PATH... -o FILE.json`` and the app's *File > Export* from the one
``netviz.viewmodel.routing.Picture`` the Qt scene draws, so every coordinate is where the
PNG/SVG/PDF of the same command has it: pixels of the PNG at scale 1, origin at its top-left,
y down. Cytoscape.js and other web tools read ``elements`` directly (``position`` is a node's
centre; ``bbox`` and everything else are extra data).

- ``nodes[].data``: ``id``; ``key`` (the app's key: ``ns/name[Kind]``, ``svc:ns/name``,
  ``ns:name``, ``grp:...``); ``kind`` (namespace, group, cluster: containers; workload, service,
  external, peer, pod: leaves); ``label`` (the whole text as drawn, lines joined by "\\n");
  ``parent`` (the id of the container drawn around it); ``members`` (the peers it stands for,
  exactly as ``netviz list`` names them: a workload itself, an external node its ranges, a
  container or a Service the workloads it stands for).
- ``edges[].data``: ``source``/``target`` (node ids), ``verdict`` (allowed, partial, denied,
  service, bundle, or the difference view's added, removed, changed, unchanged),
  ``connection`` (what every pair has, as ``netviz list -o json`` prints it), ``pairs`` (how
  many), ``points`` (the polyline, source end first), ``label`` and ``label_bbox`` when the
  edge carries a label (an ``allowed`` edge has none: the colour says "All Connections").
  An allowed or partial edge states that every (s, t) in members(source) x members(target),
  s != t, has exactly ``connection``; every allowed pair is stated by one edge.
- ``legend``: ``[x, y, w, h]`` (outside the drawing), or null. ``ratio``: drawn allowed/partial
  edges per allowed pair. ``unlabelled``: edges whose label found no free place (their text is
  in ``connection`` and in the app's tooltip).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from netviz.viewmodel import forked
from netviz.viewmodel.routing import Picture

FORMAT = "netviz-picture/1"


def _r(v: float) -> float:
    return round(float(v), 2)


def to_dict(pic: Picture) -> dict[str, Any]:
    ids = _ids(pic)
    out = _frame(pic, ids)
    out["elements"]["edges"] = _edges(pic, ids, 0, len(pic.edges))
    return out


def _ids(pic: Picture) -> dict[str, str]:
    return {n.key: f"n{i}" for i, n in enumerate(pic.nodes)}


def _frame(pic: Picture, ids: dict[str, str]) -> dict[str, Any]:
    """Everything but the edges (``elements.edges`` empty)."""
    ox, oy, width, height = pic.canvas
    nodes = []
    for n in pic.nodes:
        x, y, w, h = n.rect
        data: dict[str, Any] = {"id": ids[n.key], "key": n.key, "kind": n.kind,
                                "label": n.label, "members": list(n.members)}
        if n.parent is not None and n.parent in ids:
            data["parent"] = ids[n.parent]
        nodes.append({"data": data,
                      "position": {"x": _r(x + w / 2 - ox), "y": _r(y + h / 2 - oy)},
                      "bbox": [_r(x - ox), _r(y - oy), _r(w), _r(h)]})
    legend = None
    if pic.legend is not None:
        lx, ly, lw, lh = pic.legend
        legend = [_r(lx - ox), _r(ly - oy), _r(lw), _r(lh)]
    return {"format": FORMAT, "width": int(width), "height": int(height), "legend": legend,
            "title": pic.heading, "ratio": round(pic.ratio, 4), "pairs": pic.pairs,
            "unlabelled": pic.unlabelled,
            "elements": {"nodes": nodes, "edges": []}}


def _edges(pic: Picture, ids: dict[str, str], lo: int, hi: int) -> list[dict[str, Any]]:
    """The edges ``pic.edges[lo:hi]`` (ids by their index in ``pic.edges``)."""
    ox, oy = pic.canvas[0], pic.canvas[1]
    part = pic.edges[lo:hi]
    edges = []
    # every polyline's points rounded at once (hundreds of thousands of them at scale)
    flat = [pt for d in part for pt in d.points]
    rounded: list[list[float]] = (
        np.round(np.asarray(flat, dtype=float) - (ox, oy), 2).tolist() if flat else [])
    at = 0
    for i, d in enumerate(part, lo):
        e = d.edge
        pts = rounded[at:at + len(d.points)]
        at += len(d.points)
        if e.src not in ids or e.dst not in ids:
            continue
        data = {"id": f"e{i}", "source": ids[e.src], "target": ids[e.dst],
                "verdict": e.style, "connection": e.connection, "pairs": e.count,
                "points": pts}
        if d.label and d.label_rect is not None:
            lx, ly, lw, lh = d.label_rect
            data["label"] = d.label
            data["label_bbox"] = [_r(lx - ox), _r(ly - oy), _r(lw), _r(lh)]
        edges.append({"data": data})
    return edges


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), check_circular=False)


def text(pic: Picture) -> str:
    """The picture JSON as written: ``json.dumps(to_dict(pic))``, compact, UTF-8 as is. The
    edges (most of it at scale) are made and encoded in two halves, the second in a forked
    child in a one-shot command (``netviz.viewmodel.forked``): the same text."""
    ids = _ids(pic)
    head = _dumps(_frame(pic, ids))
    tail = '"edges":[]}}'
    assert head.endswith(tail)

    def body(lo: int, hi: int) -> str:
        return _dumps(_edges(pic, ids, lo, hi))[1:-1]

    first, second = forked.halves(len(pic.edges), body)
    joined = ",".join(part for part in (first, second) if part)
    return head[:-len(tail)] + '"edges":[' + joined + "]}}"


def write(pic: Picture, path: str | os.PathLike[str]) -> None:
    """Write the picture JSON atomically (``netviz.io.atomic``)."""
    from netviz.io.atomic import write_atomic

    write_atomic(path, text(pic))

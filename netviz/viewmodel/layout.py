"""Where every node of a ``GraphModel`` sits: deterministic, stable, user-editable, saved.

Rules this module keeps:
- Deterministic: the default layout depends only on the node set (namespaces, workloads,
  Services, externals) in model order, never on edges, timing or randomness. The same input
  gives the same picture in the app and in ``netviz render``.
- Stable: positions are remembered per node key. Re-evaluating (options, edited policies)
  changes edges only, so nothing moves; a reload that adds nodes places only the new ones
  (in free space below their namespace, or below everything for a new namespace).
- Fast: no force layout (``networkx.spring_layout`` takes ~9 s at 1,000 nodes). Inside a
  namespace, members go on a grid in model order (a Service right after its first backend);
  namespaces are shelf-packed by height, tallest first, without overlap; external address
  ranges form columns left of the namespaces.
- Coordinates are scene units with y pointing down (Qt's convention; ``netviz.export.figure``
  flips its axis). A position is a node's centre. Namespace boxes are not stored: a box is the
  bounding rectangle of its members plus padding and a title band.

Sessions: ``session_path(paths)`` is ``$XDG_CONFIG_HOME/netviz/sessions/<hash>.json``
(``~/.config`` by default), where ``<hash>`` is the first 16 hex digits of the SHA-256 of the
sorted absolute input paths. The file holds ``{"version": 1, "positions": {key: [x, y]},
"moved": [key, ...], "expanded": [key, ...]}``; unknown keys in it are ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from netviz.viewmodel.graph import Edge, GraphModel, Node

Rect = tuple[float, float, float, float]  # x, y (top-left), width, height

NODE_SIZES: dict[str, tuple[float, float]] = {
    "workload": (168.0, 46.0),
    "service": (168.0, 40.0),
    "external": (176.0, 40.0),
    "pod": (12.0, 12.0),
}
CELL_W = 200.0
CELL_H = 92.0
#: odd grid columns are shifted down by this fraction of a cell, so that edges along a row do
#: not run through the middle of the nodes between their ends
STAGGER = 0.3
NS_PAD = 14.0
NS_TITLE = 28.0
NS_GAP = 56.0
EXT_GAP_X = 90.0
EXT_STEP_Y = 64.0
EXT_PER_COLUMN = 14
POD_STEP = 16.0
POD_MAX = 10  # pods drawn per expanded workload; more are summarised as "+N"
#: parallel edges (a->b and b->a) are offset to their right by this much
EDGE_OFFSET = 3.5
ARROW_LEN = 10.0
ARROW_HALF_WIDTH = 4.5
SESSION_VERSION = 1


def node_size(node: Node) -> tuple[float, float]:
    return NODE_SIZES.get(node.kind, NODE_SIZES["workload"])


class Layout:
    def __init__(self) -> None:
        self.positions: dict[str, tuple[float, float]] = {}
        self.moved: set[str] = set()
        self._model: GraphModel | None = None
        self._ns_cache: dict[str, Rect] | None = None

    # ------------------------------------------------------------------ placing
    def update(self, model: GraphModel) -> list[str]:
        """Give every node of ``model`` a position, keeping the ones already known.
        Returns the keys that were placed now."""
        self._model = model
        self._ns_cache = None
        missing = [k for k, n in model.nodes.items() if k not in self.positions]
        if not missing:
            return []
        if not self.positions:
            self.positions.update(default_positions(model))
            return missing
        known_ns: dict[str, list[str]] = {}
        for k, n in model.nodes.items():
            if k in self.positions and n.namespace is not None:
                known_ns.setdefault(n.namespace, []).append(k)
        new_ns = [ns for ns in model.namespaces if ns not in known_ns]
        bottom = max((y + node_size(model.nodes[k])[1] / 2 for k, (x, y) in
                      self.positions.items() if k in model.nodes), default=0.0)
        # brand-new namespaces: pack them on their own, below everything
        if new_ns:
            sub = default_positions(model, only=set(new_ns), externals=False)
            for k, (x, y) in sub.items():
                self.positions[k] = (x, y + bottom + NS_GAP + NS_TITLE)
        # new members of known namespaces: a row below the namespace's current box
        for ns, keys in known_ns.items():
            new = [k for k in model.namespaces[ns].members if k not in self.positions]
            if not new:
                continue
            xs = [self.positions[k][0] for k in keys]
            ys = [self.positions[k][1] for k in keys]
            left, low = min(xs), max(ys)
            ncol = max(1, round((max(xs) - left) / CELL_W) + 1)
            for i, k in enumerate(new):
                self.positions[k] = (left + (i % ncol) * CELL_W, low + CELL_H * (1 + i // ncol))
        # new externals: continue the columns
        ext_known = [k for k in model.externals if k in self.positions]
        ext_new = [k for k in model.externals if k not in self.positions]
        if ext_new:
            if ext_known:
                x0 = min(self.positions[k][0] for k in ext_known)
                y0 = max(self.positions[k][1] for k in ext_known) + EXT_STEP_Y
            else:
                x0 = self._left() - EXT_GAP_X - NODE_SIZES["external"][0] / 2
                y0 = NS_TITLE
            for i, k in enumerate(ext_new):
                self.positions[k] = (x0 - (i // EXT_PER_COLUMN) * (NODE_SIZES["external"][0] + 30),
                                     y0 + (i % EXT_PER_COLUMN) * EXT_STEP_Y)
        return missing

    def _left(self) -> float:
        return min((x for x, _ in self.positions.values()), default=0.0) - CELL_W / 2

    def reset(self, model: GraphModel) -> None:
        """Forget every position (and user move) and lay ``model`` out afresh."""
        self.positions.clear()
        self.moved.clear()
        self.update(model)

    def move(self, key: str, x: float, y: float) -> None:
        """The user moved a node."""
        self.positions[key] = (x, y)
        self.moved.add(key)
        self._ns_cache = None

    def move_namespace(self, model: GraphModel, ns: str, dx: float, dy: float) -> None:
        for k in model.namespaces[ns].members:
            if k in self.positions:
                x, y = self.positions[k]
                self.positions[k] = (x + dx, y + dy)
                self.moved.add(k)
        self._ns_cache = None

    # ------------------------------------------------------------------ geometry
    def rect(self, model: GraphModel, key: str) -> Rect:
        node = model.nodes[key]
        w, h = node_size(node)
        x, y = self.positions[key]
        return (x - w / 2, y - h / 2, w, h)

    def namespace_rect(self, model: GraphModel, ns: str,
                       visible: set[str] | None = None) -> Rect | None:
        members = [k for k in model.namespaces[ns].members
                   if k in self.positions and (visible is None or k in visible)]
        if not members:
            return None
        x0 = y0 = math.inf
        x1 = y1 = -math.inf
        for k in members:
            x, y, w, h = self.rect(model, k)
            extra = self.pod_extent(model, k)
            x0, y0 = min(x0, x), min(y0, y)
            x1, y1 = max(x1, x + w), max(y1, y + h + extra)
        return (x0 - NS_PAD, y0 - NS_PAD - NS_TITLE, x1 - x0 + 2 * NS_PAD,
                y1 - y0 + 2 * NS_PAD + NS_TITLE)

    def namespace_rects(self, model: GraphModel, visible: set[str] | None = None,
                        names: Iterable[str] | None = None) -> dict[str, Rect]:
        out = {}
        for ns in names if names is not None else model.namespaces:
            r = self.namespace_rect(model, ns, visible)
            if r is not None:
                out[ns] = r
        return out

    def pod_extent(self, model: GraphModel, key: str) -> float:
        return POD_STEP + 4 if key in model.expanded else 0.0

    def pod_positions(self, model: GraphModel, key: str) -> list[tuple[float, float]]:
        """Centres of the pod chips of an expanded workload (a row under it)."""
        n = min(len(model.pods_of.get(key, [])), POD_MAX)
        x, y, w, h = self.rect(model, key)
        y_row = y + h + POD_STEP / 2 + 3
        x_start = x + 8
        return [(x_start + i * POD_STEP, y_row) for i in range(n)]

    def bounds(self, model: GraphModel, visible: Sequence[str] | None = None) -> Rect:
        keys = list(visible) if visible is not None else list(model.nodes)
        if not keys:
            return (0.0, 0.0, 1.0, 1.0)
        rects = [self.rect(model, k) for k in keys if k in self.positions]
        rects += list(self.namespace_rects(model, set(keys)).values())
        x0 = min(r[0] for r in rects)
        y0 = min(r[1] for r in rects)
        x1 = max(r[0] + r[2] for r in rects)
        y1 = max(r[1] + r[3] for r in rects)
        return (x0, y0, x1 - x0, y1 - y0)

    def segments(self, model: GraphModel, edges: Sequence[Edge],
                 ns_rects: dict[str, Rect] | None = None) -> list[tuple[float, float, float, float]]:
        """Each edge as a line from the border of its source to the border of its target
        (bundles: between namespace boxes). Antiparallel edges are offset apart."""
        out = []
        for e in edges:
            if e.style == "bundle":
                assert ns_rects is not None
                r0 = ns_rects.get(e.src) or self.rect(model, e.src)
                r1 = ns_rects.get(e.dst) or self.rect(model, e.dst)
            else:
                r0 = self.rect(model, e.src)
                r1 = self.rect(model, e.dst)
            out.append(clip_line(r0, r1, EDGE_OFFSET if e.style != "service" else 0.0))
        return out

    # ------------------------------------------------------------------ sessions
    def to_dict(self, model: GraphModel | None = None) -> dict[str, Any]:
        return {
            "version": SESSION_VERSION,
            "positions": {k: [round(x, 2), round(y, 2)] for k, (x, y) in
                          sorted(self.positions.items())},
            "moved": sorted(self.moved),
            "expanded": sorted(model.expanded) if model is not None else [],
        }

    def load_dict(self, data: dict[str, Any], model: GraphModel | None = None) -> None:
        if not isinstance(data, dict) or data.get("version") != SESSION_VERSION:
            return
        pos = data.get("positions", {})
        self.positions = {str(k): (float(v[0]), float(v[1])) for k, v in pos.items()
                          if isinstance(v, list) and len(v) == 2}
        self.moved = {str(k) for k in data.get("moved", [])}
        if model is not None:
            model.expanded = {str(k) for k in data.get("expanded", []) if k in model.nodes}
        self._ns_cache = None

    def save(self, path: str | os.PathLike[str], model: GraphModel | None = None) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(model), indent=1), encoding="utf-8")
        tmp.replace(p)

    def load(self, path: str | os.PathLike[str], model: GraphModel | None = None) -> bool:
        """Read positions saved by ``save``; False (and nothing changed) when unreadable."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        self.load_dict(data, model)
        return True


def session_path(paths: Iterable[str | os.PathLike[str]], config_dir: str | None = None) -> Path:
    base = Path(config_dir) if config_dir else Path(
        os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "netviz"
    key = json.dumps(sorted(str(Path(p).resolve()) for p in paths))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return base / "sessions" / f"{digest}.json"


# ---------------------------------------------------------------------- default layout


def _inner(model: GraphModel, ns: str) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Member centres relative to the namespace box's top-left, and the box size."""
    members = model.namespaces[ns].members
    n = len(members)
    ncol = max(1, math.ceil(math.sqrt(n * 1.3)))
    nrow = max(1, math.ceil(n / ncol))
    pos = {}
    for i, k in enumerate(members):
        col, row = i % ncol, i // ncol
        dy = STAGGER * CELL_H if (col % 2 == 1 and nrow > 1) else 0.0
        pos[k] = (NS_PAD + col * CELL_W + CELL_W / 2,
                  NS_TITLE + NS_PAD + row * CELL_H + CELL_H / 2 + dy)
    w = 2 * NS_PAD + min(ncol, n or 1) * CELL_W
    h = NS_TITLE + 2 * NS_PAD + nrow * CELL_H + (STAGGER * CELL_H if nrow > 1 and n > 1 else 0)
    return pos, w, h


def default_positions(model: GraphModel, only: set[str] | None = None,
                      externals: bool = True) -> dict[str, tuple[float, float]]:
    """The deterministic layout: shelf-packed namespace grids, externals on the left."""
    boxes = []
    for ns, box in model.namespaces.items():
        if not box.members or (only is not None and ns not in only):
            continue
        pos, w, h = _inner(model, ns)
        boxes.append((ns, pos, w, h))
    area = sum((w + NS_GAP) * (h + NS_GAP) for _, _, w, h in boxes)
    widest = max((w for _, _, w, _ in boxes), default=0.0)
    row_width = max(widest, math.sqrt(area) * 1.5)
    order = sorted(boxes, key=lambda b: (-b[3], b[0]))
    out: dict[str, tuple[float, float]] = {}
    x = y = 0.0
    shelf_h = 0.0
    for _ns, pos, w, h in order:
        if x > 0 and x + w > row_width:
            x, y = 0.0, y + shelf_h + NS_GAP
            shelf_h = 0.0
        for k, (px, py) in pos.items():
            out[k] = (x + px, y + py)
        x += w + NS_GAP
        shelf_h = max(shelf_h, h)
    if externals:
        ew = NODE_SIZES["external"][0]
        for i, k in enumerate(model.externals):
            col, row = i // EXT_PER_COLUMN, i % EXT_PER_COLUMN
            out[k] = (-EXT_GAP_X - ew / 2 - col * (ew + 30), NS_TITLE + row * EXT_STEP_Y + 20)
    return out


# ---------------------------------------------------------------------- edge geometry


def clip_line(r0: Rect, r1: Rect, offset: float = 0.0) -> tuple[float, float, float, float]:
    """The segment between the centres of two rectangles, shifted ``offset`` to its right,
    cut at both borders (plus a 2-unit gap so that arrowheads do not touch the node)."""
    cx0, cy0 = r0[0] + r0[2] / 2, r0[1] + r0[3] / 2
    cx1, cy1 = r1[0] + r1[2] / 2, r1[1] + r1[3] / 2
    dx, dy = cx1 - cx0, cy1 - cy0
    length = math.hypot(dx, dy)
    if length < 1e-6:
        return (cx0, cy0, cx1, cy1)
    if offset:
        nx, ny = -dy / length * offset, dx / length * offset
        cx0, cy0, cx1, cy1 = cx0 + nx, cy0 + ny, cx1 + nx, cy1 + ny
    s0 = _exit(r0[2] / 2, r0[3] / 2, dx, dy)
    s1 = _exit(r1[2] / 2, r1[3] / 2, dx, dy)
    gap = 2.0 / length
    if s0 + s1 + 2 * gap >= 1.0:
        return (cx0, cy0, cx1, cy1)
    a, b = s0 + gap, 1.0 - s1 - gap
    return (cx0 + a * dx, cy0 + a * dy, cx0 + b * dx, cy0 + b * dy)


def _exit(hw: float, hh: float, dx: float, dy: float) -> float:
    sx = hw / abs(dx) if dx else math.inf
    sy = hh / abs(dy) if dy else math.inf
    return min(sx, sy)


def arrow_head(x0: float, y0: float, x1: float, y1: float, length: float = ARROW_LEN,
               half_width: float = ARROW_HALF_WIDTH) -> tuple[tuple[float, float], ...]:
    """Triangle (tip, left, right) at the (x1, y1) end of a segment."""
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    bx, by = x1 - ux * length, y1 - uy * length
    return ((x1, y1), (bx - uy * half_width, by + ux * half_width),
            (bx + uy * half_width, by - ux * half_width))

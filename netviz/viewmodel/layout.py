"""Where every box of the picture sits: layered, deterministic, stable, sized to its text.

The picture is a tree of boxes (``netviz.viewmodel.graph``: containers over leaves; Services
next to their backends). Every container lays its children out in **columns** (layers, as in a
Sugiyama layout): traffic reads left to right, from the outside world to entry workloads to
data stores. Rules this module keeps:

- **Elements.** A container's children are its elements; a leaf is wrapped in a *unit*: the
  leaf with the Services whose only backend it is stacked above it (and its pods below when
  expanded). A Service with several backends is an element of the smallest container holding
  them all; one with none, of its namespace.
- **Layers.** Per container, an element's column comes from the edges between its elements
  (longest path after breaking cycles; cycles broken by a deterministic Eades-Lin-Smyth order).
  In a container of namespaces, *infrastructure* (a namespace that almost every other one talks
  to, like DNS, or that talks to almost every other one, like monitoring) goes to a column of its
  own on the right, set apart by a wider gap. At the top level, external ranges the cluster only
  receives from go left, those it only sends to go right. A column taller than the container's
  target aspect (16:10) wraps into several. Within columns, elements are ordered by the
  barycenter heuristic (a few up/down sweeps) to cut crossings.
- **Gaps.** Columns are separated by vertical gaps, elements in a column by horizontal gaps, and
  every container has a ring gap inside its border (below its title band). Edges run only in
  gaps (``netviz.viewmodel.routing``), so no line ever passes through a box it does not connect;
  gap sizes come from the number of lines and labels that need them (``Layout.update`` routes
  twice: once to measure, once on the final geometry).
- **Sizes.** Every box is sized to its text, measured by the injected ``Measure``
  (``netviz.viewmodel.text``): nothing is shortened. A container is at least as wide as its title.
- **Deterministic and stable.** Same model, same picture. Positions are kept by the ``Layout``:
  a what-if edit (same nodes) never moves anything (only routes change, inside the existing gaps);
  a reload with the same nodes keeps everything; nodes the user dragged keep their place
  (``moved``), and edges reach them from their home slot with a straight connector. When the
  set of nodes changes the layout is computed again (dragged nodes still keep their place).
- Coordinates are scene units (pixels of the picture at scale 1), y down; a rectangle is
  ``(x, y, w, h)`` with (x, y) its top-left corner; a position is a node's centre.

Sessions: ``session_path(paths)`` is ``$XDG_CONFIG_HOME/netviz/sessions/<hash>.json``
(``~/.config`` by default), where ``<hash>`` is the first 16 hex digits of the SHA-256 of the
sorted absolute input paths. The file holds ``{"version": 2, "positions": {key: [x, y]},
"moved": [key, ...], "expanded": [key, ...]}`` (version 1 files, from before the layered
layout, are ignored); unknown keys in it are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netviz.model.keys import SERVICE_PREFIX
from netviz.viewmodel.cover import ROOT
from netviz.viewmodel.graph import GraphModel, Node, VisibleGraph
from netviz.viewmodel.text import Measure, approx_measure

Rect = tuple[float, float, float, float]  # x, y (top-left), width, height
#: routes a first arrangement and widens its gaps; True when some gap grew
Needs = Callable[["Structure", GraphModel, VisibleGraph, Measure], bool]

SESSION_VERSION = 2
UNIT = "unit:"

# box padding
LEAF_PAD_X = 10.0
LEAF_PAD_Y = 5.0
LEAF_MIN_W = 84.0
HEX_INSET = 11.0  # external nodes are hexagons: their text needs this much more on each side
PILL_PAD = 9.0  # Services are pills: round ends
UNIT_GAP = 7.0  # between a Service pill and its workload
PILL_GAP = 6.0  # between the pills of one workload
POD_STEP = 16.0
POD_MAX = 10  # pods drawn per expanded workload; more are summarised as "+N"
POD_ROW = 18.0
# gaps (minimums; ``update`` widens them to fit lines and labels)
RING = 14.0  # inside a container's border, left/right/bottom
TITLE_PAD = 6.0  # around a container's title text
CONTENT_TOP = 8.0  # between the title band and the first element
COL_GAP = 36.0  # between columns
ROW_GAP = 16.0  # between elements of a column
INFRA_GAP = 70.0  # before the infrastructure column
ROOT_MARGIN = 24.0
TRACK = 5.0  # spacing of parallel lines in a gap
TRACK_MIN = 2.0
ASPECT = 0.8  # width/height the boxes aim at (before the gaps widen for their lines: about 16:10 after)
BAND_MIN_WIDTH = 1400.0  # layers are stacked into bands only in containers wider than this
ARROW_LEN = 9.0
ARROW_HALF_WIDTH = 4.0


@dataclass
class Elem:
    """A box in a container's columns: a unit (leaf + its pills), a container or a Service."""

    key: str
    w: float = 0.0
    h: float = 0.0
    x: float = 0.0  # top-left, absolute
    y: float = 0.0
    col: int = 0


@dataclass
class Cont:
    """A container's layout: its elements in columns, and the gaps between them."""

    key: str
    elems: list[str] = field(default_factory=list)
    cols: list[list[str]] = field(default_factory=list)
    infra_from: int | None = None  # first column of the infrastructure (set apart)
    #: how many leading / trailing columns are fixed (external ranges the cluster only
    #: receives from / sends to): never merged with the layered ones
    n_first: int = 0
    n_last: int = 0
    #: its columns were wrapped into bands already (``_wrap_columns`` runs once)
    wrapped: bool = False
    #: extra width/height wanted by the router (index: vertical gap 0..K; (col, i) h-gaps)
    vgap_need: dict[int, float] = field(default_factory=dict)
    hgap_need: dict[tuple[int, int], float] = field(default_factory=dict)
    # geometry (absolute), filled by _place
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    title_h: float = 0.0
    title_w: float = 0.0
    colx: list[float] = field(default_factory=list)
    colw: list[float] = field(default_factory=list)
    #: vertical gaps: (x0, x1), index 0 = left ring .. K = right ring
    vgaps: list[tuple[float, float]] = field(default_factory=list)
    #: per column: free y intervals (above the first element, between, below the last)
    hgaps: list[list[tuple[float, float]]] = field(default_factory=list)
    top: float = 0.0  # content top (below the title band)
    bottom: float = 0.0  # content bottom (the ring gap below it is free too)


@dataclass
class Structure:
    """The layered arrangement of one model: what ``Layout`` keeps between updates."""

    conts: dict[str, Cont]
    elems: dict[str, Elem]
    #: node key -> the element key holding it (a leaf: its unit; a pill: its workload's unit)
    elem_of: dict[str, str]
    #: element key -> container key
    cont_of: dict[str, str]
    #: leaf key -> Service keys stacked above it (its pills)
    pills: dict[str, list[str]]
    #: node key -> its box (absolute)
    rects: dict[str, Rect] = field(default_factory=dict)
    #: container key -> title band (absolute)
    titles: dict[str, Rect] = field(default_factory=dict)
    signature: tuple[object, ...] = ()
    measure: Measure = approx_measure
    sizes: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: routing plans by (source, target, style): they depend on the columns only
    plans: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    #: node key -> the element keys holding it, outermost first
    chains: dict[str, list[str]] = field(default_factory=dict)
    #: what routing derived from ``plans`` for the edges it routed last (``routing._Topology``)
    routed: Any = None
    #: top-level leaf key -> (column, x, y, w, h) of the box a patch removed (``_patch``): the
    #: same key coming back (an undone what-if edit) goes back there while the spot is free
    holes: dict[str, tuple[int, float, float, float, float]] = field(default_factory=dict)

    def size(self, model: GraphModel, key: str) -> tuple[float, float]:
        got = self.sizes.get(key)
        if got is None:
            got = box_size(model.nodes[key], self.measure)
            self.sizes[key] = got
        return got


def node_text(node: Node) -> tuple[str, str]:
    """The two texts of a box: name (may be several lines) and subtitle."""
    return node.label, node.subtitle


def box_size(node: Node, measure: Measure) -> tuple[float, float]:
    name, sub = node_text(node)
    nw, nh = measure(name, "name")
    sw, sh = measure(sub, "sub") if sub else (0.0, 0.0)
    w = max(nw, sw) + 2 * LEAF_PAD_X
    if node.kind in ("external", "destination"):
        w += 2 * HEX_INSET
    elif node.kind == "service":
        w += 2 * PILL_PAD
    h = nh + sh + 2 * LEAF_PAD_Y
    return (max(LEAF_MIN_W, math.ceil(w)), math.ceil(h))


def title_text(node: Node) -> str:
    if node.kind == "namespace":
        return f"namespace {node.label}"
    return node.label


class Layout:
    """Positions of the picture's boxes, kept across updates (see the module doc)."""

    def __init__(self, measure: Measure | None = None) -> None:
        self.measure: Measure = measure or approx_measure
        #: user-moved node centres (leaves, pills, containers)
        self._moved_pos: dict[str, tuple[float, float]] = {}
        self.moved: set[str] = set()
        self.structure: Structure | None = None
        self._model: GraphModel | None = None
        self._saved_expanded: set[str] | None = None

    # ------------------------------------------------------------------ placing
    def update(self, model: GraphModel, visible: VisibleGraph | None = None,
               force: bool = False, needs: Needs | None = None) -> Structure:
        """Lay ``model`` out, or keep the current arrangement when its nodes are the same
        (what-if edits, reloads of the same nodes). Returns the structure.

        ``needs`` (``netviz.viewmodel.routing.measure_needs``) routes the edges once on the
        first arrangement and records how wide the gaps must be for their lines and labels;
        the arrangement is then placed again with those gaps."""
        shut = visible.collapsed if visible is not None else frozenset()
        sig = _signature(model, shut)
        if (self.structure is not None and self.structure.signature == sig and not force):
            self._model = model
            return self.structure
        if (self.structure is not None and not force and self._saved_expanded is None
                and self._model is not None
                and _patch(self.structure, self._model, model, visible, sig)):
            # a what-if edit that added or removed external ranges: the same arrangement,
            # patched (nothing moves)
            self._model = model
            return self.structure
        if self._saved_expanded is not None:
            model.expanded = {k for k in self._saved_expanded if k in model.nodes}
            self._saved_expanded = None
            sig = _signature(model, shut)
        vis = visible if visible is not None else model.view()
        prev = self.structure if not force else None
        st = _build(model, vis, self.measure, prev)
        st.signature = sig
        _size_and_place(st, model)
        if needs is not None and needs(st, model, vis, self.measure):
            _size_and_place(st, model)
        self.structure = st
        self._model = model
        return st

    def reset(self, model: GraphModel) -> None:
        """Forget every user move and lay ``model`` out afresh."""
        self._moved_pos.clear()
        self.moved.clear()
        self.update(model, force=True)

    def move(self, key: str, x: float, y: float) -> None:
        """The user moved a node (its centre is now at (x, y))."""
        self._moved_pos[key] = (x, y)
        self.moved.add(key)

    def move_namespace(self, model: GraphModel, ns: str, dx: float, dy: float) -> None:
        """Move every node inside container ``ns`` (a namespace name or a container key)."""
        key = ns if ns in model.nodes else "ns:" + ns
        st = self.structure
        if st is None:
            return
        inside = [k for k in st.rects if k == key or _inside(model, k, key)]
        for k in inside:
            x, y = self.centre(model, k)
            self.move(k, x + dx, y + dy)

    # ------------------------------------------------------------------ geometry
    def home(self, key: str) -> Rect | None:
        """Where ``key`` sits in the arrangement (its place before any user move)."""
        st = self.structure
        return None if st is None else st.rects.get(key)

    def rect(self, model: GraphModel, key: str) -> Rect:
        st = self.structure
        if st is None or key not in st.rects:
            st = self.update(model)
        x, y, w, h = st.rects[key]
        if key in self.moved:
            cx, cy = self._moved_pos[key]
            return (cx - w / 2, cy - h / 2, w, h)
        return (x, y, w, h)

    def centre(self, model: GraphModel, key: str) -> tuple[float, float]:
        return _centre(self.rect(model, key))

    @property
    def positions(self) -> dict[str, tuple[float, float]]:
        """Every box's centre, moved or not (a copy)."""
        st = self.structure
        out = {k: _centre(r) for k, r in st.rects.items()} if st is not None else {}
        for k in self.moved:
            out[k] = self._moved_pos[k]
        return out

    all_positions = positions

    def namespace_rect(self, model: GraphModel, ns: str,
                       visible: set[str] | None = None) -> Rect | None:
        st = self.structure
        if st is None or "ns:" + ns not in st.rects:
            return None
        return self.rect(model, "ns:" + ns)

    def namespace_rects(self, model: GraphModel, visible: set[str] | None = None,
                        names: Iterable[str] | None = None) -> dict[str, Rect]:
        out = {}
        for ns in names if names is not None else model.namespaces:
            r = self.namespace_rect(model, ns, visible)
            if r is not None:
                out[ns] = r
        return out

    def pod_positions(self, model: GraphModel, key: str) -> list[tuple[float, float]]:
        """Centres of the pod chips of an expanded workload (a row under it)."""
        n = min(len(model.pods_of.get(key, [])), POD_MAX)
        x, y, w, h = self.rect(model, key)
        y_row = y + h + POD_ROW / 2 + 1
        x_start = x + 8
        return [(x_start + i * POD_STEP, y_row) for i in range(n)]

    def bounds(self, model: GraphModel, visible: Sequence[str] | None = None) -> Rect:
        st = self.structure
        if st is None or not st.rects:
            return (0.0, 0.0, 1.0, 1.0)
        keys = list(st.rects) if visible is None else [k for k in visible if k in st.rects]
        rects = [self.rect(model, k) for k in keys] or [(0.0, 0.0, 1.0, 1.0)]
        x0 = min(r[0] for r in rects)
        y0 = min(r[1] for r in rects)
        x1 = max(r[0] + r[2] for r in rects)
        y1 = max(r[1] + r[3] for r in rects)
        return (x0, y0, x1 - x0, y1 - y0)

    # ------------------------------------------------------------------ sessions
    def to_dict(self, model: GraphModel | None = None) -> dict[str, Any]:
        return {
            "version": SESSION_VERSION,
            "positions": {k: [round(x, 2), round(y, 2)] for k, (x, y) in
                          sorted(self._moved_pos.items()) if k in self.moved},
            "moved": sorted(self.moved),
            "expanded": sorted(model.expanded) if model is not None else [],
        }

    def load_dict(self, data: dict[str, Any], model: GraphModel | None = None) -> None:
        if not isinstance(data, dict) or data.get("version") != SESSION_VERSION:
            return
        pos = data.get("positions", {})
        moved = {str(k) for k in data.get("moved", [])}
        self._moved_pos = {str(k): (float(v[0]), float(v[1])) for k, v in pos.items()
                           if isinstance(v, list) and len(v) == 2 and str(k) in moved}
        self.moved = set(self._moved_pos)
        expanded = {str(k) for k in data.get("expanded", [])}
        if model is not None:
            model.expanded = {k for k in expanded if k in model.nodes}
        else:
            self._saved_expanded = expanded


#: the gap before a column of boxes added by an edit (``_patch``): at least this wide
PATCH_GAP = 60.0
#: and at most this wide (the lines squeeze together beyond)
PATCH_GAP_MAX = 420.0


def _patch(st: Structure, old: GraphModel, model: GraphModel, vis: VisibleGraph | None,
           sig: tuple[object, ...]) -> bool:
    """Patch the arrangement ``st`` of ``old`` for ``model`` when the only difference is leaves
    gone (and containers gone with them, never a namespace) and leaves new at the top level
    (a what-if edit that cut the external ranges anew: ``GraphModel.updated`` puts a new
    external leaf, or one whose ranges changed, at the top level), and nodes of the path from
    outside gone or new (an edit changes what gets through). Every other box keeps its
    place (a gone box leaves a hole); the new leaves are stacked in a new column right of
    everything, after a gap wide enough for their lines. False (and ``st`` untouched) when
    the models differ otherwise: then the layout is made again."""
    if sig[2:] != st.signature[2:] or old.options != model.options:
        return False
    before, after = set(st.signature[0]), set(sig[0])  # type: ignore[call-overload]
    gone = before - after
    tree = model.tree
    # leaves that joined the top level (new, or other ranges under an old key)
    placed = {k for k in after - before}
    old_parent = dict(st.signature[1])  # type: ignore[call-overload]
    for k, p in sig[1]:  # type: ignore[attr-defined]
        op = old_parent.get(k)
        if op is not None and op != p:
            if p != ROOT or k not in tree.index:
                return False
            placed.add(k)
    for k in placed:
        if k in model.outside_keys:
            continue  # the path from outside (an edit changes what gets through)
        if k not in tree.index or tree.parent.get(k) != ROOT \
                or model.nodes[k].kind == "service":
            return False
    for k in gone:
        if k.startswith("ns:") or k.startswith(SERVICE_PREFIX) or (
                k not in old.tree.lo and k not in old.outside_keys):
            return False
    # a kept box whose text no longer fits: placed anew when at the top level (another
    # node under an old key), else the layout is made again
    for k in after & before:
        if k in placed or k in st.conts or k not in st.rects:
            continue
        n, o = model.nodes[k], old.nodes.get(k)
        if o is None or n is o or (n.label, n.subtitle) == (o.label, o.subtitle):
            continue
        w, h = box_size(n, st.measure)
        if w > st.rects[k][2] or h > st.rects[k][3]:
            if tree.parent.get(k) != ROOT or k not in tree.index:
                return False
            placed.add(k)
    # the patch
    for k in gone | placed:
        ek = st.elem_of.pop(k, None)
        st.rects.pop(k, None)
        st.titles.pop(k, None)
        st.sizes.pop(k, None)
        if ek is None:
            continue
        c = st.cont_of.pop(ek, None)
        el = st.elems.pop(ek, None)
        if c == ROOT and el is not None:
            st.holes[k] = (el.col, el.x, el.y, el.w, el.h)
        if c is not None and c in st.conts:
            cont = st.conts[c]
            if ek in cont.elems:
                cont.elems.remove(ek)
            for col in cont.cols:
                if ek in col:
                    col.remove(ek)  # the column keeps its index (the routes' plans use it)
        st.conts.pop(k, None)
    st.chains.clear()
    drop = gone | placed
    if drop:
        plans = st.plans
        for key in [key for key in plans if key[0] in drop or key[1] in drop]:
            del plans[key]
    rest = [k for k in sorted(placed, key=lambda k: (tree.index.get(k, -1), k))
            if not _refill(st, model, k)]
    if rest:
        _add_column(st, model, vis, rest)
    st.signature = sig
    return True


def _refill(st: Structure, model: GraphModel, key: str) -> bool:
    """Put the top-level leaf ``key`` back where a patch removed it (``Structure.holes``:
    an undone what-if edit brings back the external box it split), when its box has the
    same size and nothing else took the spot; else False (it goes to a new column). The
    spot is out of the column's gaps (the router never ran a line through it), so kept
    lines stay clear of the box."""
    hole = st.holes.get(key)
    c = st.conts[ROOT]
    if hole is None or hole[0] >= len(c.cols):
        return False
    col, x, y, w, h = hole
    if st.size(model, key) != (w, h):
        return False
    for other in c.cols[col]:
        o = st.elems[other]
        if o.x < x + w and x < o.x + o.w and o.y < y + h and y < o.y + o.h:
            return False
    ek = key if key in model.outside_keys else UNIT + key
    el = Elem(ek, w, h, x, y, col)
    st.elems[ek] = el
    st.elem_of[key] = ek
    st.cont_of[ek] = ROOT
    c.elems.append(ek)
    units = c.cols[col]
    at = sum(1 for e in units if st.elems[e].y < y)
    units.insert(at, ek)
    del st.holes[key]
    _place_elem(el, st, model)
    return True


def _add_column(st: Structure, model: GraphModel, vis: VisibleGraph | None,
                keys: list[str]) -> None:
    """Stack the leaves ``keys`` in a new column of the top level, right of everything."""
    c = st.conts[ROOT]
    k = len(c.cols)
    units = []
    for key in keys:
        ek = key if key in model.outside_keys else UNIT + key
        w, h = st.size(model, key)
        el = Elem(ek, w, h)
        st.elems[ek] = el
        st.elem_of[key] = ek
        st.cont_of[ek] = ROOT
        c.elems.append(ek)
        units.append(ek)
    # the gap before the column: room for the lines of the new leaves and a label
    lines = 0
    label_w = 0.0
    if vis is not None:
        keyset = set(keys)
        for edge in vis.edges:
            if edge.src in keyset or edge.dst in keyset:
                lines += 1
                if edge.label:
                    label_w = max(label_w, st.measure(edge.label, "label")[0])
    x0, x1 = c.vgaps[k]
    want = min(PATCH_GAP_MAX, max(PATCH_GAP, TRACK * (lines + 2) + (label_w + 14 if label_w
                                                                      else 0.0)))
    x1 = max(x1, x0 + want)
    c.vgaps[k] = (x0, x1)
    colw = max(st.elems[e].w for e in units)
    c.colx.append(x1)
    c.colw.append(colw)
    right = x1 + colw
    c.vgaps.append((right, right + COL_GAP))
    c.cols.append(units)
    c.w = c.vgaps[-1][1] - c.x
    # stacked from the middle of the top level's height (from its top when taller)
    n = len(units)
    h = sum(st.elems[e].h for e in units) + ROW_GAP * (n + 1)
    yy = c.top + max(0.0, (c.bottom - c.top - h) / 2)
    gaps: list[tuple[float, float]] = []
    prev = c.top
    for e in units:
        yy += ROW_GAP
        el = st.elems[e]
        el.col = k
        el.x = x1 + (colw - el.w) / 2
        el.y = yy
        gaps.append((prev, yy))
        prev = yy + el.h
        yy += el.h
        _place_elem(el, st, model)
    if prev + ROW_GAP > c.bottom:
        c.bottom = prev + ROW_GAP
        c.h = c.bottom - c.top
    gaps.append((prev, c.bottom))
    c.hgaps.append(gaps)


def _centre(r: Rect) -> tuple[float, float]:
    return (r[0] + r[2] / 2, r[1] + r[3] / 2)


def _inside(model: GraphModel, key: str, container: str) -> bool:
    tree = model.tree
    if key in tree.parent or key in tree.lo:
        return container in tree.ancestors(key)
    if key.startswith(SERVICE_PREFIX):
        node = model.nodes.get(key)
        if node is None:
            return False
        backends = model.service_backends.get(key, ())
        if backends:
            return all(container in tree.ancestors(b) for b in backends)
        return container == "ns:" + (node.namespace or "")
    return False


def _signature(model: GraphModel, collapsed: frozenset[str] = frozenset()
               ) -> tuple[object, ...]:
    """What the arrangement depends on: the nodes, the tree, the expanded workloads and the
    collapsed containers."""
    t = model.tree
    return (tuple(sorted(model.nodes)), tuple(sorted(t.parent.items())),
            tuple(sorted(model.expanded)), model.options.show_services, tuple(sorted(collapsed)))


# ---------------------------------------------------------------------- building


def _build(model: GraphModel, vis: VisibleGraph, measure: Measure,
           prev: Structure | None = None) -> Structure:
    tree = model.tree
    conts: dict[str, Cont] = {}
    elems: dict[str, Elem] = {}
    elem_of: dict[str, str] = {}
    cont_of: dict[str, str] = {}
    pills: dict[str, list[str]] = {}
    # what a collapsed container holds is not drawn (semantic zoom): the box stays, empty
    shut = vis.collapsed & tree.containers
    inside_shut = {k for c in shut for k in tree.nodes_under(c)} if shut else set()
    for k in tree.nodes():
        if k in tree.containers and k not in inside_shut:
            conts[k] = Cont(k)
    # leaves and containers: elements of their parent container
    for k in tree.nodes():
        if k == ROOT or k in inside_shut:
            continue
        parent = tree.parent[k]
        if k in tree.containers:
            ek = k
        else:
            ek = UNIT + k
            elem_of[k] = ek
        elems[ek] = Elem(ek)
        cont_of[ek] = parent
        conts[parent].elems.append(ek)
        if k in tree.containers:
            elem_of[k] = k
    # Services
    if model.options.show_services:
        for skey, backends in model.service_backends.items():
            if skey not in model.nodes:
                continue
            node = model.nodes[skey]
            if inside_shut and ("ns:" + (node.namespace or "") in shut
                                or not inside_shut.isdisjoint(backends)):
                continue
            if len(backends) == 1 and backends[0] in elem_of:
                pills.setdefault(backends[0], []).append(skey)
                elem_of[skey] = elem_of[backends[0]]
                continue
            if backends:
                home = backends[0]
                for b in backends[1:]:
                    home = tree.lca(home, b)
                home = home if home in tree.containers else tree.parent.get(home, ROOT)
            else:
                home = "ns:" + (node.namespace or "")
                if home not in conts:
                    home = ROOT
            elems[skey] = Elem(skey)
            elem_of[skey] = skey
            cont_of[skey] = home
            conts[home].elems.append(skey)
    # the path from outside: the outside, the entry points and the destinations are boxes of
    # the top level (left: the outside, then the entry points; right: the destinations)
    for n in model.outside.nodes:
        if n.key in model.nodes:
            elems[n.key] = Elem(n.key)
            elem_of[n.key] = n.key
            cont_of[n.key] = ROOT
            conts[ROOT].elems.append(n.key)
    st = Structure(conts, elems, elem_of, cont_of, pills, measure=measure)
    _assign_columns(st, model, vis, prev)
    return st


def _element_edges(st: Structure, model: GraphModel, vis: VisibleGraph,
                   entries: dict[str, int] | None = None
                   ) -> dict[str, dict[tuple[str, str], int]]:
    """Per container, weighted edges between its elements (from the drawn edges); counts
    in ``entries`` the edges from the outside world (external ranges, ingress) into each
    element."""
    out: dict[str, dict[tuple[str, str], int]] = {}
    entries = entries if entries is not None else {}
    chains: dict[str, list[str]] = {}

    def chain(key: str) -> list[str]:
        """Element keys holding ``key``, outermost first."""
        got = chains.get(key)
        if got is None:
            e = st.elem_of.get(key)
            got = []
            while e is not None and e != ROOT:
                got.append(e)
                c = st.cont_of.get(e)
                e = c if c is not None and c != ROOT else None
            got.reverse()
            chains[key] = got
        return got

    outside = {k for k, n in model.nodes.items()
               if n.kind in ("external", "ingress-controller", "peer", "outside", "entry")}
    # per source: whether all its traffic comes from the outside world (~85,000 edges from
    # ~5,000 sources at 5,000 workloads); per pair of boxes: the elements where their chains
    # part (None when one holds the other)
    from_outside: dict[str, bool] = {}
    parting: dict[tuple[str, str], tuple[str, str, str] | None] = {}
    for e in vis.edges:
        if e.style == "service":
            continue
        src = e.src
        ext = from_outside.get(src)
        if ext is None:
            ext = from_outside[src] = (src in outside
                                       or all(x in outside for x in model.leaves_of(src)))
        if ext:
            for el in chain(e.dst):
                entries[el] = entries.get(el, 0) + 1
        got = parting.get((src, e.dst), _UNSEEN)
        if got is _UNSEEN:
            a, b = chain(src), chain(e.dst)
            # the first level where they differ
            i = 0
            while i < len(a) and i < len(b) and a[i] == b[i]:
                i += 1
            got = None if i >= len(a) or i >= len(b) else (st.cont_of[a[i]], a[i], b[i])
            parting[(src, e.dst)] = got
        if got is None:
            continue  # one contains the other
        cont, ea, eb = got
        # a port-specific edge says more about the direction of traffic than "everything"
        w = 2 if e.style in ("partial", "added", "changed") else 1
        d = out.setdefault(cont, {})
        d[(ea, eb)] = d.get((ea, eb), 0) + w
    return out


_UNSEEN: Any = object()


def _assign_columns(st: Structure, model: GraphModel, vis: VisibleGraph,
                   prev: Structure | None = None) -> None:
    entries: dict[str, int] = {}
    edges = _element_edges(st, model, vis, entries)
    for key, cont in st.conts.items():
        if prev is not None and key in prev.conts and _keep_columns(cont, prev.conts[key], st,
                                                                    edges.get(key, {})):
            continue
        es = edges.get(key, {})
        elems = cont.elems
        if not elems:
            cont.cols = []
            continue
        order = {e: i for i, e in enumerate(elems)}
        infra: list[str] = []
        fixed_first: list[str] = []
        fixed_last: list[str] = []
        if _holds_namespaces(st, key, model):
            infra = _infrastructure(st, key, model)
        first_col: list[str] = []
        if key == ROOT:
            # the weight of the edges into and out of each element (one pass, not one per
            # element: the root holds thousands of external ranges at scale)
            ins_of: dict[str, int] = {}
            outs_of: dict[str, int] = {}
            for (s, d), w in es.items():
                ins_of[d] = ins_of.get(d, 0) + w
                outs_of[s] = outs_of.get(s, 0) + w
            infra_set = set(infra)
            for e in elems:
                kind = _elem_kind(st, model, e)
                if kind == "outside":
                    first_col.append(e)
                    continue
                if kind == "entry":
                    fixed_first.append(e)
                    continue
                if kind == "destination":
                    fixed_last.append(e)
                    continue
                if kind in ("external", "peer", "group", "ingress-controller") \
                        and e not in infra_set:
                    ins = ins_of.get(e, 0)
                    outs = outs_of.get(e, 0)
                    if outs and not ins:
                        fixed_first.append(e)
                    elif ins and not outs:
                        fixed_last.append(e)
                    elif kind != "group":
                        fixed_first.append(e)
        placed = {*infra, *fixed_first, *fixed_last, *first_col}
        free = [e for e in elems if e not in placed]
        free_set = set(free)
        rank = _layers(free, {k: w for k, w in es.items()
                              if k[0] in free_set and k[1] in free_set}, order, entries)
        ncols = (max(rank.values()) + 1) if rank else 0
        cols: list[list[str]] = [[] for _ in range(ncols)]
        for e in free:
            cols[rank[e]].append(e)
        if fixed_first:
            cols.insert(0, fixed_first)
        if first_col:
            cols.insert(0, first_col)
        if fixed_last:
            cols.append(fixed_last)
        cols = [c for c in cols if c]
        infra_from = None
        if infra:
            infra_from = len(cols)
            cols.append(infra)
        cont.cols = cols
        cont.infra_from = infra_from
        cont.n_first = (1 if fixed_first else 0) + (1 if first_col else 0)
        cont.n_last = 1 if fixed_last else 0
        _order_columns(cont, es, order)


def _keep_columns(cont: Cont, old: Cont, st: Structure,
                  edges: dict[tuple[str, str], int]) -> bool:
    """Re-use a container's previous columns (a reload that changed some nodes): elements
    that were there keep their column and order; new ones join the column their
    predecessors point to (or the last). False when nothing of the old arrangement is left."""
    kept = [[e for e in col if e in cont.elems] for col in old.cols]
    if not any(kept):
        return False
    placed = {e for col in kept for e in col}
    col_of = {e: i for i, col in enumerate(kept) for e in col}
    for e in cont.elems:
        if e in placed:
            continue
        preds = [col_of[s] for (s, d) in edges if d == e and s in col_of]
        succs = [col_of[d] for (s, d) in edges if s == e and d in col_of]
        if preds:
            ci = min(max(preds) + 1, len(kept) - 1)
        elif succs:
            ci = max(min(succs) - 1, 0)
        else:
            ci = len(kept) - 1 if old.infra_from is None else max(0, old.infra_from - 1)
        kept[ci].append(e)
        col_of[e] = ci
    cont.cols = [c for c in kept if c]
    cont.infra_from = old.infra_from if old.infra_from is not None and all(kept) else None
    cont._wrapped = True  # type: ignore[attr-defined]
    return True


def _elem_kind(st: Structure, model: GraphModel, e: str) -> str:
    if e.startswith(UNIT):
        return model.nodes[e[len(UNIT):]].kind
    n = model.nodes.get(e)
    return n.kind if n is not None else "group"


def _holds_namespaces(st: Structure, key: str, model: GraphModel) -> bool:
    return sum(1 for e in st.conts[key].elems if e.startswith("ns:")) >= 4


def _infrastructure(st: Structure, key: str, model: GraphModel) -> list[str]:
    """Namespaces that nearly every other namespace of the container reaches, or that reach
    nearly every other one (by pairs, whatever the edges' grouping)."""
    nss = [e for e in st.conts[key].elems if e.startswith("ns:")]
    tree, m = model.tree, model.m
    spans = [(tree.lo[k], tree.hi[k]) for k in nss]
    n = len(nss)
    reach = np.zeros((n, n), dtype=bool)
    b0s = np.array([b0 for b0, _ in spans], dtype=np.int64)
    b1s = np.array([b1 for _, b1 in spans], dtype=np.int64)
    other = b1s > b0s
    for i, (a0, a1) in enumerate(spans):
        if a1 <= a0:
            continue
        anycol = np.asarray((m[a0:a1, :] > 0).any(axis=0), dtype=bool).ravel()
        # whether any column in [b0, b1) is set, for every namespace at once: a prefix count
        counts = np.concatenate(([0], np.cumsum(anycol, dtype=np.int64)))
        top = anycol.size
        lo, hi = np.minimum(b0s, top), np.minimum(np.maximum(b1s, b0s), top)
        hit = other & (counts[hi] - counts[lo] > 0)
        hit[i] = False
        reach[i, :] = hit
    out = []
    need = max(3, math.ceil(0.75 * (n - 1)))
    for i, k in enumerate(nss):
        if reach[:, i].sum() >= need or reach[i, :].sum() >= need:
            out.append(k)
    if len(out) > n // 3:
        return []  # everything talks to everything: nothing is "infrastructure"
    return out


def _layers(elems: list[str], edges: dict[tuple[str, str], int],
            order: dict[str, int], entry: dict[str, int] | None = None) -> dict[str, int]:
    """Longest-path layers after removing cycles. Cycles are broken by a depth-first search
    that starts at the entry points (elements the outside world reaches), then at sources,
    and follows heavier edges first; the edges back to an element on the search path are
    the ones reversed. Deterministic."""
    if not elems:
        return {}
    entry = entry or {}
    succ: dict[str, dict[str, int]] = {e: {} for e in elems}
    pred: dict[str, dict[str, int]] = {e: {} for e in elems}
    for (s, d), w in edges.items():
        if s == d or s not in succ or d not in succ:
            continue
        succ[s][d] = succ[s].get(d, 0) + w
        pred[d][s] = pred[d].get(s, 0) + w
    inw = {e: sum(pred[e].values()) for e in elems}
    outw = {e: sum(succ[e].values()) for e in elems}
    starts = sorted(elems, key=lambda e: (-entry.get(e, 0), inw[e] > 0,
                                          -(outw[e] - inw[e]), order[e]))
    state: dict[str, int] = {}  # 1 on the path, 2 done
    dag: dict[str, list[str]] = {e: [] for e in elems}
    for root in starts:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [
            (root, sorted(succ[root], key=lambda d: (-succ[root][d], order[d])))]
        state[root] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                continue
            d = todo.pop(0)
            if state.get(d) == 1:
                continue  # a back edge: reversed (dropped from the layering)
            dag[node].append(d)
            if d not in state:
                state[d] = 1
                nxt = succ[d]
                stack.append((d, sorted(nxt, key=lambda x: (-nxt[x], order[x]))))
    # longest path on the DAG (Kahn order)
    indeg = {e: 0 for e in elems}
    for ds in dag.values():
        for d in ds:
            indeg[d] += 1
    queue = sorted((e for e in elems if indeg[e] == 0), key=order.__getitem__)
    rank = {e: 0 for e in elems}
    seq: list[str] = []
    while queue:
        e = queue.pop(0)
        seq.append(e)
        for d in dag[e]:
            rank[d] = max(rank[d], rank[e] + 1)
            indeg[d] -= 1
            if indeg[d] == 0:
                queue.append(d)
    # a source with no entry is pushed right, to just before its earliest successor (the
    # DAG has no self-loops: an element with a predecessor is some element's successor)
    has_pred = {d for ds in dag.values() for d in ds}
    for e in reversed(seq):
        if dag[e] and e not in has_pred and not entry.get(e):
            rank[e] = max(rank[e], min(rank[d] for d in dag[e]) - 1)
    return rank


def _order_columns(cont: Cont, edges: dict[tuple[str, str], int],
                   order: dict[str, int]) -> None:
    """Barycenter sweeps; ties keep the model order."""
    cols = cont.cols
    if len(cols) < 2:
        for c in cols:
            c.sort(key=order.__getitem__)
        return
    nbr: dict[str, list[tuple[str, int]]] = {}
    for (s, d), w in edges.items():
        nbr.setdefault(s, []).append((d, w))
        nbr.setdefault(d, []).append((s, w))
    for c in cols:
        c.sort(key=order.__getitem__)

    def place(c: list[str]) -> None:
        for i, e in enumerate(c):
            pos[e] = i / max(1, len(c) - 1) if len(c) > 1 else 0.5

    # every element's relative place in its column, kept up to date as columns are sorted
    pos: dict[str, float] = {}
    for c in cols:
        place(c)
    for sweep in range(4):
        rng = range(1, len(cols)) if sweep % 2 == 0 else range(len(cols) - 2, -1, -1)
        for ci in rng:
            ref = cols[ci - 1] if sweep % 2 == 0 else cols[ci + 1]
            refset = set(ref)

            def bary(e: str, refset: set[str] = refset, pos: dict[str, float] = pos) -> float:
                ws = [(pos[o], w) for o, w in nbr.get(e, ()) if o in refset]
                if not ws:
                    ws = [(pos[o], w) for o, w in nbr.get(e, ()) if o in pos]
                if not ws:
                    return pos[e]
                return sum(p * w for p, w in ws) / sum(w for _, w in ws)

            cols[ci].sort(key=lambda e: (round(bary(e), 6), order[e]))
            place(cols[ci])


# ---------------------------------------------------------------------- sizes and positions


def _size_and_place(st: Structure, model: GraphModel) -> None:
    """Sizes bottom-up (wrapping tall columns), then positions top-down."""
    tree = model.tree
    measure = st.measure
    order = [k for k in tree.nodes() if k in st.conts]
    st.rects = {}
    st.titles = {}
    # leaf units and Services
    for ek, el in st.elems.items():
        if ek.startswith(UNIT):
            leaf = ek[len(UNIT):]
            w, h = st.size(model, leaf)
            pills = st.pills.get(leaf, [])
            if pills:
                # the Services whose only backend it is: a row above it (a pill with
                # siblings on an edge's side is entered from above: netviz.viewmodel.routing)
                sizes = [st.size(model, p) for p in pills]
                w = max(w, sum(pw for pw, _ in sizes) + PILL_GAP * (len(sizes) - 1))
                h += max(ph for _, ph in sizes) + UNIT_GAP
            if leaf in model.expanded:
                h += POD_ROW + 2
            el.w, el.h = w, h
        elif ek.startswith(SERVICE_PREFIX) or ek in model.outside_keys:
            el.w, el.h = st.size(model, ek)
    for ck in reversed(order):
        c = st.conts[ck]
        _wrap_columns(c, st)
        _size_container(c, st, model, measure)
        if ck != ROOT:
            st.elems[ck].w, st.elems[ck].h = c.w, c.h
    root = st.conts[ROOT]
    _place_container(root, st, ROOT_MARGIN, ROOT_MARGIN, model)


def _title_h(measure: Measure) -> float:
    return math.ceil(measure("Ag", "title")[1] + 2 * TITLE_PAD)


def _wrap_columns(c: Cont, st: Structure) -> None:
    """Keep a container about 16:10: many short layers are stacked into bands (consecutive
    layers, in order, so traffic still reads left to right), and a column much taller than
    the container is wide is split."""
    if not c.cols or c.wrapped:
        return
    c.wrapped = True

    def height(col: list[str]) -> float:
        return sum(st.elems[e].h + ROW_GAP for e in col)

    def width(col: list[str]) -> float:
        return max((st.elems[e].w for e in col), default=0.0) + COL_GAP

    area = sum((st.elems[e].w + COL_GAP) * (st.elems[e].h + ROW_GAP)
               for col in c.cols for e in col)
    target_h = max(math.sqrt(area / ASPECT), 200.0)
    target_w = target_h * ASPECT
    infra_at = c.infra_from if c.infra_from is not None else len(c.cols)
    head = c.cols[:c.n_first]
    free = c.cols[c.n_first:infra_at - c.n_last] if infra_at - c.n_last > c.n_first else []
    tail = c.cols[max(c.n_first, infra_at - c.n_last):infra_at]
    infra = c.cols[infra_at:]
    free_w = sum(width(col) for col in free)
    if len(free) >= 3 and free_w > max(target_w * 1.3, BAND_MIN_WIDTH):
        bands: list[list[str]] = []
        cur: list[str] = []
        for col in free:
            if cur and height(cur) + height(col) > target_h:
                bands.append(cur)
                cur = []
            cur = cur + col
        if cur:
            bands.append(cur)
        free = bands
    out: list[list[str]] = []
    for col in head + free + tail:
        h = height(col)
        if h <= target_h * 1.25 or len(col) < 3:
            out.append(col)
            continue
        parts = max(2, math.ceil(h / target_h))
        per = h / parts
        cur = []
        acc = 0.0
        made = 0
        for e in col:
            eh = st.elems[e].h + ROW_GAP
            if cur and acc + eh > per * 1.08 and made < parts - 1:
                out.append(cur)
                made += 1
                cur, acc = [], 0.0
            cur.append(e)
            acc += eh
        if cur:
            out.append(cur)
    c.infra_from = len(out) if infra else None
    c.cols = out + infra


def _vgap(c: Cont, i: int) -> float:
    k = len(c.cols)
    base = RING if i in (0, k) else COL_GAP
    if c.key == ROOT and i in (0, k):
        base = 0.0
    if c.infra_from is not None and i == c.infra_from and 0 < i < k:
        base = INFRA_GAP
    return max(base, c.vgap_need.get(i, 0.0))


def _hgap(c: Cont, col: int, i: int, n: int) -> float:
    base = ROW_GAP if 0 < i < n else 0.0
    return max(base, c.hgap_need.get((col, i), 0.0))


def _size_container(c: Cont, st: Structure, model: GraphModel, measure: Measure) -> None:
    k = len(c.cols)
    c.colw = [max((st.elems[e].w for e in col), default=0.0) for col in c.cols]
    heights = []
    for ci, col in enumerate(c.cols):
        h = sum(st.elems[e].h for e in col)
        h += sum(_hgap(c, ci, i, len(col)) for i in range(len(col) + 1))
        heights.append(h)
    content_h = max(heights, default=0.0)
    width = sum(c.colw) + sum(_vgap(c, i) for i in range(k + 1))
    if c.key == ROOT:
        c.title_h = 0.0
        c.w, c.h = width, content_h
        return
    node = model.nodes.get(c.key)
    title = title_text(node) if node is not None else c.key
    tw, th = measure(title, "title")
    c.title_h = math.ceil(th + 2 * TITLE_PAD)
    c.title_w = tw
    width = max(width, tw + 2 * 10.0, 2 * RING + 40)
    c.w = math.ceil(width)
    c.h = math.ceil(c.title_h + CONTENT_TOP + content_h + RING)


def _place_container(c: Cont, st: Structure, x: float, y: float, model: GraphModel) -> None:
    c.x, c.y = x, y
    if c.key != ROOT:
        st.rects[c.key] = (x, y, c.w, c.h)
        st.titles[c.key] = (x, y, c.w, c.title_h)
        c.top = y + c.title_h + CONTENT_TOP
        c.bottom = y + c.h - RING
    else:
        c.top = y
        c.bottom = y + c.h
    k = len(c.cols)
    # extra width (a title wider than the columns) goes to the right ring
    used = sum(c.colw) + sum(_vgap(c, i) for i in range(k + 1))
    extra = max(0.0, c.w - used) if c.key != ROOT else 0.0
    cx = x
    c.vgaps = []
    c.colx = []
    for i in range(k + 1):
        g = _vgap(c, i) + (extra if i == k else 0.0)
        c.vgaps.append((cx, cx + g))
        cx += g
        if i < k:
            c.colx.append(cx)
            cx += c.colw[i]
    content_h = c.bottom - c.top
    c.hgaps = []
    for ci, col in enumerate(c.cols):
        n = len(col)
        h = sum(st.elems[e].h for e in col) + sum(_hgap(c, ci, i, n) for i in range(n + 1))
        yy = c.top + (content_h - h) / 2
        gaps: list[tuple[float, float]] = []
        prev = c.top
        for i, e in enumerate(col):
            yy += _hgap(c, ci, i, n)
            el = st.elems[e]
            el.col = ci
            el.x = c.colx[ci] + (c.colw[ci] - el.w) / 2
            el.y = yy
            gaps.append((prev, yy))
            prev = yy + el.h
            yy += el.h
        gaps.append((prev, c.bottom if c.key != ROOT else c.bottom))
        c.hgaps.append(gaps)
        for e in col:
            _place_elem(st.elems[e], st, model)


def _place_elem(el: Elem, st: Structure, model: GraphModel) -> None:
    if el.key in st.conts:
        _place_container(st.conts[el.key], st, el.x, el.y, model)
        return
    if el.key.startswith(SERVICE_PREFIX) or el.key in model.outside_keys:
        st.rects[el.key] = (el.x, el.y, el.w, el.h)
        return
    leaf = el.key[len(UNIT):]
    y = el.y
    pills = st.pills.get(leaf, [])
    if pills:
        sizes = [st.size(model, p) for p in pills]
        row_w = sum(pw for pw, _ in sizes) + PILL_GAP * (len(sizes) - 1)
        row_h = max(ph for _, ph in sizes)
        x = el.x + (el.w - row_w) / 2
        for p, (pw, ph) in zip(pills, sizes, strict=True):
            st.rects[p] = (x, y + (row_h - ph) / 2, pw, ph)
            x += pw + PILL_GAP
        y += row_h + UNIT_GAP
    lw, lh = st.size(model, leaf)
    st.rects[leaf] = (el.x + (el.w - lw) / 2, y, lw, lh)


def arrow_head(x0: float, y0: float, x1: float, y1: float, length: float = ARROW_LEN,
               half_width: float = ARROW_HALF_WIDTH
               ) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Tip, left and right corners of an arrowhead at (x1, y1) pointing from (x0, y0)."""
    dx, dy = x1 - x0, y1 - y0
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    bx, by = x1 - ux * length, y1 - uy * length
    return ((x1, y1), (bx - uy * half_width, by + ux * half_width),
            (bx + uy * half_width, by - ux * half_width))

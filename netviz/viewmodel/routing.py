"""Edges through the gaps, labels where they are free, and the picture as drawn.

``netviz.viewmodel.layout`` arranges boxes in columns with gaps between them; this module
draws every edge of a ``VisibleGraph`` through those gaps and places its label. Rules it keeps:

- **No line through a box it does not connect.** A route leaves its source box sideways
  (towards its target), runs vertically only inside the vertical gaps between columns (and the
  ring gap inside each container's border), crosses a column only through the horizontal gap
  between two of its boxes, and enters its target sideways. Containers are crossed only
  through their side borders, below their title band, so no line crosses a namespace title.
  Boxes are never obstacles to be avoided after the fact: routes are built in the free space.
- **Parallel lines stay apart.** Vertical runs in one gap get separate tracks (interval colouring:
  as many tracks as runs overlap); crossings of one horizontal gap get separate heights; the
  edges at one side of a box get separate ports, ordered by where they go next (fewer
  crossings). When a gap is too narrow for its tracks (after a what-if edit, which never moves
  boxes) the tracks squeeze together.
- **Ends.** An edge from a container starts on its border, one into a container ends with its
  arrowhead on the border. An edge from a container to something inside it starts on the
  container's own border; one from inside to the container ends on it; a container's edge to
  itself (every two members) is a loop outside its right border.
- **Labels** go on the edge's own line, at the first candidate place (along its vertical runs
  from the target end, then its horizontal segments) that overlaps no box, no title, no other
  label and not the legend, checked against a grid index. The layout reserves room for them
  (``measure_needs``). An edge whose label finds no free place keeps its text in its tooltip and
  in the picture JSON (``connection``); ``Picture.unlabelled`` counts them.
- **The picture** (``picture()``) is everything a renderer needs, in scene units = pixels at
  scale 1: boxes with their texts, container titles, edge polylines (source end first), label
  boxes, the legend box (outside the drawing, to its right) and the heading. The Qt scene
  (``netviz.ui.scene``), the PNG/SVG/PDF exports and the picture JSON all draw this one object.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import is_, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from netviz.model.keys import SERVICE_PREFIX
from netviz.viewmodel import palette
from netviz.viewmodel.cover import ROOT, Tree
from netviz.viewmodel.graph import Edge, GraphModel, VisibleGraph
from netviz.viewmodel.layout import (
    ARROW_LEN,
    RING,
    ROOT_MARGIN,
    TRACK,
    TRACK_MIN,
    UNIT,
    Cont,
    Layout,
    Rect,
    Structure,
    title_text,
)
from netviz.viewmodel.text import Measure

LEFT, RIGHT = "L", "R"
PORT_MARGIN = 5.0
LABEL_PAD_X = 3.0
LABEL_PAD_Y = 1.0
LOOP_OUT = 14.0


# ---------------------------------------------------------------------- plan


@dataclass(frozen=True)
class _Gap:
    cont: str
    index: int
    depth: int


@dataclass
class _Cross:
    cont: str
    col: int
    gap: int = -1  # index into Cont.hgaps[col]
    y: float = 0.0


@dataclass
class _End:
    node: str
    side: str
    border: bool = False  # a container's own border (edges to/from inside it)
    y: float = 0.0
    #: a pill with sibling pills on the approach side: entered from above, at this x
    top_x: float | None = None


@dataclass
class _Plan:
    edge: Edge
    start: _End
    steps: list[_Gap | _Cross]
    end: _End
    loop: bool = False
    direct: bool = False  # a Service pill to its own workload: a short vertical link


_MISSING = object()
#: a plan without its heights: (start, steps (gaps, or (container, column) crossings), end,
#: loop, direct); ends as (node, side, border)
_Template = tuple[tuple[str, str, bool], tuple["_Gap | tuple[str, int]", ...],
                  tuple[str, str, bool], bool, bool]


def _template(p: _Plan) -> _Template:
    steps = tuple(s if isinstance(s, _Gap) else (s.cont, s.col) for s in p.steps)
    return ((p.start.node, p.start.side, p.start.border), steps,
            (p.end.node, p.end.side, p.end.border), p.loop, p.direct)


def _instance(e: Edge, t: _Template) -> _Plan:
    start, steps, end, loop, direct = t
    return _Plan(e, _End(*start),
                 [s if isinstance(s, _Gap) else _Cross(s[0], s[1]) for s in steps],
                 _End(*end), loop, direct)


def _chain(st: Structure, key: str) -> list[str]:
    got = st.chains.get(key)
    if got is not None:
        return got
    out = []
    e = st.elem_of.get(key)
    while e is not None and e != ROOT:
        out.append(e)
        c = st.cont_of.get(e)
        e = c if c is not None and c != ROOT else None
    out.reverse()
    st.chains[key] = out
    return out


def _pill_row(st: Structure, key: str) -> list[str] | None:
    """The row of Service pills ``key`` is one of (left to right), or None."""
    unit = st.elem_of.get(key, "")
    if not unit.startswith(UNIT):
        return None
    row = st.pills.get(unit[len(UNIT):], [])
    return row if key in row and len(row) > 1 else None


def _col(st: Structure, elem: str) -> int:
    return st.elems[elem].col


def _ascend(st: Structure, chain: list[str], upto: int, side: str,
            depth: dict[str, int]) -> list[_Gap | _Cross]:
    """Steps from the innermost element of ``chain`` up to the container of chain[upto]
    (exclusive), leaving every container through its ``side`` border."""
    out: list[_Gap | _Cross] = []
    for j in range(len(chain) - 1, upto, -1):
        e = chain[j]
        c = st.cont_of[e]
        cont = st.conts[c]
        p = _col(st, e)
        k = len(cont.cols)
        d = depth[c]
        if side == RIGHT:
            out.append(_Gap(c, p + 1, d))
            for col in range(p + 1, k):
                out.append(_Cross(c, col))
                out.append(_Gap(c, col + 1, d))
        else:
            out.append(_Gap(c, p, d))
            for col in range(p - 1, -1, -1):
                out.append(_Cross(c, col))
                out.append(_Gap(c, col, d))
    return out


def _descend(st: Structure, chain: list[str], start: int, side: str,
             depth: dict[str, int]) -> list[_Gap | _Cross]:
    """Steps from a container's ring gap (entered from ``side``) down to chain[-1], for the
    elements chain[start:], each entered from ``side``."""
    out: list[_Gap | _Cross] = []
    for j in range(start, len(chain)):
        e = chain[j]
        c = st.cont_of[e]
        cont = st.conts[c]
        q = _col(st, e)
        k = len(cont.cols)
        d = depth[c]
        if side == LEFT:
            out.append(_Gap(c, 0, d))
            for col in range(0, q):
                out.append(_Cross(c, col))
                out.append(_Gap(c, col + 1, d))
        else:
            out.append(_Gap(c, k, d))
            for col in range(k - 1, q, -1):
                out.append(_Cross(c, col))
                out.append(_Gap(c, col, d))
    return out


def _collapse(steps: list[_Gap | _Cross]) -> list[_Gap | _Cross]:
    """Consecutive gaps are one vertical channel: keep the outermost (widest) of them."""
    out: list[_Gap | _Cross] = []
    for s in steps:
        if isinstance(s, _Gap) and out and isinstance(out[-1], _Gap):
            if s.depth < out[-1].depth:
                out[-1] = s
            continue
        out.append(s)
    return out


def _plan(st: Structure, e: Edge, depth: dict[str, int]) -> _Plan | None:
    u, v = e.src, e.dst
    if u not in st.elem_of or v not in st.elem_of:
        return None
    if u == v:
        if u not in st.conts:
            return None
        c = st.cont_of[u]
        p = _col(st, u)
        return _Plan(e, _End(u, RIGHT), [_Gap(c, p + 1, depth[c])], _End(u, RIGHT), loop=True)
    cu, cv = _chain(st, u), _chain(st, v)
    if st.elem_of[u] == st.elem_of[v]:
        # a pill and its own workload
        return _Plan(e, _End(u, "B"), [], _End(v, "T"), direct=True)
    if u in st.conts and u in cv:
        # from a container to something inside it
        i = cv.index(u)
        b = cv[i + 1]
        k = len(st.conts[u].cols)
        side = LEFT if _col(st, b) <= (k - 1) / 2 else RIGHT
        steps = _descend(st, cv, i + 1, side, depth)
        return _Plan(e, _End(u, side, border=True), _collapse(steps), _End(v, side))
    if v in st.conts and v in cu:
        i = cu.index(v)
        a = cu[i + 1]
        k = len(st.conts[v].cols)
        side = LEFT if _col(st, a) <= (k - 1) / 2 else RIGHT
        steps = _ascend(st, cu, i, side, depth)
        return _Plan(e, _End(u, side), _collapse(steps), _End(v, side, border=True))
    got = _parting(st, cu, cv)
    if got is None:
        return None
    f, lc, ka, kb, s, t = got
    mid = _across(lc, ka, kb, depth[lc])
    steps = _ascend(st, cu, f, s, depth) + mid + _descend(st, cv, f + 1, t, depth)
    return _Plan(e, _End(u, s), _collapse(steps), _End(v, t))


def _fork(cu: list[str], cv: list[str]) -> int | None:
    """Where two chains (root first) part: the first index they differ at, None when one
    holds the other."""
    i = 0
    while i < len(cu) and i < len(cv) and cu[i] == cv[i]:
        i += 1
    return None if i >= len(cu) or i >= len(cv) else i


def _sides(ka: int, kb: int) -> tuple[str, str]:
    """The sides an edge leaves column ``ka`` and enters column ``kb`` of one container."""
    if ka < kb:
        return RIGHT, LEFT
    if ka > kb:
        return LEFT, RIGHT
    return RIGHT, RIGHT


def _across(lc: str, ka: int, kb: int, d: int) -> list[_Gap | _Cross]:
    """The steps from column ``ka`` to column ``kb`` of container ``lc`` (depth ``d``): the
    gaps between them and the columns crossed (the same column: the gap at its right)."""
    mid: list[_Gap | _Cross] = []
    if ka < kb:
        mid.append(_Gap(lc, ka + 1, d))
        for col in range(ka + 1, kb):
            mid.append(_Cross(lc, col))
            mid.append(_Gap(lc, col + 1, d))
    elif ka > kb:
        mid.append(_Gap(lc, ka, d))
        for col in range(ka - 1, kb, -1):
            mid.append(_Cross(lc, col))
            mid.append(_Gap(lc, col, d))
    else:
        mid.append(_Gap(lc, ka + 1, d))
    return mid


#: a piece of a plan (``_fast_plan``): its collapsed steps, and (``_split``) their crossings
#: and the keys of their gaps
_Piece = tuple[tuple[_Gap | tuple[str, int], ...], tuple[tuple[str, int], ...],
               tuple[tuple[str, int], ...]]


def _join(a: _Piece, b: _Piece) -> _Piece:
    """Two pieces one after the other, collapsed (``_collapse``: of gaps that meet, the first
    of the least depth stays): the crossings are both pieces' crossings; where a gap goes,
    its key goes."""
    sa, sb = a[0], b[0]
    if sa and sb:
        x, y = sa[-1], sb[0]
        if isinstance(x, _Gap) and isinstance(y, _Gap):
            if x.depth <= y.depth:
                return sa + sb[1:], a[1] + b[1], a[2] + b[2][1:]
            return sa[:-1] + sb, a[1] + b[1], a[2][:-1] + b[2]
    return sa + sb, a[1] + b[1], a[2] + b[2]


def _piece(steps: list[_Gap | _Cross]) -> _Piece:
    t = tuple(s if isinstance(s, _Gap) else (s.cont, s.col) for s in _collapse(steps))
    return (t, *_split(t))


def _fast_plan(st: Structure, e: Edge, depth: dict[str, int], memo: dict[Any, Any]
               ) -> _Compiled | None:
    """``_compile(_template(_plan(st, e, depth)))`` (None for None), for ``_heights``: an edge
    between two boxes (workloads, Services, containers) neither of which holds the other is
    planned from pieces kept in ``memo``: by the pair of elements holding its ends (all such
    a plan depends on but the names of its ends), and the way up out of the source's
    containers, across their first common one and down into the target's (each depends on
    elements and columns only), joined as ``_collapse`` joins them. Every other edge (a loop,
    a pill to its own workload, a container to what it holds and back) by ``_plan``."""
    u, v = e.src, e.dst
    elem_of = st.elem_of
    eu, ev = elem_of.get(u), elem_of.get(v)
    if eu is None or ev is None or u == v or eu == ev:
        p = _plan(st, e, depth)
        return None if p is None else _compile(_template(p))
    chains = st.chains
    cu = chains.get(u) or _chain(st, u)
    cv = chains.get(v) or _chain(st, v)
    conts = st.conts
    if (u in conts and u in cv) or (v in conts and v in cu):
        p = _plan(st, e, depth)
        return None if p is None else _compile(_template(p))
    pk = (eu, ev)
    got = memo.get(pk)
    if got is None:
        got = memo[pk] = _pair_plan(st, cu, cv, depth, memo)
    if got is _NONE:
        return None
    s, t, (steps, crosses, gaps) = got
    return (((u, s, False), steps, (v, t, False), False, False), crosses, gaps)


_NONE = ("none",)


def _parting(st: Structure, cu: list[str], cv: list[str]
             ) -> tuple[int, str, int, int, str, str] | None:
    """Where the chains of two elements part (``_fork``): that index, the container they
    part in, the columns of their two ancestors there and the sides the line leaves and
    enters by (``_sides``); None when they do not part."""
    f = _fork(cu, cv)
    if f is None:
        return None
    a, b = cu[f], cv[f]
    ka, kb = _col(st, a), _col(st, b)
    return (f, st.cont_of[a], ka, kb, *_sides(ka, kb))


def _pair_plan(st: Structure, cu: list[str], cv: list[str], depth: dict[str, int],
               memo: dict[Any, Any]) -> Any:
    """``_fast_plan`` for the chains of two elements: (source side, target side, (steps, the
    crossings and the vertical runs' gaps, as ``_compile`` lists them)), or ``_NONE``."""
    got = _parting(st, cu, cv)
    if got is None:
        return _NONE
    i, lc, ka, kb, s, t = got
    mk = ("m", lc, ka, kb)
    mid = memo.get(mk)
    if mid is None:
        mid = memo[mk] = _piece(_across(lc, ka, kb, depth[lc]))
    uk = ("u", cu[-1], i, s)
    up = memo.get(uk)
    if up is None:
        up = memo[uk] = _piece(_ascend(st, cu, i, s, depth))
    dk = ("d", cv[-1], i + 1, t)
    down = memo.get(dk)
    if down is None:
        down = memo[dk] = _piece(_descend(st, cv, i + 1, t, depth))
    return (s, t, _join(_join(up, mid), down))


# ---------------------------------------------------------------------- geometry helpers


def _port_range(st: Structure, end: _End) -> tuple[float, float]:
    x, y, w, h = st.rects[end.node]
    if end.node in st.conts:
        top = y + st.conts[end.node].title_h + 2
        return (top + PORT_MARGIN, y + h - PORT_MARGIN)
    return (y + PORT_MARGIN, y + h - PORT_MARGIN)


def _side_x(st: Structure, end: _End) -> float:
    x, _, w, _ = st.rects[end.node]
    return x + w if end.side == RIGHT else x


def _hgap_ranges(cont: Cont, col: int) -> list[tuple[float, float]]:
    """The free heights to cross column ``col``: between its boxes, plus the bands above the
    first and below the last (they reach into the container's free margins)."""
    gaps = list(cont.hgaps[col])
    if not gaps:
        return []
    top_band = cont.top - (RING if cont.key != ROOT else ROOT_MARGIN) / 2
    bottom_band = cont.bottom + (RING if cont.key != ROOT else ROOT_MARGIN) * 0.75
    gaps[0] = (min(gaps[0][0], top_band), gaps[0][1])
    gaps[-1] = (gaps[-1][0], max(gaps[-1][1], bottom_band))
    return gaps


def _spread(n: int, lo: float, hi: float, step: float = TRACK) -> list[float]:
    """n positions centred in [lo, hi], ``step`` apart (closer when they do not fit)."""
    if n <= 0:
        return []
    if n == 1:
        return [(lo + hi) / 2]
    start, s = _spread_at(n, lo, hi, step)
    return [start + i * s for i in range(n)]


def _spread_at(n: int, lo: float, hi: float, step: float = TRACK) -> tuple[float, float]:
    """``_spread``'s positions as (first, distance): position i is first + i * distance
    (n > 0; one position is (first, 0.0): the first, the middle)."""
    if n == 1:
        return ((lo + hi) / 2, 0.0)
    span = hi - lo
    s = min(step, span / (n - 1)) if span > 0 else 0.0
    s = max(s, min(TRACK_MIN, span / (n - 1) if span > 0 else 0.0))
    total = s * (n - 1)
    return ((lo + hi) / 2 - total / 2, s)


# ---------------------------------------------------------------------- routing


@dataclass
class Routed:
    edge: Edge
    points: list[tuple[float, float]]
    #: vertical runs (gap key, x, y0, y1) and horizontal pieces, for labels and needs
    runs: list[tuple[tuple[str, int], float, float, float]] = field(default_factory=list)
    starts_on_border: bool = False
    label_text: str = ""
    label_rect: Rect | None = None
    #: where the route holds a place later routes must leave to it (``route_more``): its
    #: ends (node, side, border, y) and its crossings of horizontal gaps ((cont, col, gap), y)
    ends: tuple[tuple[str, str, bool, float], ...] = field(default_factory=tuple)
    crosses: list[tuple[tuple[str, int, int], float]] = field(default_factory=list)
    # (the lazy fields have no class attribute: a default factory, not a default)

    if not TYPE_CHECKING:  # (to the type checker a Routed has its fields and nothing more)
        def __getattr__(self, name: str) -> Any:
            # only for an attribute not (yet) set: the runs, ends and crossings of a route
            # from ``route`` are made when one of them is first read (``_Later``)
            later = self.__dict__.get("_later")
            if later is None or name not in _LATER_FIELDS:
                raise AttributeError(name)
            later.make()
            return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:
        """(copy, pickle: the fields, every one made)"""
        later = self.__dict__.get("_later")
        if later is not None:
            later.make()
        return dict(self.__dict__)


#: the fields of a ``Routed`` that ``route`` leaves to ``_Later``
_LATER_FIELDS = frozenset(("runs", "ends", "crosses"))


class _Later:
    """The runs, ends and crossings of the routes one ``route`` call made, made for all of
    them at once when one of them is first read. Only what-if editing reads them
    (``Occupancy``, ``route_more``); a one-shot render never does, and at 5,000 workloads
    they are ~800,000 tuples (~0.2 s). The routes are made without them (``_routed``)."""

    def __init__(self, fill: Any) -> None:
        self.fill = fill  # fill(routes): sets the fields on each route not holding them
        self.routes: list[Routed] = []

    def make(self) -> None:
        fill, routes = self.fill, self.routes
        self.fill, self.routes = None, []
        if fill is not None:
            fill(routes)


#: what the gaps need: vertical gaps (container, index) -> width; horizontal gaps
#: (container, column, index) -> height
Needs = tuple[dict[tuple[str, int], float], dict[tuple[str, int, int], float]]


#: a plan as ``route`` caches it by (source, target, style): its template, the (container,
#: column) of each crossing and the gap key (container, index) of each vertical run, in order
_Compiled = tuple[_Template, tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]


def _compile(t: _Template) -> _Compiled:
    steps = t[1]
    return (t, *_split(steps))


def _split(steps: tuple[_Gap | tuple[str, int], ...]
           ) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """A template's crossings and the keys of its gaps (its vertical runs), each in order."""
    # (list comprehensions: a third faster than generators at ~80,000 plans per picture)
    return (tuple([s for s in steps if not isinstance(s, _Gap)]),
            tuple([(s.cont, s.index) for s in steps if isinstance(s, _Gap)]))


#: what ``_heights`` hands on: the routed edges and their compiled plans, the start and end of
#: each (with its port height), per plan the horizontal gap and height of each crossing, and
#: what the horizontal gaps need
_Heights = tuple[list[Edge], list["_Compiled"], list[_End], list[_End], list[list[int]],
                 list[list[float]], dict[tuple[str, int, int], float]]


def _spread_at_np(n: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: np.ndarray | float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``_spread_at`` for arrays of (n, lo, hi, step), n > 0: the same float operations, so
    the same positions to the last bit (``_spread`` of one position is the middle, with no
    distance added: use ``np.where(n == 1, first, first + i * distance)``)."""
    span = hi - lo
    pos = span > 0
    q = np.where(pos, span / np.maximum(n - 1, 1), 0.0)
    s = np.where(pos, np.minimum(step, q), 0.0)
    s = np.maximum(s, np.minimum(TRACK_MIN, q))
    first = np.where(n == 1, (lo + hi) / 2, (lo + hi) / 2 - s * (n - 1) / 2)
    return first, np.where(n == 1, 0.0, s)


def _ids(keys: list[Any]) -> tuple[list[Any], np.ndarray]:
    """The distinct ``keys`` in the order first seen, and each key's index in that list."""
    first = list(dict.fromkeys(keys))
    at = {k: i for i, k in enumerate(first)}
    return first, np.fromiter(map(at.__getitem__, keys), np.int64, len(keys))


def _groups(sorted_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ids sorted so equal ones are together: where each run starts, its size, and each
    item's rank in its run."""
    heads = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
    sizes = np.diff(np.append(heads, sorted_ids.size))
    rank = np.arange(sorted_ids.size, dtype=np.int64) - np.repeat(heads, sizes)
    return heads, sizes, rank


@dataclass
class _Topology:
    """What routing derives from the plans alone, wherever the boxes stand: kept on the
    structure (``Structure.routed``) for the next routing of the very same plans
    (``measure_needs`` and then ``picture`` route the same edges, the gaps widened between).
    Plans in order; "crossings" and "runs" are every plan's, plans in order, flat."""

    comps: list[_Compiled]
    s_keys: list[tuple[str, str, bool]]  # per plan: its start (node, side, border)
    e_keys: list[tuple[str, str, bool]]  # and its end
    direct: np.ndarray  # per plan: a pill's short link to its own workload
    port_keys: list[tuple[str, str, bool]]  # the distinct ends
    s_pk: np.ndarray  # per plan: its start's index in ``port_keys``
    e_pk: np.ndarray  # and its end's
    nodes: list[str]  # the distinct nodes of ``port_keys``
    pk_node: np.ndarray  # per port key: its node's index in ``nodes``
    counts: np.ndarray  # per plan: how many crossings (none for a direct one)
    ck_keys: list[tuple[str, int]]  # the distinct crossed (container, column), first first
    fk: np.ndarray  # per crossing: its column's index in ``ck_keys``
    owners: np.ndarray  # the plans with crossings
    firsts: np.ndarray  # per plan: the index of its first crossing
    run_n: np.ndarray  # per plan: how many vertical runs
    run_keys: list[tuple[str, int]]  # per run: its vertical gap (container, index)
    vg_keys: list[tuple[str, int]]  # the distinct vertical gaps, first run first
    rk: np.ndarray  # per run: its gap's index in ``vg_keys``


def _topology(comp_l: list[_Compiled]) -> _Topology:
    n = len(comp_l)
    # (C-level maps and chains over the ~85,000 plans and ~700,000 crossings and runs)
    temps = list(map(_FIRST, comp_l))
    s_keys = list(map(_FIRST, temps))
    e_keys = list(map(_THIRD, temps))
    direct = np.fromiter(map(_FIFTH, temps), np.bool_, n)
    port_keys, pk = _ids(s_keys + e_keys)
    nodes, pk_node = _ids(list(map(_FIRST, port_keys)))
    cks_l = list(map(_SECOND, comp_l))
    if direct.any():
        cks_l = [() if d else c for d, c in zip(direct.tolist(), cks_l, strict=True)]
    counts = np.fromiter(map(len, cks_l), np.int64, n)
    ck_keys, fk = _ids(list(itertools.chain.from_iterable(cks_l)))
    gks_l = list(map(_THIRD, comp_l))
    run_n = np.fromiter(map(len, gks_l), np.int64, n)
    run_keys = list(itertools.chain.from_iterable(gks_l))
    vg_keys, rk = _ids(run_keys)
    return _Topology(comp_l, s_keys, e_keys, direct, port_keys, pk[:n], pk[n:], nodes, pk_node,
                     counts, ck_keys, fk, np.flatnonzero(counts), np.cumsum(counts) - counts,
                     run_n, run_keys, vg_keys, rk)


#: ``_heights_np``'s answer: the routed edges and their plans, the start and end of each (with
#: its port height), their topology, the port heights as arrays, per crossing (flat) its gap
#: in its column, its height and its gap's id in the list of horizontal gaps that follows, and
#: what the horizontal gaps need
_Placed = tuple[list[Edge], list[_Compiled], "_Ends", "_Ends", _Topology, np.ndarray,
                np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[str, int, int]],
                dict[tuple[str, int, int], float]]


def _heights(st: Structure, model: GraphModel, edges: Sequence[Edge]) -> _Heights:
    """``route`` steps 1-3: plans, crossing gaps, ports and crossing heights (per plan lists
    of ``_heights_np``'s flat arrays)."""
    edge_l, comp_l, starts, ends, topo, _sy, _ey, gsel, y_flat, _gid, _gk, hneeds = \
        _heights_np(st, model, edges)
    n = len(comp_l)
    cgap_l: list[list[int]] = [[] for _ in range(n)]  # per plan: each crossing's gap
    cy_l: list[list[float]] = [[] for _ in range(n)]  # per plan: each crossing's height
    ys_all = y_flat.tolist()
    gl_all = gsel.tolist()
    owners = topo.owners
    for i, lo, k in zip(owners.tolist(), topo.firsts[owners].tolist(),
                        topo.counts[owners].tolist(), strict=True):
        cy_l[i] = ys_all[lo:lo + k]
        cgap_l[i] = gl_all[lo:lo + k]
    return edge_l, comp_l, list(starts), list(ends), cgap_l, cy_l, hneeds


class _Ends(Sequence[_End]):
    """The starts (or the ends) of the plans, each made as an ``_End`` when asked for (at
    5,000 workloads ~170,000 of them, and ``route`` asks for a few): per plan its (node,
    side, border), its height in ``ys`` and, for an end entered from above, its x in
    ``top_x`` (by plan)."""

    def __init__(self, keys: list[tuple[str, str, bool]], ys: np.ndarray,
                 top_x: dict[int, float]) -> None:
        self.keys = keys
        self.ys = ys
        self.top_x = top_x

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: Any) -> Any:
        if not isinstance(i, int):
            return list(self)[i]
        if i < 0:
            i += len(self.keys)  # (``top_x`` is by plan index)
        node, side, border = self.keys[i]
        return _End(node, side, border, self.ys[i].item(), self.top_x.get(i))

    def __iter__(self) -> Iterator[_End]:
        top = self.top_x.get
        for i, ((node, side, border), y) in enumerate(zip(self.keys, self.ys.tolist(),
                                                          strict=True)):
            yield _End(node, side, border, y, top(i))


def _compiled_plans(st: Structure, model: GraphModel,
                    edges: Sequence[Edge]) -> tuple[list[Edge], list[_Compiled]]:
    """The edges that have a plan, and their plans (made once per end pair and style, kept
    in ``st.plans``)."""
    depth = {k: model.tree.depth.get(k, 0) for k in st.conts}
    cache = st.plans
    edge_l: list[Edge] = []
    comp_l: list[_Compiled] = []
    memo: dict[Any, Any] = {}
    for e in edges:
        key = (e.src, e.dst, e.style)
        comp = cache.get(key, _MISSING)
        if comp is _MISSING:
            comp = cache[key] = _fast_plan(st, e, depth, memo)
        if comp is not None:
            edge_l.append(e)
            comp_l.append(comp)
    return edge_l, comp_l


def _heights_np(st: Structure, model: GraphModel, edges: Sequence[Edge]) -> _Placed:
    """``route`` steps 1-3: plans, crossing gaps, ports and crossing heights.

    ~85,000 plans with ~350,000 crossings at 5,000 workloads, twice per picture: every step
    runs on numpy arrays over all plans at once (per distinct node, port and gap the plain
    Python), with the very float operations of the plain per-plan code (kept as the
    reference in tests/viewmodel/test_heights.py), so the heights are the same to the bit.
    The starts and ends are made as ``_End`` only where asked for (``_Ends``): most callers
    read the heights as arrays."""
    edge_l, comp_l = _compiled_plans(st, model, edges)
    topo = st.routed
    if not (isinstance(topo, _Topology) and len(topo.comps) == len(comp_l)
            and all(map(is_, topo.comps, comp_l))):
        topo = st.routed = _topology(comp_l)
    conts, rects = st.conts, st.rects
    n = len(comp_l)
    direct, s_pk, e_pk, pk_node = topo.direct, topo.s_pk, topo.e_pk, topo.pk_node
    counts, fk, owners = topo.counts, topo.fk, topo.owners
    # the port ranges of the boxes at the ends, and their middles
    p_lo = np.empty(len(topo.nodes), dtype=np.float64)
    p_hi = np.empty(len(topo.nodes), dtype=np.float64)
    p_mid = np.empty(len(topo.nodes), dtype=np.float64)
    for ni, node in enumerate(topo.nodes):
        rng = _port_range(st, _End(node, RIGHT))
        p_lo[ni], p_hi[ni] = rng
        p_mid[ni] = sum(rng) / 2
    s_node, e_node = pk_node[s_pk], pk_node[e_pk]
    # 1. which horizontal gap each crossing uses: the one nearest the straight line (the
    # score |mid - want| + |mid - cur| / 4 is least at one of the two gaps around ``want``).
    # Plan by plan it is a walk (each crossing starts from the last one's height), so the
    # walks go in step: all first crossings, then all second ones, ...
    gap_keys: list[tuple[str, int, int]] = []  # the horizontal gaps, first crossed first
    r_lo: list[float] = []  # per horizontal gap its range
    r_hi: list[float] = []
    base_l: list[int] = []  # per crossed column: its first gap's id
    seg_l: list[int] = []  # per crossed column: where its usable gaps start in ``gm``
    gm_l: list[float] = []  # the middles of each column's usable gaps, top down
    use_l: list[int] = []  # and their indices in the column
    for c, col in topo.ck_keys:
        ranges = _hgap_ranges(conts[c], col)
        usable = [gi for gi, (a, b) in enumerate(ranges) if b - a >= 4] or [0]
        base_l.append(len(gap_keys))
        seg_l.append(len(gm_l))
        gap_keys.extend((c, col, gi) for gi in range(len(ranges)))
        r_lo.extend(a for a, _b in ranges)
        r_hi.extend(b for _a, b in ranges)
        gm_l.extend((ranges[gi][0] + ranges[gi][1]) / 2 for gi in usable)
        use_l.extend(usable)
    oc = counts[owners]
    firsts = topo.firsts[owners]
    lasts = firsts + oc - 1
    gsel = np.zeros(fk.size, dtype=np.int64)  # each crossing's gap in its column
    cyv = np.zeros(fk.size, dtype=np.float64)  # and that gap's middle
    if owners.size:
        gm = np.array(gm_l, dtype=np.float64)
        use = np.array(use_l, dtype=np.int64)
        seg = np.array(seg_l, dtype=np.int64)
        seg_n = np.diff(np.append(seg, gm.size))
        cur_all = p_mid[s_node[owners]]
        y1_all = p_mid[e_node[owners]]
        act = np.arange(owners.size, dtype=np.int64)
        for ci in range(int(oc.max())):
            act = act[oc[act] > ci]
            at = firsts[act] + ci
            cur = cur_all[act]
            want = cur + (y1_all[act] - cur) / (oc[act] - ci + 1)
            cid = fk[at]
            off, ln = seg[cid], seg_n[cid]
            # bisect.bisect_left(gmids, want), step for step (whatever the order)
            lo = np.zeros(act.size, dtype=np.int64)
            hi = ln.copy()
            while True:
                go = lo < hi
                if not go.any():
                    break
                mid = (lo + hi) // 2
                less = gm[off + np.minimum(mid, ln - 1)] < want
                lo = np.where(go & less, mid + 1, lo)
                hi = np.where(go & ~less, mid, hi)
            # of the gaps k-1 and k, the better (the first of equals; none valid: the first)
            j0 = lo - 1
            g0 = gm[off + np.maximum(j0, 0)]
            d0 = np.abs(g0 - want) + 0.25 * np.abs(g0 - cur)
            ok0 = (j0 >= 0) & (d0 < np.inf)
            best_d = np.where(ok0, d0, np.inf)
            best = np.where(ok0, j0, 0)
            g1 = gm[off + np.minimum(lo, ln - 1)]
            d1 = np.abs(g1 - want) + 0.25 * np.abs(g1 - cur)
            best = np.where((lo < ln) & (d1 < best_d), lo, best)
            gsel[at] = use[off + best]
            cur_all[act] = cyv[at] = gm[off + best]
    # 2. ports: edges at one side of a box, ordered by where they go next (then by plan,
    # its start before its end)
    s_y = np.zeros(n, dtype=np.float64)
    e_y = np.zeros(n, dtype=np.float64)
    nd = np.flatnonzero(~direct)
    if nd.size:
        s_to = p_mid[e_node]
        e_to = p_mid[s_node]
        s_to[owners] = cyv[firsts]
        e_to[owners] = cyv[lasts]
        p_key = np.concatenate((s_pk[nd], e_pk[nd]))
        p_to = np.concatenate((s_to[nd], e_to[nd]))
        p_idx = np.concatenate((2 * nd, 2 * nd + 1))
        order = np.lexsort((p_idx, p_to, p_key))
        heads, sizes, rank = _groups(p_key[order])
        g_node = pk_node[p_key[order][heads]]
        lo_g, hi_g = p_lo[g_node], p_hi[g_node]
        spacing = np.maximum(TRACK, np.minimum(12.0, (hi_g - lo_g) / np.maximum(1, sizes)))
        first, dist = _spread_at_np(sizes, lo_g, hi_g, spacing)
        grp = np.repeat(np.arange(heads.size), sizes)
        placed = np.where(sizes[grp] == 1, first[grp], first[grp] + rank * dist[grp])
        at_idx = p_idx[order]
        odd = (at_idx & 1) == 1
        s_y[at_idx[~odd] >> 1] = placed[~odd]
        e_y[at_idx[odd] >> 1] = placed[odd]
    # 2b. a pill with siblings between it and the side the edge comes from is entered from
    # above (through the gap over its workload's unit), never through its siblings
    from_above = np.zeros(len(topo.port_keys), dtype=np.bool_)
    rows: dict[str, list[str] | None] = {}
    for ki, (node, side, border) in enumerate(topo.port_keys):
        if border:
            continue
        if node in rows:
            row = rows[node]
        else:
            row = rows[node] = _pill_row(st, node)
        if row is None:
            continue
        pos = row.index(node)
        from_above[ki] = (side == LEFT and pos > 0) or (side == RIGHT and pos < len(row) - 1)
    e_keys = topo.e_keys
    above: dict[str, list[int]] = {}  # per unit: the plans whose ends are entered from above
    top_y: dict[int, float] = {}  # per such plan: its end's height and x
    top_x: dict[int, float] = {}
    tops_at = np.flatnonzero(from_above[e_pk] & ~direct).tolist()
    for i in tops_at:
        above.setdefault(st.elem_of[e_keys[i][0]], []).append(i)
    for unit, tops in above.items():
        el = st.elems[unit]
        ucont = conts[st.cont_of[unit]]
        low = ucont.top - RING / 2
        for ga, gb in _hgap_ranges(ucont, el.col):
            if abs(gb - el.y) < 0.5:
                low = ga
        tops.sort(key=lambda i: (rects[e_keys[i][0]][0], e_keys[i][1]))
        room = max(2.0, el.y - low - 2)
        dy = min(TRACK, room / (len(tops) + 1))
        for k, i in enumerate(tops):
            nx, _, nw, _ = rects[e_keys[i][0]]
            top_y[i] = el.y - dy * (k + 1)
            top_x[i] = nx + nw / 2 + (k - (len(tops) - 1) / 2) * 3
    for i in tops_at:
        e_y[i] = top_y[i]
    starts = _Ends(topo.s_keys, s_y, {})
    ends = _Ends(e_keys, e_y, top_x)
    # 3. crossings of one horizontal gap get their own heights: spread in the order of
    # (wanted height, plan, crossing), the wanted height halfway between the heights before
    # and after it
    hneeds: dict[tuple[str, int, int], float] = {}
    gid = np.array(base_l, dtype=np.int64)[fk] + gsel
    if not gsel.size:
        return edge_l, comp_l, starts, ends, topo, s_y, e_y, gsel, cyv, gid, gap_keys, hneeds
    before = np.empty_like(cyv)
    after = np.empty_like(cyv)
    before[1:] = cyv[:-1]
    after[:-1] = cyv[1:]
    before[firsts] = s_y[owners]
    after[lasts] = e_y[owners]
    wanted = (before + after) / 2
    # crossings are flat in (plan, crossing) order: a stable sort keeps it among equals
    order = np.lexsort((wanted, gid))
    gs = gid[order]
    heads, sizes, rank = _groups(gs)
    g_lo = np.array(r_lo, dtype=np.float64)[gs[heads]]
    g_hi = np.array(r_hi, dtype=np.float64)[gs[heads]]
    first, dist = _spread_at_np(sizes, g_lo + 3, g_hi - 3, TRACK)
    grp = np.repeat(np.arange(heads.size), sizes)
    placed = np.where(sizes[grp] == 1, first[grp], first[grp] + rank * dist[grp])
    y_flat = np.empty_like(cyv)
    y_flat[order] = placed
    # the needs in the order the gaps are first crossed (plans in order)
    first_at = np.minimum.reduceat(order, heads)
    need = sizes * TRACK + 8
    for g, k in zip(gs[heads][np.argsort(first_at)].tolist(),
                    need[np.argsort(first_at)].tolist(), strict=True):
        hneeds[gap_keys[g]] = k
    return edge_l, comp_l, starts, ends, topo, s_y, e_y, gsel, y_flat, gid, gap_keys, hneeds


def _flat_heights(topo: _Topology, s_y: np.ndarray, e_y: np.ndarray, y_flat: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every plan's heights in one flat array: its start, its crossings, its end (a plan's
    vertical run k spans its heights k and k + 1), and where each plan's heights start."""
    counts = topo.counts
    n = counts.size
    ys_n = counts + 2
    y_off = np.cumsum(ys_n) - ys_n
    ys = np.empty(int(ys_n.sum()), dtype=np.float64)
    ys[y_off] = s_y
    ys[y_off + counts + 1] = e_y
    if y_flat.size:
        # crossing f of plan p (f counts the crossings of the plans before p) is at f + 2p + 1
        ys[np.arange(y_flat.size) + 2 * np.repeat(np.arange(n), counts) + 1] = y_flat
    return ys, y_off


def route(st: Structure, model: GraphModel, edges: Sequence[Edge], points: bool = True
          ) -> tuple[list[Routed], Needs]:
    """Routes for ``edges`` over the arrangement ``st`` (home positions). Returns the routes and
    what the gaps needed (``Needs``). ``points`` False: only the runs (what ``measure_needs``
    uses), not the polylines.

    The plans (which gaps and crossings) depend on the columns only and are cached in
    ``st.plans``; the heights and tracks are computed here each time. The heights and
    tracks live in flat arrays over all plans (``_heights_np``): at 5,000 workloads this
    runs for ~85,000 edges, twice per picture."""
    edge_l, comp_l, starts, ends, topo, s_y, e_y, _gsel, y_flat, gid, gap_keys, hneeds = \
        _heights_np(st, model, edges)
    conts = st.conts
    n = len(comp_l)
    run_n = topo.run_n
    ys, y_off = _flat_heights(topo, s_y, e_y, y_flat)
    # 4. vertical runs: tracks per gap; a run from height a to b of plan i, run k, is
    # (min, max, i, k), in the order of those tuples (``_colour`` sorts them so)
    run_off = np.cumsum(run_n) - run_n
    run_plan = np.repeat(np.arange(n), run_n)
    at = y_off[run_plan] + np.arange(run_plan.size) - run_off[run_plan]
    ya, yb = ys[at], ys[at + 1]
    up = ya <= yb
    lo, hi = np.where(up, ya, yb), np.where(up, yb, ya)
    # runs are flat in (plan, run) order: a stable sort keeps it among equals
    order = np.lexsort((hi, lo, topo.rk))
    vneeds: dict[tuple[str, int], float] = {}
    tx = np.empty(run_plan.size, dtype=np.float64)
    if order.size:
        items = list(zip(lo[order].tolist(), hi[order].tolist(), run_plan[order].tolist(),
                         (at - y_off[run_plan])[order].tolist(), strict=True))
        heads, sizes, _rank = _groups(topo.rk[order])
        xs_all: list[float] = []
        for gk, h, k in zip(topo.vg_keys, heads.tolist(), sizes.tolist(), strict=True):
            xs, nt = _colour(items[h:h + k], conts[gk[0]].vgaps[gk[1]])
            xs_all.extend(xs)
            vneeds[gk] = nt * TRACK + 8
        tx[order] = xs_all
    # 5. points
    if not points:
        run_l = list(zip(topo.run_keys, tx.tolist(), ya.tolist(), yb.tolist(), strict=True))
        run_at = run_off.tolist()
        run_k = run_n.tolist()
        out: list[Routed] = []
        for i in range(n):
            r = Routed(edge_l[i], [])
            r.runs = run_l[run_at[i]:run_at[i] + run_k[i]]
            out.append(r)
        return out, (vneeds, hneeds)
    pts_l = _polylines(st, comp_l, starts, ends, topo, ys, y_off, tx, run_off)
    out = _routed(st, edge_l, comp_l, starts, ends, topo, (tx, ya, yb), gid, gap_keys, y_flat,
                  pts_l)
    return out, (vneeds, hneeds)


def _colour(gap_runs: list[tuple[float, float, int, int]], gap: tuple[float, float]
            ) -> tuple[list[float], int]:
    """The tracks of the vertical runs (y0, y1, plan, run) of one gap (x0, x1), sorted here
    in place: each run's x in that order, and how many tracks. Interval colouring, first fit
    by start (tuple order: unique, so by (y0, y1, plan), and a plan's runs in step order): as
    many tracks as runs overlap; a run shorter than 0.5 takes none (it sits in the middle)."""
    gap_runs.sort()
    if len(gap_runs) < _MANY_RUNS:
        assign, nt = _first_fit(gap_runs)
    else:
        assign, nt = _first_fit_sorted(gap_runs)
    x0, x1 = gap
    xs = _spread(nt, x0 + 4, x1 - 4)
    centre = (x0 + x1) / 2
    return [xs[ti] if ti >= 0 else centre for ti in assign], nt


#: from this many runs in a gap ``_first_fit_sorted`` (numpy) pays for itself
_MANY_RUNS = 64


def _first_fit(gap_runs: list[tuple[float, float, int, int]]) -> tuple[list[int], int]:
    """The track of each run (sorted by start; -1: none) and how many tracks: each run takes
    the lowest track free at its start; a run frees its track once its end + 3 is below a
    start (a heap of the runs holding tracks, by end)."""
    heappush, heappop = heapq.heappush, heapq.heappop
    active: list[tuple[float, int]] = []  # (end, track), a heap
    free: list[int] = []  # a heap of track numbers
    assign: list[int] = []
    nt = 0
    for y0, y1, _i, _gi in gap_runs:
        if y1 - y0 < 0.5:
            assign.append(-1)
            continue
        while active and active[0][0] + 3 < y0:
            heappush(free, heappop(active)[1])
        if free:
            ti = heappop(free)
        else:
            ti = nt
            nt += 1
        heappush(active, (y1, ti))
        assign.append(ti)
    return assign, nt


def _first_fit_sorted(gap_runs: list[tuple[float, float, int, int]]
                      ) -> tuple[list[int], int]:
    """``_first_fit`` for many runs: the runs that have freed their tracks by a start are
    exactly those (all started before it) whose end + 3 is below it, so instead of a heap of
    the runs holding tracks the runs are sorted by end once and how many have ended by each
    start is one ``searchsorted``; only the heap of free track numbers stays."""
    heappush, heappop = heapq.heappush, heapq.heappop
    n = len(gap_runs)
    y0 = np.fromiter(map(_FIRST, gap_runs), np.float64, n)
    y1 = np.fromiter(map(_SECOND, gap_runs), np.float64, n)
    takers = np.flatnonzero(~(y1 - y0 < 0.5))
    release = y1 + 3
    by_end = takers[np.argsort(release[takers], kind="stable")]
    ended = np.searchsorted(release[by_end], y0, side="left").tolist()
    by_end_l = by_end.tolist()
    assign = [-1] * n
    free: list[int] = []
    nt = 0
    p = 0
    for k in takers.tolist():
        r = ended[k]
        while p < r:
            heappush(free, assign[by_end_l[p]])
            p += 1
        if free:
            assign[k] = heappop(free)
        else:
            assign[k] = nt
            nt += 1
    return assign, nt


_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
_THIRD = itemgetter(2)
_FIFTH = itemgetter(4)


def _routed(st: Structure, edge_l: list[Edge], comp_l: list[_Compiled], starts: _Ends,
            ends: _Ends, topo: _Topology, runs: tuple[np.ndarray, np.ndarray, np.ndarray],
            gid: np.ndarray, gap_keys: list[tuple[str, int, int]], y_flat: np.ndarray,
            pts_l: list[list[tuple[float, float]]]) -> list[Routed]:
    """``route`` step 5: a ``Routed`` per plan with its polyline (``pts_l``); its vertical
    runs (flat: each run's x and its two heights, ``runs``) and the places it holds are made
    when first read (``_Later``, ``_held``)."""
    conts = st.conts
    later = _Later(lambda routes: _held(st, starts, ends, topo, runs, gid, gap_keys, y_flat,
                                        routes))
    out: list[Routed] = []
    new = Routed.__new__
    s_keys = topo.s_keys
    for i, comp in enumerate(comp_l):
        if comp[0][4]:
            out.append(Routed(edge_l[i], pts_l[i]))
            continue
        node, _side, border = s_keys[i]
        r = new(Routed)
        r.__dict__ = {"edge": edge_l[i], "points": pts_l[i],
                      "starts_on_border": border or node in conts,
                      "label_text": "", "label_rect": None, "_later": later}
        out.append(r)
    later.routes = out
    return out


def _held(st: Structure, starts: _Ends, ends: _Ends, topo: _Topology,
          runs: tuple[np.ndarray, np.ndarray, np.ndarray], gid: np.ndarray,
          gap_keys: list[tuple[str, int, int]], y_flat: np.ndarray, routes: list[Routed]
          ) -> None:
    """``_Later``'s work for the routes of ``route``'s plans: on each route not holding them,
    its vertical runs and the places it holds (its ends and its crossings)."""
    elem_of = st.elem_of
    tx, ya, yb = runs
    run_l = list(zip(topo.run_keys, tx.tolist(), ya.tolist(), yb.tolist(), strict=True))
    # every crossing's ((container, column, gap), height), flat
    cross_l = list(zip(map(gap_keys.__getitem__, gid.tolist()), y_flat.tolist(), strict=True))
    c_at = topo.firsts.tolist()
    c_n = topo.counts.tolist()
    r_at = (np.cumsum(topo.run_n) - topo.run_n).tolist()
    r_n = topo.run_n.tolist()
    for i, (r, s_end, e_end) in enumerate(zip(routes, starts, ends, strict=True)):
        d = r.__dict__
        if d.pop("_later", None) is None:
            continue  # a pill's link (nothing held), or set already
        # the places it holds, for ``route_more`` (as ``_occupies`` records them)
        start = (s_end.node, s_end.side, s_end.border, s_end.y)
        if e_end.top_x is not None:
            held: tuple[tuple[str, str, bool, float], ...] = (
                start, (elem_of[e_end.node], TOP, False, e_end.y),
                (e_end.node, TOP_X, False, e_end.top_x))
        else:
            held = (start, (e_end.node, e_end.side, e_end.border, e_end.y))
        d.setdefault("runs", run_l[r_at[i]:r_at[i] + r_n[i]])
        d.setdefault("ends", held)
        d.setdefault("crosses", cross_l[c_at[i]:c_at[i] + c_n[i]])


def _polylines(st: Structure, comp_l: list[_Compiled], starts: _Ends, ends: _Ends,
               topo: _Topology, ys: np.ndarray, y_off: np.ndarray, tx: np.ndarray,
               run_off: np.ndarray) -> list[list[tuple[float, float]]]:
    """``route`` step 5: the polylines of the plans (plan i's heights, start, crossings, end,
    from ``ys[y_off[i]]`` on; its runs' x from ``tx[run_off[i]]`` on).

    A polyline leaves its start's side at the start's height, runs along every vertical run
    (at the heights before and after it) and reaches its end's side at the end's height (or
    the middle of a pill's top, from above); ``_simplify`` then drops repeated points and the
    middles of straight runs. Almost no polyline has either (7 of 80,000 at 5,000
    workloads), so the polylines of all plans are built at once with numpy and checked for
    both at once; only those that have some (and loops, pill links, and ends at an integer
    x, which must stay integers) are made one by one as before."""
    rects = st.rects
    n = len(comp_l)
    out: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    if not n:
        return out
    counts, run_n, s_pk, e_pk = topo.counts, topo.run_n, topo.s_pk, topo.e_pk
    # each port's side x, and whether it is a float (an int must stay an int in the points)
    side_x = []
    for node, side, _border in topo.port_keys:
        x, _, w, _ = rects[node]
        side_x.append(x + w if side == RIGHT else x)
    sx_float = np.fromiter((type(v) is float for v in side_x), np.bool_, len(side_x))
    sx = np.array([float(v) for v in side_x], dtype=np.float64)
    loop = np.fromiter((comp[0][3] for comp in comp_l), np.bool_, n)
    top = np.zeros(n, dtype=np.bool_)
    top_x = np.zeros(n, dtype=np.float64)
    top_y = np.zeros(n, dtype=np.float64)
    top_ok = np.ones(n, dtype=np.bool_)
    for i, xv in ends.top_x.items():
        top[i] = True
        top_x[i] = xv
        yv = rects[ends.keys[i][0]][1]
        top_y[i] = yv
        top_ok[i] = type(xv) is float and type(yv) is float
    fast = (~topo.direct & ~loop & sx_float[s_pk] & (top | sx_float[e_pk]) & top_ok
            & (run_n == counts + 1))
    f = np.flatnonzero(fast)
    k = run_n[f]
    tp = top[f]
    m = 2 * k + 2 + tp  # points: start, two per run, end (over a pill's top: two)
    p_off = np.cumsum(m) - m
    total = int(m.sum())
    px = np.empty(total, dtype=np.float64)
    py = np.empty(total, dtype=np.float64)
    yo = y_off[f]
    px[p_off] = sx[s_pk[f]]
    py[p_off] = ys[yo]
    rp = np.repeat(np.arange(f.size), k)
    g = np.arange(rp.size) - np.repeat(np.cumsum(k) - k, k)
    at = p_off[rp] + 1 + 2 * g
    px[at] = px[at + 1] = tx[run_off[f][rp] + g]
    py[at] = ys[yo[rp] + g]
    py[at + 1] = ys[yo[rp] + g + 1]
    end = p_off + 1 + 2 * k
    px[end] = np.where(tp, top_x[f], sx[e_pk[f]])
    py[end] = ys[yo + k]
    tops = np.flatnonzero(tp)
    px[end[tops] + 1] = top_x[f[tops]]
    py[end[tops] + 1] = top_y[f[tops]]
    # what ``_simplify`` would change: two points in a row within 0.01 of each other, or
    # three in a row on one vertical or horizontal line (with neither, it keeps them all)
    owner = np.repeat(np.arange(f.size), m)
    same = owner[1:] == owner[:-1]
    near_x = np.abs(px[1:] - px[:-1]) < 0.01
    near_y = np.abs(py[1:] - py[:-1]) < 0.01
    dup = same & near_x & near_y
    line = same[1:] & same[:-1] & ((near_x[1:] & near_x[:-1]) | (near_y[1:] & near_y[:-1]))
    bad = np.zeros(f.size, dtype=np.bool_)
    bad[owner[:-1][dup]] = True
    bad[owner[1:-1][line]] = True
    pts_all = list(zip(px.tolist(), py.tolist(), strict=True))
    for i, a, c, b in zip(f.tolist(), p_off.tolist(), m.tolist(), bad.tolist(), strict=True):
        out[i] = _simplify(pts_all[a:a + c]) if b else pts_all[a:a + c]
    # the rest one by one
    for i in np.flatnonzero(~fast).tolist():
        t = comp_l[i][0]
        s_end, e_end = starts[i], ends[i]
        if t[4]:
            ux, uy, uw, uh = rects[s_end.node]
            vx, vy, vw, vh = rects[e_end.node]
            # straight down from the pill to its workload (pills stand in a row above it)
            x = min(max(ux + uw / 2, vx + 4), vx + vw - 4)
            out[i] = [(x, uy + uh), (x, vy)]
            continue
        y0 = int(y_off[i])
        yi = ys[y0:y0 + int(counts[i]) + 2].tolist()
        r0 = int(run_off[i])
        xs = tx[r0:r0 + int(run_n[i])].tolist()
        pts: list[tuple[float, float]] = [(_side_x(st, s_end), yi[0])]
        for gi, x in enumerate(xs):
            pts.append((x, yi[gi]))
            pts.append((x, yi[gi + 1]))
        if e_end.top_x is not None:
            pts.append((e_end.top_x, yi[-1]))
            pts.append((e_end.top_x, rects[e_end.node][1]))
        else:
            pts.append((_side_x(st, e_end), yi[-1]))
        if t[3]:
            # out of the right border and back in
            x = max(pts[1][0], _side_x(st, s_end) + 6)
            pts = [(pts[0][0], yi[0]), (x, yi[0]), (x, yi[1]), (pts[-1][0], yi[1])]
        out[i] = _simplify(pts)
    return out


#: ``Routed.ends`` sides of an end entered from above (``route`` step 2b): its height in the
#: band over its workload's unit (keyed by the unit), and its x on the pill's top
TOP, TOP_X = "T", "TX"


def _occupies(st: Structure, r: Routed, p: _Plan) -> None:
    """Record on ``r`` the ports and crossing heights of its plan (for ``route_more``)."""
    start = (p.start.node, p.start.side, p.start.border, p.start.y)
    if p.end.top_x is not None:
        r.ends = (start, (st.elem_of[p.end.node], TOP, False, p.end.y),
                  (p.end.node, TOP_X, False, p.end.top_x))
    else:
        r.ends = (start, (p.end.node, p.end.side, p.end.border, p.end.y))
    r.crosses = [((s.cont, s.col, s.gap), s.y) for s in p.steps if isinstance(s, _Cross)]


def _above(st: Structure, end: _End) -> bool:
    """Whether ``end`` (a route's target end) is a pill entered from above (``route`` 2b)."""
    if end.border:
        return False
    row = _pill_row(st, end.node)
    if row is None:
        return False
    i = row.index(end.node)
    return (end.side == LEFT and i > 0) or (end.side == RIGHT and i < len(row) - 1)


def _above_band(st: Structure, unit: str) -> tuple[float, float]:
    """The heights over a workload's unit where lines entering its pills from above turn."""
    el = st.elems[unit]
    ucont = st.conts[st.cont_of[unit]]
    lo = ucont.top - RING / 2
    for ga, gb in _hgap_ranges(ucont, el.col):
        if abs(gb - el.y) < 0.5:
            lo = ga
    room = max(2.0, el.y - lo - 2)
    return (el.y - room, el.y - min(TRACK, room / 2))


def _free(lo: float, hi: float, taken: Sequence[float], want: float) -> float:
    """The place in [lo, hi] farthest from every ``taken`` one (the one nearest ``want``
    among equally free places): where a new line goes between the lines already there.
    O(n log n): the candidates are the ends, ``want`` and the middles between neighbours."""
    if hi < lo:
        return (lo + hi) / 2
    if len(taken) > 48:
        return _free_np(lo, hi, taken, want)
    near = sorted(t for t in taken if lo - TRACK <= t <= hi + TRACK)
    target = min(max(want, lo), hi)
    if not near:
        return target

    def gap_at(x: float) -> float:
        i = bisect_left(near, x)
        d = math.inf
        if i < len(near):
            d = near[i] - x
        if i > 0:
            d = min(d, x - near[i - 1])
        return d

    best_x, best = target, (gap_at(target), 0.0)
    for x in (lo, hi):
        cand = (gap_at(x), -abs(x - want))
        if cand > best:
            best_x, best = x, cand
    for a, b in zip(near, near[1:], strict=False):
        mid = (a + b) / 2
        if lo <= mid <= hi:
            cand = ((b - a) / 2, -abs(mid - want))
            if cand > best:
                best_x, best = mid, cand
    return best_x


class _Tracks:
    """The vertical runs (x, low y, high y) in one gap. A what-if edit asks, per new run,
    for the runs beside a height range; in a busy gap of a big picture there are thousands,
    so the bulk is kept in numpy arrays (with a mask of the removed ones) and only the
    recent ones in a list."""

    __slots__ = ("x", "lo", "hi", "alive", "tail")
    FLUSH = 256

    def __init__(self) -> None:
        self.x: np.ndarray | None = None
        self.lo: np.ndarray | None = None
        self.hi: np.ndarray | None = None
        self.alive: np.ndarray | None = None
        self.tail: list[tuple[float, float, float]] = []

    def add(self, t: tuple[float, float, float]) -> None:
        self.tail.append(t)
        if len(self.tail) > self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        items = self.items()
        arr = np.array(items, dtype=np.float64).reshape(-1, 3)
        self.x, self.lo, self.hi = arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()
        self.alive = np.ones(len(items), dtype=bool)
        self.tail = []

    def remove(self, t: tuple[float, float, float]) -> None:
        try:
            self.tail.remove(t)
            return
        except ValueError:
            pass
        if self.x is None or self.alive is None or self.lo is None or self.hi is None:
            return
        idx = np.nonzero(self.alive & (self.x == t[0]) & (self.lo == t[1])
                         & (self.hi == t[2]))[0]
        if idx.size:
            self.alive[idx[0]] = False

    def beside(self, lo_y: float, hi_y: float) -> list[float]:
        """The x of every run that overlaps [lo_y, hi_y]."""
        out = [x for x, a, b in self.tail if a <= hi_y and b >= lo_y]
        if self.x is not None and self.alive is not None and self.lo is not None \
                and self.hi is not None:
            m = self.alive & (self.lo <= hi_y) & (self.hi >= lo_y)
            out.extend(self.x[m].tolist())
        return out

    def items(self) -> list[tuple[float, float, float]]:
        out: list[tuple[float, float, float]] = []
        if self.x is not None and self.alive is not None and self.lo is not None \
                and self.hi is not None:
            idx = np.nonzero(self.alive)[0]
            out = list(zip(self.x[idx].tolist(), self.lo[idx].tolist(), self.hi[idx].tolist(),
                           strict=True))
        return out + self.tail

    def __len__(self) -> int:
        return len(self.tail) + (int(self.alive.sum()) if self.alive is not None else 0)


def _free_np(lo: float, hi: float, taken: Sequence[float], want: float) -> float:
    """``_free`` for many taken places, with numpy: the same candidates (the target, the
    ends, the middles between neighbours), the same order of preference (farthest from every
    taken place, then nearest ``want``, then the first in ``_free``'s order)."""
    arr = np.asarray(taken, dtype=np.float64)
    near = np.sort(arr[(arr >= lo - TRACK) & (arr <= hi + TRACK)])
    target = min(max(want, lo), hi)
    n = near.size
    if not n:
        return target

    def gap_at(x: float) -> float:
        i = int(np.searchsorted(near, x, side="left"))
        d = math.inf
        if i < n:
            d = float(near[i]) - x
        if i > 0:
            d = min(d, x - float(near[i - 1]))
        return d

    best_x, best = target, (gap_at(target), 0.0)
    for x in (lo, hi):
        cand = (gap_at(x), -abs(x - want))
        if cand > best:
            best_x, best = x, cand
    if n >= 2:
        mids = (near[:-1] + near[1:]) / 2
        ok = (mids >= lo) & (mids <= hi)
        if ok.any():
            half = (near[1:] - near[:-1]) / 2
            g = np.where(ok, half, -math.inf)
            gmax = float(g.max())
            close = np.where(g == gmax, -np.abs(mids - want), -math.inf)
            i = int(np.argmax(close))  # the first of the best
            cand = (gmax, float(close[i]))
            if cand > best:
                best_x, best = float(mids[i]), cand
    return best_x


@dataclass
class Occupancy:
    """Where the routes of a picture hold places (ports, crossing heights, vertical tracks),
    by place; kept up to date by ``picture_update`` as routes come and go."""

    ports: dict[tuple[str, str, bool], list[float]] = field(default_factory=dict)
    crossed: dict[tuple[str, int, int], list[float]] = field(default_factory=dict)
    tracks: dict[tuple[str, int], _Tracks] = field(default_factory=dict)

    @classmethod
    def of(cls, routes: Iterable[Routed]) -> Occupancy:
        occ = cls()
        for r in routes:
            occ.add(r)
        return occ

    def add(self, r: Routed) -> None:
        for node, side, border, y in r.ends:
            self.ports.setdefault((node, side, border), []).append(y)
        for key, y in r.crosses:
            self.crossed.setdefault(key, []).append(y)
        tracks = self.tracks
        for gap, x, a, b in r.runs:
            t = tracks.get(gap)
            if t is None:
                t = tracks[gap] = _Tracks()
            t.add((x, min(a, b), max(a, b)))

    def remove(self, r: Routed) -> None:
        for node, side, border, y in r.ends:
            _drop(self.ports.get((node, side, border)), y)
        for key, y in r.crosses:
            _drop(self.crossed.get(key), y)
        for gap, x, a, b in r.runs:
            t = self.tracks.get(gap)
            if t is not None:
                t.remove((x, min(a, b), max(a, b)))


def _drop(items: list[Any] | None, value: Any) -> None:
    if items is not None:
        try:
            items.remove(value)
        except ValueError:
            pass


def route_more(st: Structure, model: GraphModel, edges: Sequence[Edge],
               kept: Sequence[Routed] | Occupancy) -> list[Routed]:
    """Routes for ``edges`` added to an arrangement whose other edges keep their routes
    ``kept`` (or their ``Occupancy``; a what-if edit: nothing moves, most lines stay). The
    plans are those of ``route`` (the same gaps and crossings, so no line passes through a
    box); ports, crossing heights and vertical tracks are put where the kept routes leave the
    most room, since the gaps are not widened. ``route`` from scratch gives the evenly spread
    picture again. An ``Occupancy`` given is updated with the new routes."""
    depth = {k: model.tree.depth.get(k, 0) for k in st.conts}
    plans = [p for p in (_plan(st, e, depth) for e in edges) if p is not None]
    occ = kept if isinstance(kept, Occupancy) else Occupancy.of(kept)
    ports, crossed, tracks = occ.ports, occ.crossed, occ.tracks
    out: list[Routed] = []
    for p in plans:
        r = Routed(p.edge, [])
        if p.direct:
            ux, uy, uw, uh = st.rects[p.start.node]
            vx, vy, vw, vh = st.rects[p.end.node]
            x = min(max(ux + uw / 2, vx + 4), vx + vw - 4)
            r.points = [(x, uy + uh), (x, vy)]
            out.append(r)
            continue
        # which horizontal gap each crossing uses, as ``route`` chooses it
        y0 = sum(_port_range(st, p.start)) / 2
        y1 = sum(_port_range(st, p.end)) / 2
        cur = y0
        crosses = [s for s in p.steps if isinstance(s, _Cross)]
        for i, s in enumerate(crosses):
            ranges = _hgap_ranges(st.conts[s.cont], s.col)
            want = cur + (y1 - cur) / (len(crosses) - i + 1)
            best, best_d = 0, math.inf
            for gi, (a, b) in enumerate(ranges):
                if b - a < 4:
                    continue
                mid = (a + b) / 2
                dd = abs(mid - want) + 0.25 * abs(mid - cur)
                if dd < best_d:
                    best, best_d = gi, dd
            s.gap = best
            a, b = ranges[best]
            key = (s.cont, s.col, best)
            s.y = _free(a + 3, b - 3, crossed.get(key, ()), want)
            crossed.setdefault(key, []).append(s.y)
            cur = s.y
        # ports: a free place on each side, towards where the line goes next
        nxt = crosses[0].y if crosses else y1
        prv = crosses[-1].y if crosses else y0
        ends = [(p.start, nxt), (p.end, prv)]
        if _above(st, p.end):
            # a pill with siblings towards where the line comes from: entered from above, as
            # ``route`` does it (never through its siblings)
            ends.pop()
            unit = st.elem_of[p.end.node]
            lo, hi = _above_band(st, unit)
            key2 = (unit, TOP, False)
            p.end.y = _free(lo, hi, ports.get(key2, ()), hi)
            ports.setdefault(key2, []).append(p.end.y)
            nx, _, nw, _ = st.rects[p.end.node]
            key3 = (p.end.node, TOP_X, False)
            p.end.top_x = _free(nx + 3, nx + nw - 3, ports.get(key3, ()), nx + nw / 2)
            ports.setdefault(key3, []).append(p.end.top_x)
        for end, towards in ends:
            lo, hi = _port_range(st, end)
            key2 = (end.node, end.side, end.border)
            end.y = _free(lo, hi, ports.get(key2, ()), towards)
            ports.setdefault(key2, []).append(end.y)
        ys = [p.start.y] + [s.y for s in crosses] + [p.end.y]
        if p.loop:
            ys = [p.start.y, p.end.y]
        pts: list[tuple[float, float]] = [(_side_x(st, p.start), ys[0])]
        gi = 0
        for step in p.steps:
            if isinstance(step, _Gap):
                a, b = ys[gi], ys[gi + 1]
                x0, x1 = st.conts[step.cont].vgaps[step.index]
                gap = (step.cont, step.index)
                lo_y, hi_y = min(a, b) - 3, max(a, b) + 3
                tr = tracks.get(gap)
                if tr is None:
                    tr = tracks[gap] = _Tracks()
                x = _free(x0 + 4, x1 - 4, tr.beside(lo_y, hi_y), (x0 + x1) / 2)
                tr.add((x, min(a, b), max(a, b)))
                pts.append((x, a))
                pts.append((x, b))
                r.runs.append((gap, x, a, b))
                gi += 1
        if p.end.top_x is not None:
            pts.append((p.end.top_x, ys[-1]))
            pts.append((p.end.top_x, st.rects[p.end.node][1]))
        else:
            pts.append((_side_x(st, p.end), ys[-1]))
        if p.loop:
            x = max(pts[1][0], _side_x(st, p.start) + 6)
            pts = [(pts[0][0], ys[0]), (x, ys[0]), (x, ys[1]), (pts[-1][0], ys[1])]
        r.points = _simplify(pts)
        r.starts_on_border = p.start.border or p.start.node in st.conts
        _occupies(st, r, p)
        out.append(r)
    return out


def _simplify(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points, then every point in the middle of a straight (vertical or
    horizontal) run: each point is checked once against the last point kept before it and
    the next one (a forward scan, never looking back)."""
    dedup: list[tuple[float, float]] = []
    lx = ly = math.nan
    for pt in pts:
        x, y = pt
        if abs(lx - x) < 0.01 and abs(ly - y) < 0.01:
            continue
        dedup.append(pt)
        lx, ly = x, y
    if len(dedup) < 3:
        return dedup
    out = dedup[:2]
    (x0, y0), (x1, y1) = out
    for pt in dedup[2:]:
        x2, y2 = pt
        if (abs(x0 - x1) < 0.01 and abs(x1 - x2) < 0.01) or (
                abs(y0 - y1) < 0.01 and abs(y1 - y2) < 0.01):
            out[-1] = pt  # the middle one goes; the new one is the next to check
        else:
            out.append(pt)
            x0, y0 = x1, y1
        x1, y1 = x2, y2
    return out


def gap_needs(st: Structure, model: GraphModel, edges: Sequence[Edge], measure: Measure
              ) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int, int], float],
                         dict[tuple[str, int], float]]:
    """What ``route(points=False)`` says the gaps need, and the room labels want per vertical
    gap (each labelled edge's label in the gap of its longest vertical run; of equally long
    ones the first, or its last gap), without assigning the tracks: a gap needs as many
    tracks as ``route``'s interval colouring uses, and first fit by start uses exactly the
    most runs that overlap at one start (``_most_overlap``).

    The ~360,000 runs at 5,000 workloads are never looped over in Python: the heights of
    every plan (start, crossings, end) go into one flat array, and a plan's run k spans its
    heights k and k + 1."""
    edge_l, comp_l, _starts, _ends, topo, s_y, e_y, _gsel, y_flat, _gid, _gk, hneeds = \
        _heights_np(st, model, edges)
    n = len(comp_l)
    ys, y_at = _flat_heights(topo, s_y, e_y, y_flat)
    # every run: its gap (numbered in the order the gaps are first used, plans in order:
    # ``topo.rk``) and its two heights
    g = topo.rk
    n_runs = topo.run_n
    if not g.size:
        return {}, hneeds, {}
    run_at = np.cumsum(n_runs) - n_runs  # each plan's first run
    k = np.repeat(y_at - run_at, n_runs) + np.arange(g.size, dtype=np.int64)
    a, b = ys[k], ys[k + 1]
    tracks = _most_overlap(g, np.minimum(a, b), np.maximum(a, b), len(topo.vg_keys))
    vneeds = {gk: tracks[gid] * TRACK + 8 for gid, gk in enumerate(topo.vg_keys)}
    # labels: per labelled plan with runs the gap of its longest run
    label_need: dict[tuple[str, int], float] = {}
    texts = [e.label for e in edge_l]
    labelled = np.fromiter(map(bool, texts), bool, n) & (n_runs > 0)
    if labelled.any():
        has = n_runs > 0
        best = np.empty(n, dtype=np.int64)
        best[has] = _longest_runs(np.abs(b - a), g, run_at[has], n_runs[has])
        width: dict[str, float] = {}
        for t in set(texts):
            if t:
                lw, _ = measure(t, "label")
                width[t] = lw + 2 * LABEL_PAD_X + 8
        where = g[best[labelled]]
        need = np.fromiter(map(width.__getitem__, itertools.compress(texts, labelled)),
                           np.float64, where.size)
        most = np.zeros(len(topo.vg_keys), dtype=np.float64)
        np.maximum.at(most, where, need)
        keys = topo.vg_keys
        _u, first_at = np.unique(where, return_index=True)
        for gid in where[np.sort(first_at)].tolist():
            label_need[keys[gid]] = float(most[gid])
    return vneeds, hneeds, label_need


def _most_overlap(g: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_gaps: int) -> list[int]:
    """Per gap 0..n_gaps-1, the most runs [lo, hi] of ``g`` that hold a track at one start:
    run j still holds its track at a start y0 when hi_j + 3 >= y0; runs shorter than 0.5 take
    none (what ``_colour``'s first fit uses).

    Just after a gap's k-th start (0-based, by height) k + 1 runs have started and those whose
    release hi + 3 is below that start have ended (a release at the very height of a start
    still blocks it). The starts and the releases are sorted separately, each by (gap,
    height) as one integer key: the gap times the number of distinct heights plus the
    height's dense rank among all heights (equal heights, equal ranks)."""
    tracks = [0] * n_gaps
    take = ~(hi - lo < 0.5)
    g, lo, hi = g[take], lo[take], hi[take]
    m = g.size
    if not m:
        return tracks
    heights = np.concatenate((lo, hi + 3))
    by_height = np.argsort(heights)
    sorted_h = heights[by_height]
    rank = np.empty(2 * m, dtype=np.int64)
    rank[by_height] = np.concatenate(([0], np.cumsum(sorted_h[1:] != sorted_h[:-1])))
    span = int(rank.max()) + 1
    start_key = np.sort(g * span + rank[:m])
    release_key = np.sort(g * span + rank[m:])
    gs = start_key // span
    first = np.flatnonzero(np.concatenate(([True], gs[1:] != gs[:-1])))
    seg = np.repeat(np.arange(first.size), np.diff(np.append(first, m)))
    # releases below each start, less those of the gaps before its own
    ended = (np.searchsorted(release_key, start_key, side="left")
             - np.searchsorted(release_key, gs[first] * span, side="left")[seg])
    held = np.arange(1, m + 1, dtype=np.int64) - first[seg] - ended
    most = np.maximum.reduceat(held, first)
    for gid, n in zip(gs[first].tolist(), most.tolist(), strict=True):
        tracks[gid] = n
    return tracks


def _longest_runs(length: np.ndarray, g: np.ndarray, run_at: np.ndarray, n_runs: np.ndarray
                  ) -> np.ndarray:
    """Per plan (its runs ``run_at[j]`` to ``run_at[j] + n_runs[j]``, each at least one, in
    gaps ``g`` of ``length``): the index of its longest run; of equally long ones a run in the
    plan's last gap, then the first (the first maximum of (length, in the last gap))."""
    plan = np.repeat(np.arange(run_at.size), n_runs)
    last = g[run_at + n_runs - 1]
    longest = np.maximum.reduceat(length, run_at)
    score = (length == longest[plan]).astype(np.int8) * 2 + (g == last[plan])
    top = np.maximum.reduceat(score, run_at)
    idx = np.arange(g.size, dtype=np.int64)
    return np.minimum.reduceat(np.where(score == top[plan], idx, g.size), run_at)


def measure_needs(st: Structure, model: GraphModel, vis: VisibleGraph, measure: Measure) -> bool:
    """Route once and record in the containers how wide/high their gaps must be for the lines
    and labels that use them. True when some gap must grow."""
    vneeds, hneeds, label_need = gap_needs(st, model, vis.edges, measure)
    grew = False
    for (c, gi), w in vneeds.items():
        want = w + label_need.get((c, gi), 0.0)
        cont = st.conts[c]
        if want > cont.vgap_need.get(gi, 0.0):
            cont.vgap_need[gi] = want
            grew = True
    for (c, col, gi), w in hneeds.items():
        cont = st.conts[c]
        if w > cont.hgap_need.get((col, gi), 0.0):
            cont.hgap_need[(col, gi)] = w
            grew = True
    for (c, gi), w in label_need.items():
        cont = st.conts[c]
        if (c, gi) not in vneeds and w > cont.vgap_need.get(gi, 0.0):
            cont.vgap_need[gi] = w
            grew = True
    return grew


# ---------------------------------------------------------------------- labels


class _Grid:
    """Rectangles in a uniform grid, for overlap queries."""

    def __init__(self, cell: float = 96.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.rects: list[Rect] = []

    def add(self, r: Rect) -> None:
        i = len(self.rects)
        self.rects.append(r)
        c, cells = self.cell, self.cells
        x0, y0 = math.floor(r[0] / c), math.floor(r[1] / c)
        x1, y1 = math.floor((r[0] + r[2]) / c), math.floor((r[1] + r[3]) / c)
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                got = cells.get((gx, gy))
                if got is None:
                    cells[(gx, gy)] = [i]
                else:
                    got.append(i)

    def hits(self, r: Rect, pad: float = -1.0) -> bool:
        return self.blocker(r, pad) >= 0

    def blocker(self, r: Rect, pad: float = -1.0) -> int:
        """The index of a rectangle that shares a cell with ``r`` and overlaps it (closer than
        ``-pad`` counts), -1 when none does (``r`` is free)."""
        # a rectangle in several cells may be tested more than once: the answer is the same
        c, cells, rects = self.cell, self.cells, self.rects
        rx, ry, rw, rh = r
        x0, y0 = math.floor(rx / c), math.floor(ry / c)
        x1, y1 = math.floor((rx + rw) / c), math.floor((ry + rh) / c)
        left, right, top, bottom = rx + pad, rx + rw, ry + pad, ry + rh
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                for i in cells.get((gx, gy), ()):
                    o = rects[i]
                    if (left < o[0] + o[2] and o[0] + pad < right
                            and top < o[1] + o[3] and o[1] + pad < bottom):
                        return i
        return -1


def place_labels(routes: Sequence[Routed], obstacles: Iterable[Rect], measure: Measure,
                 order: Sequence[int] | None = None) -> int:
    """Give each labelled route a free label box; returns how many found none.

    A label's places lie close together, and the box that blocked one often blocks the next
    (half the tests at 5,000 workloads): a place that truly overlaps the last blocker (their
    insides meet, so they share a grid cell too) is taken by the grid (``_Grid.hits``) as
    well, and is passed over without asking it; any other place is asked about as before."""
    grid = _Grid()
    for rect in obstacles:
        grid.add(rect)
    rects = grid.rects
    missing = 0
    idx = order if order is not None else range(len(routes))
    for i in idx:
        r = routes[i]
        text = r.edge.label
        if not text:
            continue
        w, h = measure(text, "label")
        w, h = w + 2 * LABEL_PAD_X, h + 2 * LABEL_PAD_Y
        got = None
        o: Rect | None = None  # the box that blocked the last place tried
        for cand in _candidates(r, w, h):
            if o is not None:
                cx, cy, cw, ch = cand
                if cx < o[0] + o[2] and o[0] < cx + cw and cy < o[1] + o[3] and o[1] < cy + ch:
                    continue
            b = grid.blocker(cand)
            if b < 0:
                got = cand
                break
            o = rects[b]
        if got is None:
            missing += 1
            continue
        r.label_rect = got
        r.label_text = text
        grid.add(got)
    return missing


def _candidates(r: Routed, w: float, h: float) -> Iterable[Rect]:
    """The label places to try, in order: along the vertical segments from the target end,
    then along the horizontal ones from the target end (walked lazily: most labels take one
    of the first places)."""
    pts = r.points
    last = len(pts) - 2
    fracs = (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95)
    for i in range(last, -1, -1):
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        if not abs(x0 - x1) < 0.5:
            continue
        length = abs(y1 - y0)
        if length < 2:
            continue
        for f in fracs:
            y = y0 + (y1 - y0) * f
            yield (x0 - w / 2, y - h / 2, w, h)
            yield (x0 + 2, y - h / 2, w, h)
            yield (x0 - w - 2, y - h / 2, w, h)
    for i in range(last, -1, -1):
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        if not abs(y0 - y1) < 0.5:
            continue
        length = abs(x1 - x0)
        if length < 2:
            continue
        for f in fracs:
            x = x0 + (x1 - x0) * f
            if length >= w:
                x = min(max(x, min(x0, x1) + w / 2), max(x0, x1) - w / 2)
            yield (x - w / 2, y0 - h / 2, w, h)
            yield (x - w / 2, y0 - h - 1, w, h)
            yield (x - w / 2, y0 + 1, w, h)


# ---------------------------------------------------------------------- the picture


@dataclass
class DrawnNode:
    key: str
    kind: str
    rect: Rect
    label: str  # the whole text, lines joined by "\n" (name, then subtitle)
    name: str
    subtitle: str
    parent: str | None
    members: list[str]
    tooltip: str = ""
    #: containers: the title band
    title_rect: Rect | None = None


@dataclass
class DrawnEdge:
    edge: Edge
    points: list[tuple[float, float]]
    label: str = ""
    label_rect: Rect | None = None
    #: the source is a box (container) the line starts on: drawn with a dot
    source_dot: bool = False


@dataclass
class Picture:
    """Everything drawn, in scene units (pixels at scale 1); ``canvas`` is the area of the
    picture, so a PNG pixel (x, y) is the scene point (canvas.x + x, canvas.y + y)."""

    nodes: list[DrawnNode]
    edges: list[DrawnEdge]
    canvas: Rect
    legend: Rect | None
    heading: str = ""
    heading_rect: Rect | None = None
    unlabelled: int = 0
    pairs: int = 0
    difference: bool = False
    denied_limited: bool = False
    notes: list[str] = field(default_factory=list)
    #: how it was made (for ``picture_update``; not part of what is drawn): the routes, in the
    #: order of ``edges``, the arrangement, and the visible containers and legend rows
    routes: list[Routed] | None = field(default=None, repr=False, compare=False)
    structure: Structure | None = field(default=None, repr=False, compare=False)
    basis: tuple[object, ...] = field(default=(), repr=False, compare=False)
    #: the routes' places, made by the first ``picture_update`` and handed on
    occupancy: Occupancy | None = field(default=None, repr=False, compare=False)
    #: the legend's rows (``legend_entries``) when made with a legend, so that the view
    #: does not compute them again
    legend_rows: list[tuple[str, object]] | None = field(default=None, repr=False,
                                                          compare=False)

    @property
    def drawn_exact(self) -> int:
        return sum(1 for e in self.edges if e.edge.style in ("allowed", "partial"))

    @property
    def ratio(self) -> float:
        return self.drawn_exact / self.pairs if self.pairs else 0.0


LEGEND_ROW = 18.0
LEGEND_PAD = 8.0
LEGEND_SAMPLE = 34.0
HEADING_GAP = 12.0


def legend_entries(model: GraphModel, vis: VisibleGraph) -> list[tuple[str, object]]:
    """(text, edge style or node kind) rows of the legend for this view."""
    styles = {e.style for e in vis.edges}
    diff = model.difference is not None
    out: list[tuple[str, object]] = []
    for st in palette.legend_entries(True, "bundle" in styles, diff,
                                     tuple(s for s in styles if s in palette.OUTSIDE_STYLES),
                                     model.admin_loaded()):
        if (st.name in styles or st.name in ("allowed", "partial") and not diff
                or st.name == "denied-by-admin"):
            out.append((st.label, st))
    kinds = {model.nodes[k].kind for k in vis.nodes if k in model.nodes}
    for kind, text in (("workload", "Workload (×replicas)"), ("service", "Service (port→target)"),
                       ("external", "External addresses"), ("peer", "Other peer"),
                       ("ingress-controller", "Ingress controller (serves Ingress/Route)"),
                       ("outside", "Outside the cluster"),
                       ("entry", "Way in: LoadBalancer, NodePort, Ingress, Route"),
                       ("destination", "Address or name a Service leads to")):
        if kind in kinds or kind == "workload":
            out.append((text, kind))
    out.append(("Edge from/to a box: every member", "box"))
    return out


def legend_size(entries: Sequence[tuple[str, object]], measure: Measure) -> tuple[float, float]:
    w = max((measure(t, "legend")[0] for t, _ in entries), default=0.0)
    return (math.ceil(w + LEGEND_SAMPLE + 3 * LEGEND_PAD), len(entries) * LEGEND_ROW + 2 * LEGEND_PAD)


def picture(model: GraphModel, vis: VisibleGraph, layout: Layout, heading: str = "",
            legend: bool = True) -> Picture:
    """The picture of ``vis``: ``layout`` is updated (placed when needed), edges are routed
    and labelled."""
    measure = layout.measure
    st = layout.update(model, vis, needs=measure_needs)
    shown_nodes = [k for k in vis.nodes if k in st.rects]
    containers = [k for k in vis.containers if k in st.rects]
    routes, _ = route(st, model, vis.edges)
    # user moves: ends follow the moved boxes with a straight connector
    eff = {k: layout.rect(model, k) for k in layout.moved if k in st.rects}
    if eff:
        for r in routes:
            for end, idx in ((r.edge.src, 0), (r.edge.dst, -1)):
                if end in eff:
                    x, y, w, h = eff[end]
                    r.points[idx] = (x + w / 2, y + h / 2)
    rects = {k: eff.get(k, st.rects[k]) for k in shown_nodes + containers}
    obstacles: list[Rect] = [rects[k] for k in shown_nodes]
    for k in containers:
        tx, ty, tw, th = st.titles[k]
        cnode = model.nodes.get(k)
        text_w = measure(title_text(cnode), "title")[0] if cnode is not None else tw
        obstacles.append((tx, ty, min(tw, text_w + 20), th))
    # the drawing's extent, then the legend to its right and the heading above
    dx0, dy0, dx1, dy1 = _extent(list(rects.values()), routes)
    legend_rect: Rect | None = None
    entries = legend_entries(model, vis) if legend else []
    if entries:
        lw, lh = legend_size(entries, measure)
        legend_rect = (dx1 + 2 * ROOT_MARGIN, dy0, lw, lh)
        obstacles.append(legend_rect)
    # shortest first (a stable sort: by length, then as routed)
    lens = [len(r.points) for r in routes]
    order = sorted(range(len(routes)), key=lens.__getitem__)
    unlabelled = place_labels(routes, obstacles, measure, order)
    for r in routes:
        if r.label_rect is not None:
            x, y, w, h = r.label_rect
            dx0, dy0 = min(dx0, x), min(dy0, y)
            dx1, dy1 = max(dx1, x + w), max(dy1, y + h)
    if legend_rect is not None:
        lx = dx1 + 2 * ROOT_MARGIN if legend_rect[0] < dx1 + ROOT_MARGIN else legend_rect[0]
        legend_rect = (lx, legend_rect[1], legend_rect[2], legend_rect[3])
    heading_rect = None
    top = dy0 - ROOT_MARGIN
    if heading:
        hw, hh = measure(heading, "heading")
        heading_rect = (dx0, dy0 - ROOT_MARGIN - hh, hw, hh)
        top = heading_rect[1] - HEADING_GAP
    right = dx1 + ROOT_MARGIN
    bottom = dy1 + ROOT_MARGIN
    if legend_rect is not None:
        right = max(right, legend_rect[0] + legend_rect[2] + ROOT_MARGIN)
        bottom = max(bottom, legend_rect[1] + legend_rect[3] + ROOT_MARGIN)
    if heading_rect is not None:
        right = max(right, heading_rect[0] + heading_rect[2] + ROOT_MARGIN)
    left = dx0 - ROOT_MARGIN
    canvas = (math.floor(left), math.floor(top), math.ceil(right - math.floor(left)),
              math.ceil(bottom - math.floor(top)))
    tree = vis.tree or model.tree
    nodes = [_drawn_node(model, st, tree, k, rects[k], True) for k in containers]
    nodes += [_drawn_node(model, st, tree, k, rects[k], False) for k in shown_nodes]
    edges = [DrawnEdge(r.edge, r.points, r.label_text, r.label_rect,
                       r.starts_on_border and r.edge.style != "service") for r in routes]
    return Picture(nodes, edges, canvas, legend_rect, heading, heading_rect, unlabelled,
                   vis.pairs, model.difference is not None, vis.denied_limited,
                   routes=routes, structure=st, basis=_basis(model, vis, layout),
                   legend_rows=entries if legend else None)


def _extent(rects: list[Rect], routes: list[Routed]) -> tuple[float, float, float, float]:
    """The least x and y and the greatest x and y of the boxes and the route points ((0, 0,
    100, 100) when there are none). The points (~900,000 at 5,000 workloads) are read with
    C-level maps and never copied into joined lists: min/max over the boxes, then over the
    points, give the very value of min/max over both in that order (ties: the first)."""
    xs, ys = [r[0] for r in rects], [r[1] for r in rects]
    xe, ye = [r[0] + r[2] for r in rects], [r[1] + r[3] for r in rects]
    points = list(itertools.chain.from_iterable(r.points for r in routes))
    if points:
        pxs = list(map(_FIRST, points))
        pys = list(map(_SECOND, points))
        xs.append(min(pxs))
        ys.append(min(pys))
        xe.append(max(pxs))
        ye.append(max(pys))
    if not xs:
        return 0.0, 0.0, 100.0, 100.0
    return min(xs), min(ys), max(xe), max(ye)


def _drawn_node(model: GraphModel, st: Structure, tree: Tree, k: str, rect: Rect,
                container: bool) -> DrawnNode:
    n = model.nodes[k]
    if container:
        title = title_text(n)
        return DrawnNode(k, n.kind, rect, title, title, "", _parent(tree, k),
                         model.members(k) if k in tree.lo else [], n.tooltip, st.titles[k])
    parent = _parent(tree, k) if not k.startswith(SERVICE_PREFIX) else _svc_parent(st, k)
    label = n.label + ("\n" + n.subtitle if n.subtitle else "")
    members = (list(model.service_backends.get(k, ())) if k.startswith(SERVICE_PREFIX)
               else model.members(k))
    return DrawnNode(k, n.kind, rect, label, n.label, n.subtitle, parent, members, n.tooltip)


def _basis(model: GraphModel, vis: VisibleGraph, layout: Layout) -> tuple[object, ...]:
    """What must not change for ``picture_update`` to keep the boxes and titles."""
    return (tuple(vis.nodes), tuple(vis.containers), vis.tree, tuple(sorted(layout.moved)),
            model.difference is not None)


#: above this share of new edges, ``picture_update`` routes everything afresh
UPDATE_MAX_NEW = 0.25


def picture_update(prev: Picture, model: GraphModel, vis: VisibleGraph, layout: Layout,
                   heading: str = "", legend: bool = True) -> Picture | None:
    """The picture of ``vis`` made from ``prev`` (the picture of the same arrangement before a
    what-if edit): boxes, titles, legend and every edge still drawn stay exactly where they
    were, the edges that are new are routed between them (``route_more``) and labelled where
    free. An edit that cut the external ranges anew adds and removes boxes (``Layout``
    patches its arrangement: a new column right of everything); every other box must be where
    it was. None when that cannot be done (other boxes, the legend rows or user moves differ,
    or too much changed): then ``picture`` makes it afresh."""
    if prev.routes is None or prev.structure is None or heading != prev.heading:
        return None
    st = layout.update(model, vis, needs=measure_needs)
    if st is not prev.structure:
        return None
    basis = _basis(model, vis, layout)
    nodes: list[DrawnNode] = prev.nodes
    if basis != prev.basis:
        # only an edit that changed the tree (the view unfiltered): another filter is
        # another picture
        if basis[3:] != prev.basis[3:] or vis.tree is not model.tree \
                or prev.basis[2] is model.tree:
            return None
        renoded = _renode(prev, model, vis, layout, st)
        if renoded is None:
            return None
        nodes = renoded
    else:
        nodes = _retext(prev.nodes, model)
    # the legend keeps its place (right of a column an edit added); its rows follow the
    # styles drawn (e.g. the first "changed")
    entries = legend_entries(model, vis) if legend else []
    legend_rect = prev.legend
    if legend_rect is not None and entries:
        lw, lh = legend_size(entries, layout.measure)
        lx = legend_rect[0]
        if nodes is not prev.nodes:
            right = max((n.rect[0] + n.rect[2] for n in nodes), default=lx)
            lx = max(lx, right + 2 * ROOT_MARGIN)
        legend_rect = (lx, legend_rect[1], lw, lh)
    elif entries:
        return None  # a legend where there was none: placed afresh
    # unchanged edges are the very objects of the previous view (the model caches them)
    prev_routes = prev.routes
    old = {id(r.edge): i for i, r in enumerate(prev_routes)}
    keep_idx: list[int] = []
    fresh_edges = []
    #: per edge of ``vis``: the index of its route in ``prev`` (-1: routed afresh)
    where: list[int] = []
    for e in vis.edges:
        i = old.get(id(e))
        if i is not None and prev_routes[i].edge is e:
            keep_idx.append(i)
            where.append(i)
        else:
            fresh_edges.append(e)
            where.append(-1)
    if len(fresh_edges) > max(64, UPDATE_MAX_NEW * len(vis.edges)):
        return None
    kept = [prev.routes[i] for i in keep_idx]
    occ = prev.occupancy
    if occ is None:
        occ = Occupancy.of(kept)
    else:
        gone = set(range(len(prev.routes))) - set(keep_idx)
        for i in gone:
            occ.remove(prev.routes[i])
    prev.occupancy = None  # handed on (updated in place)
    fresh = route_more(st, model, fresh_edges, occ)
    # user moves: ends follow the moved boxes with a straight connector (as ``picture``)
    eff = {k: layout.rect(model, k) for k in layout.moved if k in st.rects}
    if eff:
        for r in fresh:
            for end, idx in ((r.edge.src, 0), (r.edge.dst, -1)):
                if end in eff:
                    x, y, w, h = eff[end]
                    r.points[idx] = (x + w / 2, y + h / 2)
    obstacles: list[Rect] = [n.rect for n in nodes if n.title_rect is None]
    measure = layout.measure
    for n in nodes:
        if n.title_rect is not None:
            tx, ty, tw, th = n.title_rect
            cnode = model.nodes.get(n.key)
            text_w = measure(title_text(cnode), "title")[0] if cnode is not None else tw
            obstacles.append((tx, ty, min(tw, text_w + 20), th))
    obstacles += [r.label_rect for r in kept if r.label_rect is not None]
    if legend_rect is not None:
        obstacles.append(legend_rect)
    order = sorted(range(len(fresh)), key=lambda i: (len(fresh[i].points), i))
    missing = place_labels(fresh, obstacles, measure, order)
    unlabelled = len([r for r in kept if r.label_rect is None and r.edge.label]) + missing
    fresh_by = {id(r.edge): r for r in fresh}
    # the canvas grows when a new line or label reaches past it (it never shrinks here)
    x0, y0, w0, h0 = prev.canvas
    x1, y1 = x0 + w0, y0 + h0
    if legend_rect is not None:
        lx, ly, lw, lh = legend_rect
        x1, y1 = max(x1, lx + lw + ROOT_MARGIN), max(y1, ly + lh + ROOT_MARGIN)
    for r in fresh:
        for px, py in r.points:
            x0, y0 = min(x0, px - ROOT_MARGIN), min(y0, py - ROOT_MARGIN)
            x1, y1 = max(x1, px + ROOT_MARGIN), max(y1, py + ROOT_MARGIN)
        if r.label_rect is not None:
            lx, ly, lw, lh = r.label_rect
            x0, y0 = min(x0, lx - ROOT_MARGIN), min(y0, ly - ROOT_MARGIN)
            x1, y1 = max(x1, lx + lw + ROOT_MARGIN), max(y1, ly + lh + ROOT_MARGIN)
    routes: list[Routed] = []
    edges: list[DrawnEdge] = []
    prev_edges = prev.edges
    for e, i in zip(vis.edges, where, strict=True):
        if i >= 0:
            routes.append(prev_routes[i])
            edges.append(prev_edges[i])  # the same drawn edge: its chunk stays as it is
            continue
        got = fresh_by.get(id(e))
        if got is not None:
            routes.append(got)
            edges.append(DrawnEdge(got.edge, got.points, got.label_text, got.label_rect,
                                   got.starts_on_border and got.edge.style != "service"))
    for n in nodes if nodes is not prev.nodes else ():
        x, y, w, h = n.rect
        x0, y0 = min(x0, x - ROOT_MARGIN), min(y0, y - ROOT_MARGIN)
        x1, y1 = max(x1, x + w + ROOT_MARGIN), max(y1, y + h + ROOT_MARGIN)
    canvas = (math.floor(x0), math.floor(y0), math.ceil(x1 - math.floor(x0)),
              math.ceil(y1 - math.floor(y0)))
    return Picture(nodes, edges, canvas, legend_rect, prev.heading,
                   prev.heading_rect, unlabelled, vis.pairs, model.difference is not None,
                   vis.denied_limited, list(prev.notes), routes=routes, structure=st,
                   basis=basis, occupancy=occ, legend_rows=entries if legend else None)


def _renode(prev: Picture, model: GraphModel, vis: VisibleGraph, layout: Layout,
            st: Structure) -> list[DrawnNode] | None:
    """The boxes of ``vis`` after an edit that added or removed some (``picture_update``):
    a box that was drawn before is the same box, in the same place (its texts, members and
    container brought up to date); a new one is drawn where the layout put it, and so is an
    external leaf that stands for other ranges now under its old key (``GraphModel.updated``
    moved it to the top level). None when any other box is not where it was."""
    eff = {k: layout.rect(model, k) for k in layout.moved if k in st.rects}
    tree = vis.tree or model.tree
    before = {d.key: d for d in prev.nodes}
    # the containers whose members may have changed: those above a box gone or new, or above
    # an external range that stands for other ranges now
    containers = vis.containers  # a property that walks the tree: once
    shown = set(vis.nodes) | set(containers)
    changed = {k for k in model.externals if k in before
               and before[k].members != model.members_of.get(k)}
    touched: set[str] = set()
    for k in [k for k in before if k not in shown] + list(changed):
        p = before[k].parent
        while p is not None and p not in touched:
            touched.add(p)
            got = before.get(p)
            p = got.parent if got is not None else None
    for k in [k for k in shown if k not in before] + list(changed):
        if k in model.tree.lo:
            touched.update(model.tree.ancestors(k))
    out: list[DrawnNode] = []
    for container, keys in ((True, containers), (False, vis.nodes)):
        for k in keys:
            r = st.rects.get(k)
            if r is None:
                continue
            r = eff.get(k, r)
            d = before.get(k)
            if d is None:
                out.append(_drawn_node(model, st, tree, k, r, container))
                continue
            if (d.title_rect is not None) != container:
                return None
            if d.rect != r:
                if container or d.kind != "external" or k not in model.tree.index \
                        or model.tree.parent.get(k) != ROOT:
                    return None
                # an external range's key standing for other ranges now: another box (the
                # layout placed it with the new ones; its edges are new edges)
                out.append(_drawn_node(model, st, tree, k, r, container))
                continue
            if k in touched or k in changed:
                fresh = _drawn_node(model, st, tree, k, r, container)
                if (fresh.label, fresh.members, fresh.parent, fresh.tooltip) != (
                        d.label, d.members, d.parent, d.tooltip):
                    if container and fresh.title_rect != d.title_rect:
                        return None
                    d = fresh
            out.append(d)
    return _retext(out, model)


def _retext(nodes: list[DrawnNode], model: GraphModel) -> list[DrawnNode]:
    """``nodes`` with the texts ``model`` gives them now, in the same boxes (an edit can change
    what a node says, e.g. what gets through to a way in from outside): the very list when
    no text changed."""
    out: list[DrawnNode] | None = None
    for i, d in enumerate(nodes):
        n = model.nodes.get(d.key)
        if n is None:
            continue
        if d.title_rect is not None:
            name, sub = title_text(n), ""
            label = name
        else:
            name, sub = n.label, n.subtitle
            label = n.label + ("\n" + n.subtitle if n.subtitle else "")
        if (name, sub, n.tooltip) != (d.name, d.subtitle, d.tooltip):
            if out is None:
                out = list(nodes)
            out[i] = replace(d, label=label, name=name, subtitle=sub, tooltip=n.tooltip)
    return nodes if out is None else out


def _parent(tree: Tree, key: str) -> str | None:
    p = tree.parent.get(key)
    return None if p in (None, ROOT) else p


def _svc_parent(st: Structure, key: str) -> str | None:
    c = st.cont_of.get(st.elem_of.get(key, ""), None)
    if c is None:
        e = st.elem_of.get(key, "")
        if e.startswith(UNIT):
            c = st.cont_of.get(e)
    return None if c in (None, ROOT) else c


def arrow_base(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Where the line stops so that its arrowhead (at the last point) is not overdrawn."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    d = math.hypot(x1 - x0, y1 - y0) or 1.0
    k = min(ARROW_LEN, d) / d
    return (x1 - (x1 - x0) * k, y1 - (y1 - y0) * k)

"""Workload-level connectivity: the "connection list" every output and the graph draw.

A *peer* is a workload (the top-level owner of pods, or a bare pod) or an external address
range. Pods of one workload are one peer (the reference convention). The list is built from
the analyzer's class blocks (``Analyzer.class_pairs``), never from per-pair verdicts, so its
cost grows with the number of class pairs that are allowed, not with pods squared.

Decisions (the reference analyzer's conventions, checked by tests/conformance):

- **Workload aggregation.** Traffic between two different pods of the same workload is not
  listed (a workload to itself). When the pods of one workload fall into several classes (same
  owner, different labels), the pair's connections are those allowed for *every* class pair
  (intersection): a listed connection holds for the whole workload. (The reference refuses
  such input when a policy tells the pods apart; netviz lists the common part instead.)
- **External ranges.** Per direction, the IPv4 space is cut at every boundary of every ipBlock
  that any policy uses in that direction (``from`` blocks cut the ingress side, ``to`` blocks
  the egress side); the same pieces are used for every workload, isolated or not (with no
  ipBlock at all, ``0.0.0.0-255.255.255.255`` is one piece). Each piece is evaluated once per
  workload; adjacent pieces with identical connections are *not* merged, so the ranges
  printed are exactly the cut pieces that allow something, as in the reference. IPv6 pieces
  appear only when a policy names an IPv6 block. ipBlocks never match pods unless
  ``Options.ipblock_matches_pod_ips`` is on (then the analyzer also lets them match pods with
  known IPs; external ranges are still cut the same way).
- **Focus.** ``Focus.workloads`` keeps connections with a focus workload at either end
  (``direction`` ``ingress``: at the destination; ``egress``: at the source); ``Focus.peers``
  additionally requires the other end to be one of the peers. A name is ``name`` (any
  namespace), ``ns/name`` or ``ns/name[Kind]``; an external range never matches a name.
  ``Focus.protocol``/``port`` keep connections that allow that protocol and port and replace
  their connection set by just that port (the reference's "Permitted connections on ..." form).
- Sorted by (source key, destination key) as plain strings, like the reference outputs.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from typing import NamedTuple

from netviz.engine import tiers
from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, Block, PodClass, bits_list
from netviz.engine.connections import ConnectionSet
from netviz.engine.ingress import (
    INGRESS_CONTROLLER,
    INGRESS_CONTROLLER_NAME,
    INGRESS_CONTROLLER_NAMES,
    analyze_ingress,
)
from netviz.engine.ipranges import IPRange, atoms
from netviz.model.cluster_policy import Tier
from netviz.model.keys import external_key, parse_workload_key

#: ``PeerNode.kind`` of the ``{ingress-controller}`` peer
INGRESS_CONTROLLER_KIND = "IngressController"


@dataclass(frozen=True, order=True)
class PeerNode:
    key: str  # "ns/name[Kind]" or "first-last[External]"
    kind: str  # workload kind, "Pod", or "External"
    namespace: str | None = None
    name: str = ""
    ip_range: IPRange | None = None

    @property
    def is_external(self) -> bool:
        return self.ip_range is not None

    @classmethod
    def external(cls, r: IPRange) -> PeerNode:
        return cls(external_key(str(r)), "External", None, str(r), r)

    @classmethod
    def ingress_controller(cls) -> PeerNode:
        """The ``{ingress-controller}`` peer (``netviz.engine.ingress``)."""
        return cls(INGRESS_CONTROLLER, INGRESS_CONTROLLER_KIND, None, INGRESS_CONTROLLER_NAME)

    @property
    def is_ingress_controller(self) -> bool:
        return self.key == INGRESS_CONTROLLER

    @classmethod
    def workload(cls, key: str) -> PeerNode:
        ns, name, kind = parse_workload_key(key)
        return cls(key, kind, ns, name)

    def matches(self, name: str) -> bool:
        """True when ``name`` (``name``, ``ns/name`` or ``ns/name[Kind]``) names this peer."""
        if self.is_external:
            return False
        if self.key == INGRESS_CONTROLLER:
            return name in INGRESS_CONTROLLER_NAMES
        if "[" in name:
            return name == self.key
        if "/" in name:
            return name == f"{self.namespace}/{self.name}"
        return name == self.name


class Connection(NamedTuple):
    """One allowed directed connection. A NamedTuple: hundreds of thousands are made per list."""

    src: PeerNode
    dst: PeerNode
    connections: ConnectionSet


@dataclass(frozen=True)
class Focus:
    """What ``netviz list`` is asked to show. Empty: everything."""

    workloads: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    direction: str | None = None  # "ingress" | "egress" | None
    protocol: str | None = None
    port: int | None = None

    @property
    def by_port(self) -> bool:
        return self.protocol is not None and self.port is not None


def workload_classes(an: Analyzer) -> dict[str, list[int]]:
    """Workload key -> indices of the pod classes of its pods."""
    out: dict[str, list[int]] = {}
    for pc in an.classes:
        for pod in pc.pods:
            lst = out.setdefault(pod.workload_key, [])
            if pc.index not in lst:
                lst.append(pc.index)
    return out


def workload_pairs(
    an: Analyzer, rows: set[str] | None = None, cols: set[str] | None = None
) -> dict[tuple[str, str], ConnectionSet]:
    """(source workload, destination workload) -> connections, for allowed pairs only.

    With ``rows``/``cols``, only pairs whose source is in ``rows`` or whose destination is in
    ``cols`` are computed (what-if edits: the rows and columns an edit can change).

    Works on the analyzer's blocks, so the cost follows the number of workload pairs, not
    of pod-class pairs. Each class pair lies in exactly one block, so when a block covers
    *every* class of a source workload and of a destination workload, that block alone holds
    all their class pairs and its connections are the pair's. Workloads whose classes a block
    covers only in part (a policy tells pods of one workload apart) take a slower path that
    intersects over their class pairs; a missing class pair is denied and empties the pair.
    """
    wl_classes = workload_classes(an)
    class_wl: dict[int, list[str]] = {}
    mask: dict[str, int] = {}
    for wl, cls in wl_classes.items():
        m = 0
        for c in cls:
            class_wl.setdefault(c, []).append(wl)
            m |= 1 << c
        mask[wl] = m

    def split(bits: int, partial: set[str]) -> list[str]:
        """Workloads wholly inside ``bits``; those only partly inside go to ``partial``."""
        whole: list[str] = []
        seen: set[str] = set()
        for c in bits_list(bits):
            for wl in class_wl[c]:
                if wl in seen:
                    continue
                seen.add(wl)
                m = mask[wl]
                if bits & m == m:
                    whole.append(wl)
                else:
                    partial.add(wl)
        return whole

    if rows is None and cols is None:
        blocks = an.blocks()
    else:
        row_mask = col_mask = 0
        for wl in rows or ():
            row_mask |= mask.get(wl, 0)
        for wl in cols or ():
            col_mask |= mask.get(wl, 0)
        blocks = an.blocks(row_mask, col_mask)
    out: dict[tuple[str, str], ConnectionSet] = {}
    partial: set[str] = set()
    for blk in blocks:
        s_whole = split(blk.src, partial)
        d_whole = split(blk.dst, partial)
        conns = blk.connections
        if rows is None and cols is None:
            for sw in s_whole:
                for dw in d_whole:
                    if sw != dw:
                        out[(sw, dw)] = conns
            continue
        row_set, col_set = rows or set(), cols or set()
        d_cols = [dw for dw in d_whole if dw in col_set]
        for sw in s_whole:
            for dw in d_whole if sw in row_set else d_cols:
                if sw != dw:
                    out[(sw, dw)] = conns
    if not partial:
        return out
    for k in [k for k in out if k[0] in partial or k[1] in partial]:
        del out[k]
    out.update(partial_pairs(an, blocks, partial, wl_classes, class_wl, mask, rows, cols))
    return out


def partial_pairs(
    an: Analyzer,
    blocks: Sequence[Block],
    partial: set[str],
    wl_classes: dict[str, list[int]],
    class_wl: dict[int, list[str]],
    mask: dict[str, int],
    rows: set[str] | None = None,
    cols: set[str] | None = None,
) -> dict[tuple[str, str], ConnectionSet]:
    """The slow path, for pairs with a workload whose classes are spread over several blocks
    (``partial``): intersect over all their class pairs, counting them (a missing one is
    denied). Only pairs with a partial end are returned."""
    pmask = 0
    for wl in partial:
        pmask |= mask[wl]
    pair: dict[tuple[str, str], ConnectionSet] = {}
    count: dict[tuple[str, str], int] = {}

    def visit(s: int, d: int, conns: ConnectionSet) -> None:
        for sw in class_wl[s]:
            for dw in class_wl[d]:
                if sw == dw or (sw not in partial and dw not in partial):
                    continue
                if (rows is not None or cols is not None) and not (
                    sw in (rows or ()) or dw in (cols or ())
                ):
                    continue
                k = (sw, dw)
                prev = pair.get(k)
                pair[k] = conns if prev is None else prev & conns
                count[k] = count.get(k, 0) + 1

    for blk in blocks:
        for s in bits_list(blk.src & pmask):
            for d in bits_list(blk.dst):
                visit(s, d, blk.connections)
        for s in bits_list(blk.src & ~pmask):
            for d in bits_list(blk.dst & pmask):
                visit(s, d, blk.connections)
    out: dict[tuple[str, str], ConnectionSet] = {}
    for k, conns in pair.items():
        if count[k] == len(wl_classes[k[0]]) * len(wl_classes[k[1]]) and conns:
            out[k] = conns
    return out


def direction_atoms(an: Analyzer) -> dict[str, list[IPRange]]:
    """Per direction, the external ranges: the address space cut at every boundary of the
    ipBlocks (and cluster policy networks and node addresses) that *any* policy uses in that
    direction (the reference cuts globally, per direction: a workload no policy isolates still
    gets the pieces)."""
    return {d: atoms(an.direction_ip_ranges(d)) for d in (INGRESS, EGRESS)}


def external_connections(
    an: Analyzer,
    wl: str,
    classes: Sequence[int],
    pieces: dict[str, list[IPRange]],
    nodes: dict[object, PeerNode] | None = None,
    memo: dict[object, list[tuple[IPRange, ConnectionSet]]] | None = None,
    directions: Sequence[str] = (INGRESS, EGRESS),
) -> Iterable[Connection]:
    """Connections of workload ``wl`` with external ranges, in ``directions`` (both by
    default). ``nodes`` caches the peer objects (one per key/range, shared by every
    connection); ``memo`` the allowed (range, connections) of workloads whose classes have
    the same policy signatures (they are the same: ``Analyzer.external_signature``)."""
    nodes = {} if nodes is None else nodes
    peer = _node(nodes, wl)
    for direction in directions:
        key = (direction, tuple(an.external_signature(direction, c) for c in classes))
        got = memo.get(key) if memo is not None else None
        if got is None:
            got = []
            for r in pieces[direction]:
                conns = ConnectionSet.all()
                for c in classes:
                    conns = conns & an.external_conns(an.classes[c], direction, r)
                    if not conns:
                        break
                if conns:
                    got.append((r, conns))
            if memo is not None:
                memo[key] = got
        for r, conns in got:
            ext = _node(nodes, r)
            if direction == INGRESS:
                yield Connection(ext, peer, conns)
            else:
                yield Connection(peer, ext, conns)


def _node(cache: dict[object, PeerNode], key: str | IPRange) -> PeerNode:
    got = cache.get(key)
    if got is None:
        got = PeerNode.external(key) if isinstance(key, IPRange) else PeerNode.workload(key)
        cache[key] = got
    return got


def connlist(an: Analyzer, focus: Focus | None = None) -> list[Connection]:
    """Every allowed connection between peers (restricted by ``focus``), sorted by keys:
    ``iter_connlist`` collected. (``connlist_after_edit`` computes the
    same list by another path, from ``workload_pairs`` and ``external_connections``; the
    what-if tests compare the two.)

    The cyclic garbage collector is off while the list is made (and restored as it was):
    the list's tuples only refer to peers and connection sets that exist already, so they make
    no cycle, and the full collections that ~900,000 new tuples trigger (5,000 workloads)
    would traverse every object of the process to find nothing: 1.5 s of a 2 s list when the
    collector runs (the app; the one-shot commands run without it)."""
    out: list[Connection] = []
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        for src, row in iter_rows(an, focus):
            out.extend(_row_connections(src, row))
    finally:
        if collecting:
            gc.enable()
    return out


def _row_connections(src: PeerNode, row: list[tuple[str, PeerNode, ConnectionSet]]
                     ) -> Iterator[Connection]:
    """The row's Connections, made in C (``map`` of ``tuple.__new__`` over ``zip``): no Python
    frame per pair, which at 900,000 pairs is most of the list's cost."""
    if not row:
        return iter(())
    _, dsts, conns = zip(*row, strict=True)
    return map(tuple.__new__, repeat(Connection), zip(repeat(src), dsts, conns))



def ingress_connections(an: Analyzer, nodes: dict[object, PeerNode] | None = None) -> list[Connection]:
    """``{ingress-controller} => workload`` connections (``netviz.engine.ingress``)."""
    ia = analyze_ingress(an)
    if not ia.present:
        return []
    nodes = {} if nodes is None else nodes
    ic = nodes.get(INGRESS_CONTROLLER)
    if ic is None:
        ic = nodes[INGRESS_CONTROLLER] = PeerNode.ingress_controller()
    return [Connection(ic, _node(nodes, t.workload), t.allowed) for t in ia.targets if t.allowed]


class EditedList(NamedTuple):
    """``connlist_edit``'s answer: the new list, and the peer pairs whose connections differ
    from the previous list (added, removed or other ports)."""

    connections: list[Connection]
    changed: set[tuple[str, str]]


def connlist_after_edit(
    prev_an: Analyzer,
    prev: Sequence[Connection],
    new_an: Analyzer,
    focus: Focus | None = None,
) -> list[Connection]:
    """``connlist(new_an, focus)``, recomputing only what a policy edit can change
    (``connlist_edit(...).connections``)."""
    return connlist_edit(prev_an, prev, new_an, focus).connections


def _conn_key(c: Connection) -> tuple[str, str]:
    return (c.src.key, c.dst.key)


def connlist_edit(
    prev_an: Analyzer,
    prev: Sequence[Connection],
    new_an: Analyzer,
    focus: Focus | None = None,
    nodes: dict[object, PeerNode] | None = None,
) -> EditedList:
    """``connlist(new_an, focus)``, recomputing only what a policy edit can change, and the
    peer pairs whose connections changed.

    ``new_an`` must come from ``prev_an.with_policies(...)`` and ``prev`` must be
    ``connlist(prev_an, focus)``. An edit changes the ingress of the classes in
    ``new_an.affected_ingress`` and the egress of those in ``affected_egress``, so only the
    columns (destinations) and rows (sources) of their workloads are recomputed; every other
    connection is kept (the very same object). External ranges are cut globally per direction,
    so when an edit changes the ipBlock boundaries of a direction, every external connection
    of that direction is recomputed. A recomputed connection equal to the one it replaces is
    kept as that object too, so identity tells unchanged connections apart. Falls back to a
    full ``connlist`` when the pods differ (a label edit): then every pair of either list
    counts as changed.

    ``nodes`` caches the peer objects across edits (key or range -> ``PeerNode``); the new
    list's peers are taken from it, so that the same peer is one object in every list.
    Work is proportional to the recomputed part plus one pass over ``prev``; the kept part
    stays sorted and the recomputed part is merged into it (no sort of the whole list).
    """
    if new_an.classes is not prev_an.classes:
        full = connlist(new_an, focus)
        return EditedList(full, {_conn_key(c) for c in prev} | {_conn_key(c) for c in full})
    focus = focus or Focus()
    ai, ae = new_an.affected_ingress, new_an.affected_egress
    if not ai and not ae:
        return EditedList(list(prev), set())
    wl_classes = workload_classes(new_an)
    cols = {wl for wl, cls in wl_classes.items() if any(ai >> c & 1 for c in cls)}
    rows = {wl for wl, cls in wl_classes.items() if any(ae >> c & 1 for c in cls)}
    old_pieces, pieces = direction_atoms(prev_an), direction_atoms(new_an)
    redo_ext_in = old_pieces[INGRESS] != pieces[INGRESS]
    redo_ext_eg = old_pieces[EGRESS] != pieces[EGRESS]

    kept: list[Connection] = []
    gone: dict[tuple[str, str], Connection] = {}
    for c in prev:
        src, dst = c.src, c.dst
        if src.key == INGRESS_CONTROLLER:
            stale = True  # recomputed below (cheap: a few objects)
        elif src.ip_range is not None:
            stale = redo_ext_in or dst.key in cols
        elif dst.ip_range is not None:
            stale = redo_ext_eg or src.key in rows
        else:
            stale = src.key in rows or dst.key in cols
        if stale:
            gone[(src.key, dst.key)] = c
        else:
            kept.append(c)
    if nodes is None:
        nodes = {}
        for c in prev:
            nodes.setdefault(c.src.ip_range or c.src.key, c.src)
            nodes.setdefault(c.dst.ip_range or c.dst.key, c.dst)
    fresh = [
        Connection(_node(nodes, sw), _node(nodes, dw), conns)
        for (sw, dw), conns in workload_pairs(new_an, rows, cols).items()
    ]
    # workloads whose classes have the same external signatures have the same external
    # connections: computed once per signature (most of the work when a cut changed)
    memo: dict[object, list[tuple[IPRange, ConnectionSet]]] = {}
    for wl, cls in wl_classes.items():
        want_in = redo_ext_in or wl in cols
        want_eg = redo_ext_eg or wl in rows
        if not (want_in or want_eg):
            continue
        dirs = (INGRESS, EGRESS) if want_in and want_eg else (INGRESS,) if want_in else (EGRESS,)
        fresh.extend(external_connections(new_an, wl, cls, pieces, nodes, memo, dirs))
    fresh.extend(ingress_connections(new_an, nodes))
    changed: set[tuple[str, str]] = set()
    recomputed: list[Connection] = []
    for c in apply_focus(fresh, focus):
        k = (c.src.key, c.dst.key)
        old = gone.pop(k, None)
        if old is not None and old.connections == c.connections:
            recomputed.append(old)  # unchanged: the same object as before
        else:
            recomputed.append(c)
            changed.add(k)
    changed.update(gone)  # no longer allowed
    recomputed.sort(key=_conn_key)
    return EditedList(_merge_sorted(kept, recomputed), changed)


def _merge_sorted(big: list[Connection], small: list[Connection]) -> list[Connection]:
    """Two lists sorted by ``_conn_key`` as one: slices of ``big`` between the places of
    ``small``'s items (found by bisection), so only O(len(small) log len(big)) keys are made."""
    if not small:
        return big
    if len(small) * 8 > len(big):
        both = big + small
        both.sort(key=_conn_key)
        return both
    out: list[Connection] = []
    lo = 0
    for c in small:
        i = bisect_right(big, _conn_key(c), lo, key=_conn_key)
        out.extend(big[lo:i])
        out.append(c)
        lo = i
    out.extend(big[lo:])
    return out


def _any(peer: PeerNode, names: Sequence[str]) -> bool:
    return any(peer.matches(n) for n in names)


def in_focus(src: PeerNode, dst: PeerNode, focus: Focus) -> bool:
    """Whether the pair passes the workload/direction/peer part of ``focus``."""
    if not focus.workloads:
        return True
    src_in = focus.direction != "ingress" and _any(src, focus.workloads)
    dst_in = focus.direction != "egress" and _any(dst, focus.workloads)
    if focus.peers:
        src_in = src_in and _any(dst, focus.peers)
        dst_in = dst_in and _any(src, focus.peers)
    return src_in or dst_in


def apply_focus(conns: Iterable[Connection], focus: Focus) -> list[Connection]:
    if not focus.workloads and not focus.by_port:
        return list(conns)
    out: list[Connection] = []
    probe = (
        ConnectionSet.of(focus.protocol, focus.port)
        if focus.protocol is not None and focus.port is not None
        else None
    )
    for c in conns:
        if not in_focus(c.src, c.dst, focus):
            continue
        if probe is not None:
            if not (c.connections & probe):
                continue
            c = Connection(c.src, c.dst, probe)
        out.append(c)
    return out


def known_names(an: Analyzer) -> list[str]:
    """Every workload key of the cluster (for "did you mean" suggestions)."""
    return sorted(workload_classes(an))


@dataclass(frozen=True)
class ConnList:
    """What the text exports render: the connections, the workload peers to draw (all of them,
    or with a focus the focus workloads and peers), the focus, and ``notes``: the non-default
    ``Options`` choices, stated in-band by every format (empty with the default options)."""

    #: a list, or (``stream_list``) a re-iterable that computes the rows while they are
    #: rendered: renderers only iterate it (dot twice)
    connections: Sequence[Connection] | Iterable[Connection]
    peers: list[PeerNode]
    focus: Focus
    notes: tuple[str, ...] = ()


def option_notes(an: Analyzer) -> tuple[str, ...]:
    """``Options.describe()`` lines when some option differs from the default, else ()."""
    from netviz.engine.analyzer import Options

    if an.options == Options():
        return ()
    return tuple(an.options.describe())


def stream_list(an: Analyzer, focus: Focus | None = None) -> ConnList:
    """``build_list`` whose connections are computed while they are rendered (a re-iterable
    ``ConnectionStream``): for ``netviz list``, whose output can be millions of lines."""
    listed = build_list(an, focus, connections=[])
    return replace(listed, connections=ConnectionStream(an, focus))


def build_list(
    an: Analyzer, focus: Focus | None = None, connections: list[Connection] | None = None
) -> ConnList:
    focus = focus or Focus()
    conns = connlist(an, focus) if connections is None else connections
    peers = [PeerNode.workload(k) for k in workload_classes(an)]
    if focus.workloads:
        names = (*focus.workloads, *focus.peers)
        peers = [p for p in peers if _any(p, names)]
    peers.sort()
    return ConnList(conns, peers, focus, option_notes(an))

# --------------------------------------------------------------------------- streaming
#
# The connection list, row by row: what ``netviz list`` streams, and what ``connlist`` is.
#
# ``iter_connlist(an, focus)`` yields the same connections as the list described in
# ``netviz.engine.connlist`` (same pairs, same connection sets, same order: by source key, then
# destination key), one source at a time, so that an output of millions of lines is written
# while it is computed and never held in memory (50,000 pods: 7.5 million lines).
#
# How (and why it is fast):
#
# - **Workload pairs from blocks, kept as blocks.** ``Analyzer.blocks()`` gives (source classes,
#   destination classes, connections). Each block is reduced once to the workloads it covers
#   *whole* (``bits_list``: set bits found by scanning the binary string in C, instead of peeling
#   bits off a 26,000-bit integer one at a time). A source's row is the union of the destination
#   lists of its blocks, built when the row is written. Workloads that a block covers only in
#   part take the slow path of ``connlist.partial_pairs`` (intersection over their class pairs).
# - **External ranges once per distinct policy set.** What a pod class allows with an external
#   range depends only on the policies that isolate it in that direction (and, for ingress, the
#   names of its container ports, for named ports): ``Analyzer.external_signature``. The vector of
#   connections over all ranges is computed once per key, not once per workload (1,000
#   workloads, 200 ranges: 200,000 evaluations became a few thousand). Each vector is made rule
#   by rule (a rule adds to the pieces its ranges contain, by bisection); with policy tiers, the
#   Admin/Baseline tier states per piece likewise, once per ``Analyzer.tier_signature`` (the
#   cluster policies selecting the class), then combined with the NetworkPolicy vector.
# - Rows are sorted by destination key as they are made; sources are visited in key order.


def external_vectors(
    an: Analyzer, wl_classes: dict[str, list[int]], pieces: dict[str, list[IPRange]]
) -> dict[str, dict[str, list[ConnectionSet]]]:
    """direction -> workload -> connections with each external piece (aligned with
    ``pieces[direction]``), computed once per ``Analyzer.external_signature``."""
    out: dict[str, dict[str, list[ConnectionSet]]] = {}
    for direction in (INGRESS, EGRESS):
        ranges = pieces[direction]
        by_key: dict[object, list[ConnectionSet]] = {}
        by_class: dict[int, list[ConnectionSet]] = {}
        tier_cache: dict[object, list[tiers.State]] = {}

        def vector(c: int, direction: str = direction, ranges: list[IPRange] = ranges,
                   by_key: dict[object, list[ConnectionSet]] = by_key,
                   by_class: dict[int, list[ConnectionSet]] = by_class,
                   tier_cache: dict[object, list[tiers.State]] = tier_cache,
                   ) -> list[ConnectionSet]:
            got = by_class.get(c)
            if got is None:
                pc = an.classes[c]
                key = an.external_signature(direction, c)
                got = by_key.get(key)
                if got is None:
                    got = by_key[key] = _external_vector(an, pc, direction, ranges, tier_cache)
                by_class[c] = got
            return got

        per_wl: dict[str, list[ConnectionSet]] = {}
        for wl, classes in wl_classes.items():
            vec = vector(classes[0])
            for c in classes[1:]:
                other = vector(c)
                if other is not vec:
                    vec = [a & b for a, b in zip(vec, other, strict=True)]
            per_wl[wl] = vec
        out[direction] = per_wl
    return out


#: one source and its row: (destination key, destination, connections), sorted by key
Row = tuple[PeerNode, list[tuple[str, PeerNode, ConnectionSet]]]


def _external_vector(
    an: Analyzer, pc: PodClass, direction: str, ranges: list[IPRange],
    tier_cache: dict[object, list[tiers.State]] | None = None,
) -> list[ConnectionSet]:
    """``[an.external_conns(pc, direction, r) for r in ranges]`` (``ranges``: the sorted,
    disjoint pieces of ``direction_atoms``), rule by rule instead of range by range when only
    NetworkPolicies decide: each rule adds its connections to the pieces its ipBlocks contain
    (found by bisection), instead of every piece testing every rule."""
    if an.host_node_bits >> pc.index & 1:
        return [ConnectionSet.all()] * len(ranges)
    pols = (an.ingress_of if direction == INGRESS else an.egress_of)[pc.index]
    tiered = an.is_tiered(direction, pc)
    if not pols and not tiered:
        return [ConnectionSet.all()] * len(ranges)
    starts = [(r.version, r.lo) for r in ranges]
    dst = pc if direction == INGRESS else None
    np_vec: list[ConnectionSet] | None = None
    if pols:
        np_vec = [ConnectionSet.none()] * len(ranges)
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                conns, _ = an.rule_conns(cr, dst)
                if not conns:
                    continue
                for block in cr.ip_ranges:
                    i = bisect_left(starts, (block.version, block.lo))
                    while i < len(ranges) and block.contains(ranges[i]):
                        np_vec[i] = np_vec[i] | conns
                        i += 1
    if not tiered:
        assert np_vec is not None
        return np_vec
    # the tiers, rule by rule in precedence order (first match per piece), per tier signature
    if tier_cache is None:
        tier_cache = {}
    admin = _tier_state_vector(an, Tier.ADMIN, direction, pc, ranges, starts, tier_cache)
    if np_vec is not None:
        return [tiers.decide(a, n, tiers.EMPTY) for a, n in zip(admin, np_vec, strict=True)]
    base = _tier_state_vector(an, Tier.BASELINE, direction, pc, ranges, starts, tier_cache)
    return [tiers.decide(a, None, b) for a, b in zip(admin, base, strict=True)]


def _tier_state_vector(
    an: Analyzer, tier: Tier, direction: str, pc: PodClass, ranges: list[IPRange],
    starts: list[tuple[int, int]], cache: dict[object, list[tiers.State]],
) -> list[tiers.State]:
    """The ``tier`` state of ``pc`` with each external piece (``ranges``), once per
    ``Analyzer.tier_signature``."""
    key = an.tier_signature(tier, direction, pc)
    got = cache.get(key)
    if got is not None:
        return got
    vec = [tiers.EMPTY] * len(ranges)
    dst = pc if direction == INGRESS else None
    for ccp in an.cluster_policies_of(tier, direction, pc.index):
        for ccr in ccp.rules(direction):
            conns, _ = an.cluster_rule_conns(ccr, dst)
            if not conns:
                continue
            for block in ccr.ip_ranges:
                i = bisect_left(starts, (block.version, block.lo))
                while i < len(ranges) and block.contains(ranges[i]):
                    vec[i] = tiers.apply_rule(vec[i], conns, ccr.action)
                    i += 1
    cache[key] = vec
    return vec


def iter_connlist(an: Analyzer, focus: Focus | None = None) -> Iterator[Connection]:
    """Every allowed connection between peers (restricted by ``focus``), sorted by (source
    key, destination key): ``connlist``, one source row at a time."""
    for src, row in iter_rows(an, focus):
        yield from _row_connections(src, row)


def iter_rows(an: Analyzer, focus: Focus | None = None) -> Iterator[Row]:
    """``iter_connlist`` grouped by source: (source, its sorted row), ``focus`` applied."""
    focus = focus or Focus()
    wl_classes = workload_classes(an)
    nodes: dict[object, PeerNode] = {wl: PeerNode.workload(wl) for wl in wl_classes}

    # --- workload pairs, per block
    class_wl: dict[int, list[str]] = {}
    mask: dict[str, int] = {}
    for wl, cls in wl_classes.items():
        m = 0
        for c in cls:
            class_wl.setdefault(c, []).append(wl)
            m |= 1 << c
        mask[wl] = m
    partial: set[str] = set()

    # a workload with one class is whole wherever its class is; others are counted (no
    # big-integer test per workload: 50,000 pods make 26,000-bit masks)
    single = {c: wls[0] for c, wls in class_wl.items()
              if len(wls) == 1 and len(wl_classes[wls[0]]) == 1}
    sizes = {wl: len(cls) for wl, cls in wl_classes.items()}

    wholes: dict[int, list[str]] = {}  # blocks share sides (5,000 workloads: 2,850 of 11,554)

    def whole(bits: int) -> list[str]:
        got = wholes.get(bits)
        if got is not None:
            return got
        out = wholes[bits] = []
        counts: dict[str, int] = {}
        for c in bits_list(bits):
            wl1 = single.get(c)
            if wl1 is not None:
                out.append(wl1)
                continue
            for wl in class_wl[c]:
                counts[wl] = counts.get(wl, 0) + 1
        for wl, n in counts.items():
            if n == sizes[wl]:
                out.append(wl)
            else:
                partial.add(wl)
        return out

    blocks = an.blocks()
    src_blocks: dict[str, list[int]] = {}
    block_dsts: list[list[str]] = []
    block_conns: list[ConnectionSet] = []
    for i, blk in enumerate(blocks):
        d_whole = whole(blk.dst)
        s_whole = whole(blk.src)
        block_dsts.append(d_whole)
        block_conns.append(blk.connections)
        if d_whole:
            for sw in s_whole:
                src_blocks.setdefault(sw, []).append(i)
    slow: dict[str, dict[str, ConnectionSet]] = {}
    if partial:
        for (sw, dw), conns in partial_pairs(an, blocks, partial, wl_classes, class_wl,
                                             mask).items():
            slow.setdefault(sw, {})[dw] = conns

    # --- external ranges
    pieces = direction_atoms(an)
    vectors = external_vectors(an, wl_classes, pieces)
    ext_nodes = {d: [PeerNode.external(r) for r in pieces[d]] for d in (INGRESS, EGRESS)}
    ingress_rows: dict[int, list[tuple[str, PeerNode, ConnectionSet]]] = {}
    for wl, vec in vectors[INGRESS].items():
        node = nodes[wl]
        for j, conns in enumerate(vec):
            if conns:
                ingress_rows.setdefault(j, []).append((wl, node, conns))

    # --- the {ingress-controller} peer (netviz.engine.ingress)
    controller: dict[str, list[tuple[str, PeerNode, ConnectionSet]]] = {}
    controller_nodes: dict[str, PeerNode] = {}
    for ic in ingress_connections(an, nodes):
        controller.setdefault(ic.src.key, []).append((ic.dst.key, ic.dst, ic.connections))
        controller_nodes[ic.src.key] = ic.src

    # --- sources in key order
    sources: list[tuple[str, str, object]] = []  # (key, what, handle)
    for wl in wl_classes:
        sources.append((wl, "wl", wl))
    for j in ingress_rows:
        sources.append((ext_nodes[INGRESS][j].key, "ext", j))
    for key in controller:
        sources.append((key, "ic", key))
    sources.sort(key=lambda s: s[0])
    egress_nodes = ext_nodes[EGRESS]
    probe = (
        ConnectionSet.of(focus.protocol, focus.port)
        if focus.protocol is not None and focus.port is not None
        else None
    )
    filtered = bool(focus.workloads) or probe is not None
    # per block, its whole destination workloads with their nodes (partial ones are in slow),
    # sorted: a row is a few sorted runs, which the sort merges
    # (as row items, with the block's connections: a row is built by C list extends)
    block_items = [
        sorted((dw, nodes[dw], conns) for dw in dsts if dw not in partial)
        for dsts, conns in zip(block_dsts, block_conns, strict=True)
    ]
    # per distinct egress vector (shared by every workload of one policy signature), its
    # non-empty entries as row items, sorted
    egress_items: dict[int, tuple[list[ConnectionSet], list[tuple[str, PeerNode, ConnectionSet]]]] = {}

    def egress_row(vec: list[ConnectionSet]) -> list[tuple[str, PeerNode, ConnectionSet]]:
        got = egress_items.get(id(vec))
        if got is None:
            items = sorted((egress_nodes[j].key, egress_nodes[j], c) for j, c in enumerate(vec) if c)
            got = egress_items[id(vec)] = (vec, items)  # (vec kept alive: ids stay unique)
        return got[1]

    for _key, what, handle in sources:
        row: list[tuple[str, PeerNode, ConnectionSet]]
        if what == "wl":
            assert isinstance(handle, str)
            src = nodes[handle]
            row = []
            if handle not in partial:
                for b in src_blocks.get(handle, ()):
                    row.extend(block_items[b])
            if slow:
                row.extend((dw, nodes[dw], conns) for dw, conns in slow.get(handle, {}).items())
            row.extend(egress_row(vectors[EGRESS][handle]))
            # the workload itself is no destination of its own row (a block holds each pair
            # once, so it is there at most once: found after the sort by its key)
            row.sort()
            at = bisect_left(row, (handle,))
            if at < len(row) and row[at][0] == handle:
                del row[at]
        elif what == "ext":
            assert isinstance(handle, int)
            src = ext_nodes[INGRESS][handle]
            row = sorted(ingress_rows[handle])  # by destination key (unique in a row)
        else:
            assert isinstance(handle, str)
            src = controller_nodes[handle]
            row = sorted(controller[handle])
        if not row:
            continue
        if not filtered:
            yield src, row
            continue
        kept: list[tuple[str, PeerNode, ConnectionSet]] = []
        for dkey, dst, conns in row:
            if not in_focus(src, dst, focus):
                continue
            if probe is not None:
                if not (conns & probe):
                    continue
                conns = probe
            kept.append((dkey, dst, conns))
        if kept:
            yield src, kept


class ConnectionStream:
    """A re-iterable view of ``iter_connlist(an, focus)``: every iteration computes the rows
    again (formats that need two passes, like dot, iterate twice) and nothing is kept."""

    def __init__(self, an: Analyzer, focus: Focus | None = None) -> None:
        self.an = an
        self.focus = focus

    def __iter__(self) -> Iterator[Connection]:
        return iter_connlist(self.an, self.focus)

    def rows(self) -> Iterator[Row]:
        """The same connections grouped by source (``iter_rows``): formats that write a line
        per connection go faster on rows."""
        return iter_rows(self.an, self.focus)


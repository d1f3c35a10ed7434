"""The connectivity difference between two connection lists (before -> after).

Each pair of peers whose allowed connections differ is one ``DiffEntry``:
``changed`` (allowed before and after, but not the same), ``added`` (allowed only after) or
``removed`` (allowed only before). When a peer exists on one side only (a workload added or
removed, not a policy change), the entry says so in ``info`` — the reference analyzer's
"workloads-diff-info" column. Entries are ordered as the reference orders them: changed, then
added, then removed; each group sorted by source and destination key; the entries of the
``{ingress-controller}`` come after all the others, in the same order. The ingress controller
is never an added or removed workload (like an external range).

External ranges are aligned between the two sides before comparing and merged again after
(the reference's way; see ``_aligned``), so a range is compared piece by piece even when the two
inputs cut the address space differently.

The same function drives ``netviz diff`` and the app's difference view, so the two agree by
construction (and a test checks it on the reference scenarios). ``diff_result(a, b, options)``
runs the whole path on two clusters (``connlist`` of each, then ``diff``) and keeps what the
exports need (unchanged connections, workload keys, option notes); ``compute_diff`` returns
just its entries. There is no other implementation of the diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netviz.engine.analyzer import Options
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.ipranges import IPRange
from netviz.model import Cluster
from netviz.model.keys import DiffKind
from netviz.model.loaded import LoadResult

CHANGED = DiffKind.CHANGED
ADDED = DiffKind.ADDED
REMOVED = DiffKind.REMOVED
_ORDER = {CHANGED: 0, ADDED: 1, REMOVED: 2}


@dataclass(frozen=True)
class DiffEntry:
    kind: DiffKind
    src: PeerNode
    dst: PeerNode
    before: ConnectionSet  # "ref1"
    after: ConnectionSet  # "ref2"
    info: str = ""  # e.g. "workload ns/name[Deployment] added"

    @property
    def newly_allowed(self) -> ConnectionSet:
        return self.after - self.before

    @property
    def newly_denied(self) -> ConnectionSet:
        return self.before - self.after


def _peer_info(src: PeerNode, dst: PeerNode, only: set[str], word: str) -> str:
    names = [p.key for p in (src, dst) if not p.is_external and p.key in only]
    if not names:
        return ""
    return f"workload {' and '.join(names)} {word}"


def diff(
    before: Iterable[Connection],
    after: Iterable[Connection],
    before_workloads: Iterable[str] = (),
    after_workloads: Iterable[str] = (),
) -> list[DiffEntry]:
    """``before_workloads``/``after_workloads``: workload keys that exist on each side (to tell
    a workload added or removed from a connection added or removed).

    External ranges are compared as the reference compares them (see ``_aligned``): both
    sides are cut into common pieces first, then pieces of one workload that changed the same
    way are merged again, so a range appears once however each side happened to cut it."""
    wa, wb = set(before_workloads), set(after_workloads)
    only_a, only_b = wa - wb, wb - wa
    out: list[DiffEntry] = []
    none = ConnectionSet.none()
    for src, dst, ca, cb in _aligned(before, after):
        if ca is not None and cb is not None:
            if ca != cb:
                out.append(DiffEntry(CHANGED, src, dst, ca, cb))
        elif cb is not None:
            out.append(DiffEntry(ADDED, src, dst, none, cb, _peer_info(src, dst, only_b, "added")))
        elif ca is not None:
            out.append(
                DiffEntry(REMOVED, src, dst, ca, none, _peer_info(src, dst, only_a, "removed"))
            )
    # the reference lists the ingress controller's connections after all others, each group
    # ordered changed, added, removed
    out.sort(key=lambda e: (e.src.is_ingress_controller, _ORDER[e.kind], e.src.key, e.dst.key))
    return out


_Pair = tuple[PeerNode, PeerNode, "ConnectionSet | None", "ConnectionSet | None"]


@dataclass
class _Slot:
    src: PeerNode
    dst: PeerNode
    before: ConnectionSet | None = None
    after: ConnectionSet | None = None


def _cuts(conns: Iterable[Connection]) -> dict[int, set[int]]:
    pts: dict[int, set[int]] = {}
    for c in conns:
        for p in (c.src, c.dst):
            if p.ip_range is not None:
                r = p.ip_range
                pts.setdefault(r.version, set()).update((r.lo, r.hi + 1))
    return pts


def _pieces(r: IPRange, cuts: dict[int, list[int]]) -> list[IPRange]:
    pts = [p for p in cuts.get(r.version, ()) if r.lo < p <= r.hi]
    out: list[IPRange] = []
    lo = r.lo
    for p in pts:
        out.append(IPRange(r.version, lo, p - 1))
        lo = p
    out.append(IPRange(r.version, lo, r.hi))
    return out


def _aligned(before: Iterable[Connection], after: Iterable[Connection]) -> list[_Pair]:
    """Every (src, dst) pair allowed on a side, with its connections on each side (None: not
    allowed there).

    Pairs of workloads are matched by key. Pairs with an external range follow the
    reference analyzer (np-guard/netpol-analyzer ``diff.go``): every range of either side is
    cut at the boundaries of all ranges of both sides (so both sides use the same pieces);
    then, per workload and direction, pieces with the same (before, after) connections are
    merged where they touch. E.g. a new workload reachable from everywhere is one
    ``0.0.0.0-255.255.255.255`` entry even if the second side cuts the space in five.
    """
    la, lb = list(before), list(after)
    raw = _cuts(la)
    for version, pts in _cuts(lb).items():
        raw.setdefault(version, set()).update(pts)
    cuts = {v: sorted(pts) for v, pts in raw.items()}
    pairs: dict[tuple[str, str], _Slot] = {}
    nodes: dict[object, PeerNode] = {}

    def node(p: PeerNode) -> PeerNode:
        got = nodes.get(p.ip_range if p.ip_range is not None else p.key)
        if got is None:
            got = nodes[p.ip_range if p.ip_range is not None else p.key] = p
        return got

    for side, conns in ((2, la), (3, lb)):
        for c in conns:
            srcs = [c.src] if c.src.ip_range is None else [
                node(PeerNode.external(r)) for r in _pieces(c.src.ip_range, cuts)
            ]
            dsts = [c.dst] if c.dst.ip_range is None else [
                node(PeerNode.external(r)) for r in _pieces(c.dst.ip_range, cuts)
            ]
            for s in srcs:
                for d in dsts:
                    slot = pairs.setdefault((s.key, d.key), _Slot(s, d))
                    if side == 2:
                        slot.before = c.connections
                    else:
                        slot.after = c.connections
    out: list[_Pair] = []
    # (workload key, external side, before, after) -> external pieces, to merge
    groups: dict[
        tuple[str, str, ConnectionSet | None, ConnectionSet | None], tuple[PeerNode, list[IPRange]]
    ] = {}
    for slot in pairs.values():
        s, d, ca, cb = slot.src, slot.dst, slot.before, slot.after
        if s.ip_range is None and d.ip_range is None:
            out.append((s, d, ca, cb))
            continue
        wl, ext, where = (d, s, "src") if s.ip_range is not None else (s, d, "dst")
        assert ext.ip_range is not None
        g = groups.setdefault((wl.key, where, ca, cb), (wl, []))
        g[1].append(ext.ip_range)
    for (_, where, ca, cb), (wl, ranges) in groups.items():
        for r in _merge(ranges):
            ext = PeerNode.external(r)
            out.append((ext, wl, ca, cb) if where == "src" else (wl, ext, ca, cb))
    return out


def _merge(ranges: list[IPRange]) -> list[IPRange]:
    """Touching or overlapping ranges of one family joined."""
    out: list[IPRange] = []
    for r in sorted(ranges):
        if out and out[-1].version == r.version and r.lo <= out[-1].hi + 1:
            last = out[-1]
            out[-1] = IPRange(r.version, last.lo, max(last.hi, r.hi))
        else:
            out.append(r)
    return out


# --------------------------------------------------------------------------- whole inputs


def unchanged(before: Iterable[Connection], after: Iterable[Connection]) -> list[Connection]:
    """Connections allowed identically on both sides (the grey edges of the dot diff), with
    external ranges aligned and merged as ``diff`` aligns them, sorted by keys. The complement
    of ``diff``: together they cover every pair allowed on a side."""
    out = [
        Connection(s, d, ca)
        for s, d, ca, cb in _aligned(before, after)
        if ca is not None and ca == cb
    ]
    out.sort(key=lambda c: (c.src.key, c.dst.key))
    return out


@dataclass(frozen=True)
class DiffResult:
    """What the diff exports render: ``entries`` (from ``diff``), the ``unchanged``
    connections, the workload keys of each side, and ``notes``: the non-default ``Options``
    choices (empty with the defaults), stated in-band by every format like ``ConnList.notes``."""

    entries: list[DiffEntry]
    unchanged: list[Connection]
    before_workloads: frozenset[str] = frozenset()
    after_workloads: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No connection differs (the reference then prints nothing, in every format)."""
        return not self.entries

    def count(self, kind: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind)


def _cluster_of(obj: Cluster | LoadResult) -> Cluster:
    cluster = obj.cluster if isinstance(obj, LoadResult) else obj
    if not isinstance(cluster, Cluster):
        raise TypeError(f"expected a Cluster or a load result, got {type(obj).__name__}")
    return cluster


def diff_result(before: Cluster | LoadResult, after: Cluster | LoadResult,
                options: Options | None = None) -> DiffResult:
    """The diff between two inputs (each a ``Cluster`` or a load result with ``.cluster``),
    both analysed with the same ``options``: ``connlist`` of each side, then ``diff``. This is
    the one path ``netviz diff`` and the app take."""
    from netviz.engine.analyzer import Analyzer
    from netviz.engine.connlist import connlist, known_names, option_notes

    options = options or Options()
    an_a = Analyzer(_cluster_of(before), options)
    an_b = Analyzer(_cluster_of(after), options)
    conns_a, conns_b = connlist(an_a), connlist(an_b)
    wl_a, wl_b = known_names(an_a), known_names(an_b)
    return DiffResult(
        diff(conns_a, conns_b, wl_a, wl_b),
        unchanged(conns_a, conns_b),
        frozenset(wl_a),
        frozenset(wl_b),
        option_notes(an_a),
    )


def compute_diff(before: Cluster | LoadResult, after: Cluster | LoadResult,
                 options: Options | None = None) -> list[DiffEntry]:
    """``diff_result(before, after, options).entries``: the entries only."""
    return diff_result(before, after, options).entries

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange, atoms


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
        return cls(f"{r}[External]", "External", None, str(r), r)

    @classmethod
    def workload(cls, key: str) -> PeerNode:
        ns, rest = key.split("/", 1)
        name, kind = rest[:-1].rsplit("[", 1)
        return cls(key, kind, ns, name)

    def matches(self, name: str) -> bool:
        """True when ``name`` (``name``, ``ns/name`` or ``ns/name[Kind]``) names this peer."""
        if self.is_external:
            return False
        if "[" in name:
            return name == self.key
        if "/" in name:
            return name == f"{self.namespace}/{self.name}"
        return name == self.name


@dataclass(frozen=True)
class Connection:
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


def workload_pairs(an: Analyzer) -> dict[tuple[str, str], ConnectionSet]:
    """(source workload, destination workload) -> connections, for allowed pairs only.

    One pass over the allowed class pairs: each class pair appears at most once in the
    analyzer's blocks, so counting the pairs seen tells whether *every* class pair of two
    workloads is allowed (a missing class pair is denied and empties the intersection)."""
    wl_classes = workload_classes(an)
    class_wl: dict[int, list[str]] = {}
    for wl, cls in wl_classes.items():
        for c in cls:
            class_wl.setdefault(c, []).append(wl)
    if all(len(v) == 1 for v in class_wl.values()) and all(
        len(v) == 1 for v in wl_classes.values()
    ):
        # the usual case: one class per workload and one workload per class
        cw = {c: wls[0] for c, wls in class_wl.items()}
        return {(cw[s], cw[d]): conns for s, d, conns in an.class_pairs() if s != d}
    pair: dict[tuple[str, str], ConnectionSet] = {}
    seen: dict[tuple[str, str], int] = {}
    for s, d, conns in an.class_pairs():
        for sw in class_wl[s]:
            for dw in class_wl[d]:
                if sw == dw:
                    continue
                k = (sw, dw)
                prev = pair.get(k)
                if prev is None:
                    pair[k] = conns
                    seen[k] = 1
                else:
                    pair[k] = prev & conns
                    seen[k] += 1
    out: dict[tuple[str, str], ConnectionSet] = {}
    for k, conns in pair.items():
        expected = len(wl_classes[k[0]]) * len(wl_classes[k[1]])
        if seen[k] == expected and conns:
            out[k] = conns
    return out


def direction_atoms(an: Analyzer) -> dict[str, list[IPRange]]:
    """Per direction, the external ranges: the address space cut at every boundary of the
    ipBlocks that *any* policy uses in that direction (the reference cuts globally, per
    direction: a workload no policy isolates still gets the pieces)."""
    out: dict[str, list[IPRange]] = {}
    for direction in (INGRESS, EGRESS):
        ranges: list[IPRange] = []
        for cp in an.policies:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if not cr.rule.all_peers:
                    ranges.extend(cr.ip_ranges)
        out[direction] = atoms(ranges)
    return out


def external_connections(
    an: Analyzer,
    wl: str,
    classes: Sequence[int],
    pieces: dict[str, list[IPRange]],
    nodes: dict[object, PeerNode] | None = None,
) -> Iterable[Connection]:
    """Connections of workload ``wl`` with external ranges, both directions. ``nodes`` caches
    the peer objects (one per key/range, shared by every connection)."""
    nodes = {} if nodes is None else nodes
    peer = _node(nodes, wl)
    for direction in (INGRESS, EGRESS):
        for r in pieces[direction]:
            conns = ConnectionSet.all()
            for c in classes:
                conns = conns & an.external_conns(an.classes[c], direction, r)
                if not conns:
                    break
            if not conns:
                continue
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
    """Every allowed connection between peers (restricted by ``focus``), sorted by keys."""
    focus = focus or Focus()
    wl_classes = workload_classes(an)
    pieces = direction_atoms(an)
    nodes: dict[object, PeerNode] = {wl: PeerNode.workload(wl) for wl in wl_classes}
    out: list[Connection] = [
        Connection(nodes[sw], nodes[dw], conns) for (sw, dw), conns in workload_pairs(an).items()
    ]
    for wl, cls in wl_classes.items():
        if focus.workloads and not focus.peers:
            # only the focus workloads' external connections can survive the filter
            if not any(_node(nodes, wl).matches(n) for n in focus.workloads):
                continue
        out.extend(external_connections(an, wl, cls, pieces, nodes))
    out = apply_focus(out, focus)
    out.sort(key=lambda c: (c.src.key, c.dst.key))
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

    connections: list[Connection]
    peers: list[PeerNode]
    focus: Focus
    notes: tuple[str, ...] = ()


def option_notes(an: Analyzer) -> tuple[str, ...]:
    """``Options.describe()`` lines when some option differs from the default, else ()."""
    from netviz.engine.analyzer import Options

    if an.options == Options():
        return ()
    return tuple(an.options.describe())


def build_list(an: Analyzer, focus: Focus | None = None) -> ConnList:
    focus = focus or Focus()
    conns = connlist(an, focus)
    peers = [PeerNode.workload(k) for k in workload_classes(an)]
    if focus.workloads:
        names = (*focus.workloads, *focus.peers)
        peers = [p for p in peers if _any(p, names)]
    peers.sort()
    return ConnList(conns, peers, focus, option_notes(an))

"""Workload-level connectivity: the "connection list" every output and the graph draw.

A *peer* is a workload (the top-level owner of pods, or a bare pod) or an external address
range. Pods of one workload are one peer (the reference convention). External peers are
made from the ipBlocks of the policies that isolate each pod: the address space is cut at
every ipBlock boundary relevant to that pod and direction, so each range is uniform.

Decisions:
- Traffic between two different pods of the same workload is not listed (a workload to
  itself), matching the reference outputs.
- When the pods of one workload fall into several classes (same owner, different labels), the
  pair's connections are those allowed for *every* pod pair (intersection), so a listed
  connection holds for the whole workload. (See docs/semantics.md.)
"""

from __future__ import annotations

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
        name, kind = rest[:-1].split("[", 1)
        return cls(key, kind, ns, name)


@dataclass(frozen=True)
class Connection:
    src: PeerNode
    dst: PeerNode
    connections: ConnectionSet


def workload_classes(an: Analyzer) -> dict[str, list[int]]:
    """Workload key -> indices of the pod classes of its pods."""
    out: dict[str, list[int]] = {}
    for pc in an.classes:
        for pod in pc.pods:
            lst = out.setdefault(pod.workload_key, [])
            if pc.index not in lst:
                lst.append(pc.index)
    return out


def connlist(an: Analyzer) -> list[Connection]:
    """Every allowed connection between peers, sorted by (src key, dst key)."""
    wl_classes = workload_classes(an)
    class_wl: dict[int, set[str]] = {}
    for wl, cls in wl_classes.items():
        for c in cls:
            class_wl.setdefault(c, set()).add(wl)

    # workload pairs: intersect over class pairs
    pair: dict[tuple[str, str], ConnectionSet] = {}
    for s, d, conns in an.class_pairs():
        for sw in class_wl[s]:
            for dw in class_wl[d]:
                if sw == dw:
                    continue
                prev = pair.get((sw, dw))
                pair[(sw, dw)] = conns if prev is None else prev & conns
    out: list[Connection] = []
    for (sw, dw), conns in pair.items():
        # a class pair absent from the blocks is denied: require every class pair present
        if len(wl_classes[sw]) > 1 or len(wl_classes[dw]) > 1:
            conns = _all_class_pairs(an, wl_classes[sw], wl_classes[dw], conns)
        if conns:
            out.append(Connection(PeerNode.workload(sw), PeerNode.workload(dw), conns))

    # externals
    for wl, cls in wl_classes.items():
        peer = PeerNode.workload(wl)
        for direction in (INGRESS, EGRESS):
            ranges: list[IPRange] = []
            for c in cls:
                ranges.extend(an.ip_ranges(an.classes[c], direction))
            for r in atoms(ranges):
                conns = ConnectionSet.all()
                for c in cls:
                    conns = conns & an.external_conns(an.classes[c], direction, r)
                if not conns:
                    continue
                ext = PeerNode.external(r)
                if direction == INGRESS:
                    out.append(Connection(ext, peer, conns))
                else:
                    out.append(Connection(peer, ext, conns))
    out.sort(key=lambda c: (c.src.key, c.dst.key))
    return out


def _all_class_pairs(an: Analyzer, src: list[int], dst: list[int], conns: ConnectionSet) -> ConnectionSet:
    for s in src:
        for d in dst:
            if s == d and len(an.classes[s].pods) == 1:
                continue
            v = an.verdict(an.classes[s].pods[0], an.classes[d].pods[-1])
            conns = conns & v.allowed
    return conns

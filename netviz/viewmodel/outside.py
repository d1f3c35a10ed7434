"""The path from outside, as the picture draws it: outside → entry point → Service → backend.

``netviz.engine.outside`` decides (which Services and Ingress/Route objects open the cluster,
and what the backends' policies let through from which addresses); this module turns it into
nodes and edges that the graph adds to the plain view (``netviz.viewmodel.graph``).

Rules this module keeps:
- Qt-free and engine-driven; deterministic (same input, same lists in the same order).
- Nodes (keys from ``netviz.model.keys``):

  ``outside:internet``     one node for the world outside the cluster, present when any entry
                           point exists.
  ``entry:Kind/ns/name``   one per way in: a LoadBalancer, NodePort or externalIPs Service
                           (``Kind`` is the entry kind, ``ns/name`` the Service), an Ingress or
                           a Route (``ns/name`` the object). A LoadBalancer with source ranges
                           has a NodePort entry too (its node ports ignore the ranges).
  ``dest:ns/name``         where a Service without a selector (Endpoints/EndpointSlices with
                           addresses outside the cluster) or an ExternalName Service leads.

  Services (``svc:ns/name``) are the graph's own nodes; ``services`` lists the ones this
  overlay needs, including those without a selector.
- Edges, none of which states a pair of the connection list (the picture's exact edges stay
  what they are; these are drawn over them):

  ``entry``      outside → entry point (label: who may send: ``any address`` or the source
                 ranges; for an Ingress/Route the hosts) and entry point → Service (label:
                 the Service ports, ``80→8080``; for an Ingress/Route the backend port).
  ``exposed``    Service → backend workload, when its policies let something in through the
                 entry points before that Service: the label says what and from where
                 (``TCP 8080 from any address``, ``TCP 8080 from 203.0.113.0/24``,
                 ``TCP 8080 via the ingress controller``).
  ``blocked``    Service → backend workload, when they let nothing in.
  ``leads-out``  Service → destination (label: the endpoint ports).

- Every node and edge has a tooltip with the whole story (every entry, source range, note).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from netviz.engine import Analyzer
from netviz.engine.connections import ConnectionSet
from netviz.engine.ingress import analyze_ingress
from netviz.engine.ipranges import IPRange
from netviz.engine.outside import (
    EXTERNAL_IP,
    INGRESS_ENTRY,
    LOAD_BALANCER,
    NODE_PORT,
    EntryBackend,
    EntryPoint,
    Outside,
    analyze_outside,
    is_private,
)
from netviz.model import Ingress, Service
from netviz.model.keys import (
    INGRESS_CONTROLLER_KEY,
    OUTSIDE_KEY,
    EdgeStyle,
    NodeKind,
    destination_key,
    entry_key,
    external_key,
    service_key,
)

#: at most this many address ranges are written in a label (the tooltip has them all)
MAX_RANGES_IN_LABEL = 3


@dataclass(frozen=True)
class OutsideNode:
    key: str
    kind: NodeKind  # OUTSIDE | ENTRY | DESTINATION
    label: str
    subtitle: str = ""
    tooltip: str = ""
    #: the namespace it belongs to (entries and destinations), None for the outside
    namespace: str | None = None
    #: the graph node it is drawn next to (its Service), if any
    near: str | None = None


@dataclass(frozen=True)
class OutsideEdge:
    source: str
    target: str
    style: EdgeStyle  # ENTRY | EXPOSED | BLOCKED | LEADS_OUT
    label: str = ""
    tooltip: str = ""
    #: EXPOSED: what gets through (``ConnectionSet`` text); empty otherwise
    connection: str = ""
    #: EXPOSED: what gets through; LEADS_OUT: the ports it leads to; else None
    conns: ConnectionSet | None = None
    #: EXPOSED/BLOCKED: a pair of the connection list's peers that explains it (the
    #: ingress controller, or an external range of the senders, to the workload)
    pair: tuple[str, str] | None = None


@dataclass(frozen=True)
class OutsidePicture:
    nodes: tuple[OutsideNode, ...] = ()
    edges: tuple[OutsideEdge, ...] = ()
    #: Service keys (``svc:ns/name``) the edges start or end at
    services: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes)

    def node(self, key: str) -> OutsideNode | None:
        for n in self.nodes:
            if n.key == key:
                return n
        return None

    def styles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.style for e in self.edges))


# --------------------------------------------------------------------------- texts


def merge_ranges(ranges: Iterable[IPRange]) -> list[IPRange]:
    """Adjacent or overlapping ranges of one family joined, sorted."""
    out: list[IPRange] = []
    for r in sorted(ranges):
        if out and out[-1].version == r.version and r.lo <= out[-1].hi + 1:
            last = out[-1]
            out[-1] = IPRange(last.version, last.lo, max(last.hi, r.hi))
        else:
            out.append(r)
    return out


def ranges_text(ranges: Sequence[IPRange], limit: int | None = MAX_RANGES_IN_LABEL) -> str:
    """``any address`` (every IPv4 address), else CIDRs (``N address ranges`` beyond
    ``limit``)."""
    merged = merge_ranges(ranges)
    if merged == [IPRange.everything(4)] or merged == [IPRange.everything(4),
                                                       IPRange.everything(6)]:
        return "any address"
    cidrs = [c for r in merged for c in r.cidrs()]
    if limit is not None and len(cidrs) > limit:
        return f"{len(cidrs)} address ranges"
    return ", ".join(cidrs)


def _backend_text(entry: EntryPoint, b: EntryBackend, limit: int | None) -> str:
    """What one entry lets through to one backend, and from where."""
    if b.through_controller is not None:
        return (f"{b.through_controller} via the ingress controller" if b.through_controller
                else "nothing: the policies block the ingress controller")
    groups: dict[ConnectionSet, list[IPRange]] = {}
    for r, c in b.by_source:
        if c:
            groups.setdefault(c, []).append(r)
    if not groups:
        return f"nothing of {b.ports or 'no port'}: the policies block every sender"
    pieces = [r for r, _ in b.by_source]
    public = sorted(r for r in pieces if not is_private(r))
    everyone = ranges_text(pieces, None) == "any address"

    def where(rs: list[IPRange]) -> str:
        direct = ranges_text(rs, limit)
        if not direct.endswith("address ranges"):
            return direct
        rest = [r for r in pieces if r not in rs]
        if len([c for r in merge_ranges(rest) for c in r.cidrs()]) <= (limit or len(rest)):
            return f"{ranges_text(pieces, None) if everyone else 'the senders'} except " \
                   f"{ranges_text(rest, None)}"
        if everyone and public and sorted(rs) == public:
            return "every public address"
        return direct

    parts = [f"{c} from {where(rs)}"
             for c, rs in sorted(groups.items(), key=lambda kv: (min(kv[1]), str(kv[0])))]
    return "; ".join(parts)


_BREAK_BEFORE = ("from", "via", "except", "blocked")


def wrap_words(text: str, width: int = 26) -> str:
    """Wrap a label into short lines (joined by "\\n"), preferably before ``from``, ``via``
    and ``except``; nothing is dropped."""
    lines: list[str] = []
    for part in text.split("\n"):
        phrases: list[str] = []
        for word in part.split(" "):
            if phrases and word not in _BREAK_BEFORE:
                phrases[-1] += " " + word
            else:
                phrases.append(word)
        cur = ""
        for ph in phrases:
            if cur and len(cur) + 1 + len(ph) <= width:
                cur += " " + ph
                continue
            if cur:
                lines.append(cur)
            cur = ""
            for word in ph.split(" "):  # a phrase longer than a line: by words
                if cur and len(cur) + 1 + len(word) > width:
                    lines.append(cur)
                    cur = word
                else:
                    cur = f"{cur} {word}" if cur else word
        lines.append(cur)
    return "\n".join(lines)


def _address_text(name: str) -> str:
    """``203.0.113.10/32, ...`` -> ``203.0.113.10, ...`` (single addresses without a prefix)."""
    return ", ".join(p[:-3] if p.endswith("/32") else p[:-4] if p.endswith("/128") else p
                     for p in name.split(", "))


def _entry_label(kind: str, svc_name: str) -> str:
    return {LOAD_BALANCER: "LoadBalancer", NODE_PORT: "NodePort",
            EXTERNAL_IP: "externalIPs"}.get(kind, kind) + f" {svc_name}"


def _object_hosts(obj: Ingress) -> str:
    hosts = [h for h in obj.hosts if h]
    return ", ".join(hosts) if hosts else "any host"


def _backend_ports(obj: Ingress, service: str) -> str:
    ports = list(dict.fromkeys(b.port for b in obj.backends if b.service == service))
    if not ports or None in ports:
        return "every port"
    return "port " + ", ".join(str(p) for p in ports)


# --------------------------------------------------------------------------- building


def build_outside(an: Analyzer | None, outside: Outside | None = None) -> OutsidePicture:
    """The path from outside of an evaluated cluster (empty when there is none)."""
    if an is None:
        return OutsidePicture()
    outside = outside if outside is not None else analyze_outside(an)
    nodes: list[OutsideNode] = []
    edges: list[OutsideEdge] = []
    services: list[str] = []
    # per (Service key, workload): the texts of every entry that leads there
    through: dict[tuple[str, str], list[tuple[str, str, str, ConnectionSet, str]]] = {}
    #: per (Service key, workload): the sender that explains it
    senders: dict[tuple[str, str], str] = {}

    def need(svc: Service) -> str:
        k = service_key(svc.key)
        if k not in services:
            services.append(k)
        return k

    entries = [e for e in outside.entries if e.kind != INGRESS_ENTRY]
    ingress = next((e for e in outside.entries if e.kind == INGRESS_ENTRY), None)
    for e in entries:
        svc = e.service
        assert svc is not None
        key = entry_key(e.kind, svc.key)
        sk = need(svc)
        addresses = ", ".join(e.addresses)
        sub = e.ports_text() if e.kind == NODE_PORT else (addresses or e.ports_text())
        who = ranges_text(e.sources, None)
        tip = [f"{_entry_label(e.kind, svc.name)} (Service {svc.key})",
               f"who may send: {who}"]
        if e.addresses:
            tip.append(f"addresses: {addresses}")
        tip.append(f"ports: {e.ports_text()}")
        tip += [f"note: {n}" for n in e.notes]
        nodes.append(OutsideNode(key, NodeKind.ENTRY, _entry_label(e.kind, svc.name), sub,
                                 "\n".join(tip), svc.namespace, sk))
        edges.append(OutsideEdge(OUTSIDE_KEY, key, EdgeStyle.ENTRY, ranges_text(e.sources),
                                 f"from outside to {_entry_label(e.kind, svc.key)}: {who}"))
        edges.append(OutsideEdge(key, sk, EdgeStyle.ENTRY, e.ports_text(),
                                 f"{_entry_label(e.kind, svc.key)} → Service {svc.key}: "
                                 f"{e.ports_text()}"))
        for b in e.backends:
            # the pair to explain: a public sender that gets through, else any that does,
            # else a public one
            pieces = ([r for r, c in b.by_source if c and not is_private(r)]
                      or [r for r, c in b.by_source if c]
                      or [r for r, _ in b.by_source if not is_private(r)]
                      or [r for r, _ in b.by_source])
            if pieces:
                senders.setdefault((sk, b.workload), external_key(str(pieces[0])))
            through.setdefault((sk, b.workload), []).append(
                (_entry_label(e.kind, svc.key), _backend_text(e, b, MAX_RANGES_IN_LABEL),
                 _backend_text(e, b, None), b.reachable, key))
    if ingress is not None:
        _ingress_paths(an, nodes, edges, through, need)
        for sk, wl in through:
            senders.setdefault((sk, wl), INGRESS_CONTROLLER_KEY)
    for (sk, wl), texts in sorted(through.items()):
        got = ConnectionSet.none()
        for t in texts:
            got = got | t[3]
        if len(texts) == 1:
            label = texts[0][1]
        else:
            label = "; ".join(f"{who.split(' ', 1)[0]}: {t}" for who, t, *_ in texts)
        why = "\n".join(f"{who} → {wl}: {t}" for who, _, t, *_ in texts)
        style = EdgeStyle.EXPOSED if got else EdgeStyle.BLOCKED
        sender = senders.get((sk, wl))
        edges.append(OutsideEdge(sk, wl, style, label if got else "blocked by its policies",
                                 why, str(got) if got else "", got if got else None,
                                 (sender, wl) if sender else None))
    # a Service with one backend is drawn right above it (no room for a label on that link):
    # each way in to it says what gets through from it
    backends_of: dict[str, list[str]] = {}
    for sk, wl in through:
        backends_of.setdefault(sk, []).append(wl)
    for i, oe in enumerate(edges):
        wls = backends_of.get(oe.target, [])
        if oe.style != EdgeStyle.ENTRY or len(wls) != 1:
            continue
        mine = [t for t in through[(oe.target, wls[0])] if t[4] == oe.source]
        if mine:
            text = mine[0][1] if mine[0][3] else "blocked by its policies"
            edges[i] = replace(oe, label=f"{oe.label}: {text}",
                               tooltip=f"{oe.tooltip}\n→ {wls[0]}: {mine[0][2]}")
    for d in outside.destinations:
        svc = d.service
        sk = need(svc)
        key = destination_key(svc.key)
        kind = "ExternalName" if svc.external_name else \
            " + ".join(dict.fromkeys(ep.kind for ep in d.endpoints)) or "Endpoints"
        reach = [c for c in d.clients if c.reachable]
        tip = [f"Service {svc.key} leads outside the cluster to {d.name} ({kind})",
               f"ports: {d.ports}"]
        if svc.external_name:
            tip.append("a DNS name: netviz does not know its addresses; a workload reaches it "
                       "surely on what its egress allows to every external address")
        tip += [f"{c.workload} may reach it: {c.reachable}" for c in reach[:10]]
        if len(reach) > 10:
            tip.append(f"and {len(reach) - 10} more workloads")
        nodes.append(OutsideNode(key, NodeKind.DESTINATION, _address_text(d.name), kind,
                                 "\n".join(tip),
                                 svc.namespace, sk))
        edges.append(OutsideEdge(sk, key, EdgeStyle.LEADS_OUT, str(d.ports),
                                 f"Service {svc.key} → {d.name}: {d.ports}", conns=d.ports))
    if any(n.kind == NodeKind.ENTRY for n in nodes):
        nodes.insert(0, OutsideNode(
            OUTSIDE_KEY, NodeKind.OUTSIDE, "internet", "clients outside the cluster",
            "Where traffic through the entry points (LoadBalancer, NodePort and externalIPs "
            "Services, Ingresses, Routes) comes from"))
    return OutsidePicture(tuple(nodes), tuple(edges), tuple(services))


def _ingress_paths(an: Analyzer, nodes: list[OutsideNode], edges: list[OutsideEdge],
                   through: dict[tuple[str, str], list[tuple[str, str, str, ConnectionSet, str]]],
                   need: Callable[[Service], str]) -> None:
    """Ingress/Route objects: outside → object → Service → backend (via the controller)."""
    ia = analyze_ingress(an)
    svc_by_key = {s.key: s for s in an.cluster.services}
    seen_edges: set[tuple[str, str]] = set()
    leads: dict[str, list[str]] = {}
    for t in ia.targets:
        for p in t.paths:
            key = entry_key(p.obj.kind, p.obj.key)
            sk = need(p.service)
            leads.setdefault(key, [])
            if (key, sk) not in seen_edges:
                seen_edges.add((key, sk))
                ports = _backend_ports(p.obj, p.service.name)
                edges.append(OutsideEdge(key, sk, EdgeStyle.ENTRY, ports,
                                         f"{p.obj.kind} {p.obj.key} → Service "
                                         f"{p.service.key}: {ports}"))
            got = p.ports & t.allowed
            text = (f"{got} via the ingress controller" if got
                    else "nothing: the policies block the ingress controller"
                    if p.ports else "nothing: no port the workload declares")
            through.setdefault((sk, t.workload), []).append((f"{p.obj.kind} {p.obj.key}", text,
                                                             text, got, key))
            leads[key].append(t.workload)
    for obj in an.cluster.ingresses:
        key = entry_key(obj.kind, obj.key)
        if key not in leads:
            continue  # leads to no workload: the loader's and the analysis' warnings say why
        first_svc = next((b.service for b in obj.backends if b.service), None)
        near = service_key(f"{obj.namespace}/{first_svc}") if first_svc and \
            f"{obj.namespace}/{first_svc}" in svc_by_key else None
        tls = " (TLS)" if obj.tls else ""
        tip = [f"{obj.kind} {obj.key}{tls}: hosts {_object_hosts(obj)}",
               f"served by the ingress controller ({INGRESS_CONTROLLER_KEY}: "
               f"{an.options.ingress_controller_text()})",
               "leads to " + ", ".join(dict.fromkeys(leads[key]))]
        nodes.append(OutsideNode(key, NodeKind.ENTRY, f"{obj.kind} {obj.name}",
                                 _object_hosts(obj), "\n".join(tip), obj.namespace, near))
        edges.append(OutsideEdge(OUTSIDE_KEY, key, EdgeStyle.ENTRY,
                                 "HTTPS" if obj.tls else "HTTP",
                                 f"from outside to {obj.kind} {obj.key}: hosts "
                                 f"{_object_hosts(obj)}"))


__all__ = [
    "OutsideEdge",
    "OutsideNode",
    "OutsidePicture",
    "build_outside",
    "merge_ranges",
    "ranges_text",
    "wrap_words",
]

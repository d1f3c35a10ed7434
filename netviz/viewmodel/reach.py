"""The one-click questions: "who can reach X?" and "what reaches port P?".

Rules this module keeps:
- Qt-free, and built only from the engine's connection list (``AppState.connections``, the
  rows ``netviz list`` prints) and the cluster's Services: nothing here evaluates a policy, so
  the answers always agree with ``netviz list`` (tests/viewmodel/test_reach.py compares them).
- **Who can reach X.** X is a workload (a peer key), or a Service (``svc:ns/name``), which
  stands for its backends. The answer lists every peer with a connection to X (workloads, bare
  pods, external ranges as ``netviz list`` cuts them, the ingress controller), with that
  connection, and the Services of X it reaches X *through*: a Service S of X counts when the
  connection allows a port S forwards to X. Policies see the pod's address and port after the
  Service has rewritten them, so reaching X through S never allows more than reaching X
  directly; the Services say which way in a client would take, and the port it would dial.
- **Service targets.** A Service selects the workloads (``pod.workload_key``) with a pod in its
  namespace that carries every label of its selector (none when it has no selector: endpoints
  by hand). A numeric ``targetPort`` is that port; a named one is resolved *on each backend
  separately*, to the container port with that name and the Service port's protocol
  (``FindPort`` in Kubernetes' endpoints controller), so two backends may get two numbers and a
  backend without the name gets none (nothing is forwarded to it on that port).
- **What reaches port P.** P is ``(protocol, port)`` as the toolbar's "Reaches port" filter
  parses it (either may be None: any). P is the port the *pod* receives, as policies see it.
  The answer keeps every pair whose connection accepts P, grouped by destination, with the
  Services that forward to P on that destination (``80→http(8080)`` for P = 8080).
- Deterministic: groups and rows sorted (workloads by key, then external ranges by address,
  then other peers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from netviz.engine.connections import PROTOCOL_ORDER, ConnectionSet
from netviz.engine.connlist import Connection
from netviz.model import Cluster, Pod, Service, ServicePort
from netviz.model.keys import (
    display_name,
    external_range,
    is_external_key,
    is_service_key,
    is_workload_key,
    parse_workload_key,
    service_key,
)

#: the group of peers outside every namespace (external ranges, the ingress controller)
OUTSIDE = "outside the cluster"


def accepts(conns: ConnectionSet, protocol: str | None, port: int | None) -> bool:
    """Whether ``conns`` allow ``protocol``/``port`` (None: any protocol / any port)."""
    if port is not None:
        protos = (protocol,) if protocol else PROTOCOL_ORDER
        return any(conns.contains(p, port) for p in protos)
    if protocol is not None:
        return protocol in conns.protocols()
    return not conns.is_empty()


def port_text(protocol: str | None, port: int | None) -> str:
    """``TCP 5432``, ``port 5432`` (any protocol), ``UDP`` (any UDP port)."""
    if port is None:
        return protocol or "any port"
    return f"{protocol} {port}" if protocol else f"port {port}"


@dataclass(frozen=True)
class Forward:
    """One port of a Service as it lands on one backend: ``port`` -> ``target`` (a number or
    a container port name) -> ``number`` on that backend (None: the name resolves nowhere)."""

    protocol: str
    port: int
    target: int | str
    number: int | None

    def __str__(self) -> str:
        proto = "" if self.protocol == "TCP" else f"/{self.protocol}"
        if isinstance(self.target, str):
            num = "?" if self.number is None else str(self.number)
            return f"{self.port}→{self.target}({num}){proto}"
        return f"{self.port}→{self.target}{proto}"


@dataclass(frozen=True)
class ServiceRoute:
    """A Service of a destination and the ports of it that matter for the question."""

    service: str  # ``svc:ns/name``
    forwards: tuple[Forward, ...]

    def __str__(self) -> str:
        return f"{display_name(self.service)} ({', '.join(str(f) for f in self.forwards)})"


@dataclass(frozen=True)
class Reach:
    """``src`` reaches ``dst`` with ``connection`` (the ``netviz list`` row), through
    ``services`` too (Services of ``dst`` with a forwarded port the connection allows)."""

    src: str
    dst: str
    connection: ConnectionSet
    services: tuple[ServiceRoute, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        return (self.src, self.dst)

    @property
    def via_text(self) -> str:
        return "; ".join(str(s) for s in self.services)


@dataclass(frozen=True)
class ReachGroup:
    """Rows of an answer under one heading (a namespace, ``OUTSIDE``, or a destination)."""

    title: str
    rows: tuple[Reach, ...]
    #: the destination this group is about (port answers), else None
    dst: str | None = None
    #: what the destination's Services forward to the port asked for (port answers)
    services: tuple[ServiceRoute, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The answer to one question, ready for a panel."""

    question: str
    summary: str
    groups: tuple[ReachGroup, ...] = ()

    @property
    def rows(self) -> list[Reach]:
        return [r for g in self.groups for r in g.rows]


# --------------------------------------------------------------------------- ordering


def _peer_order(key: str) -> tuple[int, object]:
    if is_workload_key(key):
        return (0, key)
    if is_external_key(key):
        from netviz.engine.ipranges import IPRange

        try:
            r = IPRange.parse(external_range(key))
        except ValueError:
            return (2, key)
        return (1, (r.version, r.lo, r.hi))
    return (2, key)


def _group_of(key: str) -> str:
    if is_workload_key(key):
        return parse_workload_key(key).namespace
    return OUTSIDE


# --------------------------------------------------------------------------- Services


@dataclass
class _Services:
    """Which Services select which workload, and what each forwards to it."""

    #: workload key -> [(service key, forwards on that workload)]
    of: dict[str, list[tuple[str, tuple[Forward, ...]]]] = field(default_factory=dict)
    #: service key -> its backends (workload keys, sorted)
    backends: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _resolve(sp: ServicePort, pods: Sequence[Pod]) -> int | None:
    """The number a Service port's target lands on, on these pods of one workload."""
    if isinstance(sp.target_port, int):
        return sp.target_port
    for pod in pods:
        for cp in pod.ports:
            if cp.name == sp.target_port and cp.protocol == sp.protocol:
                return cp.port
    return None


def _services(cluster: Cluster) -> _Services:
    pods_of: dict[str, list[Pod]] = {}
    for pod in cluster.pods:
        pods_of.setdefault(pod.workload_key or pod.key, []).append(pod)
    by_ns: dict[str, list[str]] = {}
    for wl in sorted(pods_of):
        by_ns.setdefault(pods_of[wl][0].namespace, []).append(wl)
    out = _Services()
    svcs: list[Service] = sorted(cluster.services, key=lambda s: s.key)
    for svc in svcs:
        skey = service_key(svc.key)
        chosen: list[str] = []
        if svc.selector:
            sel = svc.selector.items()
            for wl in by_ns.get(svc.namespace, []):
                pods = [p for p in pods_of[wl] if all(p.labels.get(k) == v for k, v in sel)]
                if not pods:
                    continue
                chosen.append(wl)
                fwd = tuple(Forward(sp.protocol, sp.port, sp.target_port, _resolve(sp, pods))
                            for sp in svc.ports)
                out.of.setdefault(wl, []).append((skey, fwd))
        out.backends[skey] = tuple(chosen)
    return out


def _routes(services: list[tuple[str, tuple[Forward, ...]]], conns: ConnectionSet,
            protocol: str | None = None, port: int | None = None) -> tuple[ServiceRoute, ...]:
    """The Services (of one destination) with a forwarded port that ``conns`` allow, and
    that is P when a port is asked for."""
    out = []
    for skey, fwds in services:
        ok = tuple(f for f in fwds if f.number is not None
                   and conns.contains(f.protocol, f.number)
                   and (port is None or f.number == port)
                   and (protocol is None or f.protocol == protocol))
        if ok:
            out.append(ServiceRoute(skey, ok))
    return tuple(out)


# --------------------------------------------------------------------------- the index


class ReachIndex:
    """The connection list indexed for the questions (build once per evaluation)."""

    def __init__(self, cluster: Cluster, connections: Sequence[Connection]) -> None:
        self.cluster = cluster
        self.connections = connections
        self.services = _services(cluster)
        self.into: dict[str, list[Connection]] = {}
        for c in connections:
            self.into.setdefault(c.dst.key, []).append(c)

    def backends(self, key: str) -> tuple[str, ...]:
        """A Service's backends; a peer: itself."""
        if is_service_key(key):
            return self.services.backends.get(key, ())
        return (key,)

    def who_can_reach(self, target: str) -> Answer:
        """Every peer with a connection to ``target`` (a peer key, or a Service key: its
        backends), grouped by the source's namespace (``OUTSIDE`` last)."""
        name = display_name(target)
        dsts = self.backends(target)
        reaches: list[Reach] = []
        for dst in dsts:
            svcs = self.services.of.get(dst, [])
            if is_service_key(target):
                svcs = [s for s in svcs if s[0] == target]
            for c in self.into.get(dst, ()):
                routes = _routes(svcs, c.connections)
                if is_service_key(target) and not routes:
                    continue  # reaches the backend, but on no port the Service forwards
                reaches.append(Reach(c.src.key, dst, c.connections, routes))
        reaches.sort(key=lambda r: (_peer_order(r.src), _peer_order(r.dst)))
        groups = _group(reaches, lambda r: _group_of(r.src))
        n_src = len({r.src for r in reaches})
        n_via = len({r.src for r in reaches if r.services})
        if is_service_key(target):
            summary = (f"{_count(n_src, 'peer')} can reach {name} through the Service"
                       if dsts else f"Service {name} selects no workload")
        else:
            summary = f"{_count(n_src, 'peer')} can reach {name}"
            if n_via:
                summary += f", {n_via} of them also through its Service(s)"
            elif self.services.of.get(target):
                summary += "; none on a port its Service(s) forward"
        return Answer(f"Who can reach {name}?", summary, groups)

    def reaches_port(self, protocol: str | None, port: int | None) -> Answer:
        """Every pair whose connection accepts ``protocol``/``port``, grouped by destination."""
        what = port_text(protocol, port)
        memo: dict[ConnectionSet, bool] = {}
        by_dst: dict[str, list[Reach]] = {}
        for dst, conns in self.into.items():
            svcs = self.services.of.get(dst, [])
            for c in conns:
                ok = memo.get(c.connections)
                if ok is None:
                    ok = memo[c.connections] = accepts(c.connections, protocol, port)
                if ok:
                    routes = _routes(svcs, c.connections, protocol, port)
                    by_dst.setdefault(dst, []).append(Reach(c.src.key, dst, c.connections, routes))
        groups = []
        for dst in sorted(by_dst, key=_peer_order):
            rows = sorted(by_dst[dst], key=lambda r: _peer_order(r.src))
            fwd = _port_forwards(self.services.of.get(dst, []), protocol, port)
            groups.append(ReachGroup(display_name(dst), tuple(rows), dst, fwd))
        n_pairs = sum(len(g.rows) for g in groups)
        summary = (f"{_count(n_pairs, 'pair')} reach {what}, into "
                   f"{_count(len(groups), 'destination')}")
        return Answer(f"What reaches {what}?", summary, tuple(groups))


    def edge_pairs(self, pairs: Sequence[tuple[str, str]], title: str = "") -> Answer:
        """The pairs a drawn edge stands for (a group edge of the picture), each with its
        connection (``No Connections`` when the list has none: a denied pair), grouped by
        source."""
        lookup = {(c.src.key, c.dst.key): c for d in {p[1] for p in pairs}
                  for c in self.into.get(d, ())}
        none = ConnectionSet.none()
        rows = []
        for src, dst in pairs:
            c = lookup.get((src, dst))
            conns = c.connections if c is not None else none
            routes = _routes(self.services.of.get(dst, []), conns) if c is not None else ()
            rows.append(Reach(src, dst, conns, routes))
        rows.sort(key=lambda r: (_peer_order(r.src), _peer_order(r.dst)))
        groups = []
        by_src: dict[str, list[Reach]] = {}
        for r in rows:
            by_src.setdefault(r.src, []).append(r)
        for src, items in by_src.items():
            groups.append(ReachGroup(display_name(src), tuple(items)))
        texts = sorted({str(r.connection) for r in rows})
        what = texts[0] if len(texts) == 1 else f"{len(texts)} different connections"
        summary = f"{_count(len(rows), 'pair')}" + (f", each {what}" if len(texts) == 1
                                                    else f": {what}")
        if not title and rows:
            title = (f"{_side_title([r.src for r in rows])} → "
                     f"{_side_title([r.dst for r in rows])}")
        return Answer(f"Pairs of {title}" if title else "Pairs of the edge", summary,
                      tuple(groups))


def _port_forwards(services: list[tuple[str, tuple[Forward, ...]]], protocol: str | None,
                   port: int | None) -> tuple[ServiceRoute, ...]:
    out = []
    for skey, fwds in services:
        ok = tuple(f for f in fwds if f.number is not None
                   and (port is None or f.number == port)
                   and (protocol is None or f.protocol == protocol))
        if ok:
            out.append(ServiceRoute(skey, ok))
    return tuple(out)


def _side_title(keys: Sequence[str]) -> str:
    """One end of a group edge, named from its members: the peer, its namespace, or a count."""
    unique = sorted(set(keys), key=_peer_order)
    if len(unique) == 1:
        return display_name(unique[0])
    spaces = {_group_of(k) for k in unique}
    if len(spaces) == 1:
        (ns,) = spaces
        return f"{ns} ({len(unique)})" if ns != OUTSIDE else f"{len(unique)} external peers"
    return f"{len(unique)} peers in {len(spaces)} namespaces"


def _group(reaches: Iterable[Reach], key: object) -> tuple[ReachGroup, ...]:
    groups: dict[str, list[Reach]] = {}
    for r in reaches:
        groups.setdefault(key(r), []).append(r)  # type: ignore[operator]
    titles = sorted(groups, key=lambda t: (t == OUTSIDE, t))
    return tuple(ReachGroup(t, tuple(groups[t])) for t in titles)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def who_can_reach(cluster: Cluster, connections: Sequence[Connection], target: str) -> Answer:
    """``ReachIndex(cluster, connections).who_can_reach(target)``."""
    return ReachIndex(cluster, connections).who_can_reach(target)


def reaches_port(cluster: Cluster, connections: Sequence[Connection], protocol: str | None,
                 port: int | None) -> Answer:
    """``ReachIndex(cluster, connections).reaches_port(protocol, port)``."""
    return ReachIndex(cluster, connections).reaches_port(protocol, port)

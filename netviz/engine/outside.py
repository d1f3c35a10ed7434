"""The cluster's edges: how traffic from outside gets in, and where Services lead outside.

Policies decide what a pod accepts; Services decide what reaches it in the first place. This
module follows the Services and Ingress objects that open the cluster to the outside, and asks
the evaluator what the policies of their backends let through.

Rules this module keeps (https://kubernetes.io/docs/concepts/services-networking/service/):

- **Entry points** (``EntryPoint``), one per Service or per ingress controller:

  - ``LoadBalancer``: clients in ``loadBalancerSourceRanges`` (every address when there are
    none) reach the Service ports on the load balancer. Its node ports are open too
    (``Service.node_ports_open``, unless ``allocateLoadBalancerNodePorts: false``), and they do
    not honour the source ranges: the entry says so.
  - ``NodePort``: every address that can reach a node reaches the node port. Who can reach the
    nodes is not in the manifests: netviz assumes everyone, and says so.
  - ``externalIPs`` (any type): traffic for those addresses on the Service ports, from everyone.
  - ``Ingress``: the ``{ingress-controller}`` (``netviz.engine.ingress``): its targets, with the
    policies' verdict for the ingress controller.

- **What reaches a backend** (``EntryBackend``): the Service's target ports resolved on the
  workload (a named ``targetPort`` on a container port of that name and protocol), and, per
  piece of the client addresses, what the workload's ingress policies allow from that piece
  (``Analyzer.external_conns``: every tier). The pieces are the client ranges cut at every
  ipBlock boundary of the ingress direction, so each piece is uniform. netviz evaluates the
  *client's* address, as the pod sees it with ``externalTrafficPolicy: Local``; with ``Cluster``
  (the default) many network plugins rewrite it to a node's address on the way in, and then
  only policies that admit node addresses apply: ``EntryPoint.notes`` states it.
- **Leading outside** (``ExternalDestination``): a Service without a selector whose Endpoints or
  EndpointSlices list addresses of no known pod leads to those addresses (a database outside,
  mapped into the cluster). Per workload, what its egress allows to each address on the
  endpoint ports. An ``ExternalName`` Service leads to a DNS name whose addresses netviz does
  not know: a workload reaches it *surely* on what its egress allows to every external address,
  and *maybe* on what it allows to some.
- "The internet": an address outside the private, shared and special-purpose IPv4 blocks
  (RFC 1918, RFC 6598, loopback, link-local) and outside the private IPv6 blocks (ULA,
  link-local, loopback). ``from_internet`` of a backend is what public client addresses get.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, PodClass
from netviz.engine.connections import ConnectionSet
from netviz.engine.ingress import analyze_ingress
from netviz.engine.ipranges import IPRange, atoms
from netviz.model import Ingress, Service, ServiceEndpoints

#: entry kinds
LOAD_BALANCER = "LoadBalancer"
NODE_PORT = "NodePort"
EXTERNAL_IP = "ExternalIP"
INGRESS_ENTRY = "Ingress"

_PRIVATE = tuple(
    IPRange.from_cidr(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
              "169.254.0.0/16", "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128")
)
_EVERYONE = (IPRange.everything(4),)


def is_private(r: IPRange) -> bool:
    """Every address of ``r`` is private/special (not on the internet)."""
    return any(p.contains(r) for p in _PRIVATE)


def _cut_private(ranges: Iterable[IPRange]) -> list[IPRange]:
    """``ranges`` cut at the private blocks' boundaries (so each piece is all private or all
    public)."""
    ranges = list(ranges)
    fams = {r.version for r in ranges}
    cuts = [p for p in _PRIVATE if p.version in fams]
    return [a for a in atoms([*ranges, *cuts], families=fams)
            if any(r.contains(a) for r in ranges)]


@dataclass(frozen=True)
class EntryBackend:
    """A workload behind an entry point."""

    workload: str
    #: what the entry forwards to the workload (its target ports, resolved)
    ports: ConnectionSet
    #: per piece of the client addresses: what the workload's policies let through of ``ports``
    by_source: tuple[tuple[IPRange, ConnectionSet], ...] = ()
    #: for the ingress controller: what its policies let through (no address pieces)
    through_controller: ConnectionSet | None = None

    @property
    def reachable(self) -> ConnectionSet:
        """What some client gets through."""
        if self.through_controller is not None:
            return self.through_controller
        out = ConnectionSet.none()
        for _, c in self.by_source:
            out = out | c
        return out

    @property
    def from_internet(self) -> ConnectionSet:
        """What some client on the internet gets through (the ingress controller counts as
        facing the internet)."""
        if self.through_controller is not None:
            return self.through_controller
        out = ConnectionSet.none()
        for r, c in self.by_source:
            if not is_private(r):
                out = out | c
        return out

    @property
    def open_to_internet(self) -> ConnectionSet:
        """What *every* client address on the internet gets through (the policies admit any
        public address: they do not restrict who on the internet connects)."""
        if self.through_controller is not None:
            return self.through_controller
        public = [c for r, c in self.by_source if not is_private(r)]
        if not public:
            return ConnectionSet.none()
        out = self.ports
        for c in public:
            out = out & c
        return out

    @property
    def blocked(self) -> bool:
        return not self.reachable

    def sources_allowed(self) -> list[IPRange]:
        """The client pieces that get something through."""
        return [r for r, c in self.by_source if c]


@dataclass(frozen=True)
class EntryPoint:
    """A way into the cluster from outside (see the module rules)."""

    kind: str  # LoadBalancer | NodePort | ExternalIP | Ingress
    service: Service | None  # None for the ingress controller
    #: who may send: LoadBalancer source ranges, else every address
    sources: tuple[IPRange, ...]
    backends: tuple[EntryBackend, ...]
    #: the Ingress/Route objects (kind Ingress)
    objects: tuple[Ingress, ...] = ()
    #: where clients connect: LoadBalancer addresses, externalIPs
    addresses: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``LoadBalancer shop/web``, ``Ingress {ingress-controller}``: unique per entry."""
        return f"{self.kind} {self.service.key if self.service else '{ingress-controller}'}"

    @property
    def restricted(self) -> bool:
        """Clients are limited to source ranges (a LoadBalancer with
        ``loadBalancerSourceRanges``)."""
        return self.kind == LOAD_BALANCER and self.service is not None and bool(
            self.service.load_balancer_source_ranges)

    def ports_text(self) -> str:
        """``80→8080/TCP`` (or ``:30080→8080`` for node ports) for the Service ports."""
        if self.service is None:
            return ""
        parts = []
        for sp in self.service.ports:
            proto = "" if sp.protocol == "TCP" else f"/{sp.protocol}"
            if self.kind == NODE_PORT:
                head = f":{sp.node_port}" if sp.node_port else ":(node port)"
            else:
                head = str(sp.port)
            parts.append(f"{head}→{sp.target_port}{proto}")
        return ", ".join(parts)


@dataclass(frozen=True)
class DestinationClient:
    """What a workload's egress allows towards an external destination."""

    workload: str
    #: per address range of the destination: allowed connections (ExternalName: None)
    by_address: tuple[tuple[IPRange, ConnectionSet], ...] = ()
    #: ExternalName: allowed to every external address / to some
    surely: ConnectionSet = field(default_factory=ConnectionSet.none)
    maybe: ConnectionSet = field(default_factory=ConnectionSet.none)

    @property
    def reachable(self) -> ConnectionSet:
        out = self.surely
        for _, c in self.by_address:
            out = out | c
        return out


@dataclass(frozen=True)
class ExternalDestination:
    """A Service that leads outside the cluster: endpoint addresses, or an ExternalName."""

    service: Service
    #: the endpoint addresses outside the cluster (empty for an ExternalName)
    addresses: tuple[IPRange, ...]
    #: the ports the endpoints listen on (ExternalName: the Service ports)
    ports: ConnectionSet
    clients: tuple[DestinationClient, ...]
    endpoints: tuple[ServiceEndpoints, ...] = ()

    @property
    def name(self) -> str:
        """The DNS name (ExternalName) or the addresses."""
        if self.service.external_name:
            return self.service.external_name
        return ", ".join(_range_text(r) for r in self.addresses)


@dataclass(frozen=True)
class Outside:
    entries: tuple[EntryPoint, ...] = ()
    destinations: tuple[ExternalDestination, ...] = ()

    def entries_of(self, workload: str) -> list[tuple[EntryPoint, EntryBackend]]:
        return [(e, b) for e in self.entries for b in e.backends if b.workload == workload]


# --------------------------------------------------------------------------- analysis


def _range_text(r: IPRange) -> str:
    cidrs = r.cidrs()
    return cidrs[0] if len(cidrs) == 1 else str(r)


def _workload_classes(an: Analyzer) -> dict[str, list[PodClass]]:
    out: dict[str, list[PodClass]] = {}
    for pc in an.classes:
        for pod in pc.pods:
            lst = out.setdefault(pod.workload_key, [])
            if pc not in lst:
                lst.append(pc)
    return out


def _by_namespace(wl_classes: dict[str, list[PodClass]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for wl, cls in wl_classes.items():
        out.setdefault(cls[0].namespace, []).append(wl)
    return out


def _backends(svc: Service, wl_classes: dict[str, list[PodClass]],
              by_ns: dict[str, list[str]] | None = None) -> list[str]:
    """The workloads ``svc`` selects (``by_ns``: the workloads per namespace, so that a
    Service looks only at its own namespace's: every Service scanning every workload was a
    third of ``netviz render`` at 5,000 workloads)."""
    if not svc.selector:
        return []
    sel = svc.selector.items()
    names = by_ns.get(svc.namespace, []) if by_ns is not None else [
        wl for wl, cls in wl_classes.items() if cls[0].namespace == svc.namespace]
    return sorted(wl for wl in names
                  if any(all(pc.labels.get(k) == v for k, v in sel) for pc in wl_classes[wl]))


def _target_ports(svc: Service, pc: PodClass) -> ConnectionSet:
    """The Service's target ports on ``pc`` (a name resolved on a container port of that name
    and the port's protocol; a name that resolves nowhere leads nowhere)."""
    out = ConnectionSet.none()
    for sp in svc.ports:
        if isinstance(sp.target_port, int):
            out = out | ConnectionSet.of(sp.protocol, sp.target_port)
        else:
            got = pc.named.get(sp.target_port)
            if got is not None and got[0] == sp.protocol:
                out = out | ConnectionSet.of(sp.protocol, got[1])
    return out


class _Pieces:
    """Client ranges cut at every ingress ipBlock boundary (memoised per source set)."""

    def __init__(self, an: Analyzer) -> None:
        self.an = an
        self.bounds = an.direction_ip_ranges(INGRESS)
        self._memo: dict[tuple[IPRange, ...], list[IPRange]] = {}

    def of(self, sources: tuple[IPRange, ...]) -> list[IPRange]:
        got = self._memo.get(sources)
        if got is None:
            fams = {r.version for r in sources}
            cut = atoms([*self.bounds, *sources], families=fams)
            got = [a for a in cut if any(s.contains(a) for s in sources)]
            got = [p for a in got for p in _cut_private([a])]
            self._memo[sources] = got
        return got


def _backend(an: Analyzer, wl: str, classes: list[PodClass], svc: Service,
             pieces: list[IPRange]) -> EntryBackend:
    ports = _target_ports(svc, classes[0])
    by: list[tuple[IPRange, ConnectionSet]] = []
    for r in pieces:
        c = ports
        for pc in classes:
            if not c:
                break
            c = c & an.external_conns(pc, INGRESS, r)
        by.append((r, c))
    return EntryBackend(wl, ports, tuple(by))


def _service_entries(an: Analyzer, svc: Service, wl_classes: dict[str, list[PodClass]],
                     pieces: _Pieces, by_ns: dict[str, list[str]] | None = None
                     ) -> list[EntryPoint]:
    out: list[EntryPoint] = []
    wls = _backends(svc, wl_classes, by_ns)
    snat = ("externalTrafficPolicy: Cluster: the network plugin may rewrite the client's "
            "address to a node's on the way in; netviz evaluates the client's address (as with "
            "Local), so policies that admit only node addresses are not taken into account")
    kinds: list[tuple[str, tuple[IPRange, ...], tuple[str, ...], list[str]]] = []
    if svc.type == "LoadBalancer":
        ranges = tuple(IPRange.from_cidr(c) for c in svc.load_balancer_source_ranges)
        notes = []
        if svc.external_traffic_policy == "Cluster":
            notes.append(snat)
        if svc.node_ports_open:
            notes.append("its node ports are open on every node too, to every address that "
                         "reaches a node: loadBalancerSourceRanges do not apply there")
        kinds.append((LOAD_BALANCER, ranges or _EVERYONE, svc.load_balancer_addresses, notes))
        if ranges and svc.node_ports_open:
            # the source ranges bind the load balancer only: its node ports are another way in
            kinds.append((NODE_PORT, _EVERYONE, (), [
                "the node ports of a LoadBalancer: loadBalancerSourceRanges do not apply to "
                "them; who can reach the nodes is not in the manifests: netviz assumes every "
                "address"]))
    elif svc.type == "NodePort":
        notes = ["who can reach the nodes is not in the manifests: netviz assumes every address"]
        if svc.external_traffic_policy == "Cluster":
            notes.append(snat)
        kinds.append((NODE_PORT, _EVERYONE, (), notes))
    if svc.external_ips:
        kinds.append((EXTERNAL_IP, _EVERYONE, svc.external_ips,
                      ["traffic for the external IPs reaches the Service from every address "
                       "that can route to them"]))
    for kind, sources, addresses, notes in kinds:
        ps = pieces.of(sources)
        backends = tuple(_backend(an, wl, wl_classes[wl], svc, ps) for wl in wls)
        if not wls:
            notes = [*notes, "the Service selects no workload: nothing behind it"]
        out.append(EntryPoint(kind, svc, sources, backends, (), addresses, tuple(notes)))
    return out


def _ingress_entry(an: Analyzer) -> EntryPoint | None:
    ia = analyze_ingress(an)
    if not ia.present:
        return None
    backends = tuple(
        EntryBackend(t.workload, t.requested, (), t.allowed) for t in ia.targets
    )
    objs = tuple(dict.fromkeys(p.obj for t in ia.targets for p in t.paths))
    return EntryPoint(INGRESS_ENTRY, None, _EVERYONE, backends, objs or an.cluster.ingresses,
                      (), ("the ingress controller faces the internet: its connections are "
                           "what the backends' policies allow from it",))


def _destinations(an: Analyzer, wl_classes: dict[str, list[PodClass]]) -> list[ExternalDestination]:
    out: list[ExternalDestination] = []
    pod_ips = {ip for p in an.cluster.pods for ip in p.ips}
    eg_bounds = an.direction_ip_ranges(EGRESS)
    all_eg = atoms(eg_bounds)
    for svc in an.cluster.services:
        if svc.type == "ExternalName" and svc.external_name:
            ports = ConnectionSet.none()
            for sp in svc.ports:
                ports = ports | ConnectionSet.of(sp.protocol, sp.port)
            ports = ports or ConnectionSet.all()  # no ports: the name, on any port
            clients = []
            for wl, cls in sorted(wl_classes.items()):
                surely, maybe = ports, ConnectionSet.none()
                for r in all_eg:
                    c = ports
                    for pc in cls:
                        c = c & an.external_conns(pc, EGRESS, r)
                    surely = surely & c
                    maybe = maybe | c
                clients.append(DestinationClient(wl, (), surely, maybe - surely))
            out.append(ExternalDestination(svc, (), ports, tuple(clients)))
            continue
        if svc.selector:
            continue
        eps = an.cluster.endpoints_of(svc)
        addrs: list[IPRange] = []
        ports = ConnectionSet.none()
        for ep in eps:
            for sub in ep.subsets:
                for a in sub.addresses:
                    if a in pod_ips:
                        continue
                    r = IPRange.from_ip(a)
                    if r not in addrs:
                        addrs.append(r)
                for p in sub.ports:
                    ports = ports | ConnectionSet.of(p.protocol, p.port)
        if not addrs:
            continue
        ports = ports or ConnectionSet.all()
        clients = []
        for wl, cls in sorted(wl_classes.items()):
            by: list[tuple[IPRange, ConnectionSet]] = []
            for r in addrs:
                c = ports
                for pc in cls:
                    c = c & an.external_conns(pc, EGRESS, r)
                by.append((r, c))
            clients.append(DestinationClient(wl, tuple(by)))
        out.append(ExternalDestination(svc, tuple(addrs), ports, tuple(clients), tuple(eps)))
    return out


def analyze_outside(an: Analyzer) -> Outside:
    """Every entry point and external destination of ``an``'s cluster."""
    wl_classes = _workload_classes(an)
    by_ns = _by_namespace(wl_classes)
    pieces = _Pieces(an)
    entries: list[EntryPoint] = []
    for svc in an.cluster.services:
        entries.extend(_service_entries(an, svc, wl_classes, pieces, by_ns))
    ic = _ingress_entry(an)
    if ic is not None:
        entries.append(ic)
    return Outside(tuple(entries), tuple(_destinations(an, wl_classes)))

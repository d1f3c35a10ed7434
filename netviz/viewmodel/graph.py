"""The graph the GUI and ``netviz render`` draw: nodes, edges and what is visible.

Rules this module keeps:
- Qt-free and engine-driven: every edge comes from ``netviz.engine.connlist`` (allowed and
  partially allowed) or, for denied edges, from the absence of a connection; the only policy
  question asked here is ``Analyzer.verdict`` for a tooltip's "why". Widgets never compute
  semantics.
- Node keys are the engine's peer keys (``ns/name[Kind]``, ``first-last[External]``) so that
  ``AppState.selection`` means the same thing to every view. Services are ``svc:ns/name`` and
  expanded pods ``pod:ns/name``.
- ``GraphModel`` holds what does not change with the view (built once per evaluation);
  ``GraphModel.view(filters, ...)`` returns a ``VisibleGraph``: the nodes and edges to draw now.
  Both are deterministic: same input, same lists in the same order.

Edge styles: ``allowed`` (all connections), ``partial`` (some protocols/ports; the label says
which), ``denied`` (nothing; drawn on demand), ``service`` (a Service to the workloads it
selects), ``bundle`` (level of detail: every edge between two namespaces as one line).
The difference view (``GraphModel(..., difference=diff entries)``, what-if editing) draws
``added`` (newly allowed), ``removed`` (newly denied) and ``changed`` (other ports) between
the two peers, never through a Service, and every other edge as ``unchanged``; a what-if
policy edit updates a model incrementally with ``GraphModel.updated``.

When ``route_via_services`` is on, an edge towards a workload that a Service selects ends at the
Service instead, when the connections include at least one of the Service's target ports: "an
edge to a Service means its backends are reachable on that target port". The label then lists
the Service ports that are reachable (``80→8080/TCP``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.diff import ADDED, REMOVED, DiffEntry
from netviz.engine.ipranges import IPRange
from netviz.model import Cluster, Pod, Service, Workload
from netviz.model.cluster_policy import Tier
from netviz.model.keys import (
    EdgeStyle,
    NodeKind,
    is_external_key,
    parse_workload_key,
    pod_key,
    service_key,
    service_ref,
)
from netviz.model.keys import display_name as _display_name

#: above this many visible workloads, denied edges are drawn only around one node
DENIED_ALL_PAIRS_LIMIT = 40


@dataclass(frozen=True)
class PortMapping:
    """One Service port: ``port`` -> ``target`` (a number or a container port name) and the
    number it resolves to on the backends (None when it resolves nowhere)."""

    port: int
    target: int | str
    protocol: str
    resolved: int | None
    name: str | None = None

    def __str__(self) -> str:
        proto = "" if self.protocol == "TCP" else f"/{self.protocol}"
        if isinstance(self.target, str):
            num = "?" if self.resolved is None else str(self.resolved)
            return f"{self.port}→{self.target}({num}){proto}"
        return f"{self.port}→{self.target}{proto}"


@dataclass(frozen=True)
class Node:
    key: str
    kind: NodeKind
    label: str
    namespace: str | None
    subtitle: str = ""
    tooltip: str = ""
    #: pods: the workload key; services: None
    parent: str | None = None
    replicas: int = 1
    #: lower-case "name key=value key=value ..." for search
    search_text: str = ""
    ports: tuple[PortMapping, ...] = ()


@dataclass(frozen=True)
class NamespaceBox:
    name: str
    label: str
    tooltip: str
    members: tuple[str, ...]  # workload and service keys, in layout order


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    #: allowed | partial | denied | service | bundle; difference view: added | removed |
    #: changed | unchanged
    style: EdgeStyle
    label: str = ""
    tooltip: str = ""
    conns: ConnectionSet | None = None
    #: the peer pair this edge stands for (differs from (src, dst) when routed via a Service)
    pair: tuple[str, str] | None = None
    #: bundles: how many edges, and how many of them partial
    count: int = 1
    partial_count: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.src, self.dst, self.style)


@dataclass
class VisibleGraph:
    nodes: list[str]  # keys, in model order
    edges: list[Edge]
    namespaces: list[str]
    #: nodes matching the search / port filter (None: nothing to emphasise)
    emphasis: set[str] | None = None
    #: denied edges were requested but too many pairs: only drawn around a selected node
    denied_limited: bool = False


@dataclass(frozen=True)
class Highlight:
    node: str
    reachable: frozenset[str]  # what ``node`` can reach
    reaching: frozenset[str]  # what can reach ``node``
    edges: tuple[Edge, ...]

    @property
    def nodes(self) -> frozenset[str]:
        return self.reachable | self.reaching | {self.node}


@dataclass(frozen=True)
class GraphOptions:
    route_via_services: bool = True
    show_services: bool = True
    #: draw external ranges with identical connections as one node
    merge_externals: bool = True


def _labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def short_conns(conns: ConnectionSet, limit: int = 28) -> str:
    """``TCP 5432`` / ``TCP 80,443 +2``: an edge label that stays short."""
    text = str(conns)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(",", 1)[0]
    rest = text[len(cut):].count(",")
    return f"{cut} +{rest}"


_PORT_RE = re.compile(r"^\s*(?:(tcp|udp|sctp)\s*[/ :]?\s*)?(\d{1,5})?\s*$", re.IGNORECASE)


def parse_port_filter(text: str) -> tuple[str | None, int | None] | None:
    """``"TCP 5432"`` -> ("TCP", 5432); ``"5432"`` -> (None, 5432); ``"udp"`` -> ("UDP", None);
    ``""`` -> (None, None); anything else -> None."""
    m = _PORT_RE.match(text)
    if not m:
        return None
    proto = m.group(1).upper() if m.group(1) else None
    port = int(m.group(2)) if m.group(2) else None
    if port is not None and not 1 <= port <= 65535:
        return None
    return proto, port


def edge_style_for(conns: ConnectionSet) -> EdgeStyle:
    return EdgeStyle.ALLOWED if _is_all(conns) else EdgeStyle.PARTIAL


@functools.lru_cache(maxsize=16384)
def _is_all(conns: ConnectionSet) -> bool:
    return conns.is_all()


@functools.lru_cache(maxsize=16384)
def _conns_text(conns: ConnectionSet) -> str:
    return str(conns)


def _ingress_tooltip(cl: Cluster) -> str:
    lines = ["The ingress controller: traffic from outside the cluster through"]
    for obj in cl.ingresses[:12]:
        svcs = sorted({b.service for b in obj.backends if b.service})
        lines.append(f"  {obj.kind} {obj.key} → {', '.join(svcs) or '(no Service)'}")
    if len(cl.ingresses) > 12:
        lines.append(f"  ... and {len(cl.ingresses) - 12} more")
    return "\n".join(lines)


def _edge_order(e: Edge) -> tuple[str, str, str]:
    return (e.src, e.dst, e.style)


class GraphModel:
    """Nodes and edges of one evaluated cluster. Built from the engine's connection list."""

    def __init__(
        self,
        cluster: Cluster,
        connections: Sequence[Connection],
        analyzer: Analyzer | None = None,
        options: GraphOptions | None = None,
        difference: Sequence[DiffEntry] | None = None,
    ) -> None:
        self.cluster = cluster
        self.analyzer = analyzer
        self.options = options or GraphOptions()
        #: the what-if difference against a baseline (``netviz.engine.diff``), or None. With
        #: it, the pairs in the difference are drawn as ``added``/``removed``/``changed``
        #: edges between the peers themselves and every other edge as ``unchanged``.
        self.difference: list[DiffEntry] | None = (
            list(difference) if difference is not None else None)
        self._diff: dict[tuple[str, str], DiffEntry] | None = (
            {(e.src.key, e.dst.key): e for e in difference} if difference is not None else None)
        #: external node key -> the address ranges it stands for
        self.external_members: dict[str, list[str]] = {}
        self.connections = self._merge_externals(list(connections))
        self.expanded: set[str] = set()
        self.nodes: dict[str, Node] = {}
        self.namespaces: dict[str, NamespaceBox] = {}
        self._build_nodes()
        self._ext_diff_sides: set[tuple[str, str]] = set()
        if self._diff is not None:
            self._add_diff_externals()
        self._build_edges()

    def _add_diff_externals(self) -> None:
        """External ranges of the difference are cut as ``diff`` aligns them (both sides'
        boundaries), which can differ from the pieces of the connection list: give each one
        a node, and remember which workload sides they belong to (their plain edges are then
        left to the difference)."""
        assert self._diff is not None
        for e in self._diff.values():
            for p, other, side in ((e.src, e.dst, "in"), (e.dst, e.src, "out")):
                if not p.is_external:
                    continue
                self._ext_diff_sides.add((other.key, side))
                if p.key in self.nodes:
                    continue
                assert p.ip_range is not None
                label = _range_label(p.ip_range)
                self.nodes[p.key] = Node(p.key, NodeKind.EXTERNAL, label, None, subtitle="external",
                                         tooltip="External addresses " + p.name,
                                         search_text=(p.name + " " + label).lower())
                self.externals.append(p.key)

    def _merge_externals(self, conns: list[Connection]) -> list[Connection]:
        """External ranges with exactly the same connections (same peers, directions and
        ports) become one node: the engine cuts the address space at every ipBlock boundary
        of every pod, which would otherwise draw the same edges many times."""
        sig: dict[str, set[tuple[str, str, ConnectionSet]]] = {}
        ranges: dict[str, PeerNode] = {}
        for c in conns:
            if c.src.is_external:
                sig.setdefault(c.src.key, set()).add(("in", c.dst.key, c.connections))
                ranges[c.src.key] = c.src
            if c.dst.is_external:
                sig.setdefault(c.dst.key, set()).add(("out", c.src.key, c.connections))
                ranges[c.dst.key] = c.dst
        order = sorted(sig, key=lambda k: _range_order(ranges[k]))
        groups: dict[frozenset[tuple[str, str, ConnectionSet]], list[str]] = {}
        for k in order:
            groups.setdefault(frozenset(sig[k]), []).append(k)
        alias: dict[str, PeerNode] = {}
        for members in groups.values():
            rep = members[0] if self.options.merge_externals else None
            for k in members:
                target = k if rep is None else rep
                alias[k] = ranges[target]
                ip_range = ranges[k].ip_range
                assert ip_range is not None
                self.external_members.setdefault(target, []).append(_range_label(ip_range))
        if not self.options.merge_externals:
            return conns
        out: list[Connection] = []
        seen: set[tuple[str, str]] = set()
        for c in conns:
            src = alias.get(c.src.key, c.src)
            dst = alias.get(c.dst.key, c.dst)
            key = (src.key, dst.key)
            if key in seen:
                continue
            seen.add(key)
            out.append(c if (src is c.src and dst is c.dst) else Connection(src, dst, c.connections))
        return out

    # ------------------------------------------------------------------ nodes
    def _build_nodes(self) -> None:
        cl = self.cluster
        pods_of: dict[str, list[Pod]] = {}
        for pod in cl.pods:
            pods_of.setdefault(pod.workload_key, []).append(pod)
        self.pods_of = pods_of
        workloads: dict[str, Workload] = {w.key: w for w in cl.workloads}
        self._workloads = workloads
        # workload peers are the keys the engine uses (top-level owners and bare pods)
        wl_keys: dict[str, list[str]] = {}
        for key in sorted(pods_of):
            ns = key.split("/", 1)[0]
            wl_keys.setdefault(ns, []).append(key)
        # services and what they select
        self.service_backends: dict[str, tuple[str, ...]] = {}
        self.services_of: dict[str, list[str]] = {}
        svc_by_ns: dict[str, list[Service]] = {}
        for svc in cl.services:
            svc_by_ns.setdefault(svc.namespace, []).append(svc)
            backends: list[str] = []
            if svc.selector:
                sel = svc.selector
                for key in wl_keys.get(svc.namespace, []):
                    pods = pods_of[key]
                    if any(all(p.labels.get(k) == v for k, v in sel.items()) for p in pods):
                        backends.append(key)
            skey = service_key(svc.key)
            self.service_backends[skey] = tuple(backends)
            for b in backends:
                self.services_of.setdefault(b, []).append(skey)

        nodes: dict[str, Node] = {}
        ns_names = sorted({ns.name for ns in cl.namespaces} | set(wl_keys) | set(svc_by_ns))
        for ns_name in ns_names:
            members: list[str] = []
            placed_svcs: set[str] = set()
            ns_svcs = svc_by_ns.get(ns_name, [])
            for key in wl_keys.get(ns_name, []):
                nodes[key] = self._workload_node(key, workloads.get(key), pods_of[key])
                members.append(key)
                # a Service goes next to its first backend
                for svc in ns_svcs:
                    skey = service_key(svc.key)
                    if skey in placed_svcs or not self.options.show_services:
                        continue
                    selected = self.service_backends[skey]
                    if selected and selected[0] == key:
                        nodes[skey] = self._service_node(svc, selected)
                        members.append(skey)
                        placed_svcs.add(skey)
            if self.options.show_services:
                for svc in ns_svcs:
                    skey = service_key(svc.key)
                    if skey not in placed_svcs:
                        nodes[skey] = self._service_node(svc, self.service_backends[skey])
                        members.append(skey)
            ns_obj = cl.namespace(ns_name)
            labels = dict(ns_obj.labels) if ns_obj else {}
            labels.pop("kubernetes.io/metadata.name", None)
            n_wl = len(wl_keys.get(ns_name, []))
            tip = f"Namespace {ns_name}\n{n_wl} workload(s), {len(ns_svcs)} Service(s)"
            if labels:
                tip += "\nlabels: " + _labels_text(labels)
            if ns_obj is not None and ns_obj.implicit:
                tip += "\n(no Namespace object was loaded)"
            self.namespaces[ns_name] = NamespaceBox(ns_name, ns_name, tip, tuple(members))
        # external peers, sorted by address
        externals: dict[str, Node] = {}
        ext_order: dict[str, tuple[int, int, int]] = {}
        for c in self.connections:
            for p in (c.src, c.dst):
                if p.is_ingress_controller and p.key not in externals:
                    # the outside world's way in through Ingress/Route objects: drawn with
                    # the external peers, first
                    externals[p.key] = Node(
                        p.key, NodeKind.EXTERNAL, "ingress controller", None,
                        subtitle="Ingress / Route",
                        tooltip=_ingress_tooltip(cl),
                        search_text="ingress-controller ingress controller route",
                    )
                    ext_order[p.key] = (-1, 0, 0)
                if p.is_external and p.key not in externals:
                    assert p.ip_range is not None
                    members = self.external_members.get(p.key) or [_range_label(p.ip_range)]
                    label = members[0] if len(members) == 1 else f"{members[0]} +{len(members) - 1}"
                    sub = "external" if len(members) == 1 else f"external, {len(members)} ranges"
                    tip = "External addresses " + (p.name if len(members) == 1 else "\n  " + "\n  ".join(members))
                    if len(members) > 1:
                        tip += "\n(ranges with exactly the same connections are drawn as one)"
                    externals[p.key] = Node(
                        p.key, NodeKind.EXTERNAL, label, None, subtitle=sub, tooltip=tip,
                        search_text=(p.name + " " + " ".join(members)).lower(),
                    )
                    ext_order[p.key] = (p.ip_range.version, p.ip_range.lo, p.ip_range.hi)
        for key in sorted(externals, key=lambda k: ext_order[k]):
            nodes[key] = externals[key]
        self.nodes = nodes
        self.externals = [k for k in nodes if nodes[k].kind == NodeKind.EXTERNAL]

    def _workload_node(self, key: str, wl: Workload | None, pods: list[Pod]) -> Node:
        ns, name, kind = parse_workload_key(key)
        replicas = wl.replicas if wl is not None else len(pods)
        labels = dict(pods[0].labels) if pods else {}
        sub = kind if replicas == 1 else f"{kind} ×{replicas}"
        ports = pods[0].ports if pods else ()
        tip = [f"{kind} {ns}/{name}", f"replicas: {replicas}"]
        if labels:
            tip.append("pod labels: " + _labels_text(labels))
        if ports:
            tip.append("ports: " + ", ".join(
                (f"{p.name}=" if p.name else "") + f"{p.port}/{p.protocol}" for p in ports))
        if wl is not None and wl.source is not None:
            tip.append(f"defined at {wl.source.file}:{wl.source.line}")
        search = " ".join([name.lower(), ns.lower(), kind.lower(),
                           *(f"{k}={v}".lower() for k, v in labels.items()),
                           *(f"{k}={v}".lower() for k, v in (wl.object_labels if wl else {}).items())])
        return Node(key, NodeKind.WORKLOAD, name, ns, sub, "\n".join(tip), replicas=replicas,
                    search_text=search)

    def _service_node(self, svc: Service, backends: tuple[str, ...]) -> Node:
        mappings: list[PortMapping] = []
        for sp in svc.ports:
            resolved: int | None
            if isinstance(sp.target_port, int):
                resolved = sp.target_port
            else:
                resolved = None
                for b in backends:
                    for cp in (self.pods_of[b][0].ports if self.pods_of.get(b) else ()):
                        if cp.name == sp.target_port and cp.protocol == sp.protocol:
                            resolved = cp.port
                            break
                    if resolved is not None:
                        break
            mappings.append(PortMapping(sp.port, sp.target_port, sp.protocol, resolved, sp.name))
        ports_text = ", ".join(str(m) for m in mappings)
        tip = [f"Service {svc.key} ({svc.type})"]
        if svc.selector:
            tip.append("selector: " + _labels_text(svc.selector))
        else:
            tip.append("no selector (endpoints managed by hand)")
        tip.append("ports: " + (ports_text or "none"))
        tip.append("backends: " + (", ".join(b.split("/", 1)[1] for b in backends) or "none"))
        if svc.source is not None:
            tip.append(f"defined at {svc.source.file}:{svc.source.line}")
        search = " ".join([svc.name.lower(), svc.namespace.lower(), "service",
                           *(f"{k}={v}".lower() for k, v in (svc.selector or {}).items())])
        return Node(service_key(svc.key), NodeKind.SERVICE, svc.name, svc.namespace,
                    ports_text, "\n".join(tip), search_text=search, ports=tuple(mappings))

    def pod_nodes(self, workload: str) -> list[Node]:
        """The pods of a workload, as nodes (shown when the workload is expanded)."""
        out = []
        for p in self.pods_of.get(workload, []):
            state = "from the template" if p.synthetic else (p.phase or "")
            tip = f"Pod {p.namespace}/{p.name}" + (f" ({state})" if state else "")
            if p.ips:
                tip += "\nIPs: " + ", ".join(p.ips)
            out.append(Node(pod_key(p.key), NodeKind.POD, p.name, p.namespace, "", tip,
                            parent=workload, search_text=p.name.lower()))
        return out

    def toggle_expanded(self, key: str) -> bool:
        """Expand/collapse a workload's pods; returns the new state."""
        if key in self.expanded:
            self.expanded.discard(key)
            return False
        if key in self.nodes and self.nodes[key].kind == NodeKind.WORKLOAD:
            self.expanded.add(key)
            return True
        return False

    # ------------------------------------------------------------------ edges
    def _build_edges(self) -> None:
        self.allowed: dict[tuple[str, str], ConnectionSet] = {
            (c.src.key, c.dst.key): c.connections for c in self.connections
        }
        self.out_adj: dict[str, set[str]] = {}
        self.in_adj: dict[str, set[str]] = {}
        for s, d in self.allowed:
            self.out_adj.setdefault(s, set()).add(d)
            self.in_adj.setdefault(d, set()).add(s)
        #: (d, connections) -> (edge target, reachable Service ports); depends on nodes only
        self._route_cache: dict[tuple[str, ConnectionSet], tuple[str, list[PortMapping]]] = {}
        #: (s, d) -> the edge drawn for that pair directly (not through a Service)
        self._direct: dict[tuple[str, str], Edge] = {}
        #: (s, Service key) -> {backend: (connections, reachable Service ports)}
        self._routed: dict[tuple[str, str], dict[str, tuple[ConnectionSet, list[PortMapping]]]] = {}
        for c in self.connections:
            self._place(c.src.key, c.dst.key, c.connections, self._routed)
        if self._diff is not None:
            for pair, entry in self._diff.items():
                if entry.kind == REMOVED:
                    self._direct[pair] = self._diff_edge(entry)
        self._routed_edges: dict[tuple[str, str], Edge] = {
            k: self._routed_edge(k, items) for k, items in self._routed.items()}
        # Service -> backend links
        self._service_edges: list[Edge] = []
        if self.options.show_services:
            for skey, backends in self.service_backends.items():
                if skey not in self.nodes:
                    continue
                node = self.nodes[skey]
                for b in backends:
                    self._service_edges.append(Edge(
                        skey, b, EdgeStyle.SERVICE, "",
                        f"Service {node.label} selects {_name(b)}\n{node.subtitle}"))
        self._assemble_edges()

    def _assemble_edges(self) -> None:
        edges = [*self._direct.values(), *self._routed_edges.values(), *self._service_edges]
        edges.sort(key=_edge_order)
        self.edges = edges

    def _route(self, d: str, conns: ConnectionSet) -> tuple[str, list[PortMapping]]:
        """Where an edge towards ``d`` with ``conns`` ends: ``d``, or a Service of ``d`` when
        ``conns`` include one of its target ports (memoised: the answer depends on nodes)."""
        key = (d, conns)
        got = self._route_cache.get(key)
        if got is None:
            target, via = d, []
            if self.options.route_via_services and self.options.show_services:
                for skey in self.services_of.get(d, []):
                    node = self.nodes.get(skey)
                    if node is None:
                        continue
                    via = [m for m in node.ports
                           if m.resolved is not None and conns.contains(m.protocol, m.resolved)]
                    if via:
                        target = skey
                        break
            got = (target, via)
            self._route_cache[key] = got
        return got

    def _place(self, s: str, d: str, conns: ConnectionSet,
               routed: dict[tuple[str, str], dict[str, tuple[ConnectionSet, list[PortMapping]]]],
               ) -> tuple[str, str] | None:
        """Add the edge of an allowed pair; returns the routed key it joined, if any."""
        if self._diff is not None:
            entry = self._diff.get((s, d))
            if entry is not None:
                # a difference is drawn between the peers themselves, never via a Service
                self._direct[(s, d)] = self._diff_edge(entry)
                return None
            if ((is_external_key(s) and (d, "in") in self._ext_diff_sides)
                    or (is_external_key(d) and (s, "out") in self._ext_diff_sides)):
                return None  # the difference's own external pieces stand for it
        target, via = self._route(d, conns)
        if target != d:
            routed.setdefault((s, target), {})[d] = (conns, via)
            return (s, target)
        style = edge_style_for(conns)
        tip = f"{_name(s)} → {_name(d)}\n{_conns_text(conns)}"
        if self._diff is not None:
            self._direct[(s, d)] = Edge(s, d, EdgeStyle.UNCHANGED, "", tip + "\n(unchanged)", conns,
                                        (s, d))
        else:
            label = "" if style == EdgeStyle.ALLOWED else short_conns(conns)
            self._direct[(s, d)] = Edge(s, d, style, label, tip, conns, (s, d))
        return None

    def _routed_edge(self, key: tuple[str, str],
                     items: dict[str, tuple[ConnectionSet, list[PortMapping]]]) -> Edge:
        s, skey = key
        backend = min(items)
        conns, via = items[backend]
        style = (EdgeStyle.ALLOWED if all(_is_all(c) for c, _ in items.values())
                 else EdgeStyle.PARTIAL)
        ports = ", ".join(str(m) for m in via)
        lines = [f"{_name(s)} → Service {service_ref(skey)}",
                 f"reachable Service ports: {ports}"]
        for b in sorted(items):
            lines.append(f"backend {_name(b)}: {_conns_text(items[b][0])}")
        if self._diff is not None:
            return Edge(s, skey, EdgeStyle.UNCHANGED, "", "\n".join(lines) + "\n(unchanged)", conns,
                        (s, backend))
        label = ports if style == EdgeStyle.PARTIAL else ""
        return Edge(s, skey, style, label, "\n".join(lines), conns, (s, backend))

    @staticmethod
    def _diff_edge(entry: DiffEntry) -> Edge:
        s, d = entry.src.key, entry.dst.key
        head = f"{_name(s)} → {_name(d)}"
        if entry.kind == ADDED:
            label = "+ " + short_conns(entry.after)
            tip = f"{head}\nnewly allowed: {entry.after}\nbaseline: No Connections"
            conns = entry.after
        elif entry.kind == REMOVED:
            label = "− " + short_conns(entry.before)
            tip = f"{head}\nnewly denied: {entry.before}\nnow: No Connections"
            conns = entry.before
        else:
            label = f"{short_conns(entry.before, 16)} → {short_conns(entry.after, 16)}"
            tip = f"{head}\nbaseline: {entry.before}\nnow: {entry.after}"
            if entry.newly_allowed:
                tip += f"\nnewly allowed: {entry.newly_allowed}"
            if entry.newly_denied:
                tip += f"\nnewly denied: {entry.newly_denied}"
            conns = entry.after
        if entry.info:
            tip += f"\n({entry.info})"
        return Edge(s, d, EdgeStyle(entry.kind), label, tip, conns, (s, d))

    def updated(
        self,
        cluster: Cluster,
        connections: Sequence[Connection],
        analyzer: Analyzer | None,
        changed: Iterable[tuple[str, str]],
        difference: Sequence[DiffEntry] | None = None,
    ) -> GraphModel:
        """The model for the same nodes under other connections (a what-if policy edit).

        ``connections`` must differ from this model's only at the peer pairs in ``changed``
        (``difference`` likewise, against the same baseline); then only the edges of those
        pairs are rebuilt and everything else is shared. A full build is made instead when
        the nodes may differ (other namespaces, pods, workloads or Services, e.g. a label
        edit), when an external peer is involved (external nodes are merged by their
        connections), or when switching between a plain and a difference model.
        """
        changed = set(changed)
        old = self.cluster
        same_nodes = (cluster.namespaces is old.namespaces and cluster.pods is old.pods
                      and cluster.workloads is old.workloads and cluster.services is old.services)
        if (not same_nodes or (difference is None) != (self._diff is None)
                or any(is_external_key(s) or is_external_key(d)
                       for s, d in changed)):
            m = GraphModel(cluster, connections, analyzer, self.options, difference)
            m.expanded = {k for k in self.expanded if k in m.nodes}
            return m
        new = object.__new__(GraphModel)
        new.__dict__.update(self.__dict__)
        new.cluster = cluster
        new.analyzer = analyzer
        new.expanded = set(self.expanded)
        new.difference = list(difference) if difference is not None else None
        new._diff = ({(e.src.key, e.dst.key): e for e in difference}
                     if difference is not None else None)
        fresh = {(c.src.key, c.dst.key): c for c in connections
                 if (c.src.key, c.dst.key) in changed} if changed else {}
        new.connections = [c for c in self.connections
                           if (c.src.key, c.dst.key) not in changed] + list(fresh.values())
        new.allowed = dict(self.allowed)
        new.out_adj = dict(self.out_adj)
        new.in_adj = dict(self.in_adj)
        new._direct = dict(self._direct)
        new._routed = dict(self._routed)
        new._routed_edges = dict(self._routed_edges)
        copied: set[tuple[str, str]] = set()
        touched: set[tuple[str, str]] = set()
        adj_copied: set[tuple[str, str]] = set()

        def adj(kind: str, key: str) -> set[str]:
            table = new.out_adj if kind == "out" else new.in_adj
            if (kind, key) not in adj_copied:
                adj_copied.add((kind, key))
                table[key] = set(table.get(key, ()))
            return table[key]

        for s, d in changed:
            new._direct.pop((s, d), None)
            for skey in self.services_of.get(d, []):
                k = (s, skey)
                inner = new._routed.get(k)
                if inner is not None and d in inner:
                    if k not in copied:
                        inner = dict(inner)
                        new._routed[k] = inner
                        copied.add(k)
                    del inner[d]
                    touched.add(k)
            c = fresh.get((s, d))
            if c is None:
                new.allowed.pop((s, d), None)
                adj("out", s).discard(d)
                adj("in", d).discard(s)
            else:
                new.allowed[(s, d)] = c.connections
                adj("out", s).add(d)
                adj("in", d).add(s)
                k2 = (s, new._route(d, c.connections)[0])
                if k2[1] != d and k2 not in copied:
                    new._routed[k2] = dict(new._routed.get(k2, {}))
                    copied.add(k2)
                joined = new._place(s, d, c.connections, new._routed)
                if joined is not None:
                    touched.add(joined)
            if new._diff is not None:
                entry = new._diff.get((s, d))
                if entry is not None and entry.kind == REMOVED:
                    new._direct[(s, d)] = new._diff_edge(entry)
        for k in touched:
            items = new._routed.get(k)
            if items:
                new._routed_edges[k] = new._routed_edge(k, items)
            else:
                new._routed.pop(k, None)
                new._routed_edges.pop(k, None)
        new._assemble_edges()
        return new

    def denied_edges(self, visible: Iterable[str], around: str | None = None) -> list[Edge]:
        """Denied workload pairs among ``visible`` (only pairs touching ``around`` if given)."""
        wls = [k for k in visible if self.nodes[k].kind == NodeKind.WORKLOAD]
        out: list[Edge] = []
        pairs: Iterable[tuple[str, str]]
        if around is not None:
            pairs = [(around, k) for k in wls if k != around] + [
                (k, around) for k in wls if k != around]
        else:
            pairs = [(a, b) for a in wls for b in wls if a != b]
        for s, d in pairs:
            if (s, d) in self.allowed:
                continue
            style = self.denied_style(s, d)
            tip = f"{_name(s)} → {_name(d)}\nNo Connections"
            if style is EdgeStyle.DENIED_BY_ADMIN:
                tip += " (denied by Admin-tier Deny rules)"
            out.append(Edge(s, d, style, "", tip, ConnectionSet.none(), (s, d)))
        out.sort(key=lambda e: (e.src, e.dst))
        return out

    def denied_style(self, src: str, dst: str) -> EdgeStyle:
        """How the denied pair ``src`` -> ``dst`` is drawn: ``denied-by-admin`` when Admin-tier
        Deny rules deny everything between every pod of the two (``Analyzer.deny_tier``), else
        ``denied`` (nothing allows it)."""
        an = self.analyzer
        if an is None or not an.cluster_policies:
            return EdgeStyle.DENIED
        sps, dps = self.pods_of.get(src, ()), self.pods_of.get(dst, ())
        if not sps or not dps:
            return EdgeStyle.DENIED
        scs = {an.class_of(p).index: an.class_of(p) for p in sps}
        dcs = {an.class_of(p).index: an.class_of(p) for p in dps}
        if all(an.deny_tier(sc, dc) is Tier.ADMIN for sc in scs.values() for dc in dcs.values()):
            return EdgeStyle.DENIED_BY_ADMIN
        return EdgeStyle.DENIED

    def why(self, src: str, dst: str) -> str:
        """A short "why" for a tooltip: the engine's explanation (first pods of each side),
        rendered short (``netviz.viewmodel.explain.tooltip``)."""
        from netviz.engine.explain import explain_endpoints
        from netviz.viewmodel.explain import tooltip

        an = self.analyzer
        if an is None or src not in self.pods_of or dst not in self.pods_of:
            return ""
        expl = explain_endpoints(an, self.pods_of[src][0], self.pods_of[dst][-1], src, dst)
        return tooltip(expl)

    # ------------------------------------------------------------------ queries
    def search(self, text: str) -> list[str]:
        """Keys of nodes whose name, namespace, kind or labels contain every word of ``text``."""
        words = text.lower().split()
        if not words:
            return []
        return [k for k, n in self.nodes.items() if all(w in n.search_text for w in words)]

    def find_workload(self, spec: str) -> str | None:
        """``NS/NAME`` (or a full key) -> workload key; None when unknown."""
        if spec in self.nodes:
            return spec
        if "/" not in spec:
            return None
        ns, name = spec.split("/", 1)
        for key, node in self.nodes.items():
            if node.kind in (NodeKind.WORKLOAD, NodeKind.SERVICE) and node.namespace == ns and node.label == name:
                return key
        return None

    def suggest(self, spec: str) -> list[str]:
        import difflib

        names = [f"{n.namespace}/{n.label}" for n in self.nodes.values() if n.kind == NodeKind.WORKLOAD]
        return difflib.get_close_matches(spec, names, n=3)

    def neighbours(self, key: str) -> set[str]:
        """Peers connected to ``key`` (either direction, allowed edges and Service links)."""
        out = set(self.out_adj.get(key, ())) | set(self.in_adj.get(key, ()))
        if key in self.service_backends:
            out |= set(self.service_backends[key])
        for skey in self.services_of.get(key, []):
            if skey in self.nodes:
                out.add(skey)
        # peers that reach key's workload through a Service
        return out

    def view(
        self,
        namespaces: frozenset[str] | None = None,
        text: str = "",
        protocol: str | None = None,
        port: int | None = None,
        show_denied: bool = False,
        focus: str | None = None,
        hide_styles: frozenset[str] = frozenset(),
        selected: str | None = None,
    ) -> VisibleGraph:
        """What to draw under these filters (the fields of ``AppState.filters``)."""
        nodes = self.nodes
        keep: set[str]
        if focus is not None and focus in nodes:
            keep = {focus} | self.neighbours(focus)
            # a Service in focus shows its backends' neighbours; a workload its Services'
            for skey in self.services_of.get(focus, []):
                keep |= self.in_adj.get(skey, set())
            for e in self.edges:
                if e.dst == focus or e.src == focus:
                    keep.add(e.src)
                    keep.add(e.dst)
        else:
            focus = None
            keep = set(nodes)
        if namespaces is not None:
            keep = {k for k in keep
                    if nodes[k].namespace is None or nodes[k].namespace in namespaces
                    or k == focus}

        def edge_ok(e: Edge) -> bool:
            if e.src not in keep or e.dst not in keep or e.style in hide_styles:
                return False
            if focus is not None and focus not in (e.src, e.dst) and e.style != EdgeStyle.SERVICE:
                return False
            if (protocol or port) and e.style != EdgeStyle.SERVICE:
                conns = e.conns
                if conns is None:
                    return False
                if port is not None:
                    protos = (protocol,) if protocol else ("TCP", "UDP", "SCTP")
                    return any(conns.contains(p, port) for p in protos)
                assert protocol is not None
                return protocol in conns.protocols()
            return True

        edges = [e for e in self.edges if edge_ok(e)]
        denied_limited = False
        if show_denied and EdgeStyle.DENIED not in hide_styles:
            around = focus or (selected if selected in keep else None)
            wl_visible = [k for k in keep if nodes[k].kind == NodeKind.WORKLOAD]
            if around is None and len(wl_visible) > DENIED_ALL_PAIRS_LIMIT:
                denied_limited = True
            elif not (protocol or port):
                edges.extend(self.denied_edges(sorted(wl_visible), around))
        # externals only when connected to something visible
        used = {e.src for e in edges} | {e.dst for e in edges}
        visible = [k for k in nodes if k in keep and (nodes[k].kind != NodeKind.EXTERNAL or k in used)]
        emphasis: set[str] | None = None
        if text.strip():
            emphasis = set(self.search(text))
        if protocol or port:
            # "what can reach TCP 5432?": the destinations and their sources
            reach = {e.dst for e in edges if e.style != EdgeStyle.SERVICE} | {
                e.src for e in edges if e.style != EdgeStyle.SERVICE}
            emphasis = reach if emphasis is None else emphasis & reach
        ns_list = [ns for ns in self.namespaces
                   if any(nodes[m].namespace == ns for m in visible)]
        return VisibleGraph(visible, edges, ns_list, emphasis, denied_limited)

    def highlight(self, key: str, edges: Sequence[Edge]) -> Highlight:
        """What ``key`` can reach and what can reach it, among ``edges`` (a ``view()``)."""
        reach: set[str] = set()
        reaching: set[str] = set()
        hl: list[Edge] = []
        for e in edges:
            if e.style == EdgeStyle.DENIED:
                if key in (e.src, e.dst):
                    hl.append(e)
                continue
            if e.src == key:
                reach.add(e.dst)
                hl.append(e)
            elif e.dst == key:
                reaching.add(e.src)
                hl.append(e)
        # a Service leads to its backends: reaching a Service reaches them
        if key in self.service_backends:
            reach |= set(self.service_backends[key])
        for skey in [k for k in reach if k in self.service_backends]:
            reach |= set(self.service_backends[skey])
        return Highlight(key, frozenset(reach), frozenset(reaching), tuple(hl))


# ---------------------------------------------------------------------- level of detail


def bundle_edges(model: GraphModel, edges: Sequence[Edge]) -> list[Edge]:
    """Aggregate edges between namespaces (externals count as their own group) into one
    ``bundle`` edge per ordered pair, with counts. Edges inside a namespace and Service links
    are dropped (they are inside one box). Denied edges are not bundled, nor are the edges of
    a difference (``added``/``removed``/``changed``: draw them in detail over the bundles);
    ``unchanged`` edges are."""
    groups: dict[tuple[str, str], list[Edge]] = {}
    for e in edges:
        if e.style not in (EdgeStyle.ALLOWED, EdgeStyle.PARTIAL, EdgeStyle.UNCHANGED):
            continue
        a = model.nodes[e.src].namespace or e.src
        b = model.nodes[e.dst].namespace or e.dst
        if a == b:
            continue
        groups.setdefault((a, b), []).append(e)
    out = []
    for (a, b), items in sorted(groups.items()):
        n = len(items)
        partial = sum(1 for e in items if e.style == EdgeStyle.PARTIAL)
        tip = f"{a} → {b}: {n} connection(s)"
        if partial:
            tip += f", {partial} only on some ports"
        out.append(Edge(a, b, EdgeStyle.BUNDLE, str(n), tip, None, None, n, partial))
    return out


def bundle_width(count: int, base: float = 1.5) -> float:
    return base + 1.6 * math.log2(1 + count)


# ---------------------------------------------------------------------- hit-testing


def edge_at(
    segments: Sequence[tuple[float, float, float, float]],
    x: float,
    y: float,
    tolerance: float,
) -> int | None:
    """Index of the segment nearest to (x, y) within ``tolerance`` (scene units), or None.
    Uses numpy when there are many segments."""
    n = len(segments)
    if n == 0:
        return None
    if n > 64:
        import numpy as np

        a = np.asarray(segments, dtype=float)
        x0, y0, x1, y1 = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
        dx, dy = x1 - x0, y1 - y0
        ll = dx * dx + dy * dy
        t = np.where(ll > 0, ((x - x0) * dx + (y - y0) * dy) / np.where(ll > 0, ll, 1), 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = x0 + t * dx - x, y0 + t * dy - y
        d2 = px * px + py * py
        i = int(np.argmin(d2))
        return i if d2[i] <= tolerance * tolerance else None
    best, best_d = None, tolerance * tolerance
    for i, (sx0, sy0, sx1, sy1) in enumerate(segments):
        sdx, sdy = sx1 - sx0, sy1 - sy0
        sll = sdx * sdx + sdy * sdy
        st = 0.0 if sll == 0 else max(0.0, min(1.0, ((x - sx0) * sdx + (y - sy0) * sdy) / sll))
        spx, spy = sx0 + st * sdx - x, sy0 + st * sdy - y
        d = spx * spx + spy * spy
        if d <= best_d:
            best, best_d = i, d
    return best


# ---------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=65536)
def _name(key: str) -> str:
    """``ns/name[Kind]`` -> ``ns/name``; ``svc:ns/name`` -> ``ns/name`` (cached: tooltips
    ask for every edge)."""
    return _display_name(key)


def display_name(key: str) -> str:
    return _name(key)


def _range_order(p: PeerNode) -> tuple[int, int]:
    assert p.ip_range is not None
    return (p.ip_range.version, p.ip_range.lo)


def _range_label(r: IPRange) -> str:
    """A CIDR when the range is one, else first-last."""
    import ipaddress

    first: ipaddress.IPv4Address | ipaddress.IPv6Address
    last: ipaddress.IPv4Address | ipaddress.IPv6Address
    if r.version == 4:
        first, last = ipaddress.IPv4Address(r.lo), ipaddress.IPv4Address(r.hi)
    else:
        first, last = ipaddress.IPv6Address(r.lo), ipaddress.IPv6Address(r.hi)
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = list(
        ipaddress.summarize_address_range(first, last))
    if len(nets) == 1:
        net = nets[0]
        if net.prefixlen == 0:
            return "any IPv4" if r.version == 4 else "any IPv6"
        return str(net)
    if len(nets) <= 2:
        return " + ".join(str(n) for n in nets)
    return f"{first}-{last}"

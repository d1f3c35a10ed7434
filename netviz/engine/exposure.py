"""Exposure analysis: what any *possible* peer could reach, or be reached from.

The connection list says what today's pods may do. An auditor also asks what a pod that does
not exist yet could do: "if someone deploys a pod labelled ``role=monitoring`` in any namespace
tomorrow, can it reach the database?". This module answers per workload and direction, in the
reference analyzer's terms (np-guard netpol-analyzer ``--exposure``; checked by
tests/conformance):

- **Unprotected.** A workload that no policy isolates in a direction is exposed there to the
  entire cluster (and every external address) on all connections.
- **Entire cluster.** A rule whose peers are ``from``/``to`` absent or empty, or a peer
  ``namespaceSelector: {}`` with no (or an empty) ``podSelector``, admits every pod of every
  namespace, present or future: the workload is exposed to ``entire-cluster`` on that rule's
  ports (the union over the policies that isolate it). Named ports stay names on egress (the
  destination is unknown); on ingress they are resolved on the workload's container ports.
- **Potential peers.** Every other selector peer of a rule stands for the pods it *could* match:
  a *potential peer* ``[namespace with {...}]/[pod with {...}]`` (``all namespaces``, ``all
  pods``, or a namespace name when the rule has only a ``podSelector``, read as "pods of the
  policy's namespace"). A rule matches a potential peer when its selectors are *the same*
  requirements (an empty selector matches any), not when labels happen to match: the question is
  which rules admit such a pod, whatever else it carries. The workload's exposure to a potential
  peer is the union of what those rules allow; it is listed when it differs from the
  entire-cluster exposure.
- A potential peer whose selectors are plain ``matchLabels`` (no expressions, neither empty)
  and that an existing pod already matches is not listed: the connection list shows that pod.
  A rule with an all-namespaces peer contributes no potential peer at all (the reference drops
  the rule's other selector peers then too).
- External ranges are not repeated here: the reports copy each workload's connections with
  ``[External]`` ranges from the connection list.
- Focus: a ``Focus`` restricts the workloads (and a direction restricts the side); a port focus
  keeps exposures that allow the port and prints them without connections. With a focus on
  workloads *and* peers, exposure is not computed (the reference ignores it then).

How it works: potential peers are collected once (in input order: first definition wins, as in
the reference); each policy rule is matched against them once (canonical requirement strings);
per pod class and direction the rules of the isolating policies are folded into a map from
potential peer to connections, memoised by the set of isolating policies (and, for ingress,
the class's named ports). Cost grows with classes x potential peers, not with pods squared.

The layer structure (``_np_*``) is where AdminNetworkPolicy tiers slot in: a tier contributes
its own potential peers and may deny or pass before NetworkPolicies are consulted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, PodClass
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, Focus, PeerNode, workload_classes
from netviz.model import LabelSelector, NetworkPolicy, PolicyPort, Requirement, Rule
from netviz.model.objects import NAMESPACE_NAME_LABEL

ENTIRE_CLUSTER = "entire-cluster"


# --------------------------------------------------------------------------- connections


@dataclass(frozen=True)
class PortSet:
    """Connections that may include *named* ports not resolved to numbers (egress to a peer
    that does not exist has no container ports to resolve them on). ``names`` holds
    (protocol, name) pairs. Printed as the reference prints it: ``TCP 8080,http``."""

    conns: ConnectionSet = field(default_factory=ConnectionSet.none)
    names: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def all(cls) -> PortSet:
        return cls(ConnectionSet.all())

    def __bool__(self) -> bool:
        return bool(self.conns) or bool(self.names)

    def __or__(self, other: PortSet) -> PortSet:
        conns = self.conns | other.conns
        if conns.is_all():
            return PortSet(conns)
        return PortSet(conns, self.names | other.names)

    def contains(self, probe: ConnectionSet) -> bool:
        return probe <= self.conns

    def __str__(self) -> str:
        if self.conns.is_all():
            return "All Connections"
        if not self:
            return "No Connections"
        parts = []
        for proto in ("SCTP", "TCP", "UDP"):
            ports = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.conns.ranges(proto)]
            ports += sorted(n for p, n in self.names if p == proto)
            if ports:
                parts.append(f"{proto} {','.join(ports)}")
        return ",".join(sorted(parts))


# --------------------------------------------------------------------------- potential peers


def requirement_strings(sel: LabelSelector | None) -> tuple[str, ...]:
    """A selector as its canonical requirements (``k=v``, ``k in (a,b)``, ``k notin (a)``,
    ``k``, ``!k``), sorted by key; ``In`` with one value is ``k=v``. None and ``{}`` give ()."""
    if sel is None:
        return ()
    reqs: list[tuple[str, str]] = [(k, f"{k}={v}") for k, v in sel.match_labels]
    for r in sel.match_expressions:
        vals = sorted(set(r.values))
        if r.operator == "In":
            text = f"{r.key}={vals[0]}" if len(vals) == 1 else f"{r.key} in ({','.join(vals)})"
        elif r.operator == "NotIn":
            text = f"{r.key} notin ({','.join(vals)})"
        elif r.operator == "Exists":
            text = r.key
        else:
            text = f"!{r.key}"
        reqs.append((r.key, text))
    reqs.sort()
    return tuple(t for _, t in reqs)


def _req_text(r: Requirement) -> str:
    """A matchExpressions entry as Go prints a LabelSelectorRequirement (values as written)."""
    return f"{{Key:{r.key},Operator:{r.operator},Values:[{' '.join(r.values)}],}}"


def selector_text(sel: LabelSelector) -> str:
    """``k1=v1,k2=v2,{Key:...,}``: the labels of a potential peer as the reference prints them."""
    out = ",".join(f"{k}={v}" for k, v in sorted(sel.match_labels))
    exprs = ",".join(sorted(_req_text(r) for r in sel.match_expressions))
    if exprs:
        out = f"{out},{exprs}" if out else exprs
    return out


@dataclass(frozen=True)
class PotentialPeer:
    """Pods that do not (necessarily) exist, described by the selectors of a policy rule.

    ``ns_selector`` is never None: a rule peer with only a ``podSelector`` means the policy's
    namespace, written ``{kubernetes.io/metadata.name: <ns>}`` and remembered in ``namespace``
    (such a peer is also matched by rules of that namespace written with only a
    ``podSelector``). ``pod_selector`` None (or empty) means any pod."""

    ns_selector: LabelSelector
    pod_selector: LabelSelector | None
    namespace: str | None
    #: the policy, direction and rule index that first described it
    origin: tuple[NetworkPolicy, str, int]

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (requirement_strings(self.ns_selector), requirement_strings(self.pod_selector))

    def namespace_text(self, brackets: bool = True) -> str:
        sel = self.ns_selector
        if (len(sel.match_labels) == 1 and not sel.match_expressions
                and sel.match_labels[0][0] == NAMESPACE_NAME_LABEL):
            return sel.match_labels[0][1]
        text = "all namespaces" if sel.is_empty else f"namespace with {{{selector_text(sel)}}}"
        return f"[{text}]" if brackets else text

    def pod_text(self, brackets: bool = True) -> str:
        sel = self.pod_selector
        text = "all pods" if sel is None or sel.is_empty else f"pod with {{{selector_text(sel)}}}"
        return f"[{text}]" if brackets else text

    def __str__(self) -> str:
        """``[namespace with {...}]/[pod with {...}]`` (the txt/csv/md/json form)."""
        return f"{self.namespace_text()}/{self.pod_text()}"

    @property
    def node_id(self) -> str:
        """``pod with {...}_in_namespace with {...}``: the dot node id."""
        return f"{self.pod_text(False)}_in_{self.namespace_text(False)}"


def _all_namespaces(peer_ns: LabelSelector | None, peer_pod: LabelSelector | None) -> bool:
    return peer_ns is not None and peer_ns.is_empty and (peer_pod is None or peer_pod.is_empty)


def _rules(policy: NetworkPolicy, direction: str) -> tuple[Rule, ...]:
    return policy.ingress if direction == INGRESS else policy.egress


def _affects(policy: NetworkPolicy, direction: str) -> bool:
    return policy.affects_ingress if direction == INGRESS else policy.affects_egress


def _np_potential_peers(policies: Iterable[NetworkPolicy]) -> list[PotentialPeer]:
    """Potential peers of NetworkPolicy rules, first definition first (see module rules)."""
    out: dict[object, PotentialPeer] = {}
    for pol in policies:
        for direction in (INGRESS, EGRESS):
            if not _affects(pol, direction):
                continue
            for i, rule in enumerate(_rules(pol, direction)):
                if rule.all_peers:
                    continue
                found: list[PotentialPeer] = []
                for peer in rule.peers:
                    if peer.ip_block is not None:
                        continue
                    if _all_namespaces(peer.namespace_selector, peer.pod_selector):
                        found = []
                        break
                    if peer.namespace_selector is None:
                        ns_sel = LabelSelector(((NAMESPACE_NAME_LABEL, pol.namespace),))
                        ns: str | None = pol.namespace
                    else:
                        ns_sel, ns = peer.namespace_selector, None
                    found.append(PotentialPeer(ns_sel, peer.pod_selector, ns, (pol, direction, i)))
                for pp in found:
                    out.setdefault(pp.key, pp)
    return list(out.values())


def _shadowed(pp: PotentialPeer, an: Analyzer) -> bool:
    """A matchLabels-only potential peer that an existing pod matches (module rules)."""
    pod, ns = pp.pod_selector, pp.ns_selector
    if pod is None or pod.match_expressions or ns.match_expressions:
        return False
    if not pod.match_labels or not ns.match_labels:
        return False
    ns_labels = {n.name: n.labels for n in an.cluster.namespaces}
    for pc in an.classes:
        if pod.matches(pc.labels) and ns.matches(ns_labels.get(pc.namespace, {})):
            return True
    return False


def _selector_full_match(rule_sel: LabelSelector, peer_sel: LabelSelector | None) -> bool:
    """A rule selector admits a potential peer's selector: empty admits all; otherwise the
    same requirements."""
    if rule_sel.is_empty:
        return True
    return requirement_strings(rule_sel) == requirement_strings(peer_sel)


def _np_rule_matches(rule: Rule, policy_ns: str, pp: PotentialPeer) -> bool:
    if rule.all_peers:
        return True
    for peer in rule.peers:
        if peer.ip_block is not None:
            continue
        if peer.namespace_selector is None:
            ns_ok = pp.namespace == policy_ns
        else:
            ns_ok = _selector_full_match(peer.namespace_selector, pp.ns_selector)
        if not ns_ok:
            continue
        if peer.pod_selector is None or _selector_full_match(peer.pod_selector, pp.pod_selector):
            return True
    return False


def _port_conns(ports: Sequence[PolicyPort], dst: PodClass | None) -> PortSet:
    """What a rule's ports allow. ``dst`` None: an unknown destination (named ports stay
    names). Else named ports resolve on ``dst`` (same protocol) or are dropped."""
    if not ports:
        return PortSet.all()
    conns = ConnectionSet.none()
    names: set[tuple[str, str]] = set()
    for pp in ports:
        if isinstance(pp.port, str):
            if dst is None:
                names.add((pp.protocol, pp.port))
            else:
                got = dst.named.get(pp.port)
                if got is not None and got[0] == pp.protocol:
                    conns = conns | ConnectionSet.of(pp.protocol, got[1])
        elif pp.port is None:
            conns = conns | ConnectionSet.of(pp.protocol)
        else:
            conns = conns | ConnectionSet.of(pp.protocol, pp.port, pp.end_port or pp.port)
    return PortSet(conns, frozenset(names))


def _np_cluster_wide(policy: NetworkPolicy, direction: str) -> PortSet:
    """What ``policy`` admits from/to every pod of every namespace (names kept)."""
    out = PortSet()
    for rule in _rules(policy, direction):
        if rule.all_peers or any(
            _all_namespaces(p.namespace_selector, p.pod_selector)
            for p in rule.peers if p.ip_block is None
        ):
            out = out | _port_conns(rule.ports, None)
    return out


def _resolve_names(ps: PortSet, pc: PodClass) -> PortSet:
    """Named ports resolved on the workload's container ports (by name, whatever the
    container port's protocol, in the rule's protocol: the reference's way); unresolved names
    stay."""
    if not ps.names:
        return ps
    conns = ps.conns
    left = set()
    for proto, name in ps.names:
        port = next((cp.port for cp in pc.ports if cp.name == name), None)
        if port is None:
            left.add((proto, name))
        else:
            conns = conns | ConnectionSet.of(proto, port)
    return PortSet(conns, frozenset(left))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ExposureItem:
    """One line of the report: ``workload`` is exposed in ``direction`` to ``peer`` (None:
    the entire cluster) on ``connections``. ``rules`` are the (policy, rule index) that make
    it (empty for an unprotected workload)."""

    workload: str
    direction: str
    peer: PotentialPeer | None
    connections: PortSet
    rules: tuple[tuple[NetworkPolicy, int], ...] = ()

    @property
    def peer_text(self) -> str:
        return ENTIRE_CLUSTER if self.peer is None else str(self.peer)


@dataclass
class DirectionExposure:
    protected: bool = True
    items: list[ExposureItem] = field(default_factory=list)


@dataclass
class WorkloadExposure:
    workload: str
    ingress: DirectionExposure = field(default_factory=DirectionExposure)
    egress: DirectionExposure = field(default_factory=DirectionExposure)

    def side(self, direction: str) -> DirectionExposure:
        return self.ingress if direction == INGRESS else self.egress


@dataclass
class ExposureReport:
    """What ``netviz list --exposure`` prints: the connection list, then the exposure of the
    *exposed* workloads (those with something to report in a direction the focus keeps)."""

    connections: list[Connection]
    workloads: dict[str, WorkloadExposure]
    focus: Focus
    #: False when the focus names both workloads and peers (exposure is not computed then)
    computed: bool = True
    potential_peers: tuple[PotentialPeer, ...] = ()

    _ip_index: dict[tuple[str, str], list[Connection]] | None = None

    def ip_connections(self, workload: str, direction: str) -> list[Connection]:
        """The workload's connections with external ranges (from the connection list)."""
        if self._ip_index is None:
            index: dict[tuple[str, str], list[Connection]] = {}
            for c in self.connections:
                if not c.connections:
                    continue
                if c.src.is_external:
                    index.setdefault((c.dst.key, INGRESS), []).append(c)
                elif c.dst.is_external:
                    index.setdefault((c.src.key, EGRESS), []).append(c)
            self._ip_index = index
        return self._ip_index.get((workload, direction), [])


class _Layer:
    """NetworkPolicy exposure of one analyzer: potential peers and per-rule matches."""

    def __init__(self, an: Analyzer) -> None:
        self.an = an
        ordered = sorted(
            an.cluster.policies,
            key=lambda p: ((p.source.file, p.source.doc, p.source.line) if p.source
                           else ("", 0, 0), p.namespace, p.name),
        )
        peers = [pp for pp in _np_potential_peers(ordered) if not _shadowed(pp, an)]
        self.peers = peers
        #: (policy index, direction) -> [(rule index, rule, bitset of matching potential peers)]
        self.rule_bits: dict[tuple[int, str], list[tuple[int, Rule, int]]] = {}
        self.cluster_wide: dict[tuple[int, str], PortSet] = {}
        for cp in an.policies:
            pol = cp.policy
            for direction in (INGRESS, EGRESS):
                if not _affects(pol, direction):
                    continue
                lst = []
                for i, rule in enumerate(_rules(pol, direction)):
                    bits = 0
                    for j, pp in enumerate(peers):
                        if _np_rule_matches(rule, pol.namespace, pp):
                            bits |= 1 << j
                    lst.append((i, rule, bits))
                self.rule_bits[(cp.index, direction)] = lst
                self.cluster_wide[(cp.index, direction)] = _np_cluster_wide(pol, direction)
        self._cache: dict[object, tuple[PortSet, dict[int, tuple[PortSet, list[tuple[NetworkPolicy, int]]]], list[tuple[NetworkPolicy, int]]]] = {}

    def side(self, pc: PodClass, direction: str) -> tuple[
        bool, PortSet, dict[int, tuple[PortSet, list[tuple[NetworkPolicy, int]]]],
        list[tuple[NetworkPolicy, int]],
    ]:
        """(protected, entire-cluster connections, potential peer index -> (connections,
        rules), rules behind the entire-cluster connections) of a pod class."""
        an = self.an
        if an.host_node_bits >> pc.index & 1:
            return False, PortSet.all(), {}, []
        pols = (an.ingress_of if direction == INGRESS else an.egress_of)[pc.index]
        if not pols:
            return False, PortSet.all(), {}, []
        key = (direction, tuple(cp.index for cp in pols),
               tuple(sorted(pc.named.items())) if direction == INGRESS else ())
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._compute(pc, direction, pols)
        ec, per_peer, ec_rules = got
        return True, ec, per_peer, ec_rules

    def _compute(self, pc: PodClass, direction: str, pols: Sequence) -> tuple[  # type: ignore[type-arg]
        PortSet, dict[int, tuple[PortSet, list[tuple[NetworkPolicy, int]]]],
        list[tuple[NetworkPolicy, int]],
    ]:
        dst = pc if direction == INGRESS else None
        ec = PortSet()
        ec_rules: list[tuple[NetworkPolicy, int]] = []
        per_peer: dict[int, tuple[PortSet, list[tuple[NetworkPolicy, int]]]] = {}
        for cp in pols:
            cw = self.cluster_wide[(cp.index, direction)]
            ec = ec | cw
            for i, rule, bits in self.rule_bits[(cp.index, direction)]:
                if rule.all_peers or any(
                    _all_namespaces(p.namespace_selector, p.pod_selector)
                    for p in rule.peers if p.ip_block is None
                ):
                    ec_rules.append((cp.policy, i))
                if not bits:
                    continue
                conns = _port_conns(rule.ports, dst)
                j = 0
                while bits:
                    low = bits & -bits
                    j = low.bit_length() - 1
                    bits ^= low
                    prev = per_peer.get(j)
                    if prev is None:
                        per_peer[j] = (conns, [(cp.policy, i)])
                    else:
                        prev[1].append((cp.policy, i))
                        per_peer[j] = (prev[0] | conns, prev[1])
        if direction == INGRESS:
            ec = _resolve_names(ec, pc)
        return ec, per_peer, ec_rules


def exposure(an: Analyzer, connections: Sequence[Connection], focus: Focus | None = None,
             ) -> ExposureReport:
    """The exposure report of ``an``'s cluster (``connections``: its connection list under the
    same ``focus``, for the external ranges)."""
    focus = focus or Focus()
    report = ExposureReport(list(connections), {}, focus)
    if focus.workloads and focus.peers:
        report.computed = False
        return report
    layer = _Layer(an)
    report.potential_peers = tuple(layer.peers)
    probe = (ConnectionSet.of(focus.protocol, focus.port)
             if focus.protocol is not None and focus.port is not None else None)
    directions = [d for d in (INGRESS, EGRESS)
                  if focus.direction is None or focus.direction == d.lower()]
    for wl, classes in sorted(workload_classes(an).items()):
        node = PeerNode.workload(wl)
        if focus.workloads and not any(node.matches(n) for n in focus.workloads):
            continue
        pc = an.classes[classes[0]]
        for direction in directions:
            protected, ec, per_peer, ec_rules = layer.side(pc, direction)
            side: DirectionExposure | None = None
            if not protected:
                side = DirectionExposure(False, [])
            else:
                items: list[ExposureItem] = []
                shown_ec = ec
                if ec and probe is not None:
                    shown_ec = PortSet(probe) if ec.contains(probe) else PortSet()
                if shown_ec:
                    items.append(ExposureItem(wl, direction, None, shown_ec, tuple(ec_rules)))
                for j, (conns, rules) in sorted(per_peer.items()):
                    if probe is not None:
                        if not conns.contains(probe):
                            continue
                        conns = PortSet(probe)
                    if conns == shown_ec or (not shown_ec and not conns):
                        continue
                    items.append(ExposureItem(wl, direction, layer.peers[j], conns, tuple(rules)))
                if items:
                    side = DirectionExposure(True, items)
            if side is None:
                continue
            we = report.workloads.setdefault(wl, WorkloadExposure(wl))
            if direction == INGRESS:
                we.ingress = side
            else:
                we.egress = side
    return report

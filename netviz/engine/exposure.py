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
- **Tiers** (``engine.tiers``): AdminNetworkPolicy / Admin-tier ClusterNetworkPolicy rules,
  then NetworkPolicies, then Baseline-tier rules decide together, first match first, for the
  entire cluster (their all-namespaces rules: ``namespaces: {}``, ``pods`` with both selectors
  empty) and for each potential peer (their ``namespaces``/``pods`` peers, matched by the same
  requirements). A workload is protected in a direction when any tier's policy selects it
  there. A potential peer that a Deny rule cuts off while the entire cluster is admitted is
  listed with ``No Connections``. A cluster policy's named port has no protocol of its own:
  towards a peer that does not exist it prints as a bare name (`` local-port``).
- External ranges are not repeated here: the reports copy each workload's connections with
  ``[External]`` ranges from the connection list.
- Focus: a ``Focus`` restricts the workloads (and a direction restricts the side); a port focus
  keeps exposures that allow the port and prints them without connections. With a focus on
  workloads *and* peers, exposure is not computed (the reference ignores it then).

How it works: potential peers are collected once (in input order: first definition wins, as in
the reference); each policy rule is matched against them once (canonical requirement strings);
per pod class and direction the rules of the selecting policies are folded, tier by tier,
into a map from potential peer to connections, memoised by the set of selecting policies (and,
for ingress, the class's named ports). Cost grows with classes x potential peers, not with pods squared.

Every rule of every tier is one ``_XRule`` (action, whether it admits the entire cluster,
the potential peers it admits, its ports); a new kind of policy slots in by producing those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, PodClass
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, Focus, PeerNode, workload_classes
from netviz.model import LabelSelector, NetworkPolicy, PolicyPort, Requirement, Rule
from netviz.model.cluster_policy import (
    NAMESPACES,
    PODS,
    Action,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    Tier,
)
from netviz.model.objects import NAMESPACE_NAME_LABEL

ENTIRE_CLUSTER = "entire-cluster"


# --------------------------------------------------------------------------- connections


#: the names part of ``PortSet.all()``: every name
ALL_NAMES: frozenset[tuple[str, str]] = frozenset({("*", "*")})


def _names_or(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    return ALL_NAMES if a == ALL_NAMES or b == ALL_NAMES else a | b


@dataclass(frozen=True)
class PortSet:
    """Connections that may include *named* ports not resolved to numbers (egress to a peer
    that does not exist has no container ports to resolve them on). ``names`` holds
    (protocol, name) pairs; protocol ``""`` for a cluster-policy named port (the API gives it
    no protocol). Printed as the reference prints it: ``TCP 8080,http``, `` local-port``.
    Everything (all ports of every protocol) carries every name (``ALL_NAMES``)."""

    conns: ConnectionSet = field(default_factory=ConnectionSet.none)
    names: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        if self.conns.is_all() and self.names != ALL_NAMES:
            object.__setattr__(self, "names", ALL_NAMES)

    @classmethod
    def all(cls) -> PortSet:
        return cls(ConnectionSet.all(), ALL_NAMES)

    def __bool__(self) -> bool:
        return bool(self.conns) or bool(self.names)

    def __or__(self, other: PortSet) -> PortSet:
        return PortSet(self.conns | other.conns, _names_or(self.names, other.names))

    def __and__(self, other: PortSet) -> PortSet:
        if self.names == ALL_NAMES:
            names = other.names
        elif other.names == ALL_NAMES:
            names = self.names
        else:
            names = self.names & other.names
        return PortSet(self.conns & other.conns, names)

    def __sub__(self, other: PortSet) -> PortSet:
        # names are opaque atoms; everything minus something carries no names any more (as
        # in the reference, where "all connections" holds no named port of its own)
        conns = self.conns - other.conns
        if other.names == ALL_NAMES or self.names == ALL_NAMES:
            return PortSet(conns)
        return PortSet(conns, self.names - other.names)

    def contains(self, probe: ConnectionSet) -> bool:
        return probe <= self.conns

    def __str__(self) -> str:
        if self.conns.is_all():
            return "All Connections"
        if not self:
            return "No Connections"
        parts = []
        for proto in ("", "SCTP", "TCP", "UDP"):
            ports = [str(lo) if lo == hi else f"{lo}-{hi}"
                     for lo, hi in (self.conns.ranges(proto) if proto else ())]
            ports += sorted(n for p, n in self.names if p == proto)
            if ports:
                parts.append(f"{proto} {','.join(ports)}")
        return ",".join(sorted(parts))


_ALL = PortSet.all()
_NONE = PortSet()
State = tuple[PortSet, PortSet, PortSet]  # (accepted, denied, passed), as engine.tiers
_EMPTY: State = (_NONE, _NONE, _NONE)


def _apply(state: State, conns: PortSet, action: Action) -> State:
    """``engine.tiers.apply_rule`` over ``PortSet``: first match wins."""
    a, d, p = state
    new = conns - (a | d | p)
    if not new:
        return state
    if action is Action.ACCEPT:
        return (a | new, d, p)
    if action is Action.DENY:
        return (a, d | new, p)
    return (a, d, p | new)


def _decide(admin: State, np_allowed: PortSet | None, baseline: State) -> PortSet:
    """``engine.tiers.decide`` over ``PortSet``."""
    a, d, _ = admin
    if np_allowed is not None:
        if not a and not d:
            return np_allowed
        return a | ((_ALL - a - d) & np_allowed)
    if not a and not d and not baseline[1]:
        return _ALL
    return a | (_ALL - a - d - baseline[1])


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
    origin: tuple[NetworkPolicy | ClusterPolicy, str, int]

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


def _peer_for(ns_sel: LabelSelector, pod_sel: LabelSelector | None, namespace: str | None,
              origin: tuple[NetworkPolicy | ClusterPolicy, str, int]) -> PotentialPeer:
    return PotentialPeer(ns_sel, pod_sel, namespace, origin)


def _np_rule_peers(pol: NetworkPolicy, direction: str, i: int, rule: Rule) -> list[PotentialPeer]:
    """Potential peers of one NetworkPolicy rule (none when a peer admits all namespaces: the
    reference drops the rule's other peers then)."""
    if rule.all_peers:
        return []
    found: list[PotentialPeer] = []
    for peer in rule.peers:
        if peer.ip_block is not None:
            continue
        if _all_namespaces(peer.namespace_selector, peer.pod_selector):
            return []
        if peer.namespace_selector is None:
            ns_sel = LabelSelector(((NAMESPACE_NAME_LABEL, pol.namespace),))
            found.append(_peer_for(ns_sel, peer.pod_selector, pol.namespace, (pol, direction, i)))
        else:
            found.append(_peer_for(peer.namespace_selector, peer.pod_selector, None,
                                   (pol, direction, i)))
    return found


def _cluster_all_namespaces(peer: ClusterPeer) -> bool:
    """A ``namespaces: {}`` peer, or ``pods`` with both selectors empty: every pod."""
    if peer.kind == NAMESPACES:
        return peer.namespace_selector is None or peer.namespace_selector.is_empty
    if peer.kind == PODS:
        return ((peer.namespace_selector is None or peer.namespace_selector.is_empty)
                and (peer.pod_selector is None or peer.pod_selector.is_empty))
    return False


def _cluster_rule_peers(pol: ClusterPolicy, direction: str, i: int,
                        rule: ClusterRule) -> list[PotentialPeer]:
    """Potential peers of a cluster policy rule: each ``namespaces``/``pods`` peer that does
    not admit every pod (cluster-scoped: no namespace of their own)."""
    found: list[PotentialPeer] = []
    for peer in rule.peers:
        if peer.kind not in (NAMESPACES, PODS) or _cluster_all_namespaces(peer):
            continue
        ns_sel = peer.namespace_selector or LabelSelector()
        pod_sel = peer.pod_selector if peer.kind == PODS else None
        found.append(_peer_for(ns_sel, pod_sel, None, (pol, direction, i)))
    return found


def _source_key(obj: NetworkPolicy | ClusterPolicy) -> tuple[str, int, int]:
    src = obj.source
    return (src.file, src.doc, src.line) if src is not None else ("", 0, 0)


def _potential_peers(an: Analyzer) -> list[PotentialPeer]:
    """Every policy's potential peers, in input order (first definition wins)."""
    pols: list[NetworkPolicy | ClusterPolicy] = [*an.cluster.policies, *an.cluster.cluster_policies]
    pols.sort(key=lambda p: (_source_key(p), p.key))
    out: dict[object, PotentialPeer] = {}
    for pol in pols:
        for direction in (INGRESS, EGRESS):
            if isinstance(pol, NetworkPolicy):
                if not _affects(pol, direction):
                    continue
                for i, rule in enumerate(_rules(pol, direction)):
                    for pp in _np_rule_peers(pol, direction, i, rule):
                        out.setdefault(pp.key, pp)
            else:
                for i, crule in enumerate(pol.rules(direction == INGRESS)):
                    for pp in _cluster_rule_peers(pol, direction, i, crule):
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


def _cluster_rule_matches(rule: ClusterRule, action: Action, pp: PotentialPeer) -> bool:
    if rule.fail_closed:
        return action is Action.DENY  # a fail-closed Deny/Pass denies all; Accept matches none
    for peer in rule.peers:
        if peer.kind == NAMESPACES:
            if _selector_full_match(peer.namespace_selector or LabelSelector(), pp.ns_selector):
                return True
        elif peer.kind == PODS:
            if (_selector_full_match(peer.namespace_selector or LabelSelector(), pp.ns_selector)
                    and _selector_full_match(peer.pod_selector or LabelSelector(),
                                             pp.pod_selector)):
                return True
    return False


def _port_conns(ports: Sequence[PolicyPort], dst: PodClass | None) -> PortSet:
    """What a NetworkPolicy rule's ports allow. ``dst`` None: an unknown destination (named
    ports stay names). Else named ports resolve on ``dst`` (same protocol) or are dropped."""
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


def _cluster_port_conns(ports: Sequence[ClusterPort] | None, dst: PodClass | None) -> PortSet:
    """What a cluster rule's ports cover. A named port has no protocol of its own: towards an
    unknown destination it stays a name (protocol ""); on ``dst`` it takes the container
    port's protocol and number, or covers nothing there."""
    if ports is None:
        return PortSet.all()
    conns = ConnectionSet.none()
    names: set[tuple[str, str]] = set()
    for pp in ports:
        if pp.name is not None:
            if dst is None:
                names.add(("", pp.name))
            else:
                got = dst.named.get(pp.name)
                if got is not None:
                    conns = conns | ConnectionSet.of(got[0], got[1])
        elif pp.protocol is not None:
            if pp.port is None:
                conns = conns | ConnectionSet.of(pp.protocol)
            elif pp.end_port is None or pp.end_port >= pp.port:
                conns = conns | ConnectionSet.of(pp.protocol, pp.port, pp.end_port or pp.port)
    return PortSet(conns, frozenset(names))


def _resolve_names(ps: PortSet, pc: PodClass) -> PortSet:
    """Named ports of an entire-cluster exposure resolved on the workload's container ports,
    the reference's way: by name, whatever the container port's protocol, in the rule's
    protocol (a cluster policy's name, which has none, takes the container port's);
    unresolved names stay."""
    if not ps.names or ps.names == ALL_NAMES:
        return ps
    conns = ps.conns
    left = set()
    for proto, name in ps.names:
        cp = next((c for c in pc.ports if c.name == name), None)
        if cp is None:
            left.add((proto, name))
        else:
            conns = conns | ConnectionSet.of(proto or cp.protocol, cp.port)
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
    rules: tuple[tuple[NetworkPolicy | ClusterPolicy, int], ...] = ()

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


@dataclass(frozen=True)
class _XRule:
    """A rule of any tier, as the exposure analysis sees it."""

    policy: NetworkPolicy | ClusterPolicy
    index: int
    action: Action  # ACCEPT for NetworkPolicy rules
    #: admits every pod of every namespace (contributes to the entire-cluster exposure)
    cluster_wide: bool
    #: potential peers it admits (bit j: ``_Layers.peers[j]``)
    peer_bits: int
    #: its ports towards a destination that does not exist (names kept)
    unknown: PortSet
    np_ports: tuple[PolicyPort, ...] | None = None  # NetworkPolicy rules
    cluster_ports: tuple[ClusterPort, ...] | None = None  # cluster rules (None: all ports)

    def conns_to(self, pc: PodClass) -> PortSet:
        """Its ports towards a real destination ``pc`` (named ports resolved there)."""
        if isinstance(self.policy, NetworkPolicy):
            return _port_conns(self.np_ports or (), pc)
        return _cluster_port_conns(self.cluster_ports, pc)


_Rules = tuple[tuple[NetworkPolicy | ClusterPolicy, int], ...]
_Side = tuple[PortSet, _Rules, dict[int, tuple[PortSet, _Rules]]]


class _Layers:
    """The exposure of one analyzer, tier by tier (``engine.tiers``): Admin-tier cluster
    policies, then NetworkPolicies, then Baseline-tier cluster policies; each rule matched
    once against every potential peer."""

    def __init__(self, an: Analyzer, keep_shadowed: bool = False) -> None:
        self.an = an
        self.peers = [pp for pp in _potential_peers(an) if keep_shadowed or not _shadowed(pp, an)]
        #: ("np"|"cluster", compiled policy index, direction) -> its rules, in order
        self.rules: dict[tuple[str, int, str], list[_XRule]] = {}
        everyone = (1 << len(self.peers)) - 1
        for cp in an.policies:
            pol = cp.policy
            for direction in (INGRESS, EGRESS):
                if not _affects(pol, direction):
                    continue
                lst = []
                for i, rule in enumerate(_rules(pol, direction)):
                    cw = rule.all_peers or any(
                        _all_namespaces(p.namespace_selector, p.pod_selector)
                        for p in rule.peers if p.ip_block is None)
                    bits = everyone if cw else self._bits(
                        lambda pp, r=rule, ns=pol.namespace: _np_rule_matches(r, ns, pp))
                    lst.append(_XRule(pol, i, Action.ACCEPT, cw, bits,
                                      _port_conns(rule.ports, None), np_ports=rule.ports))
                self.rules[("np", cp.index, direction)] = lst
        for ccp in an.cluster_policies:
            for direction in (INGRESS, EGRESS):
                lst = []
                for cr in ccp.rules(direction):
                    crule = cr.rule
                    cw = (crule.fail_closed and cr.action is Action.DENY) or any(
                        _cluster_all_namespaces(p) for p in crule.peers)
                    bits = everyone if cw else self._bits(
                        lambda pp, r=crule, a=cr.action: _cluster_rule_matches(r, a, pp))
                    ports = None if crule.fail_closed else crule.ports
                    lst.append(_XRule(ccp.policy, cr.index, cr.action, cw, bits,
                                      _cluster_port_conns(ports, None), cluster_ports=ports))
                self.rules[("cluster", ccp.index, direction)] = lst
        self._cache: dict[object, _Side] = {}

    def _bits(self, pred: object) -> int:
        bits = 0
        for j, pp in enumerate(self.peers):
            if pred(pp):  # type: ignore[operator]
                bits |= 1 << j
        return bits

    def side(self, pc: PodClass, direction: str) -> tuple[bool, PortSet, _Rules,
                                                          dict[int, tuple[PortSet, _Rules]]]:
        """(protected, entire-cluster exposure, rules behind it, potential peer index ->
        (connections, rules)) of a pod class in ``direction``."""
        an = self.an
        if an.host_node_bits >> pc.index & 1:
            return False, _ALL, (), {}
        nps = (an.ingress_of if direction == INGRESS else an.egress_of)[pc.index]
        admin = an.cluster_policies_of(Tier.ADMIN, direction, pc.index)
        base = an.cluster_policies_of(Tier.BASELINE, direction, pc.index)
        if not nps and not admin and not base:
            return False, _ALL, (), {}
        key = (direction, tuple(cp.index for cp in nps), tuple(cp.index for cp in admin),
               tuple(cp.index for cp in base),
               tuple(sorted(pc.named.items())) if direction == INGRESS else ())
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._compute(
                pc, direction,
                [r for cp in admin for r in self.rules[("cluster", cp.index, direction)]],
                [r for cp in nps for r in self.rules[("np", cp.index, direction)]] if nps else None,
                [r for cp in base for r in self.rules[("cluster", cp.index, direction)]],
            )
        ec, ec_rules, per_peer = got
        return True, ec, ec_rules, per_peer

    def _compute(self, pc: PodClass, direction: str, admin: list[_XRule],
                 nps: list[_XRule] | None, base: list[_XRule]) -> _Side:
        ingress = direction == INGRESS

        def evaluate(pick: object, conns_of: object) -> tuple[PortSet, _Rules]:
            used: list[tuple[NetworkPolicy | ClusterPolicy, int]] = []
            states: list[State] = []
            for rules in (admin, base):
                st = _EMPTY
                for r in rules:
                    if pick(r):  # type: ignore[operator]
                        st = _apply(st, conns_of(r), r.action)  # type: ignore[operator]
                        used.append((r.policy, r.index))
                states.append(st)
            np_allowed: PortSet | None = None
            if nps is not None:
                np_allowed = _NONE
                for r in nps:
                    if pick(r):  # type: ignore[operator]
                        np_allowed = np_allowed | conns_of(r)  # type: ignore[operator]
                        used.append((r.policy, r.index))
            return _decide(states[0], np_allowed, states[1]), tuple(used)

        ec, ec_rules = evaluate(lambda r: r.cluster_wide, lambda r: r.unknown)
        if ingress:
            ec = _resolve_names(ec, pc)
        specific = 0
        for r in (*admin, *(nps or ()), *base):
            if not r.cluster_wide:
                specific |= r.peer_bits
        if ingress and ec.names and ec.names != ALL_NAMES:
            specific = (1 << len(self.peers)) - 1  # unresolved names: every peer may differ
        per_peer: dict[int, tuple[PortSet, _Rules]] = {}
        conns_cache: dict[int, PortSet] = {}

        def conns_of(r: _XRule) -> PortSet:
            if not ingress:
                return r.unknown
            got = conns_cache.get(id(r))
            if got is None:
                got = conns_cache[id(r)] = r.conns_to(pc)
            return got

        for j in _bits_iter(specific):
            per_peer[j] = evaluate(lambda r, j=j: r.peer_bits >> j & 1, conns_of)
        return ec, ec_rules, per_peer


def _bits_iter(bits: int) -> Iterable[int]:
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def existing_matches(an: Analyzer, pp: PotentialPeer) -> list[str]:
    """The workloads whose pods (and namespaces) a potential peer's selectors match today."""
    ns_labels = {n.name: n.labels for n in an.cluster.namespaces}
    out: dict[str, None] = {}
    for pc in an.classes:
        if pp.namespace is not None and pc.namespace != pp.namespace:
            continue
        if not pp.ns_selector.matches(ns_labels.get(pc.namespace, {})):
            continue
        if pp.pod_selector is not None and not pp.pod_selector.matches(pc.labels):
            continue
        for pod in pc.pods:
            out[pod.workload_key] = None
    return sorted(out)


def exposure(an: Analyzer, connections: Sequence[Connection], focus: Focus | None = None,
             keep_shadowed: bool = False) -> ExposureReport:
    """The exposure report of ``an``'s cluster (``connections``: its connection list under the
    same ``focus``, for the external ranges). ``keep_shadowed``: also potential peers that an
    existing pod matches (the reference leaves them out; the app shows them)."""
    focus = focus or Focus()
    report = ExposureReport(list(connections), {}, focus)
    if focus.workloads and focus.peers:
        report.computed = False
        return report
    layer = _Layers(an, keep_shadowed)
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
            protected, ec, ec_rules, per_peer = layer.side(pc, direction)
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

"""The NetworkPolicy evaluator: compile once, then answer pairs, all pairs, and "why".

Semantics (Kubernetes networking.k8s.io/v1, https://kubernetes.io/docs/concepts/services-networking/network-policies/
and the API reference for NetworkPolicySpec/NetworkPolicyPeer/NetworkPolicyPort):

- Isolation is per direction. A pod is isolated for ingress when at least one policy selects it
  (``podSelector`` in the policy's namespace) and has ``Ingress`` in ``policyTypes``; likewise for
  egress. A pod that is not isolated in a direction allows everything in that direction.
- Policies add up: the allowed set for an isolated pod is the union over every rule of every
  policy that isolates it. A policy with a direction but no rules contributes nothing.
- Traffic between two pods needs the source's egress AND the destination's ingress. For an
  external peer (an address outside the cluster) only the pod's side counts.
- A peer is an ipBlock, or selectors: ``podSelector`` alone = pods in the policy's namespace;
  ``namespaceSelector`` alone = every pod in matching namespaces; both = AND. Peers in one rule
  are ORed. An empty or missing ``from``/``to`` matches every source/destination, including
  external addresses; an empty or missing ``ports`` matches every port and protocol.
- A port is a number, a range (``endPort``), or a name resolved on the *destination* pod among its
  container ports with that name and the same protocol; a name that resolves on no container of
  the destination matches nothing there (and is reported). ``protocol`` defaults to TCP.
- A pod can always reach itself (not policed by any implementation netviz knows of).
- Choices the spec leaves open are ``Options`` and are stated in every output
  (``Options.describe()``): whether ipBlocks match pod IPs, and how hostNetwork pods are treated.

How it works: pods with identical namespace, labels, container ports (and IPs, when IPs
matter) form a *class*; classes are indexed by bit position and every selector, peer and policy
becomes a Python-int bitset of classes, computed from a label index (a matchLabels selector is
an AND of bitsets, ``In`` an OR, ``NotIn``/``DoesNotExist`` a complement), memoised per
selector. For all pairs, each destination's ingress becomes a partition of sources into bitsets
with one ``ConnectionSet`` each, and each source's egress a partition of destinations; classes
with identical partitions are grouped, and group pairs yield blocks ``(sources, destinations,
connections)``. Cost grows with the number of distinct partitions, not with pods squared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from netviz.engine import tiers
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange, block_ranges
from netviz.engine.tiers import CompiledClusterPolicy, CompiledClusterRule
from netviz.model import (
    Cluster,
    ContainerPort,
    LabelSelector,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Rule,
)
from netviz.model.cluster_policy import (
    DOMAIN_NAMES,
    NAMESPACES,
    NETWORKS,
    NODES,
    PODS,
    Action,
    ClusterPolicy,
    ClusterRule,
    Tier,
)

INGRESS = "Ingress"
EGRESS = "Egress"

_ALL_IPS = (IPRange.everything(4), IPRange.everything(6))
_ALL_CONNS = ConnectionSet.all()


# --------------------------------------------------------------------------- options


#: the reference analyzer's placeholder namespace for the ingress controller
DEFAULT_INGRESS_CONTROLLER_NAMESPACE = "ingress-controller-ns"


@dataclass(frozen=True)
class Options:
    """Choices the Kubernetes spec leaves to the network plugin.

    ``ipblock_matches_pod_ips``: the docs say ipBlocks are meant for cluster-external
    addresses and that pod IPs may or may not match them. Off (the default, and the
    convention of the reference outputs): an ipBlock never matches a pod. On: a pod whose
    ``status.podIPs`` lie in the block (and not in an except) is matched by it, as several
    CNIs do. Only pods with known IPs (live-cluster snapshots) are affected.

    ``host_network``: behaviour for hostNetwork pods is undefined by the spec.
    ``"pod"`` (default): they are treated like any other pod (selected by policies, matched by
    selectors). ``"node"``: their traffic is treated as the node's: no policy selects them, no
    pod/namespace selector matches them, and only ipBlocks covering their IPs do.

    ``ingress_controller``: where the ingress controller that serves Ingress/Route objects runs
    (``netviz.engine.ingress``): a namespace and the labels of its pods. It is rarely in the
    manifests, so netviz cannot know. Default: the reference analyzer's placeholder, a pod with
    no labels in namespace ``ingress-controller-ns``; set it (``--ingress-controller
    ingress-nginx:app.kubernetes.io/name=ingress-nginx``) so that policies admitting your
    controller by namespace or labels are read as they are meant.
    """

    ipblock_matches_pod_ips: bool = False
    host_network: str = "pod"
    ingress_controller: tuple[str, tuple[tuple[str, str], ...]] = (
        DEFAULT_INGRESS_CONTROLLER_NAMESPACE, ())

    def describe(self) -> list[str]:
        lines = [
            "ipBlock matches pod IPs: "
            + ("yes (pods with known IPs are matched by ipBlocks)" if self.ipblock_matches_pod_ips
               else "no (ipBlocks match only addresses outside the cluster)"),
            "hostNetwork pods: "
            + ("treated as ordinary pods" if self.host_network == "pod"
               else "treated as node traffic (matched only by ipBlocks)"),
        ]
        if self.ingress_controller != (DEFAULT_INGRESS_CONTROLLER_NAMESPACE, ()):
            lines.append("ingress controller: " + self.ingress_controller_text())
        return lines

    def ingress_controller_text(self) -> str:
        """``a pod labelled app=x in namespace ingress-nginx`` (or with no labels)."""
        ns, labels = self.ingress_controller
        who = ("a pod labelled " + ",".join(f"{k}={v}" for k, v in labels) if labels
               else "a pod with no labels")
        return f"{who} in namespace {ns}"


def parse_ingress_controller(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``NAMESPACE[:KEY=VALUE,...]`` -> (namespace, labels). ValueError with a message."""
    ns, _, rest = text.strip().partition(":")
    if not ns:
        raise ValueError("give the namespace the ingress controller runs in, e.g. ingress-nginx")
    labels: list[tuple[str, str]] = []
    for part in filter(None, (p.strip() for p in rest.split(","))):
        k, eq, v = part.partition("=")
        if not eq or not k:
            raise ValueError(f"{part!r} is not a label KEY=VALUE")
        labels.append((k.strip(), v.strip()))
    return ns, tuple(sorted(labels))


# --------------------------------------------------------------------------- compiled parts


@dataclass
class PodClass:
    index: int
    namespace: str
    labels: dict[str, str]
    ports: tuple[ContainerPort, ...]
    ips: tuple[IPRange, ...]
    host_network: bool
    pods: list[Pod] = field(default_factory=list)
    #: container port name -> (protocol, number)
    named: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: indices of the cluster-policy address ranges (``Analyzer._net_ranges``) holding an IP
    #: of these pods (only pods with known IPs)
    net_sig: tuple[int, ...] = ()


@dataclass
class CompiledRule:
    policy: NetworkPolicy
    direction: str
    index: int  # position in the policy's ingress/egress list
    rule: Rule
    peer_bits: int  # classes matched by the peers
    ip_ranges: tuple[IPRange, ...]  # external addresses matched by ipBlocks (or all)
    const_conns: ConnectionSet  # what numeric/protocol-only ports allow
    named: tuple[PolicyPort, ...]  # named ports, resolved per destination

    @property
    def has_named(self) -> bool:
        return bool(self.named)


@dataclass
class CompiledPolicy:
    index: int
    policy: NetworkPolicy
    selected: int
    ingress: list[CompiledRule]
    egress: list[CompiledRule]


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class RuleMatch:
    """A rule whose peers matched the other side, and the connections its ports cover for this
    pair. ``connections`` may be empty (peer matched, ports did not); ``unresolved`` names named
    ports that resolve on no container of the destination.

    A NetworkPolicy rule allows what it covers (``action`` None). A cluster policy rule
    (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) has an ``action``:
    the one applied, which for a fail-closed Deny/Pass rule is Deny (``fail_closed``)."""

    policy: NetworkPolicy | ClusterPolicy
    direction: str
    rule_index: int
    connections: ConnectionSet
    unresolved: tuple[str, ...] = ()
    action: Action | None = None
    fail_closed: bool = False

    @property
    def rule(self) -> Rule | ClusterRule:
        rules = self.policy.ingress if self.direction == INGRESS else self.policy.egress
        return rules[self.rule_index]

    @property
    def tier(self) -> Tier | None:
        """The tier of a cluster policy rule; None for a NetworkPolicy rule."""
        return self.policy.tier if isinstance(self.policy, ClusterPolicy) else None


@dataclass(frozen=True)
class DirectionVerdict:
    """One direction of a pair (the source's egress or the destination's ingress), tier by
    tier: the Admin-tier policies that select the pod and their rules that match the other
    end (in precedence order), the NetworkPolicies that select it and their matching rules, the
    Baseline-tier ones, and what is allowed in the end (``netviz.engine.tiers``)."""

    direction: str
    #: False when this side is an external address: no policy governs it
    applies: bool
    #: NetworkPolicies that select the pod for this direction (empty: not isolated by them)
    selecting: tuple[NetworkPolicy, ...]
    matches: tuple[RuleMatch, ...]
    allowed: ConnectionSet
    #: Admin-tier policies whose subject selects the pod and that have rules for this direction
    admin: tuple[ClusterPolicy, ...] = ()
    #: their rules that match the other end, in precedence order
    admin_matches: tuple[RuleMatch, ...] = ()
    baseline: tuple[ClusterPolicy, ...] = ()
    baseline_matches: tuple[RuleMatch, ...] = ()

    @property
    def isolated(self) -> bool:
        """A NetworkPolicy selects the pod for this direction (its verdict is then final for
        whatever the Admin tier leaves open)."""
        return bool(self.selecting)

    @property
    def governed(self) -> bool:
        """Any policy of any tier selects the pod for this direction."""
        return bool(self.selecting or self.admin or self.baseline)


Endpoint = Pod | IPRange


@dataclass(frozen=True)
class VirtualPod:
    """A pod that is not one of the cluster's pods and never a peer of the connection list,
    known only by namespace and labels: the ingress controller (``netviz.engine.ingress``).
    Policies match it through their selectors as they would match a real pod with these
    labels in a namespace with these labels; having no IP, no ipBlock matches it."""

    key: str  # the peer key shown for it, e.g. "{ingress-controller}"
    namespace: str
    labels: tuple[tuple[str, str], ...] = ()
    ns_labels: tuple[tuple[str, str], ...] = ()

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def ns_label_map(self) -> dict[str, str]:
        return dict(self.ns_labels)


@dataclass(frozen=True)
class Verdict:
    src: Endpoint
    dst: Endpoint
    egress: DirectionVerdict  # the source's side
    ingress: DirectionVerdict  # the destination's side
    allowed: ConnectionSet
    #: the source and destination are the same pod: always allowed
    same_pod: bool = False

    def allows(self, protocol: str, port: int) -> bool:
        return self.allowed.contains(protocol, port)

    @property
    def unresolved_named_ports(self) -> tuple[str, ...]:
        out: list[str] = []
        for m in (*self.egress.matches, *self.ingress.matches):
            out.extend(m.unresolved)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Block:
    """All pairs (s, d) with s in ``src`` and d in ``dst`` (class bitsets) have ``connections``."""

    src: int
    dst: int
    connections: ConnectionSet


_ONE = re.compile("1")

#: ``Analyzer.blocks`` looks up the destination groups a source group can pair with when the
#: group has at most this many classes (looking up costs per class; trying every group costs
#: per group, and there are ~1,800 at 5,000 workloads)
_FEW_SOURCE_CLASSES = 64


def _index_pays(pieces: Iterable[int], src_groups: Iterable[int], n_dst_groups: int) -> bool:
    """Whether ``Analyzer.blocks`` should index its ingress pieces by class: a step per class
    of each distinct piece, against one per destination group for each small source group."""
    few = sum(1 for sbits in src_groups if sbits.bit_count() <= _FEW_SOURCE_CLASSES)
    return sum(ib.bit_count() for ib in pieces) < few * n_dst_groups


#: ``bits_list`` peels off the lowest bit while a bitset has at most this many (measured:
#: cheaper than writing out a 5,000-bit integer in binary up to ~16-32 bits set)
_PEEL_BITS = 16


def bits_list(bits: int) -> list[int]:
    """Indices of the set bits, ascending: ``bits_iter`` as a list, fast for wide bitsets
    (the binary string is scanned in C; peeling bits off a 26,000-bit integer one by one costs
    a pass over the whole integer per bit, which pays only for a few bits: most blocks of a
    big cluster have 1-16 classes on a side)."""
    if bits <= 0:
        return []
    if bits.bit_count() <= _PEEL_BITS:
        out = []
        while bits:
            low = bits & -bits
            out.append(low.bit_length() - 1)
            bits ^= low
        return out
    return [m.start() for m in _ONE.finditer(bin(bits)[:1:-1])]


def bits_iter(bits: int) -> Iterator[int]:
    """Indices of the set bits, ascending."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


# --------------------------------------------------------------------------- analyzer


class Analyzer:
    """Compiles a ``Cluster`` under ``Options``; answers verdicts and all-pairs connectivity."""

    def __init__(self, cluster: Cluster, options: Options | None = None) -> None:
        self.cluster = cluster
        self.options = options or Options()
        self._ns_labels = {ns.name: ns.labels for ns in cluster.namespaces}
        #: the address ranges of cluster policies (networks, node IPs) that can match pod IPs:
        #: pods whose known IPs fall into different ones are told apart
        self._net_ranges = _pod_ranges(cluster)
        self._net_index = {r: i for i, r in enumerate(self._net_ranges)}
        self._build_classes()
        self._build_index()
        self._sel_cache: dict[LabelSelector, int] = {}
        self._nssel_cache: dict[LabelSelector, int] = {}
        self._ipb_cache: dict[object, int] = {}
        self.policies: list[CompiledPolicy] = [
            self._compile_policy(i, p) for i, p in enumerate(cluster.policies)
        ]
        self._index_policies()
        self.cluster_policies: list[CompiledClusterPolicy] = [
            self._compile_cluster_policy(i, p) for i, p in enumerate(cluster.cluster_policies)
        ]
        self._index_cluster_policies()
        #: per-class partition caches (see _ingress_partition); kept across with_policies()
        self._in_parts: dict[int, tuple[tuple[int, ConnectionSet], ...]] = {}
        self._eg_parts: dict[int, tuple[tuple[int, ConnectionSet], ...]] = {}
        #: classes governed by the same policies (and, for ingress, with the same named
        #: ports) have the same partition and the same connections with external ranges:
        #: computed once per signature (``partition_signature``); reset by with_policies()
        self._sig_parts: dict[tuple[object, ...], tuple[tuple[int, ConnectionSet], ...]] = {}
        self._ext_cache: dict[tuple[object, ...], dict[IPRange, ConnectionSet]] = {}
        self._sigs: dict[tuple[str, int], tuple[object, ...]] = {}
        #: (direction, class) -> what the tiers' Deny rules deny (see tier_denied); reset by
        #: with_policies()
        self._deny_parts: dict[tuple[str, int], tuple[tuple[int, ConnectionSet, ConnectionSet], ...]] = {}
        #: tier partitions per (tier, direction, policies, named ports for ingress): classes
        #: selected by the same cluster policies share one (see tier_signature); reset by
        #: with_policies()
        self._tier_parts: dict[tuple[object, ...], dict[tiers.State, int]] = {}
        #: classes whose ingress/egress may differ from the analyzer this one was derived
        #: from (everything, for a fresh one)
        self.affected_ingress = self.all_bits
        self.affected_egress = self.all_bits

    def _index_policies(self) -> None:
        n = len(self.classes)
        self.ingress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
        self.egress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
        for cp in self.policies:
            for c in bits_iter(cp.selected):
                if cp.policy.affects_ingress:
                    self.ingress_of[c].append(cp)
                if cp.policy.affects_egress:
                    self.egress_of[c].append(cp)

    def _index_cluster_policies(self) -> None:
        n = len(self.classes)
        #: (tier, direction) -> per class, the cluster policies that select it, in order
        self.tier_of: dict[tuple[Tier, str], list[list[CompiledClusterPolicy]]] = {
            (t, d): [[] for _ in range(n)] for t in Tier for d in (INGRESS, EGRESS)
        }
        for cp in self.cluster_policies:
            for d in (INGRESS, EGRESS):
                if not cp.rules(d):
                    continue  # "policies with no ingress rules do not affect ingress traffic"
                per_class = self.tier_of[(cp.policy.tier, d)]
                for c in bits_iter(cp.selected):
                    per_class[c].append(cp)

    def cluster_policies_of(self, tier: Tier, direction: str, c: int) -> list[CompiledClusterPolicy]:
        """The ``tier`` policies selecting class ``c`` for ``direction``, in precedence order."""
        return self.tier_of[(tier, direction)][c]

    def with_policies(self, policies: Sequence[NetworkPolicy],
                      cluster_policies: Sequence[ClusterPolicy] | None = None) -> Analyzer:
        """The same pods and namespaces under another set of policies (a what-if edit);
        ``cluster_policies`` None keeps the cluster policies as they are.

        Re-evaluates only what the change can affect: pod classes, label indexes and selector
        caches are shared; unchanged policies keep their compiled form; a class's ingress
        (egress) partition is recomputed only when a policy that selects it in that direction
        (a NetworkPolicy, or a cluster policy of either tier) was added, removed or changed.
        ``affected`` on the result holds those class bits. When the edit changes which
        ``networks``/node addresses cluster policies name and pods have known IPs, the pod
        classes themselves change: a fresh analyzer is built (everything affected).
        """
        if cluster_policies is not None:
            cps = tuple(sorted(cluster_policies, key=lambda p: p.order_key))
            if cps != self.cluster.cluster_policies and _pod_ranges(
                replace(self.cluster, cluster_policies=cps)
            ) != self._net_ranges:
                fresh = Analyzer(replace(self.cluster, policies=tuple(
                    sorted(policies, key=lambda p: (p.namespace, p.name))),
                    cluster_policies=cps), self.options)
                return fresh
        new = object.__new__(Analyzer)
        new.__dict__.update(self.__dict__)
        new.cluster = replace(
            self.cluster,
            policies=tuple(sorted(policies, key=lambda p: (p.namespace, p.name))),
        )
        old_by_policy = {cp.policy: cp for cp in self.policies}
        kept: set[int] = set()
        compiled: list[CompiledPolicy] = []
        affected_in = affected_eg = 0
        for i, pol in enumerate(new.cluster.policies):
            cp = old_by_policy.get(pol)
            if cp is not None and id(cp) not in kept:
                kept.add(id(cp))
                compiled.append(CompiledPolicy(i, pol, cp.selected, cp.ingress, cp.egress))
                continue
            cp = new._compile_policy(i, pol)
            compiled.append(cp)
            if pol.affects_ingress:
                affected_in |= cp.selected
            if pol.affects_egress:
                affected_eg |= cp.selected
        for cp in self.policies:
            if id(cp) not in kept:  # removed or replaced
                if cp.policy.affects_ingress:
                    affected_in |= cp.selected
                if cp.policy.affects_egress:
                    affected_eg |= cp.selected
        new.policies = compiled
        new._index_policies()
        if cluster_policies is not None:
            cps = tuple(sorted(cluster_policies, key=lambda p: p.order_key))
            if cps != self.cluster.cluster_policies:
                new.cluster = replace(new.cluster, cluster_policies=cps)
                old_cp = {cp.policy: cp for cp in self.cluster_policies}
                kept_cp: set[int] = set()
                ccompiled: list[CompiledClusterPolicy] = []
                for i, cpol in enumerate(cps):
                    ccp = old_cp.get(cpol)
                    if ccp is not None and id(ccp) not in kept_cp:
                        kept_cp.add(id(ccp))
                        ccompiled.append(CompiledClusterPolicy(i, cpol, ccp.selected,
                                                               ccp.ingress, ccp.egress))
                        continue
                    ccp = new._compile_cluster_policy(i, cpol)
                    ccompiled.append(ccp)
                    if cpol.affects_ingress:
                        affected_in |= ccp.selected
                    if cpol.affects_egress:
                        affected_eg |= ccp.selected
                for ccp in self.cluster_policies:
                    if id(ccp) not in kept_cp:  # removed or replaced
                        if ccp.policy.affects_ingress:
                            affected_in |= ccp.selected
                        if ccp.policy.affects_egress:
                            affected_eg |= ccp.selected
                new.cluster_policies = ccompiled
                new._index_cluster_policies()
        new._in_parts = {c: v for c, v in self._in_parts.items() if not affected_in >> c & 1}
        new._eg_parts = {c: v for c, v in self._eg_parts.items() if not affected_eg >> c & 1}
        new._sig_parts = {}
        new._ext_cache = {}
        new._sigs = {}
        new._deny_parts = {}
        new._tier_parts = {}
        new.affected_ingress = affected_in
        new.affected_egress = affected_eg
        return new

    # ---------------------------------------------------------------- classes & index
    def _ips_matter(self, pod: Pod) -> bool:
        return self.options.ipblock_matches_pod_ips or (
            pod.host_network and self.options.host_network == "node"
        )

    def _build_classes(self) -> None:
        self.classes: list[PodClass] = []
        self.class_of_pod: dict[str, int] = {}
        by_key: dict[tuple[object, ...], PodClass] = {}
        for pod in self.cluster.pods:
            ips: tuple[IPRange, ...] = ()
            if self._ips_matter(pod):
                parsed = []
                for ip in pod.ips:
                    try:
                        parsed.append(IPRange.from_ip(ip))
                    except ValueError:
                        continue
                ips = tuple(parsed)
            net_sig: tuple[int, ...] = ()
            if self._net_ranges and pod.ips:
                net_sig = self._net_signature(pod.ips)
            key = (
                pod.namespace,
                tuple(sorted(pod.labels.items())),
                pod.ports,
                ips,
                pod.host_network,
                net_sig,
            )
            pc = by_key.get(key)
            if pc is None:
                pc = PodClass(
                    index=len(self.classes),
                    namespace=pod.namespace,
                    labels=pod.labels,
                    ports=pod.ports,
                    ips=ips,
                    host_network=pod.host_network,
                    net_sig=net_sig,
                )
                for cp in pod.ports:
                    if cp.name and cp.name not in pc.named:
                        pc.named[cp.name] = (cp.protocol, cp.port)
                by_key[key] = pc
                self.classes.append(pc)
            pc.pods.append(pod)
            self.class_of_pod[pod.key] = pc.index

    def _net_signature(self, ips: Sequence[str]) -> tuple[int, ...]:
        """Indices of the cluster-policy address ranges that contain one of ``ips``."""
        parsed: list[IPRange] = []
        for ip in ips:
            try:
                parsed.append(IPRange.from_ip(ip))
            except ValueError:
                continue
        return tuple(
            i for i, r in enumerate(self._net_ranges) if any(r.contains(ip) for ip in parsed)
        )

    def _build_index(self) -> None:
        n = len(self.classes)
        self.all_bits = (1 << n) - 1
        self.ns_bits: dict[str, int] = {}
        self._kv: dict[tuple[str, str], int] = {}
        self._k: dict[str, int] = {}
        self.host_node_bits = 0  # hostNetwork pods handled as node traffic
        #: every hostNetwork pod class: cluster policies never select them (the API)
        self.hostnet_bits = 0
        #: index into _net_ranges -> classes with a known IP inside that range
        self._net_bits: dict[int, int] = {}
        for pc in self.classes:
            b = 1 << pc.index
            self.ns_bits[pc.namespace] = self.ns_bits.get(pc.namespace, 0) | b
            for k, v in pc.labels.items():
                self._kv[(k, v)] = self._kv.get((k, v), 0) | b
                self._k[k] = self._k.get(k, 0) | b
            if pc.host_network and self.options.host_network == "node":
                self.host_node_bits |= b
            if pc.host_network:
                self.hostnet_bits |= b
            for i in pc.net_sig:
                self._net_bits[i] = self._net_bits.get(i, 0) | b
        self.policy_bits = self.all_bits & ~self.host_node_bits  # classes policies can touch
        # named port index: name -> {(proto, port): bits}
        self._named_index: dict[str, dict[tuple[str, int], int]] = {}
        for pc in self.classes:
            for name, pp in pc.named.items():
                d = self._named_index.setdefault(name, {})
                d[pp] = d.get(pp, 0) | (1 << pc.index)
        # sorted (ip, class) for ipBlock matching of pod IPs
        self._ip_classes: list[tuple[IPRange, int]] = sorted(
            (ip, pc.index) for pc in self.classes for ip in pc.ips
        )

    # ---------------------------------------------------------------- selectors
    def select(self, sel: LabelSelector) -> int:
        """Classes (any namespace) whose labels match ``sel``."""
        got = self._sel_cache.get(sel)
        if got is not None:
            return got
        bits = self.all_bits
        for k, v in sel.match_labels:
            bits &= self._kv.get((k, v), 0)
        for req in sel.match_expressions:
            if req.operator == "In":
                m = 0
                for v in req.values:
                    m |= self._kv.get((req.key, v), 0)
                bits &= m
            elif req.operator == "NotIn":
                m = 0
                for v in req.values:
                    m |= self._kv.get((req.key, v), 0)
                bits &= ~m
            elif req.operator == "Exists":
                bits &= self._k.get(req.key, 0)
            elif req.operator == "DoesNotExist":
                bits &= ~self._k.get(req.key, 0)
            else:  # pragma: no cover - io validates operators
                raise ValueError(f"unknown operator {req.operator}")
        bits &= self.all_bits
        self._sel_cache[sel] = bits
        return bits

    def select_namespaces(self, sel: LabelSelector) -> int:
        """Classes in namespaces whose labels match ``sel``."""
        got = self._nssel_cache.get(sel)
        if got is not None:
            return got
        bits = 0
        for ns, labels in self._ns_labels.items():
            if sel.matches(labels):
                bits |= self.ns_bits.get(ns, 0)
        self._nssel_cache[sel] = bits
        return bits

    def matching_namespaces(self, sel: LabelSelector) -> list[str]:
        return sorted(ns for ns, labels in self._ns_labels.items() if sel.matches(labels))

    def _ipblock_bits(self, ranges: tuple[IPRange, ...]) -> int:
        """Classes with an IP inside ``ranges`` (only classes whose IPs matter have IPs)."""
        got = self._ipb_cache.get(ranges)
        if got is not None:
            return got
        bits = 0
        for ip, c in self._ip_classes:
            if any(r.contains(ip) for r in ranges):
                bits |= 1 << c
        self._ipb_cache[ranges] = bits
        return bits

    def peer_bits(self, peer: Peer, policy_ns: str) -> int:
        if peer.ip_block is not None:
            return self._ipblock_bits(block_ranges(peer.ip_block))
        if peer.namespace_selector is None:
            assert peer.pod_selector is not None
            bits = self.select(peer.pod_selector) & self.ns_bits.get(policy_ns, 0)
        elif peer.pod_selector is None:
            bits = self.select_namespaces(peer.namespace_selector)
        else:
            bits = self.select(peer.pod_selector) & self.select_namespaces(
                peer.namespace_selector
            )
        return bits & self.policy_bits

    # ---------------------------------------------------------------- compile
    def _compile_rule(self, policy: NetworkPolicy, direction: str, i: int, rule: Rule) -> CompiledRule:
        if rule.all_peers:
            bits = self.all_bits
            ranges: tuple[IPRange, ...] = _ALL_IPS
        else:
            bits = 0
            rl: list[IPRange] = []
            for peer in rule.peers:
                bits |= self.peer_bits(peer, policy.namespace)
                if peer.ip_block is not None:
                    rl.extend(block_ranges(peer.ip_block))
            ranges = tuple(rl)
        const = ConnectionSet.none()
        named: list[PolicyPort] = []
        if rule.all_ports:
            const = ConnectionSet.all()
        else:
            for pp in rule.ports:
                if isinstance(pp.port, str):
                    named.append(pp)
                elif pp.port is None:
                    const = const | ConnectionSet.of(pp.protocol)
                else:
                    const = const | ConnectionSet.of(pp.protocol, pp.port, pp.end_port or pp.port)
        return CompiledRule(policy, direction, i, rule, bits, ranges, const, tuple(named))

    def _compile_policy(self, index: int, policy: NetworkPolicy) -> CompiledPolicy:
        selected = (
            self.select(policy.pod_selector)
            & self.ns_bits.get(policy.namespace, 0)
            & self.policy_bits
        )
        return CompiledPolicy(
            index,
            policy,
            selected,
            [self._compile_rule(policy, INGRESS, i, r) for i, r in enumerate(policy.ingress)],
            [self._compile_rule(policy, EGRESS, i, r) for i, r in enumerate(policy.egress)],
        )

    # ---------------------------------------------------------------- cluster policies
    def cluster_peer_bits(self, kind: str, ns_sel: LabelSelector | None,
                           pod_sel: LabelSelector | None) -> int:
        """Classes a ``namespaces``/``pods`` peer or subject selects: never host-network pods."""
        assert ns_sel is not None
        bits = self.select_namespaces(ns_sel)
        if kind == PODS and pod_sel is not None:
            bits &= self.select(pod_sel)
        return bits & ~self.hostnet_bits

    def _range_bits(self, ranges: Sequence[IPRange]) -> int:
        """Classes with a known pod IP inside one of ``ranges`` (each one of _net_ranges)."""
        bits = 0
        for r in ranges:
            i = self._net_index.get(r)
            if i is not None:
                bits |= self._net_bits.get(i, 0)
        return bits

    def _compile_cluster_rule(self, policy: ClusterPolicy, direction: str, i: int,
                              rule: ClusterRule) -> CompiledClusterRule:
        if rule.fail_closed:
            if rule.action is Action.ACCEPT:  # "treat the rule as matching no traffic"
                return CompiledClusterRule(policy, direction, i, rule, Action.ACCEPT, 0, (),
                                           ConnectionSet.none(), ())
            # Deny and Pass: "treat the rule as a 'Deny all' rule"
            return CompiledClusterRule(policy, direction, i, rule, Action.DENY, self.all_bits,
                                       _ALL_IPS, ConnectionSet.all(), ())
        bits = 0
        ranges: list[IPRange] = []
        for peer in rule.peers:
            if peer.kind in (NAMESPACES, PODS):
                bits |= self.cluster_peer_bits(peer.kind, peer.namespace_selector,
                                                peer.pod_selector)
            elif peer.kind == NETWORKS:
                rs = [r for cidr in peer.networks for r in _cidr_ranges(cidr)]
                ranges.extend(rs)
                bits |= self._range_bits(rs)
            elif peer.kind == NODES:
                assert peer.node_selector is not None
                rs = [IPRange.from_ip(a) for n in self.cluster.nodes
                      if peer.node_selector.matches(n.labels) for a in n.addresses]
                ranges.extend(rs)
                bits |= self._range_bits(rs)
            # DOMAIN_NAMES: no address is known for a name (see Analyzer.assumptions)
        const = ConnectionSet.none()
        named: list[str] = []
        if rule.ports is None:
            const = ConnectionSet.all()
        else:
            for pp in rule.ports:
                if pp.name is not None:
                    named.append(pp.name)
                elif pp.protocol is not None:
                    if pp.port is None:
                        const = const | ConnectionSet.of(pp.protocol)
                    elif pp.end_port is None or pp.end_port >= pp.port:
                        const = const | ConnectionSet.of(pp.protocol, pp.port,
                                                         pp.end_port or pp.port)
                    # an empty v1alpha1 portRange (start > end) matches no port
        return CompiledClusterRule(policy, direction, i, rule, rule.action, bits,
                                   tuple(dict.fromkeys(ranges)), const, tuple(named))

    def _compile_cluster_policy(self, index: int, policy: ClusterPolicy) -> CompiledClusterPolicy:
        sub = policy.subject
        kind = NAMESPACES if sub.pod_selector is None else PODS
        selected = self.cluster_peer_bits(kind, sub.namespace_selector, sub.pod_selector)
        selected &= self.policy_bits
        return CompiledClusterPolicy(
            index,
            policy,
            selected,
            [self._compile_cluster_rule(policy, INGRESS, i, r)
             for i, r in enumerate(policy.ingress)],
            [self._compile_cluster_rule(policy, EGRESS, i, r)
             for i, r in enumerate(policy.egress)],
        )

    def cluster_rule_conns(self, cr: CompiledClusterRule,
                           dst: PodClass | None) -> tuple[ConnectionSet, tuple[str, ...]]:
        """What ``cr``'s ports cover towards ``dst`` (None: an address), and the named ports
        that did not resolve. A named port takes the protocol of the destination's container
        port of that name (the API gives it no protocol of its own)."""
        if not cr.named:
            return cr.const_conns, ()
        conns = cr.const_conns
        unresolved: list[str] = []
        for name in cr.named:
            got = dst.named.get(name) if dst is not None else None
            if got is None:
                unresolved.append(name)
            else:
                conns = conns | ConnectionSet.of(got[0], got[1])
        return conns, tuple(unresolved)

    def cluster_rule_dst_partition(self, cr: CompiledClusterRule) -> list[tuple[int, ConnectionSet]]:
        """(destination classes, connections) for an egress cluster rule: named ports split
        the peers by what the name resolves to on each destination."""
        if not cr.named:
            return [(cr.peer_bits, cr.const_conns)] if cr.const_conns else []
        parts: dict[ConnectionSet, int] = {cr.const_conns: cr.peer_bits}
        for name in cr.named:
            groups = self._named_index.get(name, {})
            new: dict[ConnectionSet, int] = {}
            for conns, bits in parts.items():
                rest = bits
                for (proto, num), gbits in groups.items():
                    inside = rest & gbits
                    if inside:
                        c = conns | ConnectionSet.of(proto, num)
                        new[c] = new.get(c, 0) | inside
                        rest &= ~gbits
                if rest:
                    new[conns] = new.get(conns, 0) | rest
            parts = new
        return [(b, c) for c, b in parts.items() if c and b]

    def tier_signature(self, tier: Tier, direction: str, pc: PodClass) -> tuple[object, ...]:
        """What ``pc``'s ``tier`` partition (and its tier states with external ranges) depends
        on: the ``tier`` policies selecting it and, for ingress, its named container ports."""
        return (tier, direction,
                tuple(cp.index for cp in self.cluster_policies_of(tier, direction, pc.index)),
                tuple(sorted(pc.named.items())) if direction == INGRESS else ())

    def _tier_partition(self, tier: Tier, direction: str, pc: PodClass) -> dict[tiers.State, int]:
        """Peers (class bits) -> tier state, for the ``tier`` policies selecting ``pc``
        (shared by the classes with one ``tier_signature``; read only)."""
        key = self.tier_signature(tier, direction, pc)
        got = self._tier_parts.get(key)
        if got is None:
            got = self._tier_parts[key] = self._compute_tier_partition(tier, direction, pc)
        return got

    def _compute_tier_partition(self, tier: Tier, direction: str,
                                pc: PodClass) -> dict[tiers.State, int]:
        parts: dict[tiers.State, int] = {tiers.EMPTY: self.all_bits}
        for cp in self.cluster_policies_of(tier, direction, pc.index):
            for cr in cp.rules(direction):
                if direction == INGRESS:
                    c, _ = self.cluster_rule_conns(cr, pc)
                    if c and cr.peer_bits:
                        parts = tiers.split(parts, cr.peer_bits, c, cr.action)
                else:
                    for bits, c in self.cluster_rule_dst_partition(cr):
                        parts = tiers.split(parts, bits, c, cr.action)
        return parts

    def _tier_matches(self, tier: Tier, direction: str, pod_class: PodClass | VirtualPod,
                      other: PodClass | VirtualPod | None, other_ip: IPRange | None,
                      dst_class: PodClass | None) -> tuple[tuple[ClusterPolicy, ...], tuple[RuleMatch, ...]]:
        """The ``tier`` policies selecting ``pod_class`` and their rules matching the other
        end, in precedence order."""
        if isinstance(pod_class, VirtualPod):
            pols = self.virtual_cluster_policies(pod_class, tier, direction)
        else:
            pols = self.cluster_policies_of(tier, direction, pod_class.index)
        matches: list[RuleMatch] = []
        for cp in pols:
            for cr in cp.rules(direction):
                if not self.cluster_rule_hits(cr, other, other_ip):
                    continue
                conns, unresolved = self.cluster_rule_conns(cr, dst_class)
                matches.append(RuleMatch(cp.policy, direction, cr.index, conns, unresolved,
                                         cr.action, cr.rule.fail_closed))
        return tuple(cp.policy for cp in pols), tuple(matches)

    def cluster_rule_hits(self, cr: CompiledClusterRule, other: PodClass | VirtualPod | None,
                          other_ip: IPRange | None) -> bool:
        if isinstance(other, VirtualPod):
            return self.virtual_cluster_hits(cr, other)
        if other is not None:
            return bool(cr.peer_bits >> other.index & 1)
        assert other_ip is not None
        return any(r.contains(other_ip) for r in cr.ip_ranges)

    def assumptions(self) -> list[str]:
        """What a static analysis cannot know about the loaded cluster policies, stated (empty
        when nothing of the kind is used)."""
        out: list[str] = []
        rules = [(cp.policy, r) for cp in self.cluster_policies
                 for r in (*cp.policy.ingress, *cp.policy.egress)]
        kinds = {p.kind for _, r in rules for p in r.peers}
        if DOMAIN_NAMES in kinds:
            out.append("domainNames peers are not resolved (no DNS): they match no address, so "
                       "traffic to those names is decided by the rules and tiers that follow")
        if NODES in kinds:
            if not self.cluster.nodes:
                out.append("nodes peers: no Node objects were loaded, so they match no address")
            else:
                out.append(f"nodes peers match the addresses of the {len(self.cluster.nodes)} "
                           "loaded Node objects only")
        if NETWORKS in kinds and any(not p.ips for p in self.cluster.pods):
            out.append("networks peers match pods only when their IPs are known (live-cluster "
                       "snapshots); pods without IPs are assumed to lie outside every networks "
                       "CIDR")
        if any(r.fail_closed for _, r in rules):
            out.append("rules with a peer of a kind netviz does not know fail closed: Allow/"
                       "Accept rules match nothing, Deny/Pass rules deny all")
        seen: dict[tuple[Tier, int], str] = {}
        for cp in self.cluster_policies:
            p = cp.policy
            if p.priority is None:
                continue
            prev = seen.setdefault((p.tier, p.priority), p.name)
            if prev != p.name:
                out.append(f"{p.tier} tier policies {prev} and {p.name} share priority "
                           f"{p.priority}: the API leaves their order undefined; netviz "
                           f"evaluates {prev} first (by kind, then name)")
        return out

    # ---------------------------------------------------------------- ports
    @staticmethod
    def resolve_named(pp: PolicyPort, dst: PodClass | None) -> ConnectionSet | None:
        """A named port on destination ``dst`` (None: an external address, where no name
        resolves). None when it does not resolve."""
        assert isinstance(pp.port, str)
        if dst is None:
            return None
        got = dst.named.get(pp.port)
        if got is None or got[0] != pp.protocol:
            return None
        return ConnectionSet.of(pp.protocol, got[1])

    def rule_conns(self, cr: CompiledRule, dst: PodClass | None) -> tuple[ConnectionSet, tuple[str, ...]]:
        """What ``cr``'s ports allow towards ``dst``, and the names that did not resolve."""
        if not cr.named:
            return cr.const_conns, ()
        conns = cr.const_conns
        unresolved: list[str] = []
        for pp in cr.named:
            c = self.resolve_named(pp, dst)
            if c is None:
                unresolved.append(f"{pp.protocol}/{pp.port}")
            else:
                conns = conns | c
        return conns, tuple(unresolved)

    def _rule_dst_partition(self, cr: CompiledRule) -> list[tuple[int, ConnectionSet]]:
        """(destination classes, connections) for an egress rule: named ports split the peers."""
        if not cr.named:
            return [(cr.peer_bits, cr.const_conns)] if cr.const_conns else []
        parts: dict[ConnectionSet, int] = {cr.const_conns: cr.peer_bits}
        for pp in cr.named:
            assert isinstance(pp.port, str)
            groups = self._named_index.get(pp.port, {})
            new: dict[ConnectionSet, int] = {}
            for conns, bits in parts.items():
                rest = bits
                for (proto, num), gbits in groups.items():
                    if proto != pp.protocol:
                        continue
                    inside = rest & gbits
                    if inside:
                        c = conns | ConnectionSet.of(proto, num)
                        new[c] = new.get(c, 0) | inside
                        rest &= ~gbits
                if rest:
                    new[conns] = new.get(conns, 0) | rest
            parts = new
        return [(b, c) for c, b in parts.items() if c and b]

    # ---------------------------------------------------------------- single verdicts
    def rule_hits(
        self, cr: CompiledRule, other: PodClass | VirtualPod | None, other_ip: IPRange | None
    ) -> bool:
        """Whether ``cr``'s peers match the other side: a pod class, a virtual pod, or else an
        address range (which must lie inside one of the rule's ipBlock ranges)."""
        if isinstance(other, VirtualPod):
            return self.virtual_hits(cr, other)
        if other is not None:
            return bool(cr.peer_bits >> other.index & 1)
        assert other_ip is not None
        return any(r.contains(other_ip) for r in cr.ip_ranges)

    # ---------------------------------------------------------------- virtual pods
    @staticmethod
    def virtual_peer_matches(peer: Peer, policy_ns: str, vp: VirtualPod) -> bool:
        """A NetworkPolicyPeer against a pod known by namespace and labels only (no IPs: an
        ipBlock never matches it)."""
        if peer.ip_block is not None:
            return False
        if peer.namespace_selector is None:
            assert peer.pod_selector is not None
            return policy_ns == vp.namespace and peer.pod_selector.matches(vp.label_map)
        if not peer.namespace_selector.matches(vp.ns_label_map):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(vp.label_map)

    def virtual_hits(self, cr: CompiledRule, vp: VirtualPod) -> bool:
        """Whether rule ``cr`` (of a policy in any namespace) lets ``vp`` through."""
        if cr.rule.all_peers:
            return True
        ns = cr.policy.namespace
        return any(self.virtual_peer_matches(p, ns, vp) for p in cr.rule.peers)

    def virtual_policies(self, vp: VirtualPod, direction: str) -> list[CompiledPolicy]:
        """The policies that select ``vp`` for ``direction`` (policies of its namespace whose
        podSelector matches its labels)."""
        out = []
        for cp in self.policies:
            pol = cp.policy
            if pol.namespace != vp.namespace:
                continue
            if not (pol.affects_ingress if direction == INGRESS else pol.affects_egress):
                continue
            if pol.pod_selector.matches(vp.label_map):
                out.append(cp)
        return out

    def virtual_allowed(self, vp: VirtualPod, dst: PodClass) -> ConnectionSet:
        """What the policies allow from the virtual pod ``vp`` to pod class ``dst``: ``vp``'s
        egress (its own namespace's policies, and cluster policies whose subject selects it)
        and ``dst``'s ingress, tier by tier."""
        egress = self.side(EGRESS, vp, dst, None, dst).allowed
        if not egress:
            return egress
        return egress & self.side(INGRESS, dst, vp, None, dst).allowed

    def virtual_cluster_policies(self, vp: VirtualPod, tier: Tier,
                                 direction: str) -> list[CompiledClusterPolicy]:
        """The ``tier`` cluster policies whose subject selects ``vp`` for ``direction``."""
        out = []
        for cp in self.cluster_policies:
            sub = cp.policy.subject
            if cp.policy.tier is not tier or not cp.rules(direction):
                continue
            if not sub.namespace_selector.matches(vp.ns_label_map):
                continue
            if sub.pod_selector is not None and not sub.pod_selector.matches(vp.label_map):
                continue
            out.append(cp)
        return out

    @staticmethod
    def virtual_cluster_hits(cr: CompiledClusterRule, vp: VirtualPod) -> bool:
        """Whether a cluster rule's peers match ``vp`` (by its namespace and labels; it has no
        IP, so networks and nodes peers never match it)."""
        if cr.rule.fail_closed:
            return cr.action is Action.DENY
        for peer in cr.rule.peers:
            if peer.kind not in (NAMESPACES, PODS) or peer.namespace_selector is None:
                continue
            if not peer.namespace_selector.matches(vp.ns_label_map):
                continue
            if peer.kind == NAMESPACES or (peer.pod_selector is not None
                                           and peer.pod_selector.matches(vp.label_map)):
                return True
        return False

    def class_of(self, pod: Pod) -> PodClass:
        return self.classes[self.class_of_pod[pod.key]]

    def _side_pod(
        self, direction: str, pod_class: PodClass | VirtualPod, other: PodClass | VirtualPod | None,
        other_ip: IPRange | None, dst_class: PodClass | None,
    ) -> DirectionVerdict:
        """``direction`` side of ``pod_class`` towards ``other`` (a class) or ``other_ip``."""
        pols: list[CompiledPolicy]
        if isinstance(pod_class, VirtualPod):
            pols = self.virtual_policies(pod_class, direction)
        else:
            pols = (self.ingress_of if direction == INGRESS else self.egress_of)[pod_class.index]
        admin, admin_m = self._tier_matches(Tier.ADMIN, direction, pod_class, other, other_ip,
                                            dst_class)
        base, base_m = self._tier_matches(Tier.BASELINE, direction, pod_class, other, other_ip,
                                          dst_class)
        if not pols and not admin and not base:
            return DirectionVerdict(direction, True, (), (), ConnectionSet.all())
        matches: list[RuleMatch] = []
        np_allowed = ConnectionSet.none()
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if not self.rule_hits(cr, other, other_ip):
                    continue
                conns, unresolved = self.rule_conns(cr, dst_class)
                matches.append(RuleMatch(cp.policy, direction, cr.index, conns, unresolved))
                np_allowed = np_allowed | conns
        allowed = tiers.decide(
            _tier_state(admin_m), np_allowed if pols else None, _tier_state(base_m)
        )
        return DirectionVerdict(
            direction, True, tuple(cp.policy for cp in pols), tuple(matches), allowed,
            admin, admin_m, base, base_m,
        )

    def side(self, direction: str, pod_class: PodClass | VirtualPod | None,
             other: PodClass | VirtualPod | None, other_ip: IPRange | None,
             dst_class: PodClass | None) -> DirectionVerdict:
        """One direction of a pair: ``pod_class``'s ``direction`` side towards ``other`` (a
        class) or ``other_ip`` (an address); ``dst_class`` is the destination (named ports
        resolve there). No class (an external address) or a hostNetwork pod in "node" mode
        (outside the policies' reach; peers see it through its IPs only): no policy governs
        the side, it allows everything."""
        if pod_class is None or (
            isinstance(pod_class, PodClass) and self.host_node_bits >> pod_class.index & 1
        ):
            return self._external_side(direction)
        return self._side_pod(direction, pod_class, other, other_ip, dst_class)

    @staticmethod
    def _external_side(direction: str) -> DirectionVerdict:
        return DirectionVerdict(direction, False, (), (), ConnectionSet.all())

    def verdict(self, src: Endpoint, dst: Endpoint) -> Verdict:
        """Everything about traffic from ``src`` to ``dst`` (pods of this cluster or address
        ranges; an address range should lie inside one ``external_atoms`` range to be uniform)."""
        if isinstance(src, IPRange) and isinstance(dst, IPRange):
            raise ValueError("at least one side must be a pod")
        if isinstance(src, Pod) and isinstance(dst, Pod) and src.key == dst.key:
            a = ConnectionSet.all()
            sides = (DirectionVerdict(EGRESS, True, (), (), a), DirectionVerdict(INGRESS, True, (), (), a))
            return Verdict(src, dst, sides[0], sides[1], a, same_pod=True)
        sc = self.class_of(src) if isinstance(src, Pod) else None
        dc = self.class_of(dst) if isinstance(dst, Pod) else None
        s_ip = src if isinstance(src, IPRange) else None
        d_ip = dst if isinstance(dst, IPRange) else None
        egress = self.side(EGRESS, sc, dc if d_ip is None else None, d_ip, dc)
        ingress = self.side(INGRESS, dc, sc if s_ip is None else None, s_ip, dc)
        return Verdict(src, dst, egress, ingress, egress.allowed & ingress.allowed)

    # ---------------------------------------------------------------- all pairs
    def _ingress_partition(self, d: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        """Sources (class bits) -> what ``d``'s ingress allows from them."""
        got = self._in_parts.get(d.index)
        if got is None:
            sig = self.partition_signature(INGRESS, d)
            got = self._sig_parts.get(sig)
            if got is None:
                got = self._sig_parts[sig] = self._compute_ingress_partition(d)
            self._in_parts[d.index] = got
        return got

    def partition_signature(self, direction: str, pc: PodClass) -> tuple[object, ...]:
        """What a class's ``direction`` partition depends on: the policies of each tier that
        select it, whether it is node traffic, and for ingress its named container ports (the
        destination's names resolve there). Egress named ports resolve on the destinations,
        whatever the source."""
        c = pc.index
        got = self._sigs.get((direction, c))
        if got is None:
            got = self._sigs[(direction, c)] = self._make_signature(direction, pc)
        return got

    def external_signature(self, direction: str, c: int) -> tuple[object, ...]:
        """Classes with equal signatures have equal ``external_conns`` for every range."""
        return self.partition_signature(direction, self.classes[c])

    def _make_signature(self, direction: str, pc: PodClass) -> tuple[object, ...]:
        c = pc.index
        return (
            direction,
            self.host_node_bits >> c & 1,
            tuple(cp.index for cp in (self.ingress_of if direction == INGRESS else self.egress_of)[c]),
            tuple(cp.index for cp in self.cluster_policies_of(Tier.ADMIN, direction, c)),
            tuple(cp.index for cp in self.cluster_policies_of(Tier.BASELINE, direction, c)),
            tuple(sorted(pc.named.items())) if direction == INGRESS else (),
        )

    def _egress_partition(self, s: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        """Destinations (class bits) -> what ``s``'s egress allows towards them."""
        got = self._eg_parts.get(s.index)
        if got is None:
            sig = self.partition_signature(EGRESS, s)
            got = self._sig_parts.get(sig)
            if got is None:
                got = self._sig_parts[sig] = self._compute_egress_partition(s)
            self._eg_parts[s.index] = got
        return got

    def is_tiered(self, direction: str, pc: PodClass) -> bool:
        """Whether an AdminNetworkPolicy/ClusterNetworkPolicy tier selects ``pc``."""
        return self._tiered(direction, pc)

    def _tiered(self, direction: str, pc: PodClass) -> bool:
        return bool(self.cluster_policies_of(Tier.ADMIN, direction, pc.index)
                    or self.cluster_policies_of(Tier.BASELINE, direction, pc.index))

    def _compute_tiered_partition(self, direction: str, pc: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        admin = self._tier_partition(Tier.ADMIN, direction, pc)
        np_isolated = (self.ingress_of if direction == INGRESS else self.egress_of)[pc.index]
        if np_isolated:
            np_parts = (self._np_ingress_partition(pc) if direction == INGRESS
                        else self._np_egress_partition(pc))
            return tiers.combine(admin, np_parts, {})
        baseline = self._tier_partition(Tier.BASELINE, direction, pc)
        return tiers.combine(admin, None, baseline)

    def tier_denied(self, direction: str,
                    pc: PodClass) -> tuple[tuple[int, ConnectionSet, ConnectionSet], ...]:
        """What the tiers' Deny rules deny ``pc`` in ``direction``, per peer classes:
        ``(peer bits, denied by the Admin tier, denied by the Baseline tier)``; the Baseline
        part only where the Baseline tier is reached (no NetworkPolicy selects ``pc`` for the
        direction, and the Admin tier did not decide). Peers not listed: nothing denied by a
        rule (what is denied there is denied because no NetworkPolicy allows it)."""
        key = (direction, pc.index)
        got = self._deny_parts.get(key)
        if got is not None:
            return got
        out: dict[tuple[ConnectionSet, ConnectionSet], int] = {}
        if self._tiered(direction, pc):
            admin = self._tier_partition(Tier.ADMIN, direction, pc)
            np_isolated = (self.ingress_of if direction == INGRESS else self.egress_of)[pc.index]
            baseline = ({tiers.EMPTY: self.all_bits} if np_isolated
                        else self._tier_partition(Tier.BASELINE, direction, pc))
            for (acc, den, _), b1 in admin.items():
                for (_, bden, _), b2 in baseline.items():
                    b = b1 & b2
                    bd = bden - acc - den
                    if b and (den or bd):
                        out[(den, bd)] = out.get((den, bd), 0) | b
        got = tuple((b, a, bd) for (a, bd), b in out.items())
        self._deny_parts[key] = got
        return got

    def deny_tier(self, src: PodClass, dst: PodClass) -> Tier | None:
        """The tier whose Deny rules deny everything from ``src`` to ``dst``: ``ADMIN`` when
        the Admin tier's Deny rules alone do (in one direction or the other, together),
        ``BASELINE`` when the Baseline tier's Deny rules are needed too, None when some of it is
        denied only because nothing allows it (or something is allowed)."""
        admin = baseline = ConnectionSet.none()
        for direction, pc, other in ((EGRESS, src, dst), (INGRESS, dst, src)):
            for bits, a, bd in self.tier_denied(direction, pc):
                if bits >> other.index & 1:
                    admin = admin | a
                    baseline = baseline | bd
                    break
        if admin == _ALL_CONNS:
            return Tier.ADMIN
        if admin | baseline == _ALL_CONNS:
            return Tier.BASELINE
        return None

    def _compute_ingress_partition(self, d: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        if self.host_node_bits >> d.index & 1:
            return ((self.all_bits, ConnectionSet.all()),)
        if self._tiered(INGRESS, d):
            return self._compute_tiered_partition(INGRESS, d)
        if not self.ingress_of[d.index]:
            return ((self.all_bits, ConnectionSet.all()),)
        return self._np_ingress_partition(d)

    def _np_ingress_partition(self, d: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        pols = self.ingress_of[d.index]
        parts: dict[ConnectionSet, int] = {ConnectionSet.none(): self.all_bits}
        for cp in pols:
            for cr in cp.ingress:
                c, _ = self.rule_conns(cr, d)
                if c:
                    parts = _split(parts, cr.peer_bits, c)
        return tuple((b, c) for c, b in parts.items() if b)

    def _compute_egress_partition(self, s: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        if self.host_node_bits >> s.index & 1:
            return ((self.all_bits, ConnectionSet.all()),)
        if self._tiered(EGRESS, s):
            return self._compute_tiered_partition(EGRESS, s)
        if not self.egress_of[s.index]:
            return ((self.all_bits, ConnectionSet.all()),)
        return self._np_egress_partition(s)

    def _np_egress_partition(self, s: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        pols = self.egress_of[s.index]
        parts: dict[ConnectionSet, int] = {ConnectionSet.none(): self.all_bits}
        for cp in pols:
            for cr in cp.egress:
                for bits, c in self._rule_dst_partition(cr):
                    parts = _split(parts, bits, c)
        return tuple((b, c) for c, b in parts.items() if b)

    def blocks(self, src_mask: int | None = None, dst_mask: int | None = None) -> list[Block]:
        """All-pairs connectivity between pod classes as blocks. Pairs absent from every block
        are denied. A class paired with itself means distinct pods of that class (a pod and
        itself are always allowed and never listed here).

        With ``src_mask``/``dst_mask`` (what-if edits), only blocks that can hold a pair whose
        source is in ``src_mask`` or whose destination is in ``dst_mask`` are made; groups of
        classes that touch neither are skipped whole."""
        restricted = src_mask is not None or dst_mask is not None
        smask = src_mask or 0
        dmask = dst_mask or 0
        src_groups: dict[tuple[tuple[int, ConnectionSet], ...], int] = {}
        dst_groups: dict[tuple[tuple[int, ConnectionSet], ...], int] = {}
        for pc in self.classes:
            b = 1 << pc.index
            ek = self._egress_partition(pc)
            src_groups[ek] = src_groups.get(ek, 0) | b
            ik = self._ingress_partition(pc)
            dst_groups[ik] = dst_groups.get(ik, 0) | b
        out: list[Block] = []
        # pieces that allow nothing (the sources or destinations a policy leaves out: often the
        # widest bitsets) can make no block: drop them before the pairwise loops
        dsts = [(dbits, [(ib, ic) for ib, ic in ipart if ic])
                for ipart, dbits in dst_groups.items()]
        # A block needs an ingress piece that holds a source class. From a class to the
        # destination groups with such a piece (through the distinct pieces, shared by many
        # groups), the few groups a small source group can pair with are found without
        # trying every group (5,000 workloads: ~40 groups of 1,767 for each source group).
        # The groups left out make no block, and the others are tried in the same order, so
        # the blocks are the same as from trying them all.
        # The index costs a step per class of each distinct piece: it is made only when
        # that is less than the groups it saves trying.
        piece_groups: dict[int, list[int]] = {}
        for gi, (_, ipart) in enumerate(dsts):
            for ib, _ in ipart:
                piece_groups.setdefault(ib, []).append(gi)
        indexed = _index_pays(piece_groups, src_groups.values(), len(dsts))
        class_pieces: dict[int, list[int]] = {}
        if indexed:
            for ib in piece_groups:
                for k in bits_list(ib):
                    class_pieces.setdefault(k, []).append(ib)
        every = range(len(dsts))
        for epart, sbits in src_groups.items():
            src_hit = bool(sbits & smask)
            allowed = [(eb, ec) for eb, ec in epart if ec]
            if not allowed:
                continue
            if not indexed or sbits.bit_count() > _FEW_SOURCE_CLASSES:
                candidates: Iterable[int] = every
            else:
                candidates = sorted({gi for k in bits_list(sbits)
                                     for ib in class_pieces.get(k, ())
                                     for gi in piece_groups[ib]})
            for gi in candidates:
                dbits, ipart = dsts[gi]
                if restricted and not src_hit and not dbits & dmask:
                    continue
                for eb, ec in allowed:
                    dd = eb & dbits
                    if not dd:
                        continue
                    for ib, ic in ipart:
                        ss = ib & sbits
                        if not ss:
                            continue
                        c = ec & ic
                        if c:
                            out.append(Block(ss, dd, c))
        return out

    def class_pairs(self) -> Iterator[tuple[int, int, ConnectionSet]]:
        """Every allowed (source class, destination class, connections)."""
        for blk in self.blocks():
            dsts = list(bits_iter(blk.dst))
            for s in bits_iter(blk.src):
                for d in dsts:
                    yield s, d, blk.connections

    # ---------------------------------------------------------------- externals
    def ip_ranges(self, pod_class: PodClass, direction: str) -> list[IPRange]:
        """The ipBlock ranges of the policies that isolate ``pod_class`` in ``direction``
        (the boundaries that make the external peers of this pod)."""
        pols = (self.ingress_of if direction == INGRESS else self.egress_of)[pod_class.index]
        out: list[IPRange] = []
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if not cr.rule.all_peers:
                    out.extend(cr.ip_ranges)
        for tier in (Tier.ADMIN, Tier.BASELINE):
            for ccp in self.cluster_policies_of(tier, direction, pod_class.index):
                for ccr in ccp.rules(direction):
                    out.extend(ccr.ip_ranges)
        return out

    def all_ip_ranges(self) -> list[IPRange]:
        out: list[IPRange] = []
        for cp in self.policies:
            for cr in (*cp.ingress, *cp.egress):
                if not cr.rule.all_peers:
                    out.extend(cr.ip_ranges)
        for ccp in self.cluster_policies:
            for ccr in (*ccp.ingress, *ccp.egress):
                out.extend(ccr.ip_ranges)
        return out

    def direction_ip_ranges(self, direction: str) -> list[IPRange]:
        """The address ranges that policies of any kind name for ``direction`` (the boundaries
        of the external peers): ipBlocks of NetworkPolicy rules with peers, networks and node
        addresses of cluster policy rules."""
        out: list[IPRange] = []
        for cp in self.policies:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if not cr.rule.all_peers:
                    out.extend(cr.ip_ranges)
        for ccp in self.cluster_policies:
            for ccr in ccp.rules(direction):
                out.extend(ccr.ip_ranges)
        return out

    def external_conns(self, pod_class: PodClass, direction: str, ip: IPRange) -> ConnectionSet:
        """What ``pod_class`` allows in ``direction`` with the external range ``ip`` (which
        should not straddle an ipBlock boundary). Ingress: from ``ip``; egress: to ``ip``.
        Memoised per class signature (``partition_signature``) and range."""
        if self.host_node_bits >> pod_class.index & 1:
            return ConnectionSet.all()
        cache = self._ext_cache.setdefault(self.partition_signature(direction, pod_class), {})
        got = cache.get(ip)
        if got is None:
            got = cache[ip] = self._compute_external_conns(pod_class, direction, ip)
        return got

    def _compute_external_conns(self, pod_class: PodClass, direction: str,
                                ip: IPRange) -> ConnectionSet:
        pols = (self.ingress_of if direction == INGRESS else self.egress_of)[pod_class.index]
        tiered = self._tiered(direction, pod_class)
        if not pols and not tiered:
            return ConnectionSet.all()
        allowed = ConnectionSet.none()
        dst = pod_class if direction == INGRESS else None
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if any(r.contains(ip) for r in cr.ip_ranges):
                    c, _ = self.rule_conns(cr, dst)
                    allowed = allowed | c
        if not tiered:
            return allowed
        states = []
        for tier in (Tier.ADMIN, Tier.BASELINE):
            st = tiers.EMPTY
            for ccp in self.cluster_policies_of(tier, direction, pod_class.index):
                for ccr in ccp.rules(direction):
                    if any(r.contains(ip) for r in ccr.ip_ranges):
                        c, _ = self.cluster_rule_conns(ccr, dst)
                        st = tiers.apply_rule(st, c, ccr.action)
            states.append(st)
        return tiers.decide(states[0], allowed if pols else None, states[1])

    # ---------------------------------------------------------------- lookups
    def pods_of_class(self, index: int) -> Sequence[Pod]:
        return self.classes[index].pods

    def selected_pods(self, policy: NetworkPolicy) -> list[Pod]:
        for cp in self.policies:
            if cp.policy is policy:
                return [p for c in bits_iter(cp.selected) for p in self.classes[c].pods]
        return []


def _split(parts: dict[ConnectionSet, int], bits: int, conns: ConnectionSet) -> dict[ConnectionSet, int]:
    """Refine a partition: members inside ``bits`` gain ``conns``."""
    new: dict[ConnectionSet, int] = {}
    for c, b in parts.items():
        inside = b & bits
        outside = b & ~bits
        if inside:
            k = c | conns
            new[k] = new.get(k, 0) | inside
        if outside:
            new[c] = new.get(c, 0) | outside
    return new


def _tier_state(matches: Sequence[RuleMatch]) -> tiers.State:
    """The tier state of one peer from its matching cluster rules, in precedence order."""
    st = tiers.EMPTY
    for m in matches:
        assert m.action is not None
        st = tiers.apply_rule(st, m.connections, m.action)
    return st


def _cidr_ranges(cidr: str) -> tuple[IPRange, ...]:
    return (IPRange.from_cidr(cidr),)


def _pod_ranges(cluster: Cluster) -> list[IPRange]:
    """The ranges of cluster policy ``networks`` and the addresses of Node objects (``nodes``
    peers), when some pod has a known IP (otherwise no pod can be matched by address)."""
    if not cluster.cluster_policies or not any(p.ips for p in cluster.pods):
        return []
    out: set[IPRange] = set()
    for pol in cluster.cluster_policies:
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                for cidr in peer.networks:
                    out.update(_cidr_ranges(cidr))
    if any(peer.kind == NODES for pol in cluster.cluster_policies
           for rule in (*pol.ingress, *pol.egress) for peer in rule.peers):
        for node in cluster.nodes:
            for a in node.addresses:
                try:
                    out.add(IPRange.from_ip(a))
                except ValueError:
                    continue
    return sorted(out)

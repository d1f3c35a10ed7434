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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange, block_ranges
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

INGRESS = "Ingress"
EGRESS = "Egress"

_ALL_IPS = (IPRange.everything(4), IPRange.everything(6))


# --------------------------------------------------------------------------- options


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
    """

    ipblock_matches_pod_ips: bool = False
    host_network: str = "pod"

    def describe(self) -> list[str]:
        lines = [
            "ipBlock matches pod IPs: "
            + ("yes (pods with known IPs are matched by ipBlocks)" if self.ipblock_matches_pod_ips
               else "no (ipBlocks match only addresses outside the cluster)"),
            "hostNetwork pods: "
            + ("treated as ordinary pods" if self.host_network == "pod"
               else "treated as node traffic (matched only by ipBlocks)"),
        ]
        return lines


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
    """A rule whose peers matched the other side, and what its ports allow for this pair.
    ``connections`` may be empty (peer matched, ports did not); ``unresolved`` names named
    ports that resolve on no container of the destination."""

    policy: NetworkPolicy
    direction: str
    rule_index: int
    connections: ConnectionSet
    unresolved: tuple[str, ...] = ()

    @property
    def rule(self) -> Rule:
        rules = self.policy.ingress if self.direction == INGRESS else self.policy.egress
        return rules[self.rule_index]


@dataclass(frozen=True)
class DirectionVerdict:
    direction: str
    #: False when this side is an external address: no policy governs it
    applies: bool
    #: policies that select the pod for this direction (empty: not isolated, all allowed)
    selecting: tuple[NetworkPolicy, ...]
    matches: tuple[RuleMatch, ...]
    allowed: ConnectionSet

    @property
    def isolated(self) -> bool:
        return bool(self.selecting)


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
        self._build_classes()
        self._build_index()
        self._sel_cache: dict[LabelSelector, int] = {}
        self._nssel_cache: dict[LabelSelector, int] = {}
        self._ipb_cache: dict[object, int] = {}
        self.policies: list[CompiledPolicy] = [
            self._compile_policy(i, p) for i, p in enumerate(cluster.policies)
        ]
        self._index_policies()
        #: per-class partition caches (see _ingress_partition); kept across with_policies()
        self._in_parts: dict[int, tuple[tuple[int, ConnectionSet], ...]] = {}
        self._eg_parts: dict[int, tuple[tuple[int, ConnectionSet], ...]] = {}
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

    def with_policies(self, policies: Sequence[NetworkPolicy]) -> Analyzer:
        """The same pods and namespaces under another set of policies (a what-if edit).

        Re-evaluates only what the change can affect: pod classes, label indexes and selector
        caches are shared; unchanged policies keep their compiled form; a class's ingress
        (egress) partition is recomputed only when a policy that isolates it in that direction
        was added, removed or changed. ``affected`` on the result holds those class bits.
        """
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
        new._in_parts = {c: v for c, v in self._in_parts.items() if not affected_in >> c & 1}
        new._eg_parts = {c: v for c, v in self._eg_parts.items() if not affected_eg >> c & 1}
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
            key = (
                pod.namespace,
                tuple(sorted(pod.labels.items())),
                pod.ports,
                ips,
                pod.host_network,
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
                )
                for cp in pod.ports:
                    if cp.name and cp.name not in pc.named:
                        pc.named[cp.name] = (cp.protocol, cp.port)
                by_key[key] = pc
                self.classes.append(pc)
            pc.pods.append(pod)
            self.class_of_pod[pod.key] = pc.index

    def _build_index(self) -> None:
        n = len(self.classes)
        self.all_bits = (1 << n) - 1
        self.ns_bits: dict[str, int] = {}
        self._kv: dict[tuple[str, str], int] = {}
        self._k: dict[str, int] = {}
        self.host_node_bits = 0  # hostNetwork pods handled as node traffic
        for pc in self.classes:
            b = 1 << pc.index
            self.ns_bits[pc.namespace] = self.ns_bits.get(pc.namespace, 0) | b
            for k, v in pc.labels.items():
                self._kv[(k, v)] = self._kv.get((k, v), 0) | b
                self._k[k] = self._k.get(k, 0) | b
            if pc.host_network and self.options.host_network == "node":
                self.host_node_bits |= b
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
        egress (its own namespace's policies) and ``dst``'s ingress."""
        egress = ConnectionSet.all()
        pols = self.virtual_policies(vp, EGRESS)
        if pols:
            egress = ConnectionSet.none()
            for cp in pols:
                for cr in cp.egress:
                    if cr.peer_bits >> dst.index & 1:
                        egress = egress | self.rule_conns(cr, dst)[0]
        if not egress:
            return egress
        if self.host_node_bits >> dst.index & 1 or not self.ingress_of[dst.index]:
            return egress
        ingress = ConnectionSet.none()
        for cp in self.ingress_of[dst.index]:
            for cr in cp.ingress:
                if self.virtual_hits(cr, vp):
                    ingress = ingress | self.rule_conns(cr, dst)[0]
        return egress & ingress

    def class_of(self, pod: Pod) -> PodClass:
        return self.classes[self.class_of_pod[pod.key]]

    def _side_pod(
        self, direction: str, pod_class: PodClass, other: PodClass | None, other_ip: IPRange | None,
        dst_class: PodClass | None,
    ) -> DirectionVerdict:
        """``direction`` side of ``pod_class`` towards ``other`` (a class) or ``other_ip``."""
        pols = (self.ingress_of if direction == INGRESS else self.egress_of)[pod_class.index]
        if not pols:
            return DirectionVerdict(direction, True, (), (), ConnectionSet.all())
        matches: list[RuleMatch] = []
        allowed = ConnectionSet.none()
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if not self.rule_hits(cr, other, other_ip):
                    continue
                conns, unresolved = self.rule_conns(cr, dst_class)
                matches.append(RuleMatch(cp.policy, direction, cr.index, conns, unresolved))
                allowed = allowed | conns
        return DirectionVerdict(
            direction, True, tuple(cp.policy for cp in pols), tuple(matches), allowed
        )

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
        # a hostNetwork pod in "node" mode is outside the policies' reach: its own side
        # allows everything, and peers see it through its IPs only
        if sc is not None and self.host_node_bits >> sc.index & 1:
            egress = self._external_side(EGRESS)
        elif sc is not None:
            egress = self._side_pod(EGRESS, sc, dc if d_ip is None else None, d_ip, dc)
        else:
            egress = self._external_side(EGRESS)
        if dc is not None and self.host_node_bits >> dc.index & 1:
            ingress = self._external_side(INGRESS)
        elif dc is not None:
            ingress = self._side_pod(INGRESS, dc, sc if s_ip is None else None, s_ip, dc)
        else:
            ingress = self._external_side(INGRESS)
        return Verdict(src, dst, egress, ingress, egress.allowed & ingress.allowed)

    # ---------------------------------------------------------------- all pairs
    def _ingress_partition(self, d: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        """Sources (class bits) -> what ``d``'s ingress allows from them."""
        got = self._in_parts.get(d.index)
        if got is None:
            got = self._in_parts[d.index] = self._compute_ingress_partition(d)
        return got

    def _egress_partition(self, s: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        """Destinations (class bits) -> what ``s``'s egress allows towards them."""
        got = self._eg_parts.get(s.index)
        if got is None:
            got = self._eg_parts[s.index] = self._compute_egress_partition(s)
        return got

    def _compute_ingress_partition(self, d: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        pols = self.ingress_of[d.index]
        if not pols or self.host_node_bits >> d.index & 1:
            return ((self.all_bits, ConnectionSet.all()),)
        parts: dict[ConnectionSet, int] = {ConnectionSet.none(): self.all_bits}
        for cp in pols:
            for cr in cp.ingress:
                c, _ = self.rule_conns(cr, d)
                if c:
                    parts = _split(parts, cr.peer_bits, c)
        return tuple((b, c) for c, b in parts.items() if b)

    def _compute_egress_partition(self, s: PodClass) -> tuple[tuple[int, ConnectionSet], ...]:
        pols = self.egress_of[s.index]
        if not pols or self.host_node_bits >> s.index & 1:
            return ((self.all_bits, ConnectionSet.all()),)
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
        for epart, sbits in src_groups.items():
            src_hit = bool(sbits & smask)
            for ipart, dbits in dst_groups.items():
                if restricted and not src_hit and not dbits & dmask:
                    continue
                for eb, ec in epart:
                    dd = eb & dbits
                    if not dd or not ec:
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
        return out

    def all_ip_ranges(self) -> list[IPRange]:
        out: list[IPRange] = []
        for cp in self.policies:
            for cr in (*cp.ingress, *cp.egress):
                if not cr.rule.all_peers:
                    out.extend(cr.ip_ranges)
        return out

    def external_conns(self, pod_class: PodClass, direction: str, ip: IPRange) -> ConnectionSet:
        """What ``pod_class`` allows in ``direction`` with the external range ``ip`` (which
        should not straddle an ipBlock boundary). Ingress: from ``ip``; egress: to ``ip``."""
        if self.host_node_bits >> pod_class.index & 1:
            return ConnectionSet.all()
        pols = (self.ingress_of if direction == INGRESS else self.egress_of)[pod_class.index]
        if not pols:
            return ConnectionSet.all()
        allowed = ConnectionSet.none()
        dst = pod_class if direction == INGRESS else None
        for cp in pols:
            for cr in cp.ingress if direction == INGRESS else cp.egress:
                if any(r.contains(ip) for r in cr.ip_ranges):
                    c, _ = self.rule_conns(cr, dst)
                    allowed = allowed | c
        return allowed

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

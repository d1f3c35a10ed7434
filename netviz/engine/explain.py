"""Why traffic between two peers is allowed or denied: the one explanation structure that the
CLI (``netviz list --explain``, ``netviz eval``), the Explanation panel and the graph's tooltips
render (``netviz.export.explain``, ``netviz.cli.eval_cmd``, ``netviz.viewmodel.explain``).

A ``PairExplanation`` holds, for one pair (source, destination):

- ``regions``: the connection space (TCP, UDP, SCTP x ports 1-65535, or one probed port) cut
  into pieces where the same rules decide. Each region has one ``Side`` per direction (the
  source's egress, the destination's ingress) with the *tier chain* that decided it: the
  ``Step``s in evaluation order, e.g. "Admin tier: AdminNetworkPolicy 'x' priority 5, ingress
  rule 'pass-monitoring' (#2): Pass" -> "NetworkPolicy tier: ns/np ingress rule #1 allows". A
  region is allowed when both sides allow it.
- ``egress``/``ingress``: ``DirectionExplanation``s, the per-direction detail: every policy
  that selects the pod, grouped by tier in evaluation order, with *every* rule of theirs for
  the direction: whether its peers match the other end, what its ports cover for this pair,
  and what it actually decided (``RuleOutcome.decided``: nothing when a rule before it, or a
  higher tier, had already decided those connections).
- ``notes``: what the user must know to read it (named ports that resolve nowhere, the stated
  assumptions of ``Analyzer.assumptions`` when cluster policies are involved).

How a side is decided (``netviz.engine.tiers``): the Admin tier's matching rules in precedence
order, first match wins (Accept/Allow and Deny final, Pass goes on); then, if NetworkPolicies
select the pod, their verdict (a region allowed by several rules of one policy is credited to
the first of them; several policies that allow it are all listed; when none allows it, every
selecting policy says why: no rules in the direction, a rule whose peers match but whose ports
do not cover the region, or no rule matching the other end); otherwise the Baseline tier's
matching rules, first match wins; otherwise the default (allowed). An external address, or a
hostNetwork pod handled as node traffic, has no policy of its own: its side is the default.

Workloads are explained through one pod class (see ``netviz.engine.connlist`` for how the list
aggregates pods of one workload that differ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from netviz.engine.analyzer import (
    EGRESS,
    INGRESS,
    Analyzer,
    DirectionVerdict,
    PodClass,
    RuleMatch,
    VirtualPod,
)
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange
from netviz.model import NetworkPolicy, Pod, Rule, Source
from netviz.model.cluster_policy import Action, ClusterPolicy, ClusterRule, Tier
from netviz.model.keys import VerdictKind


class Layer(Enum):
    """Where a step of the chain comes from, in evaluation order."""

    ADMIN = "Admin"
    NETWORK_POLICY = "NetworkPolicy"
    BASELINE = "Baseline"
    DEFAULT = "default"

    @property
    def order(self) -> int:
        return _LAYER_ORDER[self]


_LAYER_ORDER = {Layer.ADMIN: 0, Layer.NETWORK_POLICY: 1, Layer.BASELINE: 2, Layer.DEFAULT: 3}


class Outcome(Enum):
    ACCEPT = "accept"  # a cluster rule accepts (Allow / Accept): final
    DENY = "deny"  # a cluster rule denies: final
    PASS = "pass"  # a cluster rule passes to the next tier
    ALLOWS = "allows"  # a NetworkPolicy rule allows
    PORTS_MISMATCH = "ports-mismatch"  # a NetworkPolicy rule's peers match, its ports do not
    #: a NetworkPolicy rule's peers match, but its ports are all names that resolve on no
    #: container port of the destination
    NAMED_UNMATCHED = "named-unmatched"
    NOT_ALLOWED = "not-allowed"  # no rule of the NetworkPolicy matches the other end
    NO_RULES = "no-rules"  # the NetworkPolicy has no rule in this direction
    DEFAULT = "default"  # nothing decided: allowed (the Kubernetes default)
    GATE_ALLOWS = "gate-allows"  # an Ingress/Route leads to the destination on these ports
    GATE_MISMATCH = "gate-mismatch"  # an Ingress/Route leads to it, but not on these ports


_OUTCOME_OF_ACTION = {Action.ACCEPT: Outcome.ACCEPT, Action.DENY: Outcome.DENY,
                      Action.PASS: Outcome.PASS}
#: compatibility names (the reference explain wording keys)
ALLOWS = Outcome.ALLOWS
NO_RULES = Outcome.NO_RULES
PORTS_MISMATCH = Outcome.PORTS_MISMATCH
NAMED_UNMATCHED = Outcome.NAMED_UNMATCHED
NOT_ALLOWED = Outcome.NOT_ALLOWED
GATE_ALLOWS = Outcome.GATE_ALLOWS
GATE_MISMATCH = Outcome.GATE_MISMATCH


@dataclass(frozen=True)
class Gate:
    """An object other than a policy that decides part of a pair's ingress side: for the
    ingress controller, one (Ingress or Route, Service) path to the destination
    (``netviz.engine.ingress.IngressPath``) and the ports it leads to."""

    kind: str  # "Ingress" | "Route": the rule kind shown in explanations
    name: str  # ns/name of the object
    service: str
    connections: ConnectionSet
    #: where the object is written (for links; not part of equality)
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Step:
    """One link of a tier chain: a rule (or a policy, or the default) and what it said."""

    layer: Layer
    outcome: Outcome
    policy: NetworkPolicy | ClusterPolicy | None = None
    rule_index: int | None = None  # 0-based
    direction: str = INGRESS
    unresolved: tuple[str, ...] = ()  # named ports of the rule that resolve nowhere here
    fail_closed: bool = False  # a cluster rule with an unknown peer, applied as Deny all
    gate: Gate | None = None  # the GATE_* outcomes: the Ingress/Route path

    @property
    def rule(self) -> Rule | ClusterRule | None:
        if self.policy is None or self.rule_index is None:
            return None
        rules = self.policy.ingress if self.direction == INGRESS else self.policy.egress
        return rules[self.rule_index]

    @property
    def cluster_rule(self) -> ClusterRule | None:
        """The rule, when it is a cluster policy rule."""
        rule = self.rule
        return rule if isinstance(rule, ClusterRule) else None

    @property
    def kind(self) -> str:
        """``NetworkPolicy``, ``AdminNetworkPolicy``, ``Ingress``, ``Route``, ... or ``""`` for
        the default."""
        if self.gate is not None:
            return self.gate.kind
        if self.policy is None:
            return ""
        return self.policy.kind if isinstance(self.policy, ClusterPolicy) else "NetworkPolicy"

    @property
    def final(self) -> bool:
        return self.outcome not in (Outcome.PASS,)


DEFAULT_STEP = Step(Layer.DEFAULT, Outcome.DEFAULT)


@dataclass(frozen=True)
class Side:
    direction: str  # EGRESS (the source's side) or INGRESS (the destination's side)
    allowed: bool
    steps: tuple[Step, ...]  # the chain, in evaluation order
    #: False: an external address or a node-mode hostNetwork pod (no policy of its own)
    applies: bool = True

    @property
    def default_only(self) -> bool:
        return self.steps == (DEFAULT_STEP,)

    @property
    def isolated(self) -> bool:
        """Some policy decided (or took part in deciding) this side: not just the default."""
        return not self.default_only

    @property
    def decided_by(self) -> Layer:
        return self.steps[-1].layer

    @property
    def deciding(self) -> Step:
        """The step that made the final decision (the last one of the chain)."""
        return self.steps[-1]

    @property
    def reasons(self) -> tuple[Step, ...]:
        """The steps that are rules or policies (everything but the default)."""
        return tuple(s for s in self.steps if s.layer is not Layer.DEFAULT)


@dataclass(frozen=True)
class Region:
    connections: ConnectionSet
    allowed: bool
    egress: Side
    ingress: Side


@dataclass(frozen=True)
class RuleOutcome:
    """One rule of a selecting policy, for this pair."""

    index: int  # 0-based position in the policy's list for the direction
    matched: bool  # its peers match the other end
    covers: ConnectionSet  # what its ports cover for this pair (empty when not matched)
    decided: ConnectionSet  # what it decided for this pair (taking precedence into account)
    unresolved: tuple[str, ...] = ()
    action: Action | None = None  # cluster rules: the action applied (fail closed: Deny)
    fail_closed: bool = False


@dataclass(frozen=True)
class PolicyRules:
    policy: NetworkPolicy | ClusterPolicy
    rules: tuple[RuleOutcome, ...]  # every rule of the policy for the direction, in order

    @property
    def decided(self) -> ConnectionSet:
        out = ConnectionSet.none()
        for r in self.rules:
            out = out | r.decided
        return out


@dataclass(frozen=True)
class TierPolicies:
    layer: Layer
    policies: tuple[PolicyRules, ...]  # in evaluation order


#: DirectionExplanation.state values
GOVERNED = "isolated"  # some policy of some tier selects the pod for the direction
NOT_GOVERNED = "not-isolated"
EXTERNAL = "external"
NODE = "node"
SAME_POD = "same-pod"


@dataclass(frozen=True)
class DirectionExplanation:
    direction: str
    state: str  # GOVERNED, NOT_GOVERNED, EXTERNAL, NODE, SAME_POD
    allowed: ConnectionSet  # what this side allows (within the explained connections)
    tiers: tuple[TierPolicies, ...] = ()  # tiers with policies selecting the pod, in order

    def layer(self, layer: Layer) -> TierPolicies | None:
        for t in self.tiers:
            if t.layer is layer:
                return t
        return None


@dataclass(frozen=True)
class PairExplanation:
    src: str  # peer key or label
    dst: str
    regions: tuple[Region, ...]
    egress: DirectionExplanation
    ingress: DirectionExplanation
    same_pod: bool = False
    notes: tuple[str, ...] = ()

    @property
    def default_only(self) -> bool:
        """Nothing but the default decided anything, in either direction."""
        return all(r.egress.default_only and r.ingress.default_only for r in self.regions)

    @property
    def allowed(self) -> ConnectionSet:
        out = ConnectionSet.none()
        for r in self.regions:
            if r.allowed:
                out = out | r.connections
        return out

    @property
    def universe(self) -> ConnectionSet:
        out = ConnectionSet.none()
        for r in self.regions:
            out = out | r.connections
        return out

    @property
    def verdict(self) -> VerdictKind:
        """``allowed`` (everything explained is allowed), ``partial`` or ``denied``."""
        a = self.allowed
        if not a:
            return VerdictKind.DENIED
        return VerdictKind.ALLOWED if a == self.universe else VerdictKind.PARTIAL

    @property
    def sides(self) -> tuple[DirectionExplanation, DirectionExplanation]:
        return (self.egress, self.ingress)

    def region_for(self, protocol: str, port: int) -> Region | None:
        for r in self.regions:
            if r.connections.contains(protocol, port):
                return r
        return None


# --------------------------------------------------------------------------- building


_Chunk = tuple[ConnectionSet, bool, tuple[Step, ...]]


def _cluster_step(m: RuleMatch) -> Step:
    assert m.action is not None
    layer = Layer.ADMIN if m.tier is Tier.ADMIN else Layer.BASELINE
    return Step(layer, _OUTCOME_OF_ACTION[m.action], m.policy, m.rule_index, m.direction,
                m.unresolved, m.fail_closed)


def _np_chunks(dv: DirectionVerdict, conns: ConnectionSet, prefix: tuple[Step, ...]) -> list[_Chunk]:
    """The NetworkPolicy tier's verdict on ``conns``: regions keyed by the allowing rules."""
    parts: dict[tuple[tuple[int, int], ...], ConnectionSet] = {(): conns}
    by_policy: dict[int, list[RuleMatch]] = {}
    order = {id(p): i for i, p in enumerate(dv.selecting)}
    for m in dv.matches:
        by_policy.setdefault(order[id(m.policy)], []).append(m)
    for pi in sorted(by_policy):
        covered = ConnectionSet.none()
        for m in by_policy[pi]:
            # within one policy a region is credited to its first allowing rule (the
            # reference's convention); across policies every allowing policy is listed
            rc = m.connections - covered
            covered = covered | m.connections
            if not rc:
                continue
            key = (pi, m.rule_index)
            new: dict[tuple[tuple[int, int], ...], ConnectionSet] = {}
            for sig, cs in parts.items():
                inside = cs & rc
                outside = cs - rc
                if inside:
                    k = (*sig, key)
                    new[k] = new.get(k, ConnectionSet.none()) | inside
                if outside:
                    new[sig] = new.get(sig, ConnectionSet.none()) | outside
            parts = new
    out: list[_Chunk] = []
    d = dv.direction
    for sig, cs in parts.items():
        if sig:
            steps = tuple(
                Step(Layer.NETWORK_POLICY, Outcome.ALLOWS, dv.selecting[pi], ri, d,
                     _unresolved(dv, pi, ri))
                for pi, ri in sig
            )
            out.append((cs, True, prefix + steps))
            continue
        reasons: list[Step] = []
        for pi, policy in enumerate(dv.selecting):
            rules = policy.ingress if d == INGRESS else policy.egress
            hits = by_policy.get(pi, [])
            if not rules:
                reasons.append(Step(Layer.NETWORK_POLICY, Outcome.NO_RULES, policy, None, d))
            elif hits:
                # within one policy the first rule that selects the other end speaks for the
                # policy (the reference unions a policy's rules without collecting reasons)
                m = hits[0]
                outcome = (Outcome.NAMED_UNMATCHED if m.unresolved and not m.connections
                           else Outcome.PORTS_MISMATCH)
                reasons.append(Step(Layer.NETWORK_POLICY, outcome, policy, m.rule_index, d,
                                    m.unresolved))
            else:
                reasons.append(Step(Layer.NETWORK_POLICY, Outcome.NOT_ALLOWED, policy, None, d))
        out.append((cs, False, prefix + tuple(reasons)))
    return out


def _unresolved(dv: DirectionVerdict, pi: int, ri: int) -> tuple[str, ...]:
    pol = dv.selecting[pi]
    for m in dv.matches:
        if m.policy is pol and m.rule_index == ri:
            return m.unresolved
    return ()


def _baseline_chunks(dv: DirectionVerdict, conns: ConnectionSet, prefix: tuple[Step, ...]) -> list[_Chunk]:
    out: list[_Chunk] = []
    rest = conns
    for m in dv.baseline_matches:
        c = m.connections & rest
        if not c:
            continue
        rest = rest - c
        step = _cluster_step(m)
        if step.outcome is Outcome.ACCEPT:
            out.append((c, True, (*prefix, step)))
        elif step.outcome is Outcome.DENY:
            out.append((c, False, (*prefix, step)))
        else:  # v1alpha2 Baseline Pass: on to the default
            out.append((c, True, (*prefix, step, DEFAULT_STEP)))
        if not rest:
            break
    if rest:
        out.append((rest, True, (*prefix, DEFAULT_STEP)))
    return out


def side_chunks(dv: DirectionVerdict, universe: ConnectionSet) -> list[_Chunk]:
    """``universe`` cut into (connections, allowed, chain) for one direction."""
    if not dv.applies or not dv.governed:
        return [(universe, True, (DEFAULT_STEP,))]
    out: list[_Chunk] = []
    flows: list[tuple[ConnectionSet, tuple[Step, ...]]] = []
    rest = universe
    for m in dv.admin_matches:
        c = m.connections & rest
        if not c:
            continue
        rest = rest - c
        step = _cluster_step(m)
        if step.outcome is Outcome.ACCEPT:
            out.append((c, True, (step,)))
        elif step.outcome is Outcome.DENY:
            out.append((c, False, (step,)))
        else:
            flows.append((c, (step,)))
        if not rest:
            break
    if rest:
        flows.append((rest, ()))
    for conns, prefix in flows:
        if dv.isolated:
            out.extend(_np_chunks(dv, conns, prefix))
        else:
            out.extend(_baseline_chunks(dv, conns, prefix))
    return out


def _direction_detail(dv: DirectionVerdict, chunks: Sequence[_Chunk], state: str) -> DirectionExplanation:
    allowed = ConnectionSet.none()
    for cs, ok, _ in chunks:
        if ok:
            allowed = allowed | cs
    if state != GOVERNED:
        return DirectionExplanation(dv.direction, state, allowed)
    decided: dict[tuple[int, int], ConnectionSet] = {}
    for cs, _, steps in chunks:
        for st in steps:
            if st.policy is not None and st.rule_index is not None and st.outcome in (
                Outcome.ACCEPT, Outcome.DENY, Outcome.PASS, Outcome.ALLOWS
            ):
                k = (id(st.policy), st.rule_index)
                decided[k] = decided.get(k, ConnectionSet.none()) | cs
    tiers_out: list[TierPolicies] = []
    groups: list[tuple[Layer, Sequence[NetworkPolicy | ClusterPolicy], Sequence[RuleMatch]]] = [
        (Layer.ADMIN, dv.admin, dv.admin_matches),
        (Layer.NETWORK_POLICY, dv.selecting, dv.matches),
        (Layer.BASELINE, dv.baseline, dv.baseline_matches),
    ]
    for layer, policies, matches in groups:
        if not policies:
            continue
        by_rule = {(id(m.policy), m.rule_index): m for m in matches}
        pols: list[PolicyRules] = []
        for pol in policies:
            rules = pol.ingress if dv.direction == INGRESS else pol.egress
            outs: list[RuleOutcome] = []
            for i, rule in enumerate(rules):
                m = by_rule.get((id(pol), i))
                cluster_rule = rule if isinstance(rule, ClusterRule) else None
                if m is None:
                    outs.append(RuleOutcome(
                        i, False, ConnectionSet.none(), ConnectionSet.none(), (),
                        cluster_rule.action if cluster_rule else None,
                        cluster_rule.fail_closed if cluster_rule else False,
                    ))
                else:
                    outs.append(RuleOutcome(i, True, m.connections,
                                            decided.get((id(pol), i), ConnectionSet.none()),
                                            m.unresolved, m.action, m.fail_closed))
            pols.append(PolicyRules(pol, tuple(outs)))
        tiers_out.append(TierPolicies(layer, tuple(pols)))
    return DirectionExplanation(dv.direction, state, allowed, tuple(tiers_out))


def _regions(eg: Sequence[_Chunk], ing: Sequence[_Chunk], eg_applies: bool,
             ing_applies: bool) -> tuple[Region, ...]:
    merged: dict[tuple[bool, tuple[Step, ...], bool, tuple[Step, ...]], ConnectionSet] = {}
    for ecs, eok, esteps in eg:
        for ics, iok, isteps in ing:
            c = ecs & ics
            if not c:
                continue
            k = (eok, esteps, iok, isteps)
            merged[k] = merged.get(k, ConnectionSet.none()) | c
    return tuple(
        Region(cs, eok and iok, Side(EGRESS, eok, esteps, eg_applies),
               Side(INGRESS, iok, isteps, ing_applies))
        for (eok, esteps, iok, isteps), cs in merged.items()
    )


def _state(an: Analyzer, dv: DirectionVerdict, pc: PodClass | VirtualPod | None) -> str:
    if pc is None:
        return EXTERNAL
    if not dv.applies:
        return NODE
    return GOVERNED if dv.governed else NOT_GOVERNED


def explain_pair(
    an: Analyzer,
    src: PodClass | VirtualPod | IPRange,
    dst: PodClass | IPRange,
    src_key: str,
    dst_key: str,
    universe: ConnectionSet | None = None,
    gates: Sequence[Gate] = (),
    notes: Sequence[str] = (),
) -> PairExplanation:
    """Explain traffic from ``src`` to ``dst`` (pod classes, a virtual pod as source, or
    external ranges; an external range should be one of the pieces of
    ``connlist.direction_atoms`` to be uniform) over ``universe`` (default: every connection).

    ``gates`` (the ingress controller's Ingress/Route paths to ``dst``) are a second condition
    on the ingress side: a region is allowed there only when the policies allow it *and* some
    gate leads to it. The side then lists, after the policies' steps, the gates that allow the
    region, or every gate when none does (the reference's wording)."""
    universe = universe if universe is not None else ConnectionSet.all()
    sc = src if isinstance(src, PodClass | VirtualPod) else None
    dc = dst if isinstance(dst, PodClass) else None
    eg = an.side(EGRESS, sc, dc, dst if isinstance(dst, IPRange) else None, dc)
    ing = an.side(INGRESS, dc, sc, src if isinstance(src, IPRange) else None, dc)
    return _build(an, eg, ing, sc, dc, src_key, dst_key, universe, notes, gates)


def _gated(chunks: Sequence[_Chunk], gates: Sequence[Gate]) -> list[_Chunk]:
    """The ingress side's chunks with the gates as a second condition (the default step of
    a side no policy decides gives way to the gates' reasons)."""
    out: list[_Chunk] = []
    for cs, ok, steps in chunks:
        base = tuple(st for st in steps if st.layer is not Layer.DEFAULT)
        parts: dict[tuple[int, ...], ConnectionSet] = {(): cs}
        for gi, gate in enumerate(gates):
            new: dict[tuple[int, ...], ConnectionSet] = {}
            for sig, c in parts.items():
                inside = c & gate.connections
                outside = c - gate.connections
                if inside:
                    k = (*sig, gi)
                    new[k] = new.get(k, ConnectionSet.none()) | inside
                if outside:
                    new[sig] = new.get(sig, ConnectionSet.none()) | outside
            parts = new
        for sig, c in parts.items():
            if sig:
                gsteps = tuple(Step(Layer.NETWORK_POLICY, Outcome.GATE_ALLOWS, None, None, INGRESS,
                                    gate=gates[gi]) for gi in sig)
                out.append((c, ok, base + gsteps))
            else:
                gsteps = tuple(Step(Layer.NETWORK_POLICY, Outcome.GATE_MISMATCH, None, None,
                                    INGRESS, gate=g) for g in gates)
                out.append((c, False, base + gsteps))
    return out


def _build(an: Analyzer, eg: DirectionVerdict, ing: DirectionVerdict,
           sc: PodClass | VirtualPod | None, dc: PodClass | None, src_key: str, dst_key: str,
           universe: ConnectionSet, notes: Sequence[str],
           gates: Sequence[Gate] = ()) -> PairExplanation:
    eg_chunks = side_chunks(eg, universe)
    ing_chunks = side_chunks(ing, universe)
    if gates:
        ing_chunks = _gated(ing_chunks, gates)
    regions = _regions(eg_chunks, ing_chunks, eg.applies and sc is not None,
                       ing.applies and dc is not None)
    all_notes = list(notes)
    unresolved: list[str] = []
    for dv in (eg, ing):
        for m in (*dv.admin_matches, *dv.matches, *dv.baseline_matches):
            unresolved.extend(m.unresolved)
    if unresolved:
        all_notes.append(
            "Named ports that resolve on no container of the destination (they match nothing "
            f"here): {', '.join(dict.fromkeys(unresolved))}."
        )
    if any(dv.admin or dv.baseline for dv in (eg, ing)):
        all_notes.extend(f"Assumption: {a}." for a in an.assumptions())
    return PairExplanation(
        src_key,
        dst_key,
        regions,
        _direction_detail(eg, eg_chunks, _state(an, eg, sc)),
        _direction_detail(ing, ing_chunks, _state(an, ing, dc)),
        notes=tuple(all_notes),
    )


def explain_endpoints(
    an: Analyzer,
    src: Pod | IPRange,
    dst: Pod | IPRange,
    src_key: str,
    dst_key: str,
    universe: ConnectionSet | None = None,
    notes: Sequence[str] = (),
) -> PairExplanation:
    """``explain_pair`` for a pod or address on each side (``Analyzer.verdict``'s endpoints);
    a pod and itself is always allowed."""
    if isinstance(src, IPRange) and isinstance(dst, IPRange):
        raise ValueError("at least one side must be a pod")
    universe = universe if universe is not None else ConnectionSet.all()
    if isinstance(src, Pod) and isinstance(dst, Pod) and src.key == dst.key:
        e = DirectionExplanation(EGRESS, SAME_POD, universe)
        i = DirectionExplanation(INGRESS, SAME_POD, universe)
        region = Region(universe, True, Side(EGRESS, True, (DEFAULT_STEP,)),
                        Side(INGRESS, True, (DEFAULT_STEP,)))
        return PairExplanation(src_key, dst_key, (region,), e, i, same_pod=True,
                               notes=tuple(notes))
    sc = an.class_of(src) if isinstance(src, Pod) else src
    dc = an.class_of(dst) if isinstance(dst, Pod) else dst
    return explain_pair(an, sc, dc, src_key, dst_key, universe, notes=notes)

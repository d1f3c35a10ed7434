"""Why a pair of peers is allowed or denied, port by port: the structure behind ``--explain``
and ``netviz eval``.

For a pair (source, destination) each side that a policy isolates contributes the rules whose
peers match the other end, each with the connections its ports allow there. The connection
space (TCP, UDP, SCTP x ports 1-65535, or one probed port) is cut into *regions* where the
same rules apply; each region is allowed when both sides allow it. A side that no policy
isolates allows everything "due to the system default"; an external address has no side of
its own (its side is always the system default).

In a region a side denies, every policy that isolates it says why, in one of three ways
(the reference explain format's wording): the policy has no rule in that direction ("no rules
defined"); a rule's peers match the other end but its ports do not cover the region ("rule #k
selects ..., but the protocols and ports do not match"); or no rule's peers match the other end.

A region allowed by several rules of one policy is credited to the first of them (lowest
index); several policies that allow it are all listed. Likewise a region denied by a policy
whose rules select the other end on other ports is explained by the first of those rules only.

Workloads: a workload's explanation is that of its first pod class (pods of one owner normally
share labels; see ``netviz.engine.connlist`` for how the list aggregates differing pods).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, PodClass, VirtualPod
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange
from netviz.model import NetworkPolicy

ALLOWS = "allows"  # the rule allows the region
NO_RULES = "no-rules"  # the policy has no rule in this direction
PORTS_MISMATCH = "ports-mismatch"  # the rule's peers match, its ports do not cover the region
NAMED_UNMATCHED = "named-unmatched"  # the rule's peers match, but its ports are all names that
#                                      resolve on no container port of the destination
NOT_ALLOWED = "not-allowed"  # no rule of the policy matches the other end
GATE_ALLOWS = "gate-allows"  # an Ingress/Route leads to the destination on the region's ports
GATE_MISMATCH = "gate-mismatch"  # an Ingress/Route leads to it, but not on the region's ports


@dataclass(frozen=True)
class Gate:
    """An object other than a policy that decides part of a pair's ingress side: for the
    ingress controller, one (Ingress or Route, Service) path to the destination
    (``netviz.engine.ingress.IngressPath``) and the ports it leads to."""

    kind: str  # "Ingress" | "Route": the rule kind shown in explanations
    name: str  # ns/name of the object
    service: str
    connections: ConnectionSet


@dataclass(frozen=True)
class Reason:
    kind: str
    policy: NetworkPolicy | None  # None for the GATE_* kinds
    rule_index: int | None = None  # 0-based; the text shows it 1-based ("rule #1")
    unresolved: tuple[str, ...] = ()  # named ports of the rule that resolve nowhere here
    gate: Gate | None = None  # for the GATE_* kinds


@dataclass(frozen=True)
class Side:
    direction: str  # EGRESS (the source's side) or INGRESS (the destination's side)
    isolated: bool  # False: system default, allows everything
    allowed: bool
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Region:
    connections: ConnectionSet
    allowed: bool
    egress: Side
    ingress: Side


@dataclass(frozen=True)
class PairExplanation:
    src: str  # peer key
    dst: str
    regions: tuple[Region, ...]

    @property
    def default_only(self) -> bool:
        """Neither side is isolated: everything allowed by the system default."""
        return all(not r.egress.isolated and not r.ingress.isolated for r in self.regions)

    @property
    def allowed(self) -> ConnectionSet:
        out = ConnectionSet.none()
        for r in self.regions:
            if r.allowed:
                out = out | r.connections
        return out


_RuleKey = tuple[str, int, int]  # (direction, policy index, rule index) or ("gate", i, 0)


def _side_rules(
    an: Analyzer,
    direction: str,
    pod: PodClass | VirtualPod,
    other: PodClass | VirtualPod | None,
    other_ip: IPRange | None,
    dst: PodClass | None,
) -> tuple[list[tuple[NetworkPolicy, int, list[tuple[int, ConnectionSet, tuple[str, ...]]]]], bool]:
    """Per isolating policy: (policy, policy index, [(rule index, conns, unresolved)]) for
    the rules whose peers match the other end; and whether the side is isolated."""
    if isinstance(pod, VirtualPod):
        pols = an.virtual_policies(pod, direction)
    elif an.host_node_bits >> pod.index & 1:
        return [], False
    else:
        pols = (an.ingress_of if direction == INGRESS else an.egress_of)[pod.index]
    out = []
    for cp in pols:
        hits = []
        for cr in cp.ingress if direction == INGRESS else cp.egress:
            if an.rule_hits(cr, other, other_ip):
                conns, unresolved = an.rule_conns(cr, dst)
                hits.append((cr.index, conns, unresolved))
        out.append((cp.policy, cp.index, hits))
    return out, bool(pols)


def explain_pair(
    an: Analyzer,
    src: PodClass | VirtualPod | IPRange,
    dst: PodClass | IPRange,
    src_key: str,
    dst_key: str,
    universe: ConnectionSet | None = None,
    gates: Sequence[Gate] = (),
) -> PairExplanation:
    """Explain traffic from ``src`` to ``dst`` (pod classes, a virtual pod as source, or
    external ranges; an external range should be one of the pieces of
    ``connlist.direction_atoms`` to be uniform).

    ``gates`` (the ingress controller's Ingress/Route paths to ``dst``) are a second condition
    on the ingress side: a region is allowed there only when the policies allow it (or none
    isolates ``dst``) *and* some gate leads to it. The side then lists, after the policies'
    reasons, the gates that allow the region, or every gate when none does (the reference's
    wording: "allows ingress connections through service ...", "allows ingress to service
    ..., but the protocols and ports do not match")."""
    universe = universe if universe is not None else ConnectionSet.all()
    sc = src if isinstance(src, PodClass | VirtualPod) else None
    dc = dst if isinstance(dst, PodClass) else None
    s_ip = src if isinstance(src, IPRange) else None
    d_ip = dst if isinstance(dst, IPRange) else None
    sides: dict[str, tuple[list, bool]] = {}  # type: ignore[type-arg]
    sides[EGRESS] = (
        _side_rules(an, EGRESS, sc, dc, d_ip, dc) if sc is not None else ([], False)
    )
    sides[INGRESS] = (
        _side_rules(an, INGRESS, dc, sc, s_ip, dc) if dc is not None else ([], False)
    )
    # refine the universe by every matching rule's connections
    parts: dict[frozenset[_RuleKey], ConnectionSet] = {frozenset(): universe}
    for direction, (pols, _) in sides.items():
        for _policy, pi, hits in pols:
            covered = ConnectionSet.none()
            for ri, rule_conns, _u in hits:
                # within one policy a region is credited to its first allowing rule (the
                # reference's convention); across policies every allowing policy is listed
                conns = rule_conns - covered
                covered = covered | rule_conns
                key = (direction, pi, ri)
                new: dict[frozenset[_RuleKey], ConnectionSet] = {}
                for sig, cs in parts.items():
                    inside = cs & conns
                    outside = cs - conns
                    if inside:
                        k = sig | {key}
                        new[k] = new.get(k, ConnectionSet.none()) | inside
                    if outside:
                        new[sig] = new.get(sig, ConnectionSet.none()) | outside
                parts = new
    for gi, gate in enumerate(gates):
        gkey = ("gate", gi, 0)
        new = {}
        for sig, cs in parts.items():
            inside = cs & gate.connections
            outside = cs - gate.connections
            if inside:
                k = sig | {gkey}
                new[k] = new.get(k, ConnectionSet.none()) | inside
            if outside:
                new[sig] = new.get(sig, ConnectionSet.none()) | outside
        parts = new
    regions = []
    for sig, cs in parts.items():
        side_out = {}
        for direction, (pols, isolated) in sides.items():
            if direction == INGRESS and gates:
                side_out[direction] = _gated_side(sig, pols, isolated, gates)
                continue
            if not isolated:
                side_out[direction] = Side(direction, False, True)
                continue
            allowed, reasons = _policy_reasons(direction, sig, pols)
            side_out[direction] = Side(direction, True, allowed, tuple(reasons))
        eg, ing = side_out[EGRESS], side_out[INGRESS]
        regions.append(Region(cs, eg.allowed and ing.allowed, eg, ing))
    return PairExplanation(src_key, dst_key, tuple(regions))


_Pols = list[tuple[NetworkPolicy, int, list[tuple[int, ConnectionSet, tuple[str, ...]]]]]


def _policy_reasons(direction: str, sig: frozenset[_RuleKey], pols: _Pols) -> tuple[bool, list[Reason]]:
    """Whether the isolating policies ``pols`` allow a region with signature ``sig``, and why."""
    allows = [
        Reason(ALLOWS, policy, ri, u)
        for policy, pi, hits in pols
        for ri, _c, u in hits
        if (direction, pi, ri) in sig
    ]
    if allows:
        return True, allows
    reasons: list[Reason] = []
    for policy, _pi, hits in pols:
        rules = policy.ingress if direction == INGRESS else policy.egress
        if not rules:
            reasons.append(Reason(NO_RULES, policy))
        elif hits:
            # within one policy the first rule that selects the other end speaks for the
            # policy (the reference unions a policy's rules without collecting reasons)
            ri, c, u = hits[0]
            reasons.append(Reason(NAMED_UNMATCHED if u and not c else PORTS_MISMATCH, policy, ri, u))
        else:
            reasons.append(Reason(NOT_ALLOWED, policy))
    return False, reasons


def _gated_side(
    sig: frozenset[_RuleKey], pols: _Pols, isolated: bool, gates: Sequence[Gate]
) -> Side:
    """The ingress side of a pair with gates: the policies' verdict (system default when none
    isolates the destination: it then gives no reason) and the gates'."""
    if isolated:
        pol_ok, reasons = _policy_reasons(INGRESS, sig, pols)
    else:
        pol_ok, reasons = True, []
    through = [g for gi, g in enumerate(gates) if ("gate", gi, 0) in sig]
    if through:
        reasons += [Reason(GATE_ALLOWS, None, gate=g) for g in through]
    else:
        reasons += [Reason(GATE_MISMATCH, None, gate=g) for g in gates]
    return Side(INGRESS, True, pol_ok and bool(through), tuple(reasons))

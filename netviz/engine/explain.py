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
index); several policies that allow it are all listed.

Workloads: a workload's explanation is that of its first pod class (pods of one owner normally
share labels; see ``netviz.engine.connlist`` for how the list aggregates differing pods).
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, PodClass
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange
from netviz.model import NetworkPolicy

ALLOWS = "allows"  # the rule allows the region
NO_RULES = "no-rules"  # the policy has no rule in this direction
PORTS_MISMATCH = "ports-mismatch"  # the rule's peers match, its ports do not cover the region
NOT_ALLOWED = "not-allowed"  # no rule of the policy matches the other end


@dataclass(frozen=True)
class Reason:
    kind: str
    policy: NetworkPolicy
    rule_index: int | None = None  # 0-based; the text shows it 1-based ("rule #1")
    unresolved: tuple[str, ...] = ()  # named ports of the rule that resolve nowhere here


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


_RuleKey = tuple[str, int, int]  # (direction, policy index, rule index)


def _side_rules(
    an: Analyzer,
    direction: str,
    pod: PodClass,
    other: PodClass | None,
    other_ip: IPRange | None,
    dst: PodClass | None,
) -> tuple[list[tuple[NetworkPolicy, int, list[tuple[int, ConnectionSet, tuple[str, ...]]]]], bool]:
    """Per isolating policy: (policy, policy index, [(rule index, conns, unresolved)]) for
    the rules whose peers match the other end; and whether the side is isolated."""
    if an.host_node_bits >> pod.index & 1:
        return [], False
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
    src: PodClass | IPRange,
    dst: PodClass | IPRange,
    src_key: str,
    dst_key: str,
    universe: ConnectionSet | None = None,
) -> PairExplanation:
    """Explain traffic from ``src`` to ``dst`` (pod classes or external ranges; an external
    range should be one of the pieces of ``connlist.direction_atoms`` to be uniform)."""
    universe = universe if universe is not None else ConnectionSet.all()
    sc = src if isinstance(src, PodClass) else None
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
    regions = []
    for sig, cs in parts.items():
        side_out = {}
        for direction, (pols, isolated) in sides.items():
            if not isolated:
                side_out[direction] = Side(direction, False, True)
                continue
            allows = [
                Reason(ALLOWS, policy, ri, u)
                for policy, pi, hits in pols
                for ri, _c, u in hits
                if (direction, pi, ri) in sig
            ]
            if allows:
                side_out[direction] = Side(direction, True, True, tuple(allows))
                continue
            reasons: list[Reason] = []
            for policy, _pi, hits in pols:
                rules = policy.ingress if direction == INGRESS else policy.egress
                if not rules:
                    reasons.append(Reason(NO_RULES, policy))
                elif hits:
                    reasons.extend(Reason(PORTS_MISMATCH, policy, ri, u) for ri, _c, u in hits)
                else:
                    reasons.append(Reason(NOT_ALLOWED, policy))
            side_out[direction] = Side(direction, True, False, tuple(reasons))
        eg, ing = side_out[EGRESS], side_out[INGRESS]
        regions.append(Region(cs, eg.allowed and ing.allowed, eg, ing))
    return PairExplanation(src_key, dst_key, tuple(regions))

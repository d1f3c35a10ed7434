"""Policy tiers: how AdminNetworkPolicy / ClusterNetworkPolicy (Admin tier), NetworkPolicy and
BaselineAdminNetworkPolicy / ClusterNetworkPolicy (Baseline tier) decide together.

The semantics (kubernetes-sigs/network-policy-api: ``apis/v1alpha1`` at v0.1.7, ``apis/v1alpha2``
at v0.2.0, the comments on ``Priority``, ``Tier``, ``Action`` and the peer types), per
direction (the source's egress and the destination's ingress are decided apart; traffic needs
both), per connection (protocol and port):

1. **Admin tier.** The Admin-tier policies whose subject selects the pod, in priority order
   (lower first), each one's rules for the direction in the order written. The first rule whose
   peers match the other end and whose ports cover the connection decides: ``Accept``/``Allow``
   and ``Deny`` are final; ``Pass`` skips the rest of the tier. A policy with no rules in a
   direction does not affect it.
2. **NetworkPolicy tier.** If a NetworkPolicy selects the pod for the direction, its verdict is
   final: allowed when one of their rules allows the connection, otherwise denied.
3. **Baseline tier.** Otherwise the Baseline-tier policies (the BaselineAdminNetworkPolicy
   ``default``, Baseline ClusterNetworkPolicies by priority) in the same first-match way:
   ``Accept``/``Allow``, ``Deny``, and (v1alpha2) ``Pass`` to the next tier.
4. **Default**: allowed.

So the allowed set of one direction is ``A | ((ALL - A - D) & N)`` when NetworkPolicies select
the pod (``A``/``D``: what the Admin tier accepts/denies, ``N``: what the NetworkPolicies
allow), else ``A | (ALL - A - D - BD)`` (``BD``: what the Baseline tier denies).

A *tier state* is ``(accepted, denied, passed)``: the connections decided so far by the rules
of one tier, for one peer. ``apply_rule`` adds a rule's connections minus those already decided
(first match wins). Partitions (peer class bits -> state) use the same step on bitsets; see
``netviz.engine.analyzer``.

Peers that cannot be known statically (the analyzer states these, ``Analyzer.assumptions``):
``domainNames`` match no address (DNS is not resolved); ``nodes`` match the addresses of loaded
Node objects only; ``networks`` match external ranges, and pods only when their IPs are known
(live-cluster snapshots). Host-network pods are never selected by a subject or a
``namespaces``/``pods`` peer (the API).
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange
from netviz.model.cluster_policy import Action, ClusterPolicy, ClusterRule, Tier

State = tuple[ConnectionSet, ConnectionSet, ConnectionSet]
_NONE = ConnectionSet.none()
_ALL = ConnectionSet.all()
EMPTY: State = (_NONE, _NONE, _NONE)


@dataclass
class CompiledClusterRule:
    policy: ClusterPolicy
    direction: str
    index: int  # position in the policy's ingress/egress list
    rule: ClusterRule
    #: the action applied: the rule's, except that a fail-closed Deny/Pass rule denies all
    action: Action
    peer_bits: int  # pod classes its peers match
    ip_ranges: tuple[IPRange, ...]  # addresses its networks/nodes peers match
    const_conns: ConnectionSet  # what its numbered ports cover (everything without ports)
    named: tuple[str, ...]  # named ports, resolved on the destination pod

    @property
    def tier(self) -> Tier:
        return self.policy.tier


@dataclass
class CompiledClusterPolicy:
    index: int
    policy: ClusterPolicy
    selected: int  # classes the subject selects (never host-network pods)
    ingress: list[CompiledClusterRule]
    egress: list[CompiledClusterRule]

    def rules(self, direction: str) -> list[CompiledClusterRule]:
        return self.ingress if direction == "Ingress" else self.egress


def apply_rule(state: State, conns: ConnectionSet, action: Action) -> State:
    """``state`` after one more rule (in precedence order) covering ``conns``."""
    a, d, p = state
    new = conns - (a | d | p)
    if not new:
        return state
    if action is Action.ACCEPT:
        return (a | new, d, p)
    if action is Action.DENY:
        return (a, d | new, p)
    return (a, d, p | new)


def split(parts: dict[State, int], bits: int, conns: ConnectionSet, action: Action) -> dict[State, int]:
    """Refine a partition of peers: members inside ``bits`` apply the rule."""
    out: dict[State, int] = {}
    for state, b in parts.items():
        inside = b & bits
        outside = b & ~bits
        if inside:
            k = apply_rule(state, conns, action)
            out[k] = out.get(k, 0) | inside
        if outside:
            out[state] = out.get(state, 0) | outside
    return out


def decide(admin: State, np_allowed: ConnectionSet | None, baseline: State) -> ConnectionSet:
    """The allowed connections of one direction: Admin tier, then NetworkPolicy (when
    ``np_allowed`` is not None: the pod is selected by a NetworkPolicy), else Baseline tier."""
    a, d, _ = admin
    if np_allowed is not None:
        if not a and not d:
            return np_allowed
        return a | ((_ALL - a - d) & np_allowed)
    if not a and not d and not baseline[1]:
        return _ALL
    return a | (_ALL - a - d - baseline[1])


def combine(
    admin: dict[State, int],
    np_parts: tuple[tuple[int, ConnectionSet], ...] | None,
    baseline: dict[State, int],
) -> tuple[tuple[int, ConnectionSet], ...]:
    """The final partition (peer bits, allowed) from the tier partitions."""
    out: dict[ConnectionSet, int] = {}
    if np_parts is not None:
        for st, b1 in admin.items():
            for b2, n in np_parts:
                b = b1 & b2
                if b:
                    c = decide(st, n, EMPTY)
                    out[c] = out.get(c, 0) | b
    else:
        for st, b1 in admin.items():
            for bst, b2 in baseline.items():
                b = b1 & b2
                if b:
                    c = decide(st, None, bst)
                    out[c] = out.get(c, 0) | b
    return tuple((b, c) for c, b in out.items() if b)

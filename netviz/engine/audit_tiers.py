"""Audit of the policy tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy): what a reviewer of cluster-wide policies wants to know.

Rules this module keeps: pure (reads an ``Analyzer``); asks the engine every question of
semantics (which pods a subject selects, which pods and addresses a peer matches, what a rule's
ports cover on a destination, the tier order); findings name policies as ``Kind name`` and
rules as ``ingress rule 'name' (#k)``.

The codes and their definitions (also in the README and ``netviz.engine.audit``):

``policy-selects-nothing`` and ``peer-matches-nothing`` (warning)
    As for NetworkPolicies: a cluster policy whose subject selects no pod (host-network pods are
    never selected), a ``namespaces``/``pods`` peer that matches no pod.
``tier-same-priority`` (warning)
    Two policies of one tier with one priority that can both match a connection: some pod both
    select, and rules of the two in one direction whose peers and ports overlap. "The
    implementation can apply any of the matching policies to the connection, and there is no
    way for the user to reliably determine which one it will choose" (the API); netviz takes
    them by name and says so.
``tier-rule-shadowed`` (warning)
    A rule that never decides anything: for every pod its policy selects, everything the rule
    matches (peers and ports, addresses included) is already decided by rules before it in the
    same tier (earlier rules of its policy, or policies of higher precedence).
``tier-pass-to-default`` (warning or info)
    A Pass rule that falls through to nothing: the pods it applies to are selected by no
    NetworkPolicy for that direction and by no Baseline-tier policy, so what it passes is
    allowed by default (a Pass that means Allow). *warning* when that holds for every pod its
    policy selects, *info* when for some. A Baseline-tier Pass (v1alpha2) always goes to the
    default: *info*.
``baseline-unreachable`` (warning)
    A Baseline-tier rule no pod's traffic can reach: every pod its policy selects is selected by
    NetworkPolicies for that direction (their verdict is final), or the Admin tier decides
    everything the rule matches first.
``networks-match-pods`` (warning or info)
    An egress rule whose ``networks`` may hold pod addresses, where pod IPs are not known
    (manifests). The API: "cluster-internal traffic will be checked against the rule as well.
    So if you Accept or Deny traffic to 0.0.0.0/0, that will allow or deny all IPv4 pod-to-pod
    traffic as well. If you don't want that, add a rule that Passes all pod traffic before the
    Networks rule." netviz assumes pods without IPs lie outside every ``networks`` CIDR
    (``Analyzer.assumptions``), so for such a rule the picture of pod traffic rests on that
    assumption. *warning* when a CIDR is a whole address space (``0.0.0.0/0``, ``::/0``: every
    pod of that family is inside), *info* when it overlaps the private ranges pods are
    numbered from (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Not reported when the
    rules before it (its tier, in order) already decide all pod traffic it could match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from netviz.engine import tiers
from netviz.engine.analyzer import INGRESS, Analyzer, PodClass, bits_iter
from netviz.engine.connections import ConnectionSet
from netviz.engine.findings import Finding
from netviz.engine.ipranges import IPRange, atoms
from netviz.engine.tiers import CompiledClusterPolicy, CompiledClusterRule
from netviz.model import Source
from netviz.model.cluster_policy import NAMESPACES, NETWORKS, PODS, Action, ClusterPolicy, Tier
from netviz.model.diagnostics import Severity

TIER_CODES: tuple[str, ...] = (
    "tier-same-priority",
    "tier-rule-shadowed",
    "tier-pass-to-default",
    "baseline-unreachable",
    "networks-match-pods",
)
#: where pod networks are numbered from (RFC 1918, RFC 6598 shared space, unique local IPv6)
_POD_SPACES = tuple(IPRange.from_cidr(c) for c in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))
_DIRECTIONS = ("Ingress", "Egress")


def cluster_policy_ref(policy: ClusterPolicy) -> str:
    return f"{policy.kind} {policy.name}"


def rule_label(cr: CompiledClusterRule) -> str:
    name = cr.rule.name
    word = cr.direction.lower()
    return f"{word} rule '{name}' (#{cr.index + 1})" if name else f"{word} rule #{cr.index + 1}"


def _source(cr: CompiledClusterRule) -> Source | None:
    return cr.rule.source or cr.policy.source


def _workloads(an: Analyzer, bits: int) -> list[str]:
    keys: dict[str, None] = {}
    for c in bits_iter(bits):
        for pod in an.classes[c].pods:
            keys[pod.workload_key] = None
    return sorted(keys)


def _listed(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def tier_findings(an: Analyzer) -> list[Finding]:
    if not an.cluster_policies:
        return []
    out: list[Finding] = []
    out += _selects_nothing(an)
    out += _same_priority(an)
    shadowed: set[tuple[str, str, int]] = set()
    out += _shadowed_and_unreachable(an, shadowed)
    # a shadowed Pass never passes anything: the shadowing finding says all there is
    out += _pass_to_default(an, shadowed)
    out += _networks_match_pods(an)
    return out


def _pod_traffic_reaches(an: Analyzer, cp: CompiledClusterPolicy, index: int,
                         as_pods: CompiledClusterRule, pc: PodClass) -> bool:
    """Whether some pod traffic that ``as_pods`` (egress rule ``index`` of ``cp``, made to
    match pods) covers for subject class ``pc`` reaches it: not decided by the rules before it
    in its tier and, for a Baseline-tier rule, neither by the Admin tier's Accept/Deny nor by
    NetworkPolicies that isolate ``pc``'s egress (their verdict is final)."""
    before = _preceding(an, cp.policy.tier, "Egress", pc.index, cp, index)
    if cp.policy.tier is Tier.ADMIN:
        return not _decided_before(an, before, as_pods, pc, False)
    if an.egress_of[pc.index]:
        return False
    admin = [r for other in an.cluster_policies_of(Tier.ADMIN, "Egress", pc.index)
             for r in other.rules("Egress")]
    a_parts: dict[tiers.State, int] = {tiers.EMPTY: an.all_bits}
    for r in admin:
        for bits, conns in _rule_pieces(an, r, pc):
            a_parts = tiers.split(a_parts, bits, conns, r.action)
    b_parts: dict[tiers.State, int] = {tiers.EMPTY: an.all_bits}
    for r in before:
        for bits, conns in _rule_pieces(an, r, pc):
            b_parts = tiers.split(b_parts, bits, conns, r.action)
    for bits, conns in _rule_pieces(an, as_pods, pc):
        for sa, ba in a_parts.items():
            for sb, bb in b_parts.items():
                # Admin Accept/Deny are final; an Admin Pass goes on to this tier
                if bits & ba & bb and conns - (sa[0] | sa[1]) - (sb[0] | sb[1] | sb[2]):
                    return True
    return False


def _networks_match_pods(an: Analyzer) -> list[Finding]:
    """Egress rules whose ``networks`` may hold pods whose IPs are unknown (see the module
    docstring, ``networks-match-pods``)."""
    unknown = 0  # classes none of whose pods has a known IP
    for pc in an.classes:
        if not any(p.ips for p in pc.pods):
            unknown |= 1 << pc.index
    if not unknown:
        return []
    out: list[Finding] = []
    for cp in an.cluster_policies:
        for i, cr in enumerate(cp.egress):
            if cr.rule.fail_closed:
                continue
            cidrs = [c for peer in cr.rule.peers if peer.kind == NETWORKS for c in peer.networks]
            whole = [c for c in cidrs if c.endswith("/0")]
            private = [c for c in cidrs if any(IPRange.from_cidr(c).overlaps(s)
                                               for s in _POD_SPACES)]
            if not whole and not private:
                continue
            # the rule as if its networks matched every pod of unknown IP: does anything
            # before it decide all of that pod traffic already?
            as_pods = replace(cr, peer_bits=unknown, ip_ranges=())
            met = [pc for pc in (an.classes[c] for c in bits_iter(cp.selected))
                   if _pod_traffic_reaches(an, cp, i, as_pods, pc)]
            if not met:
                continue
            shown = whole or private
            wls = _workloads(an, sum(1 << pc.index for pc in met))
            certain = bool(whole)
            out.append(Finding(
                "networks-match-pods", Severity.WARNING if certain else Severity.INFO,
                f"{cluster_policy_ref(cp.policy)}: {rule_label(cr)} "
                f"{'matches' if certain else 'may match'} pod traffic",
                f"{cluster_policy_ref(cp.policy)}, {rule_label(cr)} ({cr.rule.verb}) "
                f"has networks {', '.join(shown)}: the API checks pod-to-pod traffic against them "
                f"too ({'every pod address of that family is inside' if certain else 'pod IPs are often numbered from these ranges'}"
                f"). The pods' IPs are not known here, so netviz evaluates the traffic of "
                f"{_listed(wls)} to pods as if no pod were inside: what this rule does to it is "
                "not in the picture. Put a rule for pod peers before it (the API suggests a "
                "Pass), or open a snapshot, where pod IPs are known.",
                (cluster_policy_ref(cp.policy), *wls),
                _source(cr),
            ))
    return out


# --------------------------------------------------------------------------- selection


def _selects_nothing(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    for cp in an.cluster_policies:
        pol = cp.policy
        if not cp.selected:
            out.append(Finding(
                "policy-selects-nothing", Severity.WARNING,
                f"{pol.kind} {pol.name} selects no pod",
                f"{pol.kind} {pol.name}: subject {pol.subject} selects no pod (host-network "
                "pods are never selected), so the policy has no effect.",
                (cluster_policy_ref(pol),), pol.source,
            ))
        for cr in (*cp.ingress, *cp.egress):
            for i, peer in enumerate(cr.rule.peers):
                if peer.kind not in (NAMESPACES, PODS):
                    continue
                bits = an.cluster_peer_bits(peer.kind, peer.namespace_selector,
                                             peer.pod_selector)
                if bits:
                    continue
                assert peer.namespace_selector is not None
                why = ("its namespace selector matches no namespace"
                       if not an.matching_namespaces(peer.namespace_selector)
                       else "no pod matches it")
                out.append(Finding(
                    "peer-matches-nothing", Severity.WARNING,
                    f"{pol.kind} {pol.name}: a peer of {rule_label(cr)} matches nothing",
                    f"{pol.kind} {pol.name}, {rule_label(cr)}, peer #{i + 1} ({peer}): {why}.",
                    (cluster_policy_ref(pol),), peer.source or _source(cr),
                ))
    return out


# --------------------------------------------------------------------------- same priority


def _rules_overlap(a: CompiledClusterRule, b: CompiledClusterRule) -> bool:
    """Whether the two rules' peers and ports can match one connection."""
    peers = bool(a.peer_bits & b.peer_bits) or any(
        ra.overlaps(rb) for ra in a.ip_ranges for rb in b.ip_ranges
    )
    if not peers:
        return False
    if a.named or b.named:
        return True  # a name can resolve to any port: assume they can meet
    return bool(a.const_conns & b.const_conns)


def _same_priority(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    pols = an.cluster_policies
    for i, p in enumerate(pols):
        for q in pols[i + 1:]:
            if p.policy.tier is not q.policy.tier or p.policy.priority is None \
                    or p.policy.priority != q.policy.priority:
                continue
            common = p.selected & q.selected
            if not common:
                continue
            directions = [
                d for d in _DIRECTIONS
                if any(_rules_overlap(a, b) for a in p.rules(d) for b in q.rules(d))
            ]
            if not directions:
                continue
            first, second = p.policy, q.policy  # already in evaluation order (kind, name)
            wls = _workloads(an, common)
            out.append(Finding(
                "tier-same-priority", Severity.WARNING,
                f"{first.name} and {second.name} share priority {first.priority}",
                f"{first.kind} {first.name} and {second.kind} {second.name} ({first.tier} tier) "
                f"both have priority {first.priority} and can match the same "
                f"{' and '.join(d.lower() for d in directions)} connections of "
                f"{_listed(wls)}: which one applies is undefined (the API); netviz evaluates "
                f"{first.name} first. Give them distinct priorities.",
                (cluster_policy_ref(first), cluster_policy_ref(second), *wls),
                second.source,
            ))
    return out


# --------------------------------------------------------------------------- shadowing


def _preceding(an: Analyzer, tier: Tier, d: str, c: int,
               cp: CompiledClusterPolicy, index: int) -> list[CompiledClusterRule]:
    """The rules of ``tier`` that come before rule ``index`` of ``cp`` for class ``c``."""
    out: list[CompiledClusterRule] = []
    for other in an.cluster_policies_of(tier, d, c):
        if other is cp:
            out.extend(other.rules(d)[:index])
            return out
        out.extend(other.rules(d))
    return out


def _rule_pieces(an: Analyzer, cr: CompiledClusterRule,
                 pc: PodClass) -> list[tuple[int, ConnectionSet]]:
    """(peer classes, connections) the rule covers for subject class ``pc``."""
    if cr.direction == INGRESS:
        c, _ = an.cluster_rule_conns(cr, pc)
        return [(cr.peer_bits, c)] if c and cr.peer_bits else []
    return [(b, c) for b, c in an.cluster_rule_dst_partition(cr) if b and c]


def _decided_before(an: Analyzer, rules: Iterable[CompiledClusterRule], cr: CompiledClusterRule,
                    pc: PodClass, final_only: bool) -> bool:
    """Whether everything ``cr`` matches for subject class ``pc`` is decided by ``rules``
    (applied in order; ``final_only``: only Accept/Deny count as decided)."""
    rules = list(rules)
    parts: dict[tiers.State, int] = {tiers.EMPTY: an.all_bits}
    for r in rules:
        for bits, conns in _rule_pieces(an, r, pc):
            parts = tiers.split(parts, bits, conns, r.action)
    for bits, conns in _rule_pieces(an, cr, pc):
        for st, b in parts.items():
            if not b & bits:
                continue
            decided = st[0] | st[1] if final_only else st[0] | st[1] | st[2]
            if not conns <= decided:
                return False
    if cr.ip_ranges:
        dst = pc if cr.direction == INGRESS else None
        conns, _ = an.cluster_rule_conns(cr, dst)
        cuts = [x for r in (*rules, cr) for x in r.ip_ranges]
        for atom in atoms(cuts, families=(4, 6)):
            if not any(x.contains(atom) for x in cr.ip_ranges):
                continue
            st = tiers.EMPTY
            for r in rules:
                if any(x.contains(atom) for x in r.ip_ranges):
                    st = tiers.apply_rule(st, an.cluster_rule_conns(r, dst)[0], r.action)
            decided = st[0] | st[1] if final_only else st[0] | st[1] | st[2]
            if not conns <= decided:
                return False
    return True


def _matches_something(an: Analyzer, cr: CompiledClusterRule, pc: PodClass) -> bool:
    return bool(_rule_pieces(an, cr, pc)) or bool(
        cr.ip_ranges and an.cluster_rule_conns(cr, pc if cr.direction == INGRESS else None)[0]
    )


def _shadowed_and_unreachable(an: Analyzer, shadowed: set[tuple[str, str, int]]) -> list[Finding]:
    """Shadowed rules and unreachable Baseline rules; adds (policy key, direction, rule index)
    of every shadowed rule to ``shadowed``."""
    out: list[Finding] = []
    for cp in an.cluster_policies:
        pol = cp.policy
        for d in _DIRECTIONS:
            rules = cp.rules(d)
            if not rules or not cp.selected:
                continue
            isolated = an.ingress_of if d == INGRESS else an.egress_of
            classes = [an.classes[c] for c in bits_iter(cp.selected)]
            reachable = [pc for pc in classes if not isolated[pc.index]]
            if pol.tier is Tier.BASELINE and not reachable:
                out.append(Finding(
                    "baseline-unreachable", Severity.WARNING,
                    f"{pol.kind} {pol.name}: {d.lower()} rules never apply",
                    f"{pol.kind} {pol.name}: every pod it selects is selected by "
                    f"NetworkPolicies for {d.lower()}, whose verdict is final, so its "
                    f"{d.lower()} rules ({len(rules)}) are never consulted.",
                    (cluster_policy_ref(pol),), pol.source,
                ))
                continue
            scope = reachable if pol.tier is Tier.BASELINE else classes
            for cr in rules:
                seen: dict[object, tuple[bool, bool]] = {}
                shadowed_here = admin_decides = True
                any_match = False
                for pc in scope:
                    sig = an.partition_signature(d, pc)
                    got = seen.get(sig)
                    if got is None:
                        if not _matches_something(an, cr, pc):
                            got = (True, True)
                        else:
                            any_match = True
                            same = _decided_before(
                                an, _preceding(an, pol.tier, d, pc.index, cp, cr.index), cr, pc,
                                final_only=False)
                            adm = pol.tier is Tier.BASELINE and _decided_before(
                                an, [*(r for a in an.cluster_policies_of(Tier.ADMIN, d, pc.index)
                                       for r in a.rules(d)),
                                     *_preceding(an, pol.tier, d, pc.index, cp, cr.index)],
                                cr, pc, final_only=True)
                            got = (same, adm)
                        seen[sig] = got
                    shadowed_here = shadowed_here and got[0]
                    admin_decides = admin_decides and got[1]
                if not any_match:
                    continue  # matches nothing: peer-matches-nothing and the like say so
                if shadowed_here:
                    shadowed.add((pol.key, d, cr.index))
                    out.append(Finding(
                        "tier-rule-shadowed", Severity.WARNING,
                        f"{pol.kind} {pol.name}: {rule_label(cr)} is shadowed",
                        f"{pol.kind} {pol.name}, {rule_label(cr)} ({cr.rule.verb}) never "
                        f"decides anything: for every pod the policy selects, rules before it "
                        f"in the {pol.tier} tier already decide all the traffic it matches.",
                        (cluster_policy_ref(pol),), _source(cr),
                    ))
                elif pol.tier is Tier.BASELINE and admin_decides:
                    out.append(Finding(
                        "baseline-unreachable", Severity.WARNING,
                        f"{pol.kind} {pol.name}: {rule_label(cr)} is never reached",
                        f"{pol.kind} {pol.name}, {rule_label(cr)} ({cr.rule.verb}) is never "
                        "reached: the Admin tier accepts or denies everything it matches first.",
                        (cluster_policy_ref(pol),), _source(cr),
                    ))
    return out


# --------------------------------------------------------------------------- Pass


def _pass_to_default(an: Analyzer, shadowed: set[tuple[str, str, int]]) -> list[Finding]:
    out: list[Finding] = []
    for cp in an.cluster_policies:
        pol = cp.policy
        for d in _DIRECTIONS:
            isolated = an.ingress_of if d == INGRESS else an.egress_of
            for cr in cp.rules(d):
                if cr.action is not Action.PASS or not _any_peer(cr) \
                        or (pol.key, d, cr.index) in shadowed:
                    continue
                if pol.tier is Tier.BASELINE:
                    out.append(Finding(
                        "tier-pass-to-default", Severity.INFO,
                        f"{pol.kind} {pol.name}: {rule_label(cr)} passes to the default",
                        f"{pol.kind} {pol.name}, {rule_label(cr)}: a Pass in the Baseline tier "
                        "goes to the default, which allows: here Pass means Accept.",
                        (cluster_policy_ref(pol),), _source(cr),
                    ))
                    continue
                falls = 0
                for c in bits_iter(cp.selected):
                    if not isolated[c] and not an.cluster_policies_of(Tier.BASELINE, d, c):
                        falls |= 1 << c
                if not falls:
                    continue
                wls = _workloads(an, falls)
                every = falls == cp.selected
                out.append(Finding(
                    "tier-pass-to-default", Severity.WARNING if every else Severity.INFO,
                    f"{pol.kind} {pol.name}: {rule_label(cr)} passes to nothing",
                    f"{pol.kind} {pol.name}, {rule_label(cr)}: what it passes "
                    f"{'from' if d == INGRESS else 'to'} its peers falls through to the default "
                    f"(allowed) for {_listed(wls)}: no NetworkPolicy selects "
                    f"{'them' if len(wls) > 1 else 'it'} for {d.lower()} and no Baseline-tier "
                    "policy does either, so this Pass means Allow there.",
                    (cluster_policy_ref(pol), *wls), _source(cr),
                ))
    return out


def _any_peer(cr: CompiledClusterRule) -> bool:
    return bool(cr.peer_bits or cr.ip_ranges)


__all__ = ["TIER_CODES", "cluster_policy_ref", "rule_label", "tier_findings"]



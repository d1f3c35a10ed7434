"""Explanations for the app: the engine's ``PairExplanation`` (``netviz.engine.explain``, the one
structure the CLI renders too) resolved from the names the app uses, and rendered as HTML for the
Explanation panel, as plain text, and as a short tooltip for the graph.

Rules this module keeps:
- Qt-free and I/O-free. The engine decides and explains; this module only words its
  ``PairExplanation`` (STYLE.md habit 2: every verdict explains itself, and every view renders
  that one structure).
- Per direction (the source's egress, then the destination's ingress): a one-sentence summary,
  the tier chain per region of connections ("TCP 80: Admin tier AdminNetworkPolicy 'x' rule
  'y' (#1) Pass -> NetworkPolicy tier: ns/p ingress rule #2 allows"), and every policy that
  selects the pod, tier by tier, with *every* rule of theirs for the direction: whether its
  peers match the other side, what it decided, and when it matched but an earlier rule or tier
  had decided first. A denial reads as "why nothing allowed it".
- Links (``Link``: file, line, end line) point at the policy or at the rule inside it.
  ``links(expl)`` numbers every link of an explanation in document order; the HTML rendering
  uses anchors ``src:<n>`` so that a view resolves a clicked anchor with ``link_for_href``.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, Endpoint
from netviz.engine.connections import ConnectionSet
from netviz.engine.explain import (
    EXTERNAL,
    GOVERNED,
    NODE,
    NOT_GOVERNED,
    SAME_POD,
    DirectionExplanation,
    Gate,
    Layer,
    Outcome,
    PairExplanation,
    PolicyRules,
    Region,
    RuleOutcome,
    Side,
    Step,
    explain_endpoints,
)
from netviz.engine.ingress import INGRESS_CONTROLLER_NAMES, analyze_ingress, explain_target
from netviz.engine.ipranges import IPRange
from netviz.model import NetworkPolicy, Peer, Pod, Rule, Source
from netviz.model.cluster_policy import Action, ClusterPolicy, ClusterRule
from netviz.model.keys import (
    EdgeStyle,
    VerdictKind,
    external_key,
    external_range,
    is_external_key,
    is_pod_key,
    is_service_key,
    pod_ref,
    service_ref,
)
from netviz.viewmodel import palette

HREF_PREFIX = "src:"

#: the explanation the app shows: the engine's structure
Explanation = PairExplanation


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Link:
    """Something to open in the YAML view."""

    label: str
    file: str
    line: int
    end_line: int | None = None

    @classmethod
    def of(cls, label: str, source: Source | None) -> Link | None:
        if source is None:
            return None
        return cls(label, source.file, source.line, source.end_line)


class ExplainError(ValueError):
    """A name that does not denote a peer; the message is written for users."""


# --------------------------------------------------------------------------- rule text


def describe_peer(peer: Peer) -> str:
    return str(peer)


def describe_rule(rule: Rule, direction: str) -> str:
    """``from podSelector app=web or ipBlock 10.0.0.0/8; ports TCP 80, UDP 53``."""
    word = "from" if direction == INGRESS else "to"
    if rule.all_peers:
        peers = f"{word} anywhere"
    else:
        peers = f"{word} " + " or ".join(describe_peer(p) for p in rule.peers)
    ports = "all ports" if rule.all_ports else "ports " + ", ".join(str(p) for p in rule.ports)
    return f"{peers}; {ports}"


# --------------------------------------------------------------------------- wording


def policy_label(policy: NetworkPolicy | ClusterPolicy) -> str:
    """``ns/name`` for a NetworkPolicy; ``AdminNetworkPolicy name`` for a cluster policy."""
    if isinstance(policy, ClusterPolicy):
        return f"{policy.kind} {policy.name}"
    return policy.key


def policy_title(policy: NetworkPolicy | ClusterPolicy) -> str:
    """The label with the tier and priority of a cluster policy."""
    if isinstance(policy, ClusterPolicy):
        prio = "" if policy.priority is None else f", priority {policy.priority}"
        return f"{policy_label(policy)} ({policy.tier} tier{prio})"
    return policy_label(policy)


def rule_title(policy: NetworkPolicy | ClusterPolicy, direction: str, index: int) -> str:
    """``ingress rule #2`` or, for a cluster policy, ``ingress rule 'name' (#2)``."""
    word = direction.lower()
    if isinstance(policy, ClusterPolicy):
        name = policy.rules(direction == INGRESS)[index].name
        return f"{word} rule '{name}' (#{index + 1})" if name else f"{word} rule #{index + 1}"
    return f"{word} rule #{index + 1}"


def describe_cluster_rule(rule: ClusterRule, direction: str) -> str:
    word = "from" if direction == INGRESS else "to"
    peers = f"{word} " + " or ".join(str(p) for p in rule.peers)
    ports = "all ports" if rule.ports is None else "ports " + ", ".join(str(p) for p in rule.ports)
    return f"{rule.verb}: {peers}; {ports}"


def _rule_text(policy: NetworkPolicy | ClusterPolicy, direction: str, index: int) -> str:
    if isinstance(policy, ClusterPolicy):
        return describe_cluster_rule(policy.rules(direction == INGRESS)[index], direction)
    rules = policy.ingress if direction == INGRESS else policy.egress
    return describe_rule(rules[index], direction)


def _rule_source(policy: NetworkPolicy | ClusterPolicy, direction: str, index: int) -> Source | None:
    rules: tuple[Rule, ...] | tuple[ClusterRule, ...]
    if isinstance(policy, ClusterPolicy):
        rules = policy.rules(direction == INGRESS)
    else:
        rules = policy.ingress if direction == INGRESS else policy.egress
    return rules[index].source or policy.source


def policy_link(policy: NetworkPolicy | ClusterPolicy) -> Link | None:
    return Link.of(policy_label(policy), policy.source)


def rule_link(policy: NetworkPolicy | ClusterPolicy, direction: str, index: int) -> Link | None:
    label = f"{policy_label(policy)} {rule_title(policy, direction, index)}"
    return Link.of(label, _rule_source(policy, direction, index))


_VERB = {Action.ACCEPT: "accepts", Action.DENY: "denies", Action.PASS: "passes on"}


def step_text(step: Step) -> str:
    """One step of a chain: ``Admin tier: AdminNetworkPolicy x (priority 5) ingress rule 'y'
    (#1) denies``."""
    if step.layer is Layer.DEFAULT:
        return "no policy decided: allowed by default"
    if step.gate is not None:
        return gate_step_text(step)
    assert step.policy is not None
    d = step.direction
    if isinstance(step.policy, ClusterPolicy):
        assert step.rule_index is not None
        verb = {Outcome.ACCEPT: "accepts", Outcome.DENY: "denies", Outcome.PASS: "passes"}[step.outcome]
        closed = " (fails closed: denies all)" if step.fail_closed else ""
        return (f"{step.layer.value} tier: {policy_title(step.policy)} "
                f"{rule_title(step.policy, d, step.rule_index)} {verb}{closed}")
    name = step.policy.key
    word = d.lower()
    if step.outcome is Outcome.ALLOWS:
        return f"NetworkPolicy tier: {name} {rule_title(step.policy, d, step.rule_index or 0)} allows"
    if step.outcome is Outcome.PORTS_MISMATCH:
        return (f"NetworkPolicy tier: {name} {rule_title(step.policy, d, step.rule_index or 0)} "
                "matches, but not these ports")
    if step.outcome is Outcome.NO_RULES:
        return f"NetworkPolicy tier: {name} has no {word} rules"
    return f"NetworkPolicy tier: {name}: no {word} rule matches"


def gate_title(gate: Gate) -> str:
    """``Ingress frontend/shop (Service web)``."""
    return f"{gate.kind} {gate.name} (Service {gate.service})"


def gate_step_text(step: Step) -> str:
    """A gate of the ingress controller's path: whether the Ingress/Route leads to these ports."""
    assert step.gate is not None
    g = step.gate
    if step.outcome is Outcome.GATE_ALLOWS:
        return f"{gate_title(g)} leads here"
    to = str(g.connections) if g.connections else "no port the workload declares"
    return f"{gate_title(g)} leads only to {to}"


def gates_of(expl: PairExplanation) -> tuple[Gate, ...]:
    """The Ingress/Route paths of an ingress controller pair (empty for any other pair)."""
    out: list[Gate] = []
    for region in expl.regions:
        for st in region.ingress.steps:
            if st.gate is not None and st.gate not in out:
                out.append(st.gate)
    return tuple(out)


def gate_link(gate: Gate) -> Link | None:
    return Link.of(f"{gate.kind} {gate.name}", gate.source)


def gates_note(gates: tuple[Gate, ...]) -> str:
    """One sentence: which objects lead the ingress controller here, on which ports."""
    parts = [f"{gate_title(g)} on {g.connections or 'no declared port'}" for g in gates]
    return ("The ingress controller reaches this workload only through " + "; ".join(parts)
            + ": the policies and these paths must both let a connection through.")


def chain_text(side: Side) -> str:
    """The steps of one side, NetworkPolicy denials folded into one."""
    parts: list[str] = []
    for st in side.steps:
        t = step_text(st)
        if t not in parts:
            parts.append(t)
    verdict = "allowed" if side.allowed else "denied"
    return " -> ".join(parts) + f" => {verdict}"


def endpoint_label(ep: Endpoint) -> str:
    if isinstance(ep, IPRange):
        return external_key(str(ep))
    return ep.workload_key or ep.key


def headline(expl: PairExplanation) -> str:
    allowed = expl.allowed
    if not allowed:
        return "Denied: no connections allowed"
    if allowed.is_all():
        return "Allowed: All Connections"
    return f"Allowed only: {allowed}"


def heading(direction: DirectionExplanation, me: str) -> str:
    return f"Egress from {me}" if direction.direction == EGRESS else f"Ingress to {me}"


def summary(direction: DirectionExplanation, me: str, other: str) -> str:
    """One sentence about a direction."""
    d = direction.direction
    word = "egress" if d == EGRESS else "ingress"
    if direction.state == SAME_POD:
        return "A pod can always reach itself; no policy applies."
    if direction.state == NODE:
        return (f"{me} is a hostNetwork pod handled as node traffic: no policy governs its "
                f"{word}.")
    if direction.state == EXTERNAL:
        return f"{me} is outside the cluster: no policy governs its {word}."
    if direction.state == NOT_GOVERNED:
        return (f"No policy selects {me} for {word}: not isolated, all {word} is allowed by "
                "default.")
    counts = []
    for t in direction.tiers:
        n = len(t.policies)
        what = {Layer.ADMIN: "Admin-tier polic", Layer.BASELINE: "Baseline-tier polic",
                Layer.NETWORK_POLICY: "NetworkPolic"}[t.layer]
        counts.append(f"{n} {what}{'y' if n == 1 else 'ies'}")
    to = "to" if d == EGRESS else "from"
    if direction.allowed:
        result = f"{direction.allowed} {to} {other} is allowed"
    else:
        result = f"nothing {to} {other} is allowed: denied"
    return f"{me} is selected for {word} by {' and '.join(counts)}; {result}."


def policy_note(pr: PolicyRules, direction: str, other: str) -> str:
    """One sentence: what this policy does for the pair."""
    word = "egress" if direction == EGRESS else "ingress"
    to = "to" if direction == EGRESS else "from"
    rules = pr.rules
    if not rules:
        return f"has no {word} rules: it allows no {word} at all."
    matched = [r for r in rules if r.matched]
    if not matched:
        return (f"its only {word} rule does not match {other}." if len(rules) == 1
                else f"none of its {len(rules)} {word} rules matches {other}.")
    decided = pr.decided
    if isinstance(pr.policy, ClusterPolicy):
        parts = []
        for action in (Action.ACCEPT, Action.DENY, Action.PASS):
            cs = ConnectionSet.none()
            for r in matched:
                if r.action is action:
                    cs = cs | r.decided
            if cs:
                parts.append(f"{_VERB[action]} {cs}")
        if not parts:
            return (f"a rule matches {other}, but earlier rules or tiers decided what it covers."
                    if any(r.covers for r in matched)
                    else f"a rule matches {other}, but its ports cover nothing here.")
        return "; ".join(parts) + f" {to} {other}."
    if not any(r.covers for r in matched):
        return f"a rule matches {other}, but its ports allow nothing here."
    if not decided:
        return f"a rule matches {other}, but the Admin tier decided first."
    return f"allows {decided} {to} {other}."


def rule_status(r: RuleOutcome) -> str:
    if not r.matched:
        head = "does not match"
        if r.fail_closed and r.action is Action.ACCEPT:
            head = "fails closed (a peer of unknown kind): matches nothing"
    elif r.decided:
        verb = "allows" if r.action is None else _VERB[r.action]
        head = f"{verb} {r.decided}"
        if r.fail_closed:
            head += " (fails closed: a peer of unknown kind makes it deny all)"
    elif r.covers:
        head = f"matches, but {r.covers} was decided by an earlier rule or tier"
    else:
        head = "matches, but its ports cover nothing here"
    if r.unresolved:
        head += f" [unresolved named ports: {', '.join(r.unresolved)}]"
    return head


def regions_in_order(expl: PairExplanation) -> list[Region]:
    return sorted(expl.regions, key=lambda r: (not r.allowed, str(r.connections)))


def links(expl: PairExplanation) -> tuple[Link, ...]:
    """Every link of ``expl`` in document order (the HTML anchors number them)."""
    out: list[Link] = []

    def keep(link: Link | None) -> None:
        if link is not None and link not in out:
            out.append(link)

    for side in expl.sides:
        if side.direction == INGRESS:
            for g in gates_of(expl):
                keep(gate_link(g))
        for tier in side.tiers:
            for pr in tier.policies:
                keep(policy_link(pr.policy))
                for r in pr.rules:
                    keep(rule_link(pr.policy, side.direction, r.index))
    return tuple(out)


# --------------------------------------------------------------------------- by peer key


def peer_keys(an: Analyzer) -> list[str]:
    """Every workload/bare-pod key of the cluster, sorted."""
    return sorted({p.workload_key or p.key for p in an.cluster.pods})


def resolve_endpoint(an: Analyzer, key: str) -> tuple[Endpoint, list[str]]:
    """A peer key (``ns/name[Kind]``), pod key (``ns/name``), external peer key
    (``a-b[External]``) or an address/CIDR -> an endpoint, and notes about the choice."""
    key = key.strip()
    if is_external_key(key):
        key = external_range(key)
    if is_pod_key(key):
        key = pod_ref(key)
    if is_service_key(key):
        return _service_backend(an, service_ref(key))
    pods = [p for p in an.cluster.pods if p.workload_key == key]
    if pods:
        classes = {an.class_of_pod[p.key] for p in pods}
        notes = []
        if len(classes) > 1:
            notes.append(f"{key} has pods with different labels or ports; showing pod "
                         f"{pods[0].key}.")
        return pods[0], notes
    for p in an.cluster.pods:
        if p.key == key:
            return p, []
    try:
        return IPRange.parse(key), []
    except ValueError:
        pass
    choices = peer_keys(an)
    near = difflib.get_close_matches(key, choices, n=1)
    hint = f" Did you mean {near[0]}?" if near else ""
    raise ExplainError(f"No workload, pod or address named {key!r}.{hint}")


def _service_backend(an: Analyzer, key: str) -> tuple[Endpoint, list[str]]:
    """A Service stands for its backends: the first pod its selector matches."""
    for svc in an.cluster.services:
        if svc.key == key:
            sel = svc.selector or {}
            pods = [p for p in an.cluster.pods if sel and p.namespace == svc.namespace
                    and all(p.labels.get(k) == v for k, v in sel.items())]
            if not pods:
                raise ExplainError(f"Service {key} selects no pod: there is nothing to explain.")
            return pods[0], [f"Service {key} stands for its backends; showing pod {pods[0].key}."]
    raise ExplainError(f"No Service named {key!r}.")


def explain_pair(an: Analyzer, src: str, dst: str) -> Explanation:
    """Explain traffic from peer ``src`` to peer ``dst`` (keys as in ``resolve_endpoint``;
    ``{ingress-controller}`` as the source when Ingress/Route objects lead to ``dst``)."""
    if dst.strip() in INGRESS_CONTROLLER_NAMES:
        raise ExplainError("The ingress controller only sends traffic (to the workloads that "
                           "Ingress and Route objects lead to); nothing is listed towards it.")
    if src.strip() in INGRESS_CONTROLLER_NAMES:
        return _explain_ingress(an, dst)
    s, n1 = resolve_endpoint(an, src)
    d, n2 = resolve_endpoint(an, dst)
    if isinstance(s, IPRange) and isinstance(d, IPRange):
        raise ExplainError("At least one side must be a workload or pod of the cluster.")
    notes = n1 + n2
    if isinstance(s, Pod) and isinstance(d, Pod) and s.key == d.key and \
            dst.strip() == d.workload_key:
        # a workload to itself means traffic between two of its pods
        others = [p for p in an.cluster.pods if p.workload_key == s.workload_key and p.key != s.key]
        if others:
            d = others[0]
            notes.append(f"Both sides are {s.workload_key}; showing pod {s.key} to pod {d.key}.")
    return explain_endpoints(an, s, d, _label(src, s), _label(dst, d), notes=tuple(notes))


def _explain_ingress(an: Analyzer, dst: str) -> Explanation:
    ia = analyze_ingress(an)
    if not ia.present:
        raise ExplainError("No Ingress or Route leads to a Service that selects a workload: "
                           "the ingress controller is not part of this analysis.")
    d, _ = resolve_endpoint(an, dst)
    key = d.workload_key if isinstance(d, Pod) else None
    target = ia.target(key) if key else None
    if target is None:
        raise ExplainError(f"No Ingress or Route leads to {dst.strip()}.")
    return explain_target(an, target)


def _label(key: str, ep: Endpoint) -> str:
    key = key.strip()
    if isinstance(ep, IPRange):
        return key if is_external_key(key) else external_key(str(ep))
    return key


# --------------------------------------------------------------------------- rendering


def link_for_href(expl: Explanation, href: str) -> Link | None:
    """The link an anchor of ``to_html(expl)`` points at."""
    if not href.startswith(HREF_PREFIX):
        return None
    try:
        i = int(href[len(HREF_PREFIX):])
    except ValueError:
        return None
    all_links = links(expl)
    return all_links[i] if 0 <= i < len(all_links) else None


def _names(expl: Explanation, direction: DirectionExplanation) -> tuple[str, str]:
    return (expl.src, expl.dst) if direction.direction == EGRESS else (expl.dst, expl.src)


def _side_of(region: Region, direction: str) -> Side:
    return region.egress if direction == EGRESS else region.ingress


def to_text(expl: Explanation) -> str:
    out = [f"{expl.src} => {expl.dst}", headline(expl), ""]
    for sec in expl.sides:
        me, other = _names(expl, sec)
        out.append(f"{heading(sec, me)}: {sec.allowed}")
        out.append(f"  {summary(sec, me, other)}")
        gates = gates_of(expl) if sec.direction == INGRESS else ()
        if gates:
            out.append(f"  {gates_note(gates)}")
        if sec.state == GOVERNED or gates:
            for region in regions_in_order(expl):
                side = _side_of(region, sec.direction)
                out.append(f"  {region.connections}: {chain_text(side)}")
        for tier in sec.tiers:
            out.append(f"  {tier.layer.value} tier:")
            for pr in tier.policies:
                src = pr.policy.source
                where = f"  ({src.file}:{src.line})" if src else ""
                out.append(f"  - {policy_title(pr.policy)}: {policy_note(pr, sec.direction, other)}"
                           f"{where}")
                for r in pr.rules:
                    out.append(f"      {rule_title(pr.policy, sec.direction, r.index)} "
                               f"({_rule_text(pr.policy, sec.direction, r.index)}): "
                               f"{rule_status(r)}")
        out.append("")
    for n in expl.notes:
        out.append(f"Note: {n}")
    return "\n".join(out).rstrip() + "\n"


#: colours of the verdict: the graph's edge colours (Okabe-Ito, colour-blind safe)
VERDICT_COLOURS = {k: palette.EDGE_STYLES[EdgeStyle(k)].color for k in VerdictKind}


def to_html(expl: Explanation) -> str:
    e = html.escape
    idx = {link: i for i, link in enumerate(links(expl))}

    def a(link: Link | None, text: str) -> str:
        if link is None or link not in idx:
            return e(text)
        return f'<a href="{HREF_PREFIX}{idx[link]}">{e(text)}</a>'

    colour = VERDICT_COLOURS[expl.verdict]
    out = [
        f"<h3>{e(expl.src)} &rarr; {e(expl.dst)}</h3>",
        f'<p><b style="color:{colour}">{e(headline(expl))}</b></p>',
    ]
    for sec in expl.sides:
        me, other = _names(expl, sec)
        out.append(f"<h4>{e(heading(sec, me))}: {e(str(sec.allowed))}</h4>")
        out.append(f"<p>{e(summary(sec, me, other))}</p>")
        gates = gates_of(expl) if sec.direction == INGRESS else ()
        if gates:
            out.append("<p><i>Ingress and Route paths</i></p><ul>")
            for g in gates:
                conns = str(g.connections) if g.connections else "no port the workload declares"
                out.append(f"<li>{a(gate_link(g), f'{g.kind} {g.name}')} through Service "
                           f"{e(g.service)}: {e(conns)}</li>")
            out.append("</ul>")
            out.append(f"<p>{e(gates_note(gates))}</p>")
        if sec.state == GOVERNED or gates:
            out.append("<p><i>Tier chain</i></p><ul>")
            for region in regions_in_order(expl):
                side = _side_of(region, sec.direction)
                c = VERDICT_COLOURS[VerdictKind.ALLOWED if side.allowed else VerdictKind.DENIED]
                out.append(f'<li><b style="color:{c}">{e(str(region.connections))}</b>: '
                           f"{e(chain_text(side))}</li>")
            out.append("</ul>")
        for tier in sec.tiers:
            out.append(f"<p><i>{e(tier.layer.value)} tier</i></p><ul>")
            for pr in tier.policies:
                out.append(f"<li>{a(policy_link(pr.policy), policy_title(pr.policy))}: "
                           f"{e(policy_note(pr, sec.direction, other))}")
                if pr.rules:
                    out.append("<ul>")
                    for r in pr.rules:
                        out.append(f"<li>{_rule_html(pr.policy, sec.direction, r, a)}</li>")
                    out.append("</ul>")
                out.append("</li>")
            out.append("</ul>")
    for n in expl.notes:
        out.append(f"<p><i>Note: {e(n)}</i></p>")
    return "\n".join(out)


def _rule_html(policy: NetworkPolicy | ClusterPolicy, direction: str, r: RuleOutcome,
               a: Callable[[Link | None, str], str]) -> str:
    e = html.escape
    title = rule_title(policy, direction, r.index)
    text = (f"{a(rule_link(policy, direction, r.index), title)} "
            f"<small>({e(_rule_text(policy, direction, r.index))})</small>: ")
    status = rule_status(r)
    text += f"<b>{e(status)}</b>" if r.matched and r.decided else e(status)
    return text


def tooltip(expl: Explanation) -> str:
    """A short "why" per direction, for a graph tooltip: what decided the allowed part and
    what decided the denied part (the deciding step of each region)."""
    lines: list[str] = []
    for sec in expl.sides:
        me, _ = _names(expl, sec)
        who = _short(me)
        word = "egress" if sec.direction == EGRESS else "ingress"
        if sec.state in (EXTERNAL, NODE, SAME_POD):
            continue
        gates = gates_of(expl) if sec.direction == INGRESS else ()
        if sec.state == NOT_GOVERNED and not gates:
            lines.append(f"{who}: not isolated for {word}")
            continue
        allow: list[str] = []
        deny: list[str] = []
        for region in regions_in_order(expl):
            side = _side_of(region, sec.direction)
            st = side.deciding
            text = _short_step(st, side)
            (allow if side.allowed else deny).append(text)
        parts = []
        if sec.allowed:
            parts.append(f"allows {sec.allowed} via {', '.join(dict.fromkeys(allow))}")
        if deny:
            parts.append(f"denies the rest: {', '.join(dict.fromkeys(deny))}")
        lines.append(f"{who} {word} " + "; ".join(parts))
    return "\n".join(lines)


def _short(key: str) -> str:
    return key.split("/", 1)[-1].split("[", 1)[0] if "/" in key else key


def _short_step(st: Step, side: Side) -> str:
    gates = [s.gate for s in side.steps if s.gate is not None]
    if gates:
        # the ingress controller: what the policies said, then the paths
        pol = tuple(s for s in side.steps if s.gate is None and s.layer is not Layer.DEFAULT)
        parts = [_short_step(pol[-1], Side(side.direction, side.allowed, pol))] if pol else []
        if side.steps[-1].outcome is Outcome.GATE_ALLOWS:
            parts.append(", ".join(dict.fromkeys(f"{g.kind} {g.name}" for g in gates)))
        elif not pol or side.steps[len(pol) - 1].outcome is not Outcome.NOT_ALLOWED:
            parts.append("no Ingress/Route leads to these ports")
        return " + ".join(parts)
    if st.layer is Layer.DEFAULT:
        passed = [s for s in side.steps if s.outcome is Outcome.PASS]
        return "default (after Pass)" if passed else "default"
    assert st.policy is not None
    if isinstance(st.policy, ClusterPolicy):
        rule = st.policy.rules(st.direction == INGRESS)[st.rule_index or 0]
        name = rule.name or f"#{(st.rule_index or 0) + 1}"
        return f"{st.policy.tier} {st.policy.name} '{name}' ({rule.verb})"
    if st.outcome is Outcome.ALLOWS:
        return f"{st.policy.name}#{st.direction.lower()}[{st.rule_index}]"
    pols = ", ".join(dict.fromkeys(s.policy.name for s in side.steps
                                   if s.layer is Layer.NETWORK_POLICY and s.policy is not None))
    return f"isolated by {pols}; no rule matches"

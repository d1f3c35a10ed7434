"""Explanations: a ``Verdict`` turned into a document the explain panel, tooltips and text share.

Rules this module keeps:
- Qt-free and I/O-free. The engine decides; this module only words its ``Verdict``
  (STYLE.md habit 2: every verdict explains itself, and every view renders that one structure).
- The document is plain frozen data: an ``Explanation`` has one ``Section`` per direction
  (the source's egress, then the destination's ingress), each listing the policies that select
  the pod with *every* rule of theirs for that direction — the rules whose peers matched the
  other side with what their ports allow, and the rules that did not match — so a denial reads
  as "why nothing did".
- Links (``Link``: file, line, end line) point at the policy or at the rule inside it. All
  links of a document are numbered in ``Explanation.links``; the HTML rendering uses anchors
  ``src:<n>`` so that a view resolves a clicked anchor with ``link_for_href``.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass

from netviz.engine.analyzer import (
    EGRESS,
    INGRESS,
    Analyzer,
    DirectionVerdict,
    Endpoint,
    RuleMatch,
    Verdict,
)
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange
from netviz.model import NetworkPolicy, Peer, Pod, Rule, Source
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
#: node key prefixes of the graph (netviz.viewmodel.graph): a Service, an expanded pod


# --------------------------------------------------------------------------- document


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


@dataclass(frozen=True)
class RuleLine:
    direction: str
    index: int  # 0-based position in the policy's ingress/egress list
    text: str  # "from podSelector app=web; ports TCP 80"
    matched: bool  # the rule's peers match the other side
    allowed: ConnectionSet  # what the rule allows for this pair (empty when not matched)
    unresolved: tuple[str, ...]  # named ports ("TCP/http") that resolve nowhere here
    link: Link | None

    @property
    def title(self) -> str:
        return f"{self.direction.lower()} rule #{self.index + 1}"


@dataclass(frozen=True)
class PolicyLine:
    key: str  # "ns/name"
    link: Link | None
    rules: tuple[RuleLine, ...]  # every rule of the policy for the section's direction
    allowed: ConnectionSet  # union of the matched rules
    note: str  # one sentence: what this policy does for the pair


@dataclass(frozen=True)
class Section:
    direction: str  # EGRESS (the source's side) or INGRESS (the destination's side)
    heading: str  # "Egress from a/web[Deployment]"
    #: "isolated" | "not-isolated" | "external" | "node" | "same-pod"
    state: str
    summary: str
    allowed: ConnectionSet
    policies: tuple[PolicyLine, ...] = ()


@dataclass(frozen=True)
class Explanation:
    src: str
    dst: str
    allowed: ConnectionSet
    verdict: VerdictKind
    headline: str  # "Allowed: All Connections", "Denied", "Allowed: TCP 80"
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()

    @property
    def egress(self) -> Section:
        return self.sections[0]

    @property
    def ingress(self) -> Section:
        return self.sections[1]


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


def endpoint_label(ep: Endpoint) -> str:
    if isinstance(ep, IPRange):
        return external_key(str(ep))
    return ep.workload_key or ep.key


# --------------------------------------------------------------------------- building


def explain(verdict: Verdict, src_label: str | None = None, dst_label: str | None = None,
            notes: tuple[str, ...] = ()) -> Explanation:
    """The explanation of ``verdict``; labels default to the endpoints' peer keys."""
    src = src_label or endpoint_label(verdict.src)
    dst = dst_label or endpoint_label(verdict.dst)
    links: list[Link] = []

    def keep(link: Link | None) -> Link | None:
        if link is not None and link not in links:
            links.append(link)
        return link

    if verdict.same_pod:
        a = ConnectionSet.all()
        s = "A pod can always reach itself; no policy applies."
        sections: tuple[Section, ...] = (
            Section(EGRESS, f"Egress from {src}", "same-pod", s, a),
            Section(INGRESS, f"Ingress to {dst}", "same-pod", s, a),
        )
    else:
        sections = (
            _section(verdict.egress, verdict.src, src, dst, keep),
            _section(verdict.ingress, verdict.dst, dst, src, keep),
        )
    allowed = verdict.allowed
    if not allowed:
        kind, headline = VerdictKind.DENIED, "Denied: no connections allowed"
    elif allowed.is_all():
        kind, headline = VerdictKind.ALLOWED, "Allowed: All Connections"
    else:
        kind, headline = VerdictKind.PARTIAL, f"Allowed only: {allowed}"
    all_notes = list(notes)
    unresolved = verdict.unresolved_named_ports
    if unresolved:
        all_notes.append(
            "Named ports that resolve on no container of the destination (they allow nothing "
            f"here): {', '.join(unresolved)}."
        )
    return Explanation(src, dst, allowed, kind, headline, sections, tuple(all_notes),
                       tuple(links))


_Keep = Callable[[Link | None], Link | None]


def _section(dv: DirectionVerdict, pod: Endpoint, me: str, other: str, keep: _Keep) -> Section:
    d = dv.direction
    heading = f"Egress from {me}" if d == EGRESS else f"Ingress to {me}"
    word = "egress" if d == EGRESS else "ingress"
    if not dv.applies:
        if isinstance(pod, Pod):
            return Section(d, heading, "node",
                           f"{me} is a hostNetwork pod handled as node traffic: no policy "
                           f"governs its {word}.", dv.allowed)
        return Section(d, heading, "external",
                       f"{me} is outside the cluster: no policy governs its {word}.", dv.allowed)
    if not dv.isolated:
        return Section(d, heading, "not-isolated",
                       f"No policy selects {me} for {word}: not isolated, all {word} is "
                       "allowed by default.", dv.allowed)
    matches = {(m.policy.key, m.rule_index): m for m in dv.matches}
    lines: list[PolicyLine] = []
    for pol in dv.selecting:
        lines.append(_policy_line(pol, d, matches, other, keep))
    n = len(dv.selecting)
    names = "policy" if n == 1 else f"{n} policies"
    to = "to" if d == EGRESS else "from"
    if dv.allowed:
        result = f"together they allow {dv.allowed}" if n > 1 else f"it allows {dv.allowed}"
        summary = f"{me} is isolated for {word} by {names}; {result} {to} {other}."
    else:
        summary = (f"{me} is isolated for {word} by {names}, and no rule allows any "
                   f"traffic {to} {other}: denied.")
    return Section(d, heading, "isolated", summary, dv.allowed, tuple(lines))


def _policy_line(pol: NetworkPolicy, d: str, matches: dict[tuple[str, int], RuleMatch],
                 other: str, keep: _Keep) -> PolicyLine:
    rules = pol.egress if d == EGRESS else pol.ingress
    word = "egress" if d == EGRESS else "ingress"
    out: list[RuleLine] = []
    allowed = ConnectionSet.none()
    for i, rule in enumerate(rules):
        m = matches.get((pol.key, i))
        link = keep(Link.of(f"{pol.key} {word} rule #{i + 1}", rule.source or pol.source))
        if m is None:
            out.append(RuleLine(d, i, describe_rule(rule, d), False, ConnectionSet.none(), (),
                                link))
        else:
            out.append(RuleLine(d, i, describe_rule(rule, d), True, m.connections, m.unresolved,
                                link))
            allowed = allowed | m.connections
    plink = keep(Link.of(pol.key, pol.source))
    to = "to" if d == EGRESS else "from"
    if not rules:
        note = f"has no {word} rules: it allows no {word} at all."
    elif not any(r.matched for r in out):
        note = (f"its only {word} rule does not match {other}." if len(rules) == 1
                else f"none of its {len(rules)} {word} rules matches {other}.")
    elif not allowed:
        note = f"a rule matches {other}, but its ports allow nothing here."
    else:
        note = f"allows {allowed} {to} {other}."
    return PolicyLine(pol.key, plink, tuple(out), allowed, note)


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
    """Explain traffic from peer ``src`` to peer ``dst`` (keys as in ``resolve_endpoint``)."""
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
    v = an.verdict(s, d)
    return explain(v, _label(src, s), _label(dst, d), tuple(notes))


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
    return expl.links[i] if 0 <= i < len(expl.links) else None


def to_text(expl: Explanation) -> str:
    out = [f"{expl.src} => {expl.dst}", expl.headline, ""]
    for sec in expl.sections:
        out.append(f"{sec.heading}: {sec.allowed}")
        out.append(f"  {sec.summary}")
        for pl in sec.policies:
            where = f"  ({pl.link.file}:{pl.link.line})" if pl.link else ""
            out.append(f"  - {pl.key}: {pl.note}{where}")
            for r in pl.rules:
                out.append(f"      {_rule_status(r)}")
        out.append("")
    for n in expl.notes:
        out.append(f"Note: {n}")
    return "\n".join(out).rstrip() + "\n"


def _rule_status(r: RuleLine) -> str:
    if not r.matched:
        head = f"{r.title} ({r.text}): does not match"
    elif r.allowed:
        head = f"{r.title} ({r.text}): allows {r.allowed}"
    else:
        head = f"{r.title} ({r.text}): matches, but its ports allow nothing"
    if r.unresolved:
        head += f" [unresolved named ports: {', '.join(r.unresolved)}]"
    return head


#: colours of the verdict: the graph's edge colours (Okabe-Ito, colour-blind safe)
VERDICT_COLOURS = {k: palette.EDGE_STYLES[EdgeStyle(k)].color for k in VerdictKind}


def to_html(expl: Explanation) -> str:
    e = html.escape
    idx = {link: i for i, link in enumerate(expl.links)}

    def a(link: Link | None, text: str) -> str:
        if link is None or link not in idx:
            return e(text)
        return f'<a href="{HREF_PREFIX}{idx[link]}">{e(text)}</a>'

    colour = VERDICT_COLOURS[expl.verdict]
    out = [
        f"<h3>{e(expl.src)} &rarr; {e(expl.dst)}</h3>",
        f'<p><b style="color:{colour}">{e(expl.headline)}</b></p>',
    ]
    for sec in expl.sections:
        out.append(f"<h4>{e(sec.heading)}: {e(str(sec.allowed))}</h4>")
        out.append(f"<p>{e(sec.summary)}</p>")
        if sec.policies:
            out.append("<ul>")
            for pl in sec.policies:
                out.append(f"<li>{a(pl.link, pl.key)}: {e(pl.note)}")
                if pl.rules:
                    out.append("<ul>")
                    for r in pl.rules:
                        out.append(f"<li>{_rule_html(r, a)}</li>")
                    out.append("</ul>")
                out.append("</li>")
            out.append("</ul>")
    for n in expl.notes:
        out.append(f"<p><i>Note: {e(n)}</i></p>")
    return "\n".join(out)


def _rule_html(r: RuleLine, a: Callable[[Link | None, str], str]) -> str:
    e = html.escape
    text = f"{a(r.link, r.title)} <small>({e(r.text)})</small>: "
    if not r.matched:
        text += "does not match"
    elif r.allowed:
        text += f"<b>allows {e(str(r.allowed))}</b>"
    else:
        text += "matches, but its ports allow nothing"
    if r.unresolved:
        text += f" — unresolved named ports: {e(', '.join(r.unresolved))}"
    return text

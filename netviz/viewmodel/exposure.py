"""The Exposure view's content: per workload, what could reach it beyond today's pods.

Rules this module keeps:
- Qt-free. The engine decides (``netviz.engine.exposure`` for potential peers and the entire
  cluster, ``netviz.engine.outside`` for the ways in); this module only words it and links
  every statement to the policy rule or object behind it.
- One ``ExposureRow`` per workload (bare pods too), in key order. Its *marks* are what could
  reach it, on the ingress side:

  ``internet``  its ingress policies admit addresses on the internet (outside the private and
                special-purpose blocks), or no policy isolates it; when a LoadBalancer,
                NodePort or externalIPs Service or an Ingress/Route leads there, the mark says
                so: that is traffic that really arrives.
  ``cluster``   any pod in any namespace, present or future (``entire-cluster``).
  ``labels``    a new pod with given labels, in given namespaces (a potential peer).

  ``unprotected`` is set when no policy selects the workload for ingress (it implies the
  ``internet`` and ``cluster`` marks, on every port).
- ``level``: ``open`` (something from the internet really arrives: through an entry point, or
  the workload is unprotected), ``wide`` (the entire cluster or internet addresses by policy),
  ``narrow`` (only pods with given labels), ``closed`` (nothing beyond today's pods).
- Every mark carries the text of why, and ``Link``s to the rules (file, line) for the YAML
  view. Egress is summarised in the details (what the workload could reach), not marked.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from netviz.engine.analyzer import INGRESS, Analyzer
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, workload_classes
from netviz.engine.exposure import (
    ENTIRE_CLUSTER,
    ExposureItem,
    ExposureReport,
    PortSet,
    existing_matches,
    exposure,
)
from netviz.engine.ipranges import IPRange
from netviz.engine.outside import INGRESS_ENTRY, Outside, analyze_outside, is_private
from netviz.model import NetworkPolicy
from netviz.model.cluster_policy import ClusterPolicy
from netviz.model.objects import NAMESPACE_NAME_LABEL
from netviz.viewmodel.explain import Link, policy_label, rule_link, rule_title

INTERNET = "internet"
CLUSTER = "cluster"
LABELS = "labels"

OPEN = "open"
WIDE = "wide"
NARROW = "narrow"
CLOSED = "closed"
LEVELS = (OPEN, WIDE, NARROW, CLOSED)  # most exposed first

HREF_PREFIX = "src:"


@dataclass(frozen=True)
class Mark:
    kind: str  # internet | cluster | labels
    title: str  # "The internet", "Any pod in any namespace", "New pods: ..."
    connections: str  # "TCP 5432", "All Connections"
    reasons: tuple[str, ...] = ()  # why, one line each
    links: tuple[Link, ...] = ()
    #: internet: the ways in that lead there (entry point texts)
    entries: tuple[str, ...] = ()
    #: labels: the namespaces the new pod would be in ("in any namespace", ...), and whether
    #: any pod there would do
    scope: str = ""
    any_pod: bool = False


@dataclass(frozen=True)
class ExposureRow:
    workload: str  # ns/name[Kind]
    unprotected: bool
    marks: tuple[Mark, ...] = ()
    #: what the workload could reach beyond today's pods (egress), short texts
    egress: tuple[str, ...] = ()
    egress_unprotected: bool = False

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.marks)

    def mark(self, kind: str) -> Mark | None:
        return next((m for m in self.marks if m.kind == kind), None)

    @property
    def level(self) -> str:
        internet = self.mark(INTERNET)
        if self.unprotected or (internet is not None and internet.entries):
            return OPEN
        if internet is not None or CLUSTER in self.kinds:
            return WIDE
        if LABELS in self.kinds:
            return NARROW
        return CLOSED

    @property
    def summary(self) -> str:
        """``internet (LoadBalancer) · any namespace · 2 label peers`` for the table."""
        parts = []
        internet = self.mark(INTERNET)
        if internet is not None:
            parts.append("internet" + (" (via " + ", ".join(
                e.split(" ", 1)[0] for e in internet.entries) + ")" if internet.entries else ""))
        if CLUSTER in self.kinds:
            parts.append("any namespace")
        n = sum(1 for m in self.marks if m.kind == LABELS)
        if n:
            parts.append(f"{n} label peer{'s' if n > 1 else ''}")
        if self.unprotected:
            parts.insert(0, "unprotected")
        return " · ".join(parts) if parts else "nothing beyond today's pods"


@dataclass
class ExposureView:
    rows: list[ExposureRow] = field(default_factory=list)

    def row(self, workload: str) -> ExposureRow | None:
        return next((r for r in self.rows if r.workload == workload), None)

    def counts(self) -> dict[str, int]:
        out = {lv: 0 for lv in LEVELS}
        for r in self.rows:
            out[r.level] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        return (f"{len(self.rows)} workloads: {c[OPEN]} open to the internet, {c[WIDE]} to any "
                f"namespace or the internet by policy, {c[NARROW]} to new pods with given "
                f"labels, {c[CLOSED]} closed")


# --------------------------------------------------------------------------- building


def _rules_text(items: Sequence[tuple[NetworkPolicy | ClusterPolicy, int]],
                direction: str) -> tuple[tuple[str, ...], tuple[Link, ...]]:
    texts: list[str] = []
    links: list[Link] = []
    for pol, i in items:
        t = f"{policy_label(pol)} {rule_title(pol, direction, i)}"
        if t not in texts:
            texts.append(t)
            link = rule_link(pol, direction, i)
            if link is not None:
                links.append(link)
    return tuple(texts), tuple(links)


def _peer_scope(item: ExposureItem) -> tuple[str, bool, str]:
    """(``in any namespace``, any pod?, ``A new pod with app=billing in any namespace``):
    selectors as people write them."""
    pp = item.peer
    assert pp is not None
    if pp.namespace is not None:
        where = f"in namespace {pp.namespace}"
    elif pp.ns_selector.is_empty:
        where = "in any namespace"
    elif (len(pp.ns_selector.match_labels) == 1 and not pp.ns_selector.match_expressions
          and pp.ns_selector.match_labels[0][0] == NAMESPACE_NAME_LABEL):
        where = f"in namespace {pp.ns_selector.match_labels[0][1]}"
    else:
        where = f"in a namespace with {pp.ns_selector}"
    if pp.pod_selector is None or pp.pod_selector.is_empty:
        return where, True, f"Any new pod {where}"
    return where, False, f"A new pod with {pp.pod_selector} {where}"


def _ip_rules(an: Analyzer, classes: Sequence[int], piece: IPRange,
              ) -> list[tuple[NetworkPolicy | ClusterPolicy, int]]:
    """The ingress rules whose address peers cover ``piece`` (for the reasons)."""
    out: list[tuple[NetworkPolicy | ClusterPolicy, int]] = []
    for c in classes:
        for cp in an.ingress_of[c]:
            for cr in cp.ingress:
                if any(r.contains(piece) for r in cr.ip_ranges) and (cp.policy, cr.index) not in out:
                    out.append((cp.policy, cr.index))
    return out


def _range_text(r: IPRange) -> str:
    cidrs = r.cidrs()
    return cidrs[0] if len(cidrs) == 1 else str(r)


def _internet_mark(an: Analyzer, wl: str, classes: Sequence[int], report: ExposureReport,
                   outside: Outside, unprotected: bool) -> Mark | None:
    conns = ConnectionSet.none()
    ranges: list[str] = []
    rules: list[tuple[NetworkPolicy | ClusterPolicy, int]] = []
    for c in report.ip_connections(wl, INGRESS):
        r = c.src.ip_range
        if r is None or is_private(r):
            continue
        conns = conns | c.connections
        ranges.append(_range_text(r))
        for x in _ip_rules(an, classes, r):
            if x not in rules:
                rules.append(x)
    entries: list[str] = []
    for entry, backend in outside.entries_of(wl):
        got = backend.from_internet
        if not got:
            continue
        if entry.kind == INGRESS_ENTRY:
            what = "Ingress/Route " + ", ".join(o.key for o in entry.objects)
        else:
            assert entry.service is not None
            what = f"{entry.kind} Service {entry.service.key} ({entry.ports_text()})"
        entries.append(f"{entry.kind} — {what}: {got}")
        conns = conns | got
    if not conns:
        return None
    reasons: list[str] = []
    if unprotected:
        reasons.append("no policy selects it for ingress: every address may connect")
    elif ranges:
        shown = ", ".join(ranges[:4]) + (f" and {len(ranges) - 4} more" if len(ranges) > 4 else "")
        reasons.append(f"its policies admit internet addresses ({shown})")
    texts, links = _rules_text(rules, INGRESS)
    reasons += [f"by {t}" for t in texts]
    for e in entries:
        reasons.append("reached through " + e.split(" — ", 1)[1])
    return Mark(INTERNET, "The internet", str(conns), tuple(reasons), links, tuple(entries))


def _without_subsumed(marks: list[Mark]) -> list[Mark]:
    """Drop a label mark when a mark for *any* pod of the same namespaces gives the same
    connections (it says nothing more)."""
    anyone = {(m.scope, m.connections) for m in marks if m.kind == LABELS and m.any_pod}
    return [m for m in marks
            if not (m.kind == LABELS and not m.any_pod and (m.scope, m.connections) in anyone)]


def _egress_texts(report: ExposureReport, wl: str) -> tuple[tuple[str, ...], bool]:
    we = report.workloads.get(wl)
    if we is None:
        return (), False
    side = we.egress
    if not side.protected:
        return ("anything: no policy selects it for egress",), True
    out = [f"{'any pod in any namespace' if it.peer is None else str(it.peer)}: {it.connections}"
           for it in side.items]
    return tuple(out), False


def build_exposure_view(an: Analyzer | None, connections: Sequence[Connection]) -> ExposureView:
    """The Exposure view of an evaluated cluster (empty when nothing is loaded)."""
    if an is None:
        return ExposureView()
    report = exposure(an, connections, keep_shadowed=True)
    outside = analyze_outside(an)
    rows: list[ExposureRow] = []
    for wl, classes in sorted(workload_classes(an).items()):
        we = report.workloads.get(wl)
        side = we.ingress if we is not None else None
        unprotected = side is not None and not side.protected
        marks: list[Mark] = []
        internet = _internet_mark(an, wl, classes, report, outside, unprotected)
        if internet is not None:
            marks.append(internet)
        if unprotected:
            marks.append(Mark(CLUSTER, "Any pod in any namespace", str(PortSet.all()),
                              ("no policy selects it for ingress",)))
        elif side is not None:
            for it in side.items:
                texts, links = _rules_text(it.rules, INGRESS)
                why = tuple(f"by {t}" for t in texts) or ("by the policies that select it",)
                if it.peer is None:
                    marks.append(Mark(CLUSTER, "Any pod in any namespace", str(it.connections),
                                      why, links))
                else:
                    scope, any_pod, title = _peer_scope(it)
                    if not it.connections:
                        why = ("denied: a rule cuts these pods off",) + why
                    assert it.peer is not None
                    today = existing_matches(an, it.peer)
                    now = (f"today: {', '.join(today[:3])}"
                           + (f" and {len(today) - 3} more" if len(today) > 3 else "")
                           if today else "no pod matches today")
                    marks.append(Mark(LABELS, title, str(it.connections),
                                      (now, *why), links, scope=scope, any_pod=any_pod))
        marks = _without_subsumed(marks)
        egress, eg_unprotected = _egress_texts(report, wl)
        rows.append(ExposureRow(wl, unprotected, tuple(marks), egress, eg_unprotected))
    return ExposureView(rows)


# --------------------------------------------------------------------------- rendering


def to_html(row: ExposureRow) -> str:
    """The explanation of a row's marks, with ``src:<n>`` links (``links_of(row)[n]``)."""
    links = links_of(row)
    index = {id(link): i for i, link in enumerate(links)}
    out = [f"<h3>{html.escape(row.workload)}</h3>",
           f"<p><b>{html.escape(row.level.capitalize())}</b>: {html.escape(row.summary)}</p>"]
    if not row.marks:
        out.append("<p>Nothing beyond today's pods can reach it: every rule that admits it "
                   "names peers that exist.</p>")
    for m in row.marks:
        out.append(f"<p><b>{html.escape(m.title)}</b> — {html.escape(m.connections)}<br/>")
        linked = {f"by {link.label}" for link in m.links}
        out += [f"&nbsp;&nbsp;{html.escape(r)}<br/>" for r in m.reasons if r not in linked]
        for link in m.links:
            out.append(f"&nbsp;&nbsp;by <a href='{HREF_PREFIX}{index[id(link)]}'>"
                       f"{html.escape(link.label)}</a> ({html.escape(link.file)}:{link.line})<br/>")
        out.append("</p>")
    out.append("<p><b>Egress</b> (what it could reach beyond today's pods):<br/>")
    if row.egress:
        out += [f"&nbsp;&nbsp;{html.escape(t)}<br/>" for t in row.egress]
    else:
        out.append("&nbsp;&nbsp;nothing<br/>")
    out.append("</p>")
    return "".join(out)


def to_text(row: ExposureRow) -> str:
    lines = [f"{row.workload}: {row.level} — {row.summary}"]
    for m in row.marks:
        lines.append(f"  {m.title}: {m.connections}")
        lines += [f"    {r}" for r in m.reasons]
    return "\n".join(lines)


def links_of(row: ExposureRow) -> list[Link]:
    return [link for m in row.marks for link in m.links]


def link_for_href(row: ExposureRow, href: str) -> Link | None:
    if not href.startswith(HREF_PREFIX):
        return None
    try:
        i = int(href[len(HREF_PREFIX):])
    except ValueError:
        return None
    links = links_of(row)
    return links[i] if 0 <= i < len(links) else None


__all__ = [
    "CLOSED", "CLUSTER", "ENTIRE_CLUSTER", "INTERNET", "LABELS", "LEVELS", "NARROW", "OPEN",
    "WIDE", "ExposureRow", "ExposureView", "Mark", "build_exposure_view", "link_for_href",
    "links_of", "to_html", "to_text",
]

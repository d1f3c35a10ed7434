"""The reference explain format (``netviz list --explain``): for every pair of peers, the
connections allowed and denied, each region with the policies and rules behind it.

Layout: a banner ``# Specific connections and their reasons #``; then, for each pair where a
policy isolates at least one side (sorted by source, destination), a block opened by a line of
160 dashes and ``Connections between S => D:``, with ``Allowed connections:`` and ``Denied
connections:`` sections listing regions (``TCP:[1-79,81-65535], UDP, SCTP``: protocols in the
order TCP, UDP, SCTP, a whole protocol by its name) and, per direction (Egress, then Ingress),
the result and the reasons (one reason on its own line; several as a sorted ``NetworkPolicy
list:`` followed by a blank line). Pairs that no policy touches are listed at the end under
``# All Connections due to the system default (Allow all) #``.

Pairs are workload to workload (a workload is explained through its first pod class, see
``netviz.engine.explain``) and workload to/from the external ranges of
``connlist.direction_atoms``. A ``Focus`` restricts the pairs like ``netviz list``; a
protocol/port focus restricts the explained connections to that port.
"""

from __future__ import annotations

from netviz.engine.analyzer import EGRESS, Analyzer, PodClass
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import (
    Focus,
    PeerNode,
    direction_atoms,
    in_focus,
    option_notes,
    workload_classes,
)
from netviz.engine.explain import (
    ALLOWS,
    NO_RULES,
    PORTS_MISMATCH,
    PairExplanation,
    Reason,
    Side,
    explain_pair,
)
from netviz.engine.ipranges import IPRange

RULER = "-" * 160
_PROTO_ORDER = ("TCP", "UDP", "SCTP")


def conn_text(cs: ConnectionSet) -> str:
    parts = []
    for proto in _PROTO_ORDER:
        ranges = cs.ranges(proto)
        if not ranges:
            continue
        if ranges == ((1, 65535),):
            parts.append(proto)
        else:
            ports = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
            parts.append(f"{proto}:[{ports}]")
    return ", ".join(parts)


def reason_text(r: Reason, direction: str, this: str, other: str) -> str:
    name = f"NetworkPolicy '{r.policy.namespace}/{r.policy.name}'"
    if r.kind == ALLOWS:
        return f"{name} allows connections by {direction} rule #{(r.rule_index or 0) + 1}"
    if r.kind == PORTS_MISMATCH:
        return (
            f"{name} selects {this}, and {direction} rule #{(r.rule_index or 0) + 1} selects "
            f"{other}, but the protocols and ports do not match"
        )
    tail = " (no rules defined)" if r.kind == NO_RULES else ""
    return f"{name} selects {this}, but {other} is not allowed by any {direction} rule{tail}"


def side_text(side: Side, this: str, other: str) -> str:
    direction = "Egress" if side.direction == EGRESS else "Ingress"
    if not side.isolated:
        return f"\t\t{direction} (Allowed) due to the system default (Allow all)\n"
    head = f"\t\t{direction} ({'Allowed' if side.allowed else 'Denied'})\n"
    lines = sorted({reason_text(r, direction, this, other) for r in side.reasons})
    if len(lines) == 1:
        return head + f"\t\t\t{lines[0]}\n"
    return head + "\t\t\tNetworkPolicy list:\n" + "".join(f"\t\t\t\t- {ln}\n" for ln in lines) + "\n"


def pair_text(p: PairExplanation) -> str:
    out = [RULER + "\n", f"Connections between {p.src} => {p.dst}:\n", "\n"]
    for allowed, title in ((True, "Allowed"), (False, "Denied")):
        blocks = []
        for r in p.regions:
            if r.allowed != allowed:
                continue
            blocks.append(
                f"\t{title} {conn_text(r.connections)} due to the following policies and rules:\n"
                + side_text(r.egress, p.src, p.dst)
                + side_text(r.ingress, p.dst, p.src)
                + "\n"
            )
        if blocks:
            out.append(f"{title} connections:\n")
            out.extend(sorted(blocks))
    return "".join(out)


def explanations(an: Analyzer, focus: Focus | None = None) -> list[PairExplanation]:
    """Every pair's explanation (restricted by ``focus``), sorted by (source, destination)."""
    focus = focus or Focus()
    universe = (
        ConnectionSet.of(focus.protocol, focus.port)
        if focus.protocol is not None and focus.port is not None
        else None
    )
    wl = workload_classes(an)
    peers: list[tuple[PeerNode, PodClass | IPRange]] = [
        (PeerNode.workload(k), an.classes[cls[0]]) for k, cls in wl.items()
    ]
    pieces = direction_atoms(an)
    pairs: list[tuple[PeerNode, PodClass | IPRange, PeerNode, PodClass | IPRange]] = []
    for sp, s in peers:
        for dp, d in peers:
            if sp.key != dp.key:
                pairs.append((sp, s, dp, d))
    for p, c in peers:
        for r in pieces["Ingress"]:
            pairs.append((PeerNode.external(r), r, p, c))
        for r in pieces["Egress"]:
            pairs.append((p, c, PeerNode.external(r), r))
    pairs = [t for t in pairs if in_focus(t[0], t[2], focus)]
    pairs.sort(key=lambda t: (t[0].key, t[2].key))
    return [explain_pair(an, s, d, sp.key, dp.key, universe) for sp, s, dp, d in pairs]


def render_explain(an: Analyzer, focus: Focus | None = None) -> str:
    notes = option_notes(an)
    out = [f"# {n}\n" for n in notes]
    out.append("\n" + "#" * 42 + "\n# Specific connections and their reasons #\n" + "#" * 42 + "\n")
    defaults = []
    for p in explanations(an, focus):
        if p.default_only:
            defaults.append(f"{p.src} => {p.dst}\n")
        else:
            out.append(pair_text(p))
    if defaults:
        out.append(
            "\n" + "#" * 57 + "\n# All Connections due to the system default (Allow all) #\n"
            + "#" * 57 + "\n"
        )
        out.extend(defaults)
    return "".join(out)

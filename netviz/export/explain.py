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
    GATE_ALLOWS,
    NAMED_UNMATCHED,
    NO_RULES,
    PORTS_MISMATCH,
    Gate,
    PairExplanation,
    Reason,
    Side,
    explain_pair,
)
from netviz.engine.ingress import analyze_ingress
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


def reason_kind(r: Reason) -> str:
    """The rule kind a reason is grouped under: ``NetworkPolicy``, or the gate's object kind
    (``Ingress``, ``Route``)."""
    return r.gate.kind if r.gate is not None else "NetworkPolicy"


#: rule kinds by layer (higher first), as the reference orders groups of reasons; kinds of one
#: layer are ordered by name
_KIND_LAYER = {
    "AdminNetworkPolicy": 3,
    "NetworkPolicy": 2,
    "Ingress": 2,
    "Route": 2,
    "BaselineAdminNetworkPolicy": 1,
}


def reason_text(r: Reason, direction: str, this: str, other: str) -> str:
    if r.gate is not None:
        g = r.gate
        if r.kind == GATE_ALLOWS:
            return f"{g.kind} '{g.name}' allows ingress connections through service {g.service}"
        return (f"{g.kind} '{g.name}' allows ingress to service {g.service}, but the protocols "
                "and ports do not match")
    assert r.policy is not None
    name = f"NetworkPolicy '{r.policy.namespace}/{r.policy.name}'"
    if r.kind == ALLOWS:
        return f"{name} allows connections by {direction} rule #{(r.rule_index or 0) + 1}"
    if r.kind in (PORTS_MISMATCH, NAMED_UNMATCHED):
        tail = ("but named ports of the rule have no match in the configuration of the "
                "destination peer" if r.kind == NAMED_UNMATCHED
                else "but the protocols and ports do not match")
        return (
            f"{name} selects {this}, and {direction} rule #{(r.rule_index or 0) + 1} selects "
            f"{other}, {tail}"
        )
    tail = " (no rules defined)" if r.kind == NO_RULES else ""
    return f"{name} selects {this}, but {other} is not allowed by any {direction} rule{tail}"


def side_text(side: Side, this: str, other: str) -> str:
    direction = "Egress" if side.direction == EGRESS else "Ingress"
    if not side.isolated:
        return f"\t\t{direction} (Allowed) due to the system default (Allow all)\n"
    head = f"\t\t{direction} ({'Allowed' if side.allowed else 'Denied'})"
    groups: dict[str, set[str]] = {}
    for r in side.reasons:
        groups.setdefault(reason_kind(r), set()).add(reason_text(r, direction, this, other))
    body = ""
    for kind in sorted(groups, key=lambda k: (-_KIND_LAYER.get(k, 0), k)):
        lines = sorted(groups[kind])
        if len(lines) == 1:
            body += f"\n\t\t\t{lines[0]}"
        else:
            body += f"\n\t\t\t{kind} list:\n" + "".join(f"\t\t\t\t- {ln}\n" for ln in lines)
    return head + body + "\n"


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
    out = [explain_pair(an, s, d, sp.key, dp.key, universe) for sp, s, dp, d in pairs]
    # the ingress controller, to every workload it reaches (a workload whose ports or policies
    # let nothing through is left out, as from the list; ``netviz list`` warns about it)
    ia = analyze_ingress(an)
    if ia.present:
        ic = PeerNode.ingress_controller()
        for t in ia.targets:
            dp = PeerNode.workload(t.workload)
            if t.blocked or not in_focus(ic, dp, focus):
                continue
            gates = [Gate(p.obj.kind, p.obj.key, p.service.name, p.ports) for p in t.paths]
            out.append(explain_pair(an, ia.controller, an.classes[wl[t.workload][0]], ic.key,
                                    dp.key, universe, gates))
    return out


def keep_pair(p: PairExplanation, only: str | None, universe: ConnectionSet | None) -> bool:
    """``--explain-only``: ``allow`` keeps pairs with something allowed, ``deny`` pairs with
    nothing allowed (with a port focus: whether that port is allowed)."""
    if only is None:
        return True
    allowed = p.allowed if universe is None else p.allowed & universe
    return bool(allowed) if only == "allow" else not allowed


def render_explain(an: Analyzer, focus: Focus | None = None, only: str | None = None) -> str:
    """The explain text; ``only`` is None, ``"allow"`` or ``"deny"`` (``--explain-only``)."""
    focus = focus or Focus()
    universe = (
        ConnectionSet.of(focus.protocol, focus.port)
        if focus.protocol is not None and focus.port is not None
        else None
    )
    notes = option_notes(an)
    out = [f"# {n}\n" for n in notes]
    specific: list[str] = []
    defaults = []
    for p in explanations(an, focus):
        if not keep_pair(p, only, universe):
            continue
        if p.default_only:
            defaults.append(f"{p.src} => {p.dst}\n")
        else:
            specific.append(pair_text(p))
    if specific:
        out.append("\n" + "#" * 42 + "\n# Specific connections and their reasons #\n"
                   + "#" * 42 + "\n")
        out.extend(specific)
    if defaults:
        out.append(
            "\n" + "#" * 57 + "\n# All Connections due to the system default (Allow all) #\n"
            + "#" * 57 + "\n"
        )
        out.extend(defaults)
    return "".join(out)

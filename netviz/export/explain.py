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
    Layer,
    Outcome,
    PairExplanation,
    Side,
    Step,
    explain_pair,
)
from netviz.engine.ingress import analyze_ingress, explain_target
from netviz.engine.ipranges import IPRange
from netviz.export.printable import printable
from netviz.model.cluster_policy import ClusterPolicy, Tier

RULER = "-" * 160
_PROTO_ORDER = ("TCP", "UDP", "SCTP")
DEFAULT_TEXT = "the system default (Allow all)"
_VERBS = {Outcome.ACCEPT: "allows", Outcome.DENY: "denies", Outcome.PASS: "passes"}


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


def rule_label(step: Step) -> str:
    """A cluster rule by name (the reference's way), or ``#k`` when it has none."""
    name = step.cluster_rule.name if step.cluster_rule else ""
    return name or f"#{(step.rule_index or 0) + 1}"


def reason_text(r: Step, direction: str, this: str, other: str) -> str:
    """One line of the reference explain format for a step of the chain."""
    if r.gate is not None:
        g = r.gate
        if r.outcome is Outcome.GATE_ALLOWS:
            return f"{g.kind} '{g.name}' allows ingress connections through service {g.service}"
        return (f"{g.kind} '{g.name}' allows ingress to service {g.service}, but the protocols "
                "and ports do not match")
    if r.layer is Layer.DEFAULT:
        return DEFAULT_TEXT
    if isinstance(r.policy, ClusterPolicy):
        if r.layer is Layer.BASELINE and r.outcome is Outcome.ACCEPT:
            # the reference credits what a BaselineAdminNetworkPolicy allows to the default
            # (its explanations never name a baseline Allow rule)
            return DEFAULT_TEXT
        tier = f" ({r.policy.tier} tier)" if r.policy.kind == "ClusterNetworkPolicy" else ""
        return (f"{r.policy.kind} '{r.policy.name}'{tier} {_VERBS[r.outcome]} connections by "
                f"{direction} rule {rule_label(r)}")
    assert r.policy is not None
    name = f"NetworkPolicy '{r.policy.namespace}/{r.policy.name}'"
    if r.outcome is Outcome.ALLOWS:
        return f"{name} allows connections by {direction} rule #{(r.rule_index or 0) + 1}"
    if r.outcome in (Outcome.PORTS_MISMATCH, Outcome.NAMED_UNMATCHED):
        tail = ("but named ports of the rule have no match in the configuration of the "
                "destination peer" if r.outcome is Outcome.NAMED_UNMATCHED
                else "but the protocols and ports do not match")
        return (
            f"{name} selects {this}, and {direction} rule #{(r.rule_index or 0) + 1} selects "
            f"{other}, {tail}"
        )
    tail = " (no rules defined)" if r.outcome is Outcome.NO_RULES else ""
    return f"{name} selects {this}, but {other} is not allowed by any {direction} rule{tail}"


def _group_key(step: Step) -> tuple[int, str]:
    """The reference groups a side's rules by kind, highest layer first."""
    if step.layer is Layer.DEFAULT or (
        step.layer is Layer.BASELINE and step.outcome is Outcome.ACCEPT
    ):
        return (3, "")
    # NetworkPolicy, Ingress and Route are one layer; kinds of a layer are ordered by name
    tier_order = {Layer.ADMIN: 0, Layer.NETWORK_POLICY: 1, Layer.BASELINE: 2}[step.layer]
    kind = step.kind
    if isinstance(step.policy, ClusterPolicy) and step.policy.kind == "ClusterNetworkPolicy":
        kind = f"ClusterNetworkPolicy {'Admin' if step.policy.tier is Tier.ADMIN else 'Baseline'}"
    return (tier_order, kind)


def side_text(side: Side, this: str, other: str) -> str:
    direction = "Egress" if side.direction == EGRESS else "Ingress"
    if side.default_only:
        return f"\t\t{direction} (Allowed) due to {DEFAULT_TEXT}\n"
    head = f"\t\t{direction} ({'Allowed' if side.allowed else 'Denied'})"
    groups: dict[tuple[int, str], set[str]] = {}
    for st in side.steps:
        # names of policies, rules and peers come from the inputs: escaped, one line each
        groups.setdefault(_group_key(st), set()).add(
            printable(reason_text(st, direction, this, other)))
    out = head
    for key in sorted(groups):
        lines = sorted(groups[key])
        if len(lines) == 1:
            out += f"\n\t\t\t{lines[0]}"
        else:
            kind = key[1].split(" ")[0] or "default"
            out += f"\n\t\t\t{kind} list:\n" + "".join(f"\t\t\t\t- {ln}\n" for ln in lines)
    return out + "\n"


def pair_text(p: PairExplanation) -> str:
    out = [RULER + "\n", f"Connections between {printable(p.src)} => {printable(p.dst)}:\n",
           "\n"]
    for allowed, title in ((True, "Allowed"), (False, "Denied")):
        blocks = []
        for r in p.regions:
            if r.allowed != allowed:
                continue
            if r.egress.default_only and r.ingress.default_only:
                blocks.append(f"\t{title} {conn_text(r.connections)} due to {DEFAULT_TEXT}\n\n")
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
            out.append(explain_target(an, t, universe))
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
            defaults.append(f"{printable(p.src)} => {printable(p.dst)}\n")
        else:
            specific.append(pair_text(p))
    if specific:
        # the reference prints the banner only when some pair has policies behind it
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

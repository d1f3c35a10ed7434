"""``netviz eval PATH... --src A --dst B --port P [--protocol TCP]``: one verdict, explained.

Prints whether the probed connection is allowed, every connection allowed for the pair, and per
direction (the source's egress, the destination's ingress) the tier chain that decided it
(``Admin tier (Pass) -> NetworkPolicy tier (allowed)``) and each step of it: which cluster
policy rule (kind, name, priority, rule name and index, action) or which NetworkPolicy rule
allowed or denied, with ``file:line`` when the manifests were loaded from files; or "not
isolated: allowed by default". It renders the one explanation of ``netviz.engine.explain``.
Named ports that resolve on no container of the destination are flagged. Exit code: 0 allowed, 1 denied, 2 usage (bad or unknown names), 3 input.

Naming an endpoint:
- ``ns/name`` names a workload of any kind or a pod; ``ns/name[Kind]`` picks one when a name is
  shared by several kinds (otherwise: an error listing the candidates with their kinds). A
  workload is evaluated through its first pod (pods of one workload normally share labels).
  An unknown name is an error with "did you mean ...?" suggestions.
- An IP address is an external endpoint, except when it is the status IP of a loaded pod and
  ``--ipblock-matches-pod-ips`` is on: then it *is* that pod. With the option off a pod's IP is
  still evaluated as an external address (the reference convention: ipBlocks never match
  pods), and a note on stderr says whose IP it is.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import sys
from typing import TextIO

from netviz.cli.exits import EXIT_DENIED, EXIT_OK, EXIT_USAGE
from netviz.cli.list_cmd import (
    PROTOCOLS,
    CLIError,
    _port,
    add_input_args,
    add_option_args,
    enforcement_notes,
    enforcement_of,
    load_input,
    note_assumptions,
    note_options,
    options_from_args,
    pods_with_ip,
    warn_enforcement,
)
from netviz.engine.analyzer import EGRESS, Analyzer, Options
from netviz.engine.connections import ConnectionSet
from netviz.engine.explain import (
    EXTERNAL,
    NODE,
    NOT_GOVERNED,
    DirectionExplanation,
    Layer,
    Outcome,
    Side,
    Step,
    explain_endpoints,
)
from netviz.engine.ingress import INGRESS_CONTROLLER_NAMES, analyze_ingress, explain_target
from netviz.engine.ipranges import IPRange
from netviz.export.printable import printable
from netviz.model import Cluster, NetworkPolicy, Pod, Rule
from netviz.model.cluster_policy import ClusterPolicy, ClusterRule, Tier
from netviz.model.enforcement import Enforcement
from netviz.model.keys import INGRESS_CONTROLLER_KEY, external_key, split_kind


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "eval",
        help="evaluate one connection and explain the verdict (exit 0 allowed, 1 denied)",
        description="Evaluate one connection between two endpoints and explain the verdict.",
    )
    add_input_args(p)
    p.add_argument("--src", required=True, metavar="NS/NAME|IP",
                   help="source: a workload or pod (ns/name or ns/name[Kind]), an IP address, "
                        "or {ingress-controller} (through the Ingress/Route objects that lead "
                        "to --dst)")
    p.add_argument("--dst", required=True, metavar="NS/NAME|IP",
                   help="destination: a workload or pod or an IP address")
    p.add_argument("--port", required=True, type=_port, help="destination port")
    p.add_argument("--protocol", type=str.upper, choices=PROTOCOLS, default="TCP",
                   help="protocol (default TCP)")
    add_option_args(p)
    p.set_defaults(func=run)


# --------------------------------------------------------------------------- endpoints


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def resolve(cluster: Cluster, an: Analyzer, text: str, err: TextIO, quiet: bool) -> tuple[Pod | IPRange, str]:
    """The endpoint ``text`` names and its display key."""
    if _is_ip(text):
        owners = pods_with_ip(cluster, text)
        ip = IPRange.from_ip(text)
        if owners and an.options.ipblock_matches_pod_ips:
            pod = owners[0]
            return pod, pod.workload_key
        if owners and not quiet:
            print(
                f"note: {text} is the IP of pod {owners[0].key}; evaluated as an external "
                "address (ipBlocks match only addresses outside the cluster; use "
                "--ipblock-matches-pod-ips, or name the pod)",
                file=err,
            )
        return ip, external_key(text)
    if "/" not in text:
        raise CLIError(f"{text!r}: name an endpoint as NS/NAME, NS/NAME[Kind] or an IP address")
    base, kind = split_kind(text)
    ns, name = base.split("/", 1)
    # workloads (by their pods' workload keys) and pods
    by_wl: dict[str, list[Pod]] = {}
    for p in cluster.pods:
        by_wl.setdefault(p.workload_key, []).append(p)
    cands: list[tuple[str, Pod]] = []  # (display "ns/name[Kind]", representative pod)
    for key, pods in sorted(by_wl.items()):
        w_base, w_kind = split_kind(key)
        if w_base == f"{ns}/{name}" and (kind is None or kind == w_kind):
            cands.append((key, pods[0]))
    if kind in (None, "Pod"):
        for p in cluster.pods:
            if p.namespace == ns and p.name == name and not any(c[1] is p for c in cands):
                cands.append((f"{p.key}[Pod]", p))
    if len(cands) == 1:
        return cands[0][1], cands[0][1].workload_key
    if len(cands) > 1:
        listed = ", ".join(c[0] for c in cands)
        raise CLIError(f"{text!r} is ambiguous: {listed}; add the kind, e.g. {cands[0][0]}")
    pool = sorted(
        {split_kind(k)[0] for k in by_wl} | {p.key for p in cluster.pods if not p.synthetic}
    )
    close = difflib.get_close_matches(base, pool, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CLIError(f"no workload or pod named {text!r}{hint}")


# --------------------------------------------------------------------------- text


def _where(obj: NetworkPolicy | ClusterPolicy | Rule | ClusterRule | None) -> str:
    src = obj.source if obj is not None else None
    return f" ({src.file}:{src.line})" if src is not None else ""


def policy_title(policy: NetworkPolicy | ClusterPolicy) -> str:
    """``NetworkPolicy ns/name`` or ``AdminNetworkPolicy 'name' (priority 5)``."""
    if isinstance(policy, ClusterPolicy):
        prio = "" if policy.priority is None else f" (priority {policy.priority})"
        tier = " Admin tier" if policy.kind == "ClusterNetworkPolicy" and \
            policy.tier is Tier.ADMIN else ""
        if policy.kind == "ClusterNetworkPolicy" and policy.tier is Tier.BASELINE:
            tier = " Baseline tier"
        return f"{policy.kind}{tier} '{policy.name}'{prio}"
    return f"NetworkPolicy {policy.namespace}/{policy.name}"


def _rule_where(step: Step) -> str:
    return _where(step.rule) or _where(step.policy)


def cluster_rule_name(step: Step) -> str:
    """``rule 'name' (#2)`` or ``rule #2`` for a rule without a name."""
    name = step.cluster_rule.name if step.cluster_rule else ""
    k = (step.rule_index or 0) + 1
    return f"rule '{name}' (#{k})" if name else f"rule #{k}"


_ACTION_WORDS = {Outcome.ACCEPT: "accepted", Outcome.DENY: "denied", Outcome.PASS: "passed on"}


def _step_line(r: Step, direction: str, this: str, other: str) -> str:
    d = direction.lower()
    if r.layer is Layer.DEFAULT:
        return "default: no policy decided: allowed (the Kubernetes default)"
    if r.gate is not None:
        g = r.gate
        where = f" ({g.source.file}:{g.source.line})" if g.source is not None else ""
        if r.outcome is Outcome.GATE_ALLOWS:
            return f"{g.kind} {g.name}{where} leads here through Service {g.service}"
        to = str(g.connections) if g.connections else "no port the workload declares"
        return (f"{g.kind} {g.name}{where} leads through Service {g.service} only to {to}, "
                "not this protocol/port")
    flag = (
        f" [unresolved named port(s): {', '.join(r.unresolved)}]" if r.unresolved else ""
    )
    assert r.policy is not None
    if isinstance(r.policy, ClusterPolicy):
        verb = _ACTION_WORDS[r.outcome]
        action = step_rule.verb if (step_rule := r.cluster_rule) else ""
        closed = " (fails closed: a peer of unknown kind; applied as Deny all)" if r.fail_closed else ""
        nxt = " to the next tier" if r.outcome is Outcome.PASS else ""
        return (f"{r.layer.value} tier: {verb}{nxt} by {policy_title(r.policy)}, {d} "
                f"{cluster_rule_name(r)} [{action}]{_rule_where(r)}{closed}{flag}")
    pol = policy_title(r.policy)
    rule_where = _rule_where(r) if r.rule_index is not None else ""
    if r.outcome is Outcome.ALLOWS:
        return f"allowed by {pol}, {d} rule #{(r.rule_index or 0) + 1}{rule_where}{flag}"
    if r.outcome in (Outcome.PORTS_MISMATCH, Outcome.NAMED_UNMATCHED):
        return (
            f"{pol}{_where(r.policy)}: {d} rule #{(r.rule_index or 0) + 1}"
            f"{rule_where} matches {other}, but not this protocol/port{flag}"
        )
    if r.outcome is Outcome.NO_RULES:
        return f"{pol}{_where(r.policy)} selects {this} and has no {d} rules"
    return f"{pol}{_where(r.policy)} selects {this}; no {d} rule matches {other}"


def chain_text(side: Side) -> str:
    """``Admin tier (Pass) -> NetworkPolicy tier (allowed)``: the tiers a side went through."""
    parts: list[str] = []
    for st in side.steps:
        if st.layer is Layer.DEFAULT:
            label = "default (allowed)"
        elif st.layer is Layer.NETWORK_POLICY:
            label = f"NetworkPolicy tier ({'allowed' if side.allowed else 'denied'})"
        else:
            verb = st.cluster_rule.verb if st.cluster_rule else st.outcome.value
            label = f"{st.layer.value} tier ({verb})"
        if not parts or parts[-1] != label:
            parts.append(label)
    return " -> ".join(parts)


def side_lines(side: Side, detail: DirectionExplanation, this: str, other: str) -> list[str]:
    direction = "Egress" if side.direction == EGRESS else "Ingress"
    who = "source" if side.direction == EGRESS else "destination"
    head = f"{direction} ({who} {this}): "
    if detail.state == EXTERNAL:
        return [head + "an external address: no policy applies on this side"]
    if detail.state == NODE:
        return [head + "a hostNetwork pod handled as node traffic: no policy applies on this side"]
    gated = any(st.gate is not None for st in side.steps)
    if detail.state == NOT_GOVERNED and not gated:
        return [head + "not isolated: allowed by default"]
    out = [head + ("allowed" if side.allowed else "denied")]
    if detail.state == NOT_GOVERNED:
        out.append("  not isolated: the policies allow it by default; the ingress controller "
                   "sends only what Ingress/Route objects lead to")
    out.append(f"  tier chain: {chain_text(side)}")
    seen_layers = {st.layer for st in side.steps}
    for tier in detail.tiers:
        if tier.layer in seen_layers or tier.layer is Layer.NETWORK_POLICY:
            continue
        # policies of a tier that select the pod but no rule of which matched this connection
        names = ", ".join(policy_title(p.policy) for p in tier.policies)
        if tier.layer is Layer.BASELINE and Layer.NETWORK_POLICY in seen_layers:
            out.append(f"  {tier.layer.value} tier: not reached (NetworkPolicies select "
                       f"{this}): {names}")
        else:
            out.append(f"  {tier.layer.value} tier: no rule matches this connection: {names}")
    out += [f"  {_step_line(r, direction, this, other)}" for r in side.steps
            if r.layer is not Layer.DEFAULT or len(side.steps) > 1]
    return out


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        loaded = load_input(args.paths, args.quiet, err)
        cluster = loaded.cluster
        enforcement = enforcement_of(args, loaded)
        options = options_from_args(args)
        an = Analyzer(cluster, options)
        if args.dst.strip() in INGRESS_CONTROLLER_NAMES:
            raise CLIError("the ingress controller is only a source (of the traffic that "
                           "Ingress and Route objects lead to a workload)")
        if args.src.strip() in INGRESS_CONTROLLER_NAMES:
            dst, dst_key = resolve(cluster, an, args.dst, err, args.quiet)
            return _run_ingress(args, an, dst, dst_key, enforcement, options, out, err)
        src, src_key = resolve(cluster, an, args.src, err, args.quiet)
        dst, dst_key = resolve(cluster, an, args.dst, err, args.quiet)
        if isinstance(src, IPRange) and isinstance(dst, IPRange):
            raise CLIError("at least one of --src and --dst must be a workload or pod")
        between = ""
        if isinstance(src, Pod) and isinstance(dst, Pod) and src.key == dst.key:
            # a workload to itself: with several replicas the question is about traffic
            # between two of its pods, which policies do govern (a pod to itself is not)
            others = [
                p for p in cluster.pods if p.workload_key == src.workload_key and p.key != src.key
            ]
            if others and not args.dst.endswith("[Pod]"):
                dst = others[0]
                between = f"Between two pods of {src_key}: {src.name} => {dst.name}"
    except CLIError as exc:
        print(f"netviz eval: error: {exc.message}", file=err)
        return exc.code
    note_options(options, args.quiet, err)
    note_assumptions(an, args.quiet, err)
    warn_enforcement(enforcement, args.quiet, err)

    verdict = an.verdict(src, dst)
    allowed = verdict.allows(args.protocol, args.port)
    probe = f"{args.protocol} {args.port}"
    lines = [
        f"{'ALLOWED' if allowed else 'DENIED'}: {src_key} => {dst_key} : {probe}",
        f"Allowed connections for this pair: {verdict.allowed}",
    ]
    # the verdict is what the policies say; when nothing enforces them, say so right here
    lines += list(enforcement_notes(enforcement))
    if between:
        lines.append(between)
    if verdict.same_pod:
        lines.append(
            "Source and destination are the same pod (the workload has one pod): a pod can "
            "always reach itself."
        )
    else:
        expl = explain_endpoints(an, src, dst, src_key, dst_key,
                                 ConnectionSet.of(args.protocol, args.port))
        region = expl.regions[0]
        lines += side_lines(region.egress, expl.egress, src_key, dst_key)
        lines += side_lines(region.ingress, expl.ingress, dst_key, src_key)
        lines += [f"Note: {n}" for n in expl.notes if not n.startswith("Named ports")]
    unresolved = verdict.unresolved_named_ports
    if unresolved:
        lines.append(
            "Unresolved named ports (no container of the destination has them): "
            + ", ".join(unresolved)
        )
    lines += [f"Option: {d}" for d in options.describe()]
    out.write("\n".join(printable(line) for line in lines) + "\n")
    out.flush()
    return EXIT_OK if allowed else EXIT_DENIED


def _run_ingress(args: argparse.Namespace, an: Analyzer, dst: Pod | IPRange, dst_key: str,
                 enforcement: Enforcement | None, options: Options, out: TextIO,
                 err: TextIO) -> int:
    """``--src {ingress-controller}``: the policies and the Ingress/Route paths to ``dst``."""
    ia = analyze_ingress(an)
    target = ia.target(dst.workload_key) if ia.present and isinstance(dst, Pod) else None
    if target is None:
        why = ("no Ingress or Route leads to a Service that selects a workload"
               if not ia.present else f"no Ingress or Route leads to {dst_key}")
        print(f"netviz eval: error: {why}", file=err)
        return EXIT_USAGE
    note_options(options, args.quiet, err)
    warn_enforcement(enforcement, args.quiet, err)
    probe_set = ConnectionSet.of(args.protocol, args.port)
    allowed = bool(target.allowed & probe_set)
    src_key = INGRESS_CONTROLLER_KEY
    lines = [
        f"{'ALLOWED' if allowed else 'DENIED'}: {src_key} => {dst_key} : "
        f"{args.protocol} {args.port}",
        f"Allowed connections for this pair: {target.allowed or 'No Connections'}",
        f"The ingress controller ({options.ingress_controller_text()}) sends what these "
        "objects lead to: " + "; ".join(f"{p.label} through Service {p.service.name} "
                                        f"on {p.ports or 'no declared port'}"
                                        for p in target.paths),
    ]
    lines += list(enforcement_notes(enforcement))
    expl = explain_target(an, target, probe_set)
    region = expl.regions[0]
    lines += side_lines(region.egress, expl.egress, src_key, dst_key)
    lines += side_lines(region.ingress, expl.ingress, dst_key, src_key)
    lines += [f"Note: {n}" for n in expl.notes if not n.startswith("Named ports")]
    lines += [f"Option: {d}" for d in options.describe()]
    out.write("\n".join(printable(line) for line in lines) + "\n")
    out.flush()
    return EXIT_OK if allowed else EXIT_DENIED


__all__ = ["register", "run", "resolve", "EXIT_USAGE"]

"""Structural checks of AdminNetworkPolicy / BaselineAdminNetworkPolicy (not evaluated yet).

netviz does not evaluate these kinds yet; it still reports the mistakes the API server would
refuse (policy.networking.k8s.io/v1alpha1 CRD schema and CEL rules), so that a user who writes
them sees the problems now. Cross-object checks (two ANPs with one priority) live in
``netviz.io.manifests``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netviz.io.syntax import CIDRError, parse_cidr

if TYPE_CHECKING:
    from netviz.io.convert import Ctx

ANP_API_VERSION = "policy.networking.k8s.io/v1alpha1"
MAX_PRIORITY = 1000
MAX_RULES = 100


def _one_of(
    ctx: Ctx, value: Any, allowed: tuple[str, ...], path: tuple[Any, ...], what: str
) -> str | None:
    if not isinstance(value, dict):
        ctx.error(
            "anp-invalid", path, f"{what} must be a mapping with one of: {', '.join(allowed)}"
        )
        return None
    present = [k for k in allowed if value.get(k) is not None]
    unknown = [str(k) for k in value if k not in allowed]
    if unknown:
        ctx.error(
            "anp-invalid",
            path,
            f"{what} has unknown field(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})",
        )
        return None
    if len(present) != 1:
        got = ", ".join(present) if present else "none"
        ctx.error(
            "anp-invalid",
            path,
            f"{what} must set exactly one of {', '.join(allowed)} (it sets {got})",
        )
        return None
    return present[0]


def check(obj: dict[str, Any], ctx: Ctx) -> None:
    kind = obj["kind"]
    banp = kind == "BaselineAdminNetworkPolicy"
    if obj.get("apiVersion") != ANP_API_VERSION:
        ctx.warning(
            "unknown-api-version",
            ("apiVersion",),
            f"{kind} is served as {ANP_API_VERSION}, not {obj.get('apiVersion')!r}",
        )
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        ctx.error("missing-name", ("metadata", "name"), "missing; every object needs a name")
    elif banp and name != "default":
        ctx.error(
            "anp-invalid",
            ("metadata", "name"),
            f'a BaselineAdminNetworkPolicy must be named "default" (it is "{name}"); '
            "there is only one per cluster",
        )
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        ctx.error("anp-invalid", ("spec",), "spec is missing or not a mapping")
        return
    if not banp:
        prio = spec.get("priority")
        if isinstance(prio, bool) or not isinstance(prio, int):
            ctx.error("anp-invalid", ("spec", "priority"), "priority must be an integer 0-1000")
        elif not 0 <= prio <= MAX_PRIORITY:
            ctx.error(
                "anp-invalid",
                ("spec", "priority"),
                f"priority {prio} is out of range (0-{MAX_PRIORITY})",
            )
    _one_of(ctx, spec.get("subject"), ("namespaces", "pods"), ("spec", "subject"), "subject")
    actions = ("Allow", "Deny") if banp else ("Allow", "Deny", "Pass")
    for key, peers_key, peer_kinds in (
        ("ingress", "from", ("namespaces", "pods")),
        ("egress", "to", ("namespaces", "pods", "nodes", "networks")),
    ):
        rules = spec.get(key)
        if rules is None:
            continue
        if not isinstance(rules, list):
            ctx.error("anp-invalid", ("spec", key), "must be a list of rules")
            continue
        if len(rules) > MAX_RULES:
            ctx.error(
                "anp-invalid",
                ("spec", key),
                f"at most {MAX_RULES} rules are allowed (it has {len(rules)})",
            )
        for i, rule in enumerate(rules):
            rp = ("spec", key, i)
            if not isinstance(rule, dict):
                ctx.error("anp-invalid", rp, "a rule must be a mapping")
                continue
            action = rule.get("action")
            if action not in actions:
                ctx.error(
                    "anp-invalid",
                    (*rp, "action"),
                    f"{action!r} is not a valid action for {kind} (use {', '.join(actions)})",
                )
            peers = rule.get(peers_key)
            if not isinstance(peers, list) or not peers:
                ctx.error(
                    "anp-invalid", rp, f"{peers_key} is required and must list at least one peer"
                )
                peers = []
            for j, peer in enumerate(peers):
                pp = (*rp, peers_key, j)
                which = _one_of(ctx, peer, peer_kinds, pp, "a peer")
                if which == "networks":
                    for n, cidr in enumerate(peer["networks"] or ()):
                        try:
                            parse_cidr(str(cidr))
                        except CIDRError as exc:
                            ctx.error("invalid-cidr", (*pp, "networks", n), str(exc))
            ports = rule.get("ports")
            if ports is None:
                continue
            if not isinstance(ports, list):
                ctx.error("anp-invalid", (*rp, "ports"), "ports must be a list")
                continue
            for j, port in enumerate(ports):
                _one_of(
                    ctx,
                    port,
                    ("portNumber", "namedPort", "portRange"),
                    (*rp, "ports", j),
                    "a port",
                )

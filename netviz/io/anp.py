"""AdminNetworkPolicy, BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and
ClusterNetworkPolicy (v1alpha2): validate as the API server would, and convert to the one
model of ``netviz.model.cluster_policy``.

The schema followed is kubernetes-sigs/network-policy-api: the v1alpha1 types and CRDs of tag
v0.1.7 and the v1alpha2 types and CRDs of tag v0.2.0 (``apis/*/..._types.go``,
``config/crd/experimental``). What the API server refuses is an ERROR (code ``anp-invalid``,
``invalid-cidr``, ``missing-name``, ``unknown-field`` and the selector codes of
``netviz.io.fields``) and the object is not evaluated; what it accepts but is probably not
meant is a WARNING and the object is evaluated:

- ``cluster-policy-fail-closed``: a peer whose only field is unknown to netviz (written for a
  newer API version). The API: "If an implementation sees no fields are set then it can infer
  that the deployed CRD is of an incompatible version with an unknown field. In that case it
  should fail closed": an Allow/Accept rule matches nothing, a Deny/Pass rule denies all. A
  field close to a known one (``namespace`` for ``namespaces``) is an ERROR instead: the API
  server prunes the unknown field and refuses the empty peer.
- ``anp-empty-port-range``: a v1alpha1 ``portRange`` with ``start`` above ``end`` (v1alpha1 has
  no validation for it; the range matches no port). v1alpha2 refuses ``start >= end``.
- ``domain-names-not-accept``: ``domainNames`` in a Deny or Pass rule ("DomainNames is only
  supported for Allow/Accept rules").
- ``unknown-api-version``: an AdminNetworkPolicy not written as v1alpha1 (or a
  ClusterNetworkPolicy not as v1alpha2) is read as the served version.

Cross-object checks (two policies of one tier with one priority) live in ``netviz.io.manifests``.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from netviz.io.fields import BAD, Ctx, Path, describe, read_selector
from netviz.io.syntax import CIDRError, parse_cidr
from netviz.model import LabelSelector
from netviz.model.cluster_policy import (
    ANP_KIND,
    BANP_KIND,
    CNP_KIND,
    DOMAIN_NAMES,
    NAMESPACES,
    NETWORKS,
    NODES,
    PODS,
    UNKNOWN,
    V1ALPHA1,
    V1ALPHA2,
    Action,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    ClusterSubject,
    Tier,
)

ANP_API_VERSION = V1ALPHA1
CNP_API_VERSION = V1ALPHA2
KINDS = (ANP_KIND, BANP_KIND, CNP_KIND)
MAX_PRIORITY = 1000
PROTOCOLS = ("TCP", "UDP", "SCTP")
#: "DomainName" pattern of both API versions (a leading "*." wildcard, then DNS labels)
_DOMAIN = re.compile(
    r"^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$"
)
_ACTION_WORDS = {"Allow": Action.ACCEPT, "Accept": Action.ACCEPT, "Deny": Action.DENY,
                 "Pass": Action.PASS}
#: every peer field these APIs know, in any position (a field known elsewhere is an error, not
#: a field from a newer version)
_KNOWN_PEER_FIELDS = (NAMESPACES, PODS, NETWORKS, NODES, DOMAIN_NAMES)


class _Spec:
    """What differs between the kinds and the API versions."""

    def __init__(self, kind: str, api_version: str) -> None:
        self.kind = kind
        self.v2 = kind == CNP_KIND
        self.max_rules = 25 if self.v2 else 100
        self.max_peers = 25 if self.v2 else 100
        self.max_ports = 25 if self.v2 else 100
        if kind == BANP_KIND:
            self.actions: tuple[str, ...] = ("Allow", "Deny")
        elif kind == ANP_KIND:
            self.actions = ("Allow", "Deny", "Pass")
        else:
            self.actions = ("Accept", "Deny", "Pass")
        self.ingress_peers: tuple[str, ...] = (NAMESPACES, PODS)
        # v1alpha1 BaselineAdminNetworkPolicy egress peers have no domainNames
        self.egress_peers: tuple[str, ...] = (
            (NAMESPACES, PODS, NODES, NETWORKS)
            if kind == BANP_KIND
            else (NAMESPACES, PODS, NODES, NETWORKS, DOMAIN_NAMES)
        )
        self.ports_key = "protocols" if self.v2 else "ports"
        self.api_version = api_version


def _one_of(
    ctx: Ctx, value: Any, allowed: tuple[str, ...], path: Path, what: str
) -> str | None:
    """The one field set in ``value`` (a mapping that must set exactly one of ``allowed``)."""
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


def _int(ctx: Ctx, value: Any, path: Path, what: str, lo: int, hi: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        hint = ""
        if isinstance(value, str) and value.strip().isdigit():
            hint = f" (write {value.strip()} without quotes)"
        ctx.error("anp-invalid", path, f"{what} must be an integer {lo}-{hi}, got "
                  f"{describe(value)}{hint}")
        return None
    if not lo <= value <= hi:
        ctx.error("anp-invalid", path, f"{what} {value} is out of range ({lo}-{hi})")
        return None
    return value


def _selector(ctx: Ctx, value: Any, path: Path, *, required: bool) -> LabelSelector | None:
    if value is None:
        if required:
            # the CRD marks it required, but the reference analyzer's scenarios leave it out and
            # Go reads the absent field as an empty selector; so does netviz, with a warning
            ctx.warning("anp-missing-selector", path,
                        "is required by the API; read as {} (it selects everything)")
        return LabelSelector()
    got = read_selector(ctx, value, path)
    if got is BAD or got is None:
        return None
    assert isinstance(got, LabelSelector)
    return got


def _namespaced_pod(ctx: Ctx, value: Any, path: Path, spec: _Spec) -> tuple[LabelSelector, LabelSelector] | None:
    """``pods: {namespaceSelector, podSelector}``. v1alpha1 requires both; v1alpha2 only
    ``podSelector`` (an absent ``namespaceSelector`` selects every namespace)."""
    if not isinstance(value, dict):
        ctx.error("anp-invalid", path, "must be a mapping with namespaceSelector and podSelector")
        return None
    extra = [str(k) for k in value if k not in ("namespaceSelector", "podSelector")]
    if extra:
        close = difflib.get_close_matches(extra[0], ["namespaceSelector", "podSelector"], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        ctx.error("unknown-field", (*path, extra[0]),
                  f"unknown field{hint}; allowed: namespaceSelector, podSelector")
        return None
    ns = _selector(ctx, value.get("namespaceSelector"), (*path, "namespaceSelector"),
                   required=not spec.v2)
    pod = _selector(ctx, value.get("podSelector"), (*path, "podSelector"), required=True)
    if ns is None or pod is None:
        return None
    return ns, pod


def _subject(ctx: Ctx, value: Any, spec: _Spec) -> ClusterSubject | None:
    path: Path = ("spec", "subject")
    which = _one_of(ctx, value, (NAMESPACES, PODS), path, "subject")
    if which is None:
        return None
    if which == NAMESPACES:
        sel = _selector(ctx, value[NAMESPACES], (*path, NAMESPACES), required=True)
        return None if sel is None else ClusterSubject(sel, None)
    got = _namespaced_pod(ctx, value[PODS], (*path, PODS), spec)
    return None if got is None else ClusterSubject(got[0], got[1])


def _peer(ctx: Ctx, value: Any, path: Path, kinds: tuple[str, ...], ingress: bool,
          spec: _Spec) -> ClusterPeer | None:
    where = "an ingress peer" if ingress else "an egress peer"
    if not isinstance(value, dict):
        ctx.error("anp-invalid", path, f"{where} must be a mapping with one of: {', '.join(kinds)}")
        return None
    keys = [str(k) for k in value if value.get(k) is not None]
    if not keys:
        ctx.error("anp-invalid", path,
                  f"{where} must set exactly one of {', '.join(kinds)} (it sets none)")
        return None
    if len(keys) > 1:
        ctx.error("anp-invalid", path,
                  f"{where} must set exactly one of {', '.join(kinds)} (it sets {', '.join(keys)})")
        return None
    key = keys[0]
    if key not in kinds:
        if key in _KNOWN_PEER_FIELDS:
            ctx.error("anp-invalid", (*path, key),
                      f"{key} is not allowed in {where} of a {spec.kind} (allowed: "
                      f"{', '.join(kinds)})")
            return None
        close = difflib.get_close_matches(key, _KNOWN_PEER_FIELDS, n=1, cutoff=0.75)
        if close:
            ctx.error("unknown-field", (*path, key),
                      f"unknown field (did you mean {close[0]}?); the API server drops it and "
                      "refuses the empty peer")
            return None
        ctx.warning(
            "cluster-policy-fail-closed", (*path, key),
            f"unknown peer field {key!r} (from a newer API version?): netviz fails closed on "
            "it, as the API asks: an Allow/Accept rule with it matches nothing, a Deny or Pass "
            "rule with it denies all traffic",
        )
        return ClusterPeer(UNKNOWN, unknown_fields=(key,), source=ctx.src(path))
    raw = value[key]
    src = ctx.src(path)
    kp = (*path, key)
    if key == NAMESPACES:
        sel = _selector(ctx, raw, kp, required=True)
        return None if sel is None else ClusterPeer(NAMESPACES, namespace_selector=sel, source=src)
    if key == PODS:
        got = _namespaced_pod(ctx, raw, kp, spec)
        if got is None:
            return None
        return ClusterPeer(PODS, namespace_selector=got[0], pod_selector=got[1], source=src)
    if key == NODES:
        sel = _selector(ctx, raw, kp, required=True)
        return None if sel is None else ClusterPeer(NODES, node_selector=sel, source=src)
    if not isinstance(raw, list) or not raw:
        ctx.error("anp-invalid", kp, f"{key} must be a list with at least one item")
        return None
    if len(raw) > 25:
        ctx.error("anp-invalid", kp, f"{key} can have at most 25 items (it has {len(raw)})")
        return None
    if key == NETWORKS:
        cidrs: list[str] = []
        ok = True
        for n, cidr in enumerate(raw):
            if not isinstance(cidr, str):
                ctx.error("invalid-cidr", (*kp, n), f"expected a CIDR string, got {describe(cidr)}")
                ok = False
                continue
            try:
                net, notes = parse_cidr(cidr.strip())
            except CIDRError as exc:
                ctx.error("invalid-cidr", (*kp, n), str(exc))
                ok = False
                continue
            for note in notes:
                ctx.warning("noncanonical-cidr", (*kp, n), f'"{cidr}": {note}')
            cidrs.append(str(net))
        return ClusterPeer(NETWORKS, networks=tuple(dict.fromkeys(cidrs)), source=src) if ok else None
    names: list[str] = []
    ok = True
    for n, name in enumerate(raw):
        if not isinstance(name, str) or not _DOMAIN.match(name):
            shown = f'"{name}"' if isinstance(name, str) else describe(name)
            ctx.error("anp-invalid", (*kp, n),
                      f"{shown} is not a domain name (e.g. kubernetes.io or *.kubernetes.io)")
            ok = False
            continue
        names.append(name)
    return ClusterPeer(DOMAIN_NAMES, domain_names=tuple(names), source=src) if ok else None


def _v1_port(ctx: Ctx, value: Any, path: Path) -> ClusterPort | None:
    which = _one_of(ctx, value, ("portNumber", "namedPort", "portRange"), path, "a port")
    if which is None:
        return None
    raw = value[which]
    wp = (*path, which)
    if which == "namedPort":
        if not isinstance(raw, str) or not raw:
            ctx.error("anp-invalid", wp, f"expected a port name, got {describe(raw)}")
            return None
        return ClusterPort(protocol=None, name=raw)
    fields = ("protocol", "port") if which == "portNumber" else ("protocol", "start", "end")
    if not isinstance(raw, dict):
        ctx.error("anp-invalid", wp, f"expected a mapping with {', '.join(fields)}")
        return None
    extra = [str(k) for k in raw if k not in fields]
    if extra:
        ctx.error("unknown-field", (*wp, extra[0]), f"unknown field; allowed: {', '.join(fields)}")
        return None
    proto = raw.get("protocol") or "TCP"
    if proto not in PROTOCOLS:
        hint = " (upper case)" if isinstance(proto, str) and proto.upper() in PROTOCOLS else ""
        ctx.error("invalid-protocol", (*wp, "protocol"),
                  f"{describe(proto)} is not a valid protocol (use TCP, UDP or SCTP{hint})")
        return None
    if which == "portNumber":
        port = _int(ctx, raw.get("port"), (*wp, "port"), "port", 1, 65535)
        return None if port is None else ClusterPort(proto, port)
    start = _int(ctx, raw.get("start"), (*wp, "start"), "start", 1, 65535)
    end = _int(ctx, raw.get("end"), (*wp, "end"), "end", 1, 65535)
    if start is None or end is None:
        return None
    if start > end:
        ctx.warning("anp-empty-port-range", wp,
                    f"start {start} is above end {end}: the range holds no port, so this entry "
                    "matches nothing (v1alpha1 does not refuse it)")
    return ClusterPort(proto, start, end)


def _v2_protocol(ctx: Ctx, value: Any, path: Path) -> ClusterPort | None:
    which = _one_of(ctx, value, ("tcp", "udp", "sctp", "destinationNamedPort"), path,
                    "a protocol")
    if which is None:
        return None
    raw = value[which]
    wp = (*path, which)
    if which == "destinationNamedPort":
        if not isinstance(raw, str) or not raw:
            ctx.error("anp-invalid", wp, f"expected a port name, got {describe(raw)}")
            return None
        return ClusterPort(protocol=None, name=raw)
    proto = which.upper()
    if not isinstance(raw, dict) or "destinationPort" not in raw:
        ctx.error("anp-invalid", wp, f"{which} must set destinationPort (number or range)")
        return None
    extra = [str(k) for k in raw if k != "destinationPort"]
    if extra:
        ctx.error("unknown-field", (*wp, extra[0]), "unknown field; allowed: destinationPort")
        return None
    dp = (*wp, "destinationPort")
    kind = _one_of(ctx, raw["destinationPort"], ("number", "range"), dp, "destinationPort")
    if kind is None:
        return None
    if kind == "number":
        port = _int(ctx, raw["destinationPort"]["number"], (*dp, "number"), "number", 1, 65535)
        return None if port is None else ClusterPort(proto, port)
    rng = raw["destinationPort"]["range"]
    rp = (*dp, "range")
    if not isinstance(rng, dict):
        ctx.error("anp-invalid", rp, "range must be a mapping with start and end")
        return None
    extra = [str(k) for k in rng if k not in ("start", "end")]
    if extra:
        ctx.error("unknown-field", (*rp, extra[0]), "unknown field; allowed: start, end")
        return None
    start = _int(ctx, rng.get("start"), (*rp, "start"), "start", 1, 65535)
    end = _int(ctx, rng.get("end"), (*rp, "end"), "end", 1, 65535)
    if start is None or end is None:
        return None
    if start >= end:
        ctx.error("anp-invalid", rp, f"start {start} must be less than end {end}")
        return None
    return ClusterPort(proto, start, end)


def _rule(ctx: Ctx, value: Any, path: Path, ingress: bool, spec: _Spec) -> ClusterRule | None:
    if not isinstance(value, dict):
        ctx.error("anp-invalid", path, "a rule must be a mapping")
        return None
    peers_key = "from" if ingress else "to"
    allowed_fields = ("name", "action", peers_key, spec.ports_key)
    ok = True
    for k in value:
        if k not in allowed_fields:
            close = difflib.get_close_matches(str(k), allowed_fields, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            ctx.error("unknown-field", (*path, str(k)),
                      f"unknown field{hint}; allowed: {', '.join(allowed_fields)}")
            ok = False
    name = value.get("name")
    if name is None:
        name = ""
    elif not isinstance(name, str):
        ctx.error("anp-invalid", (*path, "name"), f"expected a string, got {describe(name)}")
        ok = False
    elif len(name) > 100:
        ctx.error("anp-invalid", (*path, "name"),
                  f"a rule name has at most 100 characters (it has {len(name)})")
        ok = False
    action_text = value.get("action")
    action: Action | None = None
    if action_text not in spec.actions:
        ctx.error("anp-invalid", (*path, "action"),
                  f"{action_text!r} is not a valid action for {spec.kind} (use "
                  f"{', '.join(spec.actions)})")
        ok = False
    else:
        action = _ACTION_WORDS[action_text]
    peers_raw = value.get(peers_key)
    peers: list[ClusterPeer] = []
    if not isinstance(peers_raw, list) or not peers_raw:
        ctx.error("anp-invalid", path, f"{peers_key} is required and must list at least one peer")
        ok = False
        peers_raw = []
    elif len(peers_raw) > spec.max_peers:
        ctx.error("anp-invalid", (*path, peers_key),
                  f"at most {spec.max_peers} peers are allowed (it has {len(peers_raw)})")
        ok = False
    kinds = spec.ingress_peers if ingress else spec.egress_peers
    for j, p in enumerate(peers_raw):
        got = _peer(ctx, p, (*path, peers_key, j), kinds, ingress, spec)
        if got is None:
            ok = False
        else:
            peers.append(got)
    ports: list[ClusterPort] | None = None
    ports_raw = value.get(spec.ports_key)
    if ports_raw is not None:
        pp = (*path, spec.ports_key)
        if not isinstance(ports_raw, list) or not ports_raw:
            ctx.error("anp-invalid", pp, f"{spec.ports_key} must be a list with at least one "
                      "item (leave it out to match every port)")
            ok = False
        elif len(ports_raw) > spec.max_ports:
            ctx.error("anp-invalid", pp, f"at most {spec.max_ports} items are allowed (it has "
                      f"{len(ports_raw)})")
            ok = False
        else:
            ports = []
            for j, port in enumerate(ports_raw):
                cp = (_v2_protocol if spec.v2 else _v1_port)(ctx, port, (*pp, j))
                if cp is None:
                    ok = False
                else:
                    ports.append(cp)
    if not ok or action is None:
        return None
    named = [p.name for p in ports or () if p.name is not None]
    if named and any(p.kind in (NETWORKS, NODES, DOMAIN_NAMES) for p in peers):
        # the experimental CRD refuses this (a CEL rule); the standard one has no named ports.
        # The reference analyzer reads it (the named port never matches an address); so does
        # netviz, with a warning
        ctx.warning("named-port-networks", (*path, spec.ports_key),
                    "named ports with networks/nodes/domainNames peers: the API server's CEL "
                    "validation refuses this, and a named port never matches an address (only a "
                    f"pod's container port): {', '.join(str(n) for n in named)}")
    if action is not Action.ACCEPT and any(p.kind == DOMAIN_NAMES for p in peers):
        ctx.warning("domain-names-not-accept", (*path, "action"),
                    f"domainNames are only supported in {spec.actions[0]} rules; an "
                    "implementation may refuse or ignore this rule")
    return ClusterRule(
        name=name,
        action=action,
        peers=tuple(peers),
        ports=None if ports is None else tuple(ports),
        action_text=str(action_text),
        source=ctx.src(path),
    )


def convert(obj: dict[str, Any], ctx: Ctx) -> ClusterPolicy | None:
    """Validate ``obj`` (kind AdminNetworkPolicy, BaselineAdminNetworkPolicy or
    ClusterNetworkPolicy); the model object, or None after an ERROR."""
    kind = obj["kind"]
    want = CNP_API_VERSION if kind == CNP_KIND else ANP_API_VERSION
    if obj.get("apiVersion") != want:
        ctx.warning(
            "unknown-api-version",
            ("apiVersion",),
            f"{kind} is served as {want}, not {obj.get('apiVersion')!r}; read as {want}",
        )
    spec_info = _Spec(kind, want)
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        ctx.error("missing-name", ("metadata", "name"), "missing; every object needs a name")
        name = None
    elif kind == BANP_KIND and name != "default":
        ctx.error(
            "anp-invalid",
            ("metadata", "name"),
            f'a BaselineAdminNetworkPolicy must be named "default" (it is "{name}"); '
            "there is only one per cluster",
        )
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        ctx.error("anp-invalid", ("spec",), "spec is missing or not a mapping")
        return None
    fields = ["subject", "ingress", "egress"]
    if kind != BANP_KIND:
        fields.append("priority")
    if kind == CNP_KIND:
        fields.append("tier")
    for k in spec:
        if k not in fields:
            close = difflib.get_close_matches(str(k), fields, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            ctx.error("unknown-field", ("spec", str(k)),
                      f"unknown field{hint}; the API server refuses it (allowed: "
                      f"{', '.join(fields)})")
    prio: int | None = None
    if kind != BANP_KIND:
        prio = _int(ctx, spec.get("priority"), ("spec", "priority"), "priority", 0, MAX_PRIORITY)
    tier = Tier.ADMIN if kind == ANP_KIND else Tier.BASELINE
    if kind == CNP_KIND:
        t = spec.get("tier")
        if t not in ("Admin", "Baseline"):
            ctx.error("anp-invalid", ("spec", "tier"),
                      f"tier must be Admin or Baseline, got {describe(t)}")
        else:
            tier = Tier(t)
    subject = _subject(ctx, spec.get("subject"), spec_info)
    rules: dict[str, list[ClusterRule]] = {"ingress": [], "egress": []}
    for key in ("ingress", "egress"):
        raw = spec.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            ctx.error("anp-invalid", ("spec", key), "must be a list of rules")
            continue
        if len(raw) > spec_info.max_rules:
            ctx.error(
                "anp-invalid",
                ("spec", key),
                f"at most {spec_info.max_rules} rules are allowed (it has {len(raw)})",
            )
        for i, rule in enumerate(raw):
            got = _rule(ctx, rule, ("spec", key, i), key == "ingress", spec_info)
            if got is not None:
                rules[key].append(got)
    if ctx.errors or name is None or subject is None:
        return None
    return ClusterPolicy(
        kind=kind,
        name=name,
        tier=tier,
        priority=prio,
        subject=subject,
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
        api_version=want,
        source=ctx.source,
    )


def check(obj: dict[str, Any], ctx: Ctx) -> None:
    """Validation only (the diagnostics of ``convert``)."""
    convert(obj, ctx)

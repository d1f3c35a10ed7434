"""New NetworkPolicies from templates, and a policy written back as YAML: pure text generation.

Rules this module keeps:
- Qt-free and io-free: it only builds strings. Every template produces one YAML document that
  ``netviz.io.manifests.load_text`` accepts without errors (``tests/viewmodel/test_templates``
  loads each one through it), so a new policy is valid the moment it is added.
- Values are quoted only when YAML would read them as something other than the string
  written (``"true"``, ``"80"``, ``"~"``, leading/trailing blanks, ``:`` or ``#`` inside...),
  with JSON double quotes, which are valid YAML.
- Templates follow the Kubernetes documentation's examples
  (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies):
  default deny is an empty ``podSelector`` with the direction in ``policyTypes`` and no rules.

``TEMPLATES`` lists every template with its parameters so the GUI can build its dialog from it;
``render_template(name, **params)`` renders one. ``render_policy(policy)`` writes any model
``NetworkPolicy`` as YAML (used when a policy has no text of its own, e.g. an item of a
``List``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from netviz.model import LabelSelector, NetworkPolicy, Peer, PolicyPort, Rule

_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./-]*$")
#: YAML 1.1 words that are not strings when plain
_SPECIAL = frozenset(
    "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF "
    "null Null NULL ~".split()
)

DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}


def scalar(value: str | int) -> str:
    """``value`` as a YAML scalar that reads back as exactly that string (or int)."""
    if isinstance(value, int):
        return str(value)
    if value and _PLAIN.match(value) and value not in _SPECIAL:
        return value
    return json.dumps(value)


def parse_labels(text: str) -> dict[str, str]:
    """``"app=web, tier=front"`` -> ``{"app": "web", "tier": "front"}``; ``""`` -> ``{}``.
    Raises ``ValueError`` with a message for users on anything else."""
    out: dict[str, str] = {}
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"{part!r}: write labels as key=value, separated by commas")
        k, v = part.split("=", 1)
        if not k:
            raise ValueError(f"{part!r}: the label key is empty")
        out[k] = v
    return out


def _labels_block(labels: Mapping[str, str], indent: int) -> list[str]:
    pad = " " * indent
    if not labels:
        return []
    return [f"{pad}{scalar(k)}: {scalar(v)}" for k, v in sorted(labels.items())]


def _selector(labels: Mapping[str, str], indent: int, key: str) -> list[str]:
    """``key: {}`` for no labels, else ``key:`` + ``matchLabels``."""
    pad = " " * indent
    if not labels:
        return [f"{pad}{key}: {{}}"]
    return [f"{pad}{key}:", f"{pad}  matchLabels:", *_labels_block(labels, indent + 4)]


def _header(namespace: str, name: str) -> list[str]:
    return [
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata:",
        f"  name: {scalar(name)}",
        f"  namespace: {scalar(namespace)}",
        "spec:",
    ]


# --------------------------------------------------------------------------- templates


def default_deny(namespace: str, direction: str = "ingress", name: str = "") -> str:
    """Every pod of ``namespace`` isolated for ``direction`` (``ingress``, ``egress``, ``both``)
    with nothing allowed."""
    types = {"ingress": ["Ingress"], "egress": ["Egress"], "both": ["Ingress", "Egress"]}
    if direction not in types:
        raise ValueError(f"direction must be ingress, egress or both, not {direction!r}")
    name = name or {"ingress": "default-deny-ingress", "egress": "default-deny-egress",
                    "both": "default-deny-all"}[direction]
    lines = _header(namespace, name) + ["  podSelector: {}", "  policyTypes:"]
    lines += [f"    - {t}" for t in types[direction]]
    return "\n".join(lines) + "\n"


def allow_dns_egress(namespace: str, name: str = "allow-dns-egress",
                     dns_namespace: str = DNS_NAMESPACE,
                     dns_labels: Mapping[str, str] | None = None) -> str:
    """Every pod of ``namespace`` may reach the cluster DNS (UDP and TCP 53)."""
    dns_labels = DNS_POD_LABELS if dns_labels is None else dns_labels
    lines = _header(namespace, name) + [
        "  podSelector: {}",
        "  policyTypes:",
        "    - Egress",
        "  egress:",
        "    - to:",
        "        - namespaceSelector:",
        "            matchLabels:",
        f"              kubernetes.io/metadata.name: {scalar(dns_namespace)}",
    ]
    lines += _selector(dns_labels, 10, "podSelector")
    lines += [
        "      ports:",
        "        - protocol: UDP",
        "          port: 53",
        "        - protocol: TCP",
        "          port: 53",
    ]
    return "\n".join(lines) + "\n"


def allow_from_namespace(namespace: str, from_namespace: str, pod_labels: str = "",
                         name: str = "") -> str:
    """Pods of ``namespace`` (those with ``pod_labels``, or all) accept traffic from every pod
    of ``from_namespace``."""
    labels = parse_labels(pod_labels)
    name = name or f"allow-from-{from_namespace}"
    lines = _header(namespace, name) + _selector(labels, 2, "podSelector") + [
        "  policyTypes:",
        "    - Ingress",
        "  ingress:",
        "    - from:",
        "        - namespaceSelector:",
        "            matchLabels:",
        f"              kubernetes.io/metadata.name: {scalar(from_namespace)}",
    ]
    return "\n".join(lines) + "\n"


def allow_from_pods(namespace: str, pod_labels: str, from_labels: str, port: str = "",
                    protocol: str = "TCP", name: str = "") -> str:
    """Pods with ``pod_labels`` accept traffic from pods with ``from_labels`` (same namespace)
    on ``port`` (a number or a container port name; empty: every port)."""
    target = parse_labels(pod_labels)
    source = parse_labels(from_labels)
    if not name:
        who = "-".join(v for _, v in sorted(target.items())) or "all"
        name = f"allow-{who}-from-" + ("-".join(v for _, v in sorted(source.items())) or "all")
        name = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")[:63].strip("-.")
    lines = _header(namespace, name) + _selector(target, 2, "podSelector") + [
        "  policyTypes:",
        "    - Ingress",
        "  ingress:",
        "    - from:",
    ]
    if source:
        lines += ["        - podSelector:", "            matchLabels:", *_labels_block(source, 14)]
    else:
        lines += ["        - podSelector: {}"]
    port = port.strip()
    if port:
        lines += ["      ports:", f"        - protocol: {scalar(protocol)}",
                  f"          port: {scalar(int(port) if port.isdigit() else port)}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    default: str = ""
    #: "text", "namespace" (choose among the cluster's), "choice"
    kind: str = "text"
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    render: Callable[..., str]


_NS = Param("namespace", "Namespace", "default", "namespace")
_NAME = Param("name", "Policy name", "", help="empty: a name from the template")

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template("deny-ingress", "Default deny ingress",
                 "Isolate every pod of a namespace for ingress; nothing may reach them.",
                 (_NS, _NAME), lambda namespace, name="": default_deny(namespace, "ingress", name)),
        Template("deny-egress", "Default deny egress",
                 "Isolate every pod of a namespace for egress; they may reach nothing.",
                 (_NS, _NAME), lambda namespace, name="": default_deny(namespace, "egress", name)),
        Template("deny-all", "Default deny ingress and egress",
                 "Isolate every pod of a namespace in both directions.",
                 (_NS, _NAME), lambda namespace, name="": default_deny(namespace, "both", name)),
        Template("allow-dns", "Allow DNS egress",
                 "Every pod of a namespace may reach kube-dns (UDP and TCP 53).",
                 (_NS, Param("name", "Policy name", "allow-dns-egress"),
                  Param("dns_namespace", "DNS namespace", DNS_NAMESPACE, "namespace")),
                 lambda namespace, name="allow-dns-egress", dns_namespace=DNS_NAMESPACE:
                 allow_dns_egress(namespace, name or "allow-dns-egress", dns_namespace)),
        Template("allow-from-namespace", "Allow from a namespace",
                 "Pods of a namespace accept traffic from every pod of another namespace.",
                 (_NS, Param("from_namespace", "From namespace", "default", "namespace"),
                  Param("pod_labels", "Only pods with labels", "",
                        help="key=value, comma separated; empty: every pod"), _NAME),
                 allow_from_namespace),
        Template("allow-from-pods", "Allow from pods with a label on a port",
                 "Pods with a label accept traffic from pods with another label, on one port.",
                 (_NS, Param("pod_labels", "Pods (labels)", "app=api",
                             help="key=value, comma separated"),
                  Param("from_labels", "From pods (labels)", "app=web"),
                  Param("port", "Port", "8080", help="a number or a port name; empty: all"),
                  Param("protocol", "Protocol", "TCP", "choice", ("TCP", "UDP", "SCTP")), _NAME),
                 allow_from_pods),
    )
}


def render_template(template: str, /, **params: str) -> str:
    t = TEMPLATES.get(template)
    if t is None:
        raise KeyError(f"no template {template!r}; templates: {', '.join(TEMPLATES)}")
    return t.render(**params)


# --------------------------------------------------------------------------- any policy


def _selector_lines(sel: LabelSelector, indent: int, key: str) -> list[str]:
    pad = " " * indent
    if sel.is_empty:
        return [f"{pad}{key}: {{}}"]
    out = [f"{pad}{key}:"]
    if sel.match_labels:
        out.append(f"{pad}  matchLabels:")
        out += [f"{pad}    {scalar(k)}: {scalar(v)}" for k, v in sel.match_labels]
    if sel.match_expressions:
        out.append(f"{pad}  matchExpressions:")
        for r in sel.match_expressions:
            out.append(f"{pad}    - key: {scalar(r.key)}")
            out.append(f"{pad}      operator: {r.operator}")
            if r.values:
                out.append(f"{pad}      values: [{', '.join(scalar(v) for v in r.values)}]")
    return out


def _peer_lines(peer: Peer, indent: int) -> list[str]:
    pad = " " * indent
    body: list[str] = []
    if peer.ip_block is not None:
        body.append("ipBlock:")
        body.append(f"  cidr: {scalar(peer.ip_block.cidr)}")
        if peer.ip_block.except_:
            body.append("  except: [" + ", ".join(scalar(c) for c in peer.ip_block.except_) + "]")
    else:
        if peer.namespace_selector is not None:
            body += [ln[indent:] for ln in _selector_lines(peer.namespace_selector, indent,
                                                            "namespaceSelector")]
        if peer.pod_selector is not None:
            body += [ln[indent:] for ln in _selector_lines(peer.pod_selector, indent,
                                                            "podSelector")]
    return [f"{pad}- {body[0]}"] + [f"{pad}  {ln}" for ln in body[1:]]


def _port_lines(pp: PolicyPort, indent: int) -> list[str]:
    pad = " " * indent
    out = [f"{pad}- protocol: {pp.protocol}"]
    if pp.port is not None:
        out.append(f"{pad}  port: {scalar(pp.port)}")
    if pp.end_port is not None:
        out.append(f"{pad}  endPort: {pp.end_port}")
    return out


def _rule_lines(rule: Rule, peers_key: str) -> list[str]:
    out: list[str] = []
    if rule.peers:
        out.append(f"{peers_key}:")
        for p in rule.peers:
            out += _peer_lines(p, 4)
    if rule.ports:
        out.append("ports:")
        for pp in rule.ports:
            out += _port_lines(pp, 4)
    if not out:
        return ["    - {}"]
    return [f"    - {out[0]}"] + [f"      {ln}" for ln in out[1:]]


def render_policy(policy: NetworkPolicy) -> str:
    """``policy`` as one YAML document (comments and field order of the original are not
    kept: this is for policies that have no text of their own)."""
    lines = _header(policy.namespace, policy.name)
    lines += _selector_lines(policy.pod_selector, 2, "podSelector")
    lines.append("  policyTypes:")
    lines += [f"    - {t}" for t in ("Ingress", "Egress") if t in policy.policy_types]
    if policy.affects_ingress:
        if policy.ingress:
            lines.append("  ingress:")
            for r in policy.ingress:
                lines += _rule_lines(r, "from")
    if policy.affects_egress:
        if policy.egress:
            lines.append("  egress:")
            for r in policy.egress:
                lines += _rule_lines(r, "to")
    return "\n".join(lines) + "\n"


__all__ = [
    "TEMPLATES",
    "Param",
    "Template",
    "allow_dns_egress",
    "allow_from_namespace",
    "allow_from_pods",
    "default_deny",
    "parse_labels",
    "render_policy",
    "render_template",
    "scalar",
]

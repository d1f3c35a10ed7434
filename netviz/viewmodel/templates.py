"""New policies from templates, and a policy written back as YAML: pure text generation.

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
- Two templates write cluster-scoped policies (kubernetes-sigs/network-policy-api), in either
  API generation (``api``: ``v1alpha1`` writes an AdminNetworkPolicy / the
  BaselineAdminNetworkPolicy ``default``, ``v1alpha2`` a ClusterNetworkPolicy): *always allow
  DNS* (Admin tier: every selected pod may reach kube-dns on UDP/TCP 53 whatever lower tiers
  say) and *default deny* (Baseline tier: what no NetworkPolicy decides is denied; ingress from
  every namespace, egress to every namespace and every address).

``TEMPLATES`` lists every template with its parameters so the GUI can build its dialog from it;
``render_template(name, **params)`` renders one. ``render_policy(policy)`` writes any model
``NetworkPolicy`` as YAML, ``render_cluster_policy`` any cluster policy, ``render_any`` either
(used when a policy has no text of its own, e.g. an item of a ``List``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from netviz.model import (
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
)
from netviz.model.cluster_policy import (
    ANP_KIND,
    BANP_KIND,
    CNP_KIND,
    DOMAIN_NAMES,
    NAMESPACES,
    NETWORKS,
    NODES,
    PODS,
    V1ALPHA1,
    V1ALPHA2,
    Tier,
)

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


def _cluster_header(api: str, tier: str, name: str, priority: int | None) -> list[str]:
    """The head of a cluster policy in ``api`` (``v1alpha1``: AdminNetworkPolicy or the
    BaselineAdminNetworkPolicy ``default``; ``v1alpha2``: ClusterNetworkPolicy)."""
    if api not in ("v1alpha1", "v1alpha2"):
        raise ValueError(f"api must be v1alpha1 or v1alpha2, not {api!r}")
    if api == "v1alpha2":
        lines = [f"apiVersion: {V1ALPHA2}", f"kind: {CNP_KIND}", "metadata:",
                 f"  name: {scalar(name)}", "spec:", f"  tier: {tier}"]
        return lines + [f"  priority: {priority if priority is not None else 0}"]
    if tier == "Baseline":
        # one per cluster, always named "default"
        return [f"apiVersion: {V1ALPHA1}", f"kind: {BANP_KIND}", "metadata:",
                "  name: default", "spec:"]
    return [f"apiVersion: {V1ALPHA1}", f"kind: {ANP_KIND}", "metadata:",
            f"  name: {scalar(name)}", "spec:", f"  priority: {priority or 0}"]


def _priority(text: str | int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ValueError(f"priority must be a number 0-1000, not {text!r}") from None
    if not 0 <= value <= 1000:
        raise ValueError(f"priority must be 0-1000, not {value}")
    return value


def _subject_lines(namespace_labels: str) -> list[str]:
    labels = parse_labels(namespace_labels)
    if not labels:
        return ["  subject:", "    namespaces: {}"]
    return ["  subject:", "    namespaces:", "      matchLabels:", *_labels_block(labels, 8)]


def admin_allow_dns(api: str = "v1alpha1", name: str = "always-allow-dns",
                    priority: str | int = "1", namespace_labels: str = "",
                    dns_namespace: str = DNS_NAMESPACE) -> str:
    """Admin tier: the selected pods (every pod, or those in namespaces with the labels) may
    always reach kube-dns on UDP and TCP 53, whatever NetworkPolicies or the Baseline tier
    say (Accept is final)."""
    accept = "Accept" if api == "v1alpha2" else "Allow"
    lines = _cluster_header(api, "Admin", name or "always-allow-dns", _priority(priority))
    lines += _subject_lines(namespace_labels)
    lines += [
        "  egress:",
        "    - name: allow-dns",
        f"      action: {accept}",
        "      to:",
        "        - pods:",
        "            namespaceSelector:",
        "              matchLabels:",
        f"                kubernetes.io/metadata.name: {scalar(dns_namespace)}",
        "            podSelector:",
        "              matchLabels:",
        *_labels_block(DNS_POD_LABELS, 16),
    ]
    if api == "v1alpha2":
        lines += ["      protocols:",
                  "        - udp: {destinationPort: {number: 53}}",
                  "        - tcp: {destinationPort: {number: 53}}"]
    else:
        lines += ["      ports:",
                  "        - portNumber: {protocol: UDP, port: 53}",
                  "        - portNumber: {protocol: TCP, port: 53}"]
    return "\n".join(lines) + "\n"


def baseline_default_deny(api: str = "v1alpha1", direction: str = "both",
                          name: str = "default-deny", priority: str | int = "1000",
                          namespace_labels: str = "") -> str:
    """Baseline tier: what no NetworkPolicy (and no Admin-tier rule) decides is denied, for
    the selected pods: ingress from every namespace, egress to every namespace and every
    address (``0.0.0.0/0``, ``::/0``). Ingress from outside the cluster cannot be named by
    these APIs (their ingress peers are namespaces and pods)."""
    if direction not in ("ingress", "egress", "both"):
        raise ValueError(f"direction must be ingress, egress or both, not {direction!r}")
    lines = _cluster_header(api, "Baseline", name or "default-deny", _priority(priority))
    lines += _subject_lines(namespace_labels)
    if direction in ("ingress", "both"):
        lines += ["  ingress:", "    - name: deny-all-ingress", "      action: Deny",
                  "      from:", "        - namespaces: {}"]
    if direction in ("egress", "both"):
        lines += ["  egress:", "    - name: deny-all-egress", "      action: Deny", "      to:",
                  "        - namespaces: {}", "        - networks: [0.0.0.0/0, \"::/0\"]"]
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
_API = Param("api", "API", "v1alpha1", "choice", ("v1alpha1", "v1alpha2"),
             help="v1alpha1: AdminNetworkPolicy / BaselineAdminNetworkPolicy; "
                  "v1alpha2: ClusterNetworkPolicy")
_NS_LABELS = Param("namespace_labels", "Namespaces with labels", "",
                   help="key=value, comma separated; empty: every namespace")
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
        Template("admin-allow-dns", "Always allow DNS (Admin tier)",
                 "A cluster-wide rule above every NetworkPolicy: pods may always reach kube-dns "
                 "(UDP and TCP 53).",
                 (_API, Param("name", "Policy name", "always-allow-dns"),
                  Param("priority", "Priority (0-1000, lower first)", "1"), _NS_LABELS,
                  Param("dns_namespace", "DNS namespace", DNS_NAMESPACE, "namespace")),
                 admin_allow_dns),
        Template("baseline-default-deny", "Default deny (Baseline tier)",
                 "What no NetworkPolicy decides is denied, cluster-wide (BaselineAdminNetworkPolicy "
                 "'default', or a Baseline ClusterNetworkPolicy).",
                 (_API, Param("direction", "Direction", "both", "choice",
                              ("ingress", "egress", "both")),
                  Param("name", "Policy name (v1alpha2)", "default-deny"),
                  Param("priority", "Priority (v1alpha2)", "1000"), _NS_LABELS),
                 baseline_default_deny),
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


def _cluster_peer_lines(peer: ClusterPeer, indent: int) -> list[str]:
    pad = " " * indent
    if peer.kind == NAMESPACES:
        assert peer.namespace_selector is not None
        body = _selector_lines(peer.namespace_selector, 0, "namespaces")
    elif peer.kind == PODS:
        assert peer.namespace_selector is not None and peer.pod_selector is not None
        body = ["pods:", *_selector_lines(peer.namespace_selector, 2, "namespaceSelector"),
                *_selector_lines(peer.pod_selector, 2, "podSelector")]
    elif peer.kind == NETWORKS:
        body = ["networks: [" + ", ".join(scalar(c) for c in peer.networks) + "]"]
    elif peer.kind == NODES:
        assert peer.node_selector is not None
        body = _selector_lines(peer.node_selector, 0, "nodes")
    elif peer.kind == DOMAIN_NAMES:
        body = ["domainNames: [" + ", ".join(scalar(d) for d in peer.domain_names) + "]"]
    else:
        body = [f"{scalar(peer.unknown_fields[0])}: {{}}"]
    return [f"{pad}- {body[0]}"] + [f"{pad}  {ln}" for ln in body[1:]]


def _cluster_port_lines(pp: ClusterPort, v2: bool, indent: int) -> list[str]:
    pad = " " * indent
    if pp.name is not None:
        key = "destinationNamedPort" if v2 else "namedPort"
        return [f"{pad}- {key}: {scalar(pp.name)}"]
    assert pp.protocol is not None and pp.port is not None
    ranged = pp.end_port is not None and pp.end_port != pp.port
    if v2:
        dest = (f"{{range: {{start: {pp.port}, end: {pp.end_port}}}}}" if ranged
                else f"{{number: {pp.port}}}")
        return [f"{pad}- {pp.protocol.lower()}: {{destinationPort: {dest}}}"]
    if ranged:
        return [f"{pad}- portRange: {{protocol: {pp.protocol}, start: {pp.port}, "
                f"end: {pp.end_port}}}"]
    return [f"{pad}- portNumber: {{protocol: {pp.protocol}, port: {pp.port}}}"]


def _cluster_rule_lines(rule: ClusterRule, peers_key: str, v2: bool) -> list[str]:
    out = [f"    - name: {scalar(rule.name)}"] if rule.name else []
    out.append(f"{'      ' if out else '    - '}action: {rule.verb}")
    out.append(f"      {peers_key}:")
    for p in rule.peers:
        out += _cluster_peer_lines(p, 8)
    if rule.ports is not None:
        out.append(f"      {'protocols' if v2 else 'ports'}:")
        for pp in rule.ports:
            out += _cluster_port_lines(pp, v2, 8)
    return out


def render_cluster_policy(policy: ClusterPolicy) -> str:
    """``policy`` as one YAML document of its own kind and API version."""
    v2 = policy.kind == CNP_KIND
    lines = [f"apiVersion: {V1ALPHA2 if v2 else V1ALPHA1}", f"kind: {policy.kind}",
             "metadata:", f"  name: {scalar(policy.name)}", "spec:"]
    if v2:
        lines.append(f"  tier: {policy.tier}")
    if policy.priority is not None and (v2 or policy.tier is Tier.ADMIN):
        lines.append(f"  priority: {policy.priority}")
    sub = policy.subject
    if sub.pod_selector is None:
        lines += ["  subject:", *_selector_lines(sub.namespace_selector, 4, "namespaces")]
    else:
        lines += ["  subject:", "    pods:",
                  *_selector_lines(sub.namespace_selector, 6, "namespaceSelector"),
                  *_selector_lines(sub.pod_selector, 6, "podSelector")]
    if policy.ingress:
        lines.append("  ingress:")
        for r in policy.ingress:
            lines += _cluster_rule_lines(r, "from", v2)
    if policy.egress:
        lines.append("  egress:")
        for r in policy.egress:
            lines += _cluster_rule_lines(r, "to", v2)
    return "\n".join(lines) + "\n"


def render_any(policy: NetworkPolicy | ClusterPolicy) -> str:
    """Either kind of policy as YAML (``render_policy`` / ``render_cluster_policy``)."""
    if isinstance(policy, ClusterPolicy):
        return render_cluster_policy(policy)
    return render_policy(policy)


__all__ = [
    "TEMPLATES",
    "Param",
    "admin_allow_dns",
    "baseline_default_deny",
    "render_any",
    "render_cluster_policy",
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

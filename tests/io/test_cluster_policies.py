"""Loading AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
(v1alpha2) into ``netviz.model.cluster_policy``, with the API server's validation."""

from __future__ import annotations

from netviz.io.manifests import load_text
from netviz.model import Action, ClusterPort, LabelSelector, Tier
from netviz.model.diagnostics import Severity

ANP = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 7
  subject:
    pods:
      namespaceSelector: {matchLabels: {team: x}}
      podSelector: {matchLabels: {app: web}}
  ingress:
  - name: from-monitoring
    action: Allow
    from:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    ports:
    - portNumber: {port: 80}
    - portRange: {protocol: UDP, start: 5000, end: 6000}
    - namedPort: metrics
  egress:
  - name: no-dns
    action: Pass
    to:
    - networks: [8.8.8.8/32, "fd00::/8"]
    - nodes: {matchLabels: {role: infra}}
  - action: Deny
    to: [{pods: {namespaceSelector: {}, podSelector: {}}}]
"""

CNP = """apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c}
spec:
  tier: Baseline
  priority: 3
  subject: {namespaces: {}}
  egress:
  - name: dns
    action: Accept
    to: [{domainNames: ["*.kubernetes.io"]}, {networks: [10.1.2.3/8]}]
    protocols:
    - tcp: {destinationPort: {number: 443}}
    - udp: {destinationPort: {range: {start: 50, end: 60}}}
  ingress:
  - action: Pass
    from: [{pods: {podSelector: {matchLabels: {a: b}}}}]
    protocols: [{destinationNamedPort: http}]
"""


def _codes(text: str) -> list[tuple[Severity, str]]:
    return [(d.severity, d.code) for d in load_text(text).diagnostics]


def test_v1alpha1_admin_policy_loads_into_the_model() -> None:
    r = load_text(ANP)
    assert not r.diagnostics
    (p,) = r.cluster.cluster_policies
    assert (p.kind, p.tier, p.priority, p.key) == ("AdminNetworkPolicy", Tier.ADMIN, 7,
                                                   "AdminNetworkPolicy/a")
    assert p.subject.pod_selector == LabelSelector((("app", "web"),))
    rule = p.ingress[0]
    assert (rule.name, rule.action, rule.verb) == ("from-monitoring", Action.ACCEPT, "Allow")
    assert rule.ports == (ClusterPort("TCP", 80), ClusterPort("UDP", 5000, 6000),
                          ClusterPort(None, name="metrics"))
    assert [pe.kind for pe in p.egress[0].peers] == ["networks", "nodes"]
    assert p.egress[0].peers[0].networks == ("8.8.8.8/32", "fd00::/8")
    assert p.egress[0].action is Action.PASS and p.egress[0].ports is None
    assert p.egress[1].name == "" and p.egress[1].peers[0].pod_selector == LabelSelector()
    assert rule.source is not None and rule.source.line == 11


def test_v1alpha2_cluster_network_policy_loads_into_the_model() -> None:
    r = load_text(CNP)
    assert [d.code for d in r.diagnostics] == ["noncanonical-cidr"]
    (p,) = r.cluster.cluster_policies
    assert (p.kind, p.tier, p.priority) == ("ClusterNetworkPolicy", Tier.BASELINE, 3)
    eg = p.egress[0]
    assert eg.action is Action.ACCEPT and eg.verb == "Accept"
    assert eg.peers[0].domain_names == ("*.kubernetes.io",)
    assert eg.peers[1].networks == ("10.0.0.0/8",)
    assert eg.ports == (ClusterPort("TCP", 443), ClusterPort("UDP", 50, 60))
    ing = p.ingress[0]
    # v1alpha2: an absent namespaceSelector in `pods` selects every namespace
    assert ing.peers[0].namespace_selector == LabelSelector()
    assert ing.ports == (ClusterPort(None, name="http"),)


def test_banp_must_be_named_default_and_has_no_pass() -> None:
    text = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: other}
spec:
  subject: {namespaces: {}}
  ingress: [{action: Pass, from: [{namespaces: {}}]}]
"""
    r = load_text(text)
    assert [d.code for d in r.errors] == ["anp-invalid", "anp-invalid"]
    assert 'named "default"' in r.errors[0].message
    assert "use Allow, Deny" in r.errors[1].message
    assert not r.cluster.cluster_policies


def test_banp_loads_as_baseline_tier_without_priority() -> None:
    text = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]
"""
    (p,) = load_text(text).cluster.cluster_policies
    assert (p.tier, p.priority, p.egress[0].action) == (Tier.BASELINE, None, Action.DENY)


def test_unknown_peer_field_fails_closed_with_a_warning() -> None:
    text = ANP.replace("- nodes: {matchLabels: {role: infra}}", "- services: {name: x}")
    r = load_text(text)
    (d,) = r.diagnostics
    assert (d.severity, d.code) == (Severity.WARNING, "cluster-policy-fail-closed")
    assert "fails closed" in d.message and d.line == 24
    rule = r.cluster.cluster_policies[0].egress[0]
    assert rule.fail_closed and rule.peers[1].unknown_fields == ("services",)


def test_a_peer_field_close_to_a_known_one_is_an_error() -> None:
    text = ANP.replace("- namespaces: {matchLabels", "- namespace: {matchLabels")
    r = load_text(text)
    assert [d.code for d in r.errors] == ["unknown-field"]
    assert "did you mean namespaces" in r.errors[0].message
    assert not r.cluster.cluster_policies


def test_networks_in_an_ingress_peer_is_an_error() -> None:
    text = ANP.replace("- namespaces: {matchLabels", "- networks: [1.2.3.4/32]\n    - namespaces: {matchLabels")
    assert (Severity.ERROR, "anp-invalid") in _codes(text)


def test_cnp_range_start_must_be_below_end_and_v1_empty_range_warns() -> None:
    assert (Severity.ERROR, "anp-invalid") in _codes(CNP.replace("start: 50, end: 60", "start: 60, end: 60"))
    codes = _codes(ANP.replace("start: 5000, end: 6000", "start: 6000, end: 5000"))
    assert codes == [(Severity.WARNING, "anp-empty-port-range")]


def test_cnp_needs_a_tier_and_knows_no_allow() -> None:
    text = CNP.replace("  tier: Baseline\n", "").replace("action: Accept", "action: Allow")
    r = load_text(text)
    msgs = " | ".join(d.message for d in r.errors)
    assert "tier must be Admin or Baseline" in msgs and "use Accept, Deny, Pass" in msgs


def test_unknown_spec_and_rule_fields_are_errors() -> None:
    r = load_text(ANP.replace("priority: 7", "priority: 7\n  prio: 3"))
    assert [d.code for d in r.errors] == ["unknown-field"]
    r = load_text(ANP.replace("action: Allow", "action: Allow\n    port: 3"))
    assert [d.code for d in r.errors] == ["unknown-field"]


def test_missing_pod_selector_reads_as_empty_with_a_warning() -> None:
    text = ANP.replace("      podSelector: {matchLabels: {app: web}}\n", "")
    r = load_text(text)
    assert [d.code for d in r.diagnostics] == ["anp-missing-selector"]
    assert r.cluster.cluster_policies[0].subject.pod_selector == LabelSelector()


def test_named_port_with_networks_warns() -> None:
    text = ANP.replace("action: Pass\n    to:", "action: Pass\n    ports: [{namedPort: dns}]\n    to:")
    assert _codes(text) == [(Severity.WARNING, "named-port-networks")]


def test_same_priority_in_one_tier_warns_and_orders_by_name() -> None:
    second = ANP.replace("name: a}", "name: b}")
    cnp_admin = CNP.replace("tier: Baseline", "tier: Admin").replace("priority: 3", "priority: 7")
    r = load_text(second + "---\n" + ANP + "---\n" + cnp_admin)
    warns = [d for d in r.diagnostics if d.code == "anp-same-priority"]
    assert len(warns) == 2
    assert "AdminNetworkPolicy a first" in warns[0].message
    assert [p.key for p in r.cluster.cluster_policies] == [
        "AdminNetworkPolicy/a", "AdminNetworkPolicy/b", "ClusterNetworkPolicy/c"]


def test_baseline_cnp_and_admin_anp_with_one_priority_do_not_clash() -> None:
    r = load_text(ANP + "---\n" + CNP.replace("priority: 3", "priority: 7"))
    assert "anp-same-priority" not in {d.code for d in r.diagnostics}
    # the Admin tier sorts first
    assert [p.tier for p in r.cluster.cluster_policies] == [Tier.ADMIN, Tier.BASELINE]


def test_domain_names_are_validated_and_only_meant_for_accept() -> None:
    assert (Severity.ERROR, "anp-invalid") in _codes(CNP.replace("*.kubernetes.io", "not a domain"))
    assert sorted(_codes(CNP.replace("action: Accept", "action: Deny"))) == [
        (Severity.WARNING, "domain-names-not-accept"), (Severity.WARNING, "noncanonical-cidr")]


def test_nodes_load_with_labels_and_addresses() -> None:
    text = """apiVersion: v1
kind: Node
metadata: {name: n1, labels: {role: infra}}
status:
  addresses:
  - {type: InternalIP, address: 10.0.0.5}
  - {type: Hostname, address: n1}
  - {type: ExternalIP, address: 203.0.113.9}
"""
    r = load_text(text)
    assert not r.diagnostics
    (n,) = r.cluster.nodes
    assert (n.name, n.labels, n.addresses) == ("n1", {"role": "infra"}, ("10.0.0.5", "203.0.113.9"))


def test_a_priority_out_of_range_or_quoted_is_refused() -> None:
    assert (Severity.ERROR, "anp-invalid") in _codes(ANP.replace("priority: 7", "priority: 1001"))
    r = load_text(ANP.replace("priority: 7", 'priority: "7"'))
    assert "without quotes" in r.errors[0].message

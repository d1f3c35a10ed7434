"""Audit findings about the policy tiers: same-priority overlaps, shadowed rules, Pass rules
that fall through to the default, Baseline rules no traffic reaches, cluster policies and
peers that select nothing. Each code has a case that must report it and one that must not."""

from __future__ import annotations

from netviz.engine import Analyzer
from netviz.engine.audit import CODES, Finding, audit
from netviz.io.manifests import load_text
from netviz.model.diagnostics import Severity

BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: y}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: w, image: w, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b, labels: {app: db}}
spec: {containers: [{name: d, image: d}]}
"""


def policy(kind: str, name: str, body: str, prio: int | None = 1, tier: str = "Admin") -> str:
    head = "apiVersion: policy.networking.k8s.io/v1alpha1" if kind != "ClusterNetworkPolicy" \
        else "apiVersion: policy.networking.k8s.io/v1alpha2"
    spec = "\n".join("  " + ln for ln in body.strip("\n").splitlines())
    extra = ""
    if kind == "ClusterNetworkPolicy":
        extra += f"  tier: {tier}\n"
    if prio is not None:
        extra += f"  priority: {prio}\n"
    return f"{head}\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n{extra}{spec}\n"


def findings(*objects: str, code: str | None = None) -> list[Finding]:
    r = load_text(BASE + "---\n" + "---\n".join(objects))
    assert not r.errors, [str(e) for e in r.errors]
    out = audit(Analyzer(r.cluster))
    return [f for f in out if code is None or f.code == code]


FROM_A = "from: [{namespaces: {matchLabels: {team: x}}}]"
TO_B = "to: [{namespaces: {matchLabels: {team: y}}}]"


def test_tier_codes_are_registered() -> None:
    for code in ("tier-same-priority", "tier-rule-shadowed", "tier-pass-to-default",
                 "baseline-unreachable"):
        assert code in CODES


def test_same_priority_overlap_and_no_overlap() -> None:
    p1 = policy("AdminNetworkPolicy", "one", f"subject: {{namespaces: {{}}}}\n"
                f"ingress: [{{action: Deny, {FROM_A}, ports: [{{portNumber: {{port: 80}}}}]}}]", 3)
    p2 = policy("AdminNetworkPolicy", "two", f"subject: {{namespaces: {{}}}}\n"
                f"ingress: [{{action: Allow, {FROM_A}}}]", 3)
    (f,) = findings(p1, p2, code="tier-same-priority")
    assert f.severity is Severity.WARNING
    assert f.policies == ("AdminNetworkPolicy/one", "AdminNetworkPolicy/two")
    assert "evaluates one first" in f.message and "b/db[Pod]" in f.objects
    # disjoint ports: no connection can match both
    p3 = p2.replace("{action: Allow, " + FROM_A + "}",
                    "{action: Allow, " + FROM_A + ", ports: [{portNumber: {port: 81}}]}")
    assert not findings(p1, p3, code="tier-same-priority")
    # different priorities: ordered, nothing to report
    assert not findings(p1, p2.replace("priority: 3", "priority: 4"), code="tier-same-priority")


def test_shadowed_rule_inside_a_policy_and_across_priorities() -> None:
    p = policy("AdminNetworkPolicy", "p", f"subject: {{namespaces: {{}}}}\ningress:\n"
               f"- {{name: all, action: Deny, {FROM_A}}}\n"
               f"- {{name: some, action: Allow, {FROM_A}, ports: [{{portNumber: {{port: 80}}}}]}}")
    (f,) = findings(p, code="tier-rule-shadowed")
    assert "ingress rule 'some' (#2)" in f.message and f.source is not None
    # a later rule that covers more than the first is not shadowed
    q = policy("AdminNetworkPolicy", "q", f"subject: {{namespaces: {{}}}}\ningress:\n"
               f"- {{name: some, action: Allow, {FROM_A}, ports: [{{portNumber: {{port: 80}}}}]}}\n"
               f"- {{name: all, action: Deny, {FROM_A}}}")
    assert not findings(q, code="tier-rule-shadowed")
    # shadowed by a policy of higher precedence (lower priority number)
    hi = policy("AdminNetworkPolicy", "hi", f"subject: {{namespaces: {{}}}}\n"
                f"ingress: [{{action: Pass, {FROM_A}}}]", 1)
    lo = policy("AdminNetworkPolicy", "lo", f"subject: {{namespaces: {{}}}}\n"
                f"ingress: [{{action: Deny, {FROM_A}}}]", 2)
    (f,) = findings(hi, lo, code="tier-rule-shadowed")
    assert f.policies == ("AdminNetworkPolicy/lo",)


def test_shadowing_of_networks_rules_by_address() -> None:
    p = policy("AdminNetworkPolicy", "net", "subject: {namespaces: {}}\negress:\n"
               "- {name: wide, action: Deny, to: [{networks: [10.0.0.0/8]}]}\n"
               "- {name: narrow, action: Allow, to: [{networks: [10.1.0.0/16]}]}\n"
               "- {name: other, action: Allow, to: [{networks: [11.0.0.0/8]}]}")
    fs = findings(p, code="tier-rule-shadowed")
    assert [f.message.split(", ")[1].split(" (")[0] for f in fs] == ["egress rule 'narrow'"]


def test_pass_to_default_when_nothing_below_decides() -> None:
    p = policy("AdminNetworkPolicy", "p", f"subject: {{namespaces: {{}}}}\n"
               f"egress: [{{name: out, action: Pass, {TO_B}}}]")
    (f,) = findings(p, code="tier-pass-to-default")
    assert f.severity is Severity.WARNING and "this Pass means Allow" in f.message
    # a NetworkPolicy selecting the pods for egress: the Pass hands over to it
    np = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e, "
          "namespace: a}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}\n")
    (f,) = findings(p, np, code="tier-pass-to-default")  # only b/db still falls through
    assert f.severity is Severity.INFO and "b/db[Pod]" in f.objects and "a/web[Pod]" not in f.objects
    # a Baseline policy below: nothing falls through
    banp = policy("BaselineAdminNetworkPolicy", "default", f"subject: {{namespaces: {{}}}}\n"
                  f"egress: [{{action: Deny, {TO_B}}}]", None)
    assert not findings(p, banp, code="tier-pass-to-default")


def test_baseline_pass_goes_to_the_default() -> None:
    c = policy("ClusterNetworkPolicy", "b", f"subject: {{namespaces: {{}}}}\n"
               f"ingress: [{{action: Pass, {FROM_A}}}]", 1, tier="Baseline")
    (f,) = findings(c, code="tier-pass-to-default")
    assert f.severity is Severity.INFO and "Pass means Accept" in f.message


def test_baseline_unreachable_behind_networkpolicies_or_the_admin_tier() -> None:
    banp = policy("BaselineAdminNetworkPolicy", "default", "subject: {namespaces: "
                  f"{{matchLabels: {{team: y}}}}}}\ningress: [{{action: Deny, {FROM_A}}}]", None)
    np = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: i, "
          "namespace: b}\nspec: {podSelector: {}, ingress: [{}]}\n")
    (f,) = findings(banp, np, code="baseline-unreachable")
    assert "whose verdict is final" in f.message
    assert not findings(banp, code="baseline-unreachable")
    admin = policy("AdminNetworkPolicy", "a", f"subject: {{namespaces: {{}}}}\n"
                   f"ingress: [{{action: Allow, {FROM_A}}}]")
    (f,) = findings(banp, admin, code="baseline-unreachable")
    assert "Admin tier accepts or denies everything it matches first" in f.message
    # an Admin Pass does not decide: the Baseline rule is reached
    passing = admin.replace("action: Allow", "action: Pass")
    assert not findings(banp, passing, code="baseline-unreachable")


def test_cluster_policies_selecting_or_matching_nothing() -> None:
    p = policy("AdminNetworkPolicy", "p", "subject: {namespaces: {matchLabels: {team: none}}}\n"
               "ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: none}}}]}]")
    codes = sorted(f.code for f in findings(p) if "AdminNetworkPolicy/p" in f.policies)
    assert codes == ["peer-matches-nothing", "policy-selects-nothing"]


def test_plain_networkpolicy_clusters_have_no_tier_findings() -> None:
    np = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: i, "
          "namespace: b}\nspec: {podSelector: {}, ingress: [{}]}\n")
    assert not [f for f in findings(np) if f.code.startswith(("tier-", "baseline-"))]


DNS = """
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: c, ports: [{containerPort: 53, protocol: UDP}]}]}
"""


def test_dns_blocked_by_an_admin_policy_and_allowed_by_one() -> None:
    deny_all = policy("AdminNetworkPolicy", "deny-out", "subject: {namespaces: {matchLabels: "
                      "{team: x}}}\negress: [{action: Deny, to: [{namespaces: {}}]}]", 10)
    fs = findings(DNS, deny_all, code="dns-blocked")
    assert [f.workloads for f in fs] == [("a/web[Pod]",)]
    assert "AdminNetworkPolicy deny-out" in fs[0].objects
    assert fs[0].policies == ("AdminNetworkPolicy/deny-out",)
    allow_dns = policy("AdminNetworkPolicy", "allow-dns", "subject: {namespaces: {}}\negress: "
                       "[{action: Allow, to: [{pods: {namespaceSelector: {matchLabels: "
                       "{kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: "
                       "{k8s-app: kube-dns}}}}], ports: [{portNumber: {protocol: UDP, port: 53}}, "
                       "{portNumber: {protocol: TCP, port: 53}}]}]", 1)
    assert not findings(DNS, deny_all, allow_dns, code="dns-blocked")


def test_a_workload_governed_by_cluster_policies_is_not_reported_unisolated() -> None:
    only_b = policy("AdminNetworkPolicy", "b-in", "subject: {namespaces: {matchLabels: "
                    f"{{team: y}}}}}}\ningress: [{{action: Deny, {FROM_A}}}]")
    wls = {w for f in findings(only_b, code="workload-not-isolated") for w in f.workloads}
    assert wls == {"a/web[Pod]"}


DENY_WORLD = "subject: {namespaces: {}}\negress: [{name: no-internet, action: Deny, to: [{networks: [0.0.0.0/0]}]}]"
PASS_PODS_FIRST = ("subject: {namespaces: {}}\negress:\n- {name: pods, action: Pass, to: [{namespaces: {}}]}\n"
                   "- {name: no-internet, action: Deny, to: [{networks: [0.0.0.0/0]}]}")


def test_networks_that_cover_pods_of_unknown_ip_are_reported() -> None:
    """The API: "cluster-internal traffic will be checked against the rule as well. So if you
    Accept or Deny traffic to 0.0.0.0/0, that will allow or deny all IPv4 pod-to-pod traffic as
    well." Without pod IPs netviz assumes the pods are outside: the audit says where that
    assumption decides the picture."""
    (f,) = findings(policy("ClusterNetworkPolicy", "lockdown", DENY_WORLD),
                    code="networks-match-pods")
    assert f.severity is Severity.WARNING
    assert "ClusterNetworkPolicy lockdown" in f.objects and "egress rule 'no-internet'" in f.title
    assert "0.0.0.0/0" in f.message and "pod-to-pod" in f.message
    # a partner network outside the private ranges pods are numbered from: nothing to say
    assert not findings(policy("ClusterNetworkPolicy", "partners", DENY_WORLD.replace(
        "0.0.0.0/0", "203.0.113.0/24")), code="networks-match-pods")
    # a corporate 10/8: it may hold the pod network (info, not a warning)
    (g,) = findings(policy("AdminNetworkPolicy", "corp", DENY_WORLD.replace(
        "0.0.0.0/0", "10.0.0.0/8")), code="networks-match-pods")
    assert g.severity is Severity.INFO


def test_networks_after_a_rule_for_every_pod_are_not_reported() -> None:
    """The API's advice, followed: pod traffic is passed (or accepted) before the networks rule
    (the upstream OpenShift example, anp_and_banp_using_networks_with_ipv6_test)."""
    assert not findings(policy("ClusterNetworkPolicy", "lockdown", PASS_PODS_FIRST),
                        code="networks-match-pods")


def test_networks_with_known_pod_ips_are_not_reported() -> None:
    """A snapshot: the pods' IPs are known and evaluated, nothing is assumed."""
    known = BASE.replace("spec: {containers: [{name: w, image: w, ports: [{name: http, "
                         "containerPort: 8080}]}]}",
                         "spec: {containers: [{name: w, image: w}]}\nstatus: {podIP: 10.1.0.1}")
    known = known.replace("spec: {containers: [{name: d, image: d}]}",
                          "spec: {containers: [{name: d, image: d}]}\nstatus: {podIP: 10.1.0.2}")
    r = load_text(known + "---\n" + policy("ClusterNetworkPolicy", "lockdown", DENY_WORLD))
    assert not [f for f in audit(Analyzer(r.cluster)) if f.code == "networks-match-pods"]


BANP_DENY_WORLD = ("subject: {namespaces: {}}\negress: [{name: no-internet, action: Deny, "
                   "to: [{networks: [0.0.0.0/0]}]}]")


def test_baseline_networks_are_reported_only_where_pod_traffic_reaches_them() -> None:
    """A Baseline rule sees pod traffic only when the Admin tier did not decide it (Accept or
    Deny; a Pass goes on) and no NetworkPolicy isolates the pod's egress."""
    banp = policy("BaselineAdminNetworkPolicy", "default", BANP_DENY_WORLD, prio=None)
    (f,) = findings(banp, code="networks-match-pods")
    assert f.severity is Severity.WARNING and "BaselineAdminNetworkPolicy default" in f.objects
    accept_pods = policy("AdminNetworkPolicy", "intra", "subject: {namespaces: {}}\negress: "
                         "[{name: pods, action: Allow, to: [{namespaces: {}}]}]")
    assert not findings(accept_pods, banp, code="networks-match-pods")
    pass_pods = accept_pods.replace("action: Allow", "action: Pass")
    assert findings(pass_pods, banp, code="networks-match-pods")
    isolate = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e, "
               "namespace: NS}\nspec: {podSelector: {}, policyTypes: [Egress]}\n")
    assert not findings(banp, isolate.replace("NS", "a"), isolate.replace("NS", "b"),
                        code="networks-match-pods")

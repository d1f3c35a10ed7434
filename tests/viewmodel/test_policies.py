"""The policies tree: every policy, its selected pods per direction, its rules and peers."""

from __future__ import annotations

from netviz.engine import Analyzer
from netviz.model import (
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.viewmodel.explain import Link
from netviz.viewmodel.policies import (
    POLICY,
    RULE,
    WORKLOAD,
    affected_workloads,
    iter_nodes,
    policy_tree,
    selected_workloads,
)


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def make() -> Analyzer:
    db = NetworkPolicy(
        "a", "db", sel(app="db"), frozenset({"Ingress", "Egress"}),
        ingress=(Rule(peers=(Peer(pod_selector=sel(app="api")),
                             Peer(ip_block=IPBlock("10.0.0.0/8"))),
                      ports=(PolicyPort("TCP", 5432),), peers_given=True, ports_given=True,
                      source=Source("p.yaml", 1, 9, 14)),),
        source=Source("p.yaml", 1, 1, 14),
    )
    web = NetworkPolicy("a", "web", sel(app="web"), frozenset({"Egress"}),
                        egress=(Rule(),))
    return Analyzer(assemble_cluster(
        workloads=[Workload("Deployment", "a", "db", {"app": "db"}, replicas=2),
                   Workload("Deployment", "a", "api", {"app": "api"}),
                   Workload("Deployment", "a", "web", {"app": "web"})],
        policies=[db, web],
    ))


def test_tree_shape() -> None:
    tree = policy_tree(make())
    assert [n.text for n in tree] == ["a/db", "a/web"]
    db = tree[0]
    assert db.kind == POLICY and db.link == Link("a/db", "p.yaml", 1, 14)
    assert db.detail == "Ingress, Egress · selects 2 pods of 1 workload"
    texts = [c.text for c in db.children]
    assert texts == ["Pod selector", "Ingress: selects 2 pods", "Egress: selects 2 pods",
                     "Ingress rules (1)", "Egress rules (0)"]
    assert [(w.text, w.detail, w.kind) for w in db.children[1].children] == [
        ("a/db[Deployment]", "2 pods", WORKLOAD)]
    assert "denied" in db.children[4].detail
    rule = db.children[3].children[0]
    assert rule.kind == RULE and rule.link == Link("a/db ingress rule #1", "p.yaml", 9, 14)
    assert rule.detail == "from podSelector app=api or ipBlock 10.0.0.0/8; ports TCP 5432"
    peers = [(c.text, c.detail) for c in rule.children]
    assert peers == [("podSelector app=api", "matches 1 pod in 1 workload"),
                     ("ipBlock 10.0.0.0/8", "addresses outside the cluster"),
                     ("ports", "TCP 5432")]
    assert rule.children[0].children[0].key == "a/api[Deployment]"
    # every row knows its policy
    assert {n.policy for n in iter_nodes([db])} == {"a/db"}


def test_direction_not_affected_and_all_peers() -> None:
    web = policy_tree(make())[1]
    assert web.children[1].text == "Ingress: not affected"
    rule = web.children[4].children[0]
    assert rule.children[0].text == "to anywhere"


def test_filter_and_affected() -> None:
    an = make()
    assert [n.text for n in policy_tree(an, "WEB")] == ["a/web"]
    assert selected_workloads(an, "a/db") == {"a/db[Deployment]"}
    assert affected_workloads(an, "a/db") == {"a/db[Deployment]", "a/api[Deployment]"}
    assert selected_workloads(an, "a/none") == frozenset()


# --------------------------------------------------------------------------- policy tiers


TIERED = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: w, image: w}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: a}
spec: {podSelector: {}, ingress: [{}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: late}
spec:
  priority: 9
  subject: {namespaces: {}}
  egress: [{name: out, action: Deny, to: [{networks: [0.0.0.0/0]}, {nodes: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: early}
spec:
  priority: 2
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  ingress: [{name: mon, action: Pass, from: [{namespaces: {matchLabels: {team: x}}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
"""


def test_tree_is_grouped_by_tier_in_evaluation_order() -> None:
    from netviz.io.manifests import load_text
    from netviz.viewmodel.policies import TIER, affected_workloads, iter_nodes

    an = Analyzer(load_text(TIERED).cluster)
    tree = policy_tree(an)
    assert [(n.text, n.kind) for n in tree] == [
        ("Admin tier (2)", TIER), ("NetworkPolicy tier (1)", TIER), ("Baseline tier (1)", TIER)]
    admin = tree[0]
    assert [c.text for c in admin.children] == [
        "AdminNetworkPolicy early", "AdminNetworkPolicy late"]  # by priority
    early = admin.children[0]
    assert early.policy == "AdminNetworkPolicy/early"
    assert early.detail.startswith("priority 2 · Ingress · selects 1 pod")
    rule = next(n for n in iter_nodes([early]) if n.kind == "rule")
    assert rule.text == "ingress rule 'mon' (#1)" and rule.detail.startswith("Pass: from")
    late_peers = [n for n in iter_nodes([admin.children[1]]) if n.kind == "peer"]
    assert [p.detail for p in late_peers] == [
        "these addresses, and pods whose known IPs lie in them",
        "no Node objects loaded: matches no address"]
    assert tree[2].children[0].detail.startswith("no priority")
    assert affected_workloads(an, "AdminNetworkPolicy/early") == {"a/web[Pod]"}
    # the filter keeps matching policies in their tiers
    assert [n.text for n in policy_tree(an, "late")] == ["Admin tier (1)"]

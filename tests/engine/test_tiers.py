"""The tier evaluation of the engine: Admin tier (priority, rule order, Accept/Deny final, Pass),
NetworkPolicy tier, Baseline tier, default; verdicts, all-pairs blocks, external addresses and
explanations agree."""

from __future__ import annotations

from netviz.engine import Analyzer, ConnectionSet, IPRange
from netviz.engine.connlist import connlist
from netviz.engine.explain import Layer, Outcome, explain_endpoints
from netviz.model import (
    Action,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    ClusterSubject,
    LabelSelector,
    NetworkPolicy,
    Node,
    Pod,
    Rule,
    Tier,
    Workload,
    assemble_cluster,
)
from netviz.model.objects import NAMESPACE_NAME_LABEL


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def ns(name: str) -> LabelSelector:
    return LabelSelector(((NAMESPACE_NAME_LABEL, name),))


ALL_NS = ClusterSubject(LabelSelector())


def rule(action: Action, *peers: ClusterPeer, ports: tuple[ClusterPort, ...] | None = None,
         name: str = "") -> ClusterRule:
    return ClusterRule(name, action, peers, ports, action.value)


def anp(name: str, prio: int, subject: ClusterSubject = ALL_NS, ingress: tuple[ClusterRule, ...] = (),
        egress: tuple[ClusterRule, ...] = (), tier: Tier = Tier.ADMIN) -> ClusterPolicy:
    kind = "AdminNetworkPolicy" if tier is Tier.ADMIN else "ClusterNetworkPolicy"
    return ClusterPolicy(kind, name, tier, prio, subject, ingress, egress)


def from_ns(name: str) -> ClusterPeer:
    return ClusterPeer("namespaces", namespace_selector=ns(name))


TCP80 = (ClusterPort("TCP", 80),)


def cluster(*cps: ClusterPolicy, policies: tuple[NetworkPolicy, ...] = (),
            nodes: tuple[Node, ...] = (), pods: tuple[Pod, ...] = ()) -> Analyzer:
    return Analyzer(assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"}),
                   Workload("Deployment", "b", "db", {"app": "db"}, host_network=False)],
        pods=pods, policies=policies, cluster_policies=cps, nodes=nodes,
    ))


def pod(an: Analyzer, ns_name: str) -> Pod:
    return next(p for p in an.cluster.pods if p.namespace == ns_name)


def allowed(an: Analyzer, src: str, dst: str) -> ConnectionSet:
    """Verdict, all-pairs list and explanation must agree; returns the verdict's set."""
    s, d = pod(an, src), pod(an, dst)
    v = an.verdict(s, d).allowed
    by_list = {(c.src.namespace, c.dst.namespace): c.connections for c in connlist(an)}
    assert by_list.get((src, dst), ConnectionSet.none()) == v
    assert explain_endpoints(an, s, d, src, dst).allowed == v
    return v


def test_admin_deny_beats_networkpolicy_allow_and_accept_beats_deny() -> None:
    deny = anp("deny", 10, ingress=(rule(Action.DENY, from_ns("a")),))
    accept80 = anp("accept", 5, ingress=(rule(Action.ACCEPT, from_ns("a"), ports=TCP80),))
    an = cluster(deny, accept80)
    assert str(allowed(an, "a", "b")) == "TCP 80"
    assert allowed(an, "b", "a").is_all()


def test_rule_order_inside_a_policy_first_match_wins() -> None:
    p = anp("p", 1, ingress=(rule(Action.ACCEPT, from_ns("a"), ports=TCP80),
                            rule(Action.DENY, from_ns("a"))))
    assert str(allowed(cluster(p), "a", "b")) == "TCP 80"
    swapped = anp("p", 1, ingress=(rule(Action.DENY, from_ns("a")),
                                  rule(Action.ACCEPT, from_ns("a"), ports=TCP80)))
    assert not allowed(cluster(swapped), "a", "b")


def test_pass_skips_the_rest_of_the_tier_and_networkpolicy_decides() -> None:
    passing = anp("pass", 1, ingress=(rule(Action.PASS, from_ns("a"), ports=TCP80),))
    deny = anp("deny", 2, ingress=(rule(Action.DENY, from_ns("a")),))
    an = cluster(passing, deny)
    assert str(allowed(an, "a", "b")) == "TCP 80"  # not selected by a NetworkPolicy: default
    np_deny = NetworkPolicy("b", "deny-in", LabelSelector(), frozenset({"Ingress"}))
    an = cluster(passing, deny, policies=(np_deny,))
    assert not allowed(an, "a", "b")  # passed to the NetworkPolicy tier, which denies


def test_baseline_applies_only_when_no_networkpolicy_selects_the_pod() -> None:
    banp = ClusterPolicy("BaselineAdminNetworkPolicy", "default", Tier.BASELINE, None, ALL_NS,
                         ingress=(rule(Action.DENY, from_ns("a")),))
    an = cluster(banp)
    assert not allowed(an, "a", "b")
    np_allow = NetworkPolicy("b", "allow", LabelSelector(), frozenset({"Ingress"}),
                             ingress=(Rule(),))
    assert allowed(cluster(banp, policies=(np_allow,)), "a", "b").is_all()


def test_same_priority_is_ordered_by_name_and_stated() -> None:
    x = anp("x-deny", 3, ingress=(rule(Action.DENY, from_ns("a")),))
    y = anp("y-accept", 3, ingress=(rule(Action.ACCEPT, from_ns("a")),))
    an = cluster(y, x)
    assert not allowed(an, "a", "b")  # x-deny sorts first
    assert any("share priority 3" in s for s in an.assumptions())


def test_networks_match_external_addresses_and_pods_with_known_ips() -> None:
    to_net = anp("net", 1, egress=(rule(Action.DENY, ClusterPeer("networks",
                                                                 networks=("10.0.0.0/8",))),))
    an = cluster(to_net)
    web = pod(an, "a")
    assert not an.verdict(web, IPRange.parse("10.1.2.3")).allowed
    assert an.verdict(web, IPRange.parse("11.1.2.3")).allowed.is_all()
    # manifests: pods without IPs are not matched (stated)
    assert allowed(an, "a", "b").is_all()
    assert any("networks peers match pods only" in s for s in an.assumptions())
    # a snapshot: the pod's IP is known and inside the network
    live = Pod("b", "db-live", {"app": "db"}, ips=("10.9.9.9",))
    an = cluster(to_net, pods=(live,))
    assert not an.verdict(pod(an, "a"), next(p for p in an.cluster.pods if p.name == "db-live")).allowed


def test_nodes_peers_use_node_objects_and_domain_names_match_nothing() -> None:
    to_nodes = anp("nodes", 1, egress=(
        rule(Action.DENY, ClusterPeer("nodes", node_selector=sel(role="infra"))),
        rule(Action.ACCEPT, ClusterPeer("domainNames", domain_names=("*.example.com",))),
    ))
    an = cluster(to_nodes)
    assert any("no Node objects were loaded" in s for s in an.assumptions())
    assert any("domainNames peers are not resolved" in s for s in an.assumptions())
    web = pod(an, "a")
    assert an.verdict(web, IPRange.parse("192.168.0.5")).allowed.is_all()
    an = cluster(to_nodes, nodes=(Node("n1", {"role": "infra"}, ("192.168.0.5",)),))
    assert not an.verdict(pod(an, "a"), IPRange.parse("192.168.0.5")).allowed
    assert an.verdict(pod(an, "a"), IPRange.parse("192.168.0.6")).allowed.is_all()


def test_fail_closed_peer_deny_denies_all_and_accept_matches_nothing() -> None:
    unknown = ClusterPeer("unknown", unknown_fields=("services",))
    deny = anp("d", 1, ingress=(rule(Action.PASS, unknown, ports=TCP80),))
    assert not allowed(cluster(deny), "a", "b")  # Pass with an unknown peer: deny all
    accept = anp("a", 1, ingress=(rule(Action.ACCEPT, unknown),
                                  rule(Action.DENY, from_ns("a"), ports=TCP80)))
    assert str(allowed(cluster(accept), "b", "a")) == "All Connections"
    assert allowed(cluster(accept), "a", "b") == ConnectionSet.all() - ConnectionSet.of("TCP", 80)


def test_host_network_pods_are_never_selected_by_cluster_policies() -> None:
    deny = anp("d", 1, ingress=(rule(Action.DENY, from_ns("a")),))
    hn = Pod("b", "hn", {"app": "hn"}, host_network=True)
    an = cluster(deny, pods=(hn,))
    hn_pod = next(p for p in an.cluster.pods if p.name == "hn")
    assert an.verdict(pod(an, "a"), hn_pod).allowed.is_all()


def test_named_port_takes_the_destination_container_protocol() -> None:
    from netviz.model import ContainerPort

    accept_dns = anp("dns", 1, egress=(
        rule(Action.ACCEPT, from_ns("b"), ports=(ClusterPort(None, name="dns"),)),
        rule(Action.DENY, from_ns("b")),
    ))
    an = Analyzer(assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"}),
                   Workload("Deployment", "b", "dns", {"app": "dns"},
                            ports=(ContainerPort(53, "dns", "UDP"),))],
        cluster_policies=[accept_dns],
    ))
    assert str(allowed(an, "a", "b")) == "UDP 53"


def test_explanation_names_tier_policy_priority_rule_and_action() -> None:
    passing = anp("pass-all", 4, ingress=(rule(Action.PASS, from_ns("a"), name="to-np"),))
    np_deny = NetworkPolicy("b", "deny-in", LabelSelector(), frozenset({"Ingress"}))
    an = cluster(passing, policies=(np_deny,))
    e = explain_endpoints(an, pod(an, "a"), pod(an, "b"), "a", "b")
    (region,) = e.regions
    steps = region.ingress.steps
    assert [s.layer for s in steps] == [Layer.ADMIN, Layer.NETWORK_POLICY]
    first = steps[0]
    assert (first.outcome, first.policy.name, first.policy.priority, first.rule_index,
            first.rule.name) == (Outcome.PASS, "pass-all", 4, 0, "to-np")
    assert steps[1].outcome is Outcome.NO_RULES and not region.allowed
    tiers = [t.layer for t in e.ingress.tiers]
    assert tiers == [Layer.ADMIN, Layer.NETWORK_POLICY]


def test_same_priority_across_kinds_states_the_order_it_uses() -> None:
    """An AdminNetworkPolicy and an Admin-tier ClusterNetworkPolicy with one priority: netviz
    orders them by kind, then name, and the stated assumption must say so (a "by name" claim
    names the other one as first when the ClusterNetworkPolicy's name sorts first)."""
    cnp_deny = ClusterPolicy("ClusterNetworkPolicy", "aa-deny", Tier.ADMIN, 3, ALL_NS,
                             (rule(Action.DENY, from_ns("a")),), (),
                             api_version="policy.networking.k8s.io/v1alpha2")
    anp_accept = anp("zz-accept", 3, ingress=(rule(Action.ACCEPT, from_ns("a")),))
    an = cluster(cnp_deny, anp_accept)
    assert allowed(an, "a", "b")  # the AdminNetworkPolicy is evaluated first
    (stated,) = [s for s in an.assumptions() if "share priority 3" in s]
    assert "evaluates zz-accept first (by kind, then name" in stated

"""Each audit finding fires when it should and stays quiet when it should not."""

from __future__ import annotations

from netviz.engine import Analyzer, Options
from netviz.engine.audit import CODES, Finding, audit
from netviz.model import (
    ContainerPort,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Service,
    ServicePort,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.model.diagnostics import Severity


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def wl(ns: str, name: str, ports: tuple[ContainerPort, ...] = (), **labels: str) -> Workload:
    return Workload("Deployment", ns, name, labels or {"app": name}, ports=ports,
                    source=Source(f"{name}.yaml", 1, 1))


def pol(ns: str, name: str, selector: LabelSelector | None = None, *, ingress=(), egress=(),
        types=("Ingress",)) -> NetworkPolicy:
    return NetworkPolicy(ns, name, selector or LabelSelector(), frozenset(types), tuple(ingress),
                         tuple(egress), source=Source("pol.yaml", 1, 3))


def run(*, workloads=(), policies=(), services=(), namespaces=(), options=None) -> list[Finding]:
    cluster = assemble_cluster(namespaces=namespaces, workloads=workloads, policies=policies,
                               services=services)
    return audit(Analyzer(cluster, options))


def codes(findings: list[Finding], code: str) -> list[Finding]:
    assert code in CODES
    return [f for f in findings if f.code == code]


DNS = Workload("Deployment", "kube-system", "coredns", {"k8s-app": "kube-dns"},
               ports=(ContainerPort(53, "dns", "UDP"), ContainerPort(53, "dns-tcp", "TCP")))


# --------------------------------------------------------------------------- not isolated


def test_not_isolated_info_when_namespace_has_no_policy() -> None:
    f = codes(run(workloads=[wl("a", "web")]), "workload-not-isolated")
    assert [x.objects for x in f] == [("a/web[Deployment]",)]
    assert f[0].severity is Severity.INFO
    assert f[0].source == Source("web.yaml", 1, 1)


def test_not_isolated_warning_when_neighbour_is_isolated() -> None:
    f = run(workloads=[wl("a", "web"), wl("a", "db")], policies=[pol("a", "p", sel(app="db"))])
    got = codes(f, "workload-not-isolated")
    assert [(x.objects, x.severity) for x in got] == [(("a/web[Deployment]",), Severity.WARNING)]


def test_egress_only_isolation_counts_as_isolated() -> None:
    f = run(workloads=[wl("a", "web")],
            policies=[pol("a", "p", types=("Egress",), egress=[Rule()])])
    assert codes(f, "workload-not-isolated") == []


def test_hostnetwork_node_mode_is_not_reported() -> None:
    w = Workload("DaemonSet", "a", "agent", {"app": "agent"}, host_network=True)
    f = run(workloads=[w], options=Options(host_network="node"))
    assert codes(f, "workload-not-isolated") == []
    assert codes(run(workloads=[w]), "workload-not-isolated")


# --------------------------------------------------------------------------- policies


def test_policy_selects_nothing() -> None:
    f = run(workloads=[wl("a", "web")],
            policies=[pol("a", "ghost", sel(app="nope")), pol("a", "ok", sel(app="web"))])
    got = codes(f, "policy-selects-nothing")
    assert [x.objects for x in got] == [("NetworkPolicy a/ghost",)]
    assert got[0].policies == ("a/ghost",)
    assert got[0].source == Source("pol.yaml", 1, 3)


def test_policy_in_other_namespace_selects_nothing() -> None:
    # a podSelector matches only in the policy's own namespace
    f = run(workloads=[wl("a", "web")], policies=[pol("b", "p", sel(app="web"))])
    assert [x.objects for x in codes(f, "policy-selects-nothing")] == [("NetworkPolicy b/p",)]


# --------------------------------------------------------------------------- peers


def test_peer_pod_selector_matches_nothing() -> None:
    rule = Rule(peers=(Peer(pod_selector=sel(app="nope")), Peer(pod_selector=sel(app="web"))),
                peers_given=True, source=Source("pol.yaml", 1, 9))
    f = codes(run(workloads=[wl("a", "web")], policies=[pol("a", "p", ingress=[rule])]),
              "peer-matches-nothing")
    assert len(f) == 1
    assert "peer #1" in f[0].message and "app=nope" in f[0].message
    assert f[0].source == Source("pol.yaml", 1, 9)


def test_peer_namespace_selector_matches_no_namespace() -> None:
    rule = Rule(peers=(Peer(namespace_selector=sel(team="x")),), peers_given=True)
    f = codes(run(workloads=[wl("a", "web")], policies=[pol("a", "p", ingress=[rule])]),
              "peer-matches-nothing")
    assert len(f) == 1 and "matches no namespace" in f[0].message


def test_peer_pod_selector_in_other_namespace_matches_nothing() -> None:
    rule = Rule(peers=(Peer(pod_selector=sel(app="web"), namespace_selector=sel(team="b")),),
                peers_given=True)
    f = codes(run(workloads=[wl("a", "web"), wl("b", "db")],
                  namespaces=[Namespace("b", {"team": "b"})],
                  policies=[pol("a", "p", ingress=[rule])]),
              "peer-matches-nothing")
    assert len(f) == 1 and "in namespaces b" in f[0].message


def test_peers_that_match_and_ipblocks_are_quiet() -> None:
    rule = Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8")),
                       Peer(namespace_selector=LabelSelector())), peers_given=True)
    f = run(workloads=[wl("a", "web")], policies=[pol("a", "p", ingress=[rule])])
    assert codes(f, "peer-matches-nothing") == []


# --------------------------------------------------------------------------- named ports


def test_named_port_ingress_unresolved_on_selected_pods() -> None:
    rule = Rule(ports=(PolicyPort("TCP", "http"),), ports_given=True)
    f = run(workloads=[wl("a", "web", (ContainerPort(80, "web"),)),
                       wl("a", "other", (ContainerPort(80, "http"),))],
            policies=[pol("a", "p", sel(app="web"), ingress=[rule])])
    got = codes(f, "named-port-unresolved")
    assert len(got) == 1 and "TCP/http" in got[0].message


def test_named_port_ingress_resolved_is_quiet() -> None:
    rule = Rule(ports=(PolicyPort("TCP", "http"),), ports_given=True)
    f = run(workloads=[wl("a", "web", (ContainerPort(80, "http"),))],
            policies=[pol("a", "p", sel(app="web"), ingress=[rule])])
    assert codes(f, "named-port-unresolved") == []


def test_named_port_protocol_must_match() -> None:
    rule = Rule(ports=(PolicyPort("UDP", "http"),), ports_given=True)
    f = run(workloads=[wl("a", "web", (ContainerPort(80, "http"),))],
            policies=[pol("a", "p", sel(app="web"), ingress=[rule])])
    assert len(codes(f, "named-port-unresolved")) == 1


def test_named_port_egress_checks_peers_only() -> None:
    to_db = Rule(peers=(Peer(pod_selector=sel(app="db")),), peers_given=True,
                 ports=(PolicyPort("TCP", "pg"),), ports_given=True)
    workloads = [wl("a", "web"), wl("a", "db", (ContainerPort(5432, "postgres"),)),
                 wl("a", "other", (ContainerPort(5432, "pg"),))]
    f = run(workloads=workloads,
            policies=[pol("a", "p", sel(app="web"), egress=[to_db], types=("Egress",))])
    assert len(codes(f, "named-port-unresolved")) == 1
    # with no `to`, any pod may carry the name: "other" does
    anywhere = Rule(ports=(PolicyPort("TCP", "pg"),), ports_given=True)
    f = run(workloads=workloads,
            policies=[pol("a", "p", sel(app="web"), egress=[anywhere], types=("Egress",))])
    assert codes(f, "named-port-unresolved") == []


def test_named_port_to_ipblock_only_is_reported() -> None:
    rule = Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8")),), peers_given=True,
                ports=(PolicyPort("TCP", "https"),), ports_given=True)
    f = run(workloads=[wl("a", "web")],
            policies=[pol("a", "p", egress=[rule], types=("Egress",))])
    got = codes(f, "named-port-unresolved")
    assert len(got) == 1 and "ipBlocks" in got[0].message


def test_named_port_with_no_candidate_is_left_to_other_findings() -> None:
    rule = Rule(ports=(PolicyPort("TCP", "http"),), ports_given=True)
    f = run(workloads=[wl("a", "web")],
            policies=[pol("a", "p", sel(app="none"), ingress=[rule])])
    assert codes(f, "named-port-unresolved") == []
    assert codes(f, "policy-selects-nothing")


# --------------------------------------------------------------------------- DNS


def egress_pol(*rules: Rule, selector: LabelSelector | None = None) -> NetworkPolicy:
    return pol("a", "eg", selector or sel(app="web"), egress=rules, types=("Egress",))


def test_dns_blocked_by_deny_all_egress() -> None:
    f = run(workloads=[wl("a", "web"), DNS], policies=[egress_pol()])
    got = codes(f, "dns-blocked")
    assert [x.objects for x in got] == [("a/web[Deployment]", "NetworkPolicy a/eg")]
    assert got[0].severity is Severity.WARNING
    assert "k8s-app=kube-dns" in got[0].message


def test_dns_allowed_to_kube_dns() -> None:
    rule = Rule(peers=(Peer(pod_selector=sel(**{"k8s-app": "kube-dns"}),
                            namespace_selector=LabelSelector()),),
                peers_given=True,
                ports=(PolicyPort("UDP", 53), PolicyPort("TCP", 53)), ports_given=True)
    f = run(workloads=[wl("a", "web"), DNS], policies=[egress_pol(rule)])
    assert codes(f, "dns-blocked") == [] and codes(f, "dns-tcp-blocked") == []


def test_dns_named_port_to_kube_dns() -> None:
    rule = Rule(ports=(PolicyPort("UDP", "dns"), PolicyPort("TCP", "dns-tcp")), ports_given=True)
    f = run(workloads=[wl("a", "web"), DNS], policies=[egress_pol(rule)])
    assert codes(f, "dns-blocked") == [] and codes(f, "dns-tcp-blocked") == []


def test_dns_udp_only_is_info() -> None:
    rule = Rule(ports=(PolicyPort("UDP", 53),), ports_given=True)
    f = run(workloads=[wl("a", "web"), DNS], policies=[egress_pol(rule)])
    assert codes(f, "dns-blocked") == []
    got = codes(f, "dns-tcp-blocked")
    assert len(got) == 1 and got[0].severity is Severity.INFO


def test_dns_allowed_but_to_the_wrong_pods() -> None:
    rule = Rule(peers=(Peer(pod_selector=sel(app="db")),), peers_given=True,
                ports=(PolicyPort("UDP", 53),), ports_given=True)
    f = run(workloads=[wl("a", "web"), wl("a", "db"), DNS], policies=[egress_pol(rule)])
    assert len(codes(f, "dns-blocked")) == 1


def test_dns_without_kube_dns_accepts_any_destination() -> None:
    # no DNS pod loaded: UDP 53 to some address is enough
    rule = Rule(peers=(Peer(ip_block=IPBlock("10.96.0.10/32")),), peers_given=True,
                ports=(PolicyPort("UDP", 53), PolicyPort("TCP", 53)), ports_given=True)
    f = run(workloads=[wl("a", "web")], policies=[egress_pol(rule)])
    assert codes(f, "dns-blocked") == []
    f = run(workloads=[wl("a", "web")], policies=[egress_pol()])
    got = codes(f, "dns-blocked")
    assert len(got) == 1 and "any destination" in got[0].message


def test_dns_not_isolated_for_egress_is_quiet() -> None:
    f = run(workloads=[wl("a", "web"), DNS], policies=[pol("a", "in", ingress=[])])
    assert codes(f, "dns-blocked") == []


def test_dns_server_itself_is_not_reported() -> None:
    deny = pol("kube-system", "deny", types=("Egress",))
    f = run(workloads=[DNS], policies=[deny])
    assert codes(f, "dns-blocked") == []


# --------------------------------------------------------------------------- services


def svc(selector: dict[str, str] | None, *ports: ServicePort, type_: str = "ClusterIP") -> Service:
    return Service("a", "s", selector, tuple(ports), type_, source=Source("svc.yaml", 1, 1))


def test_service_selects_nothing() -> None:
    f = run(workloads=[wl("a", "web")], services=[svc({"app": "nope"}, ServicePort(80, 80))])
    got = codes(f, "service-selects-nothing")
    assert [x.objects for x in got] == [("Service a/s",)]
    assert got[0].services == ("a/s",)


def test_service_without_selector_is_quiet() -> None:
    for s in (svc(None, ServicePort(80, 80)), svc({}, ServicePort(80, 80)),
              svc({"app": "x"}, type_="ExternalName")):
        f = run(workloads=[wl("a", "web")], services=[s])
        assert codes(f, "service-selects-nothing") == []
        assert codes(f, "service-port-unexposed") == []


def test_service_named_target_port() -> None:
    w = wl("a", "web", (ContainerPort(8080, "http"),))
    ok = run(workloads=[w], services=[svc({"app": "web"}, ServicePort(80, "http"))])
    assert codes(ok, "service-port-unexposed") == []
    bad = run(workloads=[w], services=[svc({"app": "web"}, ServicePort(80, "htp"))])
    got = codes(bad, "service-port-unexposed")
    assert len(got) == 1 and got[0].severity is Severity.WARNING
    assert got[0].objects == ("Service a/s", "a/web[Deployment]")
    assert got[0].workloads == ("a/web[Deployment]",)


def test_service_numeric_target_port() -> None:
    w = wl("a", "web", (ContainerPort(8080, "http"),))
    ok = run(workloads=[w], services=[svc({"app": "web"}, ServicePort(80, 8080))])
    assert codes(ok, "service-port-unexposed") == []
    bad = run(workloads=[w], services=[svc({"app": "web"}, ServicePort(80, 8081))])
    assert [x.severity for x in codes(bad, "service-port-unexposed")] == [Severity.WARNING]
    udp = run(workloads=[w], services=[svc({"app": "web"}, ServicePort(80, 8080, "UDP"))])
    assert len(codes(udp, "service-port-unexposed")) == 1
    # pods that declare no port at all: only informational
    bare = run(workloads=[wl("a", "web")], services=[svc({"app": "web"}, ServicePort(80, 80))])
    assert [x.severity for x in codes(bare, "service-port-unexposed")] == [Severity.INFO]


# --------------------------------------------------------------------------- overall


def test_clean_cluster_has_no_warnings() -> None:
    allow_dns = Rule(ports=(PolicyPort("UDP", 53), PolicyPort("TCP", 53)), ports_given=True)
    to_db = Rule(peers=(Peer(pod_selector=sel(app="db")),), peers_given=True,
                 ports=(PolicyPort("TCP", "pg"),), ports_given=True)
    from_web = Rule(peers=(Peer(pod_selector=sel(app="web")),), peers_given=True)
    f = run(
        workloads=[wl("a", "web", (ContainerPort(80, "http"),)),
                   wl("a", "db", (ContainerPort(5432, "pg"),))],
        services=[svc({"app": "web"}, ServicePort(80, "http"))],
        policies=[pol("a", "web", sel(app="web"), egress=[allow_dns, to_db],
                      types=("Ingress", "Egress")),
                  pol("a", "db", sel(app="db"), ingress=[from_web])],
    )
    assert f == []


def test_findings_are_sorted_by_code() -> None:
    f = run(workloads=[wl("a", "web")],
            policies=[pol("b", "ghost", sel(app="x"))],
            services=[svc({"app": "nope"}, ServicePort(80, 80))])
    order = [CODES.index(x.code) for x in f]
    assert order == sorted(order) and len(f) == 3

"""Each nil-vs-empty and selector edge case of NetworkPolicy v1, pinned once.

(The habit of policy-assistant's podpeermatcher.go: every case listed once, by name.)
Every case states the exact ``ConnectionSet`` the analyzer must answer, and the loop-based
reference evaluator is checked on the same pair at the boundaries of that answer.

Spec: https://kubernetes.io/docs/concepts/services-networking/network-policies/ and
https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from reference_evaluator import allowed

from netviz.engine import INGRESS, Analyzer, ConnectionSet, IPRange, Options, Verdict
from netviz.model import (
    Cluster,
    ContainerPort,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Requirement,
    Rule,
    assemble_cluster,
)

PROTOCOLS = ("TCP", "UDP", "SCTP")

# --------------------------------------------------------------------------- builders

NAMESPACES = (Namespace("x", {"team": "a"}), Namespace("y", {"team": "b"}), Namespace("z"))
SRV = Pod("x", "srv", {"app": "srv"}, (ContainerPort(80, "http", "TCP"),), ips=("10.0.0.1",))
SRV_SEL = LabelSelector((("app", "srv"),))


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def expr(key: str, op: str, *values: str) -> LabelSelector:
    return LabelSelector((), (Requirement(key, op, tuple(values)),))


def client(ns: str = "x", name: str = "cli", ip: str | None = None, **labels: str) -> Pod:
    return Pod(ns, name, dict(labels), ips=(ip,) if ip else ())


def ingress_policy(*rules: Rule, name: str = "p", selector: LabelSelector = SRV_SEL) -> NetworkPolicy:
    return NetworkPolicy("x", name, selector, frozenset({"Ingress"}), ingress=tuple(rules))


def egress_policy(*rules: Rule, name: str = "p", selector: LabelSelector = SRV_SEL) -> NetworkPolicy:
    return NetworkPolicy("x", name, selector, frozenset({"Egress"}), egress=tuple(rules))


def from_(*peers: Peer, ports: tuple[PolicyPort, ...] = ()) -> Rule:
    return Rule(peers=peers, ports=ports, peers_given=bool(peers), ports_given=bool(ports))


def ports(*pps: PolicyPort) -> Rule:
    return Rule(ports=pps, ports_given=True)


def pods_peer(s: LabelSelector) -> Peer:
    return Peer(pod_selector=s)


def ns_peer(s: LabelSelector) -> Peer:
    return Peer(namespace_selector=s)


def ipb(cidr: str, *except_: str) -> Peer:
    return Peer(ip_block=IPBlock(cidr, except_))


@dataclass(frozen=True)
class Case:
    pods: tuple[Pod, ...]
    policies: tuple[NetworkPolicy, ...]
    src: str  # pod key or IP
    dst: str
    want: str  # ConnectionSet text
    ipblock_matches_pod_ips: bool = False

    def cluster(self) -> Cluster:
        return assemble_cluster(namespaces=NAMESPACES, pods=self.pods, policies=self.policies)


def endpoint(cluster: Cluster, ref: str) -> Pod | IPRange:
    for p in cluster.pods:
        if p.key == ref:
            return p
    return IPRange.from_ip(ref)


def ref_endpoint(cluster: Cluster, ref: str) -> Pod | str:
    for p in cluster.pods:
        if p.key == ref:
            return p
    return ref


def verdict(case: Case) -> Verdict:
    cluster = case.cluster()
    an = Analyzer(cluster, Options(ipblock_matches_pod_ips=case.ipblock_matches_pod_ips, host_network="pod"))
    return an.verdict(endpoint(cluster, case.src), endpoint(cluster, case.dst))


def probes(conns: ConnectionSet) -> set[tuple[str, int]]:
    nums = {1, 53, 80, 81, 8080, 65535}
    for _proto, ranges in conns.items():
        for lo, hi in ranges:
            nums.update((lo - 1, lo, hi, hi + 1))
    return {(p, n) for p in PROTOCOLS for n in nums if 1 <= n <= 65535}


def ingress_to_srv(policy: NetworkPolicy, cli: Pod, want: str) -> Case:
    return Case((SRV, cli), (policy,), cli.key, SRV.key, want)


ALL = "All Connections"
NONE = "No Connections"

# --------------------------------------------------------------------------- cases

CASES = [
    # -- matchExpressions operators (apimachinery labels.Requirement.Matches)
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "NotIn", "db")))), client(), ALL),
        id="notin-missing-key-matches",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "NotIn", "db")))), client(tier="db"), NONE),
        id="notin-listed-value-does-not-match",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "DoesNotExist")))), client(), ALL),
        id="doesnotexist-missing-key-matches",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "DoesNotExist")))), client(tier="x"), NONE),
        id="doesnotexist-present-key-does-not-match",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "In", "web")))), client(), NONE),
        id="in-missing-key-does-not-match",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(expr("tier", "Exists")))), client(tier=""), ALL),
        id="exists-with-empty-value-matches",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(sel(tier="")))), client(), NONE),
        id="matchlabels-empty-value-needs-the-key",
    ),
    # -- peers: podSelector alone = policy namespace; namespaceSelector alone; both = AND
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(LabelSelector()))), client("x"), ALL),
        id="empty-podselector-peer-same-namespace",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(pods_peer(LabelSelector()))), client("y"), NONE),
        id="empty-podselector-peer-not-other-namespace",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(ns_peer(LabelSelector()))), client("z"), ALL),
        id="empty-nsselector-all-namespaces",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(ns_peer(sel(**{"kubernetes.io/metadata.name": "y"})))), client("y"), ALL),
        id="nsselector-metadata-name-label",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(from_(ns_peer(sel(team="b")))), client("x"), NONE),
        id="nsselector-alone-does-not-mean-policy-namespace",
    ),
    pytest.param(
        ingress_to_srv(
            ingress_policy(from_(Peer(pod_selector=sel(app="cli"), namespace_selector=sel(team="b")))),
            client("y", app="cli"),
            ALL,
        ),
        id="pod-and-ns-selector-both-match",
    ),
    pytest.param(
        ingress_to_srv(
            ingress_policy(from_(Peer(pod_selector=sel(app="cli"), namespace_selector=sel(team="b")))),
            client("x", app="cli"),
            NONE,
        ),
        id="pod-and-ns-selector-is-and-not-or",
    ),
    pytest.param(
        ingress_to_srv(
            ingress_policy(from_(ns_peer(sel(team="b")), pods_peer(sel(app="cli")))),
            client("x", app="cli"),
            ALL,
        ),
        id="two-peers-or-first",
    ),
    pytest.param(
        ingress_to_srv(
            ingress_policy(from_(ns_peer(sel(team="b")), pods_peer(sel(app="cli")))),
            client("y", app="other"),
            ALL,
        ),
        id="two-peers-or-second",
    ),
    pytest.param(
        ingress_to_srv(
            ingress_policy(from_(ns_peer(sel(team="b")), pods_peer(sel(app="cli")))),
            client("z", app="other"),
            NONE,
        ),
        id="two-peers-neither",
    ),
    # -- rule lists: ingress [] vs [{}], from/ports empty vs missing
    pytest.param(ingress_to_srv(ingress_policy(), client(), NONE), id="ingress-empty-list-isolates"),
    pytest.param(ingress_to_srv(ingress_policy(Rule()), client("y"), ALL), id="ingress-one-empty-rule-allows-all"),
    pytest.param(
        Case((SRV,), (ingress_policy(Rule()),), "203.0.113.9", SRV.key, ALL),
        id="ingress-one-empty-rule-allows-external",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(Rule(peers=(), peers_given=True)), client("z"), ALL),
        id="from-empty-list-all-sources",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(Rule(peers=(), peers_given=False)), client("z"), ALL),
        id="from-missing-all-sources",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(Rule(ports=(), ports_given=True)), client(), ALL),
        id="ports-empty-list-all-ports",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(Rule(ports=(), ports_given=False)), client(), ALL),
        id="ports-missing-all-ports",
    ),
    # -- policyTypes (stored defaulted) and isolation per direction
    pytest.param(ingress_to_srv(egress_policy(), client(), ALL), id="egress-only-policy-leaves-ingress-open"),
    pytest.param(
        Case((SRV, client()), (egress_policy(),), SRV.key, "x/cli", NONE),
        id="egress-only-policy-isolates-egress",
    ),
    pytest.param(
        ingress_to_srv(
            NetworkPolicy("x", "p", SRV_SEL, frozenset({"Egress"}), ingress=(ports(PolicyPort("TCP", 1)),)),
            client(),
            ALL,
        ),
        id="ingress-rules-ignored-when-not-in-policytypes",
    ),
    pytest.param(
        ingress_to_srv(NetworkPolicy("y", "p", LabelSelector(), frozenset({"Ingress"})), client(), ALL),
        id="policy-selects-only-its-own-namespace",
    ),
    pytest.param(
        ingress_to_srv(
            NetworkPolicy(
                "x", "p", SRV_SEL, frozenset({"Ingress", "Egress"}),
                ingress=(ports(PolicyPort("TCP", 80)),),
            ),
            client(),
            "TCP 80",
        ),
        id="ingress-and-egress-types-ingress-side",
    ),
    pytest.param(
        Case(
            (SRV, client()),
            (ingress_policy(ports(PolicyPort("TCP", 80)), name="a"), ingress_policy(ports(PolicyPort("UDP", 53)), name="b")),
            "x/cli",
            SRV.key,
            "TCP 80,UDP 53",
        ),
        id="policies-add-up",
    ),
    # -- ports
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", 8000, 8080))), client(), "TCP 8000-8080"),
        id="endport-range-inclusive",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("UDP"))), client(), "UDP 1-65535"),
        id="protocol-only-all-ports-of-protocol",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("SCTP", 80))), client(), "SCTP 80"),
        id="sctp-is-not-tcp",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", 80), PolicyPort("TCP", 81))), client(), "TCP 80-81"),
        id="ports-in-one-rule-add-up",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", "http"))), client(), "TCP 80"),
        id="named-port-resolved-on-destination",
    ),
    pytest.param(
        Case(
            (
                Pod("x", "srv2", {"app": "srv"}, (ContainerPort(8080, "http", "TCP"),)),
                client(),
            ),
            (ingress_policy(ports(PolicyPort("TCP", "http"))),),
            "x/cli",
            "x/srv2",
            "TCP 8080",
        ),
        id="named-port-different-number-on-other-pod",
    ),
    pytest.param(
        Case(
            (Pod("x", "dns", {"app": "srv"}, (ContainerPort(53, "dns", "UDP"),)), client()),
            (ingress_policy(ports(PolicyPort("TCP", "dns"))),),
            "x/cli",
            "x/dns",
            NONE,
        ),
        id="named-port-protocol-mismatch",
    ),
    pytest.param(
        Case(
            (Pod("x", "dns", {"app": "srv"}, (ContainerPort(53, "dns", "UDP"),)), client()),
            (ingress_policy(ports(PolicyPort("UDP", "dns"))),),
            "x/cli",
            "x/dns",
            "UDP 53",
        ),
        id="named-port-udp",
    ),
    pytest.param(
        ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", "web"))), client(), NONE),
        id="named-port-resolves-nowhere",
    ),
    pytest.param(
        Case(
            (
                Pod("x", "cli", {"app": "cli"}, (ContainerPort(9999, "http", "TCP"),)),
                Pod("y", "srv", {}, (ContainerPort(8080, "http", "TCP"),)),
            ),
            (egress_policy(ports(PolicyPort("TCP", "http")), selector=sel(app="cli")),),
            "x/cli",
            "y/srv",
            "TCP 8080",
        ),
        id="named-port-egress-resolved-on-destination-not-source",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(ports(PolicyPort("TCP", "http"))),), SRV.key, "203.0.113.9", NONE),
        id="named-port-egress-to-external-never-matches",
    ),
    # -- endpoints: self, external
    pytest.param(
        Case(
            (SRV,),
            (NetworkPolicy("x", "deny", LabelSelector(), frozenset({"Ingress", "Egress"})),),
            SRV.key,
            SRV.key,
            ALL,
        ),
        id="pod-to-itself-always-allowed",
    ),
    pytest.param(
        Case(
            (SRV,),
            (
                ingress_policy(from_(ipb("0.0.0.0/0"), ports=(PolicyPort("TCP", 80),)), name="in"),
                NetworkPolicy("x", "deny-egress", LabelSelector(), frozenset({"Egress"})),
            ),
            "203.0.113.9",
            SRV.key,
            "TCP 80",
        ),
        id="external-to-pod-only-ingress-counts",
    ),
    pytest.param(
        Case(
            (SRV,),
            (
                egress_policy(from_(ipb("10.0.0.0/8", "10.1.0.0/16"))),
                NetworkPolicy("x", "deny-ingress", LabelSelector(), frozenset({"Ingress"})),
            ),
            SRV.key,
            "10.2.3.4",
            ALL,
        ),
        id="pod-to-external-only-egress-counts",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("10.0.0.0/8", "10.1.0.0/16"))),), SRV.key, "10.1.0.0", NONE),
        id="ipblock-except-first-address",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("10.0.0.0/8", "10.1.0.0/16"))),), SRV.key, "10.1.255.255", NONE),
        id="ipblock-except-last-address",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("10.0.0.0/8", "10.1.0.0/16"))),), SRV.key, "10.0.255.255", ALL),
        id="ipblock-just-below-except",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("10.0.0.0/8", "10.1.0.0/16"))),), SRV.key, "11.0.0.0", NONE),
        id="ipblock-just-outside-cidr",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("::/0", "fd00::/8"))),), SRV.key, "2001:db8::1", ALL),
        id="ipv6-ipblock",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("::/0", "fd00::/8"))),), SRV.key, "fd00::1", NONE),
        id="ipv6-ipblock-except",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("::/0"))),), SRV.key, "8.8.8.8", NONE),
        id="ipv6-ipblock-does-not-match-ipv4",
    ),
    pytest.param(
        Case((SRV,), (egress_policy(from_(ipb("0.0.0.0/0"))),), SRV.key, "2001:db8::1", NONE),
        id="ipv4-ipblock-does-not-match-ipv6",
    ),
    pytest.param(
        Case((SRV, client(ip="10.0.0.5")), (ingress_policy(from_(ipb("10.0.0.0/8"))),), "x/cli", SRV.key, NONE),
        id="ipblock-does-not-match-pod-ip-by-default",
    ),
    pytest.param(
        Case(
            (SRV, client(ip="10.0.0.5")),
            (ingress_policy(from_(ipb("10.0.0.0/8"))),),
            "x/cli",
            SRV.key,
            ALL,
            ipblock_matches_pod_ips=True,
        ),
        id="ipblock-matches-pod-ip-with-option",
    ),
    pytest.param(
        Case(
            (SRV, client(ip="10.0.0.5")),
            (ingress_policy(from_(ipb("10.0.0.0/8", "10.0.0.0/24"))),),
            "x/cli",
            SRV.key,
            NONE,
            ipblock_matches_pod_ips=True,
        ),
        id="ipblock-except-excludes-pod-ip-with-option",
    ),
    pytest.param(
        Case(
            (SRV, Pod("x", "hn", {"app": "cli"}, host_network=True)),
            (ingress_policy(from_(pods_peer(sel(app="cli")))),),
            "x/hn",
            SRV.key,
            ALL,
        ),
        id="hostnetwork-pod-is-an-ordinary-pod-by-default",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_semantics(case: Case) -> None:
    got = verdict(case).allowed
    want = ConnectionSet.parse(case.want)
    assert got == want, f"analyzer: {got}, expected {want}"
    cluster = case.cluster()
    src, dst = ref_endpoint(cluster, case.src), ref_endpoint(cluster, case.dst)
    for proto, port in sorted(probes(want)):
        ref = allowed(cluster, src, dst, proto, port, ipblock_matches_pod_ips=case.ipblock_matches_pod_ips)
        assert ref == want.contains(proto, port), f"reference disagrees at {proto} {port}"


# --------------------------------------------------------------------------- reports


def test_unresolved_named_port_is_reported() -> None:
    v = verdict(ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", "web"))), client(), NONE))
    assert v.allowed.is_empty()
    # reported as "<protocol>/<name>": the name resolves per protocol
    assert v.unresolved_named_ports == ("TCP/web",)


def test_named_port_of_other_protocol_is_reported_unresolved() -> None:
    dns = Pod("x", "dns", {"app": "srv"}, (ContainerPort(53, "dns", "UDP"),))
    v = verdict(Case((dns, client()), (ingress_policy(ports(PolicyPort("TCP", "dns"))),), "x/cli", "x/dns", NONE))
    assert v.allowed.is_empty()
    assert v.unresolved_named_ports == ("TCP/dns",)


def test_named_port_towards_external_address_is_reported_unresolved() -> None:
    v = verdict(Case((SRV,), (egress_policy(ports(PolicyPort("TCP", "http"))),), SRV.key, "192.0.2.1", NONE))
    assert v.allowed.is_empty()
    assert v.unresolved_named_ports == ("TCP/http",)


def test_resolved_named_port_is_not_reported() -> None:
    v = verdict(ingress_to_srv(ingress_policy(ports(PolicyPort("TCP", "http"))), client(), "TCP 80"))
    assert v.unresolved_named_ports == ()


def test_same_pod_verdict() -> None:
    case = Case((SRV,), (ingress_policy(),), SRV.key, SRV.key, ALL)
    v = verdict(case)
    assert v.same_pod
    assert v.allowed.is_all()


def test_explanation_selecting_policies_and_matching_rules() -> None:
    """Two policies isolate srv for ingress; only some rules of one of them match cli."""
    cli = client(app="cli")
    deny = NetworkPolicy("x", "a-deny", SRV_SEL, frozenset({"Ingress"}))
    allow = ingress_policy(
        from_(pods_peer(sel(app="other"))),  # 0: peer does not match
        from_(pods_peer(sel(app="cli")), ports=(PolicyPort("TCP", 80),)),  # 1: matches
        ports(PolicyPort("UDP", 53)),  # 2: every source
        name="b-allow",
    )
    v = verdict(Case((SRV, cli), (deny, allow), cli.key, SRV.key, "TCP 80,UDP 53"))
    assert str(v.allowed) == "TCP 80,UDP 53"
    assert v.ingress.direction == INGRESS
    assert v.ingress.isolated
    assert sorted(p.key for p in v.ingress.selecting) == ["x/a-deny", "x/b-allow"]
    got = {(m.policy.key, m.rule_index, str(m.connections)) for m in v.ingress.matches}
    assert got == {("x/b-allow", 1, "TCP 80"), ("x/b-allow", 2, "UDP 53")}
    for m in v.ingress.matches:
        assert m.rule is allow.ingress[m.rule_index]
        assert m.direction == INGRESS
    # the source is not isolated for egress
    assert v.egress.applies
    assert not v.egress.isolated
    assert v.egress.matches == ()
    assert v.egress.allowed.is_all()


def test_explanation_peer_matched_ports_did_not() -> None:
    cli = client(app="cli")
    pol = ingress_policy(from_(pods_peer(sel(app="cli")), ports=(PolicyPort("TCP", "web"),)))
    v = verdict(Case((SRV, cli), (pol,), cli.key, SRV.key, NONE))
    assert v.allowed.is_empty()
    [m] = v.ingress.matches
    assert m.rule_index == 0
    assert m.connections.is_empty()
    assert m.unresolved == ("TCP/web",)


def test_explanation_external_side_does_not_apply() -> None:
    pol = ingress_policy(from_(ipb("0.0.0.0/0", "10.0.0.0/8"), ports=(PolicyPort("TCP", 80),)))
    v = verdict(Case((SRV,), (pol,), "192.0.2.1", SRV.key, "TCP 80"))
    assert not v.egress.applies
    assert v.ingress.applies
    assert [m.rule_index for m in v.ingress.matches] == [0]
    assert str(v.ingress.allowed) == "TCP 80"
    v = verdict(Case((SRV,), (pol,), "10.9.9.9", SRV.key, NONE))
    assert v.ingress.matches == ()
    assert v.allowed.is_empty()

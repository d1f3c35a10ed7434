"""The upstream Kubernetes e2e NetworkPolicy cases, as the project's own table-driven tests.

Source: kubernetes/kubernetes ``test/e2e/network/netpol/network_policy.go`` (with ``model.go`` and
``reachability.go``; Apache-2.0), as summarised in ``conformance/k8s-e2e-cases.md`` of the shared
conformance folder. The expected reachability exists upstream only as Go code
(``reachability.Expect*`` calls); the tables below are hand-written from it and do not read
the shared folder, so they run everywhere.

The model of the upstream suite:
- namespaces ``x``, ``y``, ``z`` labelled ``ns: <name>`` (``kubernetes.io/metadata.name`` is added
  by ``assemble_cluster``);
- pod ``N/P`` labelled ``pod: P``, one container port per (port, protocol) named
  ``serve-<port>-<proto>``; ports 80 and 81 unless a case says otherwise;
- one probe = one protocol and port over the whole matrix of the case's pods, default allowed
  with the listed exceptions (``ExpectAllIngress``, ``ExpectAllEgress``, ``ExpectPeer``,
  ``Expect``, applied in order); loopback (a pod to itself) is ignored;
- multi-step cases (policy created/updated/deleted, pods or namespaces relabelled between
  probes) are separate steps here, each a static snapshot.

Cases 34-36 put pod IPs in ipBlocks. Real CNIs apply ipBlocks to pod IPs; the static reference
tools (netpol-analyzer, NCA) and netviz's default do not (ipBlocks are for cluster-external
addresses). They run with ``Options(ipblock_matches_pod_ips=True)`` to match upstream, and once
more with the default to pin that convention: there the ipBlock matches no pod.

Every step is also checked against the loop-based reference evaluator.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import pytest
from reference_evaluator import allowed

from netviz.engine import Analyzer, Options
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

NAME = "kubernetes.io/metadata.name"

# --------------------------------------------------------------------------- model


def pod_ip(key: str) -> str:
    """Deterministic pod IPs: x/a 10.0.0.1, x/b 10.0.0.2, y/a 10.0.1.1, ..."""
    ns, name = key.split("/")
    return f"10.0.{'xyz'.index(ns)}.{'abc'.index(name) + 1}"


@dataclass(frozen=True)
class Step:
    pods: str  # "x/a x/b y/a"
    policies: tuple[NetworkPolicy, ...]
    probe: tuple[str, int]  # (protocol, port)
    #: reachability.Expect* calls in order, on a matrix that starts all-allowed
    expect: tuple[tuple[str, str, bool], ...]
    ports: tuple[int, ...] = (80, 81)
    protocols: tuple[str, ...] = ("TCP",)
    #: labels added to pods / namespaces for this step: {"x/b": {"pod2": "updated"}}
    pod_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    ns_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    ipblock_matches_pod_ips: bool = False


def build(step: Step) -> Cluster:
    namespaces = [
        Namespace(n, {"ns": n, **step.ns_labels.get(n, {})}) for n in ("x", "y", "z")
    ]
    pods = []
    for key in step.pods.split():
        ns, name = key.split("/")
        ports = tuple(
            ContainerPort(port, f"serve-{port}-{proto.lower()}", proto)
            for proto in step.protocols
            for port in step.ports
        )
        pods.append(
            Pod(ns, name, {"pod": name, **step.pod_labels.get(key, {})}, ports, ips=(pod_ip(key),))
        )
    return assemble_cluster(namespaces=namespaces, pods=pods, policies=step.policies)


def expected(step: Step) -> dict[tuple[str, str], bool]:
    keys = step.pods.split()
    out = {(s, d): True for s in keys for d in keys if s != d}
    for src_pat, dst_pat, ok in step.expect:
        for s, d in out:
            if fnmatchcase(s, src_pat) and fnmatchcase(d, dst_pat):
                out[s, d] = ok
    return out


def table(keys: list[str], m: dict[tuple[str, str], bool]) -> str:
    """The truth table as upstream prints it: rows are sources, columns destinations."""
    lines = ["     " + " ".join(f"{d:>4}" for d in keys)]
    for s in keys:
        cells = ["   ." if s == d else ("   X" if not m[s, d] else "   ✓") for d in keys]
        lines.append(f"{s:>4} " + " ".join(cells))
    return "\n".join(lines)


# reachability helpers (upstream names in comments); "*" is a wildcard as in ExpectPeer


def all_ingress(pod: str, ok: bool) -> tuple[str, str, bool]:  # ExpectAllIngress
    return ("*", pod, ok)


def all_egress(pod: str, ok: bool) -> tuple[str, str, bool]:  # ExpectAllEgress
    return (pod, "*", ok)


def cell(src: str, dst: str, ok: bool) -> tuple[str, str, bool]:  # Expect / ExpectPeer
    return (src, dst, ok)


# policy builders (upstream: GenNetworkPolicyWithNameAndPodMatchLabel, SetSpec*Rules)


def sel(labels: dict[str, str] | None = None, *exprs: Requirement) -> LabelSelector:
    return LabelSelector(tuple(sorted((labels or {}).items())), tuple(exprs))


def req(key: str, op: str, *values: str) -> Requirement:
    return Requirement(key, op, tuple(values))


def peer(pod: LabelSelector | None = None, ns: LabelSelector | None = None) -> Peer:
    return Peer(pod_selector=pod, namespace_selector=ns)


def ipblock(cidr: str, *except_: str) -> Peer:
    def norm(c: str) -> str:
        return str(ipaddress.ip_network(c, strict=False))

    return Peer(ip_block=IPBlock(norm(cidr), tuple(norm(e) for e in except_)))


def port(p: int | str | None, proto: str = "TCP") -> PolicyPort:
    return PolicyPort(proto, p)


def rule(peers: list[Peer] | None = None, ports: list[PolicyPort] | None = None) -> Rule:
    return Rule(
        peers=tuple(peers or ()),
        ports=tuple(ports or ()),
        peers_given=peers is not None,
        ports_given=ports is not None,
    )


def np(
    name: str,
    pod: LabelSelector,
    *,
    ns: str = "x",
    ingress: list[Rule] | None = None,
    egress: list[Rule] | None = None,
) -> NetworkPolicy:
    """policyTypes from which Set*Rules were called, as upstream does (``ingress=[]`` is
    SetSpecIngressRules() with no rules: deny all ingress)."""
    types = set()
    if ingress is not None:
        types.add("Ingress")
    if egress is not None:
        types.add("Egress")
    return NetworkPolicy(
        namespace=ns,
        name=name,
        pod_selector=pod,
        policy_types=frozenset(types),
        ingress=tuple(ingress or ()),
        egress=tuple(egress or ()),
        policy_types_given=True,
    )


A = sel({"pod": "a"})
ALL = sel()
NS_Y = sel({"ns": "y"})
NS_X = sel({"ns": "x"})
TCP80 = ("TCP", 80)
TCP81 = ("TCP", 81)
UDP80 = ("UDP", 80)
UDP81 = ("UDP", 81)
SCTP80 = ("SCTP", 80)
SCTP81 = ("SCTP", 81)

DENY_INGRESS = np("deny-ingress", ALL, ingress=[])
DENY_ALL = np("deny-all", ALL, ingress=[], egress=[])
FROM_Y_81 = np("allow-client-a-via-ns-selector-81", A, ingress=[rule([peer(ns=NS_Y)], [port(81)])])
FROM_Y_80 = np("allow-client-a-via-ns-selector-80", A, ingress=[rule([peer(ns=NS_Y)], [port(80)])])
EXPECT_ONLY_Y_TO_XA = (cell("x/*", "x/a", False), cell("z/*", "x/a", False))

P14 = "x/a x/b y/a y/b z/a"
CIDR35 = np("deny-client-a-via-except-cidr-egress-rule", A, egress=[rule([ipblock(pod_ip("x/b") + "/4", pod_ip("x/b") + "/32")])])
CIDR36 = np("deny-client-a-via-except-cidr-egress-rule", A, egress=[rule([ipblock(pod_ip("x/b") + "/32")])])


# --------------------------------------------------------------------------- cases

# "Netpol NetworkPolicy between server and client" (TCP), network_policy.go
TCP_CASES = [
    pytest.param(
        Step("x/a x/b y/a y/b", (DENY_INGRESS,), TCP80, (all_ingress("x/*", False),)),
        id="e2e-01-default-deny-ingress",
    ),
    pytest.param(
        Step("x/a x/b y/a", (DENY_ALL,), TCP80, (all_ingress("x/*", False), all_egress("x/*", False))),
        id="e2e-02-default-deny-all",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c y/a",
            (np("x-a-allows-x-b", A, ingress=[rule([peer(pod=sel({"pod": "b"}))])]),),
            TCP80,
            (all_ingress("x/a", False), cell("x/b", "x/a", True)),
        ),
        id="e2e-03-podselector-same-namespace",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a",
            (DENY_INGRESS, np("allow-all-to-a", A, ingress=[rule([peer(pod=ALL, ns=ALL)])])),
            TCP80,
            (all_ingress("x/b", False),),
        ),
        id="e2e-04-allow-ingress-for-target",
    ),
    pytest.param(
        Step("x/a x/b y/a z/a", (np("allow-all-ns", A, ingress=[rule([peer(ns=ALL)])]),), TCP80, ()),
        id="e2e-05-from-all-namespaces",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("allow-ns-y", A, ingress=[rule([peer(ns=sel({NAME: "y"}))])]),),
            TCP80,
            EXPECT_ONLY_Y_TO_XA,
        ),
        id="e2e-06-nsselector-other-namespace",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a",
            (np("allow-b-expr", A, ingress=[rule([peer(pod=sel(None, req("pod", "In", "b")))])]),),
            TCP80,
            (all_ingress("x/a", False), cell("x/b", "x/a", True)),
        ),
        id="e2e-07-podselector-matchexpressions",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("allow-y-expr", A, ingress=[rule([peer(ns=sel(None, req(NAME, "In", "y")))])]),),
            TCP80,
            EXPECT_ONLY_Y_TO_XA,
        ),
        id="e2e-08-nsselector-matchexpressions",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c y/a",
            (
                np(
                    "allow-ns-or-pod",
                    A,
                    ingress=[
                        rule([peer(ns=sel(None, req(NAME, "NotIn", "x"))), peer(pod=sel({"pod": "b"}))])
                    ],
                ),
            ),
            TCP80,
            (cell("x/c", "x/a", False),),
        ),
        id="e2e-09-podselector-or-nsselector",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a y/b z/b",
            (
                np(
                    "allow-ns-and-pod",
                    A,
                    ingress=[rule([peer(pod=sel({"pod": "b"}), ns=sel(None, req(NAME, "NotIn", "x")))])],
                ),
            ),
            TCP80,
            (all_ingress("x/a", False), cell("y/b", "x/a", True), cell("z/b", "x/a", True)),
        ),
        id="e2e-10-podselector-and-nsselector",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a y/b y/c",
            (
                np(
                    "allow-multi",
                    A,
                    ingress=[
                        rule(
                            [
                                peer(
                                    pod=sel(None, req("pod", "In", "b", "c")),
                                    ns=sel(None, req(NAME, "NotIn", "x")),
                                )
                            ]
                        )
                    ],
                ),
            ),
            TCP80,
            (cell("x/*", "x/a", False), cell("y/a", "x/a", False)),
        ),
        id="e2e-11-multiple-podselectors-and-nsselectors",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c",
            (
                np(
                    "allow-b-or-c",
                    A,
                    ingress=[rule([peer(pod=sel({"pod": "b"})), peer(pod=sel({"pod": "c"}))])],
                ),
            ),
            TCP80,
            (all_ingress("x/a", False), cell("x/b", "x/a", True), cell("x/c", "x/a", True)),
        ),
        id="e2e-12-any-podselectors",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a y/b z/a",
            (np("allow-y-a", A, ingress=[rule([peer(pod=A, ns=NS_Y)])]),),
            TCP80,
            (all_ingress("x/a", False), cell("y/a", "x/a", True)),
        ),
        id="e2e-13-pod-in-other-namespace",
    ),
    pytest.param(
        Step(P14, (FROM_Y_81,), TCP81, EXPECT_ONLY_Y_TO_XA, ports=(81,)),
        id="e2e-14-ports",
    ),
    # 15: stacked policies with overlapping podSelectors (step 2 adds the port-80 policy)
    pytest.param(
        Step(P14, (FROM_Y_81,), TCP81, EXPECT_ONLY_Y_TO_XA),
        id="e2e-15-stacked-policies-step1-tcp81",
    ),
    pytest.param(
        Step(P14, (FROM_Y_81,), TCP80, (all_ingress("x/a", False),)),
        id="e2e-15-stacked-policies-step1-tcp80",
    ),
    pytest.param(
        Step(P14, (FROM_Y_81, FROM_Y_80), TCP80, EXPECT_ONLY_Y_TO_XA),
        id="e2e-15-stacked-policies-step2-tcp80",
    ),
    pytest.param(
        Step("x/a x/b y/a", (np("allow-all", ALL, ingress=[rule()]),), TCP80, ()),
        id="e2e-16-allow-all-tcp80",
    ),
    pytest.param(
        Step("x/a x/b y/a", (np("allow-all", ALL, ingress=[rule()]),), TCP81, ()),
        id="e2e-16-allow-all-tcp81",
    ),
    pytest.param(
        Step("x/a x/b y/a", (np("allow-81", ALL, ingress=[rule(None, [port("serve-81-tcp")])]),), TCP81, ()),
        id="e2e-17-named-port-ingress-tcp81",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a",
            (np("allow-81", ALL, ingress=[rule(None, [port("serve-81-tcp")])]),),
            TCP80,
            (all_ingress("x/*", False),),
        ),
        id="e2e-17-named-port-ingress-tcp80",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("allow-y-80", A, ingress=[rule([peer(ns=NS_Y)], [port("serve-80-tcp", "TCP")])]),),
            TCP80,
            EXPECT_ONLY_Y_TO_XA,
        ),
        id="e2e-18-named-port-from-namespace-tcp80",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("allow-y-80", A, ingress=[rule([peer(ns=NS_Y)], [port("serve-80-tcp", "TCP")])]),),
            TCP81,
            (all_ingress("x/a", False),),
        ),
        id="e2e-18-named-port-from-namespace-tcp81",
    ),
    pytest.param(
        Step("x/a y/a", (np("allow-egress-80", ALL, egress=[rule(None, [port("serve-80-tcp")])]),), TCP80, ()),
        id="e2e-19-named-port-egress-tcp80",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("allow-egress-80", ALL, egress=[rule(None, [port("serve-80-tcp")])]),),
            TCP81,
            (all_egress("x/*", False),),
        ),
        id="e2e-19-named-port-egress-tcp81",
    ),
    # 20: the same policy updated from ingress [{}] to ingress []
    pytest.param(
        Step("x/a y/a", (np("p", ALL, ingress=[rule()]),), TCP81, (), ports=(81,)),
        id="e2e-20-updated-policy-step1",
    ),
    pytest.param(
        Step("x/a y/a", (np("p", ALL, ingress=[]),), TCP81, (all_ingress("x/*", False),), ports=(81,)),
        id="e2e-20-updated-policy-step2",
    ),
    # 21: namespace y gains ns2=updated
    pytest.param(
        Step(
            "x/a y/a",
            (np("allow-ns2", A, ingress=[rule([peer(ns=sel({"ns2": "updated"}))])]),),
            TCP80,
            (all_ingress("x/a", False),),
        ),
        id="e2e-21-updated-namespace-before",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("allow-ns2", A, ingress=[rule([peer(ns=sel({"ns2": "updated"}))])]),),
            TCP80,
            (all_ingress("x/a", False), cell("y/a", "x/a", True)),
            ns_labels={"y": {"ns2": "updated"}},
        ),
        id="e2e-21-updated-namespace-after",
    ),
    # 22: pod x/b gains pod2=updated
    pytest.param(
        Step(
            "x/a x/b",
            (np("allow-pod2", A, ingress=[rule([peer(pod=sel({"pod": "b", "pod2": "updated"}))])]),),
            TCP80,
            (all_ingress("x/a", False),),
        ),
        id="e2e-22-updated-pod-before",
    ),
    pytest.param(
        Step(
            "x/a x/b",
            (np("allow-pod2", A, ingress=[rule([peer(pod=sel({"pod": "b", "pod2": "updated"}))])]),),
            TCP80,
            (all_ingress("x/a", False), cell("x/b", "x/a", True)),
            pod_labels={"x/b": {"pod2": "updated"}},
        ),
        id="e2e-22-updated-pod-after",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("deny-other-ns", ALL, ingress=[rule([peer(pod=ALL)])]),),
            TCP80,
            (cell("y/*", "x/*", False), cell("z/*", "x/*", False)),
        ),
        id="e2e-23-deny-other-namespaces",
    ),
    # 24: pod x/a gains target=isolated
    pytest.param(
        Step("x/a y/a", (np("isolate", sel({"target": "isolated"}), ingress=[]),), TCP80, ()),
        id="e2e-24-deny-updated-pod-before",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("isolate", sel({"target": "isolated"}), ingress=[]),),
            TCP80,
            (all_ingress("x/a", False),),
            pod_labels={"x/a": {"target": "isolated"}},
        ),
        id="e2e-24-deny-updated-pod-after",
    ),
    pytest.param(
        Step("x/a x/b y/a", (np("deny-egress-a", A, egress=[]),), TCP80, (all_egress("x/a", False),)),
        id="e2e-25-deny-egress-podselector",
    ),
    pytest.param(
        Step("x/a x/b y/a", (np("deny-egress", ALL, egress=[]),), TCP80, (all_egress("x/*", False),)),
        id="e2e-26-deny-egress-namespace",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c y/a",
            (
                np(
                    "both",
                    A,
                    ingress=[rule([peer(pod=sel({"pod": "b"}))])],
                    egress=[rule(None, [port(80)])],
                ),
            ),
            TCP80,
            (all_ingress("x/a", False), cell("x/b", "x/a", True)),
        ),
        id="e2e-27-ingress-and-egress-tcp80",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c y/a",
            (
                np(
                    "both",
                    A,
                    ingress=[rule([peer(pod=sel({"pod": "b"}))])],
                    egress=[rule(None, [port(80)])],
                ),
            ),
            TCP81,
            (all_ingress("x/a", False), all_egress("x/a", False), cell("x/b", "x/a", True)),
        ),
        id="e2e-27-ingress-and-egress-tcp81",
    ),
    pytest.param(
        Step(
            "x/a y/a y/b",
            (
                np("allow-to-y-a", A, egress=[rule([peer(pod=A, ns=NS_Y)])]),
                np("allow-from-x-a", ALL, ns="y", ingress=[rule([peer(pod=A, ns=NS_X)])]),
            ),
            TCP80,
            (
                all_egress("x/a", False),
                all_ingress("y/a", False),
                all_ingress("y/b", False),
                cell("x/a", "y/a", True),
            ),
        ),
        id="e2e-28-egress-denied-on-client-side",
    ),
    pytest.param(
        Step(
            "x/a y/a y/b",
            (np("allow-to-y-a", A, egress=[rule([peer(pod=A, ns=NS_Y)])]),),
            TCP80,
            (all_egress("x/a", False), cell("x/a", "y/a", True)),
        ),
        id="e2e-29-egress-to-other-namespace",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("tcp-only", A, ingress=[rule(None, [port(None, "TCP")])]),),
            TCP80,
            (),
            protocols=("TCP", "UDP"),
        ),
        id="e2e-30-any-port-on-protocol-tcp80",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("tcp-only", A, ingress=[rule(None, [port(None, "TCP")])]),),
            UDP80,
            (all_ingress("x/a", False),),
            protocols=("TCP", "UDP"),
        ),
        id="e2e-30-any-port-on-protocol-udp80",
    ),
    # 31: an ingress allow-all policy is added beside a port-80-only one
    pytest.param(
        Step(
            "x/a y/a",
            (np("only-80", ALL, ingress=[rule(None, [port(80)])]),),
            TCP81,
            (all_ingress("x/*", False),),
            ports=(81,),
        ),
        id="e2e-31-ingress-allow-all-precedence-before",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("only-80", ALL, ingress=[rule(None, [port(80)])]), np("allow-all", ALL, ingress=[rule()])),
            TCP81,
            (),
            ports=(81,),
        ),
        id="e2e-31-ingress-allow-all-precedence-after",
    ),
    # 32: the same for egress
    pytest.param(
        Step(
            "x/a y/a",
            (np("only-80", ALL, egress=[rule(None, [port(80)])]),),
            TCP81,
            (all_egress("x/*", False),),
            ports=(81,),
        ),
        id="e2e-32-egress-allow-all-precedence-before",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("only-80", ALL, egress=[rule(None, [port(80)])]), np("allow-all", ALL, egress=[rule()])),
            TCP81,
            (),
            ports=(81,),
        ),
        id="e2e-32-egress-allow-all-precedence-after",
    ),
    # 33: every policy deleted
    pytest.param(
        Step("x/a y/a", (DENY_ALL,), TCP80, (all_ingress("x/*", False), all_egress("x/*", False))),
        id="e2e-33-deleted-policies-before",
    ),
    pytest.param(Step("x/a y/a", (), TCP80, ()), id="e2e-33-deleted-policies-after"),
    # 34-36 (ipBlock on pod IPs) are in IPBLOCK_CASES below
    # 37: an ingress deny policy is added beside an egress allow-all one
    pytest.param(
        Step("x/a x/b y/a", (np("egress-all", A, egress=[rule()]),), TCP80, ()),
        id="e2e-37-ingress-egress-independent-before",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a",
            (np("egress-all", A, egress=[rule()]), np("deny-ingress-a", A, ingress=[])),
            TCP80,
            (all_ingress("x/a", False),),
        ),
        id="e2e-37-ingress-egress-independent-after",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (DENY_INGRESS, np("sctp-81", A, ingress=[rule(None, [port(81, "SCTP")])])),
            TCP81,
            (all_ingress("x/*", False),),
            ports=(81,),
        ),
        id="e2e-38-sctp-is-not-tcp",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("sctp-80", A, ingress=[rule(None, [port(80, "SCTP")])]),),
            TCP81,
            (all_ingress("x/a", False),),
            ports=(81,),
        ),
        id="e2e-39-sctp-policy-isolates",
    ),
    pytest.param(
        Step(
            "x/a y/a",
            (np("udp-81", A, ingress=[rule(None, [port(81, "UDP")])]),),
            TCP81,
            (all_ingress("x/a", False),),
            ports=(81,),
        ),
        id="e2e-40-udp-is-not-tcp",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("allow-ns-y", A, ingress=[rule([peer(ns=sel({NAME: "y"}))])]),),
            TCP80,
            EXPECT_ONLY_Y_TO_XA,
        ),
        id="e2e-41-default-ns-label-matchlabels",
    ),
    pytest.param(
        Step(
            "x/a x/b y/a z/a",
            (np("egress-not-y", A, egress=[rule([peer(ns=sel(None, req(NAME, "NotIn", "y")))])]),),
            TCP80,
            (cell("x/a", "y/*", False),),
        ),
        id="e2e-42-default-ns-label-matchexpressions-egress",
    ),
]


def protocol_cases(proto: str, first: int) -> list[object]:
    """"Netpol [LinuxOnly] ... using UDP" (43-45) and "... using SCTP" (46-48)."""
    p80, p81 = (proto, 80), (proto, 81)
    low = proto.lower()
    return [
        pytest.param(
            Step("x/a x/b y/a y/b", (DENY_INGRESS,), p80, (all_ingress("x/*", False),), protocols=(proto,)),
            id=f"e2e-{first}-{low}-default-deny-ingress",
        ),
        pytest.param(
            Step(
                "x/a x/b y/a z/a",
                (np("from-y-81", A, ingress=[rule([peer(ns=NS_Y)], [port(81, proto)])]),),
                p81,
                EXPECT_ONLY_Y_TO_XA,
                ports=(81,),
                protocols=(proto,),
            ),
            id=f"e2e-{first + 1}-{low}-ports",
        ),
        pytest.param(
            Step(
                "x/a x/b y/a",
                (np("from-y-a", A, ingress=[rule([peer(pod=A, ns=NS_Y)])]),),
                p80,
                (all_ingress("x/a", False), cell("y/a", "x/a", True)),
                protocols=(proto,),
            ),
            id=f"e2e-{first + 2}-{low}-pod-in-other-namespace",
        ),
    ]


# "Netpol [LinuxOnly] NetworkPolicy between server and client using UDP"
UDP_CASES = protocol_cases("UDP", 43)
# "Netpol [Feature:SCTPConnectivity][LinuxOnly] NetworkPolicy between server and client using SCTP"
SCTP_CASES = protocol_cases("SCTP", 46)

# Cases 34-36: ipBlocks holding pod IPs, evaluated as CNIs do (ipblock_matches_pod_ips=True).
IPBLOCK_CASES = [
    pytest.param(
        Step(
            "x/a y/a y/b",
            (np("allow-to-y-b-cidr", A, egress=[rule([ipblock(pod_ip("y/b") + "/32")])]),),
            TCP80,
            (all_egress("x/a", False), cell("x/a", "y/b", True)),
            ipblock_matches_pod_ips=True,
        ),
        id="e2e-34-egress-to-cidr",
    ),
    pytest.param(
        Step("x/a x/b x/c", (CIDR35,), TCP80, (cell("x/a", "x/b", False),), ipblock_matches_pod_ips=True),
        id="e2e-35-egress-cidr-except",
    ),
    # 36: the same policy updated from "/4 except /32" to "/32"
    pytest.param(
        Step("x/a x/b x/c", (CIDR35,), TCP80, (cell("x/a", "x/b", False),), ipblock_matches_pod_ips=True),
        id="e2e-36-cidr-and-except-overlap-step1",
    ),
    pytest.param(
        Step(
            "x/a x/b x/c",
            (CIDR36,),
            TCP80,
            (all_egress("x/a", False), cell("x/a", "x/b", True)),
            ipblock_matches_pod_ips=True,
        ),
        id="e2e-36-cidr-and-except-overlap-step2",
    ),
]

# The same policies under netviz's default (and the static reference tools' convention):
# an ipBlock never matches a pod, so x/a's egress, isolated by a policy whose only peer is an
# ipBlock, reaches no pod at all. This deliberately differs from upstream's expectation.
IPBLOCK_DEFAULT_CASES = [
    pytest.param(
        Step("x/a y/a y/b", (np("allow-to-y-b-cidr", A, egress=[rule([ipblock(pod_ip("y/b") + "/32")])]),), TCP80,
             (all_egress("x/a", False),)),
        id="e2e-34-egress-to-cidr-default-option",
    ),
    pytest.param(
        Step("x/a x/b x/c", (CIDR35,), TCP80, (all_egress("x/a", False),)),
        id="e2e-35-egress-cidr-except-default-option",
    ),
    pytest.param(
        Step("x/a x/b x/c", (CIDR36,), TCP80, (all_egress("x/a", False),)),
        id="e2e-36-cidr-and-except-overlap-step2-default-option",
    ),
]

ALL_CASES = TCP_CASES + UDP_CASES + SCTP_CASES + IPBLOCK_CASES + IPBLOCK_DEFAULT_CASES


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("step", ALL_CASES)
def test_e2e_reachability(step: Step) -> None:
    cluster = build(step)
    opts = Options(ipblock_matches_pod_ips=step.ipblock_matches_pod_ips, host_network="pod")
    an = Analyzer(cluster, opts)
    proto, portnum = step.probe
    by_key = {p.key: p for p in cluster.pods}
    keys = step.pods.split()
    want = expected(step)
    got = {(s, d): an.verdict(by_key[s], by_key[d]).allows(proto, portnum) for s, d in want}
    ref = {
        (s, d): allowed(
            cluster, by_key[s], by_key[d], proto, portnum,
            ipblock_matches_pod_ips=step.ipblock_matches_pod_ips,
        )
        for s, d in want
    }
    assert got == want, f"analyzer, {proto} {portnum}\nexpected:\n{table(keys, want)}\ngot:\n{table(keys, got)}"
    assert ref == want, f"reference, {proto} {portnum}\nexpected:\n{table(keys, want)}\ngot:\n{table(keys, ref)}"


def test_all_48_upstream_cases_are_here() -> None:
    numbers = {int(p.id.split("-")[1]) for p in ALL_CASES}
    assert numbers == set(range(1, 49))
    ids = [p.id for p in ALL_CASES]
    assert len(ids) == len(set(ids))

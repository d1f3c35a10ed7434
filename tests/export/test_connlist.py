"""``netviz.engine.connlist``: the reference conventions the exports rely on (kept beside the
export tests because this module feeds them)."""

from __future__ import annotations

from netviz.engine.analyzer import Analyzer
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Focus, PeerNode, build_list, connlist
from netviz.model import (
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Rule,
    Workload,
    assemble_cluster,
)


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def keys(conns: list) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return [(c.src.key, c.dst.key, str(c.connections)) for c in conns]


def test_pods_of_one_owner_with_different_labels_intersect() -> None:
    # rs "mix" has two pods, only one of which the policy lets in from "a"
    pods = [
        Pod("ns", "mix-1", {"app": "mix", "v": "1"}, owner=("ReplicaSet", "mix")),
        Pod("ns", "mix-2", {"app": "mix", "v": "2"}, owner=("ReplicaSet", "mix")),
        Pod("ns", "a", {"app": "a"}),
    ]
    pol = NetworkPolicy(
        "ns", "only-v1", sel(app="mix"), frozenset({"Ingress"}),
        ingress=(Rule((Peer(pod_selector=sel(app="a")),), (PolicyPort("TCP", 80),)),
                 Rule((Peer(pod_selector=sel(v="1")),))),
    )
    an = Analyzer(assemble_cluster(pods=pods, policies=[pol]))
    got = keys(connlist(an))
    assert ("ns/a[Pod]", "ns/mix[ReplicaSet]", "TCP 80") in got
    # mix-1 -> mix-2 is allowed but a workload to itself is never listed
    assert not any(s == d for s, d, _ in got)


def test_external_pieces_are_global_per_direction() -> None:
    wl = [Workload("Deployment", "ns", "x", {"app": "x"}), Workload("Deployment", "ns", "y", {"app": "y"})]
    pol = NetworkPolicy(
        "ns", "x-in", sel(app="x"), frozenset({"Ingress"}),
        ingress=(Rule((Peer(ip_block=IPBlock("10.0.0.0/8")),)),),
    )
    an = Analyzer(assemble_cluster(workloads=wl, policies=[pol]))
    got = keys(connlist(an))
    # y is not isolated but its ingress is still cut at 10.0.0.0/8; egress is one range
    assert ("0.0.0.0-9.255.255.255[External]", "ns/y[Deployment]", "All Connections") in got
    assert ("10.0.0.0-10.255.255.255[External]", "ns/x[Deployment]", "All Connections") in got
    assert ("ns/y[Deployment]", "0.0.0.0-255.255.255.255[External]", "All Connections") in got
    assert not any(s.endswith("[External]") and d == "ns/x[Deployment]" and s.startswith("0.") for s, d, _ in got)


def test_focus_names_and_direction() -> None:
    wl = [Workload("Deployment", n, "app", {"app": "app"}) for n in ("a", "b")]
    an = Analyzer(assemble_cluster(workloads=wl))
    p = PeerNode.workload("a/app[Deployment]")
    assert p.matches("app") and p.matches("a/app") and p.matches("a/app[Deployment]")
    assert not p.matches("b/app") and not p.matches("a/app[StatefulSet]")
    out = build_list(an, Focus(workloads=("a/app",), direction="egress")).connections
    assert out and all(c.src.key == "a/app[Deployment]" for c in out)
    res = build_list(an, Focus(workloads=("a/app",), peers=("b/app",)))
    assert keys(res.connections) == [
        ("a/app[Deployment]", "b/app[Deployment]", "All Connections"),
        ("b/app[Deployment]", "a/app[Deployment]", "All Connections"),
    ]
    assert [p.key for p in res.peers] == ["a/app[Deployment]", "b/app[Deployment]"]


def test_port_focus_replaces_connections() -> None:
    wl = [Workload("Deployment", "ns", n, {"app": n}) for n in ("a", "b")]
    pol = NetworkPolicy("ns", "b-in", sel(app="b"), frozenset({"Ingress"}),
                        ingress=(Rule(ports=(PolicyPort("UDP", 53),)),))
    an = Analyzer(assemble_cluster(workloads=wl, policies=[pol]))
    out = connlist(an, Focus(protocol="UDP", port=53))
    assert ("ns/a[Deployment]", "ns/b[Deployment]", "UDP 53") in keys(out)
    assert all(c.connections == ConnectionSet.of("UDP", 53) for c in out)
    assert ("ns/a[Deployment]", "ns/b[Deployment]", "TCP 53") not in keys(connlist(an, Focus(protocol="TCP", port=53)))

"""Analyzer.with_policies (what-if edits) must equal a fresh evaluation, and touch only what
the edit can affect."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from netviz.engine import Analyzer
from netviz.model import LabelSelector, NetworkPolicy, Peer, PolicyPort, Rule

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate


def _cluster():
    import yaml

    from netviz.io.manifests import load_text  # the real loader: the synthetic cluster is YAML

    objs = generate(namespaces=6, workloads=60, policies=40, seed=7)
    return load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster


def _pairs(an: Analyzer) -> set[tuple[str, str, str]]:
    out = set()
    for s, d, conns in an.class_pairs():
        out.add((an.classes[s].pods[0].key, an.classes[d].pods[0].key, str(conns)))
    return out


EDITS = {
    "remove-one": lambda pols: pols[1:],
    "add-deny-all": lambda pols: pols
    + [NetworkPolicy("app-001", "deny-all-new", LabelSelector(), frozenset({"Ingress", "Egress"}))],
    "change-ports": lambda pols: [
        replace(p, ingress=(Rule(peers=(Peer(pod_selector=LabelSelector()),), ports=(PolicyPort("TCP", 1234),)),))
        if i == 3 else p
        for i, p in enumerate(pols)
    ],
    "nothing": lambda pols: pols,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_with_policies_equals_fresh_analyzer(edit: str) -> None:
    cluster = _cluster()
    base = Analyzer(cluster)
    _pairs(base)  # fill the partition caches, as the app does before an edit
    new_policies = EDITS[edit](list(cluster.policies))
    derived = base.with_policies(new_policies)
    fresh = Analyzer(replace(cluster, policies=tuple(sorted(new_policies, key=lambda p: (p.namespace, p.name)))))
    assert _pairs(derived) == _pairs(fresh)
    if edit == "nothing":
        assert derived.affected_ingress == 0 and derived.affected_egress == 0
    else:
        assert derived.affected_ingress | derived.affected_egress
        # only classes in the edited namespace are affected
        changed_ns = {derived.classes[c].namespace for c in range(len(derived.classes))
                      if (derived.affected_ingress | derived.affected_egress) >> c & 1}
        assert len(changed_ns) == 1


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_connlist_after_edit_equals_full_connlist(edit: str) -> None:
    from netviz.engine.connlist import connlist, connlist_after_edit

    cluster = _cluster()
    base = Analyzer(cluster)
    before = connlist(base)
    derived = base.with_policies(EDITS[edit](list(cluster.policies)))
    assert connlist_after_edit(base, before, derived) == connlist(derived)


def _naive_changes(before, after) -> set[tuple[str, str]]:
    """Pairs whose connections differ between two lists (the reference for ``changed``)."""
    a = {(c.src.key, c.dst.key): c.connections for c in before}
    b = {(c.src.key, c.dst.key): c.connections for c in after}
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


@pytest.mark.parametrize("edit", sorted(EDITS) + ["ipblock", "ipblock-except"])
def test_connlist_edit_names_the_changed_pairs_and_keeps_the_rest(edit: str) -> None:
    """``connlist_edit``: the same list as a full evaluation, the changed pairs exactly, and
    every connection that did not change is the very object of the previous list (the graph
    and the difference rely on it)."""
    from netviz.engine.connlist import connlist, connlist_edit
    from netviz.model import IPBlock

    cluster = _cluster()
    base = Analyzer(cluster)
    before = connlist(base)
    pols = list(cluster.policies)
    if edit.startswith("ipblock"):
        # an ipBlock whose boundaries cut the external ranges anew (every external
        # connection of that direction is recomputed; most come out the same)
        exc = ("203.0.113.128/25",) if edit == "ipblock-except" else ()
        pols.append(NetworkPolicy(
            "app-002", "egress-to-partner", LabelSelector(), frozenset({"Egress"}),
            egress=(Rule(peers=(Peer(ip_block=IPBlock("203.0.113.0/24", exc)),)),)))
    else:
        pols = EDITS[edit](pols)
    derived = base.with_policies(pols)
    got = connlist_edit(base, before, derived)
    assert got.connections == connlist(derived)
    assert got.changed == _naive_changes(before, got.connections)
    if edit == "nothing":
        assert got.changed == set()
    else:
        assert got.changed
    old = {(c.src.key, c.dst.key): c for c in before}
    for c in got.connections:
        k = (c.src.key, c.dst.key)
        if k not in got.changed:
            assert c is old[k]


def test_connlist_after_edit_with_new_ipblock_recuts_external_ranges() -> None:
    from netviz.engine.connlist import connlist, connlist_after_edit
    from netviz.model import IPBlock

    cluster = _cluster()
    base = Analyzer(cluster)
    before = connlist(base)
    extra = NetworkPolicy(
        "app-002", "egress-to-partner", LabelSelector(), frozenset({"Egress"}),
        egress=(Rule(peers=(Peer(ip_block=IPBlock("203.0.113.0/24", ("203.0.113.128/25",))),)),),
    )
    derived = base.with_policies([*cluster.policies, extra])
    after = connlist_after_edit(base, before, derived)
    assert after == connlist(derived)
    assert any(c.dst.key == "203.0.113.0-203.0.113.127[External]" for c in after)


# --------------------------------------------------------------------------- cluster policies


def _tier_cluster(pods: int = 0):
    import yaml

    from netviz.io.manifests import load_text

    objs = generate(namespaces=6, workloads=60, policies=40, pods=pods, seed=7,
                    admin_policies=8)
    return load_text(yaml.safe_dump_all(objs), "synthetic.yaml").cluster


def _cluster_edits():
    from netviz.model import Action, ClusterPeer, ClusterPolicy, ClusterRule, ClusterSubject, Tier

    team0 = ClusterSubject(LabelSelector((("team", "team-0"),)))
    deny = ClusterPolicy("AdminNetworkPolicy", "new-deny", Tier.ADMIN, 3, team0,
                         ingress=(ClusterRule("all", Action.DENY,
                                              (ClusterPeer("namespaces",
                                                           namespace_selector=LabelSelector()),)),))
    to_net = ClusterPolicy("ClusterNetworkPolicy", "new-net", Tier.BASELINE, 5, team0,
                           egress=(ClusterRule("net", Action.DENY,
                                               (ClusterPeer("networks",
                                                            networks=("10.0.0.0/24",)),)),))
    return {
        "remove-one": lambda cps: cps[1:],
        "add-admin-deny": lambda cps: [*cps, deny],
        "add-networks": lambda cps: [*cps, to_net],
        "reprioritise": lambda cps: [replace(cps[0], priority=999), *cps[1:]],
        "nothing": lambda cps: cps,
    }


@pytest.mark.parametrize("pods", [0, 120], ids=["manifests", "snapshot-with-ips"])
@pytest.mark.parametrize("edit", sorted(_cluster_edits()))
def test_cluster_policy_edits_equal_a_fresh_analyzer(edit: str, pods: int) -> None:
    from netviz.engine.connlist import connlist, connlist_after_edit

    cluster = _tier_cluster(pods)
    assert cluster.cluster_policies
    base = Analyzer(cluster)
    before = connlist(base)
    new_cps = _cluster_edits()[edit](list(cluster.cluster_policies))
    derived = base.with_policies(list(cluster.policies), new_cps)
    fresh = Analyzer(replace(cluster, cluster_policies=tuple(
        sorted(new_cps, key=lambda p: p.order_key))))
    assert _pairs(derived) == _pairs(fresh)
    assert connlist_after_edit(base, before, derived) == connlist(fresh)
    if edit == "nothing":
        assert derived.affected_ingress == 0 and derived.affected_egress == 0
    else:
        assert derived.affected_ingress | derived.affected_egress


@pytest.mark.parametrize("n_small", [0, 3, 40])
def test_merge_sorted_equals_sorting_everything(n_small: int) -> None:
    """The recomputed part merged into the kept part by bisection (few) or sorting (many)."""
    import random

    from netviz.engine.connections import ConnectionSet
    from netviz.engine.connlist import Connection, PeerNode, _conn_key, _merge_sorted

    rnd = random.Random(n_small)
    peers = [PeerNode.workload(f"ns{i % 7}/w{i}[Deployment]") for i in range(40)]
    pairs = [(a, b) for a in peers for b in peers if a is not b]
    rnd.shuffle(pairs)
    conns = [Connection(a, b, ConnectionSet.all()) for a, b in pairs[:160]]
    small = sorted(conns[:n_small], key=_conn_key)
    big = sorted(conns[n_small:], key=_conn_key)
    assert _merge_sorted(big, small) == sorted(conns, key=_conn_key)

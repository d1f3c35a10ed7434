"""The streamed connection list (``iter_connlist``, what ``connlist`` and ``netviz list`` use)
against the pair-by-pair path (``workload_pairs`` + ``external_connections``, what the what-if
update uses): same connections, same order, with and without focus, on random clusters whose
workloads span several pod classes (the slow path), and the fast bitset helper."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from netviz.engine.analyzer import Analyzer, Options, bits_iter, bits_list
from netviz.engine.connlist import (
    Connection,
    ConnectionStream,
    Focus,
    PeerNode,
    apply_focus,
    connlist,
    direction_atoms,
    external_connections,
    ingress_connections,
    workload_classes,
    workload_pairs,
)
from netviz.model import Cluster, assemble_cluster
from tests.engine.test_differential import clusters


def pair_path(an: Analyzer, focus: Focus) -> list[Connection]:
    """The list as it was built before streaming: all pairs, then externals, then sort."""
    wl_classes = workload_classes(an)
    pieces = direction_atoms(an)
    nodes: dict[object, PeerNode] = {wl: PeerNode.workload(wl) for wl in wl_classes}
    out = [Connection(nodes[s], nodes[d], c) for (s, d), c in workload_pairs(an).items()]
    for wl, cls in wl_classes.items():
        out.extend(external_connections(an, wl, cls, pieces, nodes))
    out.extend(ingress_connections(an, nodes))
    out = apply_focus(out, focus)
    out.sort(key=lambda c: (c.src.key, c.dst.key))
    return out


@st.composite
def owned_clusters(draw: st.DrawFn) -> Cluster:
    """Random clusters where some pods of a namespace share an owner: one workload with pods
    in several classes."""
    base = draw(clusters())
    pods = []
    for p in base.pods:
        if draw(st.booleans()):
            p = dataclasses.replace(p, owner=("ReplicaSet", f"rs-{p.namespace}"), workload_key="")
        pods.append(p)
    return assemble_cluster(base.namespaces, pods, (), (), base.policies)


@settings(max_examples=150, deadline=None)
@given(cluster=owned_clusters(), ipb=st.booleans(), focus_kind=st.integers(0, 3))
def test_stream_equals_pair_path(cluster: Cluster, ipb: bool, focus_kind: int) -> None:
    an = Analyzer(cluster, Options(ipblock_matches_pod_ips=ipb))
    names = sorted(workload_classes(an))
    focus = [
        Focus(),
        Focus(workloads=(names[0],)) if names else Focus(),
        Focus(protocol="TCP", port=80),
        Focus(workloads=(names[-1],), direction="egress") if names else Focus(),
    ][focus_kind]
    streamed = connlist(an, focus)
    assert streamed == pair_path(an, focus)
    assert list(ConnectionStream(an, focus)) == streamed  # re-iterable, same each time
    assert list(ConnectionStream(an, focus)) == streamed


@given(st.integers(min_value=0, max_value=2**3000)
       | st.sets(st.integers(0, 30_000), max_size=40).map(lambda s: sum(1 << i for i in s)))
def test_bits_list_is_bits_iter(bits: int) -> None:
    """Dense and sparse (peeled) bitsets, narrow and wide."""
    assert bits_list(bits) == list(bits_iter(bits))


def test_a_policy_that_tells_pods_of_one_workload_apart() -> None:
    """The slow path: ReplicaSet rs has pods a (role=x) and b (role=y); a policy isolates only
    a and lets web reach it on TCP 80: web => rs is what holds for both pods, TCP 80."""
    from netviz.engine.connections import ConnectionSet
    from netviz.model import LabelSelector, NetworkPolicy, Peer, Pod, PolicyPort, Rule

    rs = ("ReplicaSet", "rs")
    pods = [
        Pod("ns", "a", {"app": "rs", "role": "x"}, owner=rs),
        Pod("ns", "b", {"app": "rs", "role": "y"}, owner=rs),
        Pod("ns", "web", {"app": "web"}),
    ]
    pol = NetworkPolicy(
        namespace="ns", name="only-x", pod_selector=LabelSelector((("role", "x"),)),
        policy_types=frozenset({"Ingress"}),
        ingress=(Rule(peers=(Peer(pod_selector=LabelSelector((("app", "web"),))),),
                      ports=(PolicyPort("TCP", 80),), peers_given=True, ports_given=True),),
        policy_types_given=True,
    )
    cluster = assemble_cluster(pods=pods, policies=[pol])
    an = Analyzer(cluster)
    got = {(c.src.key, c.dst.key): c.connections for c in connlist(an)}
    assert got[("ns/web[Pod]", "ns/rs[ReplicaSet]")] == ConnectionSet.of("TCP", 80)
    assert got[("ns/rs[ReplicaSet]", "ns/web[Pod]")] == ConnectionSet.all()
    assert connlist(an) == pair_path(an, Focus())


def test_connlist_runs_no_collection_and_restores_the_collector() -> None:
    """``connlist`` pauses the cyclic GC while it makes its tuples (they make no cycle) and
    leaves it as it found it, on or off."""
    import gc
    import sys

    from netviz.io.manifests import load_text

    pods = "".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a, "
        f"labels: {{app: p{i}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n"
        for i in range(40)
    )
    an = Analyzer(load_text(pods).cluster)
    starts: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        # a collection started while the rows were being made (one may come right after:
        # the one the pause deferred)
        frame = sys._getframe()
        while frame is not None:
            if frame.f_code.co_name == "iter_rows":
                starts.append(info["generation"])
                break
            frame = frame.f_back  # type: ignore[assignment]

    threshold = gc.get_threshold()
    was = gc.isenabled()
    gc.callbacks.append(seen)
    try:
        gc.enable()
        gc.set_threshold(10, 1, 1)  # without the pause, 1,640 tuples would collect often
        conns = connlist(an)
        assert gc.isenabled()
        gc.disable()
        assert connlist(an) == conns
        assert not gc.isenabled()
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*threshold)
        if was:
            gc.enable()
    assert len(conns) == 40 * 39 + 2 * 40  # and with the outside world, both ways
    assert starts == []


def test_connection_set_text_is_kept_and_stays_right() -> None:
    from netviz.engine.connections import ConnectionSet

    c = ConnectionSet.of("TCP", 80) | ConnectionSet.of("UDP", 53, 54)
    assert str(c) == "TCP 80,UDP 53-54"
    assert str(c) is str(c)  # made once
    assert str(ConnectionSet.all()) == "All Connections"
    assert str(ConnectionSet.none()) == "No Connections"
    assert ConnectionSet.parse(str(c)) == c

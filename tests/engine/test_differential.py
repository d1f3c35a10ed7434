"""Differential test: the analyzer against the loop-based reference evaluator.

Random small clusters and policies (every peer shape, every selector operator, named ports that
mean different numbers/protocols on different pods, endPort ranges, protocol-only ports,
ipBlocks with excepts in both families) and random mixes of the policy tiers (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy of both tiers: every action, subjects, every
peer kind including networks over pod IPs, nodes, domainNames and fail-closed peers, port
numbers, ranges (some empty), named ports; priorities that tie; Node objects) are evaluated by
``netviz.engine.analyzer`` and by ``reference_evaluator.allowed``; they must agree on every
probe:

- ``verdict(src, dst)`` for every ordered pod pair, on probe ports (every number in use, +-1,
  endPorts, 1, 65535, and every boundary of the analyzer's own answer);
- the all-pairs path: ``class_pairs()`` expanded to distinct pods equals ``verdict()``;
- pod <-> external address probes (addresses inside/outside the blocks and their excepts);

with ``ipblock_matches_pod_ips`` off and on.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from reference_evaluator import allowed, denying_tier

from netviz.engine import Analyzer, ConnectionSet, IPRange, Options
from netviz.engine.analyzer import EGRESS, INGRESS
from netviz.engine.connlist import _external_vector, direction_atoms
from netviz.model import (
    Action,
    Cluster,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    ClusterSubject,
    ContainerPort,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Node,
    Peer,
    Pod,
    PolicyPort,
    Requirement,
    Rule,
    Tier,
    assemble_cluster,
)
from netviz.model.objects import NAMESPACE_NAME_LABEL

PROTOCOLS = ("TCP", "UDP", "SCTP")
NS_NAMES = ("ns0", "ns1", "ns2", "ns3")
NS_KEYS = ("env", "team")
POD_KEYS = ("app", "tier", "env")
VALUES = ("a", "b", "c")

#: (name, number, protocol): ``http`` and ``dns`` mean different things on different pods
CONTAINER_PORTS = (
    ContainerPort(80, "http", "TCP"),
    ContainerPort(8080, "http", "TCP"),
    ContainerPort(9000, "http", "SCTP"),
    ContainerPort(53, "dns", "UDP"),
    ContainerPort(53, "dns", "TCP"),
    ContainerPort(5353, "dns", "UDP"),
    ContainerPort(81, "metrics", "TCP"),
    ContainerPort(443, None, "TCP"),
    ContainerPort(8443, None, "UDP"),
)

IP_BLOCKS = (
    IPBlock("10.0.0.0/16", ("10.0.1.0/24",)),
    IPBlock("0.0.0.0/0"),
    IPBlock("0.0.0.0/0", ("10.0.0.0/8",)),
    IPBlock("10.0.0.0/24"),
    IPBlock("10.0.2.0/23", ("10.0.3.128/25", "10.0.2.0/30")),
    IPBlock("192.168.0.0/16"),
    IPBlock("::/0", ("fd00::/8",)),
    IPBlock("fd00::/64"),
)

EXTERNAL_IPS = (
    "10.0.0.0", "10.0.0.7", "10.0.0.255", "10.0.1.0", "10.0.1.5", "10.0.1.255", "10.0.2.1",
    "10.0.2.4", "10.0.3.127", "10.0.3.128", "10.0.3.255", "10.0.255.255", "10.1.0.1",
    "9.255.255.255", "11.0.0.0", "192.168.1.1", "8.8.8.8", "0.0.0.0", "255.255.255.255",
    "fd00::1", "fd00:0:0:1::1", "2001:db8::1", "::",
)

POD_IPS = tuple(f"10.0.{a}.{b}" for a in (0, 1, 2, 3) for b in (1, 2, 130)) + ("fd00::5",)

NAMED = ("http", "dns", "metrics", "nope")
NUMBERS = (53, 80, 81, 443, 5353, 8080, 9000)
RANGES = ((80, 90), (8000, 8080), (53, 53), (1, 1024), (9000, 65535), (443, 8443))


# --------------------------------------------------------------------------- strategies


def requirements(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[Requirement]:
    return st.one_of(
        st.builds(
            Requirement,
            st.sampled_from(keys),
            st.sampled_from(("In", "NotIn")),
            st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True).map(tuple),
        ),
        st.builds(
            Requirement, st.sampled_from(keys), st.sampled_from(("Exists", "DoesNotExist"))
        ),
    )


def selectors(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[LabelSelector]:
    return st.one_of(
        st.just(LabelSelector()),  # empty: matches everything
        st.builds(
            LabelSelector,
            st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=2).map(
                lambda d: tuple(sorted(d.items()))
            ),
            st.lists(requirements(keys, values), max_size=2).map(tuple),
        ),
    )


POD_SELECTORS = selectors(POD_KEYS, VALUES)
NS_SELECTORS = selectors(NS_KEYS + (NAMESPACE_NAME_LABEL,), VALUES + NS_NAMES)

PEERS = st.one_of(
    st.builds(Peer, ip_block=st.sampled_from(IP_BLOCKS)),
    st.builds(Peer, pod_selector=POD_SELECTORS),
    st.builds(Peer, namespace_selector=NS_SELECTORS),
    st.builds(Peer, pod_selector=POD_SELECTORS, namespace_selector=NS_SELECTORS),
)

POLICY_PORTS = st.one_of(
    st.builds(PolicyPort, st.sampled_from(PROTOCOLS)),  # protocol only: all ports
    st.builds(PolicyPort, st.sampled_from(PROTOCOLS), st.sampled_from(NUMBERS)),
    st.builds(PolicyPort, st.sampled_from(PROTOCOLS), st.sampled_from(NAMED)),
    st.builds(
        lambda proto, r: PolicyPort(proto, r[0], r[1]),
        st.sampled_from(PROTOCOLS),
        st.sampled_from(RANGES),
    ),
)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    peers = tuple(draw(st.lists(PEERS, max_size=3)))
    ports = tuple(draw(st.lists(POLICY_PORTS, max_size=3)))
    # an empty list and a missing one mean the same; both are () in the model
    return Rule(
        peers=peers,
        ports=ports,
        peers_given=bool(peers) or draw(st.booleans()),
        ports_given=bool(ports) or draw(st.booleans()),
    )


NODE_KEYS = ("role", "zone")
NODE_SELECTORS = selectors(NODE_KEYS, VALUES)
#: networks peers: CIDRs over pod IPs and external addresses, both families
NETWORKS = ("10.0.0.0/16", "10.0.1.0/24", "0.0.0.0/0", "10.0.2.0/23", "192.168.0.0/16",
            "8.8.8.8/32", "::/0", "fd00::/64", "10.0.0.1/32")

CLUSTER_PORTS = st.one_of(
    st.builds(ClusterPort, st.sampled_from(PROTOCOLS), st.sampled_from(NUMBERS)),
    st.builds(lambda proto, r: ClusterPort(proto, r[0], r[1]), st.sampled_from(PROTOCOLS),
              st.sampled_from(RANGES)),
    st.builds(lambda n: ClusterPort(None, name=n), st.sampled_from(NAMED)),
    st.just(ClusterPort("TCP", 6000, 5000)),  # an empty v1alpha1 range: matches nothing
)
CLUSTER_PEERS_IN = st.one_of(
    st.builds(lambda s: ClusterPeer("namespaces", namespace_selector=s), NS_SELECTORS),
    st.builds(lambda n, p: ClusterPeer("pods", namespace_selector=n, pod_selector=p),
              NS_SELECTORS, POD_SELECTORS),
)
CLUSTER_PEERS_EG = st.one_of(
    CLUSTER_PEERS_IN,
    CLUSTER_PEERS_IN,
    st.builds(lambda cs: ClusterPeer("networks", networks=tuple(cs)),
              st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=2, unique=True)),
    st.builds(lambda s: ClusterPeer("nodes", node_selector=s), NODE_SELECTORS),
    st.just(ClusterPeer("domainNames", domain_names=("*.example.com",))),
    st.just(ClusterPeer("unknown", unknown_fields=("services",))),
)


@st.composite
def cluster_rules(draw: st.DrawFn, actions: tuple[Action, ...], ingress: bool) -> ClusterRule:
    peers = tuple(draw(st.lists(CLUSTER_PEERS_IN if ingress else CLUSTER_PEERS_EG,
                                min_size=1, max_size=2)))
    ports = None
    if draw(st.booleans()):
        ports = tuple(draw(st.lists(CLUSTER_PORTS, min_size=1, max_size=2)))
    action = draw(st.sampled_from(actions))
    return ClusterRule(f"r{draw(st.integers(0, 99))}", action, peers, ports, action.value)


@st.composite
def cluster_policies(draw: st.DrawFn) -> list[ClusterPolicy]:
    out: list[ClusterPolicy] = []
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
                                     "ClusterNetworkPolicy")))
        if kind == "BaselineAdminNetworkPolicy" and any(p.kind == kind for p in out):
            kind = "AdminNetworkPolicy"
        if kind == "AdminNetworkPolicy":
            tier, actions = Tier.ADMIN, (Action.ACCEPT, Action.DENY, Action.PASS)
        elif kind == "BaselineAdminNetworkPolicy":
            tier, actions = Tier.BASELINE, (Action.ACCEPT, Action.DENY)
        else:
            tier = draw(st.sampled_from((Tier.ADMIN, Tier.BASELINE)))
            actions = (Action.ACCEPT, Action.DENY, Action.PASS)
        if draw(st.booleans()):
            subject = ClusterSubject(draw(NS_SELECTORS))
        else:
            subject = ClusterSubject(draw(NS_SELECTORS), draw(POD_SELECTORS))
        out.append(ClusterPolicy(
            kind,
            "default" if kind == "BaselineAdminNetworkPolicy" else f"cp{i}",
            tier,
            None if kind == "BaselineAdminNetworkPolicy" else draw(st.integers(0, 2)),
            subject,
            tuple(draw(st.lists(cluster_rules(actions, True), max_size=3))),
            tuple(draw(st.lists(cluster_rules(actions, False), max_size=3))),
        ))
    return out


@st.composite
def clusters(draw: st.DrawFn, tiers: bool = False) -> Cluster:
    ns_names = draw(st.lists(st.sampled_from(NS_NAMES), min_size=2, max_size=4, unique=True))
    namespaces = [
        Namespace(n, draw(st.dictionaries(st.sampled_from(NS_KEYS), st.sampled_from(VALUES), max_size=2)))
        for n in ns_names
    ]
    n_pods = draw(st.integers(2, 8))
    ips = iter(draw(st.permutations(POD_IPS)))
    pods = []
    for i in range(n_pods):
        cps = draw(st.lists(st.sampled_from(CONTAINER_PORTS), max_size=3, unique=True))
        # container port names are unique within a pod (Kubernetes validation)
        seen: set[str] = set()
        ports = []
        for cp in cps:
            if cp.name is not None and cp.name in seen:
                continue
            if cp.name is not None:
                seen.add(cp.name)
            ports.append(cp)
        if pods and draw(st.integers(0, 3)) == 0:
            # a replica of the previous pod (same namespace, labels, ports): one pod class with
            # several pods, the "class paired with itself" path of class_pairs()
            prev = pods[-1]
            pods.append(Pod(prev.namespace, f"p{i}", prev.labels, prev.ports, ips=prev.ips and (next(ips),)))
            continue
        pod_ips: tuple[str, ...] = ()
        if draw(st.booleans()):
            pod_ips = (next(ips),)
            if draw(st.integers(0, 5)) == 0:
                pod_ips += ("fd00::%x" % (i + 16),)
        pods.append(
            Pod(
                namespace=draw(st.sampled_from(ns_names)),
                name=f"p{i}",
                labels=draw(st.dictionaries(st.sampled_from(POD_KEYS), st.sampled_from(VALUES), max_size=3)),
                ports=tuple(ports),
                ips=pod_ips,
                host_network=draw(st.integers(0, 7)) == 0,
            )
        )
    policies = []
    for i in range(draw(st.integers(0, 4))):
        types = draw(st.sampled_from(({"Ingress"}, {"Egress"}, {"Ingress", "Egress"})))
        ingress = tuple(draw(st.lists(rules(), max_size=3)))
        egress = tuple(draw(st.lists(rules(), max_size=3)))
        # rules of a direction not in policyTypes are ignored by Kubernetes; keep them
        # sometimes to check that
        if "Ingress" not in types and draw(st.booleans()):
            ingress = ()
        if "Egress" not in types and draw(st.booleans()):
            egress = ()
        policies.append(
            NetworkPolicy(
                namespace=draw(st.sampled_from(ns_names)),
                name=f"np{i}",
                pod_selector=draw(POD_SELECTORS),
                policy_types=frozenset(types),
                ingress=ingress,
                egress=egress,
                policy_types_given=True,
            )
        )
    cps: list[ClusterPolicy] = draw(cluster_policies()) if tiers else []
    nodes = []
    if tiers:
        addresses = iter(draw(st.permutations(("10.0.0.1", "10.0.2.130", "8.8.8.8", "192.168.1.1",
                                               "10.0.1.5", "fd00::1"))))
        for k in range(draw(st.integers(0, 2))):
            nodes.append(Node(f"n{k}", draw(st.dictionaries(st.sampled_from(NODE_KEYS),
                                                          st.sampled_from(VALUES), max_size=2)),
                              (next(addresses),)))
    return assemble_cluster(namespaces=namespaces, pods=pods, policies=policies,
                            cluster_policies=cps, nodes=nodes)


# --------------------------------------------------------------------------- helpers


def probe_ports(cluster: Cluster) -> set[int]:
    nums = {1, 65535}
    for pod in cluster.pods:
        for cp in pod.ports:
            nums.add(cp.port)
    for pol in cluster.policies:
        for rule in (*pol.ingress, *pol.egress):
            for pp in rule.ports:
                if isinstance(pp.port, int):
                    nums.add(pp.port)
                if pp.end_port is not None:
                    nums.add(pp.end_port)
    for cpol in cluster.cluster_policies:
        for crule in (*cpol.ingress, *cpol.egress):
            for cp in crule.ports or ():
                if cp.port is not None:
                    nums.add(cp.port)
                if cp.end_port is not None:
                    nums.add(cp.end_port)
    out = set()
    for n in nums:
        out.update((n - 1, n, n + 1))
    return {n for n in out if 1 <= n <= 65535}


def boundaries(conns: ConnectionSet) -> set[tuple[str, int]]:
    out = set()
    for _proto, ranges in conns.items():
        for lo, hi in ranges:
            for n in (lo - 1, lo, hi, hi + 1):
                if 1 <= n <= 65535:
                    for p in PROTOCOLS:
                        out.add((p, n))
    return out


def describe(cluster: Cluster) -> str:
    lines = [f"ns {ns.name} {ns.labels}" for ns in cluster.namespaces]
    lines += [
        f"pod {p.key} labels={p.labels} ports={[(c.name, c.port, c.protocol) for c in p.ports]} "
        f"ips={p.ips} hostNetwork={p.host_network}"
        for p in cluster.pods
    ]
    lines += [repr(pol) for pol in cluster.policies]
    lines += [repr(cp) for cp in cluster.cluster_policies]
    lines += [repr(n) for n in cluster.nodes]
    return "\n".join(lines)


#: NETVIZ_DIFF_EXAMPLES=2000 for a long bug hunt; the default keeps the file under ~30 s
EXAMPLES = int(os.environ.get("NETVIZ_DIFF_EXAMPLES", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("ipb", [False, True], ids=["ipblock-no-pods", "ipblock-pod-ips"])
@SETTINGS
@given(cluster=clusters())
def test_pod_pairs_agree(cluster: Cluster, ipb: bool) -> None:
    _pod_pairs_agree(cluster, ipb)


@SETTINGS
@given(cluster=clusters(tiers=True))
def test_pod_pairs_agree_with_tiers(cluster: Cluster) -> None:
    _pod_pairs_agree(cluster, False)


@SETTINGS
@given(cluster=clusters(tiers=True))
def test_class_pairs_agree_with_verdict_with_tiers(cluster: Cluster) -> None:
    _class_pairs_agree(cluster, False)


@SETTINGS
@given(cluster=clusters(tiers=True))
def test_external_agree_with_tiers(cluster: Cluster) -> None:
    _external_agree(cluster, False)


@SETTINGS
@given(cluster=clusters(tiers=True))
def test_deny_tier_agrees(cluster: Cluster) -> None:
    """``Analyzer.deny_tier`` (what the graph draws as denied by a cluster policy) against the
    reference: ADMIN when an Admin Deny rule denies every connection in one direction or the
    other, BASELINE when Deny rules of the two tiers together do, else None."""
    note(describe(cluster))
    an = Analyzer(cluster, Options(host_network="pod"))
    base = {(proto, n) for proto in PROTOCOLS for n in probe_ports(cluster)}
    for src in cluster.pods:
        for dst in cluster.pods:
            if src.key == dst.key:
                continue
            sc, dc = an.class_of(src), an.class_of(dst)
            got = an.deny_tier(sc, dc)
            sets = [an.verdict(src, dst).allowed]
            for direction, pc, other in ((EGRESS, sc, dc), (INGRESS, dc, sc)):
                for bits, a, bd in an.tier_denied(direction, pc):
                    if bits >> other.index & 1:
                        sets += [a, bd]
            probes = set(base)
            for cs in sets:
                probes |= boundaries(cs)
            per = [denying_tier(cluster, src, dst, proto, port) for proto, port in sorted(probes)]
            if all(t is Tier.ADMIN for t in per):
                want: Tier | None = Tier.ADMIN
            elif all(t is not None for t in per):
                want = Tier.BASELINE
            else:
                want = None
            event(f"deny_tier {got}")
            assert got is want, f"{src.key} -> {dst.key}: analyzer {got}, reference {want}"


@SETTINGS
@given(cluster=clusters(tiers=True))
def test_connlist_external_vectors_agree_with_tiers(cluster: Cluster) -> None:
    """``netviz list``'s external ranges with tiers (made rule by rule per tier signature,
    ``connlist._external_vector``) against the reference, at the first address of every piece."""
    note(describe(cluster))
    an = Analyzer(cluster, Options(host_network="pod"))
    base = {(proto, n) for proto in PROTOCOLS for n in probe_ports(cluster)}
    pieces = direction_atoms(an)
    cache: dict[object, list[object]] = {}
    for pod in cluster.pods:
        pc = an.class_of(pod)
        for direction in (INGRESS, EGRESS):
            vec = _external_vector(an, pc, direction, pieces[direction], cache)  # type: ignore[arg-type]
            assert vec == [an.external_conns(pc, direction, r) for r in pieces[direction]]
            for piece, got in zip(pieces[direction], vec, strict=True):
                ip = piece.first()
                src, dst = (ip, pod) if direction == INGRESS else (pod, ip)
                for proto, port in sorted(base | boundaries(got)):
                    want = allowed(cluster, src, dst, proto, port)
                    assert got.contains(proto, port) == want, (
                        f"{pod.key} {direction} {piece} {proto} {port}: list {got}, "
                        f"reference {want}")


def _pod_pairs_agree(cluster: Cluster, ipb: bool) -> None:
    note(describe(cluster))
    an = Analyzer(cluster, Options(ipblock_matches_pod_ips=ipb, host_network="pod"))
    base = {(proto, n) for proto in PROTOCOLS for n in probe_ports(cluster)}
    for src in cluster.pods:
        for dst in cluster.pods:
            got = an.verdict(src, dst).allowed
            for proto, port in sorted(base | boundaries(got)):
                want = allowed(cluster, src, dst, proto, port, ipblock_matches_pod_ips=ipb)
                assert got.contains(proto, port) == want, (
                    f"{src.key} -> {dst.key} {proto} {port}: analyzer {got}, reference {want}"
                )


@pytest.mark.parametrize("ipb", [False, True], ids=["ipblock-no-pods", "ipblock-pod-ips"])
@SETTINGS
@given(cluster=clusters())
def test_class_pairs_agree_with_verdict(cluster: Cluster, ipb: bool) -> None:
    _class_pairs_agree(cluster, ipb)


def _class_pairs_agree(cluster: Cluster, ipb: bool) -> None:
    note(describe(cluster))
    an = Analyzer(cluster, Options(ipblock_matches_pod_ips=ipb, host_network="pod"))
    from_classes: dict[tuple[str, str], ConnectionSet] = {}
    for s, d, conns in an.class_pairs():
        for sp in an.classes[s].pods:
            for dp in an.classes[d].pods:
                if sp.key == dp.key:
                    continue  # a class paired with itself means distinct pods of that class
                key = (sp.key, dp.key)
                assert key not in from_classes or from_classes[key] == conns, (
                    f"{key} yielded twice: {from_classes[key]} and {conns}"
                )
                from_classes[key] = conns
    # every pod is in exactly one class
    in_classes = sorted(p.key for c in an.classes for p in c.pods)
    assert in_classes == sorted(p.key for p in cluster.pods)
    for src in cluster.pods:
        for dst in cluster.pods:
            if src.key == dst.key:
                continue
            want = an.verdict(src, dst).allowed
            got = from_classes.get((src.key, dst.key), ConnectionSet.none())
            assert got == want, f"{src.key} -> {dst.key}: class_pairs {got}, verdict {want}"


@pytest.mark.parametrize("ipb", [False, True], ids=["ipblock-no-pods", "ipblock-pod-ips"])
@SETTINGS
@given(cluster=clusters())
def test_external_agree(cluster: Cluster, ipb: bool) -> None:
    _external_agree(cluster, ipb)


def _external_agree(cluster: Cluster, ipb: bool) -> None:
    note(describe(cluster))
    an = Analyzer(cluster, Options(ipblock_matches_pod_ips=ipb, host_network="pod"))
    base = {(proto, n) for proto in PROTOCOLS for n in probe_ports(cluster)}
    for pod in cluster.pods:
        for ip in EXTERNAL_IPS:
            ext = IPRange.from_ip(ip)
            for src, dst, rsrc, rdst in ((pod, ext, pod, ip), (ext, pod, ip, pod)):
                got = an.verdict(src, dst).allowed
                for proto, port in sorted(base | boundaries(got)):
                    want = allowed(cluster, rsrc, rdst, proto, port, ipblock_matches_pod_ips=ipb)
                    assert got.contains(proto, port) == want, (
                        f"{rsrc if isinstance(rsrc, str) else rsrc.key} -> "
                        f"{rdst if isinstance(rdst, str) else rdst.key} {proto} {port}: "
                        f"analyzer {got}, reference {want}"
                    )


def _blocks_trying_every_group(an: Analyzer, src_mask: int | None,
                               dst_mask: int | None) -> list[object]:
    """``Analyzer.blocks`` as it was first written: every source group with every destination
    group (the reference for the lookup of the groups a source group can pair with)."""
    from netviz.engine.analyzer import Block

    restricted = src_mask is not None or dst_mask is not None
    smask, dmask = src_mask or 0, dst_mask or 0
    src_groups: dict[object, int] = {}
    dst_groups: dict[object, int] = {}
    for pc in an.classes:
        ek = an._egress_partition(pc)
        src_groups[ek] = src_groups.get(ek, 0) | 1 << pc.index
        ik = an._ingress_partition(pc)
        dst_groups[ik] = dst_groups.get(ik, 0) | 1 << pc.index
    out: list[object] = []
    for epart, sbits in src_groups.items():
        for ipart, dbits in dst_groups.items():
            if restricted and not sbits & smask and not dbits & dmask:
                continue
            for eb, ec in epart:  # type: ignore[attr-defined]
                for ib, ic in ipart:  # type: ignore[attr-defined]
                    ss, dd, c = ib & sbits, eb & dbits, ec & ic
                    if ss and dd and c:
                        out.append(Block(ss, dd, c))
    return out


@pytest.mark.parametrize("index", [False, True], ids=["every-group", "looked-up"])
@settings(SETTINGS, max_examples=max(1, EXAMPLES // 4))
@given(cluster=clusters(tiers=True), masks=st.tuples(st.integers(0, 255), st.integers(0, 255)),
       restricted=st.booleans())
def test_blocks_agree_with_trying_every_group(cluster: Cluster, masks: tuple[int, int],
                                              restricted: bool, index: bool) -> None:
    """The same blocks in the same order, whether the destination groups a source group can
    pair with are looked up in the index or all tried."""
    import netviz.engine.analyzer as analyzer

    an = Analyzer(cluster, Options())
    src_mask, dst_mask = masks if restricted else (None, None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(analyzer, "_index_pays", lambda *args: index)
        got = an.blocks(src_mask, dst_mask)
    assert got == _blocks_trying_every_group(an, src_mask, dst_mask)

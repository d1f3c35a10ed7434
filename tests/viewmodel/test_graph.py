"""GraphModel: nodes, edges and styles from the engine; filters, focus, highlight, LOD, hit-test."""

from __future__ import annotations

import pytest
from test_graph_fixtures import (
    API,
    DB,
    MON,
    SVC_DB,
    SVC_WEB,
    WEB,
    cluster,
    evaluated,
)

from netviz.viewmodel.graph import (
    GraphModel,
    GraphOptions,
    bundle_edges,
    edge_at,
    parse_port_filter,
)

EXT = "0.0.0.0-255.255.255.255[External]"


@pytest.fixture
def model() -> GraphModel:
    cl, an, conns = evaluated()
    return GraphModel(cl, conns, an)


def edge(m: GraphModel, src: str, dst: str):
    got = [e for e in m.edges if e.src == src and e.dst == dst]
    assert len(got) == 1, (src, dst, got)
    return got[0]


def test_nodes_workloads_services_externals(model: GraphModel) -> None:
    assert model.nodes[WEB].kind == "workload"
    assert model.nodes[WEB].subtitle == "Deployment ×2"
    assert model.nodes[DB].subtitle == "StatefulSet"
    assert model.nodes[EXT].kind == "external"
    assert model.nodes[EXT].label == "any IPv4"
    svc = model.nodes[SVC_DB]
    assert svc.kind == "service"
    assert svc.subtitle == "5432→postgres(5432)"
    assert model.service_backends[SVC_WEB] == (WEB,)
    # a Service is laid out right after its first backend
    assert model.namespaces["shop"].members == (API, DB, SVC_DB, WEB, SVC_WEB)


def test_numeric_target_port_and_unresolved_name() -> None:
    from dataclasses import replace

    from netviz.model import ServicePort

    cl = cluster()
    svcs = (replace(cl.services[0], ports=(ServicePort(80, 9999), ServicePort(81, "nope"))),
            cl.services[1])
    cl = replace(cl, services=svcs)
    m = GraphModel(cl, evaluated(cl)[2])
    assert m.nodes[SVC_DB].subtitle == "80→9999, 81→nope(?)"


def test_edge_styles_and_labels(model: GraphModel) -> None:
    e = edge(model, WEB, API)
    assert (e.style, e.label) == ("partial", "TCP 8000")
    assert edge(model, API, MON).style == "allowed"
    assert edge(model, API, MON).label == ""


def test_edges_to_services_mean_backends_reachable_on_target_port(model: GraphModel) -> None:
    e = edge(model, API, SVC_DB)
    assert e.style == "partial"
    assert e.label == "5432→postgres(5432)"
    assert e.pair == (API, DB)  # the explanation is about the workloads
    link = edge(model, SVC_DB, DB)
    assert link.style == "service"
    # no direct edge any more
    assert not [x for x in model.edges if x.src == API and x.dst == DB]


def test_route_via_services_off_draws_direct_edges() -> None:
    cl, an, conns = evaluated()
    m = GraphModel(cl, conns, an, GraphOptions(route_via_services=False))
    assert edge(m, API, DB).label == "TCP 5432"
    m2 = GraphModel(cl, conns, an, GraphOptions(show_services=False))
    assert SVC_DB not in m2.nodes
    assert edge(m2, API, DB).style == "partial"


def test_no_edge_to_service_when_target_port_not_allowed() -> None:
    cl, an, conns = evaluated(cluster(db_port=6000))
    m = GraphModel(cl, conns, an)
    assert not [e for e in m.edges if e.dst == SVC_DB and e.style != "service"]


def test_filter_namespace(model: GraphModel) -> None:
    v = model.view(namespaces=frozenset({"ops"}))
    assert MON in v.nodes and WEB not in v.nodes
    assert v.namespaces == ["ops"]
    assert all(model.nodes[k].namespace in (None, "ops") for k in v.nodes)


def test_filter_port_what_can_reach_tcp_5432(model: GraphModel) -> None:
    v = model.view(protocol="TCP", port=5432)
    conn_edges = [e for e in v.edges if e.style != "service"]
    # everything unrestricted reaches 5432 somewhere; the db only from api
    assert (API, SVC_DB) in {(e.src, e.dst) for e in conn_edges}
    assert not [e for e in conn_edges if e.dst == SVC_DB and e.src != API]
    assert all(e.conns.contains("TCP", 5432) for e in conn_edges)
    assert v.emphasis is not None and API in v.emphasis
    v2 = model.view(protocol="UDP", port=5432)
    assert (API, SVC_DB) not in {(e.src, e.dst) for e in v2.edges}
    v3 = model.view(port=8000)
    assert (WEB, API) in {(e.src, e.dst) for e in v3.edges}


def test_filter_verdicts(model: GraphModel) -> None:
    v = model.view(hide_styles=frozenset({"allowed"}))
    assert {e.style for e in v.edges} == {"partial", "service"}


def test_denied_on_demand(model: GraphModel) -> None:
    assert not [e for e in model.view().edges if e.style == "denied"]
    v = model.view(show_denied=True)
    denied = {(e.src, e.dst) for e in v.edges if e.style == "denied"}
    assert (MON, API) in denied and (MON, DB) in denied and (WEB, DB) in denied
    assert (WEB, API) not in denied


def test_denied_limited_to_selection_in_large_clusters() -> None:
    cl, an, conns = evaluated(cluster(extra=45))
    m = GraphModel(cl, conns, an)
    v = m.view(show_denied=True)
    assert v.denied_limited and not [e for e in v.edges if e.style == "denied"]
    v = m.view(show_denied=True, selected=DB)
    denied = [e for e in v.edges if e.style == "denied"]
    assert denied and all(DB in (e.src, e.dst) for e in denied)


def test_focus_mode(model: GraphModel) -> None:
    v = model.view(focus=API)
    assert set(v.nodes) >= {API, WEB, SVC_DB, MON}
    for e in v.edges:
        if e.style != "service":
            assert API in (e.src, e.dst)


def test_search_by_name_and_label(model: GraphModel) -> None:
    assert model.search("tier=data") == [DB, SVC_DB] or model.search("tier=data") == [DB]
    assert WEB in model.search("web")
    assert model.search("shop web") == [WEB, SVC_WEB]
    v = model.view(text="tier=data")
    assert v.emphasis == {DB}
    assert model.search("") == []


def test_highlight_reachable_and_reaching(model: GraphModel) -> None:
    v = model.view()
    hl = model.highlight(API, v.edges)
    assert SVC_DB in hl.reachable and MON in hl.reachable
    assert WEB in hl.reaching
    assert API in hl.nodes
    assert all(API in (e.src, e.dst) for e in hl.edges)


def test_bundles_count_edges_between_namespaces(model: GraphModel) -> None:
    b = {(e.src, e.dst): e for e in bundle_edges(model, model.view().edges)}
    assert b[("shop", "ops")].count == 3
    assert b[("ops", "shop")].count == 1
    assert ("shop", "shop") not in b
    assert b[(EXT, "shop")].count == 1
    assert all(e.style == "bundle" for e in b.values())


def test_edge_hit_test() -> None:
    segs = [(0.0, 0.0, 100.0, 0.0), (0.0, 50.0, 100.0, 50.0)]
    assert edge_at(segs, 50, 3, 5) == 0
    assert edge_at(segs, 50, 47, 5) == 1
    assert edge_at(segs, 50, 25, 5) is None
    many = [(0.0, float(i * 10), 100.0, float(i * 10)) for i in range(200)]
    assert edge_at(many, 30, 1234.0, 5) == 123
    assert edge_at([], 0, 0, 5) is None


@pytest.mark.parametrize(("text", "want"), [
    pytest.param("TCP 5432", ("TCP", 5432), id="proto-port"),
    pytest.param("tcp/5432", ("TCP", 5432), id="slash"),
    pytest.param("5432", (None, 5432), id="port-only"),
    pytest.param("udp", ("UDP", None), id="proto-only"),
    pytest.param("", (None, None), id="empty"),
    pytest.param("70000", None, id="out-of-range"),
    pytest.param("http", None, id="nonsense"),
])
def test_parse_port_filter(text: str, want: object) -> None:
    assert parse_port_filter(text) == want


def test_why_uses_engine_explanations(model: GraphModel) -> None:
    text = model.why(MON, API)
    assert "isolated by" in text and "default-deny" in text
    assert "allows TCP 8000" in model.why(WEB, API)


def test_expand_pods(model: GraphModel) -> None:
    assert model.toggle_expanded(WEB) is True
    assert [p.label for p in model.pod_nodes(WEB)] == ["web-0", "web-1"]
    assert model.toggle_expanded(WEB) is False
    assert model.toggle_expanded(SVC_WEB) is False


def test_external_ranges_with_same_connections_merge() -> None:
    from dataclasses import replace

    from netviz.model import IPBlock, Peer, Rule

    cl = cluster()
    # an egress policy on monitor cuts the address space into several ranges
    from netviz.model import NetworkPolicy

    pol = NetworkPolicy("ops", "egress", sel_app("monitor"), frozenset({"Egress"}), egress=(
        Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8", ("10.1.0.0/16",))),)),))
    cl = replace(cl, policies=(*cl.policies, pol))
    c, an, conns = evaluated(cl)
    merged = GraphModel(c, conns, an)
    split = GraphModel(c, conns, an, GraphOptions(merge_externals=False))
    assert len(merged.externals) < len(split.externals)
    assert sum(len(v) for v in merged.external_members.values()) == len(split.externals)
    many = [k for k in merged.externals if len(merged.external_members[k]) > 1]
    assert many and "ranges" in merged.nodes[many[0]].subtitle


def sel_app(app: str):
    from netviz.model import LabelSelector

    return LabelSelector((("app", app),))


ANP_DENY_OPS = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-ops}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: shop}}}
  ingress:
  - {name: no-ops, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}
"""


def test_denied_by_admin_rule_is_its_own_style() -> None:
    """An edge an Admin-tier Deny rule denies looks different from one nothing allows."""
    from dataclasses import replace

    from netviz.io.manifests import load_text
    from netviz.model.keys import EdgeStyle
    from netviz.viewmodel.palette import EDGE_STYLES, legend_entries

    cps = load_text(ANP_DENY_OPS, "anp.yaml").cluster.cluster_policies
    assert cps
    cl, an, conns = evaluated(replace(cluster(), cluster_policies=cps))
    m = GraphModel(cl, conns, an)
    styles = {(e.src, e.dst): e for e in m.view(show_denied=True).edges}
    assert styles[(MON, API)].style is EdgeStyle.DENIED_BY_ADMIN
    assert styles[(MON, DB)].style is EdgeStyle.DENIED_BY_ADMIN
    assert "Admin-tier Deny" in styles[(MON, API)].tooltip
    assert styles[(WEB, DB)].style is EdgeStyle.DENIED  # no NetworkPolicy allows it
    assert "deny-ops" in m.why(MON, API)
    # without the policy the same pairs are plainly denied
    _, an0, conns0 = evaluated()
    plain = GraphModel(cluster(), conns0, an0).view(show_denied=True).edges
    assert {e.style for e in plain if (e.src, e.dst) == (MON, API)} == {EdgeStyle.DENIED}
    look, plain_look = EDGE_STYLES[EdgeStyle.DENIED_BY_ADMIN], EDGE_STYLES[EdgeStyle.DENIED]
    assert (look.width, look.dashes) != (plain_look.width, plain_look.dashes)  # greyscale too
    assert look in legend_entries(admin_denied=True) and look not in legend_entries()

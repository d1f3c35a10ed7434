"""GraphModel: nodes, the exact compressed edges, Services, filters, focus, highlight."""

from __future__ import annotations

from dataclasses import replace

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

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import connlist
from netviz.model import (
    ContainerPort,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Service,
    ServicePort,
    Workload,
    assemble_cluster,
)
from netviz.viewmodel.graph import (
    GraphModel,
    GraphOptions,
    edge_at,
    parse_port_filter,
)

EXT = "0.0.0.0-255.255.255.255[External]"


@pytest.fixture
def model() -> GraphModel:
    cl, an, conns = evaluated()
    return GraphModel(cl, conns, an)


def edges_between(m: GraphModel, src: str, dst: str, **view: object) -> list:
    return [e for e in m.view(**view).edges if e.src == src and e.dst == dst]  # type: ignore[arg-type]


def edge(m: GraphModel, src: str, dst: str, **view: object):
    got = edges_between(m, src, dst, **view)
    assert len(got) == 1, (src, dst, [(e.src, e.dst, e.style) for e in m.view().edges])
    return got[0]


def stated(m: GraphModel, edges) -> dict[tuple[str, str], str]:
    """Peer pair -> connection, as the edges state it (each pair at most once)."""
    out: dict[tuple[str, str], str] = {}
    for e in edges:
        if e.style not in ("allowed", "partial"):
            continue
        for s in m.members(e.src):
            for t in m.members(e.dst):
                if s != t:
                    assert (s, t) not in out, f"{(s, t)} stated twice"
                    out[(s, t)] = e.connection
    return out


def test_nodes_workloads_services_externals_namespaces(model: GraphModel) -> None:
    assert model.nodes[WEB].kind == "workload"
    assert model.nodes[WEB].subtitle == "Deployment ×2"
    assert model.nodes[DB].subtitle == "StatefulSet"
    assert model.nodes[EXT].kind == "external"
    assert model.nodes[EXT].label == "any IPv4"
    assert model.nodes["ns:shop"].kind == "namespace"
    svc = model.nodes[SVC_DB]
    assert svc.kind == "service"
    assert svc.subtitle == "5432→postgres(5432)"
    assert model.service_backends[SVC_WEB] == (WEB,)
    assert set(model.namespaces["shop"].members) == {API, DB, SVC_DB, WEB, SVC_WEB}
    assert model.members(SVC_DB) == [DB]
    assert sorted(model.members("ns:shop")) == sorted([API, DB, WEB])


def test_numeric_target_port_and_unresolved_name() -> None:
    cl = cluster()
    svcs = (replace(cl.services[0], ports=(ServicePort(80, 9999), ServicePort(81, "nope"))),
            cl.services[1])
    cl = replace(cl, services=svcs)
    m = GraphModel(cl, evaluated(cl)[2])
    assert m.nodes[SVC_DB].subtitle == "80→9999, 81→nope(?)"


def test_every_pair_stated_exactly_once(model: GraphModel) -> None:
    cl, an, conns = evaluated()
    want = {(c.src.key, c.dst.key): str(c.connections) for c in conns}
    assert stated(model, model.view().edges) == want


def test_edge_styles_and_labels(model: GraphModel) -> None:
    e = edge(model, WEB, API)
    assert (e.style, e.label, e.connection) == ("partial", "TCP 8000", "TCP 8000")
    allowed = [e for e in model.view().edges if e.style == "allowed"]
    assert allowed and all(e.label == "" and e.connection == "All Connections" for e in allowed)


def test_edges_to_services_state_their_backends_pairs(model: GraphModel) -> None:
    e = edge(model, API, SVC_DB)
    assert (e.style, e.connection, e.label) == ("partial", "TCP 5432", "TCP 5432")
    assert e.pair == (API, DB)  # the explanation is about the workloads
    assert "5432→postgres(5432)" in e.tooltip
    assert edge(model, SVC_DB, DB).style == "service"
    assert not edges_between(model, API, DB)


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
    assert not [e for e in m.view().edges if e.dst == SVC_DB and e.style != "service"]


def two_backends(allow_port: int, end_port: int | None = None) -> GraphModel:
    """A Service ``shop/app`` (80 -> targetPort ``http``) over two workloads whose ``http``
    ports differ (8080 and 9090); ``client`` may reach both on ``allow_port`` (to
    ``end_port``) only."""
    sel = LabelSelector((("role", "app"),))
    wls = [Workload("Deployment", "shop", "a", {"role": "app", "app": "a"},
                    (ContainerPort(8080, "http"),)),
           Workload("Deployment", "shop", "b", {"role": "app", "app": "b"},
                    (ContainerPort(9090, "http"),)),
           Workload("Deployment", "shop", "client", {"app": "client"})]
    pol = NetworkPolicy("shop", "app-in", sel, ingress=(Rule(
        peers=(Peer(pod_selector=LabelSelector((("app", "client"),))),),
        ports=(PolicyPort("TCP", allow_port, end_port),)),))
    cl = assemble_cluster(namespaces=[Namespace("shop")], workloads=wls,
                          services=[Service("shop", "app", {"role": "app"}, (ServicePort(80, "http"),))],
                          policies=[pol])
    an = Analyzer(cl, Options())
    return GraphModel(cl, connlist(an), an)


def test_named_target_port_resolved_per_backend() -> None:
    m = two_backends(8080)
    svc = m.nodes["svc:shop/app"]
    assert svc.subtitle == "80→http(8080|9090)"
    mp = svc.ports[0]
    assert mp.target_on("shop/a[Deployment]") == 8080
    assert mp.target_on("shop/b[Deployment]") == 9090
    # TCP 8080 reaches a's http only: nothing may end at the Service (b's http is 9090)
    edges = m.view().edges
    assert not [e for e in edges if e.dst == "svc:shop/app" and e.style != "service"]
    assert stated(m, edges)[("shop/client[Deployment]", "shop/b[Deployment]")] == "TCP 8080"


def test_edge_ends_at_a_service_only_when_every_backend_accepts() -> None:
    m = two_backends(8080, 9090)
    client = "shop/client[Deployment]"
    into = [e for e in m.view().edges if e.dst == "svc:shop/app" and e.style != "service"]
    assert [(e.src, e.connection) for e in into] == [(client, "TCP 8080-9090")]
    assert m.members("svc:shop/app") == ["shop/a[Deployment]", "shop/b[Deployment]"]
    # "reaches TCP 9090": the Service forwards 9090 only to b, so the edge ends at b
    v = m.view(protocol="TCP", port=9090)
    assert not [e for e in v.edges if e.dst == "svc:shop/app" and e.style != "service"]
    got = {k: c for k, c in stated(m, v.edges).items()
           if k[0] == client and k[1].startswith("shop/")}
    assert got == {(client, "shop/a[Deployment]"): "TCP 8080-9090",
                   (client, "shop/b[Deployment]"): "TCP 8080-9090"}


def test_reaches_port_keeps_only_ends_that_accept_it(model: GraphModel) -> None:
    v = model.view(protocol="TCP", port=5432)
    conn_edges = [e for e in v.edges if e.style != "service"]
    assert (API, SVC_DB) in {(e.src, e.dst) for e in conn_edges}
    assert all(e.conns.contains("TCP", 5432) for e in conn_edges)
    # an edge into a Service means the Service forwards that port: web's Service forwards
    # 80 -> 8080, so edges reaching web on 5432 end at the workload
    assert not [e for e in conn_edges if e.dst == SVC_WEB]
    assert v.emphasis is not None and API in v.emphasis
    v2 = model.view(protocol="UDP", port=5432)
    assert (API, SVC_DB) not in {(e.src, e.dst) for e in v2.edges}
    v3 = model.view(port=8000)
    assert (WEB, API) in {(e.src, e.dst) for e in v3.edges}


def test_filter_namespace(model: GraphModel) -> None:
    v = model.view(namespaces=frozenset({"ops"}))
    assert MON in v.nodes and WEB not in v.nodes
    assert v.namespaces == ["ops"]
    assert all(model.nodes[k].namespace in (None, "ops") for k in v.nodes)


def test_filter_verdicts(model: GraphModel) -> None:
    v = model.view(hide_styles=frozenset({"allowed"}))
    assert {e.style for e in v.edges} == {"partial", "service"}


def test_denied_on_demand(model: GraphModel) -> None:
    assert not [e for e in model.view().edges if e.style == "denied"]
    v = model.view(show_denied=True)
    denied = {p for e in v.edges if e.style == "denied" for p in model.pairs(e)}
    assert (MON, API) in denied and (MON, DB) in denied and (WEB, DB) in denied
    assert (WEB, API) not in denied


def test_denied_limited_to_selection_in_large_clusters() -> None:
    cl, an, conns = evaluated(cluster(extra=45))
    m = GraphModel(cl, conns, an)
    v = m.view(show_denied=True)
    assert v.denied_limited and not [e for e in v.edges if e.style == "denied"]
    v = m.view(show_denied=True, selected=DB)
    denied = [e for e in v.edges if e.style == "denied"]
    assert denied and all(DB in (s, d) for e in denied for s, d in m.pairs(e))


def test_focus_mode(model: GraphModel) -> None:
    v = model.view(focus=API)
    assert set(v.nodes) >= {API, WEB, SVC_DB, MON}
    for e in v.edges:
        if e.style != "service":
            assert all(API in pair for pair in model.pairs(e))


def test_search_by_name_and_label(model: GraphModel) -> None:
    assert model.search("tier=data") == [DB]
    assert WEB in model.search("web")
    assert model.search("shop web") == [WEB, SVC_WEB]
    v = model.view(text="tier=data")
    assert v.emphasis == {DB}
    assert model.search("") == []


def test_highlight_reachable_and_reaching(model: GraphModel) -> None:
    v = model.view()
    hl = model.highlight(API, v.edges)
    assert SVC_DB in hl.reachable and DB in hl.reachable
    assert WEB in hl.reaching
    assert API in hl.nodes
    for e in hl.edges:
        assert API in model.leaves_of(e.src) or API in model.leaves_of(e.dst)


def test_collapsed_namespace_draws_bundles_with_counts(model: GraphModel) -> None:
    v = model.view(collapsed=frozenset({"ns:shop"}))
    inside = [e for e in v.edges if e.src == "ns:shop" and e.dst == "ns:shop"]
    assert inside and inside[0].style == "bundle" and inside[0].count > 0
    # exact edges still state exactly what they say
    want = {(c.src.key, c.dst.key): str(c.connections) for c in model.connections}
    for s_t, conn in stated(model, v.edges).items():
        assert want[s_t] == conn


def test_ratio_counts_allowed_pairs(model: GraphModel) -> None:
    v = model.view()
    assert v.pairs == len(model.connections)
    drawn = sum(1 for e in v.edges if e.style in ("allowed", "partial"))
    assert v.ratio == pytest.approx(drawn / v.pairs)


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
    from netviz.model import IPBlock

    cl = cluster()
    pol = NetworkPolicy("ops", "egress", LabelSelector((("app", "monitor"),)),
                        frozenset({"Egress"}), egress=(
                            Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8", ("10.1.0.0/16",))),)),))
    cl = replace(cl, policies=(*cl.policies, pol))
    c, an, conns = evaluated(cl)
    merged = GraphModel(c, conns, an)
    split = GraphModel(c, conns, an, GraphOptions(merge_externals=False))
    assert len(merged.externals) < len(split.externals)
    assert sum(len(v) for v in merged.external_members.values()) == len(split.externals)
    many = [k for k in merged.externals if len(merged.external_members[k]) > 1]
    assert many and "ranges" in merged.nodes[many[0]].subtitle
    # a merged node stands for every range it lists
    want = {(x.src.key, x.dst.key): str(x.connections) for x in conns}
    assert stated(merged, merged.view().edges) == want


def test_updated_model_equals_a_fresh_one() -> None:
    """A what-if edit rewrites only the changed pairs and keeps the tree (so nothing
    moves); what it draws equals a model built from scratch on the same tree."""
    cl, an, conns = evaluated()
    m = GraphModel(cl, conns, an)
    pols = [p for p in cl.policies if p.name != "api-from-web"]
    an2 = an.with_policies(pols)
    conns2 = connlist(an2)
    before = {(c.src.key, c.dst.key): c.connections for c in conns}
    after = {(c.src.key, c.dst.key): c.connections for c in conns2}
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    m2 = m.updated(an2.cluster, conns2, an2, changed)
    assert m2.tree is m.tree
    want = {k: str(v) for k, v in after.items()}
    assert stated(m2, m2.view().edges) == want


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
    """A pair an Admin-tier Deny rule denies looks different from one nothing allows."""
    from netviz.io.manifests import load_text
    from netviz.model.keys import EdgeStyle
    from netviz.viewmodel.palette import EDGE_STYLES, legend_entries

    cps = load_text(ANP_DENY_OPS, "anp.yaml").cluster.cluster_policies
    assert cps
    cl, an, conns = evaluated(replace(cluster(), cluster_policies=cps))
    m = GraphModel(cl, conns, an)
    edges = m.view(show_denied=True).edges
    style = {p: e for e in edges for p in m.pairs(e)
             if e.style in (EdgeStyle.DENIED, EdgeStyle.DENIED_BY_ADMIN)}
    assert style[(MON, API)].style is EdgeStyle.DENIED_BY_ADMIN
    assert style[(MON, DB)].style is EdgeStyle.DENIED_BY_ADMIN
    assert "Admin-tier Deny" in style[(MON, API)].tooltip
    assert style[(WEB, DB)].style is EdgeStyle.DENIED  # no NetworkPolicy allows it
    assert "deny-ops" in m.why(MON, API)
    assert m.admin_loaded()
    # without the policy the same pairs are plainly denied
    _, an0, conns0 = evaluated()
    m0 = GraphModel(cluster(), conns0, an0)
    plain = {p: e.style for e in m0.view(show_denied=True).edges for p in m0.pairs(e)
             if e.style in (EdgeStyle.DENIED, EdgeStyle.DENIED_BY_ADMIN)}
    assert plain[(MON, API)] == EdgeStyle.DENIED
    look, plain_look = EDGE_STYLES[EdgeStyle.DENIED_BY_ADMIN], EDGE_STYLES[EdgeStyle.DENIED]
    assert (look.width, look.dashes) != (plain_look.width, plain_look.dashes)  # greyscale too
    assert look in legend_entries(admin_denied=True) and look not in legend_entries()

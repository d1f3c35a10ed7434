"""Exposure analysis (``netviz.engine.exposure``): the rules of the module docstring on small
clusters, the text forms, and a soundness check: a pod deployed tomorrow that fits a potential
peer really gets what the report says."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.analyzer import EGRESS, INGRESS
from netviz.engine.connlist import Focus, build_list, connlist
from netviz.engine.exposure import (
    ENTIRE_CLUSTER,
    ExposureReport,
    PortSet,
    exposure,
    requirement_strings,
)
from netviz.export.exposure import render_txt_section
from netviz.io.manifests import load_text
from netviz.model import Cluster, LabelSelector, Pod, Requirement, assemble_cluster

WL = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: data}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432, name: pg}, {containerPort: 9187, name: metrics}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
"""
DB = "data/db[Deployment]"
API = "shop/api[Deployment]"


def pol(spec: str, name: str = "p", namespace: str = "data") -> str:
    return f"""\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{spec}"""


def report(text: str, focus: Focus | None = None) -> ExposureReport:
    r = load_text(text)
    assert not r.errors, r.errors
    an = Analyzer(r.cluster)
    return exposure(an, build_list(an, focus).connections, focus)


def lines(rep: ExposureReport, wl: str, direction: str) -> list[tuple[str, str]]:
    we = rep.workloads[wl]
    side = we.side(direction)
    if not side.protected:
        return [(ENTIRE_CLUSTER, "unprotected")]
    return sorted((it.peer_text, str(it.connections)) for it in side.items)


DB_INGRESS = "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  ingress:\n"


# --------------------------------------------------------------------------- rules


def test_unprotected_both_ways() -> None:
    rep = report(WL)
    assert lines(rep, DB, INGRESS) == [(ENTIRE_CLUSTER, "unprotected")]
    assert lines(rep, API, EGRESS) == [(ENTIRE_CLUSTER, "unprotected")]


def test_entire_cluster_by_empty_namespace_selector_and_missing_from() -> None:
    rep = report(WL + pol(DB_INGRESS + "  - from: [{namespaceSelector: {}}]\n    ports: [{port: pg}]\n"
                          "  - ports: [{port: 9187}]\n"))
    assert lines(rep, DB, INGRESS) == [(ENTIRE_CLUSTER, "TCP 5432,9187")]  # name resolved


def test_potential_peers_text_forms() -> None:
    spec = DB_INGRESS + """\
  - from:
    - namespaceSelector: {matchLabels: {team: pay}}
      podSelector: {matchLabels: {app: billing}}
    - podSelector: {matchLabels: {app: backup}}
    - namespaceSelector: {matchExpressions: [{key: env, operator: In, values: [prod, stage]}]}
    - namespaceSelector: {}
      podSelector: {matchExpressions: [{key: role, operator: Exists}]}
    ports: [{port: 5432}]
"""
    got = lines(report(WL + pol(spec)), DB, INGRESS)
    assert got == [
        ("[all namespaces]/[pod with {{Key:role,Operator:Exists,Values:[],}}]", "TCP 5432"),
        ("[namespace with {team=pay}]/[pod with {app=billing}]", "TCP 5432"),
        ("[namespace with {{Key:env,Operator:In,Values:[prod stage],}}]/[all pods]", "TCP 5432"),
        ("data/[pod with {app=backup}]", "TCP 5432"),
    ]


def test_rules_match_potential_peers_by_same_requirements_not_by_labels() -> None:
    # app in (billing) is the same requirement as app=billing; app in (billing, x) is not
    spec = DB_INGRESS + """\
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: billing}}}]
    ports: [{port: 1}]
  - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: In, values: [billing]}]}}]
    ports: [{port: 2}]
  - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: In, values: [billing, x]}]}}]
    ports: [{port: 3}]
"""
    got = lines(report(WL + pol(spec)), DB, INGRESS)
    assert ("[all namespaces]/[pod with {app=billing}]", "TCP 1-2") in got
    assert any(p.startswith("[all namespaces]/[pod with {{Key:app,Operator:In,Values:[billing x]")
               and c == "TCP 3" for p, c in got)


def test_entire_cluster_exposure_is_not_repeated_for_peers() -> None:
    spec = DB_INGRESS + """\
  - from: [{namespaceSelector: {}}]
    ports: [{port: 5432}]
  - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
    ports: [{port: 5432}]
  - from: [{namespaceSelector: {matchLabels: {team: mon}}}]
    ports: [{port: 9187}]
"""
    got = lines(report(WL + pol(spec)), DB, INGRESS)
    # team=ops adds nothing beyond the entire cluster; team=mon adds 9187
    assert got == [
        ("[namespace with {team=mon}]/[all pods]", "TCP 5432,9187"),
        (ENTIRE_CLUSTER, "TCP 5432"),
    ]


def test_all_namespaces_peer_drops_the_rules_other_peers() -> None:
    spec = DB_INGRESS + """\
  - from: [{namespaceSelector: {matchLabels: {team: ops}}}, {namespaceSelector: {}}]
    ports: [{port: 5432}]
"""
    assert lines(report(WL + pol(spec)), DB, INGRESS) == [(ENTIRE_CLUSTER, "TCP 5432")]


def test_potential_peer_that_an_existing_pod_matches_is_not_listed() -> None:
    spec = DB_INGRESS + """\
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}]
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: new}}}]
"""
    rep = report(WL + pol(spec))
    assert lines(rep, DB, INGRESS) == [("shop/[pod with {app=new}]", "All Connections")]
    # the existing pod is in the connection list instead
    assert any(c.src.key == API and c.dst.key == DB for c in rep.connections)


def test_egress_named_ports_stay_names() -> None:
    spec = """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}}]
    ports: [{port: dns, protocol: UDP}]
  - to: [{namespaceSelector: {matchLabels: {team: data}}}]
    ports: [{port: pg}, {port: 6379}]
"""
    got = lines(report(WL + pol(spec, namespace="shop")), API, EGRESS)
    assert got == [
        ("[namespace with {team=data}]/[all pods]", "TCP 6379,pg,UDP dns"),
        (ENTIRE_CLUSTER, "UDP dns"),
    ]


def test_isolated_with_nothing_is_not_reported() -> None:
    rep = report(WL + pol(DB_INGRESS + "  - from: [{ipBlock: {cidr: 10.0.0.0/8}}]\n"))
    we = rep.workloads[DB]
    assert we.ingress.protected and we.ingress.items == []
    # its ipBlock connection is copied from the connection list
    assert [c.src.key for c in rep.ip_connections(DB, INGRESS)] == ["10.0.0.0-10.255.255.255[External]"]


def test_focus_workload_direction_and_port() -> None:
    spec = DB_INGRESS + "  - from: [{namespaceSelector: {}}]\n    ports: [{port: 5432}, {port: 9187}]\n"
    text = WL + pol(spec)
    rep = report(text, Focus(workloads=("db",)))
    assert set(rep.workloads) == {DB}
    rep = report(text, Focus(workloads=("db",), direction="ingress"))
    assert rep.workloads[DB].egress.items == [] and rep.workloads[DB].egress.protected
    rep = report(text, Focus(protocol="TCP", port=5432))
    assert [str(it.connections) for it in rep.workloads[DB].ingress.items] == ["TCP 5432"]
    rep = report(text, Focus(protocol="TCP", port=80))
    assert DB not in rep.workloads or rep.workloads[DB].ingress.items == []
    rep = report(text, Focus(workloads=("db",), peers=("api",)))
    assert not rep.computed and rep.workloads == {}


ANP = """\
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}, podSelector: {matchLabels: {app: db}}}}
  ingress:
  - {name: no-slytherin, action: Deny, from: [{namespaces: {matchLabels: {house: slytherin}}}]}
  - {name: pg-from-ops, action: Allow, from: [{namespaces: {matchLabels: {team: ops}}}], ports: [{portNumber: {port: 5432, protocol: TCP}}]}
  - {name: all, action: Allow, from: [{namespaces: {}}], ports: [{namedPort: metrics}]}
"""


def test_admin_tier_decides_before_network_policies() -> None:
    rep = report(WL + ANP + pol(DB_INGRESS + "  - ports: [{port: 1}]\n"))
    # entire cluster: the Admin tier allows metrics (resolved: TCP 9187), the NetworkPolicy
    # allows port 1; the first rule denies slytherin everything; team=ops adds 5432
    assert lines(rep, DB, INGRESS) == [
        ("[namespace with {house=slytherin}]/[all pods]", "No Connections"),
        ("[namespace with {team=ops}]/[all pods]", "TCP 1,5432,9187"),
        (ENTIRE_CLUSTER, "TCP 1,9187"),
    ]


def test_admin_tier_alone_protects_and_a_deny_shows_no_connections() -> None:
    deny_then_all = ANP.replace(
        "ports: [{namedPort: metrics}]", "").replace(
        "  - {name: pg-from-ops, action: Allow, from: [{namespaces: {matchLabels: {team: ops}}}], ports: [{portNumber: {port: 5432, protocol: TCP}}]}\n", "")
    rep = report(WL + deny_then_all)
    assert rep.workloads[DB].ingress.protected
    assert lines(rep, DB, INGRESS) == [
        ("[namespace with {house=slytherin}]/[all pods]", "No Connections"),
        (ENTIRE_CLUSTER, "All Connections"),
    ]


# --------------------------------------------------------------------------- text


def test_port_set_text() -> None:
    ps = PortSet(ConnectionSet.of("TCP", 80) | ConnectionSet.of("UDP", 53),
                 frozenset({("TCP", "http"), ("TCP", "api")}))
    assert str(ps) == "TCP 80,api,http,UDP 53"
    assert str(PortSet()) == "No Connections"
    assert str(PortSet.all() | ps) == "All Connections"


@pytest.mark.parametrize(
    ("sel", "want"),
    [
        (None, ()),
        (LabelSelector(), ()),
        (LabelSelector((("b", "1"), ("a", "2"))), ("a=2", "b=1")),
        (LabelSelector((), (Requirement("a", "In", ("x",)),)), ("a=x",)),
        (LabelSelector((), (Requirement("a", "NotIn", ("y", "x", "x")),)), ("a notin (x,y)",)),
        (LabelSelector((), (Requirement("a", "Exists"), Requirement("b", "DoesNotExist"))),
         ("a", "!b")),
    ],
)
def test_requirement_strings(sel: LabelSelector | None, want: tuple[str, ...]) -> None:
    assert requirement_strings(sel) == want


def test_txt_section_layout() -> None:
    spec = DB_INGRESS + "  - from: [{namespaceSelector: {matchLabels: {team: x}}}]\n"
    text = render_txt_section(report(WL + pol(spec)))
    assert text == (
        "Exposure Analysis Result:\n"
        "Egress Exposure:\n"
        "data/db[Deployment]  \t=> \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "data/db[Deployment]  \t=> \tentire-cluster : All Connections\n"
        "shop/api[Deployment] \t=> \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "shop/api[Deployment] \t=> \tentire-cluster : All Connections\n"
        "\n"
        "Ingress Exposure:\n"
        "data/db[Deployment]  \t<= \t[namespace with {team=x}]/[all pods] : All Connections\n"
        "shop/api[Deployment] \t<= \t0.0.0.0-255.255.255.255[External] : All Connections\n"
        "shop/api[Deployment] \t<= \tentire-cluster : All Connections\n"
        "\n"
        "Workloads not protected by network policies:\n"
        "data/db[Deployment] is not protected on Egress\n"
        "shop/api[Deployment] is not protected on Egress\n"
        "shop/api[Deployment] is not protected on Ingress\n"
    )


# --------------------------------------------------------------------------- soundness


SOUND = WL + pol(DB_INGRESS + """\
  - from:
    - namespaceSelector: {matchLabels: {team: pay}}
      podSelector: {matchLabels: {app: billing}}
    ports: [{port: pg}]
  - from: [{podSelector: {matchLabels: {app: backup}}}]
  - from: [{namespaceSelector: {matchLabels: {env: prod}}}]
    ports: [{port: 9187}]
""") + pol("""\
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {team: data}}}]
    ports: [{port: 5432}]
""", name="eg", namespace="shop")


def _with_pod(cluster: Cluster, ns: str, ns_labels: dict[str, str], labels: dict[str, str]) -> Cluster:
    from netviz.model import Namespace

    namespaces = [n for n in cluster.namespaces if n.name != ns]
    old = cluster.namespace(ns)
    merged = dict(old.labels) if old else {}
    merged.update(ns_labels)
    namespaces.append(Namespace(ns, merged))
    pods = [*cluster.pods, Pod(ns, "tomorrow", labels)]
    return assemble_cluster(namespaces, pods, cluster.workloads, cluster.services,
                            cluster.policies)


def test_a_pod_that_fits_a_potential_peer_gets_at_least_the_reported_connections() -> None:
    cluster = load_text(SOUND).cluster
    an = Analyzer(cluster)
    rep = exposure(an, connlist(an))
    checked = 0
    for wl, we in rep.workloads.items():
        for direction in (INGRESS, EGRESS):
            side = we.side(direction)
            if not side.protected:
                continue
            ec = next((it.connections for it in side.items if it.peer is None), PortSet())
            for it in side.items:
                pp = it.peer
                if pp is None or (pp.pod_selector and pp.pod_selector.match_expressions) \
                        or pp.ns_selector.match_expressions:
                    continue
                ns = pp.namespace or "tomorrow-ns"
                ns_labels = dict(pp.ns_selector.match_labels)
                if pp.namespace:
                    ns_labels.pop("kubernetes.io/metadata.name", None)
                labels = dict(pp.pod_selector.match_labels) if pp.pod_selector else {"x": "y"}
                c2 = _with_pod(cluster, ns, ns_labels, labels)
                an2 = Analyzer(c2)
                new = f"{ns}/tomorrow[Pod]"
                got = {(c.src.key, c.dst.key): c.connections for c in connlist(an2)}
                pair = (new, wl) if direction == INGRESS else (wl, new)
                actual = got.get(pair, ConnectionSet.none())
                want = (it.connections | ec).conns
                # the other side (the new pod's own policies) is not isolated here
                assert want <= actual, (wl, direction, str(pp), str(want), str(actual))
                checked += 1
    assert checked >= 3


def test_unprotected_means_a_new_pod_anywhere_gets_everything() -> None:
    cluster = load_text(WL).cluster
    c2 = _with_pod(cluster, "elsewhere", {}, {"a": "b"})
    got = {(c.src.key, c.dst.key): c.connections for c in connlist(Analyzer(c2))}
    assert got[("elsewhere/tomorrow[Pod]", DB)].is_all()
    rep = exposure(Analyzer(cluster), connlist(Analyzer(cluster)))
    assert not rep.workloads[DB].ingress.protected

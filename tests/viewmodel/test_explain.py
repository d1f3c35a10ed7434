"""The app's explanation: the engine's PairExplanation resolved from app names, with its
renderings (summary per direction, policies by tier with every rule, links, HTML, text)."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer
from netviz.engine.explain import Layer
from netviz.model import (
    ContainerPort,
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.viewmodel.explain import (
    ExplainError,
    Link,
    describe_rule,
    explain_pair,
    link_for_href,
    links,
    peer_keys,
    policy_link,
    policy_note,
    rule_link,
    rule_status,
    summary,
    to_html,
    to_text,
)

WEB = "a/web[Deployment]"
DB = "a/db[Deployment]"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def analyzer(*policies: NetworkPolicy) -> Analyzer:
    return Analyzer(assemble_cluster(
        workloads=[
            Workload("Deployment", "a", "web", {"app": "web"}, replicas=2),
            Workload("Deployment", "a", "db", {"app": "db"},
                     ports=(ContainerPort(5432, "pg"),)),
        ],
        policies=policies,
    ))


DB_POLICY = NetworkPolicy(
    "a", "db-in", sel(app="db"), frozenset({"Ingress"}),
    ingress=(
        Rule(peers=(Peer(pod_selector=sel(app="api")),), peers_given=True,
             source=Source("db.yaml", 1, 8, 12)),
        Rule(peers=(Peer(pod_selector=sel(app="web")),), peers_given=True,
             ports=(PolicyPort("TCP", "pg"), PolicyPort("TCP", "nope")), ports_given=True,
             source=Source("db.yaml", 1, 13, 18)),
    ),
    source=Source("db.yaml", 1, 1, 18),
)
WEB_DENY_EGRESS = NetworkPolicy("a", "web-deny", sel(app="web"), frozenset({"Egress"}),
                                source=Source("web.yaml", 2, 1))


def test_not_isolated_both_ways() -> None:
    e = explain_pair(analyzer(), WEB, DB)
    assert e.verdict == "allowed" and e.allowed.is_all()
    assert e.egress.state == "not-isolated" and e.ingress.state == "not-isolated"
    assert "allowed by default" in summary(e.egress, WEB, DB)
    assert links(e) == ()


def test_rule_that_allowed_each_port() -> None:
    e = explain_pair(analyzer(DB_POLICY), WEB, DB)
    assert e.verdict == "partial" and str(e.allowed) == "TCP 5432"
    assert e.egress.state == "not-isolated"
    ing = e.ingress
    assert ing.state == "isolated"
    [tier] = ing.tiers
    assert tier.layer is Layer.NETWORK_POLICY
    [pl] = tier.policies
    assert pl.policy.key == "a/db-in"
    assert [r.matched for r in pl.rules] == [False, True]
    assert str(pl.rules[1].decided) == "TCP 5432"
    assert pl.rules[1].unresolved == ("TCP/nope",)
    assert rule_link(pl.policy, "Ingress", 1) == Link("a/db-in ingress rule #2", "db.yaml", 13, 18)
    assert Link("a/db-in", "db.yaml", 1, 18) in links(e)
    assert any("TCP/nope" in n for n in e.notes)


def test_why_nothing_allowed() -> None:
    e = explain_pair(analyzer(DB_POLICY, WEB_DENY_EGRESS), DB, WEB)
    assert e.verdict == "allowed"  # db -> web: nothing selects db egress nor web ingress
    e = explain_pair(analyzer(DB_POLICY, WEB_DENY_EGRESS), WEB, DB)
    assert e.verdict == "denied" and not e.allowed
    assert e.egress.state == "isolated"
    [pl] = e.egress.tiers[0].policies
    assert pl.rules == () and "no egress rules" in policy_note(pl, "Egress", DB)
    assert "denied" in summary(e.egress, WEB, DB)


def test_unmatched_rules_are_listed() -> None:
    only_api = NetworkPolicy("a", "p", sel(app="db"), frozenset({"Ingress"}),
                             ingress=DB_POLICY.ingress[:1])
    e = explain_pair(analyzer(only_api), WEB, DB)
    [pl] = e.ingress.tiers[0].policies
    assert "does not match a/web[Deployment]" in policy_note(pl, "Ingress", WEB)
    assert rule_status(pl.rules[0]) == "does not match"
    assert policy_link(pl.policy) is None  # no source known: no link


def test_external_and_same_workload() -> None:
    an = analyzer(DB_POLICY)
    e = explain_pair(an, "0.0.0.0-255.255.255.255[External]", DB)
    assert e.egress.state == "external" and e.src.endswith("[External]")
    assert e.verdict == "denied"
    e = explain_pair(an, WEB, WEB)
    assert any("showing pod a/web-0 to pod a/web-1" in n for n in e.notes)
    e = explain_pair(an, "a/web-0", "a/web-0")
    assert e.egress.state == "same-pod" and e.verdict == "allowed"


def test_ipblock_peer_from_external() -> None:
    pol = NetworkPolicy("a", "p", sel(app="db"), frozenset({"Ingress"}),
                        ingress=(Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8")),),
                                      peers_given=True),))
    e = explain_pair(analyzer(pol), "10.1.2.3", DB)
    assert e.verdict == "allowed"
    assert e.ingress.tiers[0].policies[0].rules[0].matched


def test_unknown_name_suggests() -> None:
    with pytest.raises(ExplainError, match=r"Did you mean a/web\[Deployment\]\?"):
        explain_pair(analyzer(), "a/wbe[Deployment]", DB)
    assert peer_keys(analyzer()) == [DB, WEB]


def test_describe_rule() -> None:
    assert describe_rule(Rule(), "Ingress") == "from anywhere; all ports"
    r = Rule(peers=(Peer(pod_selector=sel(app="x")), Peer(ip_block=IPBlock("10.0.0.0/8"))),
             ports=(PolicyPort("TCP", 80), PolicyPort("UDP", 53, 54)))
    assert describe_rule(r, "Egress") == (
        "to podSelector app=x or ipBlock 10.0.0.0/8; ports TCP 80, UDP 53-54")


def test_text_and_html_renderings() -> None:
    e = explain_pair(analyzer(DB_POLICY), WEB, DB)
    text = to_text(e)
    assert text.startswith(f"{WEB} => {DB}\nAllowed only: TCP 5432\n")
    assert "ingress rule #2 (from podSelector app=web; ports TCP pg, TCP nope): allows TCP 5432" \
        in text
    assert "TCP 5432: NetworkPolicy tier: a/db-in ingress rule #2 allows => allowed" in text
    assert "(db.yaml:1)" in text
    h = to_html(e)
    assert 'href="src:' in h and "&rarr;" in h
    hrefs = [part.split('"')[0] for part in h.split('href="')[1:]]
    targets = [link_for_href(e, x) for x in hrefs]
    assert Link("a/db-in", "db.yaml", 1, 18) in targets
    assert Link("a/db-in ingress rule #2", "db.yaml", 13, 18) in targets
    assert link_for_href(e, "http://x") is None and link_for_href(e, "src:99") is None


def test_graph_service_and_pod_keys() -> None:
    from netviz.model import Service, ServicePort

    cluster = assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"}),
                   Workload("Deployment", "a", "db", {"app": "db"})],
        services=[Service("a", "db", {"app": "db"}, (ServicePort(5432, 5432),)),
                  Service("a", "none", {"app": "x"})],
        policies=[DB_POLICY],
    )
    an = Analyzer(cluster)
    e = explain_pair(an, WEB, "svc:a/db")
    assert e.dst == "svc:a/db" and e.ingress.state == "isolated"
    assert any("stands for its backends" in n for n in e.notes)
    assert explain_pair(an, "pod:a/web-0", DB).egress.state == "not-isolated"
    with pytest.raises(ExplainError, match="selects no pod"):
        explain_pair(an, WEB, "svc:a/none")
    with pytest.raises(ExplainError, match="No Service"):
        explain_pair(an, WEB, "svc:a/nope")


INGRESS_CLUSTER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}, {containerPort: 9090}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""


def test_ingress_controller_pair_is_explained_with_its_paths() -> None:
    from netviz.io.manifests import load_text
    from netviz.viewmodel.explain import gates_of, tooltip

    an = Analyzer(load_text(INGRESS_CLUSTER, "c.yaml").cluster)
    e = explain_pair(an, "{ingress-controller}", "shop/web[Deployment]")
    assert str(e.allowed) == "TCP 8080"  # not isolated, but only the Ingress's port leads there
    (g,) = gates_of(e)
    assert (g.kind, g.name, g.service) == ("Ingress", "shop/front", "web")
    text = to_text(e)
    assert "only through Ingress shop/front (Service web) on TCP 8080" in text
    assert "Ingress shop/front (Service web) leads only to TCP 8080 => denied" in text
    # the Ingress is a link, first of the ingress side
    (link,) = links(e)
    assert link == Link("Ingress shop/front", "c.yaml", 24, 28)
    assert link_for_href(e, "src:0") == link and 'href="src:0">Ingress shop/front' in to_html(e)
    assert "web ingress allows TCP 8080 via Ingress shop/front" in tooltip(e)
    with pytest.raises(ExplainError, match="No Ingress or Route leads to shop/db"):
        explain_pair(an, "ingress-controller", "shop/db[Deployment]")
    with pytest.raises(ExplainError, match="only sends traffic"):
        explain_pair(an, "shop/web[Deployment]", "{ingress-controller}")
    no_ingress = Analyzer(load_text(INGRESS_CLUSTER.split("---\napiVersion: networking")[0]).cluster)
    with pytest.raises(ExplainError, match="not part of this analysis"):
        explain_pair(no_ingress, "{ingress-controller}", "shop/web[Deployment]")

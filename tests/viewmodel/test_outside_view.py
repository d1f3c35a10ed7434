"""The path from outside as the picture draws it (netviz.viewmodel.outside): nodes for the
outside, the entry points and the destinations; way-in edges with who may send and the ports;
Service → backend edges saying what the policies let through, from where."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer
from netviz.engine.ipranges import IPRange
from netviz.io.manifests import load_text
from netviz.model.keys import (
    OUTSIDE_KEY,
    EdgeStyle,
    NodeKind,
    destination_key,
    destination_ref,
    entry_key,
    entry_ref,
    node_kind,
)
from netviz.viewmodel import palette
from netviz.viewmodel.outside import (
    OutsideEdge,
    OutsidePicture,
    build_outside,
    merge_ranges,
    ranges_text,
    wrap_words,
)

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
"""


def svc(name: str, spec: str) -> str:
    return f"""---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {spec}
"""


def policy(name: str, app: str, ingress: str) -> str:
    return f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: {app}}}}}
  policyTypes: [Ingress]
  ingress: {ingress}
"""


def picture(text: str) -> OutsidePicture:
    return build_outside(Analyzer(load_text(text, "c.yaml").cluster))


def edge(pic: OutsidePicture, source: str, target: str) -> OutsideEdge:
    (e,) = [e for e in pic.edges if e.source == source and e.target == target]
    return e


def test_keys_round_trip() -> None:
    k = entry_key("LoadBalancer", "shop/web")
    assert k == "entry:LoadBalancer/shop/web" and entry_ref(k) == ("LoadBalancer", "shop/web")
    assert node_kind(k) is NodeKind.ENTRY
    d = destination_key("shop/bank")
    assert destination_ref(d) == "shop/bank" and node_kind(d) is NodeKind.DESTINATION
    assert node_kind(OUTSIDE_KEY) is NodeKind.OUTSIDE
    with pytest.raises(ValueError):
        entry_ref("entry:LoadBalancer")
    with pytest.raises(ValueError):
        destination_ref("svc:shop/bank")


def test_ranges_text() -> None:
    r = IPRange.from_cidr
    assert ranges_text([r("0.0.0.0/1"), r("128.0.0.0/1")]) == "any address"
    assert merge_ranges([r("10.0.0.0/9"), r("10.128.0.0/9")]) == [r("10.0.0.0/8")]
    assert ranges_text([r("203.0.113.0/24"), r("198.51.100.0/24")]) == \
        "198.51.100.0/24, 203.0.113.0/24"
    many = [r(f"{i}.0.0.0/8") for i in (1, 3, 5, 7)]
    assert ranges_text(many) == "4 address ranges"
    assert ranges_text(many, None).count(",") == 3
    assert wrap_words("TCP 8443 from any address except 10.0.0.0/8", 20) == \
        "TCP 8443\nfrom any address\nexcept 10.0.0.0/8"
    assert wrap_words("a-very-long-word-without-breaks here", 10) == \
        "a-very-long-word-without-breaks\nhere"


def test_nothing_from_outside_is_an_empty_picture() -> None:
    pic = picture(APP + svc("web", "{selector: {app: web}, ports: [{port: 80}]}"))
    assert not pic and pic.edges == () and build_outside(None) == OutsidePicture()


def test_load_balancer_open_to_everyone() -> None:
    pic = picture(APP + svc("web", "{type: LoadBalancer, selector: {app: web}, "
                                   "ports: [{port: 80, targetPort: http}]}"))
    lb = entry_key("LoadBalancer", "shop/web")
    assert [n.key for n in pic.nodes] == [OUTSIDE_KEY, lb]
    assert pic.node(lb).label == "LoadBalancer web" and pic.node(lb).near == "svc:shop/web"
    assert "node ports are open" in pic.node(lb).tooltip
    assert edge(pic, OUTSIDE_KEY, lb).label == "any address"
    # one backend: the way in says what gets through (its pill sits right on the workload)
    assert edge(pic, lb, "svc:shop/web").label == "80→http: TCP 8080 from any address"
    e = edge(pic, "svc:shop/web", "shop/web[Deployment]")
    assert e.style is EdgeStyle.EXPOSED and e.label == "TCP 8080 from any address"
    assert e.connection == "TCP 8080"
    assert pic.services == ("svc:shop/web",)
    assert set(pic.styles()) == {EdgeStyle.ENTRY, EdgeStyle.EXPOSED}
    assert [x.name for x in palette.legend_entries(outside=pic.styles())][-2:] == [
        EdgeStyle.ENTRY, EdgeStyle.EXPOSED]


def test_source_ranges_policy_ranges_and_the_node_ports() -> None:
    lb = ("{type: LoadBalancer, selector: {app: web}, loadBalancerSourceRanges: "
          "[203.0.113.0/24], ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}")
    pol = policy("web", "web", "[{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]")
    pic = picture(APP + svc("web", lb) + pol)
    lbk, npk = entry_key("LoadBalancer", "shop/web"), entry_key("NodePort", "shop/web")
    assert edge(pic, OUTSIDE_KEY, lbk).label == "203.0.113.0/24"
    assert edge(pic, OUTSIDE_KEY, npk).label == "any address"
    assert edge(pic, npk, "svc:shop/web").label == \
        ":30080→8080: TCP 8080 from any address except 10.0.0.0/8"
    assert edge(pic, lbk, "svc:shop/web").label == "80→8080: TCP 8080 from 203.0.113.0/24"
    e = edge(pic, "svc:shop/web", "shop/web[Deployment]")
    # both entries, each with its senders
    assert e.label == ("LoadBalancer: TCP 8080 from 203.0.113.0/24; NodePort: TCP 8080 from "
                       "any address except 10.0.0.0/8")
    assert "NodePort shop/web → shop/web[Deployment]" in e.tooltip


def test_blocked_backend() -> None:
    pic = picture(APP + svc("db", "{type: NodePort, selector: {app: db}, ports: [{port: 5432}]}")
                  + policy("db", "db", "[{from: [{podSelector: {matchLabels: {app: web}}}]}]"))
    e = edge(pic, "svc:shop/db", "shop/db[Deployment]")
    assert e.style is EdgeStyle.BLOCKED and e.label == "blocked by its policies"
    assert e.connection == "" and "policies block every sender" in e.tooltip
    assert e.pair == ("1.0.0.0-9.255.255.255[External]", "shop/db[Deployment]")  # public
    assert edge(pic, entry_key("NodePort", "shop/db"), "svc:shop/db").label == \
        ":(node port)→5432: blocked by its policies"


def test_several_backends_keep_their_own_labels() -> None:
    both = APP.replace("app: db", "app: web, tier: db")
    pic = picture(both + svc("web", "{type: LoadBalancer, selector: {app: web}, ports: [{port: 80, "
                                    "targetPort: 8080}]}")
                  + policy("db", "web", "[{from: [{ipBlock: {cidr: 198.51.100.0/24}}]}]"))
    lb = entry_key("LoadBalancer", "shop/web")
    assert edge(pic, lb, "svc:shop/web").label == "80→8080"
    # the policy selects both: 8080 on web, but db has no 8080 (nothing to forward to)
    web = edge(pic, "svc:shop/web", "shop/web[Deployment]")
    assert (web.style, web.label) == (EdgeStyle.EXPOSED, "TCP 8080 from 198.51.100.0/24")
    assert web.pair == ("198.51.100.0-198.51.100.255[External]", "shop/web[Deployment]")


INGRESS = """---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front, namespace: shop}
spec:
  tls: [{hosts: [shop.example.com]}]
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: web}}}}]}
"""


def test_ingress_path() -> None:
    web = svc("web", "{selector: {app: web}, ports: [{name: web, port: 80, targetPort: http}]}")
    pic = picture(APP + web + INGRESS)
    ing = entry_key("Ingress", "shop/front")
    n = pic.node(ing)
    assert n is not None and (n.label, n.subtitle, n.near) == ("Ingress front", "shop.example.com",
                                                              "svc:shop/web")
    assert "{ingress-controller}" in n.tooltip
    assert edge(pic, OUTSIDE_KEY, ing).label == "HTTPS"
    assert edge(pic, ing, "svc:shop/web").label == "port web: TCP 8080 via the ingress controller"
    e = edge(pic, "svc:shop/web", "shop/web[Deployment]")
    assert (e.style, e.label) == (EdgeStyle.EXPOSED, "TCP 8080 via the ingress controller")
    # the policy does not admit the controller
    pic = picture(APP + web + INGRESS + policy(
        "web", "web", "[{from: [{podSelector: {}}]}]"))
    e = edge(pic, "svc:shop/web", "shop/web[Deployment]")
    assert e.style is EdgeStyle.BLOCKED and "block the ingress controller" in e.tooltip
    assert e.pair == ("{ingress-controller}", "shop/web[Deployment]")


def test_destinations() -> None:
    text = APP + svc("bank", "{ports: [{port: 443}]}") + """---
apiVersion: v1
kind: Endpoints
metadata: {name: bank, namespace: shop}
subsets: [{addresses: [{ip: 198.51.100.7}], ports: [{port: 443}]}]
""" + svc("mail", "{type: ExternalName, externalName: smtp.example.net, ports: [{port: 587}]}")
    pic = picture(text)
    assert OUTSIDE_KEY not in {n.key for n in pic.nodes}  # no way in
    bank, mail = destination_key("shop/bank"), destination_key("shop/mail")
    assert (pic.node(bank).label, pic.node(bank).subtitle) == ("198.51.100.7", "Endpoints")
    assert (pic.node(mail).label, pic.node(mail).subtitle) == ("smtp.example.net", "ExternalName")
    e = edge(pic, "svc:shop/bank", bank)
    assert (e.style, e.label) == (EdgeStyle.LEADS_OUT, "TCP 443")
    assert "shop/web[Deployment] may reach it: TCP 443" in pic.node(bank).tooltip
    assert edge(pic, "svc:shop/mail", mail).label == "TCP 587"
    assert set(pic.services) == {"svc:shop/bank", "svc:shop/mail"}

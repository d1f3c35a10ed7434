"""Entry points and external destinations (``netviz.engine.outside``) and the audit findings
built on them: every Service type, source ranges, node ports, externalIPs, Endpoints and
EndpointSlices that lead outside, ExternalName."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.audit import audit
from netviz.engine.ipranges import IPRange
from netviz.engine.outside import (
    EXTERNAL_IP,
    INGRESS_ENTRY,
    LOAD_BALANCER,
    NODE_PORT,
    Outside,
    analyze_outside,
    is_private,
)
from netviz.io.manifests import load_text

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8443, name: https}, {containerPort: 9090}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c}]}
"""
WEB = "shop/web[Deployment]"


def svc(spec: str, name: str = "web") -> str:
    return f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n{spec}"


def pol(spec: str, name: str = "p") -> str:
    return (f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: shop}}\nspec:\n{spec}")


SELECT = "  selector: {app: web}\n  ports: [{name: https, port: 443, targetPort: https}]\n"


def outside(text: str) -> Outside:
    r = load_text(text)
    assert not r.errors, r.errors
    return analyze_outside(Analyzer(r.cluster))


def findings(text: str, *codes: str) -> list[tuple[str, str]]:
    r = load_text(text)
    return [(f.code, f.message) for f in audit(Analyzer(r.cluster)) if f.code in codes]


# --------------------------------------------------------------------------- entries


def test_cluster_ip_is_no_entry() -> None:
    assert outside(APP + svc(SELECT)).entries == ()


@pytest.mark.parametrize(
    ("spec", "kinds"),
    [
        ("  type: NodePort\n" + SELECT, [NODE_PORT]),
        ("  type: LoadBalancer\n" + SELECT, [LOAD_BALANCER]),
        ("  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/24]\n" + SELECT,
         [LOAD_BALANCER, NODE_PORT]),  # node ports ignore the source ranges
        ("  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n"
         "  loadBalancerSourceRanges: [203.0.113.0/24]\n" + SELECT, [LOAD_BALANCER]),
        ("  externalIPs: [198.51.100.7]\n" + SELECT, [EXTERNAL_IP]),
        ("  type: NodePort\n  externalIPs: [198.51.100.7]\n" + SELECT, [NODE_PORT, EXTERNAL_IP]),
    ],
)
def test_entry_kinds(spec: str, kinds: list[str]) -> None:
    got = outside(APP + svc(spec))
    assert [e.kind for e in got.entries] == kinds
    for e in got.entries:
        (b,) = e.backends
        assert b.workload == WEB and b.ports == ConnectionSet.of("TCP", 8443)


def test_unisolated_backend_is_reachable_from_everyone() -> None:
    (e,) = outside(APP + svc("  type: LoadBalancer\n" + SELECT)).entries
    (b,) = e.backends
    assert str(b.reachable) == str(b.from_internet) == str(b.open_to_internet) == "TCP 8443"
    assert any("node ports are open" in n for n in e.notes)
    assert any("externalTrafficPolicy: Cluster" in n for n in e.notes)


def test_source_ranges_and_policies_decide_who_gets_through() -> None:
    text = APP + svc("  type: LoadBalancer\n  externalTrafficPolicy: Local\n"
                     "  loadBalancerSourceRanges: [10.0.0.0/8, 203.0.113.0/24]\n" + SELECT) + pol(
        "  podSelector: {matchLabels: {app: web}}\n  ingress:\n"
        "  - from: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 8443}]\n")
    lb, node = outside(text).entries
    assert lb.restricted and [str(r) for r in lb.sources] == [
        "10.0.0.0-10.255.255.255", "203.0.113.0-203.0.113.255"]
    (b,) = lb.backends
    assert str(b.reachable) == "TCP 8443"
    assert b.from_internet.is_empty()  # 203.0.113.0/24 is blocked by the policy
    assert [str(r) for r in b.sources_allowed()] == ["10.0.0.0-10.255.255.255"]
    assert not any("externalTrafficPolicy" in n for n in lb.notes)
    # the node port is reachable from 10/8 as well, and from nowhere public
    (nb,) = node.backends
    assert nb.from_internet.is_empty() and str(nb.reachable) == "TCP 8443"


def test_named_target_port_that_resolves_nowhere_leads_nowhere() -> None:
    spec = "  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: nope}]\n"
    (e,) = outside(APP + svc(spec)).entries
    (b,) = e.backends
    assert b.ports.is_empty() and b.blocked


def test_service_selecting_nothing_says_so() -> None:
    spec = "  type: NodePort\n  selector: {app: none}\n  ports: [{port: 80}]\n"
    (e,) = outside(APP + svc(spec)).entries
    assert e.backends == () and any("selects no workload" in n for n in e.notes)


def test_ingress_controller_is_an_entry() -> None:
    route = ("---\napiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: r, namespace: shop}\n"
             "spec: {to: {kind: Service, name: web}}\n")
    entries = outside(APP + svc(SELECT) + route).entries
    (e,) = [e for e in entries if e.kind == INGRESS_ENTRY]
    (b,) = e.backends
    assert str(b.from_internet) == "TCP 8443" and [o.key for o in e.objects] == ["shop/r"]


def test_private_ranges() -> None:
    assert is_private(IPRange.parse("10.1.0.0/16"))
    assert is_private(IPRange.parse("fd00::/8"))
    assert not is_private(IPRange.parse("203.0.113.0/24"))
    assert not is_private(IPRange.parse("0.0.0.0/0"))


# --------------------------------------------------------------------------- destinations


EXT_DB = svc("  ports: [{port: 5432}]\n", name="db") + """\
---
apiVersion: v1
kind: Endpoints
metadata: {name: db, namespace: shop}
subsets:
- addresses: [{ip: 203.0.113.7}, {ip: 10.9.9.9, targetRef: {kind: Pod, name: x}}]
  ports: [{port: 5432}]
"""


def test_selectorless_service_with_endpoints_leads_outside() -> None:
    egress = pol("  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress:\n"
                 "  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]\n    ports: [{port: 5432}]\n")
    (d,) = outside(APP + EXT_DB + egress).destinations
    assert d.name == "203.0.113.7/32" and str(d.ports) == "TCP 5432"
    by = {c.workload: str(c.reachable) for c in d.clients}
    assert by == {"shop/client[Deployment]": "TCP 5432", WEB: "TCP 5432"}
    deny = pol("  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n",
               name="deny")
    (d,) = outside(APP + EXT_DB + deny).destinations
    assert {c.workload: str(c.reachable) for c in d.clients}["shop/client[Deployment]"] == \
        "No Connections"


def test_endpoint_slice_leads_outside_too_and_pod_ips_are_inside() -> None:
    slice_ = """\
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: shop, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: [198.51.100.4]}]
ports: [{port: 5432}]
"""
    (d,) = outside(APP + svc("  ports: [{port: 5432}]\n", name="db") + slice_).destinations
    assert [str(r) for r in d.addresses] == ["198.51.100.4-198.51.100.4"]


def test_service_with_selector_or_without_endpoints_is_no_destination() -> None:
    assert outside(APP + svc(SELECT)).destinations == ()
    assert outside(APP + svc("  ports: [{port: 5432}]\n", name="db")).destinations == ()


def test_external_name_surely_and_maybe() -> None:
    ext = svc("  type: ExternalName\n  externalName: api.example.com\n  ports: [{port: 443}]\n",
              name="api")
    some = pol("  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress:\n"
               "  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]\n    ports: [{port: 443}]\n")
    (d,) = outside(APP + ext + some).destinations
    assert d.name == "api.example.com"
    by = {c.workload: (str(c.surely), str(c.maybe)) for c in d.clients}
    assert by[WEB] == ("TCP 443", "No Connections")
    assert by["shop/client[Deployment]"] == ("No Connections", "TCP 443")


# --------------------------------------------------------------------------- audit


def test_audit_reachable_from_outside_and_lb_without_ranges() -> None:
    got = findings(APP + svc("  type: LoadBalancer\n" + SELECT), "reachable-from-outside",
                   "lb-without-source-ranges")
    assert [c for c, _ in got] == ["reachable-from-outside", "lb-without-source-ranges"]
    assert "from the internet through LoadBalancer Service shop/web (443→https) on TCP 8443" in got[0][1]


def test_audit_lb_with_policy_that_admits_internet_except_private() -> None:
    allow = pol("  podSelector: {matchLabels: {app: web}}\n  ingress:\n"
                "  - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n")
    got = findings(APP + svc("  type: LoadBalancer\n" + SELECT) + allow, "lb-without-source-ranges")
    assert len(got) == 1
    only = pol("  podSelector: {matchLabels: {app: web}}\n  ingress:\n"
               "  - from: [{ipBlock: {cidr: 203.0.113.0/24}}]\n")
    assert findings(APP + svc("  type: LoadBalancer\n" + SELECT) + only,
                    "lb-without-source-ranges") == []


def test_audit_private_only_is_info() -> None:
    r = load_text(APP + svc("  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n"
                            "  allocateLoadBalancerNodePorts: false\n" + SELECT))
    (f,) = [f for f in audit(Analyzer(r.cluster)) if f.code == "reachable-from-outside"]
    assert f.severity.value == "info" and "from 10.0.0.0/8" in f.message


def test_audit_ingress_backend_blocked() -> None:
    route = ("---\napiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: r, namespace: shop}\n"
             "spec: {to: {kind: Service, name: web}}\n")
    deny = pol("  podSelector: {}\n  policyTypes: [Ingress]\n", name="deny")
    got = findings(APP + svc(SELECT) + route + deny, "ingress-backend-blocked",
                   "reachable-from-outside")
    assert [c for c, _ in got] == ["ingress-backend-blocked"]
    assert "Route shop/r leads to shop/web[Deployment] through Service shop/web" in got[0][1]

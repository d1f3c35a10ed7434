"""Loading what makes a Service an entry point or a way out: NodePort/LoadBalancer fields,
externalIPs, loadBalancerSourceRanges, and Endpoints / EndpointSlices, with located
diagnostics."""

from __future__ import annotations

import pytest

from netviz.io.manifests import load_text
from netviz.model import EndpointPort, EndpointSubset, Service, ServiceEndpoints
from netviz.model.diagnostics import Severity


def service(spec: str, status: str = "") -> tuple[Service | None, list[tuple[str, str, int | None]]]:
    text = f"apiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: ns}}\nspec:\n{spec}{status}"
    r = load_text(text)
    svcs = r.cluster.services
    return (svcs[0] if svcs else None), [(d.severity.value, d.code, d.line) for d in r.diagnostics]


@pytest.mark.parametrize("stype", ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"])
def test_every_service_type_loads(stype: str) -> None:
    extra = "  externalName: db.example.com\n" if stype == "ExternalName" else \
        "  selector: {app: a}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n"
    svc, diags = service(f"  type: {stype}\n{extra}")
    assert svc is not None and svc.type == stype and not diags
    if stype == "ExternalName":
        assert svc.external_name == "db.example.com" and svc.selector is None
    else:
        assert svc.ports[0].node_port == 30080
    assert svc.node_ports_open == (stype in ("NodePort", "LoadBalancer"))


def test_load_balancer_fields() -> None:
    svc, diags = service(
        "  type: LoadBalancer\n"
        "  loadBalancerIP: 192.0.2.1\n"
        "  loadBalancerSourceRanges: [203.0.113.0/24, 10.1.2.3/8]\n"
        "  externalTrafficPolicy: Local\n"
        "  allocateLoadBalancerNodePorts: false\n"
        "  ports: [{port: 443}]\n",
        "status:\n  loadBalancer:\n    ingress: [{ip: 198.51.100.9}, {hostname: lb.example.com}]\n",
    )
    assert svc is not None
    assert svc.load_balancer_source_ranges == ("203.0.113.0/24", "10.0.0.0/8")
    assert svc.load_balancer_addresses == ("192.0.2.1", "198.51.100.9", "lb.example.com")
    assert svc.external_traffic_policy == "Local"
    assert not svc.node_ports_open
    assert diags == [("warning", "noncanonical-cidr", 7)]


def test_invalid_source_range_is_an_error_and_bad_external_ip_a_warning() -> None:
    svc, diags = service("  type: LoadBalancer\n  loadBalancerSourceRanges: [nonsense]\n")
    assert svc is None and ("error", "invalid-cidr", 6) in diags
    svc, diags = service("  externalIPs: [198.51.100.7, not-an-ip]\n  ports: [{port: 80}]\n")
    assert svc is not None and svc.external_ips == ("198.51.100.7",)
    assert ("warning", "invalid-ip", 5) in diags


def test_source_ranges_on_a_node_port_service_warn() -> None:
    svc, diags = service("  type: NodePort\n  loadBalancerSourceRanges: [1.2.3.0/24]\n")
    assert svc is not None and ("warning", "source-ranges-unused", 6) in diags


def test_external_traffic_policy_global_is_cluster() -> None:
    svc, _ = service("  type: NodePort\n  externalTrafficPolicy: Global\n")
    assert svc is not None and svc.external_traffic_policy == "Cluster"


ENDPOINTS = """\
apiVersion: v1
kind: Endpoints
metadata: {name: db, namespace: data}
subsets:
- addresses:
  - ip: 203.0.113.7
  - ip: 10.0.0.5
    targetRef: {kind: Pod, name: db-0}
  notReadyAddresses: [{ip: 203.0.113.8}]
  ports: [{port: 5432, name: pg}]
- addresses: [{ip: 198.51.100.20}]
  ports: [{port: 9187, protocol: TCP}, {port: 53, protocol: UDP}]
"""


def test_endpoints_subsets() -> None:
    r = load_text(ENDPOINTS)
    assert not r.diagnostics
    (ep,) = r.cluster.endpoints
    assert (ep.kind, ep.key, ep.service) == ("Endpoints", "data/db", "db")
    assert ep.subsets == (
        EndpointSubset(("203.0.113.7",), (EndpointPort(5432, "TCP", "pg"),), (), ("data/db-0",),
                       ("203.0.113.8",)),
        EndpointSubset(("198.51.100.20",), (EndpointPort(9187), EndpointPort(53, "UDP")),),
    )
    assert ep.addresses == ("203.0.113.7", "198.51.100.20")


def test_endpoint_slices_ipv4_and_fqdn() -> None:
    text = """\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-x1, namespace: data, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints:
- addresses: [203.0.113.7]
- addresses: [203.0.113.8]
  conditions: {ready: false}
- addresses: [10.0.0.9]
  targetRef: {kind: Pod, name: p}
ports: [{name: pg, port: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-x1, namespace: data, labels: {kubernetes.io/service-name: api}}
addressType: FQDN
endpoints: [{addresses: [api.example.com]}]
ports: [{port: 443}]
"""
    r = load_text(text)
    assert not r.diagnostics
    api, db = r.cluster.endpoints
    assert isinstance(db, ServiceEndpoints) and db.service == "db"
    assert db.subsets[0].addresses == ("203.0.113.7",)
    assert db.subsets[0].not_ready == ("203.0.113.8",)
    assert db.subsets[0].pods == ("data/p",)
    assert api.subsets[0].fqdns == ("api.example.com",) and api.addresses == ()


def test_endpoint_slice_without_service_label_warns() -> None:
    text = ("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: x}\n"
            "addressType: IPv4\nendpoints: [{addresses: [1.2.3.4]}]\n")
    r = load_text(text)
    assert [(d.severity, d.code) for d in r.diagnostics] == [
        (Severity.WARNING, "endpointslice-no-service")]


def test_bad_endpoint_address_and_port_are_located() -> None:
    text = ENDPOINTS.replace("ip: 198.51.100.20", "ip: 300.1.1.1").replace("port: 9187", "port: 99999")
    r = load_text(text)
    codes = {(d.code, d.line) for d in r.diagnostics}
    assert ("invalid-ip", 11) in codes
    assert ("port-out-of-range", 12) in codes

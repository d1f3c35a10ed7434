"""Loading Ingress (networking.k8s.io/v1 and the removed v1beta1) and OpenShift Route objects:
what becomes an ``Ingress`` with its backends, and the located diagnostics for what the API
server would refuse or what netviz does not follow."""

from __future__ import annotations

from netviz.io.manifests import load_text
from netviz.model import Ingress, IngressBackend
from netviz.model.diagnostics import Severity


def only(text: str) -> Ingress:
    r = load_text(text, "in.yaml")
    assert not r.errors, r.errors
    (obj,) = r.cluster.ingresses
    return obj


def codes(text: str) -> list[tuple[Severity, str, int | None]]:
    return [(d.severity, d.code, d.line) for d in load_text(text, "in.yaml").diagnostics]


INGRESS_V1 = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com]}]
  defaultBackend:
    service: {name: fallback, port: {number: 80}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: api, port: {name: http}}
      - path: /static
        pathType: Prefix
        backend:
          resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}
  - host: admin.example.com
"""


def test_ingress_v1_backends_hosts_class_tls() -> None:
    obj = only(INGRESS_V1)
    assert (obj.kind, obj.key, obj.ingress_class, obj.tls) == ("Ingress", "shop/web", "nginx", True)
    assert obj.hosts == ("shop.example.com", "admin.example.com")
    default, api, bucket = obj.backends
    assert (default.service, default.port, default.role) == ("fallback", 80, "default")
    assert (api.service, api.port, api.role, api.host, api.path) == (
        "api", "http", "rule", "shop.example.com", "/api")
    assert api.source is not None and api.source.line == 15  # the backend's own line
    assert (bucket.service, bucket.target_kind) == (None, "StorageBucket")


def test_resource_backend_is_an_info_not_an_error() -> None:
    diags = [d for d in load_text(INGRESS_V1).diagnostics if d.code == "ingress-backend-not-service"]
    assert len(diags) == 1 and diags[0].severity is Severity.INFO
    assert "StorageBucket" in diags[0].message


def test_ingress_legacy_v1beta1_service_name_and_port() -> None:
    text = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old}
spec:
  backend: {serviceName: web, servicePort: 8080}
  rules:
  - http:
      paths:
      - backend: {serviceName: api, servicePort: http}
"""
    obj = only(text)
    assert [(b.service, b.port, b.role) for b in obj.backends] == [
        ("web", 8080, "default"), ("api", "http", "rule")]
    assert obj.namespace == "default"
    assert (Severity.WARNING, "removed-api-version", 1) in codes(text)


def test_route_to_alternate_backends_and_target_port() -> None:
    text = """\
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, namespace: shop}
spec:
  host: shop.apps.example.com
  to: {kind: Service, name: web-blue, weight: 90}
  alternateBackends:
  - {kind: Service, name: web-green, weight: 10}
  - {kind: Deployment, name: oops}
  port: {targetPort: 8080}
"""
    obj = only(text)
    assert obj.kind == "Route" and obj.hosts == ("shop.apps.example.com",)
    assert [(b.service, b.port, b.role, b.target_kind) for b in obj.backends] == [
        ("web-blue", 8080, "to", "Service"),
        ("web-green", 8080, "alternate", "Service"),
        (None, 8080, "alternate", "Deployment"),
    ]
    assert (Severity.WARNING, "route-target-not-service", 9) in codes(text)


def test_route_without_kind_means_service_and_named_target_port() -> None:
    obj = only("""\
kind: Route
apiVersion: route.openshift.io/v1
metadata: {name: r}
spec:
  to: {name: web}
  port: {targetPort: http}
""")
    assert obj.backends == (IngressBackend("web", "http", "to", None, None, "Service",
                                           obj.backends[0].source),)


def test_route_without_to_is_an_error_located_at_spec() -> None:
    text = "kind: Route\napiVersion: route.openshift.io/v1\nmetadata: {name: r}\nspec: {}\n"
    r = load_text(text)
    assert not r.cluster.ingresses
    (d,) = r.errors
    assert d.code == "missing-field" and "spec.to" in d.message


def test_backend_with_service_and_resource_is_refused() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  defaultBackend:
    service: {name: web, port: {number: 80}}
    resource: {kind: Bucket, name: b}
"""
    r = load_text(text)
    assert not r.cluster.ingresses
    assert [(d.code, d.line) for d in r.errors] == [("ingress-invalid", 5)]  # the backend


def test_port_with_number_and_name_is_refused() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  defaultBackend:
    service:
      name: web
      port: {number: 80, name: http}
"""
    assert [d.code for d in load_text(text).errors] == ["ingress-invalid"]


def test_wrong_types_and_missing_service_name_are_errors() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  rules:
  - http:
      paths:
      - path: /
        backend:
          service: {port: {number: 80}}
      - path: /x
        backend:
          service: {name: web, port: {number: "80"}}
      - path: /y
        backend:
          service: {name: web, port: {number: 70000}}
"""
    got = sorted((d.code, d.line) for d in load_text(text).errors)
    assert got == [("missing-field", 10), ("port-out-of-range", 16), ("wrong-type", 13)]


def test_ingress_without_any_backend_warns() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: empty}
spec:
  rules: [{host: a.example.com}]
"""
    obj = only(text)
    assert obj.backends == ()
    assert (Severity.WARNING, "ingress-no-backend", 4) in codes(text)


def test_quoted_port_number_in_route_is_a_name_with_a_warning() -> None:
    text = """\
kind: Route
apiVersion: route.openshift.io/v1
metadata: {name: r}
spec:
  to: {kind: Service, name: web}
  port: {targetPort: "8080"}
"""
    obj = only(text)
    assert obj.backends[0].port == "8080"
    assert (Severity.WARNING, "quoted-port-number", 6) in codes(text)


def test_unknown_api_version_is_refused() -> None:
    text = "apiVersion: networking.k8s.io/v2\nkind: Ingress\nmetadata: {name: x}\n"
    (d,) = load_text(text).errors
    assert d.code == "unknown-api-version"


def test_duplicate_route_replaces_and_warns() -> None:
    doc = "kind: Route\napiVersion: route.openshift.io/v1\nmetadata: {name: r}\nspec: {to: {name: %s}}\n"
    r = load_text(doc % "a" + "---\n" + doc % "b")
    (obj,) = r.cluster.ingresses
    assert obj.backends[0].service == "b"
    assert [d.code for d in r.diagnostics if d.severity is Severity.WARNING] == ["duplicate-object"]


def test_ingress_namespace_exists_in_the_cluster() -> None:
    obj_ns = load_text(INGRESS_V1).cluster.namespace("shop")
    assert obj_ns is not None and obj_ns.implicit


def test_json_list_of_ingresses() -> None:
    text = """{"kind": "IngressList", "apiVersion": "networking.k8s.io/v1", "items": [
      {"metadata": {"name": "a"}, "spec": {"defaultBackend": {"service": {"name": "s", "port": {"number": 1}}}}},
      {"metadata": {"name": "b"}, "spec": {}}]}"""
    r = load_text(text, "x.json")
    assert [i.name for i in r.cluster.ingresses] == ["a", "b"]

"""The ingress controller (``netviz.engine.ingress``): which workloads Ingress and Route objects
lead to, on which ports, and what the policies let through. Each rule of the module docstring
is pinned by a small hand-written cluster."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.connlist import Focus, build_list, connlist, connlist_after_edit
from netviz.engine.diff import diff_result
from netviz.engine.ingress import INGRESS_CONTROLLER, analyze_ingress
from netviz.export import render
from netviz.export.explain import render_explain
from netviz.io.manifests import load_text
from netviz.model import Cluster

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        ports:
        - {containerPort: 8080, name: http}
        - {containerPort: 9090, name: metrics}
        - {containerPort: 53, name: dns, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: front, port: 80, targetPort: http}
  - {name: prom, port: 9090}
  - {name: udp, port: 53, targetPort: dns, protocol: UDP}
"""


def ingress(port: str, name: str = "in", service: str = "web") -> str:
    return f"""\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: shop}}
spec:
  defaultBackend:
    service: {{name: {service}, port: {port}}}
"""


def route(target_port: str | None, name: str = "rt", service: str = "web") -> str:
    port = f"\n  port: {{targetPort: {target_port}}}" if target_port is not None else ""
    return f"""\
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {{name: {name}, namespace: shop}}
spec:
  to: {{kind: Service, name: {service}}}{port}
"""


def policy(ingress_rules: str, namespace: str = "shop", selector: str = "{}",
           types: str = "[Ingress]", egress: str = "") -> str:
    return f"""\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p-{abs(hash(ingress_rules + egress)) % 1000}, namespace: {namespace}}}
spec:
  podSelector: {selector}
  policyTypes: {types}
  ingress: {ingress_rules}
{egress}"""


def cluster(text: str) -> Cluster:
    r = load_text(text)
    assert not r.errors, r.errors
    return r.cluster


def ic_conns(text: str) -> dict[str, str]:
    an = Analyzer(cluster(text))
    return {c.dst.key: str(c.connections) for c in connlist(an) if c.src.key == INGRESS_CONTROLLER}


WEB = "shop/web[Deployment]"


# --------------------------------------------------------------------------- presence


def test_no_ingress_object_no_controller() -> None:
    ia = analyze_ingress(Analyzer(cluster(APP)))
    assert not ia.present and ia.targets == ()


def test_controller_needs_a_service_that_selects_a_workload() -> None:
    text = APP.replace("selector: {app: web}", "selector: {app: nothing}") + ingress("{number: 80}")
    ia = analyze_ingress(Analyzer(cluster(text)))
    assert not ia.present


def test_controller_present_even_when_it_reaches_nothing() -> None:
    # an object that names a missing Service: the controller exists, reaching nothing
    text = APP + ingress("{number: 80}", service="missing")
    ia = analyze_ingress(Analyzer(cluster(text)))
    assert ia.present and ia.targets == ()
    (d,) = ia.diagnostics
    assert d.code == "ingress-service-not-followed" and "no Service shop/missing" in d.message
    assert d.line == APP.count("\n") + 6 and d.object_ref == "Ingress shop/in"  # the backend


# --------------------------------------------------------------------------- ports


@pytest.mark.parametrize(
    ("obj", "want"),
    [
        # Ingress port number = Service port -> its targetPort (a name, resolved on the pod)
        (ingress("{number: 80}"), "TCP 8080"),
        # Ingress port number = a Service targetPort number
        (ingress("{number: 9090}"), "TCP 9090"),
        # Ingress port name = a Service port name
        (ingress("{name: prom}"), "TCP 9090"),
        # an Ingress port name never matches a Service *targetPort* name
        (ingress("{name: http}"), None),
        # a Service port whose target resolves to a UDP container port: not followed
        (ingress("{number: 53}"), None),
        # Route: targetPort name = the Service port's targetPort name
        (route("http"), "TCP 8080"),
        # Route: targetPort name = a Service port name
        (route("front"), "TCP 8080"),
        # Route: targetPort number = Service port or targetPort
        (route("80"), "TCP 8080"),
        (route("9090"), "TCP 9090"),
        # Route without a port: every Service port (the UDP one's target is UDP: left out)
        (route(None), "TCP 8080,9090"),
    ],
)
def test_backend_ports(obj: str, want: str | None) -> None:
    got = ic_conns(APP + obj)
    assert got.get(WEB) == want


def test_port_the_workload_does_not_declare_is_not_reachable_and_warns() -> None:
    text = APP.replace("  - {name: prom, port: 9090}", "  - {name: prom, port: 9090, targetPort: 7777}")
    an = Analyzer(cluster(text + ingress("{number: 9090}")))
    ia = analyze_ingress(an)
    (t,) = ia.targets
    assert t.requested.is_empty() and t.blocked
    (d,) = ia.diagnostics
    assert d.code == "ingress-backend-blocked" and "none of the ports" in d.message


def test_every_declared_container_port_counts_as_tcp() -> None:
    # the reference's convention: a declared UDP port is reachable as TCP when a Service
    # targets it by number
    text = APP + ingress("{number: 53}").replace("{number: 53}", "{number: 53}")
    text = text.replace("targetPort: dns, protocol: UDP", "targetPort: 53, protocol: UDP")
    assert ic_conns(text).get(WEB) == "TCP 53"


def test_objects_add_up_per_workload() -> None:
    got = ic_conns(APP + ingress("{number: 80}") + route("9090"))
    assert got == {WEB: "TCP 8080,9090"}


def test_service_without_selector_is_not_followed() -> None:
    text = APP + """\
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  ports: [{port: 5432}]
""" + ingress("{number: 5432}", service="db") + ingress("{number: 80}", name="in2")
    ia = analyze_ingress(Analyzer(cluster(text)))
    assert [t.workload for t in ia.targets] == [WEB]
    (d,) = ia.diagnostics
    assert "has no selector" in d.message


def test_objects_reach_only_services_of_their_namespace() -> None:
    other = ingress("{number: 80}").replace("namespace: shop", "namespace: other")
    ia = analyze_ingress(Analyzer(cluster(APP + other + route("80"))))
    assert [t.workload for t in ia.targets] == [WEB]
    assert {p.obj.key for t in ia.targets for p in t.paths} == {"shop/rt"}


# --------------------------------------------------------------------------- policies


@pytest.mark.parametrize(
    ("rules", "want"),
    [
        ("[]", None),  # isolated, nothing allowed
        ("[{}]", "TCP 8080"),  # a rule without from: every source
        ("[{from: [{namespaceSelector: {}}]}]", "TCP 8080"),
        ("[{from: [{podSelector: {}}]}]", None),  # pods of the policy's namespace only
        ("[{from: [{namespaceSelector: {matchLabels: "
         "{kubernetes.io/metadata.name: ingress-controller-ns}}}]}]", "TCP 8080"),
        ("[{from: [{namespaceSelector: {matchExpressions: "
         "[{key: team, operator: DoesNotExist}]}}]}]", "TCP 8080"),
        ("[{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: nginx}}}]}]", None),
        ("[{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]", None),  # no IP: ipBlocks never match
        ("[{ports: [{port: 9090}]}]", None),  # allowed port not asked for
        ("[{ports: [{port: http}]}]", "TCP 8080"),  # named port resolved on the workload
    ],
)
def test_policies_of_the_backend(rules: str, want: str | None) -> None:
    assert ic_conns(APP + ingress("{number: 80}") + policy(rules)).get(WEB) == want


def test_blocked_backend_warns_with_the_object_and_ports() -> None:
    an = Analyzer(cluster(APP + route("80") + ingress("{number: 80}") + policy("[]")))
    ia = analyze_ingress(an)
    (t,) = ia.targets
    assert t.blocked and str(t.requested) == "TCP 8080"
    (d,) = ia.diagnostics
    # an Ingress is named before a Route, as the reference does
    assert d.code == "ingress-backend-blocked" and d.message.startswith("Ingress shop/in ")
    assert "TCP 8080" in d.message


def test_policies_of_the_controller_namespace_govern_its_egress() -> None:
    deny_egress = policy("[]", namespace="ingress-controller-ns", types="[Egress]")
    assert ic_conns(APP + ingress("{number: 80}") + deny_egress) == {}
    allow_web = deny_egress + "  egress: [{to: [{namespaceSelector: {}}], ports: [{port: 8080}]}]\n"
    assert ic_conns(APP + ingress("{number: 80}") + allow_web) == {WEB: "TCP 8080"}


def test_labels_of_a_loaded_controller_namespace_are_used() -> None:
    ns = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ingress-controller-ns, labels: {role: edge}}\n"
    rules = "[{from: [{namespaceSelector: {matchLabels: {role: edge}}}]}]"
    assert ic_conns(APP + ingress("{number: 80}") + policy(rules)) == {}
    assert ic_conns(APP + ns + ingress("{number: 80}") + policy(rules)) == {WEB: "TCP 8080"}


# --------------------------------------------------------------------------- outputs


def test_focus_by_ingress_controller_names() -> None:
    an = Analyzer(cluster(APP + ingress("{number: 80}")))
    for name in ("ingress-controller", "ingress-controller-ns/ingress-controller",
                 "{ingress-controller}"):
        conns = build_list(an, Focus(workloads=(name,))).connections
        assert [(c.src.key, c.dst.key) for c in conns] == [(INGRESS_CONTROLLER, WEB)]
    # as a destination it has nothing: direction ingress leaves nothing
    assert build_list(an, Focus(workloads=("ingress-controller",), direction="ingress")).connections == []
    # a port focus keeps it on the port only
    conns = build_list(an, Focus(protocol="TCP", port=8080)).connections
    assert any(c.src.key == INGRESS_CONTROLLER for c in conns)
    assert not any(c.src.key == INGRESS_CONTROLLER
                   for c in build_list(an, Focus(protocol="TCP", port=9090)).connections)


def test_every_format_names_the_controller() -> None:
    an = Analyzer(cluster(APP + ingress("{number: 80}")))
    result = build_list(an)
    assert "{ingress-controller} => shop/web[Deployment] : TCP 8080\n" in render("txt", result)
    assert "{ingress-controller},shop/web[Deployment],TCP 8080\n" in render("csv", result)
    assert "| {ingress-controller} | shop/web[Deployment] | TCP 8080 |" in render("md", result)
    assert '"src": "{ingress-controller}"' in render("json", result)
    dot = render("dot", result)
    assert '\t"{ingress-controller}" [label="{ingress-controller}" color="blue" fontcolor="blue"]' in dot
    assert '"{ingress-controller}" -> "shop/web[Deployment]" [label="TCP 8080"' in dot


def test_what_if_edit_recomputes_the_controller() -> None:
    c = cluster(APP + ingress("{number: 80}"))
    an = Analyzer(c)
    before = connlist(an)
    deny = cluster(APP + policy("[]")).policies
    new_an = an.with_policies(deny)
    after = connlist_after_edit(an, before, new_an)
    assert after == connlist(new_an)
    assert not any(x.src.key == INGRESS_CONTROLLER for x in after)


def test_explain_lists_the_objects_after_the_policies() -> None:
    text = APP + route("80") + ingress("{number: 80}") + policy(
        "[{from: [{namespaceSelector: {}}], ports: [{port: 8080}, {port: 9090}]}]")
    out = render_explain(Analyzer(cluster(text)))
    block = out[out.index("Connections between {ingress-controller}"):]
    assert "\tAllowed TCP:[8080] due to the following policies and rules:\n" in block
    allowed = block[block.index("Allowed TCP:[8080]"):block.index("Denied connections:")]
    # Ingress before NetworkPolicy before Route: one layer, ordered by kind
    assert allowed.splitlines()[3:6] == [
        "\t\t\tIngress 'shop/in' allows ingress connections through service web",
        "\t\t\tNetworkPolicy 'shop/" + allowed.split("NetworkPolicy 'shop/")[1].split("'")[0]
        + "' allows connections by Ingress rule #1",
        "\t\t\tRoute 'shop/rt' allows ingress connections through service web",
    ]
    denied = block[block.index("Denied connections:"):]
    # 9090: the policy allows it, no object leads there
    assert "Denied TCP:[9090]" in denied
    assert ("Route 'shop/rt' allows ingress to service web, but the protocols and ports do "
            "not match") in denied


def test_explain_only() -> None:
    an = Analyzer(cluster(APP + ingress("{number: 80}") + policy("[]", selector="{matchLabels: {app: none}}")))
    allow = render_explain(an, only="allow")
    deny = render_explain(an, only="deny")
    assert "{ingress-controller}" in allow and "{ingress-controller}" not in deny


def test_diff_lists_the_controller_last() -> None:
    a = cluster(APP)
    b = cluster(APP + ingress("{number: 80}") + """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: extra, namespace: shop}
spec: {template: {metadata: {labels: {app: extra}}, spec: {containers: [{name: c}]}}}
""")
    res = diff_result(a, b)
    keys = [(e.kind, e.src.key) for e in res.entries]
    assert keys[-1] == ("added", INGRESS_CONTROLLER)
    assert all(k[1] != INGRESS_CONTROLLER for k in keys[:-1])
    assert keys[-2][0] == "added"  # the workload's own lines come before
    # the controller is never an added workload
    assert "workload {ingress-controller}" not in "".join(e.info for e in res.entries)


def test_connection_set_is_tcp_only() -> None:
    an = Analyzer(cluster(APP + route(None)))
    (t,) = analyze_ingress(an).targets
    assert t.allowed <= ConnectionSet.of("TCP")


def test_ingress_controller_location_is_an_option() -> None:
    from dataclasses import replace

    from netviz.engine import Options
    from netviz.engine.analyzer import parse_ingress_controller

    nginx = ("[{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "
             "ingress-nginx}}, podSelector: {matchLabels: {app: nginx}}}]}]")
    c = cluster(APP + ingress("{number: 80}") + policy(nginx))
    assert analyze_ingress(Analyzer(c)).targets[0].blocked  # the reference's placeholder
    where = parse_ingress_controller("ingress-nginx:app=nginx")
    assert where == ("ingress-nginx", (("app", "nginx"),))
    an = Analyzer(c, replace(Options(), ingress_controller=where))
    (t,) = analyze_ingress(an).targets
    assert str(t.allowed) == "TCP 8080"
    assert an.options.describe()[-1] == (
        "ingress controller: a pod labelled app=nginx in namespace ingress-nginx")
    assert len(Options().describe()) == 2  # the default adds no line
    for bad in ("", ":app=x", "ns:novalue"):
        with pytest.raises(ValueError):
            parse_ingress_controller(bad)

"""Policy templates: each one is valid YAML the loader accepts without a diagnostic, and means
what its title says."""

from __future__ import annotations

import pytest

from netviz.io.manifests import load_text
from netviz.model import NetworkPolicy
from netviz.viewmodel.templates import (
    TEMPLATES,
    default_deny,
    parse_labels,
    render_policy,
    render_template,
    scalar,
)


def load_one(text: str) -> NetworkPolicy:
    r = load_text(text, "t.yaml")
    assert r.diagnostics == []
    assert len(r.cluster.policies) == 1
    return r.cluster.policies[0]


CLUSTER_TEMPLATES = ("admin-allow-dns", "baseline-default-deny")


@pytest.mark.parametrize("name", sorted(set(TEMPLATES) - set(CLUSTER_TEMPLATES)))
def test_every_template_loads_cleanly_with_its_defaults(name: str) -> None:
    t = TEMPLATES[name]
    pol = load_one(render_template(name, **{p.name: p.default for p in t.params}))
    assert pol.namespace == "default"
    # and round-trips through render_policy
    assert load_one(render_policy(pol)).ingress == pol.ingress


@pytest.mark.parametrize(("name", "types"), [
    pytest.param("deny-ingress", {"Ingress"}, id="ingress"),
    pytest.param("deny-egress", {"Egress"}, id="egress"),
    pytest.param("deny-all", {"Ingress", "Egress"}, id="both"),
])
def test_default_deny(name: str, types: set[str]) -> None:
    pol = load_one(render_template(name, namespace="shop"))
    assert pol.policy_types == types and pol.pod_selector.is_empty
    assert pol.ingress == () and pol.egress == ()


def test_allow_dns_egress() -> None:
    pol = load_one(render_template("allow-dns", namespace="shop"))
    (rule,) = pol.egress
    assert {(p.protocol, p.port) for p in rule.ports} == {("UDP", 53), ("TCP", 53)}
    (peer,) = rule.peers
    assert peer.namespace_selector is not None and peer.pod_selector is not None
    assert dict(peer.pod_selector.match_labels) == {"k8s-app": "kube-dns"}


def test_allow_from_namespace_and_pods() -> None:
    pol = load_one(render_template("allow-from-namespace", namespace="shop",
                                   from_namespace="ops", pod_labels="app=web"))
    assert pol.name == "allow-from-ops" and dict(pol.pod_selector.match_labels) == {"app": "web"}
    pol = load_one(render_template("allow-from-pods", namespace="shop", pod_labels="app=db",
                                   from_labels="app=api, tier=back", port="postgres"))
    (rule,) = pol.ingress
    assert rule.ports[0].port == "postgres"
    assert dict(rule.peers[0].pod_selector.match_labels) == {"app": "api", "tier": "back"}
    pol = load_one(render_template("allow-from-pods", namespace="shop", pod_labels="",
                                   from_labels="", port="", protocol="UDP"))
    assert pol.ingress[0].ports == () and pol.pod_selector.is_empty


@pytest.mark.parametrize(("value", "text"), [
    ("web", "web"), ("true", '"true"'), ("80", '"80"'), ("", '""'), ("a b", '"a b"'),
    ("x: y", '"x: y"'), ("~", '"~"'), (80, "80"),
])
def test_scalar_quotes_only_when_needed(value: str | int, text: str) -> None:
    assert scalar(value) == text


def test_label_values_that_yaml_would_misread_stay_strings() -> None:
    pol = load_one(render_template("allow-from-pods", namespace="shop",
                                   pod_labels="enabled=true,version=1.0", from_labels="x=no"))
    assert dict(pol.pod_selector.match_labels) == {"enabled": "true", "version": "1.0"}


def test_parse_labels_errors() -> None:
    assert parse_labels(" a=b ,c=") == {"a": "b", "c": ""}
    with pytest.raises(ValueError, match="key=value"):
        parse_labels("app")
    with pytest.raises(KeyError):
        render_template("nope")
    # an empty name is no error: the template's default name is used
    assert load_one(render_template("deny-ingress", namespace="a", name="")).name == \
        "default-deny-ingress"
    with pytest.raises(ValueError, match="direction must be ingress, egress or both"):
        default_deny("a", "sideways")


# --------------------------------------------------------------------------- policy tiers


def load_cluster_policy(text: str):
    r = load_text(text, "t.yaml")
    assert r.diagnostics == [], [str(d) for d in r.diagnostics]
    (pol,) = r.cluster.cluster_policies
    return pol


@pytest.mark.parametrize("api", ["v1alpha1", "v1alpha2"])
@pytest.mark.parametrize("name", CLUSTER_TEMPLATES)
def test_cluster_templates_load_cleanly_and_round_trip(name: str, api: str) -> None:
    from netviz.viewmodel.templates import render_any

    t = TEMPLATES[name]
    params = {p.name: p.default for p in t.params}
    params["api"] = api
    pol = load_cluster_policy(render_template(name, **params))
    assert pol.api_version.endswith(api)
    again = load_cluster_policy(render_any(pol))
    assert (again.ingress, again.egress, again.subject, again.tier, again.priority) == (
        pol.ingress, pol.egress, pol.subject, pol.tier, pol.priority)


def test_always_allow_dns_is_an_admin_accept_that_beats_a_default_deny() -> None:
    from netviz.engine import Analyzer
    from netviz.model import Action, Tier
    from netviz.viewmodel.templates import admin_allow_dns, baseline_default_deny

    for api in ("v1alpha1", "v1alpha2"):
        pol = load_cluster_policy(admin_allow_dns(api, priority="5",
                                                  namespace_labels="team=x"))
        assert (pol.tier, pol.priority) == (Tier.ADMIN, 5)
        (rule,) = pol.egress
        assert rule.action is Action.ACCEPT and {str(p) for p in rule.ports or ()} == {
            "UDP 53", "TCP 53"}
        deny = load_cluster_policy(baseline_default_deny(api, "egress"))
        assert deny.tier is Tier.BASELINE and not deny.ingress
    cluster = load_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: app}\n"
        "spec: {containers: [{name: c, image: c}]}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: coredns, namespace: kube-system, "
        "labels: {k8s-app: kube-dns}}\nspec: {containers: [{name: c, image: c}]}\n---\n"
        + admin_allow_dns("v1alpha2") + "---\n" + baseline_default_deny("v1alpha2", "egress")
    ).cluster
    an = Analyzer(cluster)
    web = next(p for p in cluster.pods if p.name == "web")
    dns = next(p for p in cluster.pods if p.name == "coredns")
    assert str(an.verdict(web, dns).allowed) == "TCP 53,UDP 53"
    # without the Admin tier, the Baseline default deny blocks it
    without = an.with_policies([], [p for p in cluster.cluster_policies if p.tier is Tier.BASELINE])
    assert not without.verdict(web, dns).allowed


def test_cluster_template_parameters_are_checked() -> None:
    from netviz.viewmodel.templates import admin_allow_dns, baseline_default_deny

    with pytest.raises(ValueError, match="0-1000"):
        admin_allow_dns(priority="1001")
    with pytest.raises(ValueError, match="api must be"):
        admin_allow_dns(api="v2")
    with pytest.raises(ValueError, match="direction"):
        baseline_default_deny(direction="sideways")

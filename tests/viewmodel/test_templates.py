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


@pytest.mark.parametrize("name", sorted(TEMPLATES))
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

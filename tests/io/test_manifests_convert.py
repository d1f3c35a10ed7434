"""``convert_object`` on its own (the YAML editor's entry point), the syntax rules, and the
splitter/locator of ``yamlsafe``."""

from __future__ import annotations

import pytest

from netviz.io.convert import convert_object
from netviz.io.syntax import (
    CIDRError,
    label_value_error,
    parse_cidr,
    port_name_error,
    qualified_name_error,
)
from netviz.io.yamlsafe import MAX_ALIAS_EXPANSION, parse_text, split_chunks
from netviz.model import NetworkPolicy, Pod, Service, Source, Workload
from netviz.model.diagnostics import Severity

SRC = Source("editor", 1, 10)


def test_convert_object_without_locator_points_at_the_source_line() -> None:
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 99999}]}]},
    }
    result, diags = convert_object(obj, SRC)
    assert result is None
    (d,) = diags
    assert (d.file, d.doc, d.line, d.code) == ("editor", 1, 10, "port-out-of-range")
    assert d.object_ref == "NetworkPolicy ns/p"
    assert d.message.startswith("spec.ingress[0].ports[0].port: port 99999 is out of range")


def test_convert_object_returns_model_objects() -> None:
    pod, diags = convert_object(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {}}, SRC
    )
    assert isinstance(pod, Pod) and pod.namespace == "default" and not diags
    svc, _ = convert_object(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}}, SRC
    )
    assert isinstance(svc, Service) and svc.selector is None and svc.type == "ClusterIP"
    wl, _ = convert_object(
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "w"}, "spec": {}},
        SRC,
    )
    assert isinstance(wl, Workload) and wl.replicas == 1
    np, _ = convert_object(
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"}},
        SRC,
    )
    assert isinstance(np, NetworkPolicy) and np.pod_selector.is_empty


def test_convert_object_with_a_locator() -> None:
    calls: list[tuple[str | int, ...]] = []

    def locate(path):  # type: ignore[no-untyped-def]
        calls.append(tuple(path))
        return (100 + len(path), 3)

    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"a": "b"}}}
    _, (d,) = convert_object(obj, SRC, locate=locate)
    assert d.code == "missing-name" and (d.line, d.column) == (102, 3)
    assert ("metadata", "name") in calls


@pytest.mark.parametrize(
    ("owner_refs", "expected", "warnings"),
    [
        ([{"kind": "ReplicaSet", "name": "a"}], ("ReplicaSet", "a"), 0),
        (
            [{"kind": "Node", "name": "n"}, {"kind": "Job", "name": "j", "controller": True}],
            ("Job", "j"),
            0,
        ),
        # kind missing: kept by name (pods naming it are grouped), with a warning
        ([{"name": "nokind", "controller": True}], ("", "nokind"), 1),
        ([], None, 0),
    ],
)
def test_owner_reference_choice(owner_refs, expected, warnings) -> None:  # type: ignore[no-untyped-def]
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "ownerReferences": owner_refs},
    }
    pod, diags = convert_object(obj, SRC)
    assert isinstance(pod, Pod) and pod.owner == expected
    assert len([d for d in diags if d.severity is Severity.WARNING]) == warnings


def test_missing_container_port_is_a_warning_with_a_spelling_hint() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"ports": [{"containerport": 53, "name": "dns"}]}]},
    }
    pod, (d,) = convert_object(obj, SRC)
    assert isinstance(pod, Pod) and pod.ports == ()
    assert d.severity is Severity.WARNING and "'containerport'" in d.message


# --------------------------------------------------------------------------- syntax rules


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("app", True),
        ("app.kubernetes.io/name", True),
        ("kubernetes.io/metadata.name", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("app@b", False),
        ("-app", False),
        ("/app", False),
        ("Example.com/app", False),
        ("", False),
    ],
)
def test_label_keys(key: str, ok: bool) -> None:
    assert (qualified_name_error(key) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [("", True), ("v1.2_3-x", True), ("$x", False), ("a" * 64, False)]
)
def test_label_values(value: str, ok: bool) -> None:
    assert (label_value_error(value) is None) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("http", True), ("h2c", True), ("80", False), ("my--port", False), ("-a", False),
     ("Http", False), ("a" * 16, False)],
)  # fmt: skip
def test_port_names(name: str, ok: bool) -> None:
    assert (port_name_error(name) is None) is ok


@pytest.mark.parametrize(
    ("text", "network", "noted"),
    [
        ("10.0.0.0/8", "10.0.0.0/8", False),
        ("10.1.2.3/8", "10.0.0.0/8", True),  # accepted by the API server, means its network
        ("010.000.0.0/8", "10.0.0.0/8", True),  # ParseCIDRSloppy reads leading zeros as decimal
        ("0.0.0.0/0", "0.0.0.0/0", False),
        ("2001:DB8::/32", "2001:db8::/32", False),
        ("fd00::1/64", "fd00::/64", True),
    ],
)
def test_cidr_parsing(text: str, network: str, noted: bool) -> None:
    net, notes = parse_cidr(text)
    assert str(net) == network and bool(notes) is noted


@pytest.mark.parametrize("text", ["A", "10.0.0.0", "10.0.0.0/33", "10.0.0.0/x", "zc00::/8", ""])
def test_cidr_errors(text: str) -> None:
    with pytest.raises(CIDRError):
        parse_cidr(text)


# --------------------------------------------------------------------------- yamlsafe


def test_split_ignores_dashes_that_are_not_markers() -> None:
    text = "a: '---'\nb: |\n  ---\n---x: 1\n--- \nc: 1\n---\n"
    chunks = split_chunks(text)
    assert [c.line for c in chunks] == [1, 5, 7]
    docs = parse_text(text)
    assert [d.data for d in docs] == [{"a": "---", "b": "---\n", "---x": 1}, {"c": 1}, None]


def test_aliases_below_the_limit_are_fine_above_refused() -> None:
    base = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    small = base + "b: [" + ", ".join(["*a"] * 100) + "]\n"
    (doc,) = parse_text(small)
    assert doc.error is None and len(doc.data["b"]) == 100
    levels = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for i in range(1, 7):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    (bomb,) = parse_text("\n".join(levels) + "\n")
    assert bomb.error is not None and bomb.error.code == "yaml-alias-bomb"
    assert f"{MAX_ALIAS_EXPANSION:,}" in bomb.error.message


def test_timestamps_stay_strings_and_yaml11_scalars() -> None:
    (doc,) = parse_text("t: 2024-01-02T03:04:05Z\nb: yes\nn: ~\nf: 1.5\nh: 0x10\n")
    assert doc.data == {"t": "2024-01-02T03:04:05Z", "b": True, "n": None, "f": 1.5, "h": 16}

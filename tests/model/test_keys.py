"""The key syntax of netviz.model.keys: every kind of key round-trips and is told apart from
the others, and the enums keep the serialised strings they replaced."""

from __future__ import annotations

import json

import pytest

from netviz.engine.connlist import PeerNode
from netviz.engine.ipranges import IPRange
from netviz.model import Pod, Service, Workload
from netviz.model.keys import (
    INGRESS_CONTROLLER_KEY,
    DiffKind,
    EdgeStyle,
    NodeKind,
    VerdictKind,
    display_name,
    external_key,
    external_range,
    is_external_key,
    is_workload_key,
    node_kind,
    parse_workload_key,
    pod_key,
    pod_ref,
    service_key,
    service_ref,
    split_kind,
    workload_key,
)

KEYS = [
    ("web/api[Deployment]", NodeKind.WORKLOAD, "web/api"),
    ("web/api-7d9f-x2[Pod]", NodeKind.WORKLOAD, "web/api-7d9f-x2"),
    ("0.0.0.0-9.255.255.255[External]", NodeKind.EXTERNAL, "0.0.0.0-9.255.255.255"),
    ("10.0.0.0/8[External]", NodeKind.EXTERNAL, "10.0.0.0/8"),
    ("::-ffff::[External]", NodeKind.EXTERNAL, "::-ffff::"),
    ("svc:web/api", NodeKind.SERVICE, "web/api"),
    ("pod:web/api-0", NodeKind.POD, "pod:web/api-0"),
    ("{ingress-controller}", NodeKind.INGRESS_CONTROLLER, "{ingress-controller}"),
]


@pytest.mark.parametrize(("key", "kind", "shown"), KEYS, ids=[k for k, _, _ in KEYS])
def test_every_key_has_exactly_one_kind(key: str, kind: NodeKind, shown: str) -> None:
    assert node_kind(key) is kind
    assert display_name(key) == shown


@pytest.mark.parametrize("text", ["web", "web/api", "", "svc", "[External]x", "a[b]"])
def test_not_a_key(text: str) -> None:
    assert node_kind(text) is None
    assert not is_workload_key(text)


def test_workload_key_round_trip_and_model_agree() -> None:
    key = workload_key("web", "api", "StatefulSet")
    assert key == "web/api[StatefulSet]"
    assert parse_workload_key(key) == ("web", "api", "StatefulSet")
    assert Workload("StatefulSet", "web", "api").key == key
    assert PeerNode.workload(key).kind == "StatefulSet"
    with pytest.raises(ValueError, match="not a workload key"):
        parse_workload_key("1.2.3.4-1.2.3.4[External]")
    with pytest.raises(ValueError, match="not a workload key"):
        parse_workload_key("svc:web/api")


def test_external_key_is_what_the_engine_writes() -> None:
    r = IPRange.parse("10.0.0.0/8")
    peer = PeerNode.external(r)
    assert peer.key == external_key(str(r))
    assert is_external_key(peer.key) and not is_workload_key(peer.key)
    assert external_range(peer.key) == str(r)
    with pytest.raises(ValueError):
        external_range("web/api[Deployment]")


def test_service_and_pod_keys_round_trip() -> None:
    svc = Service("web", "api")
    assert service_key(svc.key) == "svc:web/api"
    assert service_ref(service_key(svc.key)) == svc.key
    pod = Pod("web", "api-0")
    assert pod_key(pod.key) == "pod:web/api-0"
    assert pod_ref(pod_key(pod.key)) == pod.key
    with pytest.raises(ValueError):
        service_ref("pod:web/api-0")
    with pytest.raises(ValueError):
        pod_ref("svc:web/api")


def test_ingress_controller_key_is_the_references() -> None:
    # the np-guard netpol-analyzer spelling, as in its goldens
    assert INGRESS_CONTROLLER_KEY == "{ingress-controller}"
    assert not is_workload_key(INGRESS_CONTROLLER_KEY)


def test_split_kind_for_typed_names() -> None:
    assert split_kind("web/api[Deployment]") == ("web/api", "Deployment")
    assert split_kind("web/api") == ("web/api", None)


@pytest.mark.parametrize("enum", [NodeKind, EdgeStyle, VerdictKind, DiffKind])
def test_enums_serialise_as_their_strings(enum: type) -> None:
    for member in enum:
        assert member == member.value
        assert str(member) == member.value
        assert json.dumps(member) == json.dumps(member.value)
        assert {member.value: 1}[member] == 1  # dict lookups by the old strings still work


def test_verdicts_and_diff_kinds_are_edge_styles() -> None:
    """The graph draws a verdict or a diff kind as the edge style of the same name."""
    for member in (*VerdictKind, *DiffKind):
        assert EdgeStyle(member) == member

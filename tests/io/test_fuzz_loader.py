"""Fuzzing the loader over every kind it reads: a valid object of each kind, with wrong types
(and hostile values) put in any one of its fields, or a field removed, written as YAML and as
JSON. Loading must never raise, every diagnostic must be a located sentence, and whatever
loaded must go through the evaluator and every export without an exception.

The example count is modest by default so that the suite stays fast; set
``NETVIZ_FUZZ_EXAMPLES`` (e.g. 20000) for a long run.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netviz.engine.analyzer import Analyzer
from netviz.engine.audit import audit
from netviz.engine.connlist import build_list
from netviz.engine.exposure import exposure
from netviz.export import FORMATS, render
from netviz.export.explain import render_explain
from netviz.io.manifests import load_text

EXAMPLES = int(os.environ.get("NETVIZ_FUZZ_EXAMPLES", "150"))
# a long run (NETVIZ_FUZZ_EXAMPLES) takes minutes per test: the suite's per-test timeout is for
# hangs, not for it
pytestmark = pytest.mark.timeout(0 if "NETVIZ_FUZZ_EXAMPLES" in os.environ else 300)

_POD_SPEC = {
    "hostNetwork": False,
    "containers": [
        {"name": "c", "image": "x", "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}]}
    ],
}
_TEMPLATE = {"metadata": {"labels": {"app": "a", "tier": "web"}}, "spec": _POD_SPEC}
_META = {"name": "a", "namespace": "ns", "labels": {"app": "a"}}
_SELECTOR = {
    "matchLabels": {"app": "a"},
    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "Namespace": {"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": "ns", "labels": {"team": "t"}}},
    "Pod": {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {**_META, "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "controller": True}]},
        "spec": _POD_SPEC,
        "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}]},
    },
    "Deployment": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _META,
                   "spec": {"replicas": 2, "selector": _SELECTOR, "template": _TEMPLATE}},
    "StatefulSet": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _META,
                    "spec": {"replicas": 1, "serviceName": "a", "template": _TEMPLATE}},
    "DaemonSet": {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _META,
                  "spec": {"template": _TEMPLATE}},
    "ReplicaSet": {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": _META,
                   "spec": {"replicas": 3, "template": _TEMPLATE}},
    "ReplicationController": {"apiVersion": "v1", "kind": "ReplicationController",
                              "metadata": _META, "spec": {"replicas": 1, "template": _TEMPLATE}},
    "Job": {"apiVersion": "batch/v1", "kind": "Job", "metadata": _META,
            "spec": {"template": _TEMPLATE}},
    "CronJob": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _META,
                "spec": {"schedule": "* * * * *",
                         "jobTemplate": {"spec": {"template": _TEMPLATE}}}},
    "Service": {
        "apiVersion": "v1", "kind": "Service", "metadata": _META,
        "spec": {"type": "ClusterIP", "selector": {"app": "a"}, "clusterIP": "10.96.0.1",
                 "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]},
    },
    "NetworkPolicy": {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _META,
        "spec": {
            "podSelector": _SELECTOR,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{
                "from": [{"podSelector": _SELECTOR, "namespaceSelector": {"matchLabels": {"t": "x"}}},
                         {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                "ports": [{"port": 80, "endPort": 90, "protocol": "TCP"}, {"port": "http"}],
            }],
            "egress": [{"to": [{"ipBlock": {"cidr": "fd00::/8"}}], "ports": [{"protocol": "UDP", "port": 53}]}],
        },
    },
    "AdminNetworkPolicy": {
        "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
        "metadata": {"name": "anp"},
        "spec": {
            "priority": 10,
            "subject": {"namespaces": {"matchLabels": {"team": "t"}}},
            "ingress": [{"name": "r", "action": "Deny",
                         "from": [{"namespaces": {}}], "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}]}],
            "egress": [{"name": "e", "action": "Allow", "to": [{"networks": ["10.0.0.0/8"]}]}],
        },
    },
    "BaselineAdminNetworkPolicy": {
        "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {"subject": {"pods": {"namespaceSelector": {}, "podSelector": {}}},
                 "ingress": [{"name": "r", "action": "Deny", "from": [{"namespaces": {}}]}]},
    },
    "ClusterNetworkPolicy": {
        "apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "cnp"},
        "spec": {"tier": "Admin", "priority": 10, "subject": {"namespaces": {}},
                 "egress": [{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}]},
    },
    "Ingress": {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _META,
        "spec": {"ingressClassName": "nginx",
                 "defaultBackend": {"service": {"name": "a", "port": {"number": 80}}},
                 "rules": [{"host": "x.example", "http": {"paths": [
                     {"path": "/", "pathType": "Prefix",
                      "backend": {"service": {"name": "a", "port": {"name": "http"}}}}]}}]},
    },
    "Route": {
        "apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": _META,
        "spec": {"host": "x.example", "to": {"kind": "Service", "name": "a", "weight": 100},
                 "port": {"targetPort": "http"}},
    },
    "EndpointSlice": {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "a-1", "namespace": "ns",
                     "labels": {"kubernetes.io/service-name": "a"}},
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.0.0.9"], "conditions": {"ready": True},
                       "targetRef": {"kind": "Pod", "name": "a", "namespace": "ns"}}],
    },
    "Node": {"apiVersion": "v1", "kind": "Node",
             "metadata": {"name": "n1", "labels": {"zone": "a"}},
             "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.1"}]}},
}
TEMPLATES["List"] = {"apiVersion": "v1", "kind": "List",
                     "items": [TEMPLATES["Pod"], TEMPLATES["NetworkPolicy"]]}
TEMPLATES["ClusterSnapshot"] = {
    "apiVersion": "netviz.io/v1alpha1", "kind": "ClusterSnapshot", "metadata": {"name": "c"},
    "header": {"context": "c", "takenAt": "2024-01-01T00:00:00Z", "namespaces": "all",
               "lists": [{"kind": "Pod", "apiVersion": "v1", "resourceVersion": "1", "count": 1}],
               "gaps": [{"kind": "Service", "reason": "forbidden"}],
               "cni": {"plugin": "flannel", "name": "Flannel", "enforces": False,
                       "evidence": ["DaemonSet kube-flannel/kube-flannel-ds"]}},
    "items": [TEMPLATES["Namespace"], TEMPLATES["Deployment"], TEMPLATES["NetworkPolicy"]],
}


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field path in ``value`` (mapping keys and list indices), the root excluded."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(paths_of(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((*prefix, i))
            out.extend(paths_of(v, (*prefix, i)))
    return out


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 65536, 2**31, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "In", "TCP", "http", "10.0.0.0/8", "::", "0.0.0.0/0", "a" * 300,
                     "x\x1b[2J", "yes", "1e9", "*", "-", "a/b/c", "Allow", "Deny", "Pass"]),
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just({}),
    st.just([]),
    st.just([{}]),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(TEMPLATES)))
    obj = copy.deepcopy(TEMPLATES[kind])
    paths = paths_of(obj)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        parent: Any = obj
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "unknown"]))
            # (copies: st.just gives the same object every time, which would make cycles)
            if action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif action == "unknown" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = copy.deepcopy(draw(HOSTILE))
            else:
                parent[path[-1]] = copy.deepcopy(draw(HOSTILE))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped the path
    return kind, obj


def _check(text: str, name: str) -> None:
    result = load_text(text, name)  # never raises
    for d in result.diagnostics:
        assert d.message and d.code and d.file == name, d
        assert "Traceback" not in d.message
    # whatever loaded goes through the evaluator and everything a user can ask of it: every
    # export, the explanation, the exposure report and the audit
    an = Analyzer(result.cluster)
    listing = build_list(an)
    for fmt in FORMATS:
        render(fmt, listing)
    render_explain(an)
    exposure(an, list(listing.connections))
    audit(an)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutated())
def test_fuzz_yaml(case: tuple[str, dict[str, Any]]) -> None:
    _, obj = case
    try:
        text = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return
    _check(text, "fuzz.yaml")


@FUZZ
@given(mutated())
def test_fuzz_json(case: tuple[str, dict[str, Any]]) -> None:
    _, obj = case
    _check(json.dumps(obj), "fuzz.json")  # NaN/Infinity: Python's JSON extension, still read


@FUZZ
@given(st.lists(mutated(), min_size=2, max_size=4))
def test_fuzz_multi_document_yaml(cases: list[tuple[str, dict[str, Any]]]) -> None:
    """Several mutated objects in one file: one bad document never spoils the others."""
    text = yaml.safe_dump_all([obj for _, obj in cases], sort_keys=False, allow_unicode=True)
    _check(text, "multi.yaml")

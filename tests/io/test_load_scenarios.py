"""Load every netpol-analyzer scenario folder (../shared/conformance, read-only).

- Nothing raises, for any scenario.
- The deliberately broken ones (``*bad*``, ``malformed*``, ``document_with_syntax_error``)
  produce at least one ERROR, except the few listed in ``NOT_AN_ERROR_HERE`` with the reason
  why netviz reports them as a WARNING instead.
- Every other scenario that the reference analyzer has golden outputs for loads without any
  ERROR (the reference analyzed it, so must we).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.io.manifests import load_paths
from netviz.model.diagnostics import Severity

SHARED = Path(__file__).parents[3] / "shared"
BASE = SHARED / "conformance" / "netpol-analyzer"
SCENARIOS = BASE / "scenarios"

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SCENARIOS.is_dir(), reason=f"{SCENARIOS} is absent (no shared data)"),
]


def _names() -> list[str]:
    if not SCENARIOS.is_dir():
        return []
    return sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())


def _broken(name: str) -> bool:
    return "bad" in name or name.startswith("malformed") or name == "document_with_syntax_error"


#: Broken on purpose in the reference, but not something the API server refuses per object:
#: netviz reports them, as a WARNING (scenario -> the code expected).
NOT_AN_ERROR_HERE = {
    # two AdminNetworkPolicies with one priority: legal, but which wins is undefined
    "anp_bad_path_test_1": "anp-same-priority",
    # the same name twice: the later one replaces the earlier, as kubectl apply would
    "anp_bad_path_test_3": "duplicate-object",
    "banp_bad_path_test_1": "duplicate-object",
    # the reference's own limitation (pods of one owner with different labels); the input's
    # only defect is a policy name with '_', which has no effect on connectivity
    "example_pods_w_same_owner_and_labels_gap_with_bad_match_expression": "invalid-name",
}

#: No golden output exists, and the API server refuses the input; netviz says why.
REFUSED_WITHOUT_GOLDEN = {"np_test_with_empty_port_range": "endport-below-port"}


def _has_golden(name: str) -> bool:
    expected = BASE / "expected"
    return any(expected.rglob(f"{name}_*"))


@pytest.mark.parametrize("name", _names())
def test_scenario_loads(name: str) -> None:
    result = load_paths([str(SCENARIOS / name)])
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    for d in result.diagnostics:
        assert d.file and d.message and d.code, d
        assert d.line is not None or d.code in ("no-manifests", "file-listed-twice"), d
    if name in NOT_AN_ERROR_HERE:
        assert not errors, [str(e) for e in errors]
        assert NOT_AN_ERROR_HERE[name] in {d.code for d in result.diagnostics}
    elif name in REFUSED_WITHOUT_GOLDEN:
        assert [e.code for e in errors] == [REFUSED_WITHOUT_GOLDEN[name]]
    elif _broken(name):
        assert errors, f"{name} is broken on purpose but gave no ERROR"
    elif _has_golden(name):
        assert not errors, [str(e) for e in errors]


def test_the_reference_scenarios_are_really_there() -> None:
    names = _names()
    assert len(names) > 100
    for plain in ("onlineboutique", "workload_resources"):
        assert plain in names
        r = load_paths([str(SCENARIOS / plain)])
        assert not r.errors
        assert r.cluster.pods and r.cluster.policies or r.cluster.workloads


def test_broken_scenario_messages() -> None:
    """The messages for the reference's broken inputs say what is wrong, where."""

    def first_error(name: str) -> str:
        r = load_paths([str(SCENARIOS / name)])
        return str(r.errors[0])

    assert "spec.ingress[1].ports[0].endPort: endPort cannot be used with a named port" in (
        first_error("np_bad_path_test_2")
    )
    msg = first_error("malformed_pod_example")
    assert "pod.yaml:10" in msg and "containerPort: expected an integer, got a list" in msg
    msg = first_error("document_with_syntax_error")
    assert "document_with_syntax_error.yaml:225:30, document 7" in msg
    msg = first_error("malformed-pod-example-4")
    assert "kind is missing" in msg and "kindt" in msg

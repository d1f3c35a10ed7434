"""Focus and port variants of the reference goldens, from the Ingress/Route scenarios.

Every focus and protocol-port golden of the shared corpus belongs to a scenario that also has
Ingress or OpenShift Route objects, which netviz does not evaluate yet (they add connections
from a ``{ingress-controller}`` peer). Those goldens are skipped by ``test_netpol_analyzer``.
Their *other* lines are plain NetworkPolicy connectivity, so this test compares netviz with
each such golden after removing the lines that involve ``{ingress-controller}``: that checks
the focus options (workload, peer, direction) and the port filter against the reference.
txt, csv, md and dot are filtered line by line (in dot the ``{ingress-controller}`` node line
and its edges); json is filtered as data and compared as text re-serialised like the
reference (the remaining entries, 2-space indent).
Counts: ``python -m tests.conformance.report`` prints them as ``ingress-derived/<kind>``.
"""

from __future__ import annotations

import difflib
import json

import pytest

from .goldens import Golden, discover, shared_dir
from .runner import actual_and_expected

ROOT = shared_dir()
INGRESS_REASON = "uses Ingress/Route"


def derived_goldens() -> list[Golden]:
    if ROOT is None:
        return []
    return [
        g
        for g in discover(ROOT)
        if g.skip
        and g.skip.startswith(INGRESS_REASON)
        and g.fmt in ("txt", "csv", "md", "dot", "json")
        and g.section == "connlist"
        and not g.options.explain
    ]


def strip_ingress_controller(text: str) -> str:
    return "".join(ln for ln in text.splitlines(True) if "{ingress-controller}" not in ln)


def derived_actual_and_expected(g: Golden) -> tuple[str, str]:
    assert ROOT is not None
    unskipped = Golden(g.path, g.scenario, g.section, g.fmt, g.options, None)
    actual, expected = actual_and_expected(ROOT, unskipped)
    if g.fmt == "json":
        # a list of {src, dst, conn} objects: drop the ingress-controller ones, compare data
        # and the exact text of the rest (re-serialised the reference's way: 2-space indent)
        data = [c for c in json.loads(expected) if "{ingress-controller}" not in json.dumps(c)]
        return actual, json.dumps(data, indent=2) if data else "[]"
    return actual, strip_ingress_controller(expected)


@pytest.mark.conformance
@pytest.mark.parametrize(
    "golden", [pytest.param(g, id=g.name) for g in derived_goldens()] or [pytest.param(None, id="none")]
)
def test_golden_without_ingress_controller_lines(golden: Golden | None) -> None:
    if golden is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    actual, expected = derived_actual_and_expected(golden)
    assert "{ingress-controller}" not in actual
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "netviz"))[:60])
        pytest.fail(f"{golden.name} ({golden.kind}) differs:\n{diff}")

"""Conformance of ``netviz list`` with the goldens of np-guard/netpol-analyzer.

One test per golden file of ``../shared/conformance/netpol-analyzer/expected/{connlist,cli}``
(see ``goldens.py`` for how a file name maps to a scenario and options, and ``runner.py`` for
what part of each golden is compared). Out-of-scope goldens are skipped with their reason, so
``pytest -rs`` lists them; ``python -m tests.conformance.report`` prints the counts per kind.

Known differences (``xfail`` with the reason; each is a decision or a gap outside this
module, listed in ``KNOWN``): see the table below.
"""

from __future__ import annotations

import difflib

import pytest

from .goldens import Golden, discover, shared_dir
from .runner import actual_and_expected

ROOT = shared_dir()

#: golden file name -> reason it is expected to differ (kept short and honest)
KNOWN: dict[str, str] = {
    "anp_and_banp_using_networks_with_ipv6_test_connlist_output.txt": (
        "the reference skips IPv6 networks CIDRs (it warns 'unsupported'); netviz evaluates "
        "them, so the IPv6 external ranges the AdminNetworkPolicy cuts are listed too"
    ),
    "exposure_test_with_anp_4_entire_cluster_example_explain_exposure_output.txt": (
        "with exposure analysis on, the reference's explanation of the denied TCP 1-79,... "
        "regions leaves out the side that denies them (NetworkPolicy deny-all-app-a, no rules); "
        "netviz names it (the plain explain of the same situation, e.g. anp_demo, names it too)"
    ),
}


def _params() -> list[object]:
    if ROOT is None:
        return [pytest.param(None, id="no-shared-corpus")]
    out: list[object] = []
    for g in discover(ROOT):
        marks: list[pytest.MarkDecorator] = [pytest.mark.conformance]
        if g.name in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[g.name], strict=True))
        out.append(pytest.param(g, id=g.name, marks=marks))
    return out


@pytest.mark.parametrize("golden", _params())
def test_golden(golden: Golden | None) -> None:
    if ROOT is None or golden is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    if golden.skip:
        pytest.skip(f"{golden.kind}: {golden.skip}")
    actual, expected = actual_and_expected(ROOT, golden)
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), actual.splitlines(True), "golden", "netviz"
                )
            )[:80]
        )
        pytest.fail(f"{golden.name} ({golden.kind}, scenario {golden.scenario}) differs:\n{diff}")

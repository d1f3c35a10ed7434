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
KNOWN: dict[str, str] = {}


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

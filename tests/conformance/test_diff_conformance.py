"""Conformance of ``netviz diff`` with the diff goldens of np-guard/netpol-analyzer.

``../shared/conformance/netpol-analyzer/expected/diff/diff_between_<b>_and_<a>.<fmt>`` is the
diff from scenario ``a`` (ref1, before) to scenario ``b`` (ref2, after): the reference test
names its goldens ``"diff_between_" + ref2 + "_and_" + ref1`` (``diff_test.go``), and the
contents agree (e.g. ``deny_all_to_from_a_deployment`` -> ``..._changed_netpol`` *adds* a
connection). Every golden is compared whole, byte for byte, with what ``netviz diff`` writes
(``run_cli``: the CLI itself, so its loading, options and formats are what is tested).

0-byte goldens: the reference prints nothing at all, in every format, when no connection
differs (``ConnectivityDiffToString`` returns "" for an empty diff), and its good-path tests
record that. Each one here is such a case (e.g. ``with_end_port_example`` ->
``..._new`` swaps a policy allowing all ports for one allowing all traffic), and netviz also
finds no difference and prints nothing: they are compared like the others, none is skipped.

Skipped, with the reason: pairs where a side uses AdminNetworkPolicy/BaselineAdminNetworkPolicy
(own issue), the same classification as the connlist conformance test (``goldens.scenario_skip``).
``python -m tests.conformance.report`` prints the counts with the connlist ones.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from .goldens import scenario_skip, shared_dir

ROOT = shared_dir()
_NAME = re.compile(r"^diff_between_(?P<pair>.+)\.(?P<fmt>txt|csv|md|dot)$")


@dataclass
class DiffGolden:
    path: Path
    before: str | None  # ref1, scenario a
    after: str | None  # ref2, scenario b
    fmt: str
    skip: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind(self) -> str:
        return f"diff/{self.fmt}"


def discover_diff(root: Path) -> list[DiffGolden]:
    d = root / "expected" / "diff"
    if not d.is_dir():
        return []
    scenarios = {p.name for p in (root / "scenarios").iterdir() if p.is_dir()}
    out: list[DiffGolden] = []
    for path in sorted(d.iterdir()):
        m = _NAME.match(path.name)
        if not m:
            continue
        pair, fmt = m.group("pair"), m.group("fmt")
        split = None
        for i in [m.start() for m in re.finditer("_and_", pair)]:
            b, a = pair[:i], pair[i + len("_and_") :]
            if a in scenarios and b in scenarios:
                split = (a, b)
                break
        if split is None:
            out.append(DiffGolden(path, None, None, fmt, "scenario not in shared corpus"))
            continue
        a, b = split
        g = DiffGolden(path, a, b, fmt)
        g.skip = scenario_skip(root, a) or scenario_skip(root, b)
        out.append(g)
    return out


def run_cli(root: Path, g: DiffGolden) -> tuple[int, str]:
    """(exit code, stdout) of ``netviz diff -q -o <fmt> <a> <b>``."""
    from netviz.cli import build_parser
    from netviz.cli.diff_cmd import run

    assert g.before is not None and g.after is not None
    args = build_parser().parse_args(
        ["diff", "-q", "-o", g.fmt, str(root / "scenarios" / g.before),
         str(root / "scenarios" / g.after)]
    )
    out, err = io.StringIO(), io.StringIO()
    code = run(args, out, err)
    return code, out.getvalue()


def actual_and_expected(root: Path, g: DiffGolden) -> tuple[str, str]:
    code, actual = run_cli(root, g)
    expected = g.path.read_text(encoding="utf-8")
    assert code == (1 if expected else 0), f"exit code {code}"
    return actual, expected


def _params() -> list[object]:
    if ROOT is None:
        return [pytest.param(None, id="no-shared-corpus")]
    return [pytest.param(g, id=g.name, marks=pytest.mark.conformance) for g in discover_diff(ROOT)]


@pytest.mark.parametrize("golden", _params())
def test_diff_golden(golden: DiffGolden | None) -> None:
    if ROOT is None or golden is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    if golden.skip:
        pytest.skip(f"{golden.kind}: {golden.skip}")
    actual, expected = actual_and_expected(ROOT, golden)
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), "golden", "netviz"))[:80])
        pytest.fail(f"{golden.name} ({golden.before} -> {golden.after}) differs:\n{diff}")


def test_direction_is_a_to_b() -> None:
    """The file name puts the second input first: check it on a golden with an added line."""
    if ROOT is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    byname = {g.name: g for g in discover_diff(ROOT)}
    g = byname.get("diff_between_deny_all_to_from_a_deployment_changed_netpol_and_"
                   "deny_all_to_from_a_deployment.txt")
    if g is None:
        pytest.skip("golden not in this corpus")
    assert (g.before, g.after) == ("deny_all_to_from_a_deployment",
                                   "deny_all_to_from_a_deployment_changed_netpol")
    assert "diff-type: added" in g.path.read_text()

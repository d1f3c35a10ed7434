"""``netviz diff``: exit codes (0 same, 1 different, 2 usage, 3 input), formats, ``-f``,
``--report``, options; the "after" side is made with ``netviz.io.save`` from ``data/shop.yaml``."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from netviz.engine.analyzer import Options
from netviz.engine.diff import diff_result
from netviz.export.diff_formats import render_diff
from netviz.io.manifests import load_paths
from netviz.io.save import DocEdit, apply_save, plan_save

DATA = Path(__file__).resolve().parent / "data"
SHOP = str(DATA / "shop.yaml")
EXIT_DIFFERENT = 1


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.fixture()
def after(tmp_path: Path) -> str:
    """shop.yaml without the ``cart-in`` policy (deleted with netviz.io.save)."""
    target = tmp_path / "shop-after.yaml"
    target.write_bytes(Path(SHOP).read_bytes())
    r = load_paths([str(target)])
    doc = next(d for d in r.documents if d.name == "cart-in")
    apply_save(plan_save([DocEdit(str(target), doc.doc, None)], [], r.documents, r.stamps))
    return str(target)


def test_no_differences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", SHOP, SHOP)
    assert code == EXIT_OK
    assert out == ""
    assert "note: no connectivity differences" in err


def test_differences_exit_1(capsys: pytest.CaptureFixture[str], after: str) -> None:
    code, out, err = run(capsys, "diff", SHOP, after)
    assert code == EXIT_DIFFERENT
    assert out.startswith("Connectivity diff:\n")
    assert out.splitlines()[1:3] == [
        "diff-type: changed, source: shop/frontend[Deployment], destination: "
        "shop/cart[Deployment], ref1: TCP 7070, ref2: All Connections",
        "diff-type: added, source: 0.0.0.0-255.255.255.255[External], destination: "
        "shop/cart[Deployment], ref1: No Connections, ref2: All Connections",
    ]
    assert "no connectivity differences" not in err
    # the other direction: removed instead of added
    code, back, _ = run(capsys, "diff", after, SHOP)
    assert code == EXIT_DIFFERENT
    assert back.count("diff-type: removed") == out.count("diff-type: added")


@pytest.mark.parametrize("fmt", ["txt", "csv", "md", "dot"])
def test_cli_is_the_engine_path(capsys: pytest.CaptureFixture[str], after: str, fmt: str) -> None:
    """What netviz diff prints is exactly diff_result on the two loads, rendered."""
    code, out, _ = run(capsys, "diff", "-q", "-o", fmt, SHOP, after)
    assert code == EXIT_DIFFERENT
    want = diff_result(load_paths([SHOP]), load_paths([after]), Options())
    assert out == render_diff(fmt, want)


def test_file_and_report(capsys: pytest.CaptureFixture[str], after: str, tmp_path: Path) -> None:
    target, report = tmp_path / "d.md", tmp_path / "review.md"
    code, out, _ = run(capsys, "diff", "-q", "-o", "md", "-f", str(target), "--report",
                       str(report), SHOP, after)
    assert code == EXIT_DIFFERENT and out == ""
    assert target.read_text().startswith("| diff-type | source |")
    text = report.read_text()
    assert text.startswith("# Connectivity review\n")
    assert f"- **Before** (ref1): `{SHOP}`" in text and "## Impact per workload" in text


def test_option_stated_in_band(capsys: pytest.CaptureFixture[str], after: str) -> None:
    code, out, _ = run(capsys, "diff", "-q", "--ipblock-matches-pod-ips", SHOP, after)
    assert code == EXIT_DIFFERENT
    assert out.startswith("# ipBlock matches pod IPs: yes")


def test_input_and_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "diff", SHOP, str(tmp_path / "missing.yaml"))
    assert code == EXIT_INPUT
    assert "netviz diff: error: nothing could be loaded" in err
    code, _, _ = run(capsys, "diff", "-o", "json", SHOP, SHOP)
    assert code == EXIT_USAGE
    code, _, err = run(capsys, "diff", "-", "-")
    assert code == EXIT_USAGE and "only one of PATH_A and PATH_B" in err
    code, _, _ = run(capsys, "diff", SHOP)
    assert code == EXIT_USAGE
    code, _, err = run(capsys, "diff", "-q", "-f", str(tmp_path / "no" / "dir" / "x"), SHOP,
                       SHOP)
    assert code == EXIT_INPUT and "cannot write" in err  # -f is written even when empty

"""``netviz list`` and ``netviz eval``: exit codes, stderr diagnostics, focus and explanation
text, on the hand-written cluster in ``data/shop.yaml``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netviz.cli import EXIT_DENIED, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main

DATA = Path(__file__).resolve().parent / "data"
SHOP = str(DATA / "shop.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


# --------------------------------------------------------------------------- list


def test_list_txt_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", SHOP)
    assert code == EXIT_OK
    assert "shop/frontend[Deployment] => shop/cart[Deployment] : TCP 7070\n" in out
    # the default convention is stated on stderr, not in the reference-format output
    assert "note: ipBlock matches pod IPs: no" in err
    assert "#" not in out


def test_list_quiet_and_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out, err = run(capsys, "list", SHOP, "-o", "json", "-f", str(target), "-q")
    assert (code, out, err) == (EXIT_OK, "", "")
    data = json.loads(target.read_text())
    assert {"src": "shop/cart[Deployment]", "dst": "shop/db[StatefulSet]", "conn": "TCP 5432"} in data


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--focus-workload", "cart"), 8, id="workload"),
        pytest.param(("--focus-workload", "shop/cart", "--focus-direction", "ingress"), 1, id="ingress"),
        pytest.param(("--focus-workload", "shop/cart[Deployment]", "--focus-workload-peer", "db"), 1, id="peer"),
        pytest.param(("--port", "53", "--protocol", "udp"), 9, id="udp-53"),
    ],
)
def test_list_focus(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: int) -> None:
    code, out, _ = run(capsys, "list", SHOP, "-q", *args)
    assert code == EXIT_OK
    lines = [ln for ln in out.splitlines() if "=>" in ln]
    assert len(lines) == expected, out


def test_list_focus_unknown_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", SHOP, "--focus-workload", "shop/cartt")
    assert code == EXIT_OK and out == ""
    assert "did you mean shop/cart" in err


def test_list_explain_txt_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", SHOP, "--explain", "-o", "csv")
    assert code == EXIT_USAGE and "txt format only" in err
    code, out, _ = run(capsys, "list", SHOP, "--explain", "-q")
    assert code == EXIT_OK
    assert "NetworkPolicy 'shop/db-in' allows connections by Ingress rule #1" in out


def test_list_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "list", SHOP, "--focus-direction", "egress")[0] == EXIT_USAGE
    assert run(capsys, "list", SHOP, "--port", "70000")[0] == EXIT_USAGE
    assert run(capsys, "list", SHOP, "-o", "xml")[0] == EXIT_USAGE


def test_list_nothing_loaded(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "list", str(tmp_path / "missing.yaml"))
    assert code == EXIT_INPUT
    assert "nothing could be loaded" in err


def test_list_diagnostics_located_and_continues(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: NetworkPolicy\nmetadata: [oops\n")
    code, out, err = run(capsys, "list", SHOP, str(bad))
    assert code == EXIT_OK and "=>" in out
    assert f"{bad}:" in err and "error" in err
    _, _, quiet_err = run(capsys, "list", SHOP, str(bad), "-q")
    assert quiet_err == ""


def test_list_non_default_option_stated_in_band(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", SHOP, "-q", "--ipblock-matches-pod-ips")
    assert code == EXIT_OK
    assert out.startswith("# ipBlock matches pod IPs: yes")
    _, out, _ = run(capsys, "list", SHOP, "-q", "--host-network", "node", "-o", "json")
    assert "netviz_options" in json.loads(out)


# --------------------------------------------------------------------------- eval


def test_eval_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "shop/cart", "--port", "7070", "-q")
    assert code == EXIT_OK
    assert out.startswith("ALLOWED: shop/frontend[Deployment] => shop/cart[Deployment] : TCP 7070\n")
    assert "Allowed connections for this pair: TCP 7070" in out
    assert "allowed by NetworkPolicy shop/frontend-out, egress rule #1 (" in out
    assert "shop.yaml:" in out  # file:line of the rule
    assert "allowed by NetworkPolicy shop/cart-in, ingress rule #1" in out


def test_eval_denied_explains_each_side(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "shop/db", "--port", "5432", "-q")
    assert code == EXIT_DENIED
    assert out.startswith("DENIED:")
    assert "Ingress (destination shop/db[StatefulSet]): denied" in out
    assert "no ingress rule matches shop/frontend[Deployment]" in out


def test_eval_not_isolated_and_unresolved_named_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/cart", "--dst", "shop/db", "--port", "5432", "-q")
    assert code == EXIT_OK
    assert "Egress (source shop/cart[Deployment]): not isolated: allowed by default" in out
    assert "Unresolved named ports" in out and "TCP/metrics" in out


def test_eval_external_ip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "10.1.2.3", "--port", "443", "-q")
    assert code == EXIT_DENIED  # 10.1.0.0/16 is an except
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "10.2.0.1", "--port", "443", "-q")
    assert code == EXIT_OK and "10.2.0.1[External]" in out


def test_eval_name_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", SHOP, "--src", "shop/frontnd", "--dst", "shop/cart", "--port", "1")
    assert code == EXIT_USAGE and "did you mean shop/frontend," in err
    assert "frontend-0" not in err  # synthetic pods are not suggested
    code, _, err = run(capsys, "eval", SHOP, "--src", "frontend", "--dst", "shop/cart", "--port", "1")
    assert code == EXIT_USAGE and "NS/NAME" in err
    code, _, err = run(capsys, "eval", SHOP, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--port", "1")
    assert code == EXIT_USAGE


def test_eval_ambiguous_name_lists_kinds(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    extra = tmp_path / "dup.yaml"
    extra.write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cart, namespace: shop}\n"
        "spec:\n  selector: {matchLabels: {app: cart2}}\n  template:\n"
        "    metadata: {labels: {app: cart2}}\n    spec: {containers: [{name: c, image: c}]}\n"
    )
    code, _, err = run(capsys, "eval", SHOP, str(extra), "--src", "shop/cart", "--dst", "shop/db", "--port", "1", "-q")
    assert code == EXIT_USAGE
    assert "shop/cart[DaemonSet]" in err and "shop/cart[Deployment]" in err
    code, _, _ = run(capsys, "eval", SHOP, str(extra), "--src", "shop/cart[DaemonSet]", "--dst", "shop/db", "--port", "5432", "-q")
    assert code == EXIT_DENIED


def test_eval_pod_ip_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pods = tmp_path / "pods.yaml"
    pods.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: shop, labels: {app: probe}}\n"
        "spec: {containers: [{name: c, image: c}]}\nstatus: {phase: Running, podIP: 10.1.0.7}\n"
    )
    # off: the pod's IP is an external address (note on stderr)
    code, out, err = run(capsys, "eval", SHOP, str(pods), "--src", "10.1.0.7", "--dst", "shop/cart", "--port", "7070")
    assert "10.1.0.7[External]" in out and "is the IP of pod shop/probe" in err
    # on: the IP is that pod
    code, out, _ = run(capsys, "eval", SHOP, str(pods), "--src", "10.1.0.7", "--dst", "shop/cart", "--port", "7070",
                       "--ipblock-matches-pod-ips", "-q")
    assert "shop/probe[Pod]" in out and code == EXIT_DENIED

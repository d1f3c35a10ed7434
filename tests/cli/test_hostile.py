"""Hostile and broken inputs at the command line: exit codes callers can trust, and text from
inputs that cannot drive the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.cli import EXIT_DENIED, EXIT_INPUT, EXIT_OK, main

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"
DATA = Path(__file__).resolve().parent / "data"
SHOP = str(DATA / "shop.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize(
    "snapshot", ["snapshot_metadata_list.yaml", "snapshot_no_header.json", "snapshot_bad_gap.yaml",
                 "snapshot_bad_cni.yaml"]
)
@pytest.mark.parametrize("command", ["list", "eval", "diff"])
def test_malformed_snapshot_is_exit_3_with_its_location(
    capsys: pytest.CaptureFixture[str], command: str, snapshot: str
) -> None:
    path = str(BROKEN / snapshot)
    argv = {
        "list": ["list", path],
        "eval": ["eval", path, "--src", "shop/a", "--dst", "shop/b", "--port", "80"],
        # the other side is fine: a malformed side must not read as "differences" (exit 1)
        "diff": ["diff", SHOP, path],
    }[command]
    code, out, err = run(capsys, *argv)
    assert code == EXIT_INPUT, err
    assert "Traceback" not in err and out == ""
    assert f"{path}:" in err and "snapshot is malformed" in err


def test_cluster_network_policies_are_evaluated_by_every_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    both = tmp_path / "with-cnp.yaml"
    both.write_text(Path(SHOP).read_text() + "\n---\n" + (DATA / "cnp_deny_egress.yaml").read_text())
    _, plain, _ = run(capsys, "list", SHOP, "-q")
    code, out, err = run(capsys, "list", str(both))
    assert code == EXIT_OK and "not evaluated" not in err
    # the Admin-tier Deny to 0.0.0.0/0 removes every egress to an external address
    def external_egress(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if ln.split(" : ")[0].endswith("[External]")]

    assert external_egress(plain) and not external_egress(out)
    assert "note: assumption: networks peers match pods only when their IPs are known" in err
    code, out, err = run(capsys, "eval", str(both), "--src", "shop/frontend", "--dst",
                         "1.2.3.4", "--port", "443")
    assert code == EXIT_DENIED and "Admin tier: denied by ClusterNetworkPolicy Admin tier " \
        "'deny-all-egress' (priority 10), egress rule #1 [Deny]" in out
    code, _, err = run(capsys, "diff", SHOP, str(both))
    assert code == EXIT_DENIED and "not evaluated" not in err  # 1: there are differences


ESC_NAMES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "evil\\e[2J\\rnetviz: all clear\\u202e"
  namespace: shop
spec:
  template:
    metadata: {labels: {app: evil}}
    spec: {containers: [{name: c, image: x}]}
"""


@pytest.mark.parametrize("fmt", ["txt", "csv", "md", "json", "dot"])
def test_control_characters_in_names_are_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text(ESC_NAMES)
    code, out, err = run(capsys, "list", str(f), "-o", fmt)
    assert code == EXIT_OK
    for text in (out, err):
        assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert "evil" in out
    # the loader's warning about the invalid name quotes it: escaped too
    assert "invalid-name" not in err or "\\x1b" in err


def test_eval_shows_escaped_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text(ESC_NAMES)
    name = "shop/evil\x1b[2J\rnetviz: all clear\u202e"
    code, out, err = run(capsys, "eval", str(f), "--src", name, "--dst", "8.8.8.8", "--port", "53")
    assert code == EXIT_OK, err
    assert "\x1b" not in out and "\r" not in out
    assert "evil\\x1b[2J\\x0dnetviz: all clear\\u202e" in out


def test_eval_workload_to_itself_answers_for_two_of_its_pods(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "replicas.yaml"
    f.write_text(
        """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
"""
    )
    code, out, _ = run(capsys, "eval", str(f), "--src", "shop/web", "--dst", "shop/web", "--port", "80")
    # default deny: the replicas may not talk to each other (a pod to itself is not the question)
    assert code == EXIT_DENIED, out
    assert out.startswith("DENIED: shop/web[Deployment] => shop/web[Deployment] : TCP 80")
    assert "Between two pods of shop/web[Deployment]" in out
    assert "NetworkPolicy shop/deny-all" in out


def test_eval_workload_with_one_pod_to_itself(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "shop/frontend", "--port", "80")
    assert code == EXIT_OK
    assert "the workload has one pod" in out


def test_fifo_does_not_hang_list_or_diff(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "list", str(fifo), SHOP)
    assert code == EXIT_OK and "is a FIFO (named pipe), not a regular file; skipped" in err
    code, _, err = run(capsys, "diff", str(fifo), SHOP)
    assert code == EXIT_INPUT  # nothing could be loaded from that side


EVIL = "\\e[2J\\rnetviz: all clear\\a\\u202e"
ESC_EVERYWHERE = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: "web{EVIL}", namespace: shop}}
spec:
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: c, image: x, ports: [{{name: http, containerPort: 80}}]}}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: "np{EVIL}", namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: db}}}}
  ingress: [{{from: [{{podSelector: {{}}}}, {{ipBlock: {{cidr: 10.0.0.0/8}}}}], ports: [{{port: 5432}}]}}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: "cnp{EVIL}"}}
spec:
  tier: Admin
  priority: 5
  subject: {{namespaces: {{}}}}
  ingress: [{{name: "rule{EVIL}", action: Deny, from: [{{pods: {{podSelector: {{matchLabels: {{app: web}}}}}}}}]}}]
"""


def _unsafe(text: str) -> list[str]:
    """Lines that carry a character a terminal acts on (TAB and LF are the formats' own)."""
    bad = ("\x1b", "\r", "\x07", "\u202e")
    return [ln for ln in text.split("\n") if any(c in ln for c in bad)]


@pytest.mark.parametrize(
    "extra",
    [["--explain"], ["--exposure"], ["--exposure", "-o", "csv"], ["--exposure", "-o", "md"],
     ["--exposure", "-o", "dot"], ["--exposure", "--explain"]],
    ids=["explain", "exposure-txt", "exposure-csv", "exposure-md", "exposure-dot",
         "exposure-explain"],
)
def test_control_characters_are_escaped_in_explain_and_exposure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str]
) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text(Path(SHOP).read_text() + "\n---\n" + ESC_EVERYWHERE)
    code, out, err = run(capsys, "list", str(f), *extra)
    assert code == EXIT_OK, err
    assert _unsafe(out) == [] and _unsafe(err) == []
    assert "x1b[2J" in out  # the name is there, escaped (md doubles the backslash)


def test_control_characters_are_escaped_in_the_diff_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text(Path(SHOP).read_text() + "\n---\n" + ESC_EVERYWHERE)
    report = tmp_path / "review.md"
    code, out, err = run(capsys, "diff", str(f), SHOP, "--report", str(report))
    assert code == EXIT_DENIED, err
    text = report.read_text()
    assert _unsafe(text) == [] and _unsafe(out) == [] and _unsafe(err) == []
    assert "web\\x1b[2J" in text


def test_an_interrupted_list_leaves_the_output_file_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-f FILE`` is written atomically: Ctrl-C (or any error) half way through a long
    streamed list leaves the previous file, not a truncated one that reads as complete."""
    from netviz.cli import list_cmd

    target = tmp_path / "out.txt"
    target.write_text("the previous, complete list\n")

    def interrupted(fmt: str, result: object):  # type: ignore[no-untyped-def]
        yield "a/x[Deployment] => b/y[Deployment] : All Connections\n"
        raise KeyboardInterrupt

    monkeypatch.setattr(list_cmd, "render_chunks", interrupted)
    code, _, _ = run(capsys, "list", SHOP, "-f", str(target))
    assert code == 130
    assert target.read_text() == "the previous, complete list\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left


def test_output_to_a_device_is_written_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    """``-f /dev/null`` (or /dev/stdout, a FIFO) is not a file to replace: written directly."""
    import os

    code, _, err = run(capsys, "list", SHOP, "-f", os.devnull)
    assert code == EXIT_OK, err
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)

"""Network plugin detection (netviz.io.cni) from DaemonSets, one row per plugin of the table in
netviz.model.enforcement, and how every command says when policies are not enforced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netviz.cli import EXIT_DENIED, EXIT_OK, main
from netviz.io.cni import detect
from netviz.io.manifests import load_paths
from netviz.model.enforcement import BY_ID, PLUGINS, Enforcement, plugin

SHOP = str(Path(__file__).resolve().parents[1] / "cli" / "data" / "shop.yaml")


def ds(name: str, ns: str = "kube-system", **containers: list[str]) -> dict[str, Any]:
    """A DaemonSet ``name`` with containers ``{container name: args}``."""
    cs = [{"name": c.replace("_", "-"), "image": "x", "args": args} for c, args in containers.items()]
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": cs}}},
    }


AWS_AGENT_ON = ds("aws-node", aws_node=[], aws_eks_nodeagent=["--enable-network-policy=true"])
AWS_AGENT_OFF = ds("aws-node", aws_node=[], aws_eks_nodeagent=["--enable-network-policy=false"])

CASES = [
    # (daemonsets, plugin id, enforced)
    ([ds("calico-node", "calico-system", calico_node=[])], "calico", True),
    ([ds("canal", kube_flannel=[], calico_node=[])], "calico", True),
    ([ds("cilium", cilium_agent=[])], "cilium", True),
    ([ds("cilium", cilium_agent=["--enable-policy=never"])], "cilium", False),
    ([ds("antrea-agent", antrea_agent=[])], "antrea", True),
    ([ds("kube-router", kube_router=["--run-router=true"])], "kube-router", True),
    ([ds("kube-router", kube_router=["--run-firewall=false"])], "kube-router", False),
    ([ds("anetd", cilium_agent=[])], "gke-dataplane-v2", True),
    ([ds("weave-net", weave=[], weave_npc=[])], "weave", True),
    ([ds("weave-net", weave=[])], "weave", False),
    ([ds("azure-npm", azure_npm=[])], "azure-npm", True),
    ([ds("ovnkube-node", ovnkube_node=[])], "ovn-kubernetes", True),
    ([ds("kube-ovn-cni", cni_server=[])], "kube-ovn", True),
    ([ds("kube-network-policies", kube_network_policies=[])], "kube-network-policies", True),
    ([AWS_AGENT_ON], "aws-vpc-cni-network-policy", True),
    ([AWS_AGENT_OFF], "aws-vpc-cni", False),
    ([ds("aws-node", aws_node=[])], "aws-vpc-cni", False),
    ([ds("kube-flannel-ds", "kube-flannel", kube_flannel=[])], "flannel", False),
    ([ds("kindnet", kindnet_cni=[])], "kindnet", None),
    # an enforcing plugin beside a non-enforcing one wins (Calico policy on EKS, Canal-like)
    ([AWS_AGENT_OFF, ds("calico-node", calico_node=[])], "calico", True),
    ([ds("kube-flannel-ds", kube_flannel=[]), ds("calico-node", calico_node=[])], "calico", True),
    # nothing known: unknown, no claim either way
    ([ds("node-exporter", exporter=[])], "", None),
    ([], "", None),
]


@pytest.mark.parametrize(("daemonsets", "pid", "enforced"), CASES)
def test_detect(daemonsets: list[dict[str, Any]], pid: str, enforced: bool | None) -> None:
    got = detect(daemonsets)
    assert (got.plugin, got.enforced) == (pid, enforced)
    assert got.evidence


def test_every_plugin_of_the_table_is_detected_by_a_case() -> None:
    assert {c[1] for c in CASES} - {""} == set(BY_ID)


def test_aws_evidence_names_the_flag() -> None:
    (line,) = detect([AWS_AGENT_OFF]).evidence
    assert "aws-eks-nodeagent has --enable-network-policy=false" in line


def test_plugin_names_and_aliases() -> None:
    assert plugin("Calico") is BY_ID["calico"]
    assert plugin("canal") is BY_ID["calico"]
    assert plugin("aws-node") is BY_ID["aws-vpc-cni"]
    assert plugin("nope") is None
    assert all(p.recognised_by for p in PLUGINS)


def test_warning_wording() -> None:
    flannel = Enforcement.chosen(BY_ID["flannel"])
    assert flannel.warning() == "these policies are not enforced by Flannel: all traffic is allowed"
    assert Enforcement.chosen(BY_ID["calico"]).warning() is None
    assert Enforcement.chosen(BY_ID["kindnet"]).warning() is None  # unknown: no claim


def test_manifests_with_a_flannel_daemonset(tmp_path: Path) -> None:
    import yaml

    f = tmp_path / "flannel.yaml"
    f.write_text(yaml.safe_dump(ds("kube-flannel-ds", "kube-flannel", kube_flannel=[])))
    res = load_paths([SHOP, str(f)])
    assert res.enforcement is not None
    assert (res.enforcement.plugin, res.enforcement.source) == ("flannel", "manifests")
    assert load_paths([SHOP]).enforcement is None  # an app's manifests say nothing


# --------------------------------------------------------------------------- every output says it


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


WARNING = "these policies are not enforced by Flannel: all traffic is allowed"


@pytest.mark.parametrize("fmt", ["txt", "csv", "md", "json", "dot"])
def test_list_formats_carry_the_warning(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "list", SHOP, "--cni", "flannel", "-o", fmt, "-q")
    assert code == EXIT_OK
    assert WARNING in out  # in-band: a saved file says it
    assert f"warning: {WARNING}" in err  # also with -q


def test_list_with_an_enforcing_plugin_is_the_reference_output(capsys: pytest.CaptureFixture[str]) -> None:
    _, plain, _ = run(capsys, "list", SHOP, "-q")
    _, calico, err = run(capsys, "list", SHOP, "--cni", "calico")
    assert plain == calico and "network plugin: Calico (as chosen) enforces NetworkPolicy" in err


def test_explain_carries_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", SHOP, "--explain", "--cni", "flannel", "-q")
    assert out.startswith(f"# WARNING: {WARNING}\n")


def test_eval_says_it_next_to_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", SHOP, "--src", "shop/frontend", "--dst", "shop/db",
                         "--port", "5432", "--cni", "flannel")
    assert code == EXIT_DENIED  # the policies' verdict, documented
    lines = out.splitlines()
    assert lines[0].startswith("DENIED") and lines[2] == f"WARNING: {WARNING}"


def test_diff_and_report_carry_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(Path(SHOP).read_text().replace("7070", "7071"))
    report = tmp_path / "r.md"
    code, out, err = run(capsys, "diff", SHOP, str(other), "--cni", "flannel", "--report", str(report))
    assert code == 1
    assert out.startswith(f"# WARNING: {WARNING}\n") and WARNING in err
    assert f"> **Warning:** {WARNING}" in report.read_text()


def test_render_title_carries_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.svg"
    code, _, err = run(capsys, "render", SHOP, "-o", str(out), "--cni", "flannel")
    assert code == EXIT_OK and WARNING in err
    assert "not enforced by Flannel" in out.read_text()


def test_docs_list_every_plugin() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "enforcement.md").read_text()
    for p in PLUGINS:
        assert f"| `{p.id}` | {p.name} |" in text, p.id

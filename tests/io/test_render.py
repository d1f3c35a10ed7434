"""Helm charts and kustomizations: rendered with the user's tool, located diagnostics, a clear
message when the tool is missing. The tools are fakes written here (a small Python script named
``helm``/``kustomize``/``kubectl`` on PATH): the suite does not depend on what is installed."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from netviz.cli import EXIT_INPUT, EXIT_OK, main
from netviz.io.manifests import load_paths

DATA = Path(__file__).resolve().parents[1] / "data"
CHART = str(DATA / "charts" / "shop")
OVERLAY = str(DATA / "overlays" / "prod")

HELM_OUTPUT = """\
---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-web
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "x"}]}
---
# Source: shop/templates/netpol.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: broken
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: 99999
"""

KUSTOMIZE_OUTPUT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: x}]}
"""


def _tool(bindir: Path, name: str, stdout: str = "", exit_code: int = 0, stderr: str = "") -> Path:
    """A fake executable that records its argv and prints ``stdout``."""
    script = bindir / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(bindir / (name + '.argv'))!r}, 'w').write(' '.join(sys.argv[1:]))\n"
        f"sys.stdout.write({stdout!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", str(d))  # only our fakes: no real helm/kustomize/kubectl
    return d


def test_chart_is_rendered_with_helm_template(bindir: Path) -> None:
    _tool(bindir, "helm", HELM_OUTPUT)
    res = load_paths([CHART])
    assert (bindir / "helm.argv").read_text() == f"template {CHART}"
    assert [w.name for w in res.cluster.workloads] == ["release-name-web"]
    # the broken policy: named by chart and template, at its line in that template's output
    (err,) = res.errors
    assert err.code == "port-out-of-range"
    assert err.file == f"{CHART}: shop/templates/netpol.yaml (rendered by helm template)"
    assert err.line == 10  # "- port: 99999" in that template's rendered text
    assert any(d.code == "rendered" for d in res.diagnostics)


def test_kustomization_with_kustomize_build(bindir: Path) -> None:
    _tool(bindir, "kustomize", KUSTOMIZE_OUTPUT)
    res = load_paths([OVERLAY])
    assert (bindir / "kustomize.argv").read_text() == f"build {OVERLAY}"
    (w,) = res.cluster.workloads
    assert (w.namespace, w.name) == ("prod", "web")
    assert res.documents[0].file == f"{OVERLAY} (rendered by kustomize build)"


def test_kustomization_falls_back_to_kubectl(bindir: Path) -> None:
    _tool(bindir, "kubectl", KUSTOMIZE_OUTPUT)
    res = load_paths([OVERLAY])
    assert (bindir / "kubectl.argv").read_text() == f"kustomize {OVERLAY}"
    assert [w.namespace for w in res.cluster.workloads] == ["prod"]


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        (CHART, "helm is not installed. Install Helm 3"),
        (OVERLAY, "neither kustomize nor kubectl is installed"),
    ],
)
def test_missing_tool_says_what_to_install(
    bindir: Path, path: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    res = load_paths([path])
    (d,) = res.errors
    assert d.code == "render-tool-missing" and fragment in d.message and "| netviz list -" in d.message
    assert main(["list", path]) == EXIT_INPUT
    assert fragment in capsys.readouterr().err


def test_failing_tool_is_reported_with_its_stderr(bindir: Path) -> None:
    _tool(bindir, "helm", exit_code=1, stderr="Error: template: shop/templates/web.yaml:4: bad\n")
    (d,) = load_paths([CHART]).errors
    assert d.code == "render-failed"
    assert "helm template" in d.message and "exit status 1" in d.message
    assert "shop/templates/web.yaml:4: bad" in d.message


def test_walking_a_folder_does_not_read_charts_or_overlays(bindir: Path) -> None:
    _tool(bindir, "helm", HELM_OUTPUT)
    res = load_paths([str(DATA / "overlays")])
    skipped = sorted(d.file for d in res.diagnostics if d.code == "render-not-walked")
    assert skipped == [str(DATA / "overlays" / "base"), str(DATA / "overlays" / "prod")]
    assert not res.cluster.workloads
    assert not (bindir / "helm.argv").exists()


def test_cli_list_on_a_chart(bindir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tool(bindir, "helm", HELM_OUTPUT)
    assert main(["list", CHART]) == EXIT_OK
    cap = capsys.readouterr()
    assert "release-name-web[Deployment]" in cap.out
    assert "shop/templates/netpol.yaml (rendered by helm template):10: error:" in cap.err


def test_real_kubectl_kustomize_when_installed() -> None:
    """A manual check with the real tool, when this machine has it."""
    import shutil

    if shutil.which("kubectl") is None and shutil.which("kustomize") is None:
        pytest.skip("neither kustomize nor kubectl is installed here")
    res = load_paths([OVERLAY])
    assert [(w.namespace, w.name) for w in res.cluster.workloads] == [("prod", "web")], [
        str(d) for d in res.diagnostics
    ]
    assert os.environ.get("PATH")

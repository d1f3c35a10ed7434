"""``netviz list`` with Ingress/Route objects: warnings on stderr, --explain-only, focus on the
ingress controller."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.cli import EXIT_OK, EXIT_USAGE, main

CLUSTER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, namespace: shop}
spec: {to: {kind: Service, name: web}}
"""

DENY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return str(p)


def test_list_shows_the_controller(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "list", write(tmp_path, CLUSTER))
    assert code == EXIT_OK
    assert "{ingress-controller} => shop/web[Deployment] : TCP 8080\n" in out
    assert "warning" not in err


def test_blocked_backend_warning_is_located(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER + DENY)
    code, out, err = run(capsys, "list", path)
    assert code == EXIT_OK and "ingress-controller" not in out
    assert f"{path}:14: warning: Route shop/web specifies workload shop/web[Deployment]" in err
    _, _, quiet = run(capsys, "list", "-q", path)
    assert quiet == ""


def test_focus_on_the_controller(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER)
    code, out, err = run(capsys, "list", path, "--focus-workload", "ingress-controller")
    assert out == "{ingress-controller} => shop/web[Deployment] : TCP 8080\n"
    assert "warning" not in err
    code, out, err = run(capsys, "list", write(tmp_path, CLUSTER.split("---\napiVersion: route")[0]),
                         "--focus-workload", "ingress-controller")
    assert out == "" and "ingress controller is not part of the analysis" in err


def test_explain_only_needs_explain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER)
    code, _, err = run(capsys, "list", path, "--explain-only", "deny")
    assert code == EXIT_USAGE and "--explain-only needs --explain" in err
    code, out, _ = run(capsys, "list", path, "--explain", "--explain-only", "allow")
    assert code == EXIT_OK and "Connections between {ingress-controller}" in out
    code, out, _ = run(capsys, "list", path, "--explain", "--explain-only", "deny")
    assert code == EXIT_OK and out == ""


# --------------------------------------------------------------------------- --exposure


def test_exposure_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER)
    code, out, _ = run(capsys, "list", path, "--exposure")
    assert code == EXIT_OK
    head, _, tail = out.partition("\n\nExposure Analysis Result:\n")
    assert "{ingress-controller} => shop/web[Deployment] : TCP 8080" in head
    assert "shop/web[Deployment] is not protected on Ingress" in tail
    for fmt, marker in (("csv", "Exposure Analysis Result:,,"), ("md", "## Exposure Analysis Result:"),
                        ("json", '"exposure_results"'), ("dot", '"entire-cluster" [label=')):
        code, out, _ = run(capsys, "list", path, "--exposure", "-o", fmt)
        assert code == EXIT_OK and marker in out, fmt


def test_exposure_with_explain_and_ignored_cases(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    path = write(tmp_path, CLUSTER + DENY)
    code, out, _ = run(capsys, "list", path, "--exposure", "--explain")
    assert code == EXIT_OK and "# Specific connections" in out
    assert out.endswith("shop/web[Deployment] is not protected on Egress\n")
    code, out, err = run(capsys, "list", path, "--exposure", "--focus-workload", "web",
                         "--focus-workload-peer", "web")
    assert "Exposure" not in out and "--exposure is ignored" in err
    code, out, err = run(capsys, "list", path, "--exposure", "--explain", "--explain-only", "deny")
    assert "Exposure" not in out and "--exposure is ignored with --explain-only" in err


def test_ingress_controller_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-nginx, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}]
"""
    path = write(tmp_path, CLUSTER + policy)
    _, out, err = run(capsys, "list", path)
    assert "ingress-controller" not in out and "warning: Route shop/web" in err
    code, out, err = run(capsys, "list", path, "--ingress-controller", "ingress-nginx")
    assert code == EXIT_OK and "{ingress-controller} => shop/web[Deployment] : TCP 8080" in out
    assert "# ingress controller: a pod with no labels in namespace ingress-nginx\n" in out
    code, _, err = run(capsys, "list", path, "--ingress-controller", "ns:bad")
    assert code == EXIT_USAGE and "not a label KEY=VALUE" in err


def test_eval_from_the_ingress_controller(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    from netviz.cli import EXIT_DENIED

    path = write(tmp_path, CLUSTER)
    code, out, _ = run(capsys, "eval", path, "--src", "{ingress-controller}", "--dst", "shop/web",
                       "--port", "8080")
    assert code == EXIT_OK
    assert out.startswith("ALLOWED: {ingress-controller} => shop/web[Deployment] : TCP 8080\n")
    assert "Route 'shop/web' through Service web on TCP 8080" in out
    assert "Route shop/web (" in out and "leads here through Service web" in out
    # not isolated, yet only what the Route leads to
    code, out, _ = run(capsys, "eval", path, "--src", "ingress-controller", "--dst", "shop/web",
                       "--port", "80")
    assert code == EXIT_DENIED and "leads through Service web only to TCP 8080" in out
    # the policy decides too
    path = write(tmp_path, CLUSTER + DENY)
    code, out, _ = run(capsys, "eval", path, "--src", "{ingress-controller}", "--dst", "shop/web",
                       "--port", "8080")
    assert code == EXIT_DENIED and "Allowed connections for this pair: No Connections" in out
    assert "NetworkPolicy shop/deny" in out and "has no ingress rules" in out
    code, _, err = run(capsys, "eval", path, "--src", "shop/web", "--dst", "{ingress-controller}",
                       "--port", "80")
    assert code == EXIT_USAGE and "only a source" in err
    path = write(tmp_path, CLUSTER.split("---\napiVersion: route")[0])
    code, _, err = run(capsys, "eval", path, "--src", "{ingress-controller}", "--dst", "shop/web",
                       "--port", "80")
    assert code == EXIT_USAGE and "no Ingress or Route leads" in err

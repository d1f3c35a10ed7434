"""Snapshots that leak nothing, and a snapshot taker that a misbehaving server cannot hang or
crash (tests/fakekube grows the failure modes: endless continue tokens, a dribbling server,
malformed items, a Secret-bearing pod). Also: the network plugin recorded in the header."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for fakekube

from fakekube import FakeKube, KubeconfigFactory, load_manifests

from netviz.io import cluster as C
from netviz.io.manifests import load_paths

DATA = Path(__file__).resolve().parents[1] / "data" / "snapshot_manifests"
PASSWORD = "hunter2-literal-password"
SECRET_B64 = "c3VwZXItc2VjcmV0LWRiLXBhc3N3b3Jk"

# A Secret applied with kubectl apply: its last-applied-configuration annotation (on a pod,
# copied by a careless template) holds the whole Secret, data included.
LAST_APPLIED = json.dumps(
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "payments"},
        "data": {"password": SECRET_B64},
    }
)

SECRET_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "leaky",
        "namespace": "payments",
        "labels": {"app": "leaky"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": LAST_APPLIED},
    },
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "registry.example/leaky:1",
                "command": ["/app", f"--db-password={PASSWORD}"],
                "args": ["--token", PASSWORD],
                "env": [{"name": "DB_PASSWORD", "value": PASSWORD}],
                "ports": [{"name": "http", "containerPort": 8080}],
                "volumeMounts": [{"name": "creds", "mountPath": "/creds"}],
            }
        ],
        "volumes": [{"name": "creds", "secret": {"secretName": "db"}}],
    },
    "status": {"phase": "Running", "podIP": "10.1.2.3", "podIPs": [{"ip": "10.1.2.3"}]},
}


def _ds(name: str, namespace: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}},
        },
    }


FLANNEL = _ds("kube-flannel-ds", "kube-flannel", [{"name": "kube-flannel", "image": "flannel"}])


@pytest.fixture
def fake() -> Iterator[FakeKube]:
    with FakeKube(load_manifests([DATA]) + [SECRET_POD, FLANNEL]) as server:
        yield server


@pytest.fixture
def kubeconfig(fake: FakeKube, tmp_path: Path) -> Path:
    return KubeconfigFactory(fake, tmp_path).write()


def _netviz(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netviz", *args], capture_output=True, text=True, timeout=120,
        env=env,
    )


# --------------------------------------------------------------------------- leaks


def test_snapshot_of_secret_bearing_pod_contains_no_secret(
    kubeconfig: Path, tmp_path: Path
) -> None:
    out = tmp_path / "snap.json"
    proc = _netviz("snapshot", "--kubeconfig", str(kubeconfig), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    for secret in (PASSWORD, SECRET_B64, "last-applied-configuration", "DB_PASSWORD", "secretName"):
        assert secret not in text, secret
    doc = json.loads(text)
    assert doc["header"]["content"] == "slim"
    (pod,) = [o for o in doc["items"] if o["kind"] == "Pod" and o["metadata"]["name"] == "leaky"]
    # what analysis needs is all there
    assert pod["metadata"]["labels"] == {"app": "leaky"}
    assert pod["spec"]["containers"] == [
        {"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}
    ]
    assert pod["status"]["podIPs"] == [{"ip": "10.1.2.3"}]
    # and the snapshot analyses exactly like the full objects would
    full = tmp_path / "full.json"
    proc_full = _netviz("snapshot", "--kubeconfig", str(kubeconfig), "-o", str(full), "--full")
    assert proc_full.returncode == 0
    assert "--full keeps objects as the API returns them" in proc_full.stderr
    assert PASSWORD in full.read_text()  # --full is what it says
    a = _netviz("list", str(out), "-q")
    b = _netviz("list", str(full), "-q")
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout and a.stdout


def test_slim_keeps_workload_templates_and_policies() -> None:
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "w", "namespace": "n", "annotations": {"a": "b"}, "labels": {"x": "y"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "w"}},
            "strategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"app": "w"}, "annotations": {"secret": "s"}},
                "spec": {
                    "hostNetwork": True,
                    "containers": [{"name": "c", "env": [{"name": "X", "value": "v"}]}],
                },
            },
        },
    }
    assert C.slim(dep) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "w", "namespace": "n", "labels": {"x": "y"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "w"}},
            "template": {
                "metadata": {"labels": {"app": "w"}},
                "spec": {"hostNetwork": True, "containers": [{"name": "c"}]},
            },
        },
    }
    np = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "p", "namespace": "n", "annotations": {"k": "v"}},
          "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    assert C.slim(np)["spec"] == np["spec"] and "annotations" not in C.slim(np)["metadata"]


ROUTE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-route-key\n-----END PRIVATE KEY-----"


def test_slim_route_keeps_no_inline_tls_key(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> None:
    """An OpenShift Route with edge or reencrypt termination may carry its private key inline
    (``spec.tls.key``): the slim snapshot keeps the termination, never the key or certificates,
    and the Route analyses as before."""
    route = {
        "apiVersion": "route.openshift.io/v1", "kind": "Route",
        "metadata": {"name": "shop", "namespace": "payments"},
        "spec": {
            "host": "shop.example.com", "to": {"kind": "Service", "name": "payment-api"},
            "tls": {"termination": "reencrypt", "insecureEdgeTerminationPolicy": "Redirect",
                    "key": ROUTE_KEY, "certificate": "-----BEGIN CERTIFICATE-----cert",
                    "caCertificate": "-----BEGIN CERTIFICATE-----ca",
                    "destinationCACertificate": "-----BEGIN CERTIFICATE-----dest"},
        },
    }
    fake.serve_routes = True
    fake.add([route])
    out = tmp_path / "snap.json"
    C.write_snapshot(C.take_snapshot(str(kubeconfig)), str(out))
    text = out.read_text()
    assert "route-key" not in text and "BEGIN" not in text
    (kept,) = [o for o in json.loads(text)["items"] if o["kind"] == "Route"]
    assert kept["spec"]["tls"] == {"termination": "reencrypt",
                                   "insecureEdgeTerminationPolicy": "Redirect"}
    (loaded,) = load_paths([str(out)]).cluster.ingresses
    assert loaded.kind == "Route" and loaded.tls


def test_output_onto_the_kubeconfig_is_refused(kubeconfig: Path, tmp_path: Path) -> None:
    before = kubeconfig.read_bytes()
    proc = _netviz("snapshot", "--kubeconfig", str(kubeconfig), "-o", str(kubeconfig))
    assert proc.returncode == 3
    assert "is a kubeconfig" in proc.stderr or "a kubeconfig (or a credential file" in proc.stderr
    assert kubeconfig.read_bytes() == before
    # also through $KUBECONFIG (a merged list), and through a symlink to it
    link = tmp_path / "link.yaml"
    link.symlink_to(kubeconfig)
    env = {"KUBECONFIG": f"{tmp_path / 'none.yaml'}:{kubeconfig}", "PATH": "/usr/bin:/bin"}
    proc = _netviz("snapshot", "-o", str(link), env=env)
    assert proc.returncode == 3, proc.stderr
    assert kubeconfig.read_bytes() == before


def test_credential_files_named_by_the_kubeconfig_are_refused(tmp_path: Path) -> None:
    key = tmp_path / "client.key"
    key.write_text("KEY")
    cfg = tmp_path / "config"
    cfg.write_text(
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n"
        "users:\n- name: u\n  user:\n    client-key: client.key\n"
    )
    with pytest.raises(C.SnapshotWriteError, match="credential file"):
        C.check_writable(key, str(cfg))
    C.check_writable(tmp_path / "snap.json", str(cfg))  # anything else is fine


# --------------------------------------------------------------------------- misbehaving servers


def test_endless_continue_tokens_stop_with_exit_4(fake: FakeKube, kubeconfig: Path) -> None:
    fake.endless_continue = {"pods"}
    with pytest.raises(C.ClusterError, match="kept answering the Pod list with more pages") as exc:
        C.take_snapshot(str(kubeconfig), page_size=1, max_pages=20)
    assert exc.value.reason == "api"
    assert sum(1 for p, _, _ in fake.requests if p == "/api/v1/pods") == 20


def test_endless_continue_tokens_are_also_bounded_in_time(fake: FakeKube, kubeconfig: Path) -> None:
    fake.endless_continue = {"pods"}
    with pytest.raises(C.ClusterError, match="the limits are"):
        C.take_snapshot(str(kubeconfig), page_size=1, list_seconds=0.5)


def test_endless_continue_cli_exit_4(fake: FakeKube, kubeconfig: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from netviz.cli import main

    fake.endless_continue = {"services"}
    monkeypatch.setattr(C, "MAX_PAGES", 30)
    monkeypatch.setattr(C._Limits.__init__, "__defaults__", (30, C.LIST_SECONDS))
    target = tmp_path / "s.json"
    code = main(["snapshot", "--kubeconfig", str(kubeconfig), "-o", str(target), "--page-size", "1"])
    err = capsys.readouterr().err
    assert code == 4, err
    assert "Service list" in err and "Traceback" not in err and not target.exists()


@pytest.mark.timeout(60)  # the bound is the behaviour: without it the answer takes minutes
def test_dribbling_server_is_bounded_by_the_timeout(fake: FakeKube, kubeconfig: Path) -> None:
    fake.dribble = 0.2  # one byte every 0.2 s: a per-read timeout of 1 s never trips
    with pytest.raises(C.ClusterError) as exc:
        C.take_snapshot(str(kubeconfig), timeout=1.0)
    # the whole-request deadline fired (a per-read timeout would never say this), and one
    # request is all it took: no request after the one that was cut off
    assert exc.value.reason == "timeout"
    assert "did not finish answering" in str(exc.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "items",
    [["just a string"], [42], [None], [{"spec": {}}], [{"metadata": "x"}]],
    ids=["string", "number", "null", "no-metadata", "metadata-string"],
)
def test_malformed_items_are_a_cluster_error(fake: FakeKube, kubeconfig: Path, items: list[Any]) -> None:
    fake.malformed_items = {"services": items}
    with pytest.raises(C.ClusterError, match=r"answer to /api/v1/services is malformed: items\[0\]"):
        C.take_snapshot(str(kubeconfig))


def test_malformed_items_cli_exit_4(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> None:
    fake.malformed_items = {"pods": ["x"]}
    proc = _netviz("snapshot", "--kubeconfig", str(kubeconfig), "-o", str(tmp_path / "s.json"))
    assert proc.returncode == 4
    assert "malformed" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- network plugin


def test_flannel_snapshot_records_and_warns_everywhere(kubeconfig: Path, tmp_path: Path) -> None:
    out = tmp_path / "flannel.json"
    proc = _netviz("snapshot", "--kubeconfig", str(kubeconfig), "-o", str(out))
    assert proc.returncode == 0
    assert "these policies are not enforced by Flannel: all traffic is allowed" in proc.stderr
    doc = json.loads(out.read_text())
    cni = doc["header"]["cni"]
    assert (cni["plugin"], cni["enforces"]) == ("flannel", False)
    assert "DaemonSet kube-flannel/kube-flannel-ds" in cni["evidence"][0]
    # the slim snapshot dropped the DaemonSet's containers' args, but the header carries it
    res = load_paths([str(out)])
    assert res.enforcement is not None and res.enforcement.enforced is False
    # ... and every command that opens it says so
    warning = "these policies are not enforced by Flannel: all traffic is allowed"
    for argv in (["list", str(out)], ["list", str(out), "-o", "json"],
                 ["eval", str(out), "--src", "shop/frontend", "--dst", "shop/cart",
                  "--port", "8080"],
                 ["diff", str(out), str(out)],
                 ["render", str(out), "-o", str(tmp_path / "g.svg")]):
        proc = _netviz(*argv)
        assert proc.returncode in (0, 1), (argv, proc.stderr)
        assert f"warning: {warning}" in proc.stderr, argv
        if argv[0] in ("list", "eval"):
            assert warning in proc.stdout, argv
    assert warning in (tmp_path / "g.svg").read_text()


def test_scoped_snapshot_still_detects_the_plugin(fake: FakeKube, kubeconfig: Path) -> None:
    snap = C.take_snapshot(str(kubeconfig), namespaces=["shop"])
    assert snap.header["cni"]["plugin"] == "flannel"
    assert not [o for o in snap.items if o["kind"] == "DaemonSet"]  # not added to the items


@pytest.mark.parametrize("style", ["json", "yaml"])
def test_a_snapshot_above_the_manifest_limit_opens(tmp_path: Path, style: str) -> None:
    """What netviz writes, netviz opens: the manifest size limit (64 MiB by default, 100 kB
    here) does not apply to a file that starts like a netviz snapshot (up to 1 GiB)."""
    items = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{i}"}}
        for i in range(3000)
    ]
    path = tmp_path / f"big.{style}"
    size = C.write_snapshot(C.Snapshot({"context": "c", "takenAt": "t"}, items), path, style=style)
    assert size > 100_000
    res = load_paths([str(path)], max_file_bytes=100_000)
    assert not res.errors and len(res.cluster.namespaces) == 3000
    # a manifest of that size (or one that only claims a snapshot deep inside) is still refused
    other = tmp_path / "big.yaml"
    other.write_text("# filler\n" * 20_000 + "apiVersion: netviz.io/v1alpha1\nkind: ClusterSnapshot\n")
    assert [d.code for d in load_paths([str(other)], max_file_bytes=100_000).errors] == [
        "file-too-large"
    ]

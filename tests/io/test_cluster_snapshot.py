"""netviz.io.cluster against a fake HTTPS API server on 127.0.0.1 (tests/fakekube).

The fake serves the real REST shapes: discovery, paged lists with resourceVersion and
limit/continue, Status errors for 401, 403 and 410. Kubeconfigs cover a bearer token, a client
certificate, an exec plugin, bad credentials, an unreachable server and a CA mismatch.

Tests marked by the ``target`` fixture also run against a real cluster when
``NETVIZ_TEST_KUBECONFIG`` names a kubeconfig (its current context; read-only).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netviz.model import assemble_cluster

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for fakekube

from fakekube import FakeKube, KubeconfigFactory, load_manifests
from fakekube.kubeconfigs import TOKEN

from netviz.io import cluster as C

DATA = Path(__file__).resolve().parents[1] / "data" / "snapshot_manifests"
REAL_ENV = "NETVIZ_TEST_KUBECONFIG"
CORE_KINDS = [r.kind for r in C.RESOURCES if not r.optional]

SECRET_AND_CONFIGMAP = [
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-password", "namespace": "payments"},
        "data": {"password": "aHVudGVyMg=="},
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"},
        "data": {"colour": "blue"},
    },
]

ANP = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "pass-monitoring"},
    "spec": {
        "priority": 10,
        "subject": {"namespaces": {}},
        "ingress": [
            {
                "name": "from-monitoring",
                "action": "Pass",
                "from": [{"namespaces": {"matchLabels": {"team": "platform"}}}],
            }
        ],
    },
}
BANP = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "BaselineAdminNetworkPolicy",
    "metadata": {"name": "default"},
    "spec": {"subject": {"namespaces": {}}, "ingress": []},
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def fake() -> Iterator[FakeKube]:
    objects = load_manifests([DATA]) + SECRET_AND_CONFIGMAP
    with FakeKube(objects) as server:
        yield server


@pytest.fixture
def kubeconfig(fake: FakeKube, tmp_path: Path) -> Path:
    return KubeconfigFactory(fake, tmp_path).write()


@pytest.fixture
def factory(fake: FakeKube, tmp_path: Path) -> KubeconfigFactory:
    return KubeconfigFactory(fake, tmp_path)


@dataclasses.dataclass
class Target:
    kubeconfig: str
    context: str | None
    fake: FakeKube | None
    secrets: list[str]


@pytest.fixture(params=["fake", "real"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """The fake server (token auth), or the real cluster named by $NETVIZ_TEST_KUBECONFIG."""
    if request.param == "real":
        path = os.environ.get(REAL_ENV)
        if not path:
            pytest.skip(f"no real cluster: set {REAL_ENV} to a kubeconfig to run this")
        yield Target(path, os.environ.get("NETVIZ_TEST_CONTEXT") or None, None, [])
        return
    with FakeKube(load_manifests([DATA]) + SECRET_AND_CONFIGMAP) as server:
        f = KubeconfigFactory(server, tmp_path)
        yield Target(str(f.write()), "token", server, f.secrets())


def _names(items: list[dict[str, Any]], kind: str) -> list[str]:
    return sorted(
        f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
        for o in items
        if o["kind"] == kind
    )


# --------------------------------------------------------------------------- happy paths


def test_snapshot_reads_every_kind_and_writes_a_loadable_file(
    target: Target, tmp_path: Path
) -> None:
    seen: list[tuple[str, int, str]] = []
    before = Path(target.kubeconfig).read_bytes()
    snap = C.take_snapshot(
        target.kubeconfig, target.context, progress=lambda *a: seen.append(a), page_size=50
    )
    out = tmp_path / "snap.yaml"
    size = C.write_snapshot(snap, out)
    assert size == out.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["apiVersion"] == "netviz.io/v1alpha1"
    assert doc["kind"] == "ClusterSnapshot"
    header = doc["header"]
    assert doc["metadata"] == {"name": header["context"]}
    assert header["netvizVersion"]
    assert header["namespaces"] == "all"
    assert header["takenAt"].endswith("Z") and "T" in header["takenAt"]
    assert header["server"].startswith("https://")
    listed = {entry["kind"] for entry in header["lists"]} | {g["kind"] for g in header["gaps"]}
    assert set(CORE_KINDS) <= listed
    for entry in header["lists"]:
        assert set(entry) == {"kind", "apiVersion", "resourceVersion", "count"}
        assert entry["resourceVersion"]
    for obj in doc["items"]:
        assert obj["apiVersion"] and obj["kind"] in {r.kind for r in C.RESOURCES}
        assert "managedFields" not in obj["metadata"]
        if obj["kind"] == "Pod":
            assert obj["status"]["phase"] not in ("Succeeded", "Failed")
    assert {o["kind"] for o in doc["items"]} <= {r.kind for r in C.RESOURCES}
    # progress: every core kind reported reading, then done or a gap
    finals = {k: s for k, _, s in seen if s == "done" or s.startswith("gap")}
    assert set(CORE_KINDS) <= set(finals)
    # the kubeconfig is never modified; credentials never reach the file
    assert Path(target.kubeconfig).read_bytes() == before
    text = out.read_text(encoding="utf-8")
    for secret in target.secrets:
        assert secret not in text


def test_snapshot_content_matches_the_server(fake: FakeKube, kubeconfig: Path) -> None:
    snap = C.take_snapshot(str(kubeconfig), "token", page_size=2)
    manifests = load_manifests([DATA])
    for kind in CORE_KINDS:
        expected = [
            o
            for o in manifests
            if o["kind"] == kind and o.get("status", {}).get("phase") != "Succeeded"
        ]
        assert _names(snap.items, kind) == _names(expected, kind), kind
    # objects as the API returned them: podIPs, ownerReferences, labels, server-set metadata
    pod = next(o for o in snap.items if o["metadata"]["name"] == "cart-58f7d9c8b4-l5d8m")
    assert list(pod)[:2] == ["apiVersion", "kind"]
    assert pod["status"]["podIPs"] == [{"ip": "10.244.1.11"}, {"ip": "fd00:10:244:1::b"}]
    assert pod["metadata"]["ownerReferences"][0]["name"] == "cart-58f7d9c8b4"
    assert pod["metadata"]["resourceVersion"] and pod["metadata"]["uid"]
    # the finished CronJob pod is left out, its Job is not
    assert "monitoring/report-28612345-x7v2q" not in _names(snap.items, "Pod")
    assert _names(snap.items, "Job") == ["monitoring/report-28612345"]
    # header: one list per kind, counts and the server's resourceVersion
    by_kind = {e["kind"]: e for e in snap.header["lists"]}
    assert by_kind["Pod"]["count"] == len(_names(snap.items, "Pod")) == 7
    assert by_kind["Pod"]["resourceVersion"] == fake.resource_version
    assert by_kind["NetworkPolicy"]["apiVersion"] == "networking.k8s.io/v1"
    assert snap.gaps == []


def test_never_reads_secrets_or_configmaps(fake: FakeKube, kubeconfig: Path) -> None:
    snap = C.take_snapshot(str(kubeconfig), "token")
    assert not {o["kind"] for o in snap.items} & {"Secret", "ConfigMap"}
    paths = [p for p, _, _ in fake.requests]
    assert not [p for p in paths if "secrets" in p or "configmaps" in p]
    with pytest.raises(AssertionError):
        conn = C._connect(str(kubeconfig), "token", 5)
        try:
            conn.get_json("/api/v1/secrets")
        finally:
            conn.close()


def test_paging_uses_limit_and_continue(fake: FakeKube, kubeconfig: Path) -> None:
    snap = C.take_snapshot(str(kubeconfig), "token", page_size=3)
    pod_requests = [q for p, q, _ in fake.requests if p == "/api/v1/pods"]
    assert all(q["limit"] == ["3"] for q in pod_requests)
    assert len(pod_requests) == 3  # 8 pods on the server (one finished): 3 + 3 + 2
    assert sum("continue" in q for q in pod_requests) == 2
    one_page = C.take_snapshot(str(kubeconfig), "token", page_size=500)
    assert _names(snap.items, "Pod") == _names(one_page.items, "Pod")


@pytest.mark.parametrize("context", ["token", "cert", "exec"])
def test_every_way_of_authenticating(
    fake: FakeKube, factory: KubeconfigFactory, context: str
) -> None:
    path = factory.write()
    before = path.read_bytes()
    snap = C.take_snapshot(str(path), context)
    assert snap.header["context"] == context
    assert len(_names(snap.items, "Pod")) == 7
    users = {u for _, _, u in fake.requests}
    assert users == {{"token": "alice", "cert": "bob", "exec": "exec-user"}[context]}
    assert path.read_bytes() == before  # exec/refresh never persists into the kubeconfig


def test_current_context_is_the_default(factory: KubeconfigFactory) -> None:
    path = factory.write(current="cert")
    assert C.list_contexts(str(path)) == (
        ["token", "cert", "exec", "bad-token", "unreachable", "wrong-ca"],
        "cert",
    )
    assert C.take_snapshot(str(path)).header["context"] == "cert"


def test_kubeconfig_from_environment(
    factory: KubeconfigFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(factory.write()))
    names, current = C.list_contexts(None)
    assert current == "token" and "exec" in names


def test_selected_namespaces(fake: FakeKube, kubeconfig: Path) -> None:
    snap = C.take_snapshot(str(kubeconfig), "token", ["payments", "shop"])
    assert snap.header["namespaces"] == ["payments", "shop"]
    namespaces = {o["metadata"].get("namespace") for o in snap.items if o["kind"] != "Namespace"}
    assert namespaces == {"payments", "shop"}
    assert _names(snap.items, "Namespace") == ["/payments", "/shop"]
    pod_lists = [e for e in snap.header["lists"] if e["kind"] == "Pod"]
    assert [(e["namespace"], e["count"]) for e in pod_lists] == [("payments", 3), ("shop", 3)]
    # namespaced paths only: a namespace-scoped user can take this snapshot
    assert "/api/v1/pods" not in [p for p, _, _ in fake.requests]


def test_admin_network_policies_when_served(fake: FakeKube, kubeconfig: Path) -> None:
    fake.add([ANP, BANP])
    snap = C.take_snapshot(str(kubeconfig), "token")
    assert _names(snap.items, "AdminNetworkPolicy") == ["/pass-monitoring"]
    assert _names(snap.items, "BaselineAdminNetworkPolicy") == ["/default"]
    anp = next(o for o in snap.items if o["kind"] == "AdminNetworkPolicy")
    assert anp["apiVersion"] == "policy.networking.k8s.io/v1alpha1"
    assert anp["spec"] == ANP["spec"]


def test_admin_network_policies_not_served(fake: FakeKube, kubeconfig: Path) -> None:
    fake.serve_anp = False
    seen: list[tuple[str, int, str]] = []
    snap = C.take_snapshot(str(kubeconfig), "token", progress=lambda *a: seen.append(a))
    assert ("AdminNetworkPolicy", 0, "not served") in seen
    assert snap.gaps == []  # not served is not a gap
    assert not [p for p, _, _ in fake.requests if "adminnetworkpolicies" in p]


CNP = {
    "apiVersion": "policy.networking.k8s.io/v1alpha2",
    "kind": "ClusterNetworkPolicy",
    "metadata": {"name": "deny-metadata", "annotations": {"note": "dropped"}},
    "spec": {"tier": "Admin", "priority": 3, "subject": {"namespaces": {}},
             "egress": [{"action": "Deny", "to": [{"networks": ["169.254.169.254/32"]},
                                                  {"nodes": {"matchLabels": {"role": "infra"}}}]}]},
}
NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "n1", "labels": {"role": "infra"}},
    "spec": {"podCIDR": "10.0.0.0/24", "taints": [{"key": "k", "effect": "NoSchedule"}]},
    "status": {"addresses": [{"type": "InternalIP", "address": "10.1.0.5"},
                             {"type": "Hostname", "address": "n1"}],
               "capacity": {"cpu": "4"}, "nodeInfo": {"kernelVersion": "6.1"}},
}


def test_cluster_network_policies_and_nodes_when_served(
    fake: FakeKube, kubeconfig: Path, tmp_path: Path
) -> None:
    fake.add([CNP, NODE])
    snap = C.take_snapshot(str(kubeconfig), "token")
    (cnp,) = [o for o in snap.items if o["kind"] == "ClusterNetworkPolicy"]
    assert cnp["apiVersion"] == "policy.networking.k8s.io/v1alpha2"
    assert cnp["spec"] == CNP["spec"] and "annotations" not in cnp["metadata"]
    (node,) = [o for o in snap.items if o["kind"] == "Node"]
    # slim: labels and addresses, no spec, nothing else of the status
    assert node["metadata"]["labels"] == {"role": "infra"} and "spec" not in node
    assert node["status"] == {"addresses": [{"type": "InternalIP", "address": "10.1.0.5"},
                                            {"type": "Hostname", "address": "n1"}]}
    # the snapshot opens with both evaluated
    from netviz.io.manifests import load_paths

    out = tmp_path / "snap.yaml"
    C.write_snapshot(snap, str(out))
    loaded = load_paths([str(out)])
    assert [p.key for p in loaded.cluster.cluster_policies] == ["ClusterNetworkPolicy/deny-metadata"]
    assert [(n.name, n.addresses) for n in loaded.cluster.nodes] == [("n1", ("10.1.0.5",))]


def test_cluster_network_policies_not_served(fake: FakeKube, kubeconfig: Path) -> None:
    fake.serve_cnp = False
    fake.serve_anp = False
    seen: list[tuple[str, int, str]] = []
    C.take_snapshot(str(kubeconfig), "token", progress=lambda *a: seen.append(a))
    assert ("ClusterNetworkPolicy", 0, "not served") in seen
    assert ("Node", 0, "not served") in seen  # nodes only matter to cluster policies
    assert not [p for p, _, _ in fake.requests if "clusternetworkpolicies" in p or "/nodes" in p]


def test_nodes_forbidden_is_a_gap(fake: FakeKube, kubeconfig: Path) -> None:
    fake.forbidden.add("nodes")
    snap = C.take_snapshot(str(kubeconfig), "token")
    assert [g["kind"] for g in snap.gaps] == ["Node"]


# --------------------------------------------------------------------------- errors


def test_401_bad_credentials(kubeconfig: Path) -> None:
    with pytest.raises(C.ClusterError) as info:
        C.take_snapshot(str(kubeconfig), "bad-token")
    assert info.value.reason == "unauthorized"
    assert "401" in str(info.value) and "'bad-token'" in str(info.value)


def test_unreachable_server(kubeconfig: Path) -> None:
    with pytest.raises(C.ClusterError) as info:
        C.take_snapshot(str(kubeconfig), "unreachable")
    assert info.value.reason == "unreachable"
    assert "cannot reach" in str(info.value) and "https://127.0.0.1:" in str(info.value)


def test_tls_failure(kubeconfig: Path) -> None:
    with pytest.raises(C.ClusterError) as info:
        C.take_snapshot(str(kubeconfig), "wrong-ca")
    assert info.value.reason == "tls"
    assert "certificate" in str(info.value).lower() and "'wrong-ca'" in str(info.value)


def test_timeout(fake: FakeKube, kubeconfig: Path) -> None:
    fake.delay = 2.0
    with pytest.raises(C.ClusterError) as info:
        C.take_snapshot(str(kubeconfig), "token", timeout=0.3)
    assert info.value.reason == "timeout"
    assert "timed out" in str(info.value)


def test_403_on_one_kind_is_a_gap(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> None:
    fake.forbidden.add("networkpolicies")
    seen: list[tuple[str, int, str]] = []
    snap = C.take_snapshot(str(kubeconfig), "token", progress=lambda *a: seen.append(a))
    assert [(g["kind"], "namespace" in g) for g in snap.gaps] == [("NetworkPolicy", False)]
    assert snap.gaps[0]["reason"].startswith("forbidden (403): networkpolicies is forbidden")
    assert not _names(snap.items, "NetworkPolicy")
    assert len(_names(snap.items, "Pod")) == 7  # everything else was read
    assert any(k == "NetworkPolicy" and s.startswith("gap: forbidden") for k, _, s in seen)
    out = tmp_path / "gap.yaml"
    C.write_snapshot(snap, out)
    assert yaml.safe_load(out.read_text())["header"]["gaps"] == snap.gaps


def test_403_in_one_namespace(fake: FakeKube, kubeconfig: Path) -> None:
    fake.forbidden.update({"pods@payments", "namespaces@payments"})
    snap = C.take_snapshot(str(kubeconfig), "token", ["shop", "payments"])
    assert [(g["kind"], g["namespace"]) for g in snap.gaps] == [
        ("Namespace", "payments"),
        ("Pod", "payments"),
    ]
    assert {o["metadata"]["namespace"] for o in snap.items if o["kind"] == "Pod"} == {"shop"}


def test_410_while_paging_restarts_the_list(fake: FakeKube, kubeconfig: Path) -> None:
    fake.expire_continue["pods"] = 2
    seen: list[tuple[str, int, str]] = []
    snap = C.take_snapshot(
        str(kubeconfig), "token", page_size=2, progress=lambda *a: seen.append(a)
    )
    assert snap.gaps == []
    assert len(_names(snap.items, "Pod")) == 7  # no duplicates from the restarted attempts
    assert len(snap.items) == len(
        {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in snap.items}
    )
    assert [s for k, _, s in seen if k == "Pod"].count("restarting") == 2
    firsts = [q for p, q, _ in fake.requests if p == "/api/v1/pods" and "continue" not in q]
    assert len(firsts) == 3


def test_410_that_keeps_expiring_becomes_a_gap(fake: FakeKube, kubeconfig: Path) -> None:
    fake.expire_continue["pods"] = 100
    snap = C.take_snapshot(str(kubeconfig), "token", page_size=2)
    assert [g["kind"] for g in snap.gaps] == ["Pod"]
    assert "410 Expired" in snap.gaps[0]["reason"]
    assert not _names(snap.items, "Pod")
    firsts = [q for p, q, _ in fake.requests if p == "/api/v1/pods" and "continue" not in q]
    assert len(firsts) == C.MAX_LIST_RESTARTS + 1


def test_kubeconfig_problems(tmp_path: Path, kubeconfig: Path) -> None:
    with pytest.raises(C.KubeconfigError, match="no kubeconfig found"):
        C.take_snapshot(str(tmp_path / "missing"))
    with pytest.raises(C.KubeconfigError, match="did you mean 'token'"):
        C.take_snapshot(str(kubeconfig), "tokn")
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    with pytest.raises(C.KubeconfigError, match="cannot read kubeconfig"):
        C.list_contexts(str(broken))


def test_cancel_between_pages(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> None:
    calls = {"n": 0}

    def progress(kind: str, n: int, status: str) -> None:
        if kind == "Pod" and n > 0:
            stop.set()

    stop = threading.Event()

    def cancel() -> bool:
        calls["n"] += 1
        return stop.is_set()

    with pytest.raises(C.SnapshotCancelled):
        C.take_snapshot(str(kubeconfig), "token", progress=progress, cancel=cancel, page_size=2)
    requested = [p for p, _, _ in fake.requests]
    assert requested.count("/api/v1/pods") == 1  # stopped after the first page
    assert "/apis/apps/v1/deployments" not in requested
    assert list(tmp_path.glob("*.yaml")) == []


def test_no_credentials_in_logs_or_messages(
    fake: FakeKube, factory: KubeconfigFactory, caplog: pytest.LogCaptureFixture
) -> None:
    path = factory.write()
    caplog.set_level(logging.DEBUG)
    messages = []
    for context in ("token", "cert", "exec", "bad-token"):
        try:
            C.take_snapshot(str(path), context)
        except C.ClusterError as exc:
            messages.append(str(exc))
    text = caplog.text + "\n".join(messages)
    assert "GET /api/v1/pods" in caplog.text  # the log is there, and it has paths only
    for secret in factory.secrets():
        assert secret not in text
    assert TOKEN not in text


# --------------------------------------------------------------------------- writing


def _small_snapshot() -> C.Snapshot:
    return C.Snapshot(
        header={"context": "ctx", "server": "https://x", "lists": [], "gaps": []},
        items=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "yes"}}],
    )


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt])
def test_atomic_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    target = tmp_path / "snap.yaml"
    target.write_text("old content\n")

    def broken_dump(document: dict[str, Any], stream: Any, style: str = "json") -> None:
        stream.write("apiVersion: netviz.io/v1alpha1\nkind: Clus")
        stream.flush()
        assert len(list(tmp_path.glob(".snap.yaml.*.tmp"))) == 1  # the temp file is real
        raise failure

    monkeypatch.setattr(C, "_dump", broken_dump)
    expected = C.SnapshotWriteError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        C.write_snapshot(_small_snapshot(), target)
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.yaml"]


def test_write_to_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(C.SnapshotWriteError, match="cannot write"):
        C.write_snapshot(_small_snapshot(), tmp_path / "nope" / "snap.yaml")
    with pytest.raises(C.SnapshotWriteError, match="does not exist"):
        C.check_writable(tmp_path / "nope" / "snap.yaml")
    with pytest.raises(C.SnapshotWriteError, match="is a directory"):
        C.check_writable(tmp_path)


def test_yaml_safe_load_round_trip_keeps_strings(tmp_path: Path) -> None:
    snap = _small_snapshot()
    snap.items[0]["metadata"]["labels"] = {"on": "yes", "v": "1.10", "t": "2024-01-01"}
    C.write_snapshot(snap, tmp_path / "s.yaml")
    doc = yaml.safe_load((tmp_path / "s.yaml").read_text())
    assert doc["items"] == snap.items


# --------------------------------------------------------------------------- CLI


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    from netviz.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_snapshot(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> None:
    fake.forbidden.add("services")
    out = tmp_path / "cluster.yaml"
    code, stdout, stderr = _run_cli(
        ["snapshot", "--kubeconfig", str(kubeconfig), "--context", "exec", "-o", str(out)]
    )
    assert code == 0, stderr
    assert out.exists()
    assert "Pod" in stderr and "gap" in stderr.lower()
    assert str(out) in stdout and "Service" in stdout and "forbidden" in stdout


def test_cli_namespaces_and_exit_codes(kubeconfig: Path, tmp_path: Path) -> None:
    out = tmp_path / "ns.yaml"
    code, _, stderr = _run_cli(
        ["snapshot", "--kubeconfig", str(kubeconfig), "-n", "shop", "payments", "-o", str(out)]
    )
    assert code == 0, stderr
    assert yaml.safe_load(out.read_text())["header"]["namespaces"] == ["shop", "payments"]

    code, _, stderr = _run_cli(
        ["snapshot", "--kubeconfig", str(kubeconfig), "--context", "bad-token", "-o", str(out)]
    )
    assert code == 4 and "401" in stderr
    code, _, stderr = _run_cli(
        ["snapshot", "--kubeconfig", str(kubeconfig), "-o", str(tmp_path / "no" / "x.yaml")]
    )
    assert code == 3 and "does not exist" in stderr


def test_cli_interrupt_leaves_no_file(
    kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_list_all = C._list_all

    def interrupted(conn: Any, res: C.Resource, *args: Any) -> Any:
        if res.kind == "Service":
            raise KeyboardInterrupt
        return real_list_all(conn, res, *args)

    monkeypatch.setattr(C, "_list_all", interrupted)
    out = tmp_path / "snap.yaml"
    code, _, stderr = _run_cli(["snapshot", "--kubeconfig", str(kubeconfig), "-o", str(out)])
    assert code == 130 and "nothing was written" in stderr
    assert not [p.name for p in tmp_path.iterdir() if "snap" in p.name]


# --------------------------------------------------------------------------- round trip


def _strip_sources(value: Any) -> Any:
    """A model object with every ``source`` (file/line) removed, for comparing loads."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: (None if f.name == "source" else _strip_sources(getattr(value, f.name)))
            for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_strip_sources(v) for v in value)
    return value


@pytest.fixture
def round_trip_snapshot(fake: FakeKube, kubeconfig: Path, tmp_path: Path) -> Path:
    out = tmp_path / "snapshot.yaml"
    C.write_snapshot(C.take_snapshot(str(kubeconfig), "token", page_size=4), out)
    return out


def test_round_trip_load_paths(round_trip_snapshot: Path) -> None:
    from netviz.io.manifests import load_paths

    from_snapshot = load_paths([str(round_trip_snapshot)])
    from_manifests = load_paths([str(DATA)])
    a, b = from_snapshot.cluster, from_manifests.cluster
    assert a.pods, "the snapshot loaded no pods"
    # a snapshot leaves finished pods out (the manifests keep one Succeeded Job pod, which
    # netviz analyses as written): compare with the manifests as a live read would see them
    assert any(p.phase == "Succeeded" for p in b.pods)
    live = assemble_cluster(
        namespaces=b.namespaces,
        pods=[p for p in b.pods if p.phase not in ("Succeeded", "Failed") and not p.synthetic],
        workloads=b.workloads,
        services=b.services,
        policies=b.policies,
    )
    assert _strip_sources(a) == _strip_sources(live)
    assert from_snapshot.snapshot is not None
    errors = [d for d in from_snapshot.diagnostics if str(d.severity) == "error"]
    assert errors == []


@pytest.mark.parametrize("options", [[], ["--ipblock-matches-pod-ips"]], ids=["default", "pod-ips"])
def test_round_trip_netviz_list(round_trip_snapshot: Path, options: list[str]) -> None:
    code_a, out_a, err_a = _run_cli(["list", *options, str(round_trip_snapshot)])
    code_b, out_b, err_b = _run_cli(["list", *options, str(DATA)])
    assert code_a == code_b == 0, (err_a, err_b)
    assert out_a == out_b
    assert out_a.strip()


# --------------------------------------------------------------------------- the emitter

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(
        [
            "",
            "yes",
            "No",
            "ON",
            "null",
            "~",
            "y",
            "0755",
            "0x1F",
            "1_000",
            "12:30:01",
            "1e3",
            ".inf",
            "-.5",
            "2024-01-01",
            "a: b",
            "- x",
            "#c",
            "&a",
            "*a",
            "!t",
            "%d",
            "@x",
            "'q'",
            '"q"',
            "a\nb",
            "\x85",
            "\u2028",
            "\x7f",
            "\ufeff",
            "k" * 1100,
            "<<",
            "=",
        ]
    )
)
_json = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text() | _json_scalars.filter(lambda v: isinstance(v, str)), children, max_size=4
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _json, max_size=5))
def test_dump_yaml_reads_back_equal(document: dict[str, Any]) -> None:
    assert yaml.safe_load(C.dump_yaml(document)) == document


def test_dump_yaml_looks_like_kubectl() -> None:
    text = C.dump_yaml(
        {
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"ports": [{"port": 80, "protocol": "TCP"}], "ip": "10.0.0.1"},
        }
    )
    assert text == (
        "metadata:\n"
        "  name: web\n"
        "  labels:\n"
        "    app.kubernetes.io/name: web\n"
        "spec:\n"
        "  ports:\n"
        "  - port: 80\n"
        "    protocol: TCP\n"
        '  ip: "10.0.0.1"\n'
    )


@pytest.mark.parametrize("style", ["json", "yaml"])
def test_both_styles_are_yaml_and_load_the_same(tmp_path: Path, style: str) -> None:
    from netviz.io.manifests import load_paths

    target = tmp_path / f"snap-{style}.yaml"
    C.write_snapshot(_small_snapshot(), target, style=style)
    text = target.read_text()
    assert text.lstrip().startswith("{") == (style == "json")
    doc = yaml.safe_load(text)  # JSON syntax is YAML too
    assert doc["kind"] == "ClusterSnapshot" and doc["items"][0]["metadata"]["name"] == "yes"
    res = load_paths([str(target)])
    assert [n.name for n in res.cluster.namespaces] == ["yes"]
    assert res.snapshot is not None and res.snapshot["context"] == "ctx"


EDGE = [
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "shop", "namespace": "shop", "annotations": {"a": "dropped"}},
     "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
         {"path": "/", "pathType": "Prefix",
          "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
     "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}},
    {"apiVersion": "route.openshift.io/v1", "kind": "Route",
     "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"to": {"kind": "Service", "name": "web"}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bank", "namespace": "shop"},
     "spec": {"ports": [{"port": 443}]}},
    # written by hand for the selector-less Service: kept
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "bank-1", "namespace": "shop",
                  "labels": {"kubernetes.io/service-name": "bank"}},
     "addressType": "IPv4",
     "endpoints": [{"addresses": ["198.51.100.7"], "conditions": {"ready": True},
                    "hostname": "dropped", "nodeName": "dropped"}],
     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "appProtocol": "https"}]},
    # the controller's, for a Service with a selector: left out of a slim snapshot
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"name": "web-abc", "namespace": "shop",
                  "labels": {"kubernetes.io/service-name": "web",
                             "endpointslice.kubernetes.io/managed-by":
                                 "endpointslice-controller.k8s.io"}},
     "addressType": "IPv4",
     "endpoints": [{"addresses": ["10.0.0.5"], "targetRef": {"kind": "Pod", "name": "web-1",
                                                             "namespace": "shop", "uid": "u"}}],
     "ports": [{"port": 8080}]},
    # Endpoints are never read (the cluster mirrors them into EndpointSlices)
    {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "bank", "namespace": "shop"},
     "subsets": [{"addresses": [{"ip": "198.51.100.7"}], "ports": [{"port": 443}]}]},
]


def test_ingresses_routes_and_endpoint_slices(fake: FakeKube, kubeconfig: Path,
                                              tmp_path: Path) -> None:
    fake.add(EDGE)
    snap = C.take_snapshot(str(kubeconfig), "token")
    kinds = [o["kind"] for o in snap.items]
    assert "Route" not in kinds  # not served: a plain Kubernetes cluster
    assert not [p for p, _, _ in fake.requests if "/routes" in p or "/endpoints?" in p
                or p.endswith("/endpoints")]
    (ing,) = [o for o in snap.items if o["kind"] == "Ingress"]
    assert ing["spec"] == EDGE[0]["spec"] and "annotations" not in ing["metadata"]
    assert "status" not in ing
    (eps,) = [o for o in snap.items if o["kind"] == "EndpointSlice"]
    assert eps["metadata"]["name"] == "bank-1"
    assert eps["endpoints"] == [{"addresses": ["198.51.100.7"], "conditions": {"ready": True}}]
    assert eps["ports"] == [{"name": "https", "port": 443, "protocol": "TCP"}]
    assert eps["addressType"] == "IPv4"

    fake.serve_routes = True
    snap = C.take_snapshot(str(kubeconfig), "token", full=True)
    by_kind: dict[str, list[str]] = {}
    for o in snap.items:
        by_kind.setdefault(o["kind"], []).append(o["metadata"]["name"])
    assert by_kind["Route"] == ["web"]
    assert sorted(by_kind["EndpointSlice"]) == ["bank-1", "web-abc"]  # --full keeps them all
    # the snapshot opens with the Ingress, the Route and where the Service leads
    from netviz.engine import Analyzer
    from netviz.engine.outside import analyze_outside
    from netviz.io.manifests import load_paths

    out = tmp_path / "snap.yaml"
    C.write_snapshot(snap, str(out))
    loaded = load_paths([str(out)])
    assert sorted(i.key for i in loaded.cluster.ingresses) == ["shop/shop", "shop/web"]
    oa = analyze_outside(Analyzer(loaded.cluster))
    assert [(d.service.name, d.name, str(d.ports)) for d in oa.destinations] == [
        ("bank", "198.51.100.7/32", "TCP 443")]

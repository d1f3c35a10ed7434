"""Loading in two runs (``load_paths(..., halves=...)``, the second run in a forked child in a
one-shot command) gives exactly the result of loading in one: the same cluster, diagnostics
(order, text, lines), documents, files, stamps, snapshot and enforcement.

The second run crosses as a pickle (as it does from the child), and the file list is split
before and after each file of interest, so that a duplicate object, a duplicate List item, a second snapshot or a
network plugin's DaemonSet falls on either side of it."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netviz.io.manifests import load_paths
from netviz.model.loaded import LoadResult

DATA = Path(__file__).resolve().parents[1] / "data"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop, labels: {{app: web}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: c, ports: [{{containerPort: 80}}]}}]}}
"""

LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec: {selector: {app: web}, ports: [{port: 80, targetPort: "8O"}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    selector: {matchLabels: {app: web}}
    template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}
"""

SNAPSHOT = """\
apiVersion: netviz.io/v1alpha1
kind: ClusterSnapshot
metadata: {{name: {name}}}
header:
  context: {name}
  takenAt: "2026-01-02T03:04:05Z"
  lists: []
  gaps: [{{kind: Pod, namespace: shop, reason: forbidden}}]
items:
- {{apiVersion: v1, kind: Namespace, metadata: {{name: shop}}}}
- {{apiVersion: v1, kind: Service, metadata: {{name: web, namespace: shop}},
   spec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}}}
"""

CALICO = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata: {labels: {k8s-app: calico-node}}
    spec: {containers: [{name: calico-node, image: calico/node:v3.27.0}]}
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("halves")
    for sub in ("broken", "manifests", "snapshot_manifests"):
        shutil.copytree(DATA / sub, root / sub)
    (root / "a-web.yaml").write_text(DEPLOYMENT.format(replicas=2))
    (root / "m-snap.yaml").write_text(SNAPSHOT.format(name="one"))
    (root / "m-calico.yaml").write_text(CALICO)
    (root / "z-list.yaml").write_text(LIST)
    (root / "z-snap.yaml").write_text(SNAPSHOT.format(name="two"))
    (root / "z-web.yaml").write_text("---\n" + DEPLOYMENT.format(replicas=-1))
    return root


def _pickled(n: int, work: Callable[[int, int], Any], k: int) -> list[Any]:
    """``forked.halves``' contract, the second half made whole again from a pickle."""
    first = work(0, k)
    return [first, pickle.loads(pickle.dumps(work(k, n), protocol=pickle.HIGHEST_PROTOCOL))]


def _same(a: LoadResult, b: LoadResult) -> None:
    assert a.diagnostics == b.diagnostics
    assert a.documents == b.documents
    assert a.files == b.files
    assert list(a.stamps.items()) == list(b.stamps.items())
    assert a.snapshot == b.snapshot
    assert a.enforcement == b.enforcement
    assert repr(a.cluster) == repr(b.cluster)


@pytest.mark.parametrize("second_snapshot", [False, True])
def test_every_split_loads_the_same(inputs: Path, second_snapshot: bool) -> None:
    files = [str(p) for p in sorted(inputs.rglob("*"))
             if p.is_file() and (second_snapshot or p.name != "z-snap.yaml")]
    whole = load_paths(files)
    codes = {d.code for d in whole.diagnostics}
    # the cases this test is about are in the input
    assert {"duplicate-object", "snapshot-gap"} <= codes
    assert ("snapshot-several" in codes) is second_snapshot
    assert any(d.code == "duplicate-object" and d.message.startswith("items[")
               for d in whole.diagnostics)
    assert whole.enforcement is not None
    n = len(whole.files)
    assert n > 10
    # a split just before and just after each file this test is about, and a few others
    names = [Path(f).name for f in whole.files]
    special = [i for i, f in enumerate(names) if f[:2] in ("a-", "m-", "z-")]
    for k in sorted({1, n // 3, n // 2, n - 1} | {i + d for i in special for d in (0, 1)}
                    - {0, n}):
        got = load_paths(files, halves=lambda n, work, split, k=k: _pickled(n, work, k))
        _same(whole, got)


def test_the_split_is_by_bytes(inputs: Path) -> None:
    """Without a split of its own, ``halves`` gets one that halves the bytes to read."""
    seen: list[tuple[int, int]] = []

    def halves(n: int, work: Callable[[int, int], Any], split: int) -> list[Any]:
        seen.append((n, split))
        return _pickled(n, work, split)

    files = [str(p) for p in sorted(inputs.rglob("*")) if p.is_file()]
    got = load_paths(files, halves=halves)
    _same(load_paths(files), got)
    (n, split), = seen
    sizes = [Path(f).stat().st_size for f in files]
    assert 0 < split < n
    assert abs(sum(sizes[:split]) - sum(sizes[split:])) <= max(sizes)


def test_not_split_when_it_cannot_be(inputs: Path, tmp_path: Path) -> None:
    """One file, progress or cancel: no second run."""
    def halves(n: int, work: Callable[[int, int], Any], split: int) -> list[Any]:
        raise AssertionError("halves must not be used")

    one = str(inputs / "a-web.yaml")
    assert load_paths([one], halves=halves).cluster.workloads
    assert load_paths([str(inputs)], halves=halves, progress=lambda *a: None).files
    assert load_paths([str(inputs)], halves=halves, cancel=lambda: False).files

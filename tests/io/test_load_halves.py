"""Loading in two processes (``load_paths(..., halves=...)``, files shared out between this
process and a forked child in a one-shot command) gives exactly the result of loading in one:
the same cluster, diagnostics (order, text, lines), documents, files, stamps, snapshot and
enforcement.

The files read elsewhere cross as a pickle (as they do from the child), and they are shared
out in several ways, so that a duplicate object, a duplicate List item, a second snapshot or
a network plugin's DaemonSet is read by either process, or read again here (a child that
died)."""

from __future__ import annotations

import pickle
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netviz.io.manifests import DEFAULT_MAX_FILE_BYTES, _Load, _merge, _read_part, load_paths
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


def _pickled(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _in_order(n: int, work: Callable[[int, int], Any], split: int) -> list[Any]:
    """``forked.halves``' contract, the second half made whole again from a pickle."""
    first = work(0, split)
    return [first, _pickled(work(split, n))]


def _child_first(n: int, work: Callable[[int, int], Any], split: int) -> list[Any]:
    """As if the child had taken every file before this process looked at the queue."""
    second = _pickled(work(split, n))
    return [work(0, split), second]


def _same(a: LoadResult, b: LoadResult) -> None:
    assert a.diagnostics == b.diagnostics
    assert a.documents == b.documents
    assert a.files == b.files
    assert list(a.stamps.items()) == list(b.stamps.items())
    assert a.snapshot == b.snapshot
    assert a.enforcement == b.enforcement
    # equality, not repr: a frozenset (policyTypes) rebuilt from a pickle may list its members
    # in another order under some hash seeds (PYTHONHASHSEED=37 did), and it is the same set
    assert a.cluster == b.cluster


def _files(inputs: Path, second_snapshot: bool) -> list[str]:
    return [str(p) for p in sorted(inputs.rglob("*"))
            if p.is_file() and (second_snapshot or p.name != "z-snap.yaml")]


@pytest.mark.parametrize("second_snapshot", [False, True])
def test_any_share_of_the_files_loads_the_same(inputs: Path, second_snapshot: bool) -> None:
    """Whichever process reads which file (or none: a child that died), the parts replayed
    in file order give the result of one load."""
    files = _files(inputs, second_snapshot)
    whole = load_paths(files)
    codes = {d.code for d in whole.diagnostics}
    # the cases this test is about are in the input
    assert {"duplicate-object", "snapshot-gap"} <= codes
    assert ("snapshot-several" in codes) is second_snapshot
    assert any(d.code == "duplicate-object" and d.message.startswith("items[")
               for d in whole.diagnostics)
    assert whole.enforcement is not None
    n = len(files)
    assert n > 10
    rng = random.Random(8)
    shares = [set(range(n)), set(), set(range(0, n, 2))]
    shares += [{i for i in range(n) if rng.random() < 0.7} for _ in range(4)]
    for share in shares:
        load = _Load()
        load.total_files = n
        _merge(load, files, DEFAULT_MAX_FILE_BYTES,
               {i: _pickled(_read_part(files[i], DEFAULT_MAX_FILE_BYTES)) for i in share})
        _same(whole, load.result())


@pytest.mark.parametrize("halves", [_in_order, _child_first])
def test_load_paths_with_halves(inputs: Path, halves: Callable[..., list[Any]]) -> None:
    files = _files(inputs, True)
    calls: list[int] = []
    got = load_paths(files, halves=halves, meanwhile=lambda: calls.append(1))
    _same(load_paths(files), got)
    assert calls == [1]


def test_not_split_when_it_cannot_be(inputs: Path, tmp_path: Path) -> None:
    """One file, progress or cancel: no second run."""
    def halves(n: int, work: Callable[[int, int], Any], split: int) -> list[Any]:
        raise AssertionError("halves must not be used")

    one = str(inputs / "a-web.yaml")
    assert load_paths([one], halves=halves).cluster.workloads
    assert load_paths([str(inputs)], halves=halves, progress=lambda *a: None).files
    assert load_paths([str(inputs)], halves=halves, cancel=lambda: False).files

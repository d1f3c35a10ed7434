"""A Service's backends (``GraphModel.service_backends``) are the workloads of its namespace
with a pod that has every label of its selector: the model finds them from an index of the
pods' labels; here against the plain test of every pod, on random pods and selectors."""

from __future__ import annotations

import random

import pytest
import yaml

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_text
from netviz.model.keys import service_key
from netviz.viewmodel.graph import GraphModel


def _random_cluster(seed: int) -> str:
    rnd = random.Random(seed)
    docs: list[dict] = []
    keys, values = ["app", "tier", "team"], ["a", "b", "c"]
    for ns in ("n0", "n1"):
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        for i in range(rnd.randint(0, 12)):
            labels = {k: rnd.choice(values) for k in keys if rnd.random() < 0.7}
            docs.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": f"p{i}", "namespace": ns, "labels": labels},
                         "spec": {"containers": [{"name": "c", "image": "x"}]}})
        for i in range(rnd.randint(0, 6)):
            sel = {k: rnd.choice(values) for k in keys if rnd.random() < 0.5}
            spec: dict = {"ports": [{"port": 80}]}
            if sel or rnd.random() < 0.5:
                spec["selector"] = sel
            docs.append({"apiVersion": "v1", "kind": "Service",
                         "metadata": {"name": f"s{i}", "namespace": ns}, "spec": spec})
    return yaml.safe_dump_all(docs)


@pytest.mark.parametrize("seed", range(8))
def test_backends_are_the_workloads_with_a_matching_pod(seed: int) -> None:
    cluster = load_text(_random_cluster(seed), "random.yaml").cluster
    an = Analyzer(cluster)
    model = GraphModel(cluster, connlist(an), an)
    for svc in cluster.services:
        want: list[str] = []
        if svc.selector:
            for key in sorted(model.pods_of):
                if key.split("/", 1)[0] == svc.namespace and any(
                        all(p.labels.get(k) == v for k, v in svc.selector.items())
                        for p in model.pods_of[key]):
                    want.append(key)
        assert list(model.service_backends[service_key(svc.key)]) == want, svc.key

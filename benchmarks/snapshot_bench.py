"""Time a snapshot end to end against the fake API server (tests/fakekube).

The server holds 5,000 running pods (realistic bodies: ownerReferences, managedFields,
containers, conditions, podIPs) in 50 namespaces, their Deployments and ReplicaSets,
a Service per Deployment and 500 NetworkPolicies. The figure covers TLS, paging
(500 per page), JSON parsing, cleaning and writing the YAML file atomically.

    .venv/bin/python benchmarks/snapshot_bench.py [--pods 5000] [--repeat 3]

Target: under 10 s for 5,000 pods.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakekube import FakeKube, KubeconfigFactory

from netviz.io import cluster

NAMESPACES = 50
PODS_PER_DEPLOYMENT = 5


def _managed_fields() -> list[dict[str, Any]]:
    return [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-05-01T12:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}},
                "f:spec": {"f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}}}},
            },
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-05-01T12:00:05Z",
            "fieldsType": "FieldsV1",
            "subresource": "status",
            "fieldsV1": {"f:status": {"f:conditions": {}, "f:podIP": {}, "f:podIPs": {}}},
        },
    ]


def make_objects(pods: int, policies: int = 500) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = []
    deployments = max(1, pods // PODS_PER_DEPLOYMENT)
    for n in range(NAMESPACES):
        objs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": f"team-{n:02d}", "labels": {"team": f"t{n % 7}"}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        )
    made = 0
    for d in range(deployments):
        ns = f"team-{d % NAMESPACES:02d}"
        app = f"svc-{d:04d}"
        rs = f"{app}-5d8f7c9b4"
        labels = {"app": app, "tier": ("web", "api", "data")[d % 3]}
        container = {
            "name": "app",
            "image": f"registry.example.com/{app}:1.{d % 17}.3",
            "ports": [
                {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
            ],
            "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "APP", "value": app}],
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "1", "memory": "512Mi"},
            },
            "volumeMounts": [
                {
                    "name": "kube-api-access",
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    "readOnly": True,
                }
            ],
            "terminationMessagePath": "/dev/termination-log",
            "imagePullPolicy": "IfNotPresent",
        }
        template = {"metadata": {"labels": labels}, "spec": {"containers": [container]}}
        objs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": app, "namespace": ns, "labels": {"app": app}},
                "spec": {
                    "replicas": PODS_PER_DEPLOYMENT,
                    "selector": {"matchLabels": {"app": app}},
                    "template": template,
                },
                "status": {"replicas": PODS_PER_DEPLOYMENT, "readyReplicas": PODS_PER_DEPLOYMENT},
            }
        )
        objs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": rs,
                    "namespace": ns,
                    "ownerReferences": [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": app,
                            "uid": f"00000000-0000-4000-8000-{d:012d}",
                            "controller": True,
                        }
                    ],
                },
                "spec": {"replicas": PODS_PER_DEPLOYMENT, "template": template},
            }
        )
        objs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": app, "namespace": ns},
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": f"10.96.{d // 250}.{d % 250 + 1}",
                    "selector": {"app": app},
                    "ports": [
                        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
                    ],
                },
            }
        )
        for r in range(PODS_PER_DEPLOYMENT):
            if made >= pods:
                break
            ip = f"10.{64 + made // 65536}.{made // 256 % 256}.{made % 256}"
            objs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{rs}-{r:05d}",
                        "namespace": ns,
                        "labels": {**labels, "pod-template-hash": "5d8f7c9b4"},
                        "annotations": {"prometheus.io/scrape": "true"},
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "ReplicaSet",
                                "name": rs,
                                "uid": f"00000000-0000-4000-9000-{d:012d}",
                                "controller": True,
                                "blockOwnerDeletion": True,
                            }
                        ],
                        "managedFields": _managed_fields(),
                    },
                    "spec": {
                        "containers": [container],
                        "nodeName": f"node-{made % 40}",
                        "serviceAccountName": "default",
                        "restartPolicy": "Always",
                        "dnsPolicy": "ClusterFirst",
                    },
                    "status": {
                        "phase": "Running",
                        "hostIP": f"192.168.0.{made % 40}",
                        "podIP": ip,
                        "podIPs": [{"ip": ip}],
                        "startTime": "2024-05-01T12:00:05Z",
                        "conditions": [
                            {
                                "type": t,
                                "status": "True",
                                "lastTransitionTime": "2024-05-01T12:00:06Z",
                            }
                            for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                        ],
                        "containerStatuses": [
                            {
                                "name": "app",
                                "ready": True,
                                "restartCount": 0,
                                "image": container["image"],
                                "started": True,
                                "state": {"running": {"startedAt": "2024-05-01T12:00:06Z"}},
                            }
                        ],
                    },
                }
            )
            made += 1
    for p in range(policies):
        ns = f"team-{p % NAMESPACES:02d}"
        objs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"allow-{p:04d}", "namespace": ns},
                "spec": {
                    "podSelector": {"matchLabels": {"app": f"svc-{p % deployments:04d}"}},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespaceSelector": {"matchLabels": {"team": f"t{p % 7}"}},
                                    "podSelector": {"matchLabels": {"tier": "web"}},
                                }
                            ],
                            "ports": [{"protocol": "TCP", "port": "http"}],
                        }
                    ],
                },
            }
        )
    return objs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    objects = make_objects(args.pods)
    with tempfile.TemporaryDirectory() as tmp, FakeKube(objects) as fake:
        kubeconfig = KubeconfigFactory(fake, Path(tmp)).write()
        out = Path(tmp) / "snapshot.yaml"
        print(
            f"fake server: {len(objects)} objects ({args.pods} pods), Python {sys.version.split()[0]}"
        )
        times = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            snap = cluster.take_snapshot(str(kubeconfig), "token")
            t1 = time.perf_counter()
            cluster.write_snapshot(snap, out)
            t2 = time.perf_counter()
            times.append(t2 - t0)
            print(
                f"run {i + 1}: {t2 - t0:.2f} s  (read {t1 - t0:.2f} s, write {t2 - t1:.2f} s), "
                f"{len(snap.items)} objects, {out.stat().st_size / 1e6:.1f} MB"
            )
        print(f"best {min(times):.2f} s; target < 10 s: {'OK' if min(times) < 10 else 'SLOW'}")
        from netviz.io.manifests import load_paths

        for style in ("json", "yaml"):
            cluster.write_snapshot(snap, out, style=style)
            t0 = time.perf_counter()
            res = load_paths([str(out)])
            print(
                f"open with netviz ({style}, {out.stat().st_size / 1e6:.1f} MB): "
                f"{time.perf_counter() - t0:.2f} s, {len(res.cluster.pods)} pods"
            )


if __name__ == "__main__":
    main()

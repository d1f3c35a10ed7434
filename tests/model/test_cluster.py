"""assemble_cluster: namespaces, owner chains, synthetic pods, dropped pods."""

from __future__ import annotations

from netviz.model import (
    ContainerPort,
    Namespace,
    NetworkPolicy,
    Pod,
    Service,
    Workload,
    assemble_cluster,
)
from netviz.model.cluster import MAX_SYNTHETIC_REPLICAS
from netviz.model.objects import NAMESPACE_NAME_LABEL


def pods_by_key(cluster):  # type: ignore[no-untyped-def]
    return {p.key: p for p in cluster.pods}


# --------------------------------------------------------------------------- namespaces


def test_implicit_namespaces_for_everything_referenced() -> None:
    c = assemble_cluster(
        namespaces=[Namespace("a", {"team": "x"})],
        pods=[Pod("b", "p")],
        workloads=[Workload("Deployment", "c", "d")],
        services=[Service("d", "s")],
        policies=[NetworkPolicy("e", "np")],
    )
    assert [ns.name for ns in c.namespaces] == ["a", "b", "c", "d", "e"]
    assert not c.namespace("a").implicit  # type: ignore[union-attr]
    for name in "bcde":
        ns = c.namespace(name)
        assert ns is not None and ns.implicit
        assert ns.labels == {NAMESPACE_NAME_LABEL: name}
    assert c.namespace("nope") is None


def test_metadata_name_label_added_and_overrides() -> None:
    c = assemble_cluster(
        namespaces=[
            Namespace("a", {"team": "x"}),
            Namespace("b", {NAMESPACE_NAME_LABEL: "wrong", "k": "v"}),
        ]
    )
    assert c.namespace("a").labels == {"team": "x", NAMESPACE_NAME_LABEL: "a"}  # type: ignore[union-attr]
    assert c.namespace("b").labels == {NAMESPACE_NAME_LABEL: "b", "k": "v"}  # type: ignore[union-attr]


def test_input_namespace_not_mutated() -> None:
    ns = Namespace("a", {"team": "x"})
    assemble_cluster(namespaces=[ns])
    assert ns.labels == {"team": "x"}


# --------------------------------------------------------------------------- owners


def test_pod_of_replicaset_of_deployment_belongs_to_deployment() -> None:
    c = assemble_cluster(
        workloads=[
            Workload("Deployment", "ns", "web", {"app": "web"}),
            Workload("ReplicaSet", "ns", "web-5d8f", {"app": "web"}, owner=("Deployment", "web")),
        ],
        pods=[Pod("ns", "web-5d8f-abc", {"app": "web"}, owner=("ReplicaSet", "web-5d8f"))],
    )
    assert [p.key for p in c.pods] == ["ns/web-5d8f-abc"]  # no synthetic pods: real ones exist
    assert c.pods[0].workload_key == "ns/web[Deployment]"
    assert not c.pods[0].synthetic


def test_pod_of_unloaded_replicaset_keeps_replicaset_name() -> None:
    c = assemble_cluster(pods=[Pod("ns", "web-5d8f-abc", owner=("ReplicaSet", "web-5d8f"))])
    assert c.pods[0].workload_key == "ns/web-5d8f[ReplicaSet]"


def test_job_of_cronjob() -> None:
    c = assemble_cluster(
        workloads=[
            Workload("CronJob", "ns", "backup"),
            Workload("Job", "ns", "backup-123", owner=("CronJob", "backup")),
        ],
        pods=[Pod("ns", "backup-123-x", owner=("Job", "backup-123"))],
    )
    assert [p.workload_key for p in c.pods] == ["ns/backup[CronJob]"]


def test_owner_in_other_namespace_is_not_followed() -> None:
    c = assemble_cluster(
        workloads=[Workload("ReplicaSet", "other", "rs", owner=("Deployment", "d")),
                   Workload("Deployment", "other", "d")],
        pods=[Pod("ns", "p", owner=("ReplicaSet", "rs"))],
    )
    assert pods_by_key(c)["ns/p"].workload_key == "ns/rs[ReplicaSet]"


def test_non_workload_owner_is_bare_pod() -> None:
    c = assemble_cluster(pods=[Pod("kube-system", "etcd-node1", owner=("Node", "node1")), Pod("ns", "bare")])
    assert {p.key: p.workload_key for p in c.pods} == {
        "kube-system/etcd-node1": "kube-system/etcd-node1[Pod]",
        "ns/bare": "ns/bare[Pod]",
    }


def test_owner_cycle_terminates() -> None:
    c = assemble_cluster(
        workloads=[
            Workload("ReplicaSet", "ns", "a", owner=("Deployment", "b")),
            Workload("Deployment", "ns", "b", owner=("ReplicaSet", "a")),
        ],
        pods=[Pod("ns", "p", owner=("ReplicaSet", "a"))],
    )
    assert pods_by_key(c)["ns/p"].workload_key in ("ns/a[ReplicaSet]", "ns/b[Deployment]")


# --------------------------------------------------------------------------- synthetic pods


def test_synthetic_pods_from_template() -> None:
    ports = (ContainerPort(80, "http"),)
    c = assemble_cluster(
        workloads=[
            Workload("Deployment", "ns", "web", {"app": "web"}, ports, replicas=3, host_network=True),
            Workload("StatefulSet", "ns", "db", replicas=0),
        ]
    )
    by = pods_by_key(c)
    assert sorted(by) == ["ns/db-0", "ns/web-0", "ns/web-1", "ns/web-2"]  # replicas 0 -> 1 pod
    web = by["ns/web-1"]
    assert web.synthetic
    assert web.labels == {"app": "web"}
    assert web.ports == ports
    assert web.host_network
    assert web.owner == ("Deployment", "web")
    assert web.workload_key == "ns/web[Deployment]"
    assert by["ns/db-0"].workload_key == "ns/db[StatefulSet]"


def test_synthetic_pods_capped() -> None:
    c = assemble_cluster(workloads=[Workload("Deployment", "ns", "big", replicas=10_000)])
    assert len(c.pods) == MAX_SYNTHETIC_REPLICAS


def test_owned_workload_gets_no_pods_of_its_own() -> None:
    c = assemble_cluster(
        workloads=[
            Workload("Deployment", "ns", "web", replicas=2),
            Workload("ReplicaSet", "ns", "web-1", replicas=5, owner=("Deployment", "web")),
        ]
    )
    assert [p.workload_key for p in c.pods] == ["ns/web[Deployment]"] * 2


def test_replicaset_whose_owner_is_not_loaded_gets_pods() -> None:
    c = assemble_cluster(workloads=[Workload("ReplicaSet", "ns", "rs", owner=("Deployment", "gone"))])
    assert [p.workload_key for p in c.pods] == ["ns/rs[ReplicaSet]"]


def test_workload_with_real_pods_gets_no_synthetic_ones() -> None:
    c = assemble_cluster(
        workloads=[Workload("DaemonSet", "ns", "agent", replicas=4)],
        pods=[Pod("ns", "agent-x", owner=("DaemonSet", "agent"))],
    )
    assert [p.key for p in c.pods] == ["ns/agent-x"]


# --------------------------------------------------------------------------- phases, order


def test_finished_pods_kept_as_written() -> None:
    """Manifests are analysed as written (the reference keeps finished pods); snapshots leave
    finished pods out when they are taken (netviz.io.cluster)."""
    c = assemble_cluster(
        pods=[
            Pod("ns", "done", phase="Succeeded"),
            Pod("ns", "running", phase="Running"),
            Pod("ns", "manifest"),
        ]
    )
    assert [p.key for p in c.pods] == ["ns/done", "ns/manifest", "ns/running"]


def test_owner_without_kind_groups_pods_by_owner_name() -> None:
    c = assemble_cluster(
        pods=[Pod("ns", "a", owner=("", "sec")), Pod("ns", "b", owner=("", "sec")), Pod("ns", "c")]
    )
    assert [p.workload_key for p in c.pods] == ["ns/sec[Pod]", "ns/sec[Pod]", "ns/c[Pod]"]


def test_everything_sorted() -> None:
    c = assemble_cluster(
        pods=[Pod("b", "z"), Pod("a", "y"), Pod("b", "a")],
        services=[Service("b", "s"), Service("a", "t")],
        policies=[NetworkPolicy("b", "p"), NetworkPolicy("a", "q")],
        workloads=[Workload("Job", "b", "w"), Workload("Deployment", "a", "w")],
    )
    assert [p.key for p in c.pods] == ["a/w-0", "a/y", "b/a", "b/w-0", "b/z"]
    assert [s.key for s in c.services] == ["a/t", "b/s"]
    assert [p.key for p in c.policies] == ["a/q", "b/p"]
    assert [w.key for w in c.workloads] == ["a/w[Deployment]", "b/w[Job]"]

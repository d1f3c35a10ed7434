"""Resolve loaded objects into a consistent ``Cluster``.

Decisions (also in docs/semantics.md):
- Every namespace that a pod, workload, Service, policy, Ingress or Route lives in exists;
  missing ones are created (``implicit=True``). Every namespace carries ``kubernetes.io/metadata.name=<name>``,
  as the API server sets it (overriding a different value written by hand).
- A pod belongs to the top-level owner reachable through ``ownerReferences`` among the loaded
  workloads (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob). When an owner is not
  loaded, the chain stops at the last name known: a pod owned by ReplicaSet ``web-5d8f`` that was
  not loaded belongs to ``ns/web-5d8f[ReplicaSet]`` (the reference analyzer's convention).
  A pod whose owner is not a workload kind (a Node for static pods, a custom resource) is a
  bare pod.
- A top-level workload that has no loaded pod gets ``max(replicas, 1)`` synthetic pods built
  from its pod template (manifests rarely contain pods). A workload owned by another loaded
  workload (a Deployment's ReplicaSet) never gets pods of its own: its owner does.
- An owner reference without ``kind`` (invalid, but written by hand) still groups the pods
  that name the same owner: they are one peer ``ns/<owner>[Pod]`` (the reference convention).
- Pods in every phase are kept, as the reference analyzer keeps them: finished pods
  (Succeeded/Failed) hold no IP, but manifests that contain them are analysed as written.
  Live-cluster snapshots leave finished pods out when they are taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from netviz.model.cluster_policy import ClusterPolicy, Node
from netviz.model.keys import workload_key
from netviz.model.objects import (
    NAMESPACE_NAME_LABEL,
    WORKLOAD_KINDS,
    Ingress,
    Namespace,
    NetworkPolicy,
    Pod,
    Service,
    ServiceEndpoints,
    Workload,
)


@dataclass(frozen=True)
class Cluster:
    """Everything loaded, resolved by ``assemble_cluster``: every namespace referenced exists
    and carries ``kubernetes.io/metadata.name``; every workload has pods (real or synthetic);
    every pod knows its top-level workload. Tuples are sorted by key for determinism."""

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[Pod, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    #: AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy objects
    #: (``netviz.model.cluster_policy``), sorted by ``ClusterPolicy.order_key``
    cluster_policies: tuple[ClusterPolicy, ...] = ()
    #: Node objects, when loaded (they give ``nodes`` peers of cluster policies their IPs)
    nodes: tuple[Node, ...] = ()
    #: Ingress and Route objects (``Ingress.kind``), sorted by (kind, namespace, name)
    ingresses: tuple[Ingress, ...] = ()
    #: Endpoints and EndpointSlices, sorted by (namespace, service, kind, name)
    endpoints: tuple[ServiceEndpoints, ...] = ()

    def endpoints_of(self, service: Service) -> list[ServiceEndpoints]:
        """The Endpoints/EndpointSlices of ``service``."""
        return [e for e in self.endpoints
                if e.namespace == service.namespace and e.service == service.name]

    def namespace(self, name: str) -> Namespace | None:
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return None


#: Upper bound on synthetic pods per workload; more replicas add nothing to the analysis
#: (they are identical) and only cost memory.
MAX_SYNTHETIC_REPLICAS = 64


def assemble_cluster(
    namespaces: Iterable[Namespace] = (),
    pods: Iterable[Pod] = (),
    workloads: Iterable[Workload] = (),
    services: Iterable[Service] = (),
    policies: Iterable[NetworkPolicy] = (),
    cluster_policies: Iterable[ClusterPolicy] = (),
    nodes: Iterable[Node] = (),
    ingresses: Iterable[Ingress] = (),
    endpoints: Iterable[ServiceEndpoints] = (),
) -> Cluster:
    pods = list(pods)
    workloads = list(workloads)
    services = list(services)
    policies = list(policies)
    ingresses = list(ingresses)

    # --- namespaces
    by_name: dict[str, Namespace] = {}
    for ns in namespaces:
        labels = dict(ns.labels)
        labels[NAMESPACE_NAME_LABEL] = ns.name
        by_name[ns.name] = replace(ns, labels=labels)
    used: set[str] = {p.namespace for p in pods}
    used.update(w.namespace for w in workloads)
    used.update(s.namespace for s in services)
    used.update(p.namespace for p in policies)
    used.update(i.namespace for i in ingresses)
    for name in used - by_name.keys():
        by_name[name] = Namespace(name, {NAMESPACE_NAME_LABEL: name}, implicit=True)

    # --- owner chains
    wl_by_ref: dict[tuple[str, str, str], Workload] = {
        (w.namespace, w.kind, w.name): w for w in workloads
    }

    def top_level(namespace: str, kind: str, name: str) -> tuple[str, str]:
        seen: set[tuple[str, str]] = set()
        while (kind, name) not in seen:
            seen.add((kind, name))
            w = wl_by_ref.get((namespace, kind, name))
            if w is None or w.owner is None or w.owner[0] not in WORKLOAD_KINDS:
                break
            kind, name = w.owner
        return kind, name

    resolved_pods: list[Pod] = []
    has_pods: set[str] = set()
    for p in pods:
        if p.owner is not None and p.owner[0] in WORKLOAD_KINDS:
            kind, name = top_level(p.namespace, *p.owner)
            key = workload_key(p.namespace, name, kind)
        elif p.owner is not None and p.owner[0] == "":
            key = workload_key(p.namespace, p.owner[1], "Pod")  # owner of unknown kind: grouped by name
        else:
            key = workload_key(p.namespace, p.name, "Pod")
        has_pods.add(key)
        resolved_pods.append(replace(p, workload_key=key))

    for w in workloads:
        if w.owner is not None and (w.namespace, *w.owner) in wl_by_ref:
            continue  # owned by a loaded workload: pods belong to the owner
        if w.key in has_pods:
            continue
        n = min(max(w.replicas, 1), MAX_SYNTHETIC_REPLICAS)
        for i in range(n):
            resolved_pods.append(
                Pod(
                    namespace=w.namespace,
                    name=f"{w.name}-{i}",
                    labels=w.labels,
                    ports=w.ports,
                    host_network=w.host_network,
                    owner=(w.kind, w.name),
                    source=w.source,
                    workload_key=w.key,
                    synthetic=True,
                )
            )

    resolved_pods.sort(key=lambda p: (p.namespace, p.name))
    return Cluster(
        namespaces=tuple(sorted(by_name.values(), key=lambda n: n.name)),
        pods=tuple(resolved_pods),
        workloads=tuple(sorted(workloads, key=lambda w: (w.namespace, w.name, w.kind))),
        services=tuple(sorted(services, key=lambda s: (s.namespace, s.name))),
        policies=tuple(sorted(policies, key=lambda p: (p.namespace, p.name))),
        cluster_policies=tuple(sorted(cluster_policies, key=lambda p: p.order_key)),
        nodes=tuple(sorted(nodes, key=lambda n: n.name)),
        ingresses=tuple(sorted(ingresses, key=lambda i: (i.kind, i.namespace, i.name))),
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.namespace, e.service, e.kind, e.name))),
    )

"""Plain, immutable data for everything netviz reasons about.

Rules this package keeps:
- No I/O, no YAML, no Qt, no network. Objects here are built by ``netviz.io`` (which does all
  validation and turns problems into located diagnostics) and read by ``netviz.engine``.
- Everything is a frozen dataclass. Label maps are ``dict`` fields that nobody mutates; objects
  are identified by keys (``ns/name``), not by hashing.
- Values are already validated and normalised: protocols are upper case ``TCP``/``UDP``/``SCTP``,
  selector operators are one of the four Kubernetes operators, CIDRs parse, ``policy_types`` is
  the defaulted set the API server would store.

Semantics that hinge on "absent versus empty" are kept explicit (see ``Peer`` and ``Rule``).
"""

from netviz.model.cluster import Cluster, assemble_cluster
from netviz.model.cluster_policy import (
    Action,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    ClusterSubject,
    Node,
    Tier,
)
from netviz.model.objects import (
    PROTOCOLS,
    WORKLOAD_KINDS,
    ContainerPort,
    EndpointPort,
    EndpointSubset,
    Ingress,
    IngressBackend,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Requirement,
    Rule,
    Service,
    ServiceEndpoints,
    ServicePort,
    Source,
    Workload,
)

__all__ = [
    "PROTOCOLS",
    "WORKLOAD_KINDS",
    "Action",
    "Cluster",
    "ClusterPeer",
    "ClusterPolicy",
    "ClusterPort",
    "ClusterRule",
    "ClusterSubject",
    "Node",
    "Tier",
    "ContainerPort",
    "EndpointPort",
    "EndpointSubset",
    "Ingress",
    "IngressBackend",
    "IPBlock",
    "LabelSelector",
    "Namespace",
    "NetworkPolicy",
    "Peer",
    "Pod",
    "PolicyPort",
    "Requirement",
    "Rule",
    "Service",
    "ServiceEndpoints",
    "ServicePort",
    "Source",
    "Workload",
    "assemble_cluster",
]

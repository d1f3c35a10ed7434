"""Identities and kinds: the one place that defines how netviz names the things it draws.

Rules this module keeps:
- Every key that crosses a package boundary (the engine's peers, the graph's nodes, the
  selection in ``AppState``, the CLI's ``--src``/``--dst``) is written and read here, never by
  slicing strings elsewhere. The syntax is the reference analyzer's (np-guard netpol-analyzer),
  so keys are also what the text outputs print:

  ========================  ==========================  ==================================
  what                      key                         made by
  ========================  ==========================  ==================================
  workload peer             ``ns/name[Kind]``           ``workload_key`` (Kind: the
                                                        top-level owner's kind, or ``Pod``
                                                        for a bare pod)
  external address range    ``first-last[External]``    ``external_key``
  ingress controller        ``{ingress-controller}``    ``INGRESS_CONTROLLER_KEY`` (the
                                                        reference's peer for traffic that
                                                        enters through Ingress/Route)
  Service (graph node)      ``svc:ns/name``             ``service_key``
  pod (expanded workload)   ``pod:ns/name``             ``pod_key``
  the world outside         ``outside:internet``        ``OUTSIDE_KEY`` (graph node: where
  (graph node)                                          traffic from outside comes from)
  entry point (graph node)  ``entry:Kind/ns/name``      ``entry_key`` (a LoadBalancer,
                                                        NodePort or externalIPs Service, an
                                                        Ingress or a Route)
  external destination      ``dest:ns/name``            ``destination_key`` (where a Service
  (graph node)                                          without a selector, or an
                                                        ExternalName, leads)
  ========================  ==========================  ==================================

- Kinds, edge styles, verdicts and diff kinds are ``StrEnum`` members: they compare equal to
  (and serialise as) the plain strings they replaced, so JSON, CSV, goldens and settings keep
  their form while code gets names a type checker can see.
- Plain data only: no I/O, no imports from other netviz packages.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class NodeKind(StrEnum):
    """What a node of the graph stands for."""

    WORKLOAD = "workload"
    POD = "pod"
    SERVICE = "service"
    EXTERNAL = "external"
    INGRESS_CONTROLLER = "ingress-controller"
    #: the world outside the cluster, where traffic through entry points comes from
    OUTSIDE = "outside"
    #: a way in: a LoadBalancer / NodePort / externalIPs Service, an Ingress, a Route
    ENTRY = "entry"
    #: where a Service leads outside the cluster (endpoint addresses, an ExternalName)
    DESTINATION = "destination"
    #: any other peer of the connection list (drawn as it is named)
    PEER = "peer"
    # containers of the picture (``netviz.viewmodel.graph``): boxes around other nodes
    NAMESPACE = "namespace"
    GROUP = "group"
    CLUSTER = "cluster"


class EdgeStyle(StrEnum):
    """How an edge of the graph is drawn (``netviz.viewmodel.palette`` holds the looks).

    ``allowed``/``partial``/``denied`` are verdicts (``denied-by-admin``: denied, and by
    Admin-tier Deny rules of cluster-wide policies, which no NetworkPolicy can override, not
    merely because nothing allows it); ``service`` links a Service to the
    workloads it selects; ``bundle`` aggregates the edges between two namespaces; the
    difference view (what-if editing) draws ``added``/``removed``/``changed`` over
    ``unchanged``."""

    ALLOWED = "allowed"
    PARTIAL = "partial"
    DENIED = "denied"
    DENIED_BY_ADMIN = "denied-by-admin"
    SERVICE = "service"
    BUNDLE = "bundle"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    #: from outside: the way in (outside -> entry point -> Service)
    ENTRY = "entry"
    #: from outside: a Service to a backend whose policies let (some of) it through
    EXPOSED = "exposed"
    #: from outside: a Service to a backend whose policies let nothing through
    BLOCKED = "blocked"
    #: a Service to the address or name outside the cluster it leads to
    LEADS_OUT = "leads-out"


class VerdictKind(StrEnum):
    """What is allowed between two peers: everything, some protocols/ports, or nothing.
    (``netviz.engine.analyzer.Verdict`` is the full answer with its reasons.)"""

    ALLOWED = "allowed"
    PARTIAL = "partial"
    DENIED = "denied"


class DiffKind(StrEnum):
    """How a peer pair's connections changed between two evaluations (``netviz diff``)."""

    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


# --------------------------------------------------------------------------- key syntax

EXTERNAL_SUFFIX = "[External]"
#: the reference analyzer's peer for traffic that enters the cluster through an
#: Ingress or an OpenShift Route
INGRESS_CONTROLLER_KEY = "{ingress-controller}"
SERVICE_PREFIX = "svc:"
POD_PREFIX = "pod:"
OUTSIDE_KEY = "outside:internet"
ENTRY_PREFIX = "entry:"
DESTINATION_PREFIX = "dest:"


class WorkloadRef(NamedTuple):
    """The parts of a workload peer key ``ns/name[Kind]``."""

    namespace: str
    name: str
    kind: str


def workload_key(namespace: str, name: str, kind: str) -> str:
    """``ns/name[Kind]``."""
    return f"{namespace}/{name}[{kind}]"


def is_workload_key(key: str) -> bool:
    """``ns/name[Kind]`` (and not an external range)."""
    # the kind is after the *last* "[": a namespace or name that is not a valid Kubernetes
    # name (loaded with a warning) may contain "[" itself
    return (key.endswith("]") and "[" in key and "/" in key[:-1].rsplit("[", 1)[0]
            and not key.endswith(EXTERNAL_SUFFIX))


def split_kind(text: str) -> tuple[str, str | None]:
    """``ns/name[Kind]`` -> (``ns/name``, ``Kind``); text without a ``[Kind]`` suffix ->
    (text, None). For names people type (``netviz eval --src``), where the kind is
    optional."""
    if text.endswith("]") and "[" in text:
        base, kind = text[:-1].rsplit("[", 1)
        return base, kind
    return text, None


def parse_workload_key(key: str) -> WorkloadRef:
    """``ns/name[Kind]`` -> (ns, name, Kind). ValueError for anything else."""
    if not is_workload_key(key):
        raise ValueError(f"not a workload key (ns/name[Kind]): {key!r}")
    base, kind = split_kind(key)
    ns, name = base.split("/", 1)
    assert kind is not None
    return WorkloadRef(ns, name, kind)


def external_key(range_text: str) -> str:
    """``first-last[External]`` (``range_text`` as ``IPRange.__str__`` writes it)."""
    return f"{range_text}{EXTERNAL_SUFFIX}"


def is_external_key(key: str) -> bool:
    return key.endswith(EXTERNAL_SUFFIX)


def external_range(key: str) -> str:
    """``first-last[External]`` -> ``first-last``. ValueError for anything else."""
    if not is_external_key(key):
        raise ValueError(f"not an external key (first-last[External]): {key!r}")
    return key[: -len(EXTERNAL_SUFFIX)]


def is_ingress_controller_key(key: str) -> bool:
    return key == INGRESS_CONTROLLER_KEY


def service_key(ref: str) -> str:
    """``ns/name`` (``Service.key``) -> ``svc:ns/name``."""
    return SERVICE_PREFIX + ref


def is_service_key(key: str) -> bool:
    return key.startswith(SERVICE_PREFIX)


def service_ref(key: str) -> str:
    """``svc:ns/name`` -> ``ns/name``. ValueError for anything else."""
    if not is_service_key(key):
        raise ValueError(f"not a Service key (svc:ns/name): {key!r}")
    return key[len(SERVICE_PREFIX):]


def pod_key(ref: str) -> str:
    """``ns/name`` (``Pod.key``) -> ``pod:ns/name``."""
    return POD_PREFIX + ref


def is_pod_key(key: str) -> bool:
    return key.startswith(POD_PREFIX)


def pod_ref(key: str) -> str:
    """``pod:ns/name`` -> ``ns/name``. ValueError for anything else."""
    if not is_pod_key(key):
        raise ValueError(f"not a pod key (pod:ns/name): {key!r}")
    return key[len(POD_PREFIX):]


def entry_key(kind: str, ref: str) -> str:
    """(``LoadBalancer``, ``ns/name``) -> ``entry:LoadBalancer/ns/name``."""
    return f"{ENTRY_PREFIX}{kind}/{ref}"


def is_entry_key(key: str) -> bool:
    return key.startswith(ENTRY_PREFIX)


def entry_ref(key: str) -> tuple[str, str]:
    """``entry:Kind/ns/name`` -> (Kind, ``ns/name``). ValueError for anything else."""
    if not is_entry_key(key) or key.count("/") < 2:
        raise ValueError(f"not an entry key (entry:Kind/ns/name): {key!r}")
    kind, ref = key[len(ENTRY_PREFIX):].split("/", 1)
    return kind, ref


def destination_key(ref: str) -> str:
    """``ns/name`` of the Service -> ``dest:ns/name``."""
    return DESTINATION_PREFIX + ref


def is_destination_key(key: str) -> bool:
    return key.startswith(DESTINATION_PREFIX)


def destination_ref(key: str) -> str:
    """``dest:ns/name`` -> ``ns/name``. ValueError for anything else."""
    if not is_destination_key(key):
        raise ValueError(f"not a destination key (dest:ns/name): {key!r}")
    return key[len(DESTINATION_PREFIX):]


def node_kind(key: str) -> NodeKind | None:
    """The kind of node a key names, or None when it is none of the syntaxes above."""
    if is_service_key(key):
        return NodeKind.SERVICE
    if is_pod_key(key):
        return NodeKind.POD
    if is_external_key(key):
        return NodeKind.EXTERNAL
    if is_ingress_controller_key(key):
        return NodeKind.INGRESS_CONTROLLER
    if key == OUTSIDE_KEY:
        return NodeKind.OUTSIDE
    if is_entry_key(key):
        return NodeKind.ENTRY
    if is_destination_key(key):
        return NodeKind.DESTINATION
    if is_workload_key(key):
        return NodeKind.WORKLOAD
    return None


def display_name(key: str) -> str:
    """A key as people read it: ``ns/name[Kind]`` -> ``ns/name``, ``svc:ns/name`` ->
    ``ns/name``, ``a-b[External]`` -> ``a-b``; anything else unchanged."""
    if is_service_key(key):
        return key[len(SERVICE_PREFIX):]
    if key.endswith("]") and "[" in key:
        return key[: key.rindex("[")]
    return key


__all__ = [
    "DESTINATION_PREFIX",
    "ENTRY_PREFIX",
    "EXTERNAL_SUFFIX",
    "OUTSIDE_KEY",
    "INGRESS_CONTROLLER_KEY",
    "POD_PREFIX",
    "SERVICE_PREFIX",
    "DiffKind",
    "EdgeStyle",
    "NodeKind",
    "VerdictKind",
    "WorkloadRef",
    "destination_key",
    "destination_ref",
    "display_name",
    "entry_key",
    "entry_ref",
    "external_key",
    "external_range",
    "is_destination_key",
    "is_entry_key",
    "is_external_key",
    "is_ingress_controller_key",
    "is_pod_key",
    "is_service_key",
    "is_workload_key",
    "node_kind",
    "parse_workload_key",
    "pod_key",
    "pod_ref",
    "service_key",
    "service_ref",
    "split_kind",
    "workload_key",
]

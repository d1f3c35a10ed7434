"""The object types of the model. See the package docstring for the rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from netviz.model.keys import workload_key

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")

#: Kinds that own pods, in the order the reference analyzer names them.
WORKLOAD_KINDS: tuple[str, ...] = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)

#: Label every namespace carries (Kubernetes >= 1.21 sets it automatically).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Source:
    """Where an object (or a part of it) was written: for diagnostics and "open the YAML"."""

    file: str  # path as given by the user, or "<stdin>", or a snapshot name
    doc: int  # 1-based document number inside the file
    line: int  # 1-based line of the first line of the object/part
    end_line: int | None = None  # last line (inclusive), when known

    def __str__(self) -> str:
        return f"{self.file}:{self.line} (document {self.doc})"


# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Requirement:
    """One matchExpressions entry.

    Kubernetes semantics (apimachinery labels.Requirement.Matches): ``In`` needs the key with a
    listed value; ``NotIn`` matches when the key is missing *or* its value is not listed;
    ``Exists`` needs the key; ``DoesNotExist`` needs it missing.
    """

    key: str
    operator: str  # "In" | "NotIn" | "Exists" | "DoesNotExist"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        if op == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        raise ValueError(f"unknown selector operator {op!r}")  # io validates; never reached

    def __str__(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{self.key} {self.operator}"
        return f"{self.key} {self.operator} ({', '.join(self.values)})"


@dataclass(frozen=True)
class LabelSelector:
    """A metav1.LabelSelector. An empty selector (no labels, no expressions) matches everything.

    Whether a selector is *absent* (``None`` where it is used) or empty matters and is decided
    by the user of the selector (see ``Peer``).
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        return all(r.matches(labels) for r in self.match_expressions)

    def __str__(self) -> str:
        if self.is_empty:
            return "{}"
        parts = [f"{k}={v}" for k, v in self.match_labels]
        parts += [str(r) for r in self.match_expressions]
        return ", ".join(parts)


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    source: Source | None = None
    #: True when no Namespace object was loaded and the namespace was created because
    #: something referenced it.
    implicit: bool = False


@dataclass(frozen=True)
class ContainerPort:
    port: int
    name: str | None = None
    protocol: str = "TCP"


@dataclass(frozen=True)
class Workload:
    """A pod-owning object: Deployment, StatefulSet, DaemonSet, ReplicaSet,
    ReplicationController, Job or CronJob. ``labels`` are the *pod template* labels."""

    kind: str
    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    replicas: int = 1
    host_network: bool = False
    #: metadata.labels of the workload object itself (for search; not used by policies)
    object_labels: dict[str, str] = field(default_factory=dict)
    #: (kind, name) of the workload that owns this one (ReplicaSet -> Deployment,
    #: Job -> CronJob), from metadata.ownerReferences
    owner: tuple[str, str] | None = None
    source: Source | None = None

    @property
    def key(self) -> str:
        """``ns/name[Kind]``: the peer name used in every output."""
        return workload_key(self.namespace, self.name, self.kind)


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    #: status.podIPs (or status.podIP); empty for manifests
    ips: tuple[str, ...] = ()
    host_network: bool = False
    #: (kind, name) of the direct owner from metadata.ownerReferences (controller=true first)
    owner: tuple[str, str] | None = None
    phase: str | None = None
    source: Source | None = None
    #: set by ``assemble_cluster``: key of the top-level workload (``ns/name[Kind]``), or the
    #: pod's own key ``ns/name[Pod]`` for a bare pod
    workload_key: str = ""
    #: True for pods netviz made up from a workload's template (manifests have no pods)
    synthetic: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ServicePort:
    port: int
    target_port: int | str  # number, or the name of a container port
    protocol: str = "TCP"
    name: str | None = None
    node_port: int | None = None


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    #: spec.selector; None when the Service has no selector (endpoints managed by hand)
    selector: dict[str, str] | None = None
    ports: tuple[ServicePort, ...] = ()
    type: str = "ClusterIP"
    cluster_ip: str | None = None
    external_name: str | None = None
    source: Source | None = None
    #: spec.externalIPs: addresses outside the cluster whose traffic the nodes route here
    external_ips: tuple[str, ...] = ()
    #: spec.loadBalancerSourceRanges (normalised CIDRs): who may use a LoadBalancer; empty:
    #: anyone
    load_balancer_source_ranges: tuple[str, ...] = ()
    #: the LoadBalancer's addresses: spec.loadBalancerIP and status.loadBalancer.ingress
    #: (IPs or host names)
    load_balancer_addresses: tuple[str, ...] = ()
    #: spec.externalTrafficPolicy: "Cluster" (default: the client address may be rewritten to
    #: a node's on the way in) or "Local" (preserved)
    external_traffic_policy: str = "Cluster"
    #: spec.allocateLoadBalancerNodePorts: False when a LoadBalancer opens no node ports
    allocate_node_ports: bool = True

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    @property
    def node_ports_open(self) -> bool:
        """Node ports are reachable on every node: NodePort, and LoadBalancer unless
        ``allocateLoadBalancerNodePorts: false``."""
        return self.type == "NodePort" or (self.type == "LoadBalancer" and self.allocate_node_ports)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class EndpointPort:
    port: int
    protocol: str = "TCP"
    name: str | None = None


@dataclass(frozen=True)
class EndpointSubset:
    """Addresses that share ports (an Endpoints subset; a whole EndpointSlice).

    ``addresses``: ready endpoint IPs (normalised) that name no Pod: they usually lead outside
    the cluster; ``fqdns``: names of an FQDN EndpointSlice; ``pods``: ``ns/name`` of the ready
    endpoints that name a Pod (``targetRef``), which lead into the cluster; ``not_ready``:
    addresses that receive no traffic."""

    addresses: tuple[str, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
    fqdns: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    not_ready: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceEndpoints:
    """Where a Service's traffic goes, as written by hand for a Service without a selector (or
    read from a live cluster): a core/v1 ``Endpoints`` (named like its Service) or a
    discovery.k8s.io/v1 ``EndpointSlice`` (label ``kubernetes.io/service-name``)."""

    kind: str  # "Endpoints" | "EndpointSlice"
    namespace: str
    name: str  # the object's name
    service: str  # the Service it belongs to
    subsets: tuple[EndpointSubset, ...] = ()
    source: Source | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for s in self.subsets for a in s.addresses))


@dataclass(frozen=True)
class IngressBackend:
    """Where an Ingress or an OpenShift Route sends traffic.

    ``service`` is the Service name in the object's namespace, or None when the backend is not
    a Service (an Ingress ``resource`` backend, a Route target of another kind: ``target_kind``
    says which). ``port``: for an Ingress the backend's ``port.number`` or ``port.name`` (a
    *Service* port); for a Route ``spec.port.targetPort`` (a Service port name, or a number or
    name of the target port on the pods), shared by ``to`` and every alternate backend; None
    means every port of the Service. ``role`` says where it was written: ``default``
    (``spec.defaultBackend``), ``rule`` (a rule path), ``to`` or ``alternate``.
    """

    service: str | None
    port: int | str | None = None
    role: str = "rule"
    host: str | None = None
    path: str | None = None
    target_kind: str = "Service"
    source: Source | None = None


@dataclass(frozen=True)
class Ingress:
    """A networking.k8s.io/v1 Ingress (``kind`` "Ingress") or an OpenShift
    route.openshift.io/v1 Route (``kind`` "Route"): an entry from outside the cluster through
    an ingress controller to Services in the object's own namespace."""

    kind: str  # "Ingress" | "Route"
    namespace: str
    name: str
    backends: tuple[IngressBackend, ...] = ()
    hosts: tuple[str, ...] = ()
    #: spec.ingressClassName (Ingress) or None
    ingress_class: str | None = None
    #: TLS configured (Ingress spec.tls, Route spec.tls)
    tls: bool = False
    source: Source | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class IPBlock:
    cidr: str  # normalised (network address, e.g. "10.0.0.0/8"); IPv4 or IPv6
    except_: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.except_:
            return f"ipBlock {self.cidr} except {', '.join(self.except_)}"
        return f"ipBlock {self.cidr}"


@dataclass(frozen=True)
class Peer:
    """A NetworkPolicyPeer. Exactly one of the shapes below (validated by io):

    - ``ip_block`` set, both selectors None.
    - ``pod_selector`` set, ``namespace_selector`` None: pods matching it in the *policy's*
      namespace.
    - ``namespace_selector`` set, ``pod_selector`` None: all pods in matching namespaces.
    - both set: matching pods in matching namespaces (AND).

    An empty selector matches everything; an absent one is None.
    """

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    source: Source | None = None

    def __str__(self) -> str:
        if self.ip_block is not None:
            return str(self.ip_block)
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " and ".join(parts)


@dataclass(frozen=True)
class PolicyPort:
    """A NetworkPolicyPort. ``port`` None means every port of ``protocol``; a string is a
    named port, resolved per destination pod; ``end_port`` makes ``port``..``end_port``."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol} (all ports)"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class Rule:
    """An ingress or egress rule.

    ``peers`` is the ``from``/``to`` list and ``ports`` the ``ports`` list. Kubernetes gives an
    empty and a missing list the same meaning (all peers / all ports); both are ``()`` here, and
    ``peers_given``/``ports_given`` remember whether the field was written, for explanations.
    """

    peers: tuple[Peer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()
    peers_given: bool = False
    ports_given: bool = False
    source: Source | None = None

    @property
    def all_peers(self) -> bool:
        return not self.peers

    @property
    def all_ports(self) -> bool:
        return not self.ports


@dataclass(frozen=True)
class NetworkPolicy:
    """networking.k8s.io/v1 NetworkPolicy.

    ``policy_types`` is defaulted as the API server does when the field is absent: ``Ingress``
    always, plus ``Egress`` when the policy has at least one egress rule
    (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/).
    ``ingress``/``egress`` are the rule lists; an empty list with the direction in
    ``policy_types`` isolates the selected pods and allows nothing.
    """

    namespace: str
    name: str
    pod_selector: LabelSelector = field(default_factory=LabelSelector)
    policy_types: frozenset[str] = frozenset({"Ingress"})
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    policy_types_given: bool = False
    source: Source | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def affects_ingress(self) -> bool:
        return "Ingress" in self.policy_types

    @property
    def affects_egress(self) -> bool:
        return "Egress" in self.policy_types

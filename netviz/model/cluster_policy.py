"""Cluster-scoped policy tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and
ClusterNetworkPolicy (v1alpha2) of kubernetes-sigs/network-policy-api, as one model.

The two API generations say the same things in different words, so netviz keeps one shape:

- ``ClusterPolicy.tier``: ``Tier.ADMIN`` (an AdminNetworkPolicy, or a ClusterNetworkPolicy with
  ``tier: Admin``) or ``Tier.BASELINE`` (the BaselineAdminNetworkPolicy ``default``, or a
  ClusterNetworkPolicy with ``tier: Baseline``). ``kind`` and ``api_version`` keep what was
  written, for explanations and editing.
- ``Action``: ``ACCEPT`` is v1alpha1 ``Allow`` and v1alpha2 ``Accept``; ``DENY``; ``PASS``
  (v1alpha1: AdminNetworkPolicy only; v1alpha2: both tiers). ``ClusterRule.action_text`` keeps
  the word that was written (explanations quote it).
- ``priority``: 0-1000, lower first. A BaselineAdminNetworkPolicy has none (``None``): it is a
  singleton and sorts before any Baseline-tier ClusterNetworkPolicy (``order_key``).
- Ports (``ClusterPort``): v1alpha1 ``portNumber``/``portRange``/``namedPort`` and v1alpha2
  ``protocols`` (``tcp|udp|sctp: {destinationPort: {number | range}}``,
  ``destinationNamedPort``) both become (protocol, first port, last port) or a named port. A
  named port carries no protocol: it takes the protocol of the destination's container port
  of that name (the API has no protocol field for it). ``ports is None``: the rule does not
  filter by port.
- Peers (``ClusterPeer``): ``namespaces`` or ``pods`` (selectors), and on egress ``networks``
  (CIDRs, normalised), ``nodes`` (a node label selector) and ``domainNames``. A peer whose only
  fields are unknown to netviz (a newer API version) is ``kind == "unknown"``; the API says to
  *fail closed* on it (see ``ClusterRule.fail_closed``).

Rules this module keeps: plain frozen data, no evaluation (``netviz.engine`` evaluates), values
already validated by ``netviz.io``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from netviz.model.objects import LabelSelector, Source


class Tier(Enum):
    """The tiers of the API, in evaluation order: Admin, then NetworkPolicy, then Baseline."""

    ADMIN = "Admin"
    BASELINE = "Baseline"

    def __str__(self) -> str:
        return self.value


class Action(Enum):
    ACCEPT = "Accept"  # v1alpha1 "Allow"
    DENY = "Deny"
    PASS = "Pass"

    def __str__(self) -> str:
        return self.value


ANP_KIND = "AdminNetworkPolicy"
BANP_KIND = "BaselineAdminNetworkPolicy"
CNP_KIND = "ClusterNetworkPolicy"
CLUSTER_POLICY_KINDS: tuple[str, ...] = (ANP_KIND, BANP_KIND, CNP_KIND)
V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"

#: peer kinds
NAMESPACES = "namespaces"
PODS = "pods"
NETWORKS = "networks"
NODES = "nodes"
DOMAIN_NAMES = "domainNames"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ClusterSubject:
    """``subject``: ``namespaces`` (every pod in matching namespaces; ``pod_selector`` None) or
    ``pods`` (matching pods in matching namespaces). Host-network pods are never selected."""

    namespace_selector: LabelSelector = field(default_factory=LabelSelector)
    pod_selector: LabelSelector | None = None

    def __str__(self) -> str:
        if self.pod_selector is None:
            return f"namespaces {self.namespace_selector}"
        return f"pods {self.pod_selector} in namespaces {self.namespace_selector}"


@dataclass(frozen=True)
class ClusterPeer:
    """One ``from``/``to`` entry; exactly one kind (see the module docstring)."""

    kind: str
    namespace_selector: LabelSelector | None = None  # namespaces, pods
    pod_selector: LabelSelector | None = None  # pods
    networks: tuple[str, ...] = ()  # normalised CIDRs
    node_selector: LabelSelector | None = None  # nodes
    domain_names: tuple[str, ...] = ()
    unknown_fields: tuple[str, ...] = ()  # kind "unknown": the fields that were written
    source: Source | None = None

    def __str__(self) -> str:
        if self.kind == NAMESPACES:
            return f"namespaces {self.namespace_selector}"
        if self.kind == PODS:
            return f"pods {self.pod_selector} in namespaces {self.namespace_selector}"
        if self.kind == NETWORKS:
            return "networks " + ", ".join(self.networks)
        if self.kind == NODES:
            return f"nodes {self.node_selector}"
        if self.kind == DOMAIN_NAMES:
            return "domainNames " + ", ".join(self.domain_names)
        return "unknown peer (" + ", ".join(self.unknown_fields) + ")"


@dataclass(frozen=True)
class ClusterPort:
    """A port match. ``name`` set: a named port (protocol from the destination's container
    port). Otherwise ``protocol`` with ``port``..``end_port`` (``end_port`` None: one port)."""

    protocol: str | None = "TCP"
    port: int | None = None
    end_port: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.name is not None:
            return f"named port {self.name}"
        if self.port is None:
            return f"{self.protocol} (all ports)"
        if self.end_port is not None and self.end_port != self.port:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


@dataclass(frozen=True)
class ClusterRule:
    name: str  # "" when the rule has no name
    action: Action
    peers: tuple[ClusterPeer, ...]
    #: None: the rule does not filter by port (``ports``/``protocols`` absent)
    ports: tuple[ClusterPort, ...] | None = None
    #: the action as written: "Allow", "Accept", "Deny", "Pass"
    action_text: str = ""
    source: Source | None = None

    @property
    def fail_closed(self) -> bool:
        """A peer of a kind netviz does not know (written for a newer API version). The API:
        "For Allow/Accept rules, fail closed means: treat the rule as matching no traffic. For
        Deny and Pass rules: treat the rule as a 'Deny all' rule"."""
        return any(p.kind == UNKNOWN for p in self.peers)

    @property
    def verb(self) -> str:
        return self.action_text or self.action.value


@dataclass(frozen=True)
class ClusterPolicy:
    """An AdminNetworkPolicy, a BaselineAdminNetworkPolicy or a ClusterNetworkPolicy."""

    kind: str
    name: str
    tier: Tier
    priority: int | None  # None: the BaselineAdminNetworkPolicy singleton
    subject: ClusterSubject
    ingress: tuple[ClusterRule, ...] = ()
    egress: tuple[ClusterRule, ...] = ()
    api_version: str = V1ALPHA1
    source: Source | None = None

    @property
    def key(self) -> str:
        """``Kind/name``: unique (the kinds are separate API resources)."""
        return f"{self.kind}/{self.name}"

    @property
    def order_key(self) -> tuple[int, int, str, str]:
        """Evaluation order inside a tier: priority (lower first; the BaselineAdminNetworkPolicy
        before any Baseline ClusterNetworkPolicy), then kind and name. The API leaves the order
        of two policies with one priority undefined; netviz picks this one and says so."""
        tier = 0 if self.tier is Tier.ADMIN else 1
        prio = -1 if self.priority is None else self.priority
        return (tier, prio, self.kind, self.name)

    @property
    def title(self) -> str:
        """``AdminNetworkPolicy 'name'`` (the reference explain wording)."""
        return f"{self.kind} '{self.name}'"

    @property
    def affects_ingress(self) -> bool:
        """Policies with no ingress rules do not affect ingress traffic (the API)."""
        return bool(self.ingress)

    @property
    def affects_egress(self) -> bool:
        return bool(self.egress)

    def rules(self, ingress: bool) -> tuple[ClusterRule, ...]:
        return self.ingress if ingress else self.egress


@dataclass(frozen=True)
class Node:
    """A Node: its labels (for ``nodes`` peers) and addresses (``status.addresses``)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    addresses: tuple[str, ...] = ()
    source: Source | None = None

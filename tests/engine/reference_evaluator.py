"""A small, obviously correct reference evaluator for Kubernetes NetworkPolicy v1 and the
policy tiers of kubernetes-sigs/network-policy-api (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy).

Written straight from the spec, independently of ``netviz.engine.analyzer``, so that the two
can be compared (``test_differential.py``, ``test_k8s_e2e.py``). Loops only: no caching, no
bitsets, no classes of pods. Obviously correct over fast.

Spec sources quoted below:
[concepts] https://kubernetes.io/docs/concepts/services-networking/network-policies/
[api]      https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/

Decisions the spec leaves open (the same choices as netviz's defaults, stated here):
- ipBlock and pod IPs: [concepts] says ipBlocks "should be cluster-external IPs, since Pod IPs
  are ephemeral and unpredictable". By default an ipBlock never matches a pod
  (``ipblock_matches_pod_ips=False``, the reference tools' convention); with the option on, a
  pod is matched when *any* of its IPs lies in the CIDR and in none of the excepts.
- hostNetwork pods are ordinary pods here (netviz's ``host_network="pod"``).
- A pod talking to itself is always allowed: [concepts] "What you can't do with network
  policies": "The ability to prevent loopback or incoming host traffic".

Policy tiers, quoted from [npapi] (network-policy-api ``apis/v1alpha1`` at v0.1.7 and
``apis/v1alpha2/clusternetworkpolicy_types.go`` at v0.2.0), per direction:
- "Policy tiers are evaluated in the following order: Admin tier, NetworkPolicy tier, Baseline
  tier." Admin: "If Admin tier has made a final decision (Accept or Deny) on a connection, then
  no further evaluation is done." NetworkPolicy: "v1.NetworkPolicy always makes a final
  decision for selected pods. Further evaluation only happens for Pods not selected by a
  v1.NetworkPolicy." "If a given connection wasn't allowed or denied by any of the tiers, the
  default kubernetes policy is applied, which says that all pods can communicate".
- "Policies with lower priority values have higher precedence"; two with one priority: the
  order is undefined, and this evaluator takes them by kind, then name (netviz's choice). A
  BaselineAdminNetworkPolicy (no priority) comes first in its tier.
- "The relative precedence of ingress rules within a single CNP object ... will be determined
  by the order in which the rule is written." Pass: "Skips all further ClusterNetworkPolicy
  rules in the current tier ... and passes evaluation to the next tier."
- Subjects and namespaces/pods peers never include host-networked pods. ``networks``: "note
  that cluster-internal traffic will be checked against the rule as well" (pods with known
  IPs); ``nodes``: the addresses of the matching Node objects; ``domainNames`` are not resolved
  (they match nothing here). A peer of an unknown kind fails closed: "For Allow/Accept rules,
  treat the rule as matching no traffic. For Deny and Pass rules, treat the rule as a 'Deny
  all' rule".
- A named port takes the protocol of the destination's container port of that name.
"""

from __future__ import annotations

import ipaddress

from netviz.model import (
    Action,
    Cluster,
    ClusterPeer,
    ClusterPolicy,
    ClusterPort,
    ClusterRule,
    IPBlock,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Rule,
    Tier,
)

Endpoint = Pod | str  # a pod of the cluster, or an IP address outside it ("192.0.2.1", "2001:db8::1")


def allowed(
    cluster: Cluster,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    *,
    ipblock_matches_pod_ips: bool = False,
) -> bool:
    """Is ``protocol``/``port`` from ``src`` to ``dst`` allowed?"""
    if not isinstance(src, Pod) and not isinstance(dst, Pod):
        raise ValueError("at least one side must be a pod")
    if isinstance(src, Pod) and isinstance(dst, Pod) and src.key == dst.key:
        # Loopback cannot be blocked ([concepts], "What you can't do with network policies").
        return True
    # [concepts] "For a connection from a source pod to a destination pod to be allowed, both
    # the egress policy on the source pod and the ingress policy on the destination pod need
    # to allow the connection." An external address has no policies: only the pod side counts.
    ok = True
    if isinstance(src, Pod):
        ok = ok and _side_allows(cluster, src, "Egress", dst, dst, protocol, port, ipblock_matches_pod_ips)
    if isinstance(dst, Pod):
        ok = ok and _side_allows(cluster, dst, "Ingress", src, dst, protocol, port, ipblock_matches_pod_ips)
    return ok


def selecting_policies(cluster: Cluster, pod: Pod, direction: str) -> list[NetworkPolicy]:
    """Policies that isolate ``pod`` in ``direction``.

    [concepts] "A pod is isolated for egress if there is any NetworkPolicy that both selects
    the pod and has "Egress" in its policyTypes" (likewise ingress). [api] spec.podSelector
    "selects the pods to which this NetworkPolicy object applies" and is namespaced: a policy
    only ever selects pods of its own namespace. An empty podSelector selects all of them.
    ``policy_types`` in the model is already the defaulted value the API server stores.
    """
    out = []
    for pol in cluster.policies:
        if pol.namespace != pod.namespace:
            continue
        if direction not in pol.policy_types:
            continue
        if pol.pod_selector.matches(pod.labels):
            out.append(pol)
    return out


def _side_allows(
    cluster: Cluster,
    pod: Pod,
    direction: str,
    other: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
    ipb_pods: bool,
) -> bool:
    """Does ``pod``'s ``direction`` allow the connection with ``other`` (``dst`` is the
    destination, where named ports are resolved)?"""
    admin = _tier_decision(cluster, Tier.ADMIN, pod, direction, other, dst, protocol, port)
    if admin is Action.ACCEPT:
        return True
    if admin is Action.DENY:
        return False
    policies = selecting_policies(cluster, pod, direction)
    if not policies:
        # [concepts] "By default, a pod is non-isolated for egress/ingress; all ... connections
        # are allowed" -- unless the Baseline tier denies it
        return _tier_decision(cluster, Tier.BASELINE, pod, direction, other, dst, protocol,
                              port) is not Action.DENY
    # [concepts] "Network policies do not conflict; they are additive. If any policy or
    # policies apply to a given pod for a given direction, the connections allowed in that
    # direction from that pod is the union of what the applicable policies allow."
    # A policy with the direction but no rules (``ingress: []``) adds nothing: [api]
    # spec.ingress "If this field is empty then this NetworkPolicy does not allow any traffic
    # (and serves solely to ensure that the pods it selects are isolated by default)".
    for pol in policies:
        rules = pol.ingress if direction == "Ingress" else pol.egress
        for rule in rules:
            if _rule_peers_match(cluster, pol, rule, other, ipb_pods) and _rule_ports_match(
                rule, dst, protocol, port
            ):
                return True
    return False


def _rule_peers_match(
    cluster: Cluster, pol: NetworkPolicy, rule: Rule, other: Endpoint, ipb_pods: bool
) -> bool:
    # [api] ingress.from: "If this field is empty or missing, this rule matches all sources
    # (traffic not restricted by source). If this field is present and contains at least one
    # item, this rule allows traffic only if the traffic matches at least one item in the from
    # list." (egress.to likewise for destinations.) "All sources" includes external addresses.
    if not rule.peers:
        return True
    return any(_peer_matches(cluster, pol, peer, other, ipb_pods) for peer in rule.peers)


def _peer_matches(
    cluster: Cluster, pol: NetworkPolicy, peer: Peer, other: Endpoint, ipb_pods: bool
) -> bool:
    if peer.ip_block is not None:
        # [api] ipBlock: "IPBlock describes a particular CIDR ... that is allowed ... except is
        # a slice of CIDRs that should not be included within an IPBlock".
        if isinstance(other, Pod):
            if not ipb_pods:
                return False  # convention: ipBlocks are for cluster-external IPs (module doc)
            return any(_ip_in_block(ip, peer.ip_block) for ip in other.ips)
        return _ip_in_block(other, peer.ip_block)

    if not isinstance(other, Pod):
        return False  # selectors select pods only; an external address is never a pod

    # [api] podSelector: "If namespaceSelector is also set, then the NetworkPolicyPeer as a
    # whole selects the pods matching podSelector in the Namespaces selected by
    # NamespaceSelector. Otherwise it selects the pods matching podSelector in the policy's own
    # namespace." namespaceSelector: "... Otherwise it selects all pods in the namespaces
    # selected by namespaceSelector." Both: "if present but empty, it selects all".
    if peer.namespace_selector is None:
        ns_ok = other.namespace == pol.namespace
    else:
        ns_ok = peer.namespace_selector.matches(_namespace_labels(cluster, other.namespace))
    if peer.pod_selector is None:
        pod_ok = True
    else:
        pod_ok = peer.pod_selector.matches(other.labels)
    return ns_ok and pod_ok


def _namespace_labels(cluster: Cluster, name: str) -> dict[str, str]:
    for ns in cluster.namespaces:
        if ns.name == name:
            return ns.labels
    return {}


def _ip_in_block(ip: str, block: IPBlock) -> bool:
    addr = ipaddress.ip_address(ip)
    net = ipaddress.ip_network(block.cidr, strict=False)
    # an address of the other family is in neither the CIDR nor any except
    if addr.version != net.version or addr not in net:
        return False
    for ex in block.except_:
        exnet = ipaddress.ip_network(ex, strict=False)
        if addr.version == exnet.version and addr in exnet:
            return False
    return True


def _rule_ports_match(rule: Rule, dst: Endpoint, protocol: str, port: int) -> bool:
    # [api] ports: "If this field is empty or missing, this rule matches all ports (traffic
    # not restricted by port). If this field is present and contains at least one item, then
    # this rule allows traffic only if the traffic matches at least one port in the list."
    if not rule.ports:
        return True
    return any(_port_matches(pp, dst, protocol, port) for pp in rule.ports)


def _port_matches(pp: PolicyPort, dst: Endpoint, protocol: str, port: int) -> bool:
    # [api] protocol: "The protocol (TCP, UDP, or SCTP) which traffic must match. If not
    # specified, this field defaults to TCP." (the model stores the default)
    if pp.protocol != protocol:
        return False
    # [api] port: "If this field is not provided, this matches all port names and numbers."
    if pp.port is None:
        return True
    if isinstance(pp.port, int):
        # [api] endPort: "indicates that the range of ports from port to endPort if set,
        # inclusive, should be allowed by the policy".
        hi = pp.end_port if pp.end_port is not None else pp.port
        return pp.port <= port <= hi
    # Named port: [api] port "can either be a numerical or named port on a pod". The name is
    # looked up among the container ports of the destination pod (the pod receiving the
    # traffic), with the same protocol. A name that no container port of the destination
    # carries matches nothing; an external destination has no named ports at all.
    if not isinstance(dst, Pod):
        return False
    for cp in dst.ports:
        if cp.name == pp.port and cp.protocol == pp.protocol and cp.port == port:
            return True
    return False


# --------------------------------------------------------------------------- policy tiers


def denying_tier(cluster: Cluster, src: Pod, dst: Pod, protocol: str, port: int) -> Tier | None:
    """The tier whose Deny rule denies the connection in one of the directions (the Admin
    tier when one does in either direction), None when no Deny rule decides it (allowed, or
    denied only because a NetworkPolicy isolates the pod and none allows it)."""
    found = None
    for pod, direction, other in ((src, "Egress", dst), (dst, "Ingress", src)):
        admin = _tier_decision(cluster, Tier.ADMIN, pod, direction, other, dst, protocol, port)
        if admin is Action.DENY:
            return Tier.ADMIN
        if admin is Action.ACCEPT or selecting_policies(cluster, pod, direction):
            continue
        if _tier_decision(cluster, Tier.BASELINE, pod, direction, other, dst, protocol,
                          port) is Action.DENY:
            found = Tier.BASELINE
    return found



def _tier_decision(
    cluster: Cluster,
    tier: Tier,
    pod: Pod,
    direction: str,
    other: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int,
) -> Action | None:
    """The first matching rule's action in ``tier`` (Pass included), or None."""
    ordered = sorted(
        (p for p in cluster.cluster_policies if p.tier is tier),
        key=lambda p: (-1 if p.priority is None else p.priority, p.kind, p.name),
    )
    for pol in ordered:
        rules = pol.ingress if direction == "Ingress" else pol.egress
        if not rules or not _subject_selects(cluster, pol, pod):
            continue
        for rule in rules:
            if any(pe.kind == "unknown" for pe in rule.peers):
                if rule.action is Action.ACCEPT:
                    continue  # fail closed: matches no traffic
                return Action.DENY  # fail closed: deny all
            if any(_cluster_peer_matches(cluster, pe, other) for pe in rule.peers) and \
                    _cluster_ports_match(rule, dst, protocol, port):
                return rule.action
    return None


def _subject_selects(cluster: Cluster, pol: ClusterPolicy, pod: Pod) -> bool:
    if pod.host_network:
        return False  # "host-networked pods are not included in subject selection"
    sub = pol.subject
    if not sub.namespace_selector.matches(_namespace_labels(cluster, pod.namespace)):
        return False
    return sub.pod_selector is None or sub.pod_selector.matches(pod.labels)


def _cluster_peer_matches(cluster: Cluster, peer: ClusterPeer, other: Endpoint) -> bool:
    if peer.kind in ("namespaces", "pods"):
        if not isinstance(other, Pod) or other.host_network:
            return False
        assert peer.namespace_selector is not None
        if not peer.namespace_selector.matches(_namespace_labels(cluster, other.namespace)):
            return False
        return peer.kind == "namespaces" or (
            peer.pod_selector is not None and peer.pod_selector.matches(other.labels)
        )
    addresses = other.ips if isinstance(other, Pod) else (other,)
    if peer.kind == "networks":
        return any(
            ipaddress.ip_address(a) in ipaddress.ip_network(c, strict=False)
            for a in addresses for c in peer.networks
            if ipaddress.ip_address(a).version == ipaddress.ip_network(c, strict=False).version
        )
    if peer.kind == "nodes":
        assert peer.node_selector is not None
        node_ips = {ipaddress.ip_address(x) for n in cluster.nodes
                    if peer.node_selector.matches(n.labels) for x in n.addresses}
        return any(ipaddress.ip_address(a) in node_ips for a in addresses)
    return False  # domainNames: not resolved


def _cluster_ports_match(rule: ClusterRule, dst: Endpoint, protocol: str, port: int) -> bool:
    if rule.ports is None:
        return True  # "If unspecified, protocol-specific attributes will not be used"
    return any(_cluster_port_matches(pp, dst, protocol, port) for pp in rule.ports)


def _cluster_port_matches(pp: ClusterPort, dst: Endpoint, protocol: str, port: int) -> bool:
    if pp.name is not None:
        if not isinstance(dst, Pod):
            return False
        return any(cp.name == pp.name and cp.protocol == protocol and cp.port == port
                   for cp in dst.ports)
    if pp.protocol != protocol:
        return False
    if pp.port is None:
        return True
    hi = pp.end_port if pp.end_port is not None else pp.port
    return pp.port <= port <= hi

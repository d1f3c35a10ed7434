"""The policies panel's content: every policy, the pods it selects per direction, and its rules;
with cluster policies loaded, grouped by tier in evaluation order.

Rules this module keeps:
- Qt-free. The tree is plain frozen data (``TreeNode``) so that the Qt item model is a thin,
  generic wrapper and the content is tested without Qt.
- Which pods a policy selects and which pods a peer matches are asked of the engine
  (``Analyzer``), never recomputed here.
- Every node knows the policy it belongs to (``policy``), so selecting any row selects that
  policy; rows about a rule or a policy carry a ``Link`` to their YAML.

Shape of one policy's subtree::

    ns/name                              Ingress, Egress · selects 3 pods
      Pod selector                       app=web
      Ingress: selects 3 pods            (or "not affected" when policyTypes lacks it)
        ns/web[Deployment]               2 pods
      Egress: selects 3 pods
      Ingress rules (1)                  (or "none: all ingress to the selected pods is denied")
        ingress rule #1                  from podSelector app=api; ports TCP 80
          podSelector app=api            matches ns/api[Deployment]
          ports                          TCP 80
      Egress rules (0)

When AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy objects are loaded
the top level is the tiers, in evaluation order, each with its policies (cluster policies by
priority, as the engine orders them)::

    Admin tier (2)                       by priority: Accept/Deny final, Pass to NetworkPolicies
      AdminNetworkPolicy deny-out        priority 5 · Egress · selects 4 pods
        Subject                          namespaces team=x
        Egress: selects 4 pods
        Egress rules (1)                 first match wins, in this order
          egress rule 'out' (#1)         Deny: to networks 0.0.0.0/0; all ports
    NetworkPolicy tier (3)               final for the pods they select
    Baseline tier (1)                    for pods no NetworkPolicy selects
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, CompiledPolicy, bits_iter
from netviz.engine.tiers import CompiledClusterPolicy, CompiledClusterRule
from netviz.model import NetworkPolicy, Peer, Rule
from netviz.model.cluster_policy import (
    CLUSTER_POLICY_KINDS,
    DOMAIN_NAMES,
    NAMESPACES,
    NETWORKS,
    NODES,
    PODS,
    ClusterPeer,
    Tier,
)
from netviz.viewmodel.explain import Link, describe_cluster_rule, describe_rule, rule_title

#: node kinds
TIER = "tier"
POLICY = "policy"
SELECTOR = "selector"
SELECTS = "selects"
WORKLOAD = "workload"
RULES = "rules"
RULE = "rule"
PEER = "peer"
PORTS = "ports"


@dataclass(frozen=True)
class TreeNode:
    text: str
    detail: str = ""
    kind: str = ""
    policy: str | None = None  # key ("ns/name") of the policy this row belongs to
    key: str | None = None  # peer key for WORKLOAD rows
    link: Link | None = None
    children: tuple[TreeNode, ...] = ()


def _workloads(an: Analyzer, bits: int) -> dict[str, int]:
    """Workload key -> number of its pods among the classes ``bits``, sorted by key."""
    out: dict[str, int] = {}
    for c in bits_iter(bits):
        for pod in an.classes[c].pods:
            k = pod.workload_key or pod.key
            out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def _pods(n: int) -> str:
    return "1 pod" if n == 1 else f"{n} pods"


def is_cluster_policy_key(key: str) -> bool:
    """``Kind/name`` of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or
    ClusterNetworkPolicy (a NetworkPolicy's key is ``ns/name``; namespaces are lower case)."""
    return key.split("/", 1)[0] in CLUSTER_POLICY_KINDS


def compiled_policy(an: Analyzer, key: str) -> CompiledPolicy | CompiledClusterPolicy | None:
    """The compiled NetworkPolicy (``ns/name``) or cluster policy (``Kind/name``)."""
    pols: list[CompiledPolicy] | list[CompiledClusterPolicy]
    pols = an.cluster_policies if is_cluster_policy_key(key) else an.policies
    for cp in pols:
        if cp.policy.key == key:
            return cp
    return None


def selected_workloads(an: Analyzer, key: str) -> frozenset[str]:
    """Workloads with a pod the policy ``key`` selects."""
    cp = compiled_policy(an, key)
    return frozenset() if cp is None else frozenset(_workloads(an, cp.selected))


def peer_workloads(an: Analyzer, key: str) -> frozenset[str]:
    """Workloads with a pod matched by a peer of one of the policy's rules (every pod for a
    rule with no peers)."""
    cp = compiled_policy(an, key)
    if cp is None:
        return frozenset()
    bits = 0
    for cr in (*cp.ingress, *cp.egress):
        bits |= cr.peer_bits
    return frozenset(_workloads(an, bits & an.all_bits))


def affected_workloads(an: Analyzer, key: str) -> frozenset[str]:
    """What selecting a policy highlights: the workloads it selects and those its rules name."""
    return selected_workloads(an, key) | peer_workloads(an, key)


def policy_tree(an: Analyzer, text: str = "") -> tuple[TreeNode, ...]:
    """One subtree per policy, sorted by key; ``text`` keeps policies whose key contains it
    (case-insensitive). With cluster policies loaded: one node per tier, in evaluation order,
    with its policies in evaluation order (tiers without a policy left out)."""
    needle = text.strip().lower()
    nps = tuple(
        _policy_node(an, cp) for cp in an.policies
        if not needle or needle in cp.policy.key.lower()
    )
    if not an.cluster_policies:
        return nps
    tiers: list[TreeNode] = []
    for tier in (Tier.ADMIN, None, Tier.BASELINE):
        if tier is None:
            kids = nps
            head = "NetworkPolicy tier"
            detail = "final for the pods they select (what the Admin tier leaves open)"
        else:
            kids = tuple(
                _cluster_policy_node(an, cp) for cp in an.cluster_policies
                if cp.policy.tier is tier
                and (not needle or needle in cp.policy.key.lower()
                     or needle in cp.policy.name.lower())
            )
            head = f"{tier} tier"
            detail = ("by priority, rules in order: Accept/Allow and Deny final, Pass on to "
                      "NetworkPolicies" if tier is Tier.ADMIN
                      else "for pods no NetworkPolicy selects, by priority: the last word "
                           "before the default (allow)")
        if kids:
            tiers.append(TreeNode(f"{head} ({len(kids)})", detail, TIER, children=kids))
    return tuple(tiers)


def _policy_node(an: Analyzer, cp: CompiledPolicy) -> TreeNode:
    pol = cp.policy
    key = pol.key
    selected = _workloads(an, cp.selected)
    n_pods = sum(selected.values())
    types = ", ".join(t for t in (INGRESS, EGRESS) if t in pol.policy_types)
    children: list[TreeNode] = [
        TreeNode("Pod selector", str(pol.pod_selector)
                 + (" (every pod in the namespace)" if pol.pod_selector.is_empty else ""),
                 SELECTOR, key),
    ]
    for d in (INGRESS, EGRESS):
        word = d.lower()
        if d in pol.policy_types:
            wl_nodes = tuple(TreeNode(k, _pods(n), WORKLOAD, key, k) for k, n in selected.items())
            children.append(TreeNode(f"{d}: selects {_pods(n_pods)}",
                                     f"isolates them for {word}" if n_pods else "no pod",
                                     SELECTS, key, children=wl_nodes))
        else:
            children.append(TreeNode(f"{d}: not affected",
                                     f"policyTypes has no {d}", SELECTS, key))
    for d in (INGRESS, EGRESS):
        children.append(_rules_node(an, cp, d))
    detail = f"{types} · selects {_pods(n_pods)}"
    if len(selected) and len(selected) != n_pods:
        detail += f" of {len(selected)} workloads" if len(selected) > 1 else " of 1 workload"
    return TreeNode(key, detail, POLICY, key, link=Link.of(key, pol.source),
                    children=tuple(children))


def _rules_node(an: Analyzer, cp: CompiledPolicy, d: str) -> TreeNode:
    pol = cp.policy
    rules: tuple[Rule, ...] = pol.ingress if d == INGRESS else pol.egress
    word = d.lower()
    if d not in pol.policy_types:
        detail = f"ignored: policyTypes has no {d}" if rules else ""
    elif not rules:
        detail = f"none: all {word} of the selected pods is denied"
    else:
        detail = "allowed: the union of these rules"
    kids: list[TreeNode] = []
    for i, rule in enumerate(rules):
        grand: list[TreeNode] = []
        if rule.all_peers:
            who = "any source" if d == INGRESS else "any destination"
            grand.append(TreeNode(f"{'from' if d == INGRESS else 'to'} anywhere",
                                  f"{who}: every pod and every address", PEER, pol.key))
        for peer in rule.peers:
            grand.append(_peer_node(an, pol, peer))
        grand.append(TreeNode("ports", "all ports and protocols" if rule.all_ports
                              else ", ".join(str(p) for p in rule.ports), PORTS, pol.key))
        kids.append(TreeNode(
            f"{word} rule #{i + 1}", describe_rule(rule, d), RULE, pol.key,
            link=Link.of(f"{pol.key} {word} rule #{i + 1}", rule.source or pol.source),
            children=tuple(grand),
        ))
    return TreeNode(f"{d} rules ({len(rules)})", detail, RULES, pol.key, children=tuple(kids))


def _peer_node(an: Analyzer, pol: NetworkPolicy, peer: Peer) -> TreeNode:
    if peer.ip_block is not None:
        return TreeNode(str(peer), "addresses outside the cluster", PEER, pol.key,
                        link=Link.of(str(peer), peer.source))
    wls = _workloads(an, an.peer_bits(peer, pol.namespace))
    n = sum(wls.values())
    detail = f"matches {_pods(n)} in {len(wls)} workload{'s' if len(wls) != 1 else ''}" \
        if wls else "matches no pod"
    return TreeNode(str(peer), detail, PEER, pol.key, link=Link.of(str(peer), peer.source),
                    children=tuple(TreeNode(k, _pods(n), WORKLOAD, pol.key, k)
                                   for k, n in wls.items()))


def _cluster_policy_node(an: Analyzer, cp: CompiledClusterPolicy) -> TreeNode:
    pol = cp.policy
    key = pol.key
    selected = _workloads(an, cp.selected)
    n_pods = sum(selected.values())
    same = [o.policy.name for o in an.cluster_policies
            if o is not cp and o.policy.tier is pol.tier and pol.priority is not None
            and o.policy.priority == pol.priority]
    prio = "no priority (the only BaselineAdminNetworkPolicy)" if pol.priority is None \
        else f"priority {pol.priority}"
    if same:
        prio += f" (shared with {', '.join(same)}: order undefined, taken by name)"
    dirs = ", ".join(d for d in (INGRESS, EGRESS) if pol.rules(d == INGRESS))
    children: list[TreeNode] = [
        TreeNode("Subject", f"{pol.subject} (host-network pods are never selected)",
                 SELECTOR, key),
    ]
    for d in (INGRESS, EGRESS):
        if pol.rules(d == INGRESS):
            wl_nodes = tuple(TreeNode(k, _pods(n), WORKLOAD, key, k) for k, n in selected.items())
            children.append(TreeNode(f"{d}: selects {_pods(n_pods)}",
                                     "its rules apply to them" if n_pods else "no pod",
                                     SELECTS, key, children=wl_nodes))
        else:
            children.append(TreeNode(f"{d}: not affected", f"no {d.lower()} rules", SELECTS, key))
    for d in (INGRESS, EGRESS):
        rules = cp.rules(d)
        kids = tuple(_cluster_rule_node(an, cp, cr) for cr in rules)
        detail = "first match wins, in this order" if rules else ""
        children.append(TreeNode(f"{d} rules ({len(rules)})", detail, RULES, key, children=kids))
    detail = f"{prio} · {dirs or 'no rules'} · selects {_pods(n_pods)}"
    return TreeNode(f"{pol.kind} {pol.name}", detail, POLICY, key,
                    link=Link.of(f"{pol.kind} {pol.name}", pol.source),
                    children=tuple(children))


def _cluster_rule_node(an: Analyzer, cp: CompiledClusterPolicy, cr: CompiledClusterRule) -> TreeNode:
    pol = cp.policy
    d = cr.direction
    grand: list[TreeNode] = [_cluster_peer_node(an, pol.key, peer) for peer in cr.rule.peers]
    ports = "all ports and protocols" if cr.rule.ports is None else \
        ", ".join(str(p) for p in cr.rule.ports)
    grand.append(TreeNode("ports", ports, PORTS, pol.key))
    title = rule_title(pol, d, cr.index)
    return TreeNode(title, describe_cluster_rule(cr.rule, d), RULE, pol.key,
                    link=Link.of(f"{pol.kind} {pol.name} {title}", cr.rule.source or pol.source),
                    children=tuple(grand))


def _cluster_peer_node(an: Analyzer, key: str, peer: ClusterPeer) -> TreeNode:
    link = Link.of(str(peer), peer.source)
    if peer.kind in (NAMESPACES, PODS):
        wls = _workloads(an, an.cluster_peer_bits(peer.kind, peer.namespace_selector,
                                                  peer.pod_selector))
        n = sum(wls.values())
        detail = f"matches {_pods(n)} in {len(wls)} workload{'s' if len(wls) != 1 else ''}" \
            if wls else "matches no pod"
        return TreeNode(str(peer), detail, PEER, key, link=link,
                        children=tuple(TreeNode(k, _pods(m), WORKLOAD, key, k)
                                       for k, m in wls.items()))
    detail = {
        NETWORKS: "these addresses, and pods whose known IPs lie in them",
        NODES: (f"the addresses of the matching Node objects ({len(an.cluster.nodes)} loaded)"
                if an.cluster.nodes else "no Node objects loaded: matches no address"),
        DOMAIN_NAMES: "not resolved (no DNS): matches no address",
    }.get(peer.kind, "a peer of a kind netviz does not know: the rule fails closed")
    return TreeNode(str(peer), detail, PEER, key, link=link)


def iter_nodes(nodes: Iterable[TreeNode]) -> Iterable[TreeNode]:
    """Every node, depth first."""
    for n in nodes:
        yield n
        yield from iter_nodes(n.children)

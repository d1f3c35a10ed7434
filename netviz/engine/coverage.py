"""What the evaluator covers, so that every output can say what it leaves out.

The cluster-scoped policy tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) are loaded into ``Cluster.cluster_policies`` but not evaluated yet: the
cluster applies them, so connectivity computed from NetworkPolicies alone can differ from what
the cluster does. Every command warns about each of them (``unevaluated_policies``); when the
engine evaluates the tiers, this function returns only what it still leaves out.
"""

from __future__ import annotations

from netviz.model import Cluster


def unevaluated_policies(cluster: Cluster) -> list[str]:
    """``Kind name`` of every policy in ``cluster`` that the evaluator does not take into
    account, in evaluation order."""
    return [f"{p.kind} {p.name}" for p in cluster.cluster_policies]


def unevaluated_warning(what: str) -> str:
    return (
        f"{what} is not evaluated by netviz yet: the cluster applies it, but this output shows "
        "the effect of NetworkPolicies only"
    )


__all__ = ["unevaluated_policies", "unevaluated_warning"]

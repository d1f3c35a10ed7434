"""What the app says about enforcement: the network plugin in effect, the banner over the
graph, and the "as enforced today" view (Qt-free).

The plugin comes from the loaded input (``LoadResult.enforcement``: a snapshot's header, or
DaemonSets among the manifests) unless the user chose one (*Options > Network Plugin*, like
``--cni``). When the plugin does not enforce NetworkPolicy, the graph of what the policies
*say* is not what the cluster *does*: the banner says so, and *Show as Enforced Today*
evaluates the cluster with no policy at all (``enforced_today``), which is what happens: every
pair is allowed.
"""

from __future__ import annotations

from dataclasses import replace

from netviz.model import Cluster
from netviz.model.enforcement import BY_ID, Enforcement
from netviz.model.loaded import LoadResult


def effective(result: LoadResult | None, override: str | None) -> Enforcement | None:
    """The enforcement in effect: the user's choice (a plugin id), else what the input says."""
    if override is not None and override in BY_ID:
        return Enforcement.chosen(BY_ID[override])
    return result.enforcement if result is not None else None


def banner_text(enf: Enforcement | None, as_enforced: bool = False) -> str | None:
    """The banner over the graph, or None when there is nothing to warn about."""
    if enf is None or enf.warning() is None:
        return None
    head = enf.warning()
    assert head is not None
    head = head[0].upper() + head[1:]
    if as_enforced:
        return f"{head}. Shown as enforced today: every pair is allowed."
    return f"{head}. The graph shows what the policies say, not what the cluster does."


def enforced_today(cluster: Cluster) -> Cluster:
    """``cluster`` as a plugin that enforces nothing runs it: no policy of any tier."""
    return replace(cluster, policies=(), cluster_policies=())


__all__ = ["banner_text", "effective", "enforced_today"]

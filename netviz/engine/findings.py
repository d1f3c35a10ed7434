"""An audit finding: plain data every audit check returns and every view shows.

Rules: names the objects it is about with the keys every view uses (``NetworkPolicy ns/name``,
``AdminNetworkPolicy name`` / ``BaselineAdminNetworkPolicy default`` / ``ClusterNetworkPolicy
name`` for cluster policies, ``ns/name[Kind]`` for a workload or bare pod, ``Service ns/name``)
and, when known, the ``Source`` to open to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.model import Source
from netviz.model.cluster_policy import CLUSTER_POLICY_KINDS
from netviz.model.diagnostics import Severity
from netviz.model.keys import is_workload_key


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    title: str  # short, for a table row
    message: str  # a sentence or two a user understands
    objects: tuple[str, ...] = ()
    source: Source | None = None

    @property
    def policies(self) -> tuple[str, ...]:
        """Keys of the policies among ``objects``: ``ns/name`` for a NetworkPolicy,
        ``Kind/name`` for a cluster policy (``ClusterPolicy.key``)."""
        out = []
        for o in self.objects:
            kind, _, name = o.partition(" ")
            if kind == "NetworkPolicy":
                out.append(name)
            elif kind in CLUSTER_POLICY_KINDS:
                out.append(f"{kind}/{name}")
        return tuple(out)

    @property
    def services(self) -> tuple[str, ...]:
        p = "Service "
        return tuple(o[len(p):] for o in self.objects if o.startswith(p))

    @property
    def workloads(self) -> tuple[str, ...]:
        """Peer keys (``ns/name[Kind]``) among ``objects``."""
        return tuple(o for o in self.objects if is_workload_key(o))

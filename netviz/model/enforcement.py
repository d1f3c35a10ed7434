"""Is NetworkPolicy enforced at all? The cluster's network plugin decides.

NetworkPolicy objects are only enforced when the network plugin (CNI) implements them
(https://kubernetes.io/docs/concepts/services-networking/network-policies/#prerequisites:
"Creating a NetworkPolicy resource without a controller that implements it will have no
effect"). With Flannel alone, or the AWS VPC CNI without its network-policy agent, every policy
is silently inert and all traffic is allowed.

``PLUGINS`` is the table of plugins netviz knows, how each is recognised (``netviz.io.cni``
detects them from DaemonSets) and whether it enforces NetworkPolicy; docs/enforcement.md
prints it. ``Enforcement`` is the answer for one input: which plugin, whether it enforces
(True, False, or None when netviz cannot tell), the evidence, and where the answer came from.
Plain data: no detection logic here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plugin:
    id: str  # what --cni takes
    name: str  # shown to users
    enforces: bool | None  # None: depends on the version or configuration
    recognised_by: str  # for docs/enforcement.md
    note: str = ""


PLUGINS: tuple[Plugin, ...] = (
    Plugin("calico", "Calico", True,
           "DaemonSet `calico-node` (kube-system or calico-system), or `canal`; or a container "
           "named `calico-node`"),
    Plugin("cilium", "Cilium", True,
           "DaemonSet `cilium` or a container `cilium-agent`",
           "not enforced when `--enable-policy=never` is among the agent's args"),
    Plugin("antrea", "Antrea", True, "DaemonSet `antrea-agent`"),
    Plugin("kube-router", "kube-router", True,
           "DaemonSet `kube-router`",
           "not enforced when its args say `--run-firewall=false`"),
    Plugin("gke-dataplane-v2", "GKE Dataplane V2", True, "DaemonSet `anetd` (kube-system)"),
    Plugin("weave", "Weave Net", True,
           "DaemonSet `weave-net` with its `weave-npc` container",
           "without the `weave-npc` container, policies are not enforced"),
    Plugin("azure-npm", "Azure Network Policy Manager", True, "DaemonSet `azure-npm`"),
    Plugin("ovn-kubernetes", "OVN-Kubernetes", True, "DaemonSet `ovnkube-node`"),
    Plugin("kube-ovn", "Kube-OVN", True, "DaemonSet `kube-ovn-cni`"),
    Plugin("kube-network-policies", "kube-network-policies", True,
           "DaemonSet `kube-network-policies` (kubernetes-sigs)"),
    Plugin("aws-vpc-cni-network-policy", "AWS VPC CNI with the network policy agent", True,
           "DaemonSet `aws-node` whose `aws-eks-nodeagent` container has "
           "`--enable-network-policy=true`"),
    Plugin("aws-vpc-cni", "AWS VPC CNI (no network policy agent)", False,
           "DaemonSet `aws-node` without an enabled `aws-eks-nodeagent` container"),
    Plugin("flannel", "Flannel", False,
           "DaemonSet `kube-flannel-ds` or `kube-flannel` (a container `kube-flannel`), "
           "with no enforcing plugin beside it"),
    Plugin("kindnet", "kindnet", None, "DaemonSet `kindnet`",
           "kindnetd enforces NetworkPolicy from its 2024 releases (kind v0.24) on; older "
           "ones do not"),
)
BY_ID: dict[str, Plugin] = {p.id: p for p in PLUGINS}
#: names people also use for --cni
ALIASES = {"canal": "calico", "aws": "aws-vpc-cni", "aws-node": "aws-vpc-cni",
           "dataplane-v2": "gke-dataplane-v2", "anetd": "gke-dataplane-v2",
           "weave-net": "weave", "kube-flannel": "flannel", "ovn": "ovn-kubernetes"}


def plugin(name: str) -> Plugin | None:
    key = name.strip().lower()
    return BY_ID.get(ALIASES.get(key, key))


@dataclass(frozen=True)
class Enforcement:
    """Whether the policies of one input are enforced, and why netviz thinks so."""

    plugin: str  # a Plugin id, or "" when no known plugin was found
    name: str  # shown to users, e.g. "Flannel"
    enforced: bool | None  # None: cannot tell
    evidence: tuple[str, ...] = ()  # e.g. "DaemonSet kube-flannel/kube-flannel-ds"
    source: str = "detected"  # "snapshot" | "manifests" | "user" (--cni / the app)

    @property
    def not_enforced(self) -> bool:
        return self.enforced is False

    def warning(self) -> str | None:
        """The sentence every output carries when the policies are not enforced."""
        if self.enforced is not False:
            return None
        return f"these policies are not enforced by {self.name}: all traffic is allowed"

    def describe(self) -> str:
        """One line for notes and the app's status: what, whether, and from where."""
        if not self.plugin:
            return "network plugin: unknown (no known plugin found); NetworkPolicy enforcement unknown"
        state = {True: "enforces NetworkPolicy", False: "does NOT enforce NetworkPolicy",
                 None: "may or may not enforce NetworkPolicy"}[self.enforced]
        origin = {"user": "as chosen", "snapshot": "detected when the snapshot was taken",
                  "manifests": "detected from the manifests"}.get(self.source, "detected")
        return f"network plugin: {self.name} ({origin}) {state}"

    @classmethod
    def chosen(cls, p: Plugin) -> Enforcement:
        return cls(p.id, p.name, p.enforces, (f"chosen: --cni {p.id}",), "user")

    def to_header(self) -> dict[str, object]:
        """The ``cni`` entry of a snapshot header (docs/snapshots.md)."""
        return {"plugin": self.plugin, "name": self.name, "enforces": self.enforced,
                "evidence": list(self.evidence)}

    @classmethod
    def from_header(cls, entry: dict[str, object]) -> Enforcement:
        enforces = entry.get("enforces")
        evidence = entry.get("evidence")
        return cls(
            str(entry.get("plugin") or ""),
            str(entry.get("name") or entry.get("plugin") or "an unknown plugin"),
            enforces if isinstance(enforces, bool) else None,
            tuple(str(e) for e in evidence) if isinstance(evidence, list) else (),
            "snapshot",
        )


__all__ = ["ALIASES", "BY_ID", "Enforcement", "PLUGINS", "Plugin", "plugin"]

"""Detect the network plugin, and whether it enforces NetworkPolicy, from DaemonSets.

Every CNI plugin runs a DaemonSet (one agent per node): ``calico-node``, ``cilium``,
``kube-flannel-ds``, ``aws-node``, ``anetd``, ``antrea-agent``, ``kube-router``, ``weave-net``,
... ``detect(daemonsets)`` looks at their names, their containers and the containers' args (the
AWS network-policy agent and kube-router's firewall are switched by args), in any namespace, and
returns an ``Enforcement`` (``netviz.model.enforcement``; the table of plugins and how each is
recognised is ``PLUGINS`` there, printed in docs/enforcement.md).

Rules:
- Any enforcing plugin found wins (Canal = Flannel + Calico; Calico or Cilium beside the AWS VPC
  CNI enforce): the answer names it.
- Otherwise a non-enforcing plugin found (Flannel alone, the AWS VPC CNI without its agent, Weave
  without ``weave-npc``) means *not enforced*.
- Otherwise (nothing known, or only kindnet whose answer depends on its version) the answer is
  ``enforced=None``: unknown, and no output claims otherwise.

``netviz snapshot`` runs this on the full objects before it drops container args from them, and
records the answer in the snapshot header (``cni``), so a slim snapshot still carries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netviz.model.enforcement import BY_ID, Enforcement

_DS_NAMES = {
    "calico-node": "calico",
    "canal": "calico",
    "cilium": "cilium",
    "cilium-agent": "cilium",
    "antrea-agent": "antrea",
    "kube-router": "kube-router",
    "anetd": "gke-dataplane-v2",
    "weave-net": "weave",
    "azure-npm": "azure-npm",
    "ovnkube-node": "ovn-kubernetes",
    "kube-ovn-cni": "kube-ovn",
    "kube-network-policies": "kube-network-policies",
    "aws-node": "aws-vpc-cni",
    "kube-flannel-ds": "flannel",
    "kube-flannel": "flannel",
    "kindnet": "kindnet",
}
_CONTAINERS = {
    "calico-node": "calico",
    "cilium-agent": "cilium",
    "antrea-agent": "antrea",
    "kube-flannel": "flannel",
    "weave-npc": "weave",
    "kube-router": "kube-router",
}


def _containers(ds: dict[str, Any]) -> list[dict[str, Any]]:
    spec = ds.get("spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    containers = pod_spec.get("containers") if isinstance(pod_spec, dict) else None
    return [c for c in containers if isinstance(c, dict)] if isinstance(containers, list) else []


def _args(container: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        if isinstance(value, list):
            out.extend(str(v) for v in value)
    return out


def _flag(args: list[str], name: str) -> str | None:
    """The value of ``--name=value`` (or ``--name value``) among ``args``; None if absent."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _one(ds: dict[str, Any]) -> tuple[str, bool | None, str] | None:
    """(plugin id, enforces, evidence) for one DaemonSet, or None when it is no known plugin."""
    meta = ds.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name = str(meta.get("name") or "")
    where = f"DaemonSet {meta.get('namespace') or 'default'}/{name}"
    containers = _containers(ds)
    names = {str(c.get("name") or ""): c for c in containers}
    pid = _DS_NAMES.get(name)
    if pid is None:
        for cname in names:
            if cname in _CONTAINERS:
                pid = _CONTAINERS[cname]
                break
    if pid is None:
        return None
    if pid == "aws-vpc-cni":
        agent = names.get("aws-eks-nodeagent")
        if agent is None:
            return pid, False, f"{where} has no network policy agent (aws-eks-nodeagent)"
        value = _flag(_args(agent), "--enable-network-policy")
        if value is not None and value.lower() == "true":
            return ("aws-vpc-cni-network-policy", True,
                    f"{where}: container aws-eks-nodeagent has --enable-network-policy=true")
        return (pid, False, f"{where}: container aws-eks-nodeagent has "
                f"--enable-network-policy={value if value is not None else 'false (default)'}")
    if pid == "weave":
        if "weave-npc" in names:
            return pid, True, f"{where}: container weave-npc"
        return pid, False, f"{where} has no weave-npc container"
    if pid == "kube-router":
        args = [a for c in containers for a in _args(c)]
        if (_flag(args, "--run-firewall") or "true").lower() == "false":
            return pid, False, f"{where} runs with --run-firewall=false"
        return pid, True, where
    if pid == "cilium":
        args = [a for c in containers for a in _args(c)]
        if (_flag(args, "--enable-policy") or "").lower() == "never":
            return pid, False, f"{where} runs with --enable-policy=never"
        return pid, True, where
    if pid == "calico" and name == "canal":
        return pid, True, f"{where} (Canal: Calico policy on Flannel networking)"
    return pid, BY_ID[pid].enforces, where


def detect(daemonsets: Iterable[Any], source: str = "detected") -> Enforcement:
    """The plugin and its enforcement, from DaemonSet objects as the API returns them."""
    found: list[tuple[str, bool | None, str]] = []
    for ds in daemonsets:
        if isinstance(ds, dict):
            got = _one(ds)
            if got is not None:
                found.append(got)
    for wanted in (True, False, None):
        hits = [f for f in found if f[1] is wanted]
        if hits:
            pid = hits[0][0]
            names = list(dict.fromkeys(BY_ID[h[0]].name for h in hits))
            evidence = tuple(f[2] for f in found)
            return Enforcement(pid, " + ".join(names), wanted, evidence, source)
    return Enforcement("", "an unknown network plugin", None,
                       ("no DaemonSet of a known network plugin was found",), source)


__all__ = ["detect"]

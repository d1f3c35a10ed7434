"""A throwaway manifest reader for the conformance test, used only while
``netviz.io.manifests.load_paths`` does not exist yet (it is written concurrently).

It is deliberately minimal: no validation, no diagnostics, no line numbers. The conformance test
prefers ``load_paths`` whenever it can be imported; delete this module once it is there.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import yaml

from netviz.model import (
    WORKLOAD_KINDS,
    Cluster,
    ContainerPort,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Requirement,
    Rule,
    Service,
    ServicePort,
    Workload,
    assemble_cluster,
)


def _docs(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    out: list[dict[str, Any]] = []
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            return out
        docs = [data]
    else:
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            return out
    for d in docs:
        if not isinstance(d, dict):
            continue
        if str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
            item_kind = str(d["kind"])[: -len("List")]
            for i in d["items"]:
                if isinstance(i, dict):
                    if "kind" not in i and item_kind:
                        i = {**i, "kind": item_kind}
                    out.append(i)
        else:
            out.append(d)
    return out


def _selector(d: Any) -> LabelSelector:
    d = d or {}
    ml = tuple(sorted((str(k), str(v)) for k, v in (d.get("matchLabels") or {}).items()))
    me = tuple(
        Requirement(str(e["key"]), str(e["operator"]), tuple(str(v) for v in e.get("values") or ()))
        for e in d.get("matchExpressions") or ()
    )
    return LabelSelector(ml, me)


def _ports(containers: Any) -> tuple[ContainerPort, ...]:
    out = []
    for c in containers or ():
        for p in c.get("ports") or ():
            if "containerPort" in p:
                out.append(ContainerPort(int(p["containerPort"]), p.get("name"), p.get("protocol", "TCP")))
    return tuple(out)


def _owner(meta: dict[str, Any]) -> tuple[str, str] | None:
    refs = meta.get("ownerReferences") or []
    refs = sorted(refs, key=lambda r: not r.get("controller", False))
    return (refs[0]["kind"], refs[0]["name"]) if refs else None


def _peer(d: dict[str, Any]) -> Peer:
    if "ipBlock" in d:
        ib = d["ipBlock"]
        cidr = str(ipaddress.ip_network(ib["cidr"], strict=False))
        exc = tuple(str(ipaddress.ip_network(e, strict=False)) for e in ib.get("except") or ())
        return Peer(ip_block=IPBlock(cidr, exc))
    ps = _selector(d["podSelector"]) if "podSelector" in d else None
    ns = _selector(d["namespaceSelector"]) if "namespaceSelector" in d else None
    return Peer(pod_selector=ps, namespace_selector=ns)


def _pport(d: dict[str, Any]) -> PolicyPort:
    port = d.get("port")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    return PolicyPort(d.get("protocol", "TCP"), port, d.get("endPort"))


def _rule(d: dict[str, Any], peers_key: str) -> Rule:
    d = d or {}
    return Rule(
        tuple(_peer(p) for p in d.get(peers_key) or ()),
        tuple(_pport(p) for p in d.get("ports") or ()),
        peers_key in d,
        "ports" in d,
    )


def load_dir(root: Path) -> Cluster:
    namespaces, pods, workloads, services, policies = [], [], [], [], []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
            continue
        for d in _docs(path):
            kind = d.get("kind")
            meta = d.get("metadata") or {}
            name = meta.get("name", "")
            ns = meta.get("namespace") or "default"
            spec = d.get("spec") or {}
            try:
                if kind == "Namespace":
                    namespaces.append(Namespace(name, dict(meta.get("labels") or {})))
                elif kind == "Pod":
                    st = d.get("status") or {}
                    ips = tuple(i["ip"] for i in st.get("podIPs") or ()) or (
                        (st["podIP"],) if st.get("podIP") else ()
                    )
                    pods.append(
                        Pod(ns, name, dict(meta.get("labels") or {}), _ports(spec.get("containers")),
                            ips, bool(spec.get("hostNetwork")), _owner(meta), st.get("phase"))
                    )
                elif kind in WORKLOAD_KINDS:
                    tmpl = spec.get("template") or {}
                    if kind == "CronJob":
                        tmpl = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
                    tspec = tmpl.get("spec") or {}
                    workloads.append(
                        Workload(kind, ns, name, dict((tmpl.get("metadata") or {}).get("labels") or {}),
                                 _ports(tspec.get("containers")), int(spec.get("replicas", 1) or 1),
                                 bool(tspec.get("hostNetwork")), dict(meta.get("labels") or {}),
                                 _owner(meta))
                    )
                elif kind == "Service":
                    services.append(
                        Service(ns, name, spec.get("selector"),
                                tuple(ServicePort(int(p["port"]), p.get("targetPort", p["port"]),
                                                  p.get("protocol", "TCP"), p.get("name"))
                                      for p in spec.get("ports") or ()))
                    )
                elif kind == "NetworkPolicy":
                    ing = tuple(_rule(r, "from") for r in spec.get("ingress") or ())
                    eg = tuple(_rule(r, "to") for r in spec.get("egress") or ())
                    types = spec.get("policyTypes")
                    if types:
                        pt = frozenset(types)
                    else:
                        pt = frozenset({"Ingress", "Egress"} if eg or "egress" in spec and spec["egress"] else {"Ingress"})
                    policies.append(
                        NetworkPolicy(ns, name, _selector(spec.get("podSelector")), pt, ing, eg, bool(types))
                    )
            except (KeyError, TypeError, ValueError):
                continue
    return assemble_cluster(namespaces, pods, workloads, services, policies)

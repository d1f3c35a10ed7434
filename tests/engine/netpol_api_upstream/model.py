"""The shape of the ported upstream conformance cases, and the cluster they run on.

The cluster is this project's own rewrite of the suite's ``conformance/base/manifests.yaml``:
five namespaces (gryffindor, slytherin, hufflepuff, ravenclaw, forbidden-forrest) labelled
``conformance-house: <house>``, two pods each (``harry-potter-0/1``, ``draco-malfoy-0/1``,
``cedric-diggory-0/1``, ``luna-lovegood-0/1``, ``centaur-0/1``) with the container ports the
suite declares (``web`` TCP 80, ``dns`` UDP 53), pod IPs (the suite probes pods by IP, and its
CIDR tests name those IPs), and the host-networked ``centaur`` pods on two Nodes labelled
``kubernetes.io/os: linux`` (the suite's node-peer tests), whose IPs are their nodes'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFIX = "network-policy-conformance-"
HOUSES = {
    "gryffindor": "harry-potter",
    "slytherin": "draco-malfoy",
    "hufflepuff": "cedric-diggory",
    "ravenclaw": "luna-lovegood",
}
NODE_IPS = ("172.18.0.2", "172.18.0.3")

#: ("client ns", "client pod", "TCP", "server ns", "server pod", port, expected) or an edit:
#: ("edit", policy name, op) / ("namespace", ns, labels) / ("delete", kind, ns, name)
Step = tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    name: str
    manifests: list[str]
    steps: list[Step]


def base_objects() -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = []
    for i, house in enumerate([*HOUSES, "forbidden-forrest"]):
        objs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": PREFIX + house, "labels": {"conformance-house": house}}})
        for k in range(2):
            host = house == "forbidden-forrest"
            name = f"centaur-{k}" if host else f"{HOUSES[house]}-{k}"
            ip = NODE_IPS[k] if host else f"10.244.{i}.{10 + k}"
            ports = [] if host else [
                {"containerPort": 80, "protocol": "TCP", "name": "web"},
                {"containerPort": 53, "protocol": "UDP", "name": "dns"},
            ]
            spec: dict[str, Any] = {"containers": [{"name": "c", "image": "agnhost", "ports": ports}]}
            if host:
                spec["hostNetwork"] = True
            objs.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": name, "namespace": PREFIX + house,
                                      "labels": {"conformance-house": house}},
                         "spec": spec,
                         "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}})
    for k, ip in enumerate(NODE_IPS):
        objs.append({"apiVersion": "v1", "kind": "Node",
                     "metadata": {"name": f"node-{k}", "labels": {"kubernetes.io/os": "linux"}},
                     "status": {"addresses": [{"type": "InternalIP", "address": ip}]}})
    return objs


def pod_ip(ns: str, pod: str) -> str:
    for o in base_objects():
        if o["kind"] == "Pod" and o["metadata"]["name"] == pod and o["metadata"]["namespace"] == PREFIX + ns:
            return str(o["status"]["podIP"])
    raise KeyError(pod)

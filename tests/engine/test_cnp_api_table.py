"""ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), sentence by sentence: one table
row per statement of the API's comments (kubernetes-sigs/network-policy-api
``apis/v1alpha2/clusternetworkpolicy_types.go`` at v0.2.0, and the later wording where it is
clearer), with policies written as a user would (YAML through ``netviz.io``) and probes.

The cluster: namespaces ``a`` (``team: x``), ``b`` (``team: y``), ``c``; pods ``a/web`` (app=web,
container ports ``http`` TCP 8080, ``dns`` UDP 53), ``b/db`` (app=db, ``pg`` TCP 5432),
``b/cache`` (app=cache), ``c/agent`` (hostNetwork, on node ``n1``); pod IPs are known (as in
a snapshot) so that ``networks`` peers can match pods; the node ``n1`` has 192.168.1.10.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from netviz.engine import Analyzer, IPRange
from netviz.io.manifests import load_text
from netviz.model import Pod

BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: y}}
---
apiVersion: v1
kind: Namespace
metadata: {name: c}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec:
  containers:
  - name: w
    image: w
    ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b, labels: {app: db}}
spec: {containers: [{name: d, image: d, ports: [{name: pg, containerPort: 5432}]}]}
status: {podIP: 10.0.2.1}
---
apiVersion: v1
kind: Pod
metadata: {name: cache, namespace: b, labels: {app: cache}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.0.2.2}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: c, labels: {app: agent}}
spec: {hostNetwork: true, containers: [{name: a, image: a}]}
status: {podIP: 192.168.1.10}
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {role: worker}}
status: {addresses: [{type: InternalIP, address: 192.168.1.10}]}
"""


def cnp(name: str, tier: str, priority: int, body: str) -> str:
    indented = "\n".join("  " + ln for ln in body.strip("\n").splitlines())
    return (f"apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
            f"metadata: {{name: {name}}}\nspec:\n  tier: {tier}\n  priority: {priority}\n"
            f"{indented}\n")


def np(ns: str, name: str, body: str) -> str:
    indented = "\n".join("  " + ln for ln in body.strip("\n").splitlines())
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: {ns}}}\nspec:\n{indented}\n")


#: (source, destination, "TCP 80", allowed?) with pods as ns/name and addresses as IPs
Probe = tuple[str, str, str, bool]


@dataclass(frozen=True)
class Row:
    id: str
    says: str  # the API comment the row checks
    objects: tuple[str, ...]
    probes: tuple[Probe, ...]


ALL_NS = "subject: {namespaces: {}}"
TO_B = "to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: b}}}]"
FROM_A = "from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}]"

ROWS = [
    Row("priority-lower-first",
        "Policies with lower priority values have higher precedence, and are checked before "
        "policies with higher priority values in the same tier.",
        (cnp("deny", "Admin", 20, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),
         cnp("accept", "Admin", 10, f"{ALL_NS}\ningress: [{{action: Accept, {FROM_A}}}]")),
        (("a/web", "b/db", "TCP 5432", True),)),
    Row("admin-final-decision",
        "If Admin tier has made a final decision (Accept or Deny) on a connection, then no "
        "further evaluation is done.",
        (cnp("deny", "Admin", 5, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),
         np("b", "allow-all", "podSelector: {}\ningress: [{}]")),
        (("a/web", "b/db", "TCP 5432", False),)),
    Row("networkpolicy-final-for-selected",
        "v1.NetworkPolicy always makes a final decision for selected pods.",
        (np("b", "deny-all", "podSelector: {}\npolicyTypes: [Ingress]"),
         cnp("base", "Baseline", 1, f"{ALL_NS}\ningress: [{{action: Accept, {FROM_A}}}]")),
        (("a/web", "b/db", "TCP 5432", False),)),
    Row("baseline-for-unselected",
        "Further evaluation only happens for Pods not selected by a v1.NetworkPolicy.",
        (np("b", "db-only", "podSelector: {matchLabels: {app: db}}\ningress: [{}]"),
         cnp("base", "Baseline", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]")),
        (("a/web", "b/db", "TCP 5432", True), ("a/web", "b/cache", "TCP 6379", False))),
    Row("default-allow",
        "If a given connection wasn't allowed or denied by any of the tiers, the default "
        "kubernetes policy is applied, which says that all pods can communicate with each "
        "other.",
        (cnp("unrelated", "Admin", 1,
             f"{ALL_NS}\ningress: [{{action: Deny, from: [{{namespaces: {{matchLabels: "
             "{team: nobody}}}]}]"),),
        (("a/web", "b/db", "TCP 5432", True),)),
    Row("rule-order",
        "The relative precedence of ingress rules within a single CNP object (all of which "
        "share the priority) will be determined by the order in which the rule is written.",
        (cnp("p", "Admin", 1, f"{ALL_NS}\ningress:\n- {{action: Accept, {FROM_A}, protocols: "
             "[{tcp: {destinationPort: {number: 5432}}}]}\n"
             f"- {{action: Deny, {FROM_A}}}"),),
        (("a/web", "b/db", "TCP 5432", True), ("a/web", "b/db", "TCP 22", False))),
    Row("no-ingress-rules",
        "CNPs with no ingress rules do not affect ingress traffic.",
        (cnp("egress-only", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, {TO_B}}}]"),),
        (("b/db", "a/web", "TCP 8080", True), ("a/web", "b/db", "TCP 5432", False))),
    Row("pass-admin-to-networkpolicy",
        "Pass: Skips all further ClusterNetworkPolicy rules in the current tier for the "
        "selected traffic, and passes evaluation to the next tier.",
        (cnp("pass", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Pass, {FROM_A}}}]"),
         cnp("deny", "Admin", 2, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),
         np("b", "db-in", "podSelector: {matchLabels: {app: db}}\ningress: [{ports: "
            "[{port: 5432}]}]")),
        (("a/web", "b/db", "TCP 5432", True), ("a/web", "b/db", "TCP 22", False),
         ("a/web", "b/cache", "TCP 6379", True))),
    Row("pass-baseline-to-default",
        "For example, if an Admin tier CNP uses Pass action, NetworkPolicy evaluation will "
        "happen next (and a Baseline Pass goes on to the default).",
        (cnp("bpass", "Baseline", 1, f"{ALL_NS}\ningress: [{{action: Pass, {FROM_A}}}]"),
         cnp("bdeny", "Baseline", 2, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]")),
        (("a/web", "b/db", "TCP 5432", True),)),
    Row("accept-egress-ingress-still-applies",
        "Accept (egress): no further egress ClusterNetworkPolicy or NetworkPolicy rules will be "
        "processed but any ingress rules at the destination do apply.",
        (cnp("accept-out", "Admin", 1, f"{ALL_NS}\negress: [{{action: Accept, {TO_B}}}]"),
         np("b", "deny-in", "podSelector: {}\npolicyTypes: [Ingress]")),
        (("a/web", "b/db", "TCP 5432", False),)),
    Row("host-network-not-subject",
        "Note that host-networked pods are not included in subject selection.",
        (cnp("deny", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, {TO_B}}}]"),),
        (("c/agent", "b/db", "TCP 5432", True), ("a/web", "b/db", "TCP 5432", False))),
    Row("host-network-not-peer",
        "Namespaces defines a way to select all pods within a set of Namespaces. Note that "
        "host-networked pods are not included in this type of peer.",
        (cnp("deny", "Admin", 1, "subject: {namespaces: {matchLabels: {team: y}}}\n"
             "ingress: [{action: Deny, from: [{namespaces: {}}]}]"),),
        (("c/agent", "b/db", "TCP 5432", True), ("a/web", "b/db", "TCP 5432", False))),
    Row("pods-peer-and",
        "Pods defines a way to select a set of pods in a set of namespaces (NamespaceSelector "
        "AND PodSelector; an empty NamespaceSelector selects all Namespaces).",
        (cnp("deny", "Admin", 1, "subject: {pods: {podSelector: {matchLabels: {app: db}}}}\n"
             "ingress: [{action: Deny, from: [{pods: {podSelector: {matchLabels: {app: web}}}}]}]"),),
        (("a/web", "b/db", "TCP 5432", False), ("b/cache", "b/db", "TCP 5432", True),
         ("a/web", "b/cache", "TCP 1", True))),
    Row("networks-match-pod-traffic",
        "Networks: cluster-internal traffic will be checked against the rule as well. So if "
        "you Accept or Deny traffic to 0.0.0.0/0, that will allow or deny all IPv4 pod-to-pod "
        "traffic as well.",
        (cnp("deny-world", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, to: [{{networks: "
             "[0.0.0.0/0]}]}]"),),
        (("a/web", "b/db", "TCP 5432", False), ("a/web", "8.8.8.8", "UDP 53", False))),
    Row("networks-pass-pods-first",
        "If you don't want that, add a rule that Passes all pod traffic before the Networks "
        "rule.",
        (cnp("deny-world", "Admin", 1, f"{ALL_NS}\negress:\n- {{action: Pass, to: "
             "[{namespaces: {}}]}\n- {action: Deny, to: [{networks: [0.0.0.0/0]}]}"),),
        (("a/web", "b/db", "TCP 5432", True), ("a/web", "8.8.8.8", "UDP 53", False))),
    Row("protocols-unspecified",
        "Protocols: If unspecified, protocol-specific attributes will not be used to match "
        "traffic.",
        (cnp("deny", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),),
        (("a/web", "b/db", "TCP 5432", False), ("a/web", "b/db", "UDP 53", False),
         ("a/web", "b/db", "SCTP 9", False))),
    Row("protocol-port-number-and-range",
        "DestinationPort: Number defines a network port value; Range an inclusive range from "
        "Start to End.",
        (cnp("ports", "Admin", 1, f"{ALL_NS}\ningress:\n- {{action: Accept, {FROM_A}, "
             "protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: "
             "{range: {start: 8000, end: 8100}}}}]}\n"
             f"- {{action: Deny, {FROM_A}}}"),),
        (("a/web", "b/db", "UDP 53", True), ("a/web", "b/db", "TCP 8000", True),
         ("a/web", "b/db", "TCP 8100", True), ("a/web", "b/db", "TCP 8101", False),
         ("a/web", "b/db", "TCP 53", False))),
    Row("destination-named-port",
        "DestinationNamedPort selects a destination port on a pod based on the ContainerPort "
        "name.",
        (cnp("named", "Admin", 1, "subject: {namespaces: {}}\negress:\n- {action: Accept, "
             "to: [{namespaces: {}}], protocols: [{destinationNamedPort: pg}]}\n"
             "- {action: Deny, to: [{namespaces: {}}]}"),),
        (("a/web", "b/db", "TCP 5432", True), ("a/web", "b/cache", "TCP 5432", False))),
    Row("fail-closed-accept",
        "For Accept rules, fail closed means: treat the rule as matching no traffic.",
        (cnp("closed", "Admin", 1, f"{ALL_NS}\ningress:\n- {{action: Accept, from: "
             "[{serviceAccounts: {name: x}}]}\n" f"- {{action: Deny, {FROM_A}}}"),),
        (("a/web", "b/db", "TCP 5432", False), ("b/db", "a/web", "TCP 8080", True))),
    Row("fail-closed-deny",
        "For Deny and Pass rules, fail closed means: treat the rule as a 'Deny all' rule.",
        (cnp("closed", "Admin", 1, "subject: {namespaces: {matchLabels: {team: y}}}\n"
             "ingress: [{action: Pass, from: [{serviceAccounts: {name: x}}]}]"),),
        (("a/web", "b/db", "TCP 5432", False), ("b/db", "a/web", "TCP 8080", True))),
    Row("nodes-peer",
        "Nodes selects the nodeIPs as the peer type by matching on the IPs present in the "
        "node.Status.Addresses field of the node.",
        (cnp("nodes", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, to: [{{nodes: "
             "{matchLabels: {role: worker}}}]}]"),),
        (("a/web", "192.168.1.10", "TCP 10250", False), ("a/web", "192.168.1.11", "TCP 1", True),
         ("a/web", "c/agent", "TCP 1", False))),
    Row("domain-names-static",
        "DomainNames is only supported for Accept rules (netviz resolves no DNS: the rule "
        "matches no address, and what follows decides).",
        (cnp("dns", "Admin", 1, f"{ALL_NS}\negress:\n- {{action: Accept, to: [{{domainNames: "
             "[\"*.example.com\"]}]}\n- {action: Deny, to: [{networks: [1.2.3.0/24]}]}"),),
        (("a/web", "1.2.3.4", "TCP 443", False), ("a/web", "1.2.4.4", "TCP 443", True))),
    Row("same-priority-undefined",
        "If two (or more) policies in the same tier with the same priority could match a "
        "connection, then the implementation can apply any of the matching policies "
        "(netviz: by name, and says so).",
        (cnp("b-accept", "Admin", 7, f"{ALL_NS}\ningress: [{{action: Accept, {FROM_A}}}]"),
         cnp("a-deny", "Admin", 7, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]")),
        (("a/web", "b/db", "TCP 5432", False),)),
]


def _endpoint(an: Analyzer, text: str) -> Pod | IPRange:
    if "/" in text:
        ns, name = text.split("/")
        return next(p for p in an.cluster.pods if p.namespace == ns and p.name == name)
    return IPRange.parse(text)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_api_statement(row: Row) -> None:
    result = load_text(BASE + "---\n" + "---\n".join(row.objects))
    assert not result.errors, [str(e) for e in result.errors]
    an = Analyzer(result.cluster)
    for src, dst, conn, want in row.probes:
        proto, port = conn.split()
        got = an.verdict(_endpoint(an, src), _endpoint(an, dst)).allows(proto, int(port))
        assert got == want, f"{row.says}\n{src} -> {dst} {conn}: expected {'allowed' if want else 'denied'}"


def test_same_priority_is_stated() -> None:
    row = next(r for r in ROWS if r.id == "same-priority-undefined")
    result = load_text(BASE + "---\n" + "---\n".join(row.objects))
    assert "anp-same-priority" in {d.code for d in result.diagnostics}
    assert any("share priority 7" in a for a in Analyzer(result.cluster).assumptions())

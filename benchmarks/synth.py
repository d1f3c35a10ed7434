"""Synthetic clusters for benchmarks: deterministic, realistic in shape, any size.

Each namespace is a small application: workloads in tiers (web, api, worker, db, cache) with
named container ports, and policies in the patterns real clusters use: default deny, DNS
egress, tier-to-tier allows on named ports, cross-namespace allows by namespace label,
monitoring scrapes, ipBlocks with except, egress-only policies, matchExpressions.

    python benchmarks/synth.py OUT_DIR --namespaces 50 --workloads 1000 --policies 400
    python benchmarks/synth.py OUT_DIR --namespaces 100 --workloads 2000 --policies 2000 --pods 10000
    python benchmarks/synth.py OUT_DIR --admin-policies 50 [--api v1alpha2]

With ``--pods`` the pods are written explicitly (as a live cluster has them: owned by
ReplicaSets/StatefulSets, with IPs, StatefulSet pods carrying their unique pod-name label);
without it, only workloads are written and netviz makes their pods from the templates.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import yaml

TIERS = ("web", "api", "worker", "db", "cache")
PORTS = {
    "web": [("http", 8080, "TCP"), ("metrics", 9102, "TCP")],
    "api": [("http", 8000, "TCP"), ("grpc", 50051, "TCP"), ("metrics", 9102, "TCP")],
    "worker": [("metrics", 9102, "TCP")],
    "db": [("postgres", 5432, "TCP"), ("metrics", 9187, "TCP")],
    "cache": [("redis", 6379, "TCP"), ("metrics", 9121, "TCP")],
}


def _container(tier: str) -> dict[str, Any]:
    return {
        "name": tier,
        "image": f"example/{tier}:1.0",
        "ports": [{"name": n, "containerPort": p, "protocol": pr} for n, p, pr in PORTS[tier]],
    }


def _sel(**labels: str) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


def generate(namespaces: int, workloads: int, policies: int, pods: int = 0, seed: int = 1,
             admin_policies: int = 0, api: str = "v1alpha1") -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    objs: list[dict[str, Any]] = []
    per_ns = max(1, workloads // namespaces)
    teams = [f"team-{i % 7}" for i in range(namespaces)]
    pods_per_wl = max(1, pods // workloads) if pods else 0
    ip = [10, 0, 0, 1]

    def next_ip() -> str:
        ip[3] += 1
        if ip[3] > 254:
            ip[3] = 1
            ip[2] += 1
            if ip[2] > 255:
                ip[2] = 0
                ip[1] += 1
        return ".".join(map(str, ip))

    ns_names = [f"app-{i:03d}" for i in range(namespaces)]
    for i, ns in enumerate(ns_names):
        objs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": ns, "labels": {"team": teams[i], "env": rnd.choice(["prod", "staging"])}}})
    objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring", "labels": {"team": "platform"}}})

    wl_count = 0
    for ns in ns_names:
        for j in range(per_ns):
            if wl_count >= workloads:
                break
            wl_count += 1
            tier = TIERS[j % len(TIERS)]
            name = f"{tier}-{j:03d}"
            labels = {"app": name, "tier": tier, "version": rnd.choice(["v1", "v2"])}
            stateful = tier in ("db", "cache")
            kind = "StatefulSet" if stateful else "Deployment"
            replicas = pods_per_wl or rnd.choice([1, 2, 3])
            spec: dict[str, Any] = {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [_container(tier)]}},
            }
            if stateful:
                spec["serviceName"] = name
            objs.append({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": ns}, "spec": spec})
            objs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                         "spec": {"selector": {"app": name},
                                  "ports": [{"name": n, "port": p, "targetPort": n} for n, p, _ in PORTS[tier]]}})
            if pods_per_wl:
                if stateful:
                    owner = ("StatefulSet", name)
                else:
                    rs = f"{name}-{rnd.getrandbits(32):08x}"[:len(name) + 9]
                    objs.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "metadata": {"name": rs, "namespace": ns,
                                              "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": True, "uid": "x"}]},
                                 "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                                          "template": spec["template"]}})
                    owner = ("ReplicaSet", rs)
                for k in range(pods_per_wl):
                    pname = f"{name}-{k}" if stateful else f"{owner[1]}-{rnd.getrandbits(20):05x}"
                    plabels = dict(labels)
                    if stateful:
                        plabels["statefulset.kubernetes.io/pod-name"] = pname
                    else:
                        plabels["pod-template-hash"] = owner[1].rsplit("-", 1)[-1]
                    addr = next_ip()
                    objs.append({"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": pname, "namespace": ns, "labels": plabels,
                                              "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "controller": True, "uid": "x"}]},
                                 "spec": {"containers": [_container(tier)]},
                                 "status": {"phase": "Running", "podIP": addr, "podIPs": [{"ip": addr}]}})
    objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "prometheus", "namespace": "monitoring"},
                 "spec": {"selector": {"matchLabels": {"app": "prometheus"}},
                          "template": {"metadata": {"labels": {"app": "prometheus", "role": "scraper"}},
                                       "spec": {"containers": [{"name": "p", "image": "prom", "ports": [{"name": "web", "containerPort": 9090}]}]}}}})

    # policies: a round-robin over patterns until the count is reached
    def pol(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns}, "spec": spec}

    patterns = [
        lambda ns, k: pol(ns, f"default-deny-{k}", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        lambda ns, k: pol(ns, f"api-from-web-{k}", {
            "podSelector": _sel(tier="api"),
            "ingress": [{"from": [{"podSelector": _sel(tier="web")}], "ports": [{"port": "http"}, {"port": "grpc"}]}]}),
        lambda ns, k: pol(ns, f"db-from-api-{k}", {
            "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db", "cache"]}]},
            "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["api", "worker"]}]}}],
                         "ports": [{"port": "postgres"}, {"port": "redis"}]}]}),
        lambda ns, k: pol(ns, f"web-from-team-{k}", {
            "podSelector": _sel(tier="web"),
            "ingress": [{"from": [{"namespaceSelector": _sel(team=rnd.choice(teams))}], "ports": [{"port": 8080, "endPort": 8090}]},
                        {"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "192.168.0.0/16"]}}], "ports": [{"port": "http"}]}]}),
        lambda ns, k: pol(ns, f"scrape-{k}", {
            "podSelector": {},
            "ingress": [{"from": [{"namespaceSelector": _sel(**{"kubernetes.io/metadata.name": "monitoring"}), "podSelector": _sel(role="scraper")}],
                         "ports": [{"port": "metrics"}]}]}),
        lambda ns, k: pol(ns, f"worker-egress-{k}", {
            "podSelector": _sel(tier="worker"), "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]}}]},
                       {"to": [{"ipBlock": {"cidr": f"172.{16 + k % 16}.0.0/16"}}], "ports": [{"port": 443}]},
                       {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}),
        lambda ns, k: pol(ns, f"cross-ns-api-{k}", {
            "podSelector": _sel(tier="api", version=rnd.choice(["v1", "v2"])),
            "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]},
                                   "podSelector": _sel(tier="api")}], "ports": [{"port": "grpc"}]}]}),
        lambda ns, k: pol(ns, f"allow-same-ns-{k}", {
            "podSelector": _sel(version="v2"),
            "ingress": [{"from": [{"podSelector": {}}]}]}),
    ]
    made = 0
    k = 0
    while made < policies:
        for ns in ns_names:
            if made >= policies:
                break
            objs.append(patterns[k % len(patterns)](ns, k))
            made += 1
        k += 1
    if admin_policies:
        objs.extend(cluster_policies(admin_policies, teams, rnd, api))
    return objs


def cluster_policies(count: int, teams: list[str], rnd: random.Random,
                     api: str = "v1alpha1") -> list[dict[str, Any]]:
    """``count`` cluster-scoped policies in the patterns platform teams write: always allow DNS,
    tenant isolation per team (deny from other teams, pass what the team's own NetworkPolicies
    should decide), monitoring passes, egress to the internet denied but for a few networks,
    environment separation, and one baseline policy (the last one). ``api``: ``v1alpha1``
    (AdminNetworkPolicy + BaselineAdminNetworkPolicy) or ``v1alpha2`` (ClusterNetworkPolicy)."""
    v2 = api == "v1alpha2"
    accept = "Accept" if v2 else "Allow"

    def ports(*items: tuple[str, int]) -> dict[str, Any]:
        if v2:
            return {"protocols": [{p.lower(): {"destinationPort": {"number": n}}} for p, n in items]}
        return {"ports": [{"portNumber": {"protocol": p, "port": n}} for p, n in items]}

    def named(name: str) -> dict[str, Any]:
        return {"protocols": [{"destinationNamedPort": name}]} if v2 else {"ports": [{"namedPort": name}]}

    def policy(name: str, prio: int, spec: dict[str, Any], tier: str = "Admin") -> dict[str, Any]:
        if v2:
            return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                    "metadata": {"name": name}, "spec": {"tier": tier, "priority": prio, **spec}}
        if tier == "Baseline":
            return {"apiVersion": "policy.networking.k8s.io/v1alpha1",
                    "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"}, "spec": spec}
        return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
                "metadata": {"name": name}, "spec": {"priority": prio, **spec}}

    ns_of_team = lambda t: {"namespaces": _sel(team=t)}  # noqa: E731
    patterns = [
        lambda k: policy(f"allow-dns-{k}", k, {
            "subject": {"namespaces": {}},
            "egress": [{"name": "dns", "action": accept,
                        "to": [{"pods": {"namespaceSelector": _sel(**{"kubernetes.io/metadata.name": "kube-system"}),
                                         "podSelector": _sel(**{"k8s-app": "kube-dns"})}}],
                        **ports(("UDP", 53), ("TCP", 53))}]}),
        lambda k: policy(f"tenant-{k}", k, {
            "subject": ns_of_team(teams[k % len(teams)]),
            "ingress": [{"name": "same-team", "action": "Pass", "from": [ns_of_team(teams[k % len(teams)])]},
                        {"name": "monitoring", "action": "Pass",
                         "from": [{"namespaces": _sel(**{"kubernetes.io/metadata.name": "monitoring"})}], **named("metrics")},
                        {"name": "other-teams", "action": "Deny",
                         "from": [{"namespaces": {"matchExpressions": [{"key": "team", "operator": "NotIn",
                                                                        "values": [teams[k % len(teams)]]}]}}]}]}),
        lambda k: policy(f"prod-from-staging-{k}", k, {
            "subject": {"pods": {"namespaceSelector": _sel(env="prod"), "podSelector": _sel(tier=rnd.choice(TIERS))}},
            "ingress": [{"name": "no-staging", "action": "Deny", "from": [{"namespaces": _sel(env="staging")}],
                         **ports(("TCP", 8080), ("TCP", 5432))}]}),
        lambda k: policy(f"egress-internet-{k}", k, {
            "subject": {"namespaces": _sel(team=teams[k % len(teams)])},
            "egress": [{"name": "intra-cluster", "action": "Pass", "to": [{"namespaces": {}}]},
                       {"name": "partners", "action": accept, "to": [{"networks": [f"203.0.{k % 250}.0/24"]}],
                        **ports(("TCP", 443))},
                       {"name": "internet", "action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}]}),
        lambda k: policy(f"db-lockdown-{k}", k, {
            "subject": {"pods": {"namespaceSelector": {}, "podSelector": _sel(tier="db")}},
            "ingress": [{"name": "from-api", "action": accept,
                         "from": [{"pods": {"namespaceSelector": _sel(team=teams[k % len(teams)]),
                                            "podSelector": _sel(tier="api")}}], **named("postgres")},
                        {"name": "rest", "action": "Pass", "from": [{"namespaces": {}}]}]}),
    ]
    out = [patterns[k % len(patterns)](k + 10) for k in range(max(0, count - 1))]
    out.append(policy("baseline", 0, {
        "subject": {"namespaces": {}},
        "ingress": [{"name": "default-deny-cross-ns", "action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": [{"name": "no-metadata", "action": "Deny", "to": [{"networks": ["169.254.169.254/32"]}]}],
    }, tier="Baseline"))
    return out


def write(objs: list[dict[str, Any]], out: Path, files: int = 8) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    paths = []
    chunk = (len(objs) + files - 1) // files
    for i in range(files):
        part = objs[i * chunk:(i + 1) * chunk]
        if not part:
            continue
        p = out / f"part-{i:02d}.yaml"
        p.write_text(yaml.dump_all(part, Dumper=dumper, sort_keys=False), encoding="utf-8")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--namespaces", type=int, default=50)
    ap.add_argument("--workloads", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=400)
    ap.add_argument("--pods", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--admin-policies", type=int, default=0,
                    help="cluster-scoped policies (AdminNetworkPolicy..., the last one baseline)")
    ap.add_argument("--api", choices=("v1alpha1", "v1alpha2"), default="v1alpha1",
                    help="v1alpha1: AdminNetworkPolicy/BaselineAdminNetworkPolicy; "
                         "v1alpha2: ClusterNetworkPolicy")
    a = ap.parse_args()
    objs = generate(a.namespaces, a.workloads, a.policies, a.pods, a.seed, a.admin_policies, a.api)
    paths = write(objs, a.out)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(objs)} objects in {len(paths)} files ({size / 1e6:.1f} MB) to {a.out}")


if __name__ == "__main__":
    main()

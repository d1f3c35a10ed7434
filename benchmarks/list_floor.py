"""`netviz list` side by side with the floor of its own work, and the large case's memory.

    python benchmarks/list_floor.py                # the 1,000-deployment case vs the floor
    python benchmarks/list_floor.py --repeat 7     # more repeats (min is reported)
    python benchmarks/list_floor.py --large        # also 50,000 pods / 10,000 policies

Case "1k-deployments" (issue 9): 50 namespaces x 20 Deployments (2 replicas each), a Service
each, 450 NetworkPolicies (9 per namespace: default deny ingress, web open to all on http, api
from web, db and cache from api/worker, a monitoring scrape, api across prod namespaces, and two
egress policies with per-namespace ipBlocks, which cut the external address space into ~200
ranges). `netviz list` prints ~380,000 lines for it.

The floor: a fresh Python process that reads the same YAML files with PyYAML's C loader
(``yaml.load_all(..., CSafeLoader)``) and writes the bytes `netviz list` printed. Both run as
fresh processes (interpreter start and imports included), alternately, ``--repeat`` times; the
minimum of each is compared (the machine is shared: minima are the least disturbed runs). Peak
memory is the child's max RSS. The target: `netviz list` within 2.5x the floor.

Case "50k-pods" (``--large``): benchmarks/synth.py with 500 namespaces, 10,000 workloads,
50,000 pods, 10,000 policies (44 MB of YAML, ~7.5 million output lines). Target: under 60 s and
under 2 GB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TIERS = ("web", "api", "worker", "db", "cache")
PORTS = {
    "web": [("http", 8080), ("metrics", 9102)],
    "api": [("http", 8000), ("grpc", 50051), ("metrics", 9102)],
    "worker": [("metrics", 9102)],
    "db": [("postgres", 5432), ("metrics", 9187)],
    "cache": [("redis", 6379), ("metrics", 9121)],
}


def _sel(**labels: str) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


def deployments_case(namespaces: int = 50, per_ns: int = 20) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = []
    for i in range(namespaces):
        ns = f"team-{i:02d}"
        env = "prod" if i % 5 == 0 else "staging"
        objs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": ns, "labels": {"team": f"t{i % 7}", "env": env}}})
        for j in range(per_ns):
            tier = TIERS[j % len(TIERS)]
            name = f"{tier}-{j:02d}"
            labels = {"app": name, "tier": tier}
            containers = [{"name": tier, "image": f"example/{tier}:1",
                           "ports": [{"name": n, "containerPort": p} for n, p in PORTS[tier]]}]
            objs.append({"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": {"name": name, "namespace": ns},
                         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                                  "template": {"metadata": {"labels": labels},
                                               "spec": {"containers": containers}}}})
            objs.append({"apiVersion": "v1", "kind": "Service",
                         "metadata": {"name": name, "namespace": ns},
                         "spec": {"selector": {"app": name},
                                  "ports": [{"name": n, "port": p, "targetPort": n}
                                            for n, p in PORTS[tier]]}})

        def pol(name: str, spec: dict[str, Any], ns: str = ns) -> None:
            objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": name, "namespace": ns}, "spec": spec})

        pol("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
        pol("web-open", {"podSelector": _sel(tier="web"),
                         "ingress": [{"ports": [{"port": "http"}]}]})
        pol("api-from-web", {"podSelector": _sel(tier="api"),
                             "ingress": [{"from": [{"podSelector": _sel(tier="web")}],
                                          "ports": [{"port": "http"}]}]})
        pol("db-from-app", {"podSelector": _sel(tier="db"), "ingress": [{"from": [
            {"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["api", "worker"]}]}}],
            "ports": [{"port": "postgres"}]}]})
        pol("cache-from-app", {"podSelector": _sel(tier="cache"), "ingress": [{"from": [
            {"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["web", "db"]}]}}],
            "ports": [{"port": "redis"}]}]})
        pol("scrape", {"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In",
                 "values": ["team-00", "team-01"]}]}}], "ports": [{"port": "metrics"}]}]})
        pol("api-from-prod", {"podSelector": _sel(tier="api"), "ingress": [{"from": [
            {"namespaceSelector": _sel(env="prod")}], "ports": [{"port": "grpc"}]}]})
        pol("worker-egress", {"podSelector": _sel(tier="worker"), "policyTypes": ["Egress"],
                              "egress": [
                                  {"to": [{"ipBlock": {"cidr": f"10.{100 + i}.0.0/16"}},
                                          {"ipBlock": {"cidr": f"192.168.{i // 2 * 2}.0/24"}}],
                                   "ports": [{"port": 443}]},
                                  {"to": [{"namespaceSelector": {}}]},
                                  {"ports": [{"port": 53, "protocol": "UDP"}]}]})
        pol("db-egress", {"podSelector": _sel(tier="db"), "policyTypes": ["Egress"],
                          "egress": [{"to": [{"ipBlock": {"cidr": f"172.16.{i}.0/24",
                                                          "except": [f"172.16.{i}.128/25"]}}]},
                                     {"to": [{"podSelector": {}}]}]})
    return objs


def write_case(objs: list[dict[str, Any]], out: Path, files: int = 8) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    chunk = (len(objs) + files - 1) // files
    paths = []
    for i in range(files):
        part = objs[i * chunk:(i + 1) * chunk]
        if part:
            p = out / f"part-{i:02d}.yaml"
            p.write_text(yaml.dump_all(part, Dumper=dumper, sort_keys=False), encoding="utf-8")
            paths.append(p)
    return paths


FLOOR = """
import sys, yaml
loader = yaml.CSafeLoader
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as fh:
        for _ in yaml.load_all(fh, Loader=loader):
            pass
data = open(sys.argv[1], "rb").read()  # the bytes netviz wrote (not timed apart: tiny)
with open(sys.argv[1] + ".floor", "wb") as fh:
    fh.write(data)
"""


def netviz_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("netviz")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "netviz"]


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds: user + system) of one child process."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def side_by_side(directory: Path, files: list[Path], out: Path, repeat: int) -> None:
    nv = [*netviz_cmd(), "list", str(directory), "-q", "-f", str(out)]
    floor = [sys.executable, "-c", FLOOR, str(out), *map(str, files)]
    timed(nv)  # warm the page cache; also makes `out` for the floor
    lines = out.read_bytes().count(b"\n")
    nv_runs, floor_runs = [], []
    for _ in range(repeat):
        nv_runs.append(timed(nv))
        floor_runs.append(timed(floor))
    best_nv = min(t for t, _, _ in nv_runs)
    best_floor = min(t for t, _, _ in floor_runs)
    cpu_nv = min(c for _, _, c in nv_runs)
    cpu_floor = min(c for _, _, c in floor_runs)
    print(f"  output: {lines:,} lines, {out.stat().st_size / 1e6:.1f} MB")
    for name, runs, best, cpu in (("netviz list", nv_runs, best_nv, cpu_nv),
                                  ("floor", floor_runs, best_floor, cpu_floor)):
        print(f"  {name:<12}: wall min {best:.3f} s of {repeat} "
              f"({', '.join(f'{t:.2f}' for t, _, _ in runs)}); CPU min {cpu:.3f} s; "
              f"peak RSS {max(m for _, m, _ in runs):.0f} MB")
    print(f"  ratio       : {best_nv / best_floor:.2f}x the floor by wall time, "
          f"{cpu_nv / cpu_floor:.2f}x by CPU time (target: 2.5x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--large", action="store_true", help="also the 50,000-pod case")
    ap.add_argument("--keep", type=Path, help="write the cases here instead of a temp dir")
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as t:
        tmp = a.keep or Path(t)
        d = tmp / "1k-deployments"
        files = write_case(deployments_case(), d)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"1k-deployments: 50 namespaces x 20 Deployments, 450 policies ({size:.1f} MB YAML)")
        side_by_side(d, files, tmp / "1k.txt", a.repeat)
        if a.large:
            from synth import generate, write

            d = tmp / "50k-pods"
            files = write(generate(namespaces=500, workloads=10000, policies=10000, pods=50000), d)
            size = sum(p.stat().st_size for p in files) / 1e6
            print(f"50k-pods: 500 namespaces, 10,000 workloads, 50,000 pods, 10,000 policies "
                  f"({size:.1f} MB YAML)")
            out = tmp / "50k.txt"
            elapsed, rss, cpu = timed([*netviz_cmd(), "list", str(d), "-q", "-f", str(out)])
            lines = out.read_bytes().count(b"\n")
            print(f"  netviz list : {elapsed:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB, "
                  f"{lines:,} lines (targets: 60 s, 2,048 MB)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

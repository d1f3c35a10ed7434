"""The cost of the policy tiers: `netviz list` on one synthetic cluster without and with
cluster-scoped policies (issue 11: 1,000 workloads, 400 NetworkPolicies and 50
admin/baseline policies within 20 % of the same cluster without them).

    python benchmarks/bench_tiers.py                 # v1alpha1 and v1alpha2, 5 repeats
    python benchmarks/bench_tiers.py --repeats 9 --api v1alpha2
    python benchmarks/bench_tiers.py --callgrind     # + instruction counts (valgrind; slow)

For each cluster: end to end (a fresh `netviz list DIR -q -f OUT` process: start, load,
evaluate, format, write) and in-process phases (compile, connection list, format); every
figure is the minimum of ``--repeats`` runs (the machine is shared: the minimum is the least
disturbed run); the clusters are run in turn, so load bursts hit them alike. ``--callgrind``
adds the instruction count of one end-to-end run each (``valgrind --tool=callgrind``), which
a shared machine does not disturb. The cluster-policy mix is ``synth.cluster_policies``: always-allow-DNS,
tenant isolation with Pass, environment separation, internet egress denied but for partner
networks, database lockdown, and one baseline policy.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate, write  # noqa: E402

BASE = dict(namespaces=50, workloads=1000, policies=400, pods=0)


def netviz_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("netviz")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "netviz"]


def end_to_end(dirs: dict[str, Path], out: Path, repeats: int) -> dict[str, tuple[float, int]]:
    """Min of ``repeats`` runs per cluster, the clusters interleaved run by run (so a burst of
    load on the shared machine hits them alike)."""
    best = {name: float("inf") for name in dirs}
    lines: dict[str, int] = {}
    for _ in range(repeats):
        for name, directory in dirs.items():
            t = time.perf_counter()
            proc = subprocess.run([*netviz_cmd(), "list", str(directory), "-q", "-f", str(out)],
                                  capture_output=True, text=True)
            best[name] = min(best[name], time.perf_counter() - t)
            if proc.returncode != 0:
                raise SystemExit(f"netviz list failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            lines[name] = out.read_text().count("\n")
    return {name: (best[name], lines[name]) for name in dirs}


def instructions(directory: Path, out: Path) -> int:
    """Instructions of one end-to-end ``netviz list`` run (callgrind)."""
    cg = out.with_suffix(".cg")
    proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
                           *netviz_cmd(), "list", str(directory), "-q", "-f", str(out)],
                          capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    raise SystemExit(f"callgrind failed:\n{proc.stderr[-2000:]}")


def phases(directory: Path, repeats: int) -> dict[str, float]:
    from netviz.engine import Analyzer
    from netviz.engine.connlist import build_list
    from netviz.export import render
    from netviz.io.manifests import load_paths

    cluster = load_paths([str(directory)]).cluster
    best: dict[str, float] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        an = Analyzer(cluster)
        t1 = time.perf_counter()
        cl = build_list(an)
        t2 = time.perf_counter()
        render("txt", cl)
        t3 = time.perf_counter()
        for k, v in (("compile", t1 - t0), ("connlist", t2 - t1), ("format", t3 - t2)):
            best[k] = min(best.get(k, float("inf")), v)
    best["evaluate"] = best["compile"] + best["connlist"]
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--admin-policies", type=int, default=50)
    ap.add_argument("--api", choices=("v1alpha1", "v1alpha2", "both"), default="both")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions of one end-to-end run each (valgrind)")
    a = ap.parse_args()
    apis = ("v1alpha1", "v1alpha2") if a.api == "both" else (a.api,)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        cases = {"without": generate(**BASE)}
        for api in apis:
            cases[f"with {a.admin_policies} {api}"] = generate(
                **BASE, admin_policies=a.admin_policies, api=api)
        dirs = {}
        for name, objs in cases.items():
            dirs[name] = t / name.replace(" ", "-")
            write(objs, dirs[name])
        e2e_all = end_to_end(dirs, t / "out.txt", a.repeats)
        results = {}
        for name, d in dirs.items():
            results[name] = (*e2e_all[name], phases(d, a.repeats))
        base_e2e, _, base_ph = results["without"]
        print(f"1,000 workloads, 400 NetworkPolicies; min of {a.repeats} runs")
        print(f"{'cluster':<24} {'end to end':>10} {'ratio':>6} {'evaluate':>9} {'ratio':>6} "
              f"{'lines':>7}")
        for name, (e2e, lines, ph) in results.items():
            print(f"{name:<24} {e2e:>9.3f}s {e2e / base_e2e:>6.2f} {ph['evaluate']:>8.3f}s "
                  f"{ph['evaluate'] / base_ph['evaluate']:>6.2f} {lines:>7}")
        if a.callgrind:
            counts = {name: instructions(d, t / "cg-out.txt") for name, d in dirs.items()}
            print("\ninstructions, one end-to-end run (callgrind)")
            for name, n in counts.items():
                print(f"{name:<24} {n / 1e9:>8.3f} G {n / counts['without']:>6.3f}")


if __name__ == "__main__":
    main()

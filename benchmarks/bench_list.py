"""Time `netviz list` end to end on synthetic clusters, and its phases in-process.

    python benchmarks/bench_list.py            # the issue's two sizes
    python benchmarks/bench_list.py --quick    # small sizes only (a smoke run)
    python benchmarks/bench_list.py --scaling  # how the cost grows with size

End to end = a fresh `netviz list DIR` process writing txt to a file: interpreter start,
loading YAML, evaluation, formatting and writing. Peak memory is the child's max RSS.
Targets (issue 2): 1,000 workloads / 50 namespaces / 400 policies under 2 s;
10,000 pods / 2,000 policies under 30 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate, write  # noqa: E402

CASES = {
    "1k-workloads": dict(namespaces=50, workloads=1000, policies=400, pods=0),
    "10k-pods": dict(namespaces=100, workloads=2000, policies=2000, pods=10000),
    # the worst case for output size: no policy, every pair allowed (1M lines)
    "1k-no-policies": dict(namespaces=50, workloads=1000, policies=0, pods=0),
}
QUICK = {"100-workloads": dict(namespaces=10, workloads=100, policies=40, pods=0)}


def netviz_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("netviz")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "netviz"]


def end_to_end(directory: Path, out: Path) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([*netviz_cmd(), "list", str(directory), "-q", "-f", str(out)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"netviz list failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = out.read_text().count("\n")
    return elapsed, max(rss_kb, before) / 1024, lines


def phases(directory: Path) -> dict[str, float]:
    from netviz.engine import Analyzer
    from netviz.engine.connlist import build_list
    from netviz.export import render
    from netviz.io.manifests import load_paths

    out: dict[str, float] = {}
    t = time.perf_counter()
    res = load_paths([str(directory)])
    out["load"] = time.perf_counter() - t
    t = time.perf_counter()
    an = Analyzer(res.cluster)
    out["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    cl = build_list(an)
    out["connlist"] = time.perf_counter() - t
    t = time.perf_counter()
    render("txt", cl)
    out["format"] = time.perf_counter() - t
    out["pods"] = len(res.cluster.pods)
    out["classes"] = len(an.classes)
    return out


def run(name: str, params: dict[str, int], tmp: Path) -> None:
    d = tmp / name
    objs = generate(**params)
    paths = write(objs, d)
    size = sum(p.stat().st_size for p in paths) / 1e6
    elapsed, rss, lines = end_to_end(d, tmp / f"{name}.txt")
    ph = phases(d)
    print(f"{name:>14}: {params} ({size:.1f} MB YAML, {int(ph['pods'])} pods, {int(ph['classes'])} pod classes)")
    print(f"{'':>14}  end to end {elapsed:.2f} s, peak RSS {rss:.0f} MB, {lines} lines of output")
    print(f"{'':>14}  phases: load {ph['load']:.2f} s, compile {ph['compile']:.2f} s, "
          f"connlist {ph['connlist']:.2f} s, format {ph['format']:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--scaling", action="store_true")
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        cases = QUICK if a.quick else CASES
        if a.scaling:
            cases = {f"{w}-workloads": dict(namespaces=max(1, w // 20), workloads=w, policies=w * 2 // 5, pods=0)
                     for w in (250, 500, 1000, 2000, 4000)}
        for name, params in cases.items():
            run(name, params, tmp)


if __name__ == "__main__":
    main()

"""Time the exposure analysis (`netviz list --exposure`) on synthetic clusters.

    python benchmarks/exposure_bench.py            # the issue's size: 1,000 workloads, 400 policies
    python benchmarks/exposure_bench.py --quick    # 100 workloads (a smoke run)
    python benchmarks/exposure_bench.py --repeat 5 # min of 5 in-process runs per phase

End to end = a fresh `netviz list DIR --exposure` process writing txt to a file (interpreter
start, loading YAML, evaluation, connection list, exposure, formatting). The phases are timed
in-process, minimum of ``--repeat`` runs (the machines are shared and noisy): the exposure
phase alone is ``engine.exposure.exposure`` given the analyzer and its connection list.
Target (issue 12): exposure analysis of 1,000 workloads with 400 policies under 3 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate, write  # noqa: E402

CASES = {"1k-workloads": dict(namespaces=50, workloads=1000, policies=400, pods=0)}
QUICK = {"100-workloads": dict(namespaces=10, workloads=100, policies=40, pods=0)}


def netviz_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("netviz")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "netviz"]


def end_to_end(directory: Path, out: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run([*netviz_cmd(), "list", str(directory), "-q", "--exposure",
                           "-f", str(out)], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"netviz list failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def phases(directory: Path, repeat: int) -> dict[str, float]:
    from netviz.engine import Analyzer
    from netviz.engine.connlist import build_list
    from netviz.engine.exposure import exposure
    from netviz.export.exposure import render_txt
    from netviz.io.manifests import load_paths

    res = load_paths([str(directory)])
    best: dict[str, float] = {}
    gc.disable()  # as the one-shot CLI does
    try:
        for _ in range(repeat):
            t = time.perf_counter()
            an = Analyzer(res.cluster)
            cl = build_list(an)
            t_list = time.perf_counter() - t
            t = time.perf_counter()
            report = exposure(an, cl.connections)
            t_exp = time.perf_counter() - t
            t = time.perf_counter()
            text = render_txt(cl, report)
            t_fmt = time.perf_counter() - t
            for k, v in (("analyzer+list", t_list), ("exposure", t_exp), ("format", t_fmt)):
                best[k] = min(best.get(k, v), v)
    finally:
        gc.enable()
    best["workloads"] = len(report.workloads)
    best["potential peers"] = len(report.potential_peers)
    best["lines"] = text.count("\n")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, params in (QUICK if a.quick else CASES).items():
            d = tmp / name
            write(generate(**params), d)
            e2e = min(end_to_end(d, tmp / f"{name}.txt") for _ in range(a.repeat))
            ph = phases(d, a.repeat)
            print(f"{name}: {params}")
            print(f"  end to end (list --exposure, min of {a.repeat}): {e2e:.2f} s")
            print(f"  in-process, min of {a.repeat}: analyzer + connection list "
                  f"{ph['analyzer+list']:.2f} s, exposure {ph['exposure']:.2f} s, "
                  f"txt {ph['format']:.2f} s")
            print(f"  {int(ph['workloads'])} exposed workloads, {int(ph['potential peers'])} "
                  f"potential peers, {int(ph['lines'])} lines")


if __name__ == "__main__":
    main()

"""Time the loader's safety limits and its plain speed (these were wall-clock assertions in
unit tests; timing belongs here, where the load of the machine can be seen and repeated).

    python benchmarks/limits_bench.py [--repeat 5]

Prints the minimum of ``--repeat`` runs of each, next to its target:
- every file of tests/data/broken (hostile and malformed inputs): each under 2 s;
- the alias bomb (a "billion laughs" document) refused: under 1 s;
- a 50 MiB file refused by the size limit (10 MiB) without being read: under 1 s;
- 1,000 Deployments + 400 policies (about 1 MB of YAML) loaded: under 1.5 s of CPU time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netviz.io.manifests import load_paths, load_text  # noqa: E402

BROKEN = ROOT / "tests" / "data" / "broken"


def best(fn: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    times = []
    for _ in range(repeat):
        started = clock()
        fn()
        times.append(clock() - started)
    return min(times)


def generated(workloads: int, policies: int) -> str:
    out = []
    for i in range(workloads):
        out.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n"
            f"  namespace: ns{i % 20}\nspec:\n  replicas: 2\n  template:\n    metadata:\n"
            f"      labels:\n        app: app{i}\n        tier: t{i % 5}\n    spec:\n"
            f"      containers:\n      - name: main\n        image: img:{i}\n        ports:\n"
            f"        - containerPort: 8080\n          name: http\n"
        )
    for i in range(policies):
        out.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p{i}\n"
            f"  namespace: ns{i % 20}\nspec:\n  podSelector:\n    matchLabels: {{app: app{i}}}\n"
            f"  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {{tier: t1}}\n"
            f"    ports:\n    - port: 8080\n  egress:\n  - to:\n    - ipBlock:\n"
            f"        cidr: 10.0.0.0/8\n"
        )
    return "---\n".join(out)


def report(what: str, seconds: float, target: float, unit: str = "s") -> bool:
    ok = seconds < target
    print(f"  {what:<44} {seconds * 1000:9.1f} ms   target < {target:g} {unit}"
          f"   {'ok' if ok else 'OVER'}")
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="runs per case; the minimum is shown")
    args = p.parse_args()
    n = max(1, args.repeat)
    print(f"min of {n} runs; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    ok = True
    print("hostile and malformed inputs (tests/data/broken), wall clock:")
    for f in sorted(BROKEN.iterdir()):
        if f.is_file():
            ok &= report(f.name, best(lambda f=f: load_paths([str(f)]), n, time.monotonic), 2.0)
    ok &= report("alias bomb refused", best(
        lambda: load_paths([str(BROKEN / "alias_bomb.yaml")]), n, time.monotonic), 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        chunk = b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n" * 1000
        with big.open("wb") as fh:
            for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
                fh.write(chunk)
        ok &= report("50 MiB file refused (limit 10 MiB)", best(
            lambda: load_paths([str(big)], max_file_bytes=10 * 1024 * 1024), n,
            time.monotonic), 1.0)
    text = generated(1000, 400)
    print("plain speed, CPU time:")
    ok &= report("1,000 workloads + 400 policies loaded", best(
        lambda: load_text(text), n, time.process_time), 1.5, "s CPU")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

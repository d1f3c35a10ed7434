"""GUI figures: open-to-first-paint and repaint while panning, on synthetic clusters.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py [--sizes 1000 5000]

The cluster is built directly as model objects (no YAML: loading is io's benchmark): namespaces
of 20 workloads; in each namespace two groups of 10 that may talk among themselves (all ports),
plus every pod of the next namespace may reach that namespace's ``api-0`` on TCP 8000, and
egress is open (each workload reaches "any IPv4"). At 1,000 workloads that is ~11,000 edges.

Printed per size:
- ``evaluate``: Analyzer + connlist (the engine)
- ``scene``: GraphModel + Layout + QGraphicsScene items (``AppState.set_loaded`` -> GraphView)
- ``first paint``: fit to view and the first paint of a 1600x1000 viewport
- ``open-to-first-paint``: the sum
- ``pan repaint``: mean/max full repaint of the viewport after scrolling 100 px (10 pans)
Every edge is drawn at every zoom (groups compress them exactly; see docs/gui.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.model import (
    Cluster,
    ContainerPort,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Workload,
    assemble_cluster,
)

PER_NS = 20


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def synthetic(workloads: int) -> Cluster:
    n_ns = max(1, workloads // PER_NS)
    names = [f"team-{i:03d}" for i in range(n_ns)]
    nss = [Namespace(n, {"idx": str(i)}) for i, n in enumerate(names)]
    wls: list[Workload] = []
    pols: list[NetworkPolicy] = []
    for i, ns in enumerate(names):
        for j in range(PER_NS):
            name = "api-0" if j == 0 else f"svc-{j:02d}"
            wls.append(Workload("Deployment", ns, name,
                                {"app": name, "grp": str(j % 2)},
                                (ContainerPort(8000, "http"),), replicas=1 + j % 3))
        pols.append(NetworkPolicy(ns, "default-deny", LabelSelector()))
        for g in ("0", "1"):
            pols.append(NetworkPolicy(ns, f"group-{g}", sel(grp=g), ingress=(Rule(
                peers=(Peer(pod_selector=sel(grp=g)),)),)))
        nxt = names[(i + 1) % n_ns]
        pols.append(NetworkPolicy(ns, "api-from-next", sel(app="api-0"), ingress=(Rule(
            peers=(Peer(namespace_selector=sel(**{"kubernetes.io/metadata.name": nxt})),),
            ports=(PolicyPort("TCP", 8000),)),)))
    return assemble_cluster(namespaces=nss, workloads=wls, policies=pols)


def measure(workloads: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from netviz.ui.graph_view import GraphView
    from netviz.viewmodel.state import AppState

    app = QApplication.instance() or QApplication(sys.argv[:1])
    cluster = synthetic(workloads)
    t0 = time.perf_counter()
    an = Analyzer(cluster)
    conns = connlist(an)
    t1 = time.perf_counter()
    state = AppState()
    view = GraphView(state)
    view.resize(1600, 1000)
    view.show()
    app.processEvents()
    t1b = time.perf_counter()
    state.set_loaded(None, cluster, an, conns)  # model + layout + scene (+ fit)
    t2 = time.perf_counter()
    view.fit()
    view.viewport().grab()  # the first paint
    t3 = time.perf_counter()
    pans = []
    hbar, vbar = view.horizontalScrollBar(), view.verticalScrollBar()
    for i in range(10):
        bar = hbar if i % 2 == 0 else vbar
        bar.setValue(bar.value() + (100 if i % 4 < 2 else -100))
        s = time.perf_counter()
        view.viewport().grab()
        pans.append(time.perf_counter() - s)
    # and zoomed in to 1:1 (what a user pans around in)
    view.resetTransform()
    view.centerOn(0, 0)
    zoomed = []
    for _ in range(6):
        hbar.setValue(hbar.value() + 100)
        s = time.perf_counter()
        view.viewport().grab()
        zoomed.append(time.perf_counter() - s)
    out = {
        "edges": float(len(view.visible.edges) if view.visible else 0),
        "drawn": float(len(view.drawn_edges())),
        "evaluate": t1 - t0,
        "scene": t2 - t1b,
        "first_paint": t3 - t2,
        "open_to_first_paint": (t1 - t0) + (t3 - t1b),
        "pan_mean": statistics.mean(pans),
        "pan_max": max(pans),
        "pan_1to1_mean": statistics.mean(zoomed),
    }
    view.detach()
    view.deleteLater()
    app.processEvents()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    args = ap.parse_args()
    print(f"{'workloads':>9} {'edges':>7} {'drawn':>6} {'evaluate':>9} {'scene':>7} "
          f"{'paint':>7} {'open->paint':>11} {'pan mean':>9} {'pan max':>8} {'pan 1:1':>8}")
    for n in args.sizes:
        r = measure(n)
        print(f"{n:>9} {int(r['edges']):>7} {int(r['drawn']):>6} "
              f"{r['evaluate']:>8.2f}s {r['scene']:>6.2f}s {r['first_paint']:>6.2f}s "
              f"{r['open_to_first_paint']:>10.2f}s {r['pan_mean'] * 1000:>7.0f}ms "
              f"{r['pan_max'] * 1000:>6.0f}ms {r['pan_1to1_mean'] * 1000:>6.0f}ms", flush=True)


if __name__ == "__main__":
    main()

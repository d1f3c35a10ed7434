"""What-if editing speed: one policy edit to a repainted graph (issue 8: under 200 ms median and
300 ms worst case at 1,000 workloads).

    python benchmarks/edit_bench.py [--namespaces 50 --workloads 1000 --policies 400]
                                    [--per-kind 4] [--qt [--expanded] [--full-repaint]]
                                    [--gc app|on|off|freeze]
                                    [--kinds named-port,ipblock-cidr,...] [--full-connlist]

Builds the synthetic cluster (``benchmarks/synth.py``), loads it with ``load_text``, opens an
``EditSession`` over it (the GUI's ``parse_policy``) and times, for several policies of each
*kind* of edit, one text edit that changes connectivity and its undo (an undo is an edit too):

- ``named-port``: a named port becomes another (``port: metrics`` -> ``port: http``);
- ``numeric-port``: a numeric port moves (``port: 5432`` -> ``5433``, ``443`` -> ``8443``);
- ``ipblock-cidr``: an ipBlock's CIDR changes (the external ranges are cut anew);
- ``ipblock-except``: an ipBlock's ``except`` changes;
- ``selector``: a peer's pod selector picks other pods (``tier: web`` -> ``tier: worker``).

Stages, each timed per edit:

- ``session``: parse (the loader's checks) -> ``Analyzer.with_policies`` -> connection list ->
  difference against the baseline (``EditSession.set_policy_text``), as the app does it;
- ``graph``: the Qt-free graph model update (``GraphModel.updated`` in the difference view);
- ``view`` (``--qt``, offscreen, instead of ``graph``): what the app does after the
  evaluation: the session is pushed to the ``AppState`` inside the edit (as the edit
  controller does), the shown GraphView updates its graph model and scene, then the event
  loop runs once, which paints what changed (``--full-repaint``: and then the whole view
  again, the worst case). With ``--qt`` the total is edit -> repainted view. A cluster of
  more than 500 workloads opens at namespace level (semantic zoom); ``--expanded`` times the
  view with every namespace open.

``--gc``: ``app`` leaves the collector as the app does (``netviz.viewmodel.editing`` freezes
the objects of a load and of each evaluation, and collects no younger generation than the
app's threshold allows); ``on`` is Python's default (no freeze); ``off`` disables the collector
for the whole run (the floor: what the GC costs); ``freeze`` is ``app`` with the default
threshold. ``--full-connlist`` compares with a full connection list after every edit.

Prints median and worst case per stage, per kind and over all edits. The machine this runs on
may be shared: run it when it is quiet, or compare modes in one run.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate

from netviz.engine import connlist as connlist_module
from netviz.io.manifests import load_text
from netviz.io.save import document_text
from netviz.ui.editor.parse import parse_policy
from netviz.viewmodel.editing import Baseline, EditSession, gcpolicy
from netviz.viewmodel.graph import GraphModel

NAME = "bench.yaml"

#: kind -> (old, new) text replacements; the first that applies to a policy is used
KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "named-port": (("port: metrics", "port: http"), ("port: http", "port: metrics"),
                   ("port: grpc", "port: metrics")),
    "numeric-port": (("port: 5432", "port: 5433"), ("port: 443", "port: 8443"),
                     ("port: 8080", "port: 8081"), ("port: 53", "port: 54")),
    # (an edit that leaves an except outside its cidr is invalid and evaluates nothing)
    "ipblock-cidr": (("0.0/16", "0.0/17"), ("cidr: 0.0.0.0/0", "cidr: 0.0.0.0/0\n    # x")),
    "ipblock-except": (("- 10.0.0.0/8", "- 10.0.0.0/9"), ("- 192.168.0.0/16", "- 192.168.0.0/17")),
    "selector": (("tier: web", "tier: worker"), ("role: scraper", "role: other")),
}


def edits(session: EditSession, kind: str, count: int) -> list[tuple[str, str]]:
    """(entry id, edited text) for ``count`` policies of different namespaces whose text
    the kind's replacements apply to."""
    out: list[tuple[str, str]] = []
    seen_ns: set[str] = set()
    entries = list(session.entries)
    # spread over the cluster: every k-th entry first
    step = max(1, len(entries) // 97)
    order = entries[::step] + [e for i, e in enumerate(entries) if i % step]
    for e in order:
        ns = e.policy.namespace if e.policy is not None else ""
        if ns in seen_ns:
            continue
        for old, new in KINDS[kind]:
            if old in e.text:
                out.append((e.id, e.text.replace(old, new, 1)))
                seen_ns.add(ns)
                break
        if len(out) >= count:
            break
    return out


def fmt(xs: list[float]) -> str:
    if not xs:
        return "(none)"
    return (f"median {statistics.median(xs) * 1000:6.1f} ms, worst {max(xs) * 1000:6.1f} ms"
            f"  (n={len(xs)})")


def run(args: argparse.Namespace) -> None:
    if args.gc == "off":
        gc.disable()
    gcpolicy.configure({"app": "app", "on": "none", "off": "none", "freeze": "freeze"}[args.gc])
    t0 = time.perf_counter()
    objs = generate(namespaces=args.namespaces, workloads=args.workloads,
                    policies=args.policies)
    text = yaml.safe_dump_all(objs)
    result = load_text(text, NAME)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = Baseline.from_result(result, document_text=lambda rec: document_text(text, rec))
    t_base = time.perf_counter() - t0
    print(f"cluster: {len(result.cluster.workloads)} workloads, "
          f"{len(result.cluster.policies)} policies, {len(base.connections)} connections "
          f"(load {t_load:.2f} s, baseline evaluation {t_base:.2f} s); gc mode {args.gc}")
    incremental = connlist_module.connlist_after_edit
    qt = None
    if args.qt:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from netviz.ui.graph_view import GraphView
        from netviz.viewmodel.state import AppState

        qt = QApplication.instance() or QApplication([])
    if args.full_connlist:  # the comparison: a full connection list after every edit
        connlist_module.connlist_after_edit = (  # type: ignore[assignment]
            lambda _prev_an, _prev_conns, an: connlist_module.connlist(an))
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    try:
        session = EditSession(Baseline(base.cluster, base.analyzer, base.connections,
                                       base.documents, base.doc_texts), parse_policy)
        graph = GraphModel(base.cluster, base.connections, base.analyzer, difference=[])
        view = state = None
        if qt is not None:
            state = AppState()
            state.set_loaded(result, base.cluster, base.analyzer, base.connections)
            view = GraphView(state)
            view.resize(1400, 900)
            if args.expanded:
                view.collapse_above = 0
                view.expand_all()  # every namespace open, as View > Expand All Namespaces
            view.show()
            session.set_view_mode("difference")
            session.apply_to(state)
            qt.processEvents()
            view.viewport().repaint()
            # the work the window does when idle after opening (where the picture's lines
            # are, for the first edit's ``picture_update``: a 300 ms timer), as it is done
            # before a user has typed an edit
            from PySide6.QtTest import QTest
            QTest.qWait(400)
            # as the app's edit controller: every edit is pushed to the state at once (the
            # view updates its graph model inside the edit)
            session.subscribe(lambda ev: ev == "edited" and session.apply_to(state))
        gcpolicy.after_load()
        per_kind: dict[str, dict[str, list[float]]] = {}
        for kind in kinds:
            t = per_kind.setdefault(kind, {"session": [], "graph": [], "scene": [], "total": [],
                                           "pairs": []})
            todo = edits(session, kind, args.per_kind)
            if not todo:
                print(f"  ({kind}: no policy of this kind in the cluster)")
            for ident, new in todo:
                original = session.entry(ident).text
                for txt in (new, original):  # the edit, then back
                    a = time.perf_counter()
                    session.set_policy_text(ident, txt)  # with --qt: and the view's model
                    b = time.perf_counter()
                    if view is not None and state is not None and qt is not None:
                        qt.processEvents()  # the view paints what changed
                        if args.full_repaint:
                            view.viewport().repaint()
                        d = time.perf_counter()
                        t["session"].append(session.last_seconds)
                        t["scene"].append(d - a - session.last_seconds)
                        t["total"].append(d - a)
                    else:
                        with gcpolicy.paused():  # as inside the app's edit
                            if session.changed_pairs is None:
                                graph = GraphModel(session.edited_cluster(), session.connections,
                                                   session.analyzer, difference=session.difference)
                            else:
                                graph = graph.updated(session.edited_cluster(),
                                                      session.connections, session.analyzer,
                                                      session.changed_pairs, session.difference)
                        c = time.perf_counter()
                        t["session"].append(b - a)
                        t["graph"].append(c - b)
                        t["total"].append(c - a)
                    t["pairs"].append(len(session.changed_pairs or ()))
                    gcpolicy.idle()  # between two edits, as the app's idle timer
        label = "edit -> repainted view" if qt is not None else "edit -> updated graph model"
        everything: list[float] = []
        for kind, t in per_kind.items():
            if not t["total"]:
                continue
            everything += t["total"]
            print(f"\n[{kind}] {len(t['total'])} edits (each edit and its undo), changed pairs "
                  f"per edit: median {statistics.median(t['pairs']):.0f}, max {max(t['pairs']):.0f}")
            print(f"  session (parse+with_policies+connlist+diff): {fmt(t['session'])}")
            if t["graph"]:
                print(f"  graph model update (Qt-free):                {fmt(t['graph'])}")
            if t["scene"]:
                print(f"  view (graph model, scene, repaint):          {fmt(t['scene'])}")
            print(f"  {label}: {fmt(t['total'])}")
        print(f"\nALL KINDS {label}: {fmt(everything)}  (target: median < 200 ms, worst < 300 ms)")
    finally:
        connlist_module.connlist_after_edit = incremental  # type: ignore[assignment]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--namespaces", type=int, default=50)
    p.add_argument("--workloads", type=int, default=1000)
    p.add_argument("--policies", type=int, default=400)
    p.add_argument("--per-kind", type=int, default=4, help="policies edited per kind (each "
                                                           "edit and its undo)")
    p.add_argument("--kinds", default="", help="comma-separated kinds (default: all): "
                                               + ", ".join(KINDS))
    p.add_argument("--qt", action="store_true", help="also time the GraphView (offscreen)")
    p.add_argument("--gc", choices=("app", "on", "off", "freeze"), default="app")
    p.add_argument("--expanded", action="store_true",
                   help="with --qt: every namespace expanded (a cluster above the GraphView's "
                        "COLLAPSE_ABOVE workloads opens at namespace level)")
    p.add_argument("--full-repaint", action="store_true",
                   help="with --qt: also repaint the whole view after each edit (as when the "
                        "window is exposed again); by default the view paints what changed")
    p.add_argument("--full-connlist", action="store_true",
                   help="a full connection list after every edit (the comparison)")
    run(p.parse_args())


if __name__ == "__main__":
    main()

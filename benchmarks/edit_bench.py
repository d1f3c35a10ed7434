"""What-if editing speed: one policy edit to an updated graph (target: under 300 ms).

    python benchmarks/edit_bench.py [--namespaces 50 --workloads 1000 --policies 400] [--qt]

Builds the synthetic cluster (``benchmarks/synth.py``), loads it with ``load_text``, opens an
``EditSession`` over it (the GUI's ``parse_policy``) and times, for several policies, one
text edit that changes connectivity and its undo:

- ``session``: parse (the loader's checks) -> ``Analyzer.with_policies`` -> connection list
  -> difference against the baseline (``EditSession.set_policy_text``), with
  ``connlist_after_edit`` and, for comparison, a full ``connlist`` after every edit;
- ``graph``: ``GraphModel.updated`` (only the changed pairs' edges) in the difference view;
- ``scene`` (``--qt``, offscreen): the GraphView updating its own graph model and redrawing
  after the session is pushed to the ``AppState``. With ``--qt`` the total is what the app
  does: session + scene (the separately timed Qt-free model update is not added twice).

Prints the median and worst of each, and the total.
"""

from __future__ import annotations

import argparse
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
from netviz.viewmodel.editing import Baseline, EditSession
from netviz.viewmodel.graph import GraphModel

NAME = "bench.yaml"


def edits(session: EditSession, count: int) -> list[tuple[str, str]]:
    """(entry id, edited text) for policies whose edit changes connectivity: a named port
    becomes another, or a numeric one moves."""
    out = []
    for e in session.entries:
        text = e.text
        for old, new in (("port: metrics", "port: http"), ("port: http", "port: metrics"),
                         ("port: 5432", "port: 5433"), ("port: 53", "port: 54")):
            if old in text:
                out.append((e.id, text.replace(old, new, 1)))
                break
        if len(out) >= count:
            break
    return out


def run(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    objs = generate(namespaces=args.namespaces, workloads=args.workloads,
                    policies=args.policies)
    text = yaml.safe_dump_all(objs)
    result = load_text(text, NAME)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = Baseline.from_result(result, document_text=lambda rec: document_text(text, rec))
    t_base = time.perf_counter() - t0
    n_conns = len(base.connections)
    print(f"cluster: {len(result.cluster.workloads)} workloads, "
          f"{len(result.cluster.policies)} policies, {n_conns} connections "
          f"(load {t_load:.2f} s, baseline evaluation {t_base:.2f} s)")
    variants = [("connlist_after_edit", True), ("full connlist", False)]
    incremental = connlist_module.connlist_after_edit
    qt = None
    if args.qt:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from netviz.ui.graph_view import GraphView
        from netviz.viewmodel.state import AppState

        qt = QApplication.instance() or QApplication([])
    for label, use_after_edit in variants:
        if not use_after_edit:  # the comparison: a full connection list after every edit
            connlist_module.connlist_after_edit = (  # type: ignore[assignment]
                lambda _prev_an, _prev_conns, an: connlist_module.connlist(an))
        try:
            session = EditSession(Baseline(base.cluster, base.analyzer, base.connections,
                                           base.documents, base.doc_texts),
                                  parse_policy)
            graph = GraphModel(base.cluster, base.connections, base.analyzer, difference=[])
            view = state = None
            if qt is not None:
                state = AppState()
                state.set_loaded(result, base.cluster, base.analyzer, base.connections)
                view = GraphView(state)
                view.resize(1400, 900)
                session.set_view_mode("difference")
                session.apply_to(state)
                qt.processEvents()
            t_sess, t_graph, t_scene, t_total, pairs = [], [], [], [], []
            for ident, new in edits(session, args.edits):
                original = session.entry(ident).text
                for txt in (new, original):  # the edit, then back
                    a = time.perf_counter()
                    session.set_policy_text(ident, txt)
                    b = time.perf_counter()
                    if session.changed_pairs is None:
                        graph = GraphModel(session.edited_cluster(), session.connections,
                                           session.analyzer, difference=session.difference)
                    else:
                        graph = graph.updated(session.edited_cluster(), session.connections,
                                              session.analyzer, session.changed_pairs,
                                              session.difference)
                    c = time.perf_counter()
                    t_sess.append(b - a)
                    t_graph.append(c - b)
                    pairs.append(len(session.changed_pairs or ()))
                    if view is not None and state is not None and qt is not None:
                        session.apply_to(state)
                        qt.processEvents()
                        d = time.perf_counter()
                        t_scene.append(d - c)
                        # what the app does: the session, then the view (which updates its
                        # own GraphModel: the Qt-free model above is not part of this path)
                        t_total.append((b - a) + (d - c))
                    else:
                        t_total.append(c - a)

            def fmt(xs: list[float]) -> str:
                return (f"median {statistics.median(xs) * 1000:6.1f} ms, "
                        f"worst {max(xs) * 1000:6.1f} ms")

            print(f"\n[{label}] {len(t_sess)} edits, changed pairs per edit: median "
                  f"{statistics.median(pairs):.0f}, max {max(pairs)}")
            print(f"  session (parse+with_policies+connlist+diff): {fmt(t_sess)}")
            print(f"  graph model update (GraphModel.updated):     {fmt(t_graph)}")
            if t_scene:
                print(f"  scene update (GraphView, offscreen, incl. session push): {fmt(t_scene)}")
            print(f"  edit -> updated graph{' and scene' if t_scene else ''}: {fmt(t_total)}"
                  f"  (target < 300 ms)")
        finally:
            connlist_module.connlist_after_edit = incremental  # type: ignore[assignment]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--namespaces", type=int, default=50)
    p.add_argument("--workloads", type=int, default=1000)
    p.add_argument("--policies", type=int, default=400)
    p.add_argument("--edits", type=int, default=10, help="policies edited (each edit + undo)")
    p.add_argument("--qt", action="store_true", help="also time the GraphView (offscreen)")
    run(p.parse_args())


if __name__ == "__main__":
    main()

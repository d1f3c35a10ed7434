"""The one-click questions in the window, on the demo (issue 8): who can reach data/postgres
(one click on the workload), what reaches TCP 5432 (only edges whose drawn end accepts it, at
full contrast), the pairs of a group edge, and that a what-if edit moves no node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from netviz.ui.main_window import MainWindow
from netviz.ui.scene import EdgeLayer
from netviz.viewmodel import palette

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
PG = "data/postgres[StatefulSet]"
PG_SVC = "svc:data/postgres"


@pytest.fixture(scope="module")
def listed() -> list[dict[str, str]]:
    """What ``netviz list resources/demo -o json`` prints."""
    import contextlib
    import io

    from netviz.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["list", str(DEMO), "-o", "json"])
    return json.loads(out.getvalue())


def _window(qtbot, tmp_path: Path, size: tuple[int, int] = (1400, 900),
            collapse_above: int | None = None) -> MainWindow:
    """A shown window with its own settings, no automatic reload; ``collapse_above``: the
    workload count above which a cluster opens collapsed (small, to make the demo large)."""
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    if collapse_above is not None:
        w.view.collapse_above = collapse_above
    w.resize(*size)
    w.show()
    w.act_auto.setChecked(False)
    return w


def _open(qtbot, w: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(w.runner.finished, timeout=30000):
        w.open_paths([str(path)])


@pytest.fixture
def win(qtbot, tmp_path: Path) -> MainWindow:
    w = _window(qtbot, tmp_path, size=(1600, 1000))
    qtbot.waitExposed(w)
    _open(qtbot, w, DEMO)
    if w.editing is not None:
        # never a modal question at teardown (unsaved edits are discarded, not saved)
        w.editing.ask = lambda *a: QMessageBox.StandardButton.Discard
    return w


def click_node(qtbot, win: MainWindow, key: str) -> None:
    view = win.view
    view.center_on_node(key)
    item = view.node_item(key)
    pos = view.mapFromScene(item.scenePos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     pos)


def test_who_can_reach_postgres_is_one_click(qtbot, win: MainWindow, listed) -> None:
    clients = {r["src"] for r in listed if r["dst"] == PG}
    assert len(clients) >= 4
    click_node(qtbot, win, PG)
    assert win.state.selection.nodes == {PG}
    # the graph lights every client, whether its edge ends at the workload or its Service
    lit = win.view.highlighted_nodes()
    assert lit is not None and clients <= lit
    m = win.view.model
    for key in clients:
        assert win.view.node_item(key).opacity() == 1.0
        # and a highlighted edge from (a box holding) it, into postgres or its Service
        assert any(key in m.leaves_of(e.src) and e.dst in (PG, PG_SVC) or
                   (key in m.leaves_of(e.src) and PG in m.leaves_of(e.dst))
                   for e in win.view.highlight_edges()), key
    # the Reach panel lists them, with the connection and the Service they go through
    reach = win.panels["ReachPanel"]
    assert win.docks["ReachPanel"].isVisible()
    rows = {r.src: r for r in reach.rows()}
    assert set(rows) == clients
    for r in listed:
        if r["dst"] == PG:
            assert str(rows[r["src"]].connection) == r["conn"]
    assert any("5432→postgres(5432)" in r.via_text for r in rows.values())


def test_reaches_port_keeps_accepting_edges_at_full_contrast(qtbot, win: MainWindow,
                                                             listed) -> None:
    win.port_edit.setText("TCP 5432")
    view = win.view
    qtbot.waitUntil(lambda: view.visible is not None and view.visible.emphasis is not None)
    m = view.model
    assert view.drawn_edges()
    for e in view.drawn_edges():
        if e.style in ("service", "bundle"):
            continue
        # the drawn end accepts the port: a Service forwards 5432, a workload's connection has it
        if e.dst.startswith("svc:"):
            assert any(mp.protocol == "TCP" and 5432 in {n for _, n in mp.per_backend}
                       | ({mp.target} if isinstance(mp.target, int) else set())
                       for mp in m.nodes[e.dst].ports), e
        else:
            assert e.conns is not None and e.conns.contains("TCP", 5432), e
    # no fading of the edges that are kept: they are the answer
    assert all(it.opacity() == 1.0 for it in view.pic_scene.edge_layer)
    # and the answer is listed
    reach = win.panels["ReachPanel"]
    want = {(r["src"], r["dst"]) for r in listed
            if ("TCP 5432" in r["conn"] or r["conn"] == "All Connections"
                or _in_range(r["conn"], 5432))}
    assert {r.pair for r in reach.rows()} == want


def _in_range(conn: str, port: int) -> bool:
    from netviz.engine import ConnectionSet

    return ConnectionSet.parse(conn).contains("TCP", port)


def test_selection_fades_other_edges_without_stray_arrowheads(qtbot, win: MainWindow) -> None:
    click_node(qtbot, win, PG)
    view = win.view
    faded = palette.FADED_OPACITY
    # every ordinary layer (lines, arrowheads, labels) fades; only the highlight is opaque
    assert all(it.opacity() == pytest.approx(faded) for it in view.pic_scene.edge_layer)
    hl = view.highlight_edges()
    assert hl
    # every highlighted arrowhead (or start dot) sits at an end of a highlighted edge
    ends = [pt for d in view._hl_drawn for pt in (d.points[0], d.points[-1])]
    heads = [it for it in view._hl_items if isinstance(it, EdgeLayer) and it.is_arrows]
    assert heads
    for it in heads:
        for poly in it.path().toSubpathPolygons():
            r = poly.boundingRect()
            assert any(r.adjusted(-2, -2, 2, 2).contains(QPointF(x, y)) for x, y in ends), r


def test_edge_lines_have_bounds_and_draw_when_zoomed_in(qtbot, win: MainWindow) -> None:
    """Batched line layers keep their bounds (an empty shape must not empty them), so a
    partial repaint draws the lines, not only their arrowheads and labels."""
    view = win.view
    lines = [it for it in view.pic_scene.edge_layer if isinstance(it, EdgeLayer)
             and not it.is_arrows]
    assert lines and all(not it.boundingRect().isEmpty() for it in lines)
    assert all(it.shape().isEmpty() for it in lines)
    # a point on a drawn line, zoomed in: the line layer is found there
    d = next(d for d in view.picture.edges if len(d.points) >= 2)
    (x0, y0), (x1, y1) = d.points[0], d.points[1]
    probe = QRectF(QPointF((x0 + x1) / 2 - 2, (y0 + y1) / 2 - 2), QPointF((x0 + x1) / 2 + 2,
                                                                         (y0 + y1) / 2 + 2))
    found = view.pic_scene.items(probe, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
    assert any(isinstance(it, EdgeLayer) and not it.is_arrows for it in found)


def test_a_group_edge_lists_its_pairs(qtbot, win: MainWindow, listed) -> None:
    view = win.view
    group = next(e for e in view.drawn_edges() if e.count > 1 and e.style in ("allowed",
                                                                             "partial"))
    view.click_edge(group)
    sel = win.state.selection
    assert sel.group_edge == (group.src, group.dst) and len(sel.pairs) == group.count
    reach = win.panels["ReachPanel"]
    conns = {(r["src"], r["dst"]): r["conn"] for r in listed}
    assert {r.pair for r in reach.rows()} == set(sel.pairs)
    assert all(str(r.connection) == conns[r.pair] == group.connection for r in reach.rows())


def test_a_what_if_edit_moves_no_node(qtbot, win: MainWindow) -> None:
    ctl = win.editing
    s = ctl.session
    view = win.view
    before = {k: (it.pos().x(), it.pos().y()) for k, it in view.pic_scene.nodes.items()
              if it.isVisible()}
    boxes = {k: ci.rect for k, ci in view.pic_scene.containers.items() if ci.isVisible()}
    i = next(e.id for e in s.entries if e.policy is not None and e.policy.name == "postgres-clients")
    text = s.entry(i).text
    assert "5432" in text
    s.set_policy_text(i, text.replace("5432", "6432"))
    # the edit is drawn (backup's own egress allows 5432 only, so its edge is now removed)
    qtbot.waitUntil(lambda: any(e.style == "removed" and e.src == "data/backup[CronJob]"
                                for e in view.drawn_edges()), timeout=10000)
    assert win.state.changed_pairs is None  # the hint is only valid during the event
    after = {k: (it.pos().x(), it.pos().y()) for k, it in view.pic_scene.nodes.items()
             if it.isVisible()}
    assert after == before
    assert {k: ci.rect for k, ci in view.pic_scene.containers.items() if ci.isVisible()} == boxes
    s.undo()
    QApplication.processEvents()
    assert {k: (it.pos().x(), it.pos().y()) for k, it in view.pic_scene.nodes.items()
            if it.isVisible()} == before


def _visible_nodes(view) -> set[str]:
    return {k for k, it in view.pic_scene.nodes.items() if it.isVisible()}


def _title_pos(view, key: str):
    box = view.pic_scene.containers[key]
    r = box.mapRectToScene(box.title_rect) if hasattr(box, "mapRectToScene") else box.title_rect
    return view.mapFromScene(r.center())


def _assert_exact(view, listed) -> None:
    """Every drawn allowed/partial edge states exactly its pairs; every listed pair is stated
    by one, or counted by a bundle between the boxes that hold its ends (a collapsed box)."""
    conns = {(r["src"], r["dst"]): r["conn"] for r in listed}
    m = view.model
    stated: set[tuple[str, str]] = set()
    boxes: list[tuple[set[str], set[str]]] = []
    for e in view.drawn_edges():
        if e.style == "bundle":
            boxes.append((set(m.members(e.src)), set(m.members(e.dst))))
        if e.style not in ("allowed", "partial"):
            continue
        for a in m.members(e.src):
            for b in m.members(e.dst):
                if a != b:
                    assert conns.get((a, b)) == e.connection, (e, a, b)
                    stated.add((a, b))
    missing = [p for p in conns if p[0] != p[1] and p not in stated
               and not any(p[0] in a and p[1] in b for a, b in boxes)]
    assert not missing, missing[:5]


def test_double_click_a_namespace_title_collapses_and_expands_it(qtbot, win: MainWindow,
                                                                 listed) -> None:
    view = win.view
    inside = {k for k in _visible_nodes(view) if k.startswith("data/")}
    assert PG in inside
    view.center_on_node(PG)
    pos = _title_pos(view, "ns:data")
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert "ns:data" in view.collapsed
    shown = _visible_nodes(view)
    assert not (inside & shown)  # one box: its workloads and Services are not drawn
    assert not any(k.startswith("svc:data/") for k in shown)
    ends = {k for e in view.drawn_edges() for k in (e.src, e.dst)}
    assert "ns:data" in ends  # its edges end at the box
    assert not any(k.startswith("data/") for k in ends)
    _assert_exact(view, listed)
    # double-click anywhere on the collapsed box: expanded again, every node where it was
    box = view.pic_scene.containers["ns:data"]
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.mapFromScene(box.sceneBoundingRect().center()))
    assert "ns:data" not in view.collapsed
    assert inside <= _visible_nodes(view)


def test_a_large_cluster_opens_at_namespace_level(qtbot, tmp_path: Path, listed) -> None:
    w = _window(qtbot, tmp_path, collapse_above=5)  # the demo counts as large here
    _open(qtbot, w, DEMO)
    view = w.view
    assert view.collapsed == frozenset(view.namespace_keys()) and view.collapsed
    kinds = {view.model.nodes[k].kind for k in _visible_nodes(view)}
    assert "workload" not in kinds and "service" not in kinds
    assert "namespace level" in w.statusBar().currentMessage()
    # edges are drawn, with counts, and the exact ones state exactly their pairs
    assert view.drawn_edges()
    assert all(e.count > 0 for e in view.drawn_edges())
    _assert_exact(view, listed)
    w.act_expand_all.trigger()
    assert not view.collapsed and PG in _visible_nodes(view)
    w.act_collapse_all.trigger()
    assert view.collapsed == frozenset(view.namespace_keys())
    if w.editing is not None:
        w.editing.ask = lambda *a: QMessageBox.StandardButton.Discard


def test_panels_behind_a_tab_compute_when_their_tab_is_selected(qtbot, win: MainWindow) -> None:
    """Qt keeps a dock behind another tab "visible" (out of the window): such panels wait
    until their tab is selected instead of computing on every load and edit (at 1,000
    workloads the Exposure and Matrix panels cost seconds that nobody sees)."""
    from netviz.ui.panels._base import on_screen

    for name in ("ExposurePanel", "MatrixPanel", "AuditPanel", "PoliciesPanel"):
        panel = win.panels[name]
        assert win.docks[name].isVisible() and not on_screen(panel)
        assert panel._dirty, name  # loaded, not computed
        win.docks[name].raise_()
        qtbot.waitUntil(lambda p=panel: not p._dirty, timeout=5000)
        assert on_screen(panel)
    assert win.panels["ExposurePanel"].view_model.rows
    assert win.panels["MatrixPanel"].model.matrix.rows
    # with the Matrix on screen, a change of the namespace filter recomputes it at once,
    # while the Exposure panel, behind the Matrix's tab again, waits
    exp = win.panels["ExposurePanel"]
    win.docks["MatrixPanel"].raise_()
    qtbot.waitUntil(lambda: on_screen(win.panels["MatrixPanel"]), timeout=5000)
    win.state.set_filters(namespaces=frozenset({"data"}))
    assert not win.panels["MatrixPanel"]._dirty
    assert not on_screen(exp)


def test_collapsed_namespaces_stay_collapsed_across_a_what_if_edit(qtbot, win: MainWindow) -> None:
    """An edit (here one that cuts the external ranges anew, so the group tree changes) keeps
    what the user collapsed; only other inputs open afresh."""
    view = win.view
    view.set_collapsed(frozenset({"ns:frontend"}))
    s = win.editing.session
    i = next(e.id for e in s.entries if e.policy is not None and "ipBlock" in e.text
             and "cidr:" in e.text)
    text = s.entry(i).text
    before = view.model.tree.containers
    cidr = text.split("cidr:")[1].split()[0].strip("'\"},")
    s.set_policy_text(i, text.replace(cidr, "198.18.0.0/15", 1))
    qtbot.waitUntil(lambda: view.model.tree.containers != before, timeout=10000)
    assert view.collapsed == frozenset({"ns:frontend"})
    assert not any(k.startswith("frontend/") for k, it in view.pic_scene.nodes.items()
                   if it.isVisible())


def test_many_namespaces_open_at_set_level_and_a_set_expands(qtbot, tmp_path: Path) -> None:
    """Above 20 namespaces a large cluster opens at the overview: namespaces no namespace
    selector tells apart are one box (with a count); double-clicking a set shows its
    namespaces, still collapsed; every pair is stated exactly or counted at every level."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from synth import generate, write

    d = tmp_path / "c"
    write(generate(30, 150, 120), d)
    import contextlib
    import io

    from netviz.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["list", str(d), "-o", "json"])
    listed = json.loads(out.getvalue())
    w = _window(qtbot, tmp_path, collapse_above=5)
    _open(qtbot, w, d)
    view = w.view
    m = view.model
    sets = [k for k in m.tree.containers if k.startswith("nsset:c")]
    assert sets and set(sets) <= view.collapsed
    assert "namespace-set level" in w.statusBar().currentMessage()
    shown_boxes = {k for k, it in view.pic_scene.containers.items() if it.isVisible()}
    assert set(sets) <= shown_boxes
    inner = {k for s in sets for k in m.tree.kids(s)}
    assert not inner & shown_boxes  # a collapsed set shows no namespace inside it
    ends = {k for e in view.drawn_edges() for k in (e.src, e.dst)}
    assert not inner & ends and set(sets) & ends
    _assert_exact(view, listed)
    at_sets = len(view.drawn_edges())
    # double-click the set: its namespaces appear, collapsed, and edges end at them
    s = max(sets, key=lambda k: len(m.tree.kids(k)))
    box = view.pic_scene.containers[s]
    view.centerOn(box)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.mapFromScene(box.sceneBoundingRect().center()))
    assert s not in view.collapsed
    kids = set(m.tree.kids(s))
    assert kids <= view.collapsed
    shown_boxes = {k for k, it in view.pic_scene.containers.items() if it.isVisible()}
    assert kids <= shown_boxes and s in shown_boxes
    assert kids & {k for e in view.drawn_edges() for k in (e.src, e.dst)}
    assert len(view.drawn_edges()) > at_sets
    _assert_exact(view, listed)
    # the groups inside namespaces are chosen when the first namespace opens
    assert view.model.deferred
    ns = sorted(kids)[0]
    box = view.pic_scene.containers[ns]
    view.centerOn(box)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.mapFromScene(box.sceneBoundingRect().center()))
    assert ns not in view.collapsed and ns in view.model.structure.opened
    shown = _visible_nodes(view)
    assert set(view.model.tree.leaves_of(ns)) <= shown
    _assert_exact(view, listed)
    # Collapse All goes back to the set level; Expand All opens everything
    w.act_expand_all.trigger()
    assert not view.collapsed
    w.act_collapse_all.trigger()
    assert set(sets) <= view.collapsed
    if w.editing is not None:
        w.editing.ask = lambda *a: QMessageBox.StandardButton.Discard


def test_a_what_if_edit_at_set_level_then_expanding_stays_exact(qtbot, tmp_path: Path) -> None:
    """A what-if edit while the groups inside namespaces are not chosen yet keeps the
    boxes; expanding afterwards chooses them for the edited relation, exactly."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from synth import generate, write

    d = tmp_path / "c"
    write(generate(30, 150, 120), d)
    w = _window(qtbot, tmp_path, collapse_above=5)
    _open(qtbot, w, d)
    w.editing.ask = lambda *a: QMessageBox.StandardButton.Discard
    view = w.view

    def listed() -> list[dict[str, str]]:
        return [{"src": c.src.key, "dst": c.dst.key, "conn": str(c.connections)}
                for c in w.state.connections]

    assert view.model.deferred
    _assert_exact(view, listed())
    before = view.model
    boxes = {k: it.sceneBoundingRect() for k, it in view.pic_scene.containers.items()
             if it.isVisible()}
    w.editing.set_mode("edited")  # the plain edited view (not the difference)
    s = w.editing.session
    i = next(e.id for e in s.entries if e.policy is not None and "8080" in e.text)
    s.set_policy_text(i, s.entry(i).text.replace("8080", "8081", 1))
    qtbot.waitUntil(lambda: view.model is not before, timeout=10000)
    assert view.model.connections != before.connections  # the edit changed pairs
    assert view.model.deferred
    assert {k: it.sceneBoundingRect() for k, it in view.pic_scene.containers.items()
            if it.isVisible()} == boxes  # nothing moved
    _assert_exact(view, listed())
    w.act_expand_all.trigger()
    assert not view.model.deferred
    _assert_exact(view, listed())


def test_the_picture_model_of_new_inputs_is_built_off_the_ui_thread(
        qtbot, tmp_path: Path, monkeypatch) -> None:
    # a large cluster's model takes seconds: the load job builds it in its worker (with
    # progress), the view takes that very model; a reload of the same inputs keeps the
    # current model's boxes and builds on the UI thread as before
    import threading

    from netviz.ui import graph_view

    built: list[tuple[bool, object]] = []
    real = graph_view.GraphModel

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **k) -> None:
            super().__init__(*a, **k)
            built.append((threading.current_thread() is threading.main_thread(), self))

    monkeypatch.setattr(graph_view, "GraphModel", Recording)
    w = _window(qtbot, tmp_path)
    steps: list[str] = []
    w.runner.progress.connect(lambda _d, _t, what: steps.append(what))
    _open(qtbot, w, DEMO)
    assert [main for main, _m in built] == [False]
    assert w.view.model is built[0][1]
    assert any("grouping workloads" in s for s in steps)
    assert w.view.drawn_edges()
    with qtbot.waitSignal(w.runner.finished, timeout=30000):
        w.reload()
    assert [main for main, _m in built] == [False, True]
    assert w.view.model is built[1][1]
    if w.editing is not None:
        w.editing.ask = lambda *a: QMessageBox.StandardButton.Discard

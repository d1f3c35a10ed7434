"""GraphView: build the state, wrap it in the view, change the state, assert the view."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsRectItem
from test_graph_fixtures import API, DB, MON, SVC_DB, SVC_WEB, WEB, cluster, evaluated

from netviz.engine import Options
from netviz.ui.graph_view import GraphView, render_view
from netviz.viewmodel import palette
from netviz.viewmodel.state import AppState


@pytest.fixture
def state() -> AppState:
    st = AppState()
    cl, an, conns = evaluated()
    st.set_loaded(None, cl, an, conns)
    return st


@pytest.fixture
def view(qtbot, state: AppState) -> GraphView:
    v = GraphView(state)
    qtbot.addWidget(v)
    v.resize(1100, 800)
    v.show()
    qtbot.waitExposed(v)
    v.fit()
    return v


def click(qtbot, view: GraphView, key: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    item = view.node_item(key)
    pos = view.mapFromScene(item.scenePos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, pos)


def test_none_refcount_guard(qapp) -> None:
    """PySide6 6.12.0 leaked a reference to None on every void call (we pin <6.12)."""
    item = QGraphicsRectItem()
    before = sys.getrefcount(None)
    for i in range(1000):
        item.setPos(i, i)
    assert abs(sys.getrefcount(None) - before) < 50


def test_draws_nodes_namespaces_edges_and_legend(view: GraphView, state: AppState) -> None:
    for key in (WEB, API, DB, MON, SVC_DB, SVC_WEB):
        item = view.node_item(key)
        assert item is not None and item.isVisible()
        assert (item.pos().x(), item.pos().y()) == view.graph_layout.positions[key]
    assert view.namespace_item("shop").isVisible()
    assert view.namespace_item("shop").rect.contains(view.node_item(WEB).sceneBoundingRect())
    styles = {e.style for e in view.drawn_edges()}
    assert styles == {"allowed", "partial", "service"}
    # batched: a handful of path items, none hit-testable
    assert len(view.edge_layers()) <= 8
    assert all(it.shape().isEmpty() for it in view.edge_layers())
    assert view.legend.isVisible()


def test_click_node_highlights_reach_and_fades_the_rest(qtbot, view: GraphView, state: AppState) -> None:
    with qtbot.waitSignal(view.refreshed):
        click(qtbot, view, API)
    assert state.selection.nodes == frozenset({API})
    assert {API, WEB, SVC_DB, DB, MON} <= view.highlighted_nodes()
    m = view.model
    assert all(API in m.leaves_of(e.src) or API in m.leaves_of(e.dst)
               for e in view.highlight_edges())
    # the db Service: reached by api only, leads to db
    click(qtbot, view, SVC_DB)
    assert view.highlighted_nodes() == {SVC_DB, DB, API}
    assert view.node_item(API).opacity() == 1.0
    assert view.node_item(DB).opacity() == 1.0
    assert view.node_item(WEB).opacity() == pytest.approx(palette.FADED_OPACITY)
    assert view.node_item(MON).opacity() == pytest.approx(palette.FADED_OPACITY)
    # clearing the selection in the state restores the view
    state.select()
    assert view.node_item(WEB).opacity() == 1.0
    assert view.highlight_edges() == []


def test_click_empty_space_clears_selection(qtbot, view: GraphView, state: AppState) -> None:
    state.select(nodes=frozenset({API}))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert state.selection.nodes == frozenset()


def test_ctrl_click_picks_source_and_target(qtbot, view: GraphView, state: AppState) -> None:
    click(qtbot, view, MON)
    click(qtbot, view, DB, Qt.KeyboardModifier.ControlModifier)
    assert state.selection.edge == (MON, DB)
    # a denied pair is drawn as a highlighted denied edge
    assert [e.style for e in view.highlight_edges()] == ["denied"]


def test_click_edge_selects_the_pair(qtbot, view: GraphView, state: AppState) -> None:
    e = next(e for e in view.drawn_edges() if (e.src, e.dst) == (WEB, API))
    pos = view.scene_point_of_edge(e)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos.toPoint())
    assert state.selection.edge == (WEB, API)
    assert [(h.src, h.dst) for h in view.highlight_edges()] == [(WEB, API)]
    # an edge to a Service selects the workload pair behind it
    e = next(e for e in view.drawn_edges() if (e.src, e.dst) == (API, SVC_DB))
    state.select()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.scene_point_of_edge(e).toPoint())
    assert state.selection.edge == (API, DB)


def test_filters_change_what_is_drawn(view: GraphView, state: AppState) -> None:
    state.set_filters(namespaces=frozenset({"ops"}))
    assert not view.node_item(WEB).isVisible()
    assert view.node_item(MON).isVisible()
    assert not view.namespace_item("shop").isVisible()
    state.set_filters(namespaces=None, protocol="TCP", port=5432)
    conn = [e for e in view.drawn_edges() if e.style != "service"]
    assert conn and all(e.conns.contains("TCP", 5432) for e in conn)
    state.set_filters(protocol=None, port=None, show_denied=True)
    assert "denied" in {e.style for e in view.drawn_edges()}
    state.set_filters(show_denied=False, hide_verdicts=frozenset({"allowed"}))
    assert {e.style for e in view.drawn_edges()} == {"partial", "service"}


def test_search_fades_non_matching_and_marks_matches(view: GraphView, state: AppState) -> None:
    state.set_filters(text="tier=data")
    assert view.node_item(DB).matched
    assert view.node_item(DB).opacity() == 1.0
    assert view.node_item(WEB).opacity() == pytest.approx(palette.FADED_OPACITY)


def test_focus_mode(view: GraphView, state: AppState) -> None:
    state.set_filters(focus=DB)
    visible = {k for k in (WEB, API, DB, MON, SVC_DB, SVC_WEB) if view.node_item(k).isVisible()}
    assert visible == {DB, API, SVC_DB, MON, SVC_WEB, WEB}
    assert all(DB in (e.src, e.dst) or e.style == "service" or e.pair and DB in e.pair
               for e in view.drawn_edges())


def test_positions_stay_put_when_reevaluated(view: GraphView, state: AppState) -> None:
    view.node_item(WEB).setPos(900, 900)  # a user move
    before = {k: (it.pos().x(), it.pos().y()) for k, it in view._nodes.items()}
    state.set_options(Options(ipblock_matches_pod_ips=True))
    after = {k: (it.pos().x(), it.pos().y()) for k, it in view._nodes.items()}
    assert after == before
    assert after[WEB] == (900, 900)


def test_drag_node_moves_it_and_reports(qtbot, view: GraphView) -> None:
    item = view.node_item(MON)
    start = view.mapFromScene(item.scenePos())
    end = start + QPoint(60, 40)
    with qtbot.waitSignal(view.nodesMoved):
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(view.viewport(), start + QPoint(20, 10))
        qtbot.mouseMove(view.viewport(), end)
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert MON in view.graph_layout.moved
    assert view.graph_layout.positions[MON] != pytest.approx((start.x(), start.y()))


def test_double_click_expands_pods(qtbot, view: GraphView) -> None:
    pos = view.mapFromScene(view.node_item(WEB).scenePos())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert WEB in view.model.expanded
    assert len(view.node_item(WEB).pods) == 2


def test_zoom_and_fit_and_keys(qtbot, view: GraphView) -> None:
    s = view.current_scale()
    view.zoom_in()
    assert view.current_scale() > s
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.current_scale() == pytest.approx(s, rel=0.01)


def test_edges_are_drawn_at_every_zoom(qtbot) -> None:
    st = AppState()
    cl, an, conns = evaluated(cluster(extra=40))
    st.set_loaded(None, cl, an, conns)
    v = GraphView(st)
    qtbot.addWidget(v)
    v.resize(800, 600)
    before = [e.key for e in v.drawn_edges()]
    v.resetTransform()
    v.scale(0.1, 0.1)
    v.zoom(0.9)
    assert [e.key for e in v.drawn_edges()] == before
    assert not v.bundled
    # the selected node's own edges are drawn over the rest
    st.select(nodes=frozenset({API}))
    assert v.highlight_edges()


def test_collapsed_namespace_is_one_box_with_counted_edges(view: GraphView) -> None:
    view.set_collapsed(frozenset({"ns:shop"}))
    styles = {e.style for e in view.drawn_edges()}
    assert "bundle" in styles
    assert all(e.count > 0 for e in view.drawn_edges() if e.style == "bundle")
    view.set_collapsed(frozenset())
    assert "bundle" not in {e.style for e in view.drawn_edges()}


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_export_view_with_title_and_legend(view: GraphView, tmp_path, suffix: str) -> None:
    out = tmp_path / f"view.{suffix}"
    render_view(view, str(out), "Title", whole=suffix == "png")
    assert out.stat().st_size > 1000
    if suffix == "png":
        img = QImage(str(out))
        assert img.width() > 400
    if suffix == "svg":
        assert "Title" in out.read_text()


def test_renders_offscreen(view: GraphView) -> None:
    img = QImage(400, 300, QImage.Format.Format_ARGB32)
    img.fill(0)
    p = QPainter(img)
    view.render(p)
    p.end()
    assert img.pixelColor(200, 150).alpha() == 255
    assert QPointF(0, 0) is not None


def test_denied_by_admin_rule_drawn_apart_with_legend(qtbot) -> None:
    from dataclasses import replace

    from test_graph import ANP_DENY_OPS

    from netviz.io.manifests import load_text

    st = AppState()
    cps = load_text(ANP_DENY_OPS, "anp.yaml").cluster.cluster_policies
    cl, an, conns = evaluated(replace(cluster(), cluster_policies=cps))
    st.set_loaded(None, cl, an, conns)
    v = GraphView(st)
    qtbot.addWidget(v)
    v.resize(1100, 800)
    v.show()
    qtbot.waitExposed(v)
    assert v.legend.admin
    st.set_filters(show_denied=True)
    got = {p: e.style for e in v.drawn_edges() for p in v.model.pairs(e)
           if e.style in ("denied", "denied-by-admin")}
    assert got[(MON, API)] == "denied-by-admin" and got[(WEB, DB)] == "denied"
    img = QImage(400, 300, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    v.render(p)
    p.end()
    # without Admin-tier policies the legend has no such entry
    st2 = AppState()
    cl2, an2, conns2 = evaluated()
    st2.set_loaded(None, cl2, an2, conns2)
    v2 = GraphView(st2)
    qtbot.addWidget(v2)
    assert not v2.legend.admin
    assert v.legend.boundingRect().height() > v2.legend.boundingRect().height()


def test_path_from_outside_drawn_and_clickable(qtbot) -> None:
    """The internet → entry points → Services → backends: drawn, in the legend, and a click
    selects what the edge is about (the way in, or the pair that explains what gets through);
    the Explanation panel explains that pair."""
    from test_graph_outside import LB, OUTSIDE_KEY, WEB, YAML

    from netviz.engine import Analyzer
    from netviz.engine.connlist import connlist
    from netviz.io.manifests import load_text
    from netviz.model.keys import EdgeStyle
    from netviz.ui.panels.explain_panel import ExplainPanel
    from netviz.viewmodel.graph import GraphOptions

    st = AppState()
    cl = load_text(YAML, "c.yaml").cluster
    an = Analyzer(cl)
    st.set_loaded(None, cl, an, connlist(an))
    v = GraphView(st)
    qtbot.addWidget(v)
    panel = ExplainPanel(st)
    qtbot.addWidget(panel)
    v.resize(1400, 700)
    v.show()
    qtbot.waitExposed(v)
    v.fit()
    for key in (OUTSIDE_KEY, LB):
        assert v.node_item(key) is not None and v.node_item(key).isVisible()
    styles = {e.style for e in v.drawn_edges()}
    assert {EdgeStyle.ENTRY, EdgeStyle.EXPOSED, EdgeStyle.BLOCKED, EdgeStyle.LEADS_OUT} <= styles
    legend = {s.name for _, s in v.legend.entries if isinstance(s, palette.EdgeLook)}
    assert {"entry", "exposed", "blocked", "leads-out"} <= legend
    way_in = next(e for e in v.drawn_edges() if (e.src, e.dst) == (OUTSIDE_KEY, LB))
    v.click_edge(way_in)
    assert st.selection.nodes == frozenset({LB}) and st.selection.edge is None
    through = next(e for e in v.drawn_edges()
                   if (e.src, e.dst) == ("svc:shop/web", WEB) and e.style == EdgeStyle.EXPOSED)
    with qtbot.waitSignal(panel.explained, timeout=2000):
        v.click_edge(through)
    assert st.selection.edge == ("{ingress-controller}", WEB)
    assert "Ingress and Route paths" in panel.browser.toPlainText()
    # View > Show Path from Outside off: gone
    v.set_graph_options(GraphOptions(show_outside=False))
    assert v.node_item(LB) is None or not v.node_item(LB).isVisible()
    assert not {EdgeStyle.ENTRY, EdgeStyle.EXPOSED} & {e.style for e in v.drawn_edges()}


def test_export_replaces_the_file_atomically(view: GraphView, tmp_path, monkeypatch) -> None:
    """An export that fails half way leaves the previous picture, and no temporary file; one
    that succeeds replaces it."""
    from netviz.ui import scene as S

    out = tmp_path / "view.png"
    out.write_bytes(b"the previous picture")

    def broken(scene, canvas, path, lower, scale, title):
        with open(path, "wb") as f:
            f.write(b"half a pic")
        raise OSError("disk full")

    monkeypatch.setattr(S, "_render", broken)
    with pytest.raises(OSError, match="disk full"):
        render_view(view, str(out), "Title")
    assert out.read_bytes() == b"the previous picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view.png"]
    monkeypatch.undo()
    render_view(view, str(out), "Title")
    assert out.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view.png"]

"""Reach panel: build the state, wrap it in the panel, change the state, assert the panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from test_graph_fixtures import API, DB, MON, SVC_DB, WEB, cluster, evaluated

from netviz.ui.panels.reach_panel import PAIR_ROLE, PAIRS, PORT, WHO, ReachPanel
from netviz.viewmodel.state import AppState


def make(qtbot) -> tuple[AppState, ReachPanel]:
    state = AppState()
    cl, an, conns = evaluated()
    state.set_loaded(None, cl, an, conns)
    panel = ReachPanel(state)
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    return state, panel


def want_into(state: AppState, dst: str) -> set[tuple[str, str]]:
    return {(c.src.key, str(c.connections)) for c in state.connections if c.dst.key == dst}


def test_selecting_a_workload_answers_who_can_reach_it(qtbot) -> None:
    state, panel = make(qtbot)
    assert panel.mode() == WHO and panel.answer is None
    with qtbot.waitSignal(panel.answered):
        state.select(nodes=frozenset({DB}))
    assert {(r.src, str(r.connection)) for r in panel.rows()} == want_into(state, DB)
    assert [r.src for r in panel.rows()] == [API]
    assert panel.rows()[0].via_text == "shop/db (5432→postgres(5432))"
    assert "1 peer can reach shop/db" in panel.summary_label.text()
    assert panel.target_box.currentText() == "shop/db"
    # a small answer is listed whole; selecting a row selects that pair (the explanation
    # panel and the graph follow the selection)
    assert panel.shown_pairs() == [(API, DB)]
    top = panel.tree.topLevelItem(0)
    assert top.text(0) == "shop (1)"
    panel.tree.setCurrentItem(top.child(0))
    assert state.selection.edge == (API, DB)
    assert top.child(0).data(0, PAIR_ROLE) == (API, DB)
    # the edge selection does not change the question
    assert [r.src for r in panel.rows()] == [API]


def test_a_service_stands_for_its_backends_and_the_box_picks_targets(qtbot) -> None:
    state, panel = make(qtbot)
    state.select(nodes=frozenset({SVC_DB}))
    assert [(r.src, r.dst) for r in panel.rows()] == [(API, DB)]
    assert "through the Service" in panel.summary_label.text()
    # picking a target in the box selects it everywhere
    panel.target_box.setCurrentText("shop/api")
    panel._target_picked()
    assert state.selection.nodes == {API}
    assert {(r.src, str(r.connection)) for r in panel.rows()} == want_into(state, API)


def test_port_filter_anywhere_lists_what_reaches_it(qtbot) -> None:
    state, panel = make(qtbot)
    with qtbot.waitSignal(panel.answered):
        state.set_filters(protocol="TCP", port=5432)
    assert panel.mode() == PORT and panel.port_edit.text() == "TCP 5432"
    want = {(c.src.key, c.dst.key) for c in state.connections
            if c.connections.contains("TCP", 5432)}
    assert {r.pair for r in panel.rows()} == want
    assert (API, DB) in want and (WEB, DB) not in want
    groups = {g.dst: g for g in panel.answer.groups}
    assert [str(s) for s in groups[DB].services] == ["shop/db (5432→postgres(5432))"]
    # the panel's own field sets the same filter (the graph and toolbar follow)
    panel.port_edit.setText("8000")
    panel._port_edited("8000")
    assert (state.filters.protocol, state.filters.port) == (None, 8000)
    assert {r.dst for r in panel.rows()} >= {API}
    assert all(r.connection.contains("TCP", 8000) for r in panel.rows())
    # a bad port is flagged and changes nothing
    panel._port_edited("nonsense")
    assert "FDE2D6" in panel.port_edit.styleSheet() and state.filters.port == 8000
    # clearing the filter and selecting a node goes back to "who can reach"
    state.set_filters(protocol=None, port=None)
    state.select(nodes=frozenset({WEB}))
    assert panel.mode() == WHO
    assert {(r.src, str(r.connection)) for r in panel.rows()} == want_into(state, WEB)


def test_hidden_panel_computes_when_shown_and_follows_evaluations(qtbot) -> None:
    state, panel = make(qtbot)
    panel.hide()
    state.select(nodes=frozenset({MON}))
    assert panel.answer is None  # not computed while hidden
    with qtbot.waitSignal(panel.answered):
        panel.show()
    assert {(r.src, str(r.connection)) for r in panel.rows()} == want_into(state, MON)
    # a what-if edit recomputes the shown answer: db now admits api on 6000, a port its
    # Service does not forward
    state.select(nodes=frozenset({DB}))
    assert panel.rows()[0].via_text
    cl, an, conns = evaluated(cluster(db_port=6000))
    with qtbot.waitSignal(panel.answered):
        state.set_edited(cl, an, conns)
    (row,) = panel.rows()
    assert (row.src, str(row.connection), row.via_text) == (API, "TCP 6000", "")
    assert "none on a port its Service(s) forward" in panel.summary_label.text()


def test_a_group_edge_lists_its_pairs_to_explain(qtbot) -> None:
    state, panel = make(qtbot)
    pairs = ((WEB, API), (API, DB), (WEB, DB))
    with qtbot.waitSignal(panel.answered):
        state.select(group_edge=("ns:shop", "ns:shop"), pairs=pairs)
    assert panel.mode() == PAIRS
    conns = {(c.src.key, c.dst.key): str(c.connections) for c in state.connections}
    assert {r.pair: str(r.connection) for r in panel.rows()} == {
        p: conns.get(p, "No Connections") for p in pairs}
    assert "Pairs of shop (2) → shop (2)" in panel.summary_label.text()
    # a row explains its pair; the list stays
    item = panel.tree.topLevelItem(0).child(0)
    panel.tree.setCurrentItem(item)
    assert state.selection.edge == tuple(item.data(0, PAIR_ROLE))
    assert panel.mode() == PAIRS and len(panel.rows()) == 3


def test_summary_shows_markup_as_written(qtbot) -> None:
    """The summary is rich text (the question in bold): text from the inputs is escaped, so a
    name with markup in a hostile file cannot restyle or hide the answer."""
    _state, panel = make(qtbot)
    panel._show(None, "no answer for <i>a</i>")
    assert panel.summary_label.textFormat() == Qt.TextFormat.RichText
    assert panel.summary_label.text() == "no answer for &lt;i&gt;a&lt;/i&gt;"


def test_no_question_no_index(qtbot) -> None:
    """On screen with nothing asked the panel shows a hint and indexes nothing (at 5,000
    workloads the index took seconds of every opening); the first question makes it."""
    from netviz.ui.panels._base import on_screen

    state, panel = make(qtbot)
    qtbot.waitExposed(panel)
    assert on_screen(panel)
    state.set_loaded(None, *evaluated())
    assert panel._index is None and "Click a workload" in panel.summary_label.text()
    state.select(nodes=frozenset({DB}))
    assert panel._index is not None and panel.rows()


def test_the_same_evaluation_again_is_no_change() -> None:
    """``set_edited`` with what the state already shows (an edit session's first push after
    a load: the same analyzer, a copy of its list) says nothing; anything else is news."""
    state = AppState()
    cl, an, conns = evaluated()
    state.set_loaded(None, cl, an, conns)
    said: list[str] = []
    state.subscribe(said.append)
    state.set_edited(cl, an, list(conns))
    assert said == []
    state.set_edited(cl, an, list(conns), difference=[])
    assert said == ["evaluated"]
    state.set_edited(cl, an, conns[:-1])
    assert said == ["evaluated", "evaluated"]

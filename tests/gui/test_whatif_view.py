"""GraphView under what-if edits: the view updates its picture in place (``picture_update``):
nothing moves, and what it draws states exactly what a picture made from scratch states."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from netviz.io.manifests import load_paths
from netviz.ui.editor.parse import make_session
from netviz.ui.graph_view import GraphView
from netviz.viewmodel.editing import EditSession
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import picture
from netviz.viewmodel.state import AppState
from tests.viewmodel.test_edit_differential import stated

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _demo_view(qtbot) -> tuple[EditSession, AppState, GraphView]:
    """The demo in an edit session in the difference view, a shown GraphView of its state,
    and every edit applied to that state."""
    result = load_paths([str(DEMO)])
    session = make_session(result, autosave=False)
    state = AppState()
    b = session.baseline
    state.set_loaded(result, b.cluster, b.analyzer, b.connections)
    view = GraphView(state)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    session.set_view_mode("difference")
    session.apply_to(state)
    session.subscribe(lambda ev: ev == "edited" and session.apply_to(state))
    return session, state, view


def test_an_edit_updates_the_view_in_place_and_exactly(qtbot) -> None:
    session, state, view = _demo_view(qtbot)
    first = view.picture
    assert first is not None
    boxes = {n.key: n.rect for n in first.nodes}
    ident = session.find("data/postgres-clients")
    assert ident is not None
    text = session.entry(ident).text
    for new in (text.replace("port: 5432", "port: 6000"), text):
        before = view.picture
        assert before is not None
        assert session.set_policy_text(ident, new) == []
        qtbot.wait(1)
        pic = view.picture
        assert pic is not None and pic is not before
        # updated in place: the same boxes, and the lines still drawn did not move
        assert {n.key: n.rect for n in pic.nodes} == boxes
        kept = {id(d.edge): d.points for d in before.edges}
        assert any(id(d.edge) in kept for d in pic.edges)
        assert all(d.points == kept[id(d.edge)] for d in pic.edges if id(d.edge) in kept)
        # what it draws is what a fresh model and picture of the same evaluation draw
        model = view.model
        assert model is not None
        fresh = GraphModel(state.cluster, state.connections, state.analyzer,
                           model.options, state.difference, keep=model)
        assert stated(pic) == stated(picture(fresh, fresh.view(), Layout()))
        # the edges the view hit-tests are the ones drawn now: a click on a new line
        # selects what it stands for
        assert view.drawn_edges() == [d.edge for d in pic.edges]
        new_lines = [d.edge for d in pic.edges if id(d.edge) not in kept
                     and d.edge.style not in ("service", "bundle") and d.edge.pair]
        assert new_lines
        e = new_lines[0]
        state.select()
        pts = next(d.points for d in pic.edges if d.edge is e)
        i = max(range(len(pts) - 1), key=lambda k: abs(pts[k][0] - pts[k + 1][0])
                + abs(pts[k][1] - pts[k + 1][1]))
        view.centerOn((pts[i][0] + pts[i + 1][0]) / 2, (pts[i][1] + pts[i + 1][1]) / 2)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.scene_point_of_edge(e).toPoint())
        sel = state.selection
        assert (sel.edge or sel.group_edge) is not None, (e.src, e.dst)
    assert not session.dirty


def test_an_ipblock_edit_adds_external_boxes_and_moves_no_other(qtbot) -> None:
    """An edit that cuts the external ranges anew (an ipBlock's ``except`` or CIDR changed):
    the external boxes merge or split, the view draws them without moving any other box, and
    what it draws states exactly what a model and picture made from scratch state."""
    session, state, view = _demo_view(qtbot)
    edits = [("frontend/gateway-from-internet", "except: [10.0.0.0/8]",
              "except: [10.0.0.0/9]"),
             ("payments/payments-egress", "cidr: 203.0.113.0/24", "cidr: 203.0.113.0/25")]
    changed_leaves = 0
    for name, old, new in edits:
        ident = session.find(name)
        if ident is None:
            ident = next(e.id for e in session.entries if old in e.text)
        text = session.entry(ident).text
        assert old in text, name
        for txt in (text.replace(old, new), text):
            before = view.picture
            model0 = view.model
            assert before is not None and model0 is not None
            ext0 = {k: tuple(model0.members_of[k]) for k in model0.externals}
            assert session.set_policy_text(ident, txt) == []
            qtbot.wait(1)
            pic, model = view.picture, view.model
            assert pic is not None and model is not None and pic is not before
            ext1 = {k: tuple(model.members_of[k]) for k in model.externals}
            changed_leaves += ext0 != ext1
            # the arrangement was patched, not made again: every box that is still the same
            # node is where it was
            assert pic.structure is before.structure, (name, txt == text)
            again = {k for k in ext1 if k in ext0 and ext0[k] != ext1[k]}
            old_boxes = {n.key: n.rect for n in before.nodes}
            for n in pic.nodes:
                if n.key in old_boxes and n.key not in again:
                    assert n.rect == old_boxes[n.key], n.key
            # the scene shows the picture's boxes
            shown = {k for k, it in view.pic_scene.nodes.items() if it.isVisible()}
            assert shown == {n.key for n in pic.nodes if n.title_rect is None}
            # exact: what a model and a picture made from scratch (their own tree) state
            fresh = GraphModel(state.cluster, state.connections, state.analyzer,
                               model.options, state.difference)
            assert stated(pic) == stated(picture(fresh, fresh.view(), Layout()))
            assert view.drawn_edges() == [d.edge for d in pic.edges]
    assert changed_leaves >= 2


def test_an_undone_ipblock_edit_puts_the_boxes_back(qtbot) -> None:
    """An ipBlock edit and its undo, repeated: the external boxes the second edit splits and
    its undo brings back return to the spots they had after the first (``Structure.holes``),
    so repeated edits and undos add no column to the top level and move no box. (The first
    undo cannot put boxes back into an external group the edit emptied: a patch never makes
    a container; they go to a new column.)"""
    from netviz.viewmodel.layout import ROOT

    session, state, view = _demo_view(qtbot)
    ident = session.find("frontend/gateway-from-internet")
    assert ident is not None
    text = session.entry(ident).text
    old, new = "except: [10.0.0.0/8]", "except: [10.0.0.0/9]"
    assert old in text
    start = view.picture
    assert start is not None
    columns = []
    after_undo = []
    after_edit = []
    for _ in range(3):
        for txt in (text.replace(old, new), text):
            assert session.set_policy_text(ident, txt) == []
            qtbot.wait(1)
            pic = view.picture
            assert pic is not None and pic.structure is start.structure  # patched each time
            (after_edit if txt != text else after_undo).append(
                {n.key: n.rect for n in pic.nodes})
        assert pic.structure is not None
        columns.append(len(pic.structure.conts[ROOT].cols))
        fresh = GraphModel(state.cluster, state.connections, state.analyzer,
                           view.model.options, state.difference)  # type: ignore[union-attr]
        assert stated(pic) == stated(picture(fresh, fresh.view(), Layout()))
    assert columns[0] == columns[1] == columns[2]
    assert after_undo[0] == after_undo[1] == after_undo[2]
    assert after_edit[1] == after_edit[2]
    assert set(after_edit[0]) == set(after_edit[1])

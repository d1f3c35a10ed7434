"""Matrix panel: build the model, wrap it in the widget, change the model, assert the widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from netviz.model import (
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Workload,
    assemble_cluster,
)
from netviz.ui.panels.matrix_panel import EMPHASIS_ROLE, STATUS_ROLE, MatrixPanel
from netviz.viewmodel.state import AppState

API, DB, WEB = "a/api[Deployment]", "a/db[Deployment]", "b/web[Deployment]"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


DB_IN = NetworkPolicy(
    "a", "db-in", sel(app="db"), frozenset({"Ingress"}),
    ingress=(Rule(peers=(Peer(pod_selector=sel(app="api")),), peers_given=True,
                  ports=(PolicyPort("TCP", 5432),), ports_given=True),),
)
WORKLOADS = [Workload("Deployment", "a", "api", {"app": "api"}),
             Workload("Deployment", "a", "db", {"app": "db"}),
             Workload("Deployment", "b", "web", {"app": "web"})]


def make(qtbot, *policies: NetworkPolicy) -> tuple[AppState, MatrixPanel]:
    state = AppState()
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=policies))
    panel = MatrixPanel(state)
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    return state, panel


def status(panel: MatrixPanel, r: int, c: int) -> str:
    return panel.model.data(panel.model.index(r, c), STATUS_ROLE)


def test_matrix_follows_the_model(qtbot, qtmodeltester) -> None:
    state, panel = make(qtbot)
    m = panel.model
    qtmodeltester.check(m)
    assert m.rowCount() == m.columnCount() == 3
    # columns: name over namespace (readable in a narrow column); rows: ns/name
    assert [m.headerData(i, Qt.Orientation.Horizontal) for i in range(3)] == [
        "api\na", "db\na", "web\nb"]
    assert [m.headerData(i, Qt.Orientation.Vertical) for i in range(3)] == [
        "a/api", "a/db", "b/web"]
    assert status(panel, 0, 1) == "allowed" and status(panel, 0, 0) == "self"
    assert m.data(m.index(0, 1)) == "✓ all"
    # the graph's colours
    assert m.data(m.index(0, 1), Qt.ItemDataRole.BackgroundRole).name() == "#009e73"

    # change the model: a policy arrives
    with qtbot.waitSignal(panel.rebuilt):
        state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=[DB_IN]))
    qtmodeltester.check(m)
    assert status(panel, 0, 1) == "partial" and m.data(m.index(0, 1)) == "◐ TCP 5432"
    assert status(panel, 2, 1) == "denied"
    # denied and partial differ by more than a shade: a glyph, a paler colour (and a hatch,
    # drawn by the delegate), and the legend says so
    assert m.data(m.index(2, 1)) == "✕"
    denied = m.data(m.index(2, 1), Qt.ItemDataRole.BackgroundRole)
    partial = m.data(m.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert denied.name() == "#d55e00" and partial.name() == "#e69f00"
    assert denied.alpha() < partial.alpha()
    legend = panel.legend_label.text()
    assert all(g in legend for g in ("✓", "◐", "✕")) and "denied (hatched)" in legend
    assert "1 partly, 1 denied" in panel.summary_label.text()

    # namespace filter from the shared state
    state.set_filters(namespaces=frozenset({"a"}))
    assert m.rowCount() == 2


def test_port_filter(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    with qtbot.waitSignal(panel.rebuilt):
        qtbot.keyClicks(panel.port_edit, "TCP 5432")
    assert status(panel, 0, 1) == "allowed"  # api -> db: everything the filter asks for
    assert status(panel, 2, 1) == "denied"
    assert "for TCP 5432" in panel.summary_label.text()
    # an invalid filter is flagged and keeps the last matrix
    with qtbot.assertNotEmitted(panel.rebuilt):
        panel.port_edit.setText("HTTP 80")
    assert "Unknown protocol" in panel.port_filter_error()
    assert status(panel, 0, 1) == "allowed"
    panel.port_edit.clear()
    assert status(panel, 0, 1) == "partial"


def test_click_cell_selects_edge_and_selection_highlights(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    m = panel.model
    rect = panel.view.visualRect(m.index(0, 1))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert state.selection.edge == (API, DB)
    assert m.data(m.index(0, 1), EMPHASIS_ROLE) is True
    assert m.data(m.index(2, 2), EMPHASIS_ROLE) is False
    assert panel.view.currentIndex().row() == 0 and panel.view.currentIndex().column() == 1

    # selection from elsewhere (the graph): nodes highlight their row and column
    state.select(nodes=frozenset({WEB}))
    assert m.data(m.index(2, 0), EMPHASIS_ROLE) and m.data(m.index(0, 2), EMPHASIS_ROLE)
    assert not m.data(m.index(0, 1), EMPHASIS_ROLE)
    assert m.data(m.index(0, 1), Qt.ItemDataRole.BackgroundRole).alpha() < 100  # faded
    assert m.headerData(2, Qt.Orientation.Vertical, Qt.ItemDataRole.FontRole).bold()

    # a selected policy highlights what it affects
    state.select(policy="a/db-in")
    assert m.hl.rows == {0, 1}

    # clicking a header selects that workload
    header = panel.view.verticalHeader()
    y = header.sectionViewportPosition(1) + header.sectionSize(1) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(5, y))
    assert state.selection.nodes == {DB}


def test_export_csv(qtbot, tmp_path, monkeypatch) -> None:
    state, panel = make(qtbot, DB_IN)
    panel.port_edit.setText("TCP 5432")
    path = tmp_path / "m.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "CSV files (*.csv)")))
    with qtbot.waitSignal(panel.exported) as blocker:
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [str(path)]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"source \\ destination,{API},{DB},{WEB}"
    assert lines[1] == f"{API},,TCP 5432,TCP 5432"
    assert lines[3] == f"{WEB},TCP 5432,No Connections,"


def test_denied_cells_are_hatched(qtbot) -> None:
    """A pattern, not only a colour: the corner of a denied cell has hatch lines over its
    background, the corner of an allowed cell (short text, free corners) is one colour."""
    state, panel = make(qtbot, DB_IN)
    m = panel.model
    assert status(panel, 2, 1) == "denied" and status(panel, 0, 2) == "allowed"
    image = panel.view.viewport().grab().toImage()

    def corner_colours(r: int, c: int) -> set[int]:
        rect = panel.view.visualRect(m.index(r, c))
        return {image.pixel(rect.left() + 3 + dx, rect.top() + 2 + dy)
                for dx in range(10) for dy in range(4)}

    assert len(corner_colours(2, 1)) >= 2
    assert len(corner_colours(0, 2)) == 1

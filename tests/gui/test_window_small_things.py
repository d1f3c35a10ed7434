"""The small things a desktop app is judged by (issue 8): the window's size and toolbars,
refitting after a resize, a search without a match, a reload that keeps the view, the
Matrix dock that opens usable, the one-click questions in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QToolButton
from test_graph_fixtures import API, DB, WEB, YAML

from netviz.ui.main_window import MainWindow


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    d = tmp_path / "cluster"
    d.mkdir()
    (d / "all.yaml").write_text(YAML, encoding="utf-8")
    return d


def make_window(qtbot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    return w


@pytest.fixture
def win(qtbot, tmp_path: Path) -> MainWindow:
    w = make_window(qtbot, tmp_path)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def open_and_wait(qtbot, win: MainWindow, paths: list[str]) -> None:
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.open_paths(paths)


def overflowing(win: MainWindow) -> list[str]:
    """Toolbars that hide buttons behind their overflow arrow."""
    out = []
    for tb in win._toolbars:
        ext = tb.findChild(QToolButton, "qt_toolbar_ext_button")
        if ext is not None and ext.isVisible():
            out.append(tb.objectName())
    return out


def test_window_opens_within_the_screen(qtbot, tmp_path: Path) -> None:
    w = make_window(qtbot, tmp_path)
    avail = w.screen().availableGeometry()
    assert 0 < w.width() <= avail.width() and 0 < w.height() <= avail.height()
    assert avail.contains(w.geometry().topLeft())


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080), (1000, 700)])
def test_no_toolbar_overflow(qtbot, win: MainWindow, size: tuple[int, int]) -> None:
    win.resize(*size)
    QApplication.processEvents()
    assert overflowing(win) == []
    # both toolbars share a row when they fit in it (1280 and wider)
    main, what_if = win._toolbars
    one_row = main.sizeHint().width() + what_if.sizeHint().width() + 8 <= win.width()
    assert win.toolBarBreak(what_if) is (not one_row)
    if size[0] >= 1280:
        assert one_row
    # Save and Save As are in the File menu too
    assert {win.editing.act_save, win.editing.act_save_as} <= set(win.file_menu.actions())


def test_refits_after_a_resize_unless_zoomed_in(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.view.fit()
    QApplication.processEvents()
    assert win.autofit.whole_in_view()
    before = win.view.transform().m11()
    fits = win.autofit.fits
    win.resize(1600, 1000)
    qtbot.waitUntil(lambda: win.autofit.fits > fits, timeout=3000)
    assert win.view.transform().m11() != before and win.autofit.whole_in_view()
    # zoomed in on a part: a resize leaves the view alone
    for _ in range(6):
        win.view.zoom_in()
    assert not win.autofit.whole_in_view()
    zoom = win.view.transform().m11()
    fits = win.autofit.fits
    win.resize(1300, 850)
    QApplication.processEvents()
    QApplication.processEvents()
    assert win.autofit.fits == fits and win.view.transform().m11() == zoom


def test_search_without_a_match_says_so_and_fades_nothing(qtbot, win: MainWindow,
                                                          manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.search.setText("no-such-thing")
    win._apply_search()
    assert win.state.filters.text == ""
    assert win.view.visible.emphasis is None
    assert all(win.view.node_item(k).opacity() == 1.0 for k in (API, DB, WEB))
    assert "No node matches" in win.statusBar().currentMessage()
    assert "No node matches" in win.search.toolTip() and win.search.styleSheet()
    # a match emphasises again, and the field is plain
    win.search.setText("tier=data")
    win._apply_search()
    assert win.state.filters.text == "tier=data" and win.search.styleSheet() == ""
    assert win.view.visible.emphasis == {DB}


def test_reload_keeps_selection_filters_and_view(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.state.select(nodes=frozenset({API}))
    win._ns_actions["ops"].setChecked(False)
    win.view.zoom_in()
    win.view.zoom_in()
    zoom = win.view.transform().m11()
    centre = win.view.mapToScene(win.view.viewport().rect().center())
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.reload("Saved 1 file(s): all.yaml")
    assert win.state.selection.nodes == {API}
    assert win.state.filters.namespaces == frozenset({"shop"})
    assert not win._ns_actions["ops"].isChecked()
    assert win.view.transform().m11() == pytest.approx(zoom)
    now = win.view.mapToScene(win.view.viewport().rect().center())
    assert abs(now.x() - centre.x()) < 2 and abs(now.y() - centre.y()) < 2
    msg = win.statusBar().currentMessage()
    assert msg.startswith("Saved 1 file(s): all.yaml; reloaded in ")


def test_other_inputs_start_afresh(qtbot, win: MainWindow, manifests: Path, tmp_path: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.state.select(nodes=frozenset({API}))
    other = tmp_path / "other"
    other.mkdir()
    (other / "all.yaml").write_text(YAML, encoding="utf-8")
    open_and_wait(qtbot, win, [str(other)])
    assert win.state.selection.nodes == frozenset()
    assert win.statusBar().currentMessage().startswith("Loaded in ")


def test_matrix_dock_opens_usable(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    QApplication.processEvents()
    dock = win.docks["MatrixPanel"]
    win.show_dock("MatrixPanel")
    qtbot.waitUntil(lambda: dock.height() >= int(win.height() * 0.45) - 40, timeout=3000)
    panel = win.panels["MatrixPanel"]
    header = panel.view.horizontalHeader()
    fm = header.fontMetrics()
    for c in range(panel.model.columnCount()):
        text = panel.model.headerData(c, header.orientation())
        assert header.sectionSize(c) >= max(fm.horizontalAdvance(t) for t in text.split("\n"))


def test_port_filter_lists_the_answer_in_the_reach_panel(qtbot, win: MainWindow,
                                                         manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    reach = win.panels["ReachPanel"]
    win.port_edit.setText("TCP 5432")
    assert win.docks["ReachPanel"].isVisible()
    assert {r.pair for r in reach.rows()} == {
        (c.src.key, c.dst.key) for c in win.state.connections
        if c.connections.contains("TCP", 5432)}
    # the panel's field and the toolbar's are one filter
    reach.port_edit.setText("8000")
    reach._port_edited("8000")
    assert win.port_edit.text() == "8000"
    # one click on a workload: who can reach it (once no port is asked about)
    win.port_edit.setText("")
    win.view.click_node(DB)
    assert [r.src for r in reach.rows()] == [API]
    # a row explains its pair
    top = reach.tree.topLevelItem(0)
    reach.tree.setCurrentItem(top.child(0))
    assert win.state.selection.edge == (API, DB)
    explain = win.panels["ExplainPanel"]
    assert explain.explanation is not None

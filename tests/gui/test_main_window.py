"""MainWindow: opening (worker thread), recent files, drop, reload, options, filters, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from test_graph_fixtures import API, DB, YAML

from netviz.io.appfiles import session_path
from netviz.ui.main_window import MainWindow


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    d = tmp_path / "cluster"
    d.mkdir()
    (d / "all.yaml").write_text(YAML, encoding="utf-8")
    return d


@pytest.fixture
def win(qtbot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    return w


def open_and_wait(qtbot, win: MainWindow, paths: list[str]) -> None:
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.open_paths(paths)


def test_open_loads_off_thread_and_draws(qtbot, win: MainWindow, manifests: Path) -> None:
    assert win.state.cluster is None
    open_and_wait(qtbot, win, [str(manifests)])
    assert win.state.cluster is not None
    assert win.view.node_item(API) is not None
    assert "4 workloads" in win.status_counts.text()
    assert win.recent()[0] == [str(manifests.resolve())]
    assert "cluster" in win.windowTitle()


def test_cancel_keeps_previous_state(qtbot, win: MainWindow, manifests: Path) -> None:
    with qtbot.waitSignal(win.runner.cancelled, timeout=5000):
        win.open_paths([str(manifests)])
        win.cancel_job()
    assert win.state.cluster is None
    assert not win.runner.busy


def test_drop_opens_files(qtbot, win: MainWindow, manifests: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(manifests / "all.yaml"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.dropEvent(event)
    assert win.paths == [str(manifests / "all.yaml")]


def test_reload_when_file_changes_on_disk(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    assert win.act_auto.isChecked()
    extra = YAML.split("---")[5].replace("name: monitor", "name: monitor2")
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        (manifests / "all.yaml").write_text(YAML + "---" + extra, encoding="utf-8")
    assert win.view.node_item("ops/monitor2[Deployment]") is not None


def test_options_reevaluate_and_show_in_status_bar(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    assert "hostNetwork: pod" in win.status_options.text()
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.act_host_node.trigger()
    assert win.state.options.host_network == "node"
    assert "hostNetwork: node" in win.status_options.text()


def test_search_box_and_next_match(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.search.setText("tier=data")
    with qtbot.waitSignal(win.view.refreshed):
        pass
    assert win.state.filters.text == "tier=data"
    win.next_match()
    assert win.state.selection.nodes == frozenset({DB})


def test_port_and_verdict_filters(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.port_edit.setText("TCP 5432")
    assert (win.state.filters.protocol, win.state.filters.port) == ("TCP", 5432)
    win.port_edit.setText("nonsense")
    assert win.state.filters.port == 5432  # unchanged, field marked
    win.act_denied.trigger()
    assert win.state.filters.show_denied
    win.act_allowed.trigger()
    assert win.state.filters.hide_verdicts == frozenset({"allowed"})


def test_focus_action(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.state.select(nodes=frozenset({DB}))
    win.act_focus.trigger()
    assert win.state.filters.focus == DB
    win.act_focus.trigger()
    assert win.state.filters.focus is None


def test_namespace_filter_menu(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win._ns_actions["ops"].setChecked(False)
    assert win.state.filters.namespaces == frozenset({"shop"})
    assert not win.view.node_item("ops/monitor[Deployment]").isVisible()


def test_moved_nodes_are_saved_and_restored(qtbot, win: MainWindow, manifests: Path) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    win.view.node_item(API).setPos(777, 555)
    win.save_session()
    assert session_path([str(manifests)]).exists()
    other = MainWindow(settings=win.settings)
    qtbot.addWidget(other)
    open_and_wait(qtbot, other, [str(manifests)])
    assert other.view.graph_layout.positions[API] == (777, 555)
    assert other.view.node_item(API).pos().x() == 777


@pytest.mark.parametrize("whole", [False, True])
def test_export(qtbot, win: MainWindow, manifests: Path, tmp_path: Path, whole: bool) -> None:
    open_and_wait(qtbot, win, [str(manifests)])
    out = tmp_path / "out.svg"
    win.export(str(out), whole)
    assert out.stat().st_size > 1000


def test_open_demo_from_help(qtbot, win: MainWindow) -> None:
    from netviz.ui.main_window import demo_path

    assert demo_path() is not None, "resources/demo is part of the repository"
    with qtbot.waitSignal(win.runner.finished, timeout=30000):
        win.act_demo.trigger()
    assert win.state.cluster is not None and len(win.state.cluster.namespaces) >= 4


def test_every_panel_is_built_and_docked(win: MainWindow) -> None:
    from netviz.ui.main_window import PANELS

    names = [spec.name for spec in PANELS]
    assert list(win.panels)[:len(names)] == names
    for spec in PANELS:
        dock = win.docks[spec.name]
        assert dock.widget() is win.panels[spec.name]
        assert dock.windowTitle() == spec.title
        assert win.dockWidgetArea(dock) == spec.area


def test_every_panel_module_is_in_the_window() -> None:
    import pkgutil

    import netviz.ui.panels as pkg
    from netviz.ui.main_window import PANELS

    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}
    placed = {spec.make.__module__.rsplit(".", 1)[1] for spec in PANELS}
    assert placed == modules, "every module of netviz.ui.panels has its entry in PANELS"


@pytest.mark.parametrize("panel", ["AuditPanel", "DiagnosticsPanel", "ExplainPanel",
                                   "MatrixPanel", "PoliciesPanel", "YamlView"])
def test_a_panel_that_fails_to_build_fails_the_window(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, panel: str) -> None:
    """A broken panel is an error, not a window without that dock (the issue's probe:
    MatrixPanel.__init__ raising used to leave the app running without it)."""
    from netviz.ui import main_window

    spec = next(s for s in main_window.PANELS if s.name == panel)

    def broken(*_args: object) -> None:
        raise RuntimeError(f"{panel} is broken")

    monkeypatch.setattr(spec.make, "__init__", broken)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with pytest.raises(RuntimeError, match=f"{panel} is broken"):
        MainWindow(settings=settings)


def test_ingress_controller_location_option(win: MainWindow) -> None:
    assert not win.set_ingress_controller("ns:bad")
    assert win.set_ingress_controller("ingress-nginx:app=nginx")
    assert win.state.options.ingress_controller == ("ingress-nginx", (("app", "nginx"),))
    # the other options keep it
    win.act_ipblock.setChecked(True)
    win._options_changed()
    assert win.state.options.ingress_controller == ("ingress-nginx", (("app", "nginx"),))


def test_path_from_outside_toggle(win: MainWindow) -> None:
    assert win.act_outside.isChecked() and win.act_outside.isEnabled()
    win.act_outside.trigger()
    assert win.view.graph_options.show_outside is False
    win.act_services.trigger()  # the path goes through Services
    assert not win.act_outside.isEnabled()
    win.act_services.trigger()
    win.act_outside.trigger()
    assert win.act_outside.isEnabled() and win.view.graph_options.show_outside is True

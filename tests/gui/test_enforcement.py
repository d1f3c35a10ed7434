"""The app when policies are not enforced: a banner over the graph, the network plugin chosen
in the Options menu, the graph shown as enforced today (every pair allowed), and the export
title carrying the warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from netviz.engine.analyzer import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_paths
from netviz.ui.main_window import MainWindow
from netviz.viewmodel.enforcement import enforced_today

SHOP = Path(__file__).resolve().parents[1] / "cli" / "data" / "shop.yaml"


@pytest.fixture
def flannel_snapshot(tmp_path: Path) -> Path:
    """A slim snapshot of a Flannel cluster: the header says the policies are not enforced."""
    items = load_paths([str(SHOP)])  # only to be sure the manifests load
    assert items.cluster.policies
    import yaml

    docs = [d for d in yaml.safe_load_all(SHOP.read_text()) if d]
    snap = {
        "apiVersion": "netviz.io/v1alpha1", "kind": "ClusterSnapshot",
        "metadata": {"name": "flannel-ctx"},
        "header": {"context": "flannel-ctx", "takenAt": "2024-05-01T00:00:00Z",
                   "content": "slim",
                   "cni": {"plugin": "flannel", "name": "Flannel", "enforces": False,
                           "evidence": ["DaemonSet kube-flannel/kube-flannel-ds"]}},
        "items": docs,
    }
    path = tmp_path / "flannel.json"
    path.write_text(json.dumps(snap))
    return path


@pytest.fixture
def win(qtbot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    return w


def _open(qtbot, win: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.open_paths([str(path)])


def test_banner_and_enforced_today(qtbot, win: MainWindow, flannel_snapshot: Path) -> None:
    _open(qtbot, win, flannel_snapshot)
    assert win.banner.isVisibleTo(win)
    assert win.banner.text().startswith(
        "These policies are not enforced by Flannel: all traffic is allowed.")
    assert "kube-flannel-ds" in win.banner.toolTip()
    assert win.act_enforced_today.isEnabled()
    as_written = list(win.state.connections)
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.act_enforced_today.trigger()
    assert "Shown as enforced today" in win.banner.text()
    expected = connlist(Analyzer(enforced_today(win.state.cluster)))
    assert win.state.connections == expected != as_written
    assert win.state.cluster.policies  # the policies are still there (editing, panels)
    assert "not enforced by Flannel" in win.export_title()
    # back
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.act_enforced_today.trigger()
    assert win.state.connections == as_written


def test_choosing_an_enforcing_plugin_removes_the_banner(qtbot, win: MainWindow,
                                                         flannel_snapshot: Path) -> None:
    _open(qtbot, win, flannel_snapshot)
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.act_enforced_today.trigger()
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.cni_actions["calico"].trigger()  # the user knows better: Calico
    assert not win.banner.isVisibleTo(win)
    assert not win.act_enforced_today.isEnabled() and not win.act_enforced_today.isChecked()
    assert win.state.connections == connlist(Analyzer(win.state.cluster))
    win.act_cni_detected.trigger()
    assert win.banner.isVisibleTo(win)


def test_manifests_without_a_plugin_show_no_banner_until_one_is_chosen(
        qtbot, win: MainWindow) -> None:
    _open(qtbot, win, SHOP)
    assert not win.banner.isVisibleTo(win) and not win.act_enforced_today.isEnabled()
    win.cni_actions["aws-vpc-cni"].trigger()
    assert win.banner.isVisibleTo(win)
    assert "AWS VPC CNI (no network policy agent)" in win.banner.text()
    assert win.act_enforced_today.isEnabled()

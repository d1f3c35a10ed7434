"""A corrupt autosave is reported and set aside, never a crash at start-up (the broken input
corpus grows: the kinds of corrupt autosave a crash, a disk or a hand edit leave)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from test_editing import APPS, POLICIES

from netviz.io.appfiles import JsonFile, autosave_path
from netviz.io.manifests import load_paths
from netviz.ui.editor.parse import make_session
from netviz.ui.main_window import MainWindow
from netviz.viewmodel.editing.autosave import AUTOSAVE_FORMAT

CORRUPT = {
    "truncated": '{"format": "netviz-edit-session", "entries": [{"te',
    "binary": "\x00\x01\x02garbage",
    "entries-not-list": json.dumps({"format": AUTOSAVE_FORMAT, "entries": 5}),
    "entry-a-string": json.dumps({"format": AUTOSAVE_FORMAT, "entries": ["x"]}),
    "origin-a-number": json.dumps({"format": AUTOSAVE_FORMAT,
                                   "entries": [{"text": "a: b", "origin": 7}]}),
    "labels-bad-target": json.dumps({"format": AUTOSAVE_FORMAT, "entries": [],
                                     "labels": [{"target": 3, "labels": {}}]}),
    "text-a-list": json.dumps({"format": AUTOSAVE_FORMAT, "entries": [{"text": [1]}]}),
}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "manifests"
    d.mkdir()
    (d / "apps.yaml").write_text(APPS, encoding="utf-8")
    (d / "policies.yaml").write_text(POLICIES, encoding="utf-8")
    return d


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_session_sets_a_corrupt_autosave_aside(inputs: Path, name: str) -> None:
    path = autosave_path([str(inputs)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CORRUPT[name], encoding="utf-8")
    s = make_session(load_paths([str(inputs)]), inputs=[str(inputs)])
    assert s.read_autosave() is None  # no exception
    assert s.autosave_problem is not None and "is corrupt" in s.autosave_problem
    assert not path.exists()
    (aside,) = path.parent.glob(f"{path.stem}.corrupt-*.json")
    assert aside.read_text(encoding="utf-8") == CORRUPT[name]  # kept for the user
    assert str(aside) in s.autosave_problem


def test_a_good_autosave_is_not_touched(inputs: Path) -> None:
    s = make_session(load_paths([str(inputs)]), inputs=[str(inputs)])
    store = JsonFile(autosave_path([str(inputs)]))
    store.write({"format": AUTOSAVE_FORMAT, "entries": [], "labels": []})
    assert s.read_autosave() is not None and s.autosave_problem is None
    assert store.path.exists()


def test_window_starts_and_reports_a_corrupt_autosave(qtbot, tmp_path: Path,
                                                      inputs: Path) -> None:
    path = autosave_path([str(inputs)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CORRUPT["entry-a-string"], encoding="utf-8")
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.open_paths([str(inputs)])
    qtbot.waitUntil(lambda: "is corrupt" in win.statusBar().currentMessage(), timeout=3000)
    assert win.editing is not None and win.editing.session is not None
    assert list(path.parent.glob("*.corrupt-*.json"))

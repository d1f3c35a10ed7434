"""netviz.io.appfiles: where the app keeps layout sessions and edit autosaves, and how."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.io.appfiles import JsonFile, autosave_path, config_dir, session_path


def test_paths_are_per_input_set_and_order_free(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "netviz"
    a = session_path(["b", "a"])
    assert a == session_path(["a", "b"]) != session_path(["a"])
    assert a.parent == tmp_path / "netviz" / "sessions"
    auto = autosave_path(["a", "b"])
    assert auto.parent == tmp_path / "netviz" / "autosave" and auto.name == a.name
    assert autosave_path(["a"], tmp_path / "elsewhere").parent == tmp_path / "elsewhere/autosave"


def test_json_file_round_trip_private_and_atomic(tmp_path: Path) -> None:
    f = JsonFile(tmp_path / "deep" / "x.json")
    assert f.read() is None
    f.write({"a": [1, 2]})
    assert f.read() == {"a": [1, 2]}
    assert f.path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in f.path.parent.iterdir()] == ["x.json"]
    f.clear()
    f.clear()  # nothing there: fine
    assert f.read() is None


def test_a_broken_file_reads_as_none(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text("{not json", encoding="utf-8")
    assert JsonFile(p).read() is None

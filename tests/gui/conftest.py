"""GUI tests: offscreen Qt, the ``gui`` marker on every test here, and Qt warnings fail tests.

- ``QT_QPA_PLATFORM=offscreen`` is set before anything imports Qt.
- Every test under ``tests/gui`` gets the ``gui`` marker (``-m "not gui"`` skips them).
- pytest-qt's ``qt_log_level_fail("WARNING")`` marker is added to each of them, so a Qt warning
  (a bad connection, a painter misuse, ...) fails the test (qutebrowser's habit). Messages the
  offscreen platform prints by itself are ignored with ``qt_log_ignore``.
- Settings and sessions go to a temporary directory, never to the user's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

HERE = Path(__file__).resolve().parent
# the small cluster shared with the viewmodel tests
sys.path.insert(0, str(HERE.parent / "viewmodel"))

#: harmless messages of the offscreen platform plugin
OFFSCREEN_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
    r"QFont::setPointSizeF: Point size <= 0",
    r"This plugin does not support grabbing the keyboard",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    return cfg

"""Diagnostics panel and YAML view: build the model, wrap it in the widget, change the model,
assert the widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import shiboken6
from PySide6.QtCore import Qt

from netviz.model import Workload, assemble_cluster
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.loaded import LoadResult
from netviz.ui.panels.diagnostics_panel import DiagnosticsPanel
from netviz.ui.panels.yaml_view import YamlView, block_range
from netviz.viewmodel.state import AppState

CLUSTER = assemble_cluster(workloads=[Workload("Deployment", "a", "web", {"app": "web"})])


def load(state: AppState, diagnostics: list[Diagnostic]) -> None:
    state.set_loaded(LoadResult(CLUSTER, diagnostics, [], []), CLUSTER)


def test_diagnostics_follow_loads(qtbot, qtmodeltester, tmp_path) -> None:
    state = AppState()
    panel = DiagnosticsPanel(state)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == 0
    assert panel.summary_label.text() == "Loading: no problems"

    bad = tmp_path / "bad.yaml"
    load(state, [
        Diagnostic(Severity.ERROR, "mapping values are not allowed here", str(bad), 2, 5, 7,
                   code="yaml-syntax"),
        Diagnostic(Severity.WARNING, "unknown field", str(bad), 3, 12),
        Diagnostic(Severity.INFO, "skipped ConfigMap", "<stdin>", 1, 1),
    ])
    qtmodeltester.check(panel.model)
    m = panel.model
    assert m.rowCount() == 3 and m.columnCount() == 3
    assert m.data(m.index(0, 0)) == "error"
    assert m.data(m.index(0, 1)) == f"{bad}:5:7, document 2"
    assert m.data(m.index(1, 2)) == "unknown field"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None
    assert panel.summary_label.text() == "Loading: 1 error, 1 warning, 1 info"

    # a new load replaces the rows
    load(state, [])
    assert m.rowCount() == 0


def test_double_click_opens_source(qtbot, tmp_path) -> None:
    state = AppState()
    panel = DiagnosticsPanel(state)
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    f = str(tmp_path / "x.yaml")
    load(state, [Diagnostic(Severity.ERROR, "bad", f, 1, 4),
                 Diagnostic(Severity.INFO, "from stdin", "<stdin>", 1, 2)])
    view = panel.view
    rect = view.visualRect(panel.model.index(0, 2))
    with qtbot.waitSignal(panel.openSource) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [f, 4]
    # stdin cannot be opened: no signal
    with qtbot.assertNotEmitted(panel.openSource):
        panel.open_row(1)


def test_unsubscribes_when_destroyed(qtbot) -> None:
    state = AppState()
    panel = DiagnosticsPanel(state)
    n = len(state._listeners)
    shiboken6.delete(panel)  # destroys the C++ widget now: ``destroyed`` fires synchronously
    assert len(state._listeners) == n - 1
    load(state, [Diagnostic(Severity.ERROR, "bad")])  # no dead widget is touched


# --------------------------------------------------------------------------- YAML view

POLICY_YAML = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db   # the database
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: api
    ports:
    - port: 5432
  - from:
    - namespaceSelector: {}
---
kind: Namespace
"""


def test_block_range() -> None:
    lines = POLICY_YAML.split("\n")
    assert block_range(lines, 10) == (10, 15)  # the first ingress rule
    assert block_range(lines, 16) == (16, 17)  # the second
    assert block_range(lines, 1) == (1, 17)  # a document
    assert block_range(lines, 6) == (6, 8)  # podSelector
    assert block_range(lines, 99) == (99, 99)


def test_yaml_view_opens_and_highlights(qtbot, tmp_path) -> None:
    f = tmp_path / "db.yaml"
    f.write_text(POLICY_YAML * 4, encoding="utf-8")
    view = YamlView(AppState())
    qtbot.addWidget(view)
    view.resize(500, 200)
    view.show()
    with qtbot.waitSignal(view.fileOpened) as blocker:
        assert view.open_file(str(f), 44)
    assert blocker.args == [str(f), 44]
    assert view.isReadOnly()
    assert view.highlighted_range() == (44, 46)  # podSelector of the third document
    assert len(view.extraSelections()) == 3
    assert view.textCursor().blockNumber() == 43
    assert view.first_visible_line() > 1  # scrolled
    view.open_file(str(f), 2, 3)
    assert view.highlighted_range() == (2, 3)

    assert not view.open_file(str(tmp_path / "missing.yaml"), 1)
    assert "cannot be read" in view.toPlainText()


def test_yaml_view_text_provider(qtbot) -> None:
    view = YamlView(None, text_provider=lambda p: "a: 1\nb: 2\n" if p == "<stdin>" else None)
    qtbot.addWidget(view)
    assert view.open_file("<stdin>", 2)
    assert view.current_file == "<stdin>" and view.highlighted_range() == (2, 2)

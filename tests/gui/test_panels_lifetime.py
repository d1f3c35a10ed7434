"""Every panel subscribes to the state for its lifetime only, and copes with an empty state."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import shiboken6

from netviz.model import Workload, assemble_cluster
from netviz.ui.panels import (
    AuditPanel,
    DiagnosticsPanel,
    ExplainPanel,
    MatrixPanel,
    PoliciesPanel,
    YamlView,
)
from netviz.viewmodel.state import AppState

PANELS = [AuditPanel, DiagnosticsPanel, ExplainPanel, MatrixPanel, PoliciesPanel]


@pytest.mark.parametrize("cls", PANELS, ids=lambda c: c.__name__)
def test_subscribed_for_lifetime(qtbot, cls) -> None:
    state = AppState()
    before = len(state._listeners)
    panel = cls(state)  # an empty state: nothing loaded yet
    assert len(state._listeners) == before + 1
    assert hasattr(panel, "openSource") or cls is MatrixPanel
    state.set_loaded(None, assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"})]))
    shiboken6.delete(panel)
    assert len(state._listeners) == before
    # events after the widget is gone touch nothing
    state.select(nodes=frozenset({"a/web[Deployment]"}))
    state.set_filters(text="web")
    state.set_loaded(None, assemble_cluster())


def test_yaml_view_takes_the_state_like_the_panels(qtbot) -> None:
    view = YamlView(AppState(), None)
    qtbot.addWidget(view)
    assert view.isReadOnly() and view.highlighted_range() is None

"""Audit panel: build the model, wrap it in the widget, change the model, assert the widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from netviz.model import (
    LabelSelector,
    NetworkPolicy,
    Service,
    ServicePort,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.ui.panels.audit_panel import AuditPanel
from netviz.viewmodel.state import AppState

WEB = "a/web[Deployment]"
WORKLOADS = [Workload("Deployment", "a", "web", {"app": "web"}, source=Source("web.yaml", 1, 1))]
GHOST = NetworkPolicy("a", "ghost", LabelSelector((("app", "nope"),)),
                      source=Source("ghost.yaml", 1, 3))
DENY_EGRESS = NetworkPolicy("a", "deny-egress", LabelSelector(), frozenset({"Egress"}),
                            source=Source("deny.yaml", 2, 1))


def make(qtbot, *policies, services=()) -> tuple[AppState, AuditPanel]:
    state = AppState()
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=policies,
                                            services=services))
    panel = AuditPanel(state)
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    return state, panel


def col(panel: AuditPanel, c: int) -> list[str]:
    m = panel.model
    return [m.data(m.index(r, c)) for r in range(m.rowCount())]


def test_findings_follow_the_model(qtbot, qtmodeltester) -> None:
    state, panel = make(qtbot)
    qtmodeltester.check(panel.model)
    assert col(panel, 1) == [f"{WEB} is not isolated"]
    assert col(panel, 0) == ["info"]
    assert panel.summary_label.text() == "Audit: 1 info"

    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=[GHOST, DENY_EGRESS]))
    qtmodeltester.check(panel.model)
    assert col(panel, 1) == ["a/ghost selects no pod", f"{WEB}: egress blocks DNS (UDP 53)"]
    assert col(panel, 2) == ["NetworkPolicy a/ghost", f"{WEB}, NetworkPolicy a/deny-egress"]
    assert col(panel, 3) == ["ghost.yaml:3", "deny.yaml:1"]
    m = panel.model
    assert "no pod in namespace a" in m.data(m.index(0, 1), Qt.ItemDataRole.ToolTipRole)

    # the severity filter
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, services=[
        Service("a", "s", {"app": "web"}, (ServicePort(80, 80),))]))
    assert col(panel, 0) == ["info", "info"]
    panel.severity_box.setCurrentIndex(1)
    assert panel.model.rowCount() == 0
    assert panel.summary_label.text() == "Audit: 2 info"


def test_selecting_a_finding_selects_its_objects(qtbot) -> None:
    state, panel = make(qtbot, GHOST, DENY_EGRESS)
    view = panel.view
    rect = view.visualRect(panel.model.index(1, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert state.selection.nodes == {WEB}
    assert state.selection.policy == "a/deny-egress"
    assert "name lookups will fail" in panel.message_label.text()
    assert panel.open_button.isEnabled()

    rect = view.visualRect(panel.model.index(0, 1))
    with qtbot.waitSignal(panel.openSource) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["ghost.yaml", 3]
    assert state.selection.policy == "a/ghost" and state.selection.nodes == frozenset()

    with qtbot.waitSignal(panel.openSource) as blocker:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["ghost.yaml", 3]


def test_service_finding_selects_service_node(qtbot) -> None:
    svc = Service("a", "s", {"app": "nope"}, (ServicePort(80, 80),), source=Source("s.yaml", 1, 1))
    state, panel = make(qtbot, services=[svc])
    rows = col(panel, 1)
    r = rows.index("Service a/s selects no pod")
    panel.view.setCurrentIndex(panel.model.index(r, 0))
    assert state.selection.nodes == {"svc:a/s"}

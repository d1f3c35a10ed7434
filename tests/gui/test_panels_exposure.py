"""The Exposure panel: build the state, wrap it in the panel, change the state, assert the
panel (rows, levels, filters, selection both ways, the explanation and its source links)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtCore import Qt, QUrl

from netviz.io.manifests import load_text
from netviz.ui.panels.exposure_panel import ExposurePanel
from netviz.viewmodel.state import AppState

CLUSTER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: data}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-clients, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: billing}}, podSelector: {matchLabels: {app: invoicer}}}]
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: closed, namespace: shop}
spec: {podSelector: {matchLabels: {app: nothing}}}
"""


def loaded_state(tmp_path: Path, text: str = CLUSTER) -> tuple[AppState, str]:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    r = load_text(text, str(path))
    state = AppState()
    state.set_loaded(r, r.cluster)
    return state, str(path)


def test_rows_levels_and_filters(qtbot, qtmodeltester, tmp_path) -> None:
    state, _ = loaded_state(tmp_path)
    panel = ExposurePanel(state)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtmodeltester.check(panel.model)
    m = panel.model
    # default filter: exposed workloads, most exposed first
    assert [m.data(m.index(r, 0)) for r in range(m.rowCount())] == [
        "shop/web[Deployment]", "data/db[Deployment]"]
    assert m.data(m.index(0, 1)) == "open" and m.data(m.index(1, 1)) == "narrow"
    assert m.data(m.index(0, 2)) == "All Connections (entry point)"
    assert m.data(m.index(0, 3)) == "All Connections"
    assert m.data(m.index(1, 4)) == "1"
    assert m.data(m.index(0, 1), Qt.ItemDataRole.ForegroundRole) is not None
    assert "1 open to the internet" in panel.summary_label.text()
    panel.filter_box.setCurrentIndex(2)
    assert m.rowCount() == 1
    panel.filter_box.setCurrentIndex(0)
    assert m.rowCount() == 2  # both workloads (no closed one here)


def test_selecting_a_row_explains_and_selects_the_workload(qtbot, tmp_path) -> None:
    state, path = loaded_state(tmp_path)
    panel = ExposurePanel(state)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    db_row = next(i for i, r in enumerate(panel.model.rows()) if r.workload.startswith("data/db"))
    panel.table.setCurrentIndex(panel.model.index(db_row, 0))
    assert state.selection.nodes == frozenset({"data/db[Deployment]"})
    text = panel.details.toPlainText()
    assert "A new pod with app=invoicer in a namespace with team=billing" in text
    assert "no pod matches today" in text and "TCP 5432" in text
    assert "data/db-clients ingress rule #1" in text
    # the rule link opens the YAML at the rule
    with qtbot.waitSignal(panel.openSource) as sig:
        panel.details.anchorClicked.emit(QUrl("src:0"))
    assert sig.args[0] == path and sig.args[1] == 29  # the rule's line


def test_selection_elsewhere_follows_and_new_loads_refresh(qtbot, tmp_path) -> None:
    state, _ = loaded_state(tmp_path)
    panel = ExposurePanel(state)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    state.select(nodes=frozenset({"shop/web[Deployment]"}))
    assert panel.current_row() is not None and panel.current_row().workload == "shop/web[Deployment]"
    assert "LoadBalancer Service shop/web" in panel.details.toPlainText()
    # a new load (the LoadBalancer gone): web is no longer reached through an entry point
    state2, _ = loaded_state(tmp_path, CLUSTER.replace("type: LoadBalancer, ", ""))
    state.set_loaded(state2.result, state2.cluster)
    rows = {r.workload: r for r in panel.model.rows()}
    assert rows["shop/web[Deployment]"].mark("internet").entries == ()


def test_hidden_panel_computes_when_shown(qtbot, tmp_path) -> None:
    state, _ = loaded_state(tmp_path)
    panel = ExposurePanel(state)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == 0  # not shown yet: nothing computed
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.model.rowCount() == 2


def test_panel_is_in_the_window() -> None:
    from netviz.ui.main_window import PANELS

    spec = next(s for s in PANELS if s.name == "ExposurePanel")
    assert spec.title == "Exposure" and spec.opens_source

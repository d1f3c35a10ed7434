"""Explain panel: build the model, wrap it in the widget, change the model, assert the widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from netviz.model import (
    ContainerPort,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.ui.panels.explain_panel import ExplainPanel
from netviz.viewmodel.state import AppState

WEB, API, DB = "a/web[Deployment]", "a/api[Deployment]", "a/db[Deployment]"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


DB_IN = NetworkPolicy(
    "a", "db-in", sel(app="db"), frozenset({"Ingress"}),
    ingress=(Rule(peers=(Peer(pod_selector=sel(app="api")),), peers_given=True,
                  ports=(PolicyPort("TCP", "pg"),), ports_given=True,
                  source=Source("db.yaml", 1, 9, 15)),),
    source=Source("db.yaml", 1, 1, 15),
)


def cluster(*policies: NetworkPolicy):
    return assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"}),
                   Workload("Deployment", "a", "api", {"app": "api"}),
                   Workload("Deployment", "a", "db", {"app": "db"},
                            ports=(ContainerPort(5432, "pg"),))],
        policies=policies,
    )


def make(qtbot, *policies: NetworkPolicy) -> tuple[AppState, ExplainPanel]:
    state = AppState()
    state.set_loaded(None, cluster(*policies))
    panel = ExplainPanel(state)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    return state, panel


def test_edge_selection_explains(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    assert panel.explanation is None
    items = [panel.source_box.itemText(i) for i in range(panel.source_box.count())]
    assert items[:3] == [API, DB, WEB]  # workloads first, then external peers
    external = sorted({p.key for c in state.connections for p in (c.src, c.dst)
                       if p.is_external})
    assert external and items[3:] == external
    with qtbot.waitSignal(panel.explained, timeout=1000):
        state.select(edge=(API, DB))
    e = panel.explanation
    assert e is not None and str(e.allowed) == "TCP 5432"
    text = panel.browser.toPlainText()
    assert "Allowed only: TCP 5432" in text
    assert "ingress rule #1" in text and "allows TCP 5432" in text
    assert "not isolated, all egress is allowed by default" in text
    assert panel.source_box.currentText() == API and panel.target_box.currentText() == DB

    # why nothing did
    state.select(edge=(WEB, DB))
    text = panel.browser.toPlainText()
    assert "Denied" in text and "does not match" in text


def test_pick_pair_selects_edge(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    seen: list[str] = []
    state.subscribe(seen.append)
    panel.source_box.setEditText(WEB)
    panel.target_box.setEditText(API)
    with qtbot.waitSignal(panel.explained) as blocker:
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [WEB, API]
    assert state.selection.edge == (WEB, API)
    assert seen == ["selection"]
    assert "Allowed: All Connections" in panel.browser.toPlainText()
    # swap
    with qtbot.waitSignal(panel.explained) as blocker:
        qtbot.mouseClick(panel.swap_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [API, WEB] and state.selection.edge == (API, WEB)


def test_unknown_name_shows_suggestion(qtbot) -> None:
    state, panel = make(qtbot)
    panel.source_box.setEditText("a/wbe[Deployment]")
    panel.target_box.setEditText(DB)
    with qtbot.assertNotEmitted(panel.explained):
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert "Did you mean a/web[Deployment]?" in panel.error_label.text()
    assert state.selection.edge is None


def test_clicking_a_link_opens_the_rule(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    state.select(edge=(API, DB))
    hrefs = panel.hrefs()
    assert len(hrefs) == 2  # the policy and its rule
    # find the rule's anchor in the document and click it
    doc = panel.browser.document()
    block = doc.begin()
    pos = None
    while block.isValid() and pos is None:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().isAnchor() and "rule" in frag.text():
                pos = frag.position() + 1
                break
            it += 1
        block = block.next()
    assert pos is not None
    cursor = QTextCursor(doc)
    cursor.setPosition(pos)
    point = panel.browser.cursorRect(cursor).center()
    ranges: list[tuple[str, int, int]] = []
    panel.openSourceRange.connect(lambda f, a, b: ranges.append((f, a, b)))
    with qtbot.waitSignal(panel.openSource) as blocker:
        qtbot.mouseClick(panel.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["db.yaml", 9]
    assert ranges == [("db.yaml", 9, 15)]


def test_reevaluation_and_reload(qtbot) -> None:
    state, panel = make(qtbot)
    state.select(edge=(WEB, DB))
    assert panel.explanation is not None and panel.explanation.verdict == "allowed"
    # the same pair is re-explained when the cluster is re-evaluated ...
    state.analyzer = state.analyzer.__class__(cluster(DB_IN), state.options)
    state.cluster = state.analyzer.cluster
    state.emit("evaluated")
    assert panel.explanation.verdict == "denied"
    # ... and cleared by a new load
    state.set_loaded(None, cluster())
    assert panel.explanation is None


def test_ingress_controller_edge_is_explained_with_its_ingress(qtbot) -> None:
    from netviz.io.manifests import load_text
    from tests.viewmodel.test_explain import INGRESS_CLUSTER

    state = AppState()
    state.set_loaded(None, load_text(INGRESS_CLUSTER, "c.yaml").cluster)
    panel = ExplainPanel(state)
    qtbot.addWidget(panel)
    items = [panel.source_box.itemText(i) for i in range(panel.source_box.count())]
    assert "{ingress-controller}" in items
    with qtbot.waitSignal(panel.explained, timeout=1000):
        state.select(edge=("{ingress-controller}", "shop/web[Deployment]"))
    text = panel.browser.toPlainText()
    assert "Allowed only: TCP 8080" in text and "Ingress and Route paths" in text
    with qtbot.waitSignal(panel.openSource) as blocker:
        panel.open_href(panel.hrefs()[0])
    assert blocker.args == ["c.yaml", 24]

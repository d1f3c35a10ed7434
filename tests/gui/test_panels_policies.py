"""Policies panel: build the model, wrap it in the widget, change the model, assert the widget."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QModelIndex, Qt

from netviz.engine import Analyzer
from netviz.model import (
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.ui.panels.policies_panel import PoliciesPanel
from netviz.viewmodel.state import AppState


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


DB_IN = NetworkPolicy(
    "a", "db-in", sel(app="db"), frozenset({"Ingress"}),
    ingress=(Rule(peers=(Peer(pod_selector=sel(app="api")),), peers_given=True,
                  ports=(PolicyPort("TCP", 5432),), ports_given=True,
                  source=Source("db.yaml", 1, 9, 15)),),
    source=Source("db.yaml", 1, 1, 15),
)
DENY = NetworkPolicy("a", "deny-egress", LabelSelector(), frozenset({"Egress"}),
                     source=Source("deny.yaml", 1, 1))
WORKLOADS = [Workload("Deployment", "a", "api", {"app": "api"}),
             Workload("Deployment", "a", "db", {"app": "db"}, replicas=2)]


def make(qtbot, *policies: NetworkPolicy) -> tuple[AppState, PoliciesPanel]:
    state = AppState()
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=policies))
    panel = PoliciesPanel(state)
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    return state, panel


def texts(model, parent=None) -> list[str]:
    parent = parent or QModelIndex()
    return [model.data(model.index(r, 0, parent)) for r in range(model.rowCount(parent))]


def test_tree_lists_policies_and_follows_reload(qtbot, qtmodeltester) -> None:
    state, panel = make(qtbot, DB_IN)
    m = panel.model
    qtmodeltester.check(m)
    assert texts(m) == ["a/db-in"]
    pol = m.index(0, 0)
    assert m.data(m.index(0, 1)) == "Ingress · selects 2 pods of 1 workload"
    assert texts(m, pol) == ["Pod selector", "Ingress: selects 2 pods", "Egress: not affected",
                             "Ingress rules (1)", "Egress rules (0)"]
    rules = m.index(3, 0, pol)
    assert texts(m, rules) == ["ingress rule #1"]
    assert m.data(m.index(0, 1, rules)) == "from podSelector app=api; ports TCP 5432"

    # change the model: a new load adds a policy
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=[DB_IN, DENY]))
    qtmodeltester.check(m)
    assert texts(m) == ["a/db-in", "a/deny-egress"]
    # the filter
    panel.filter_edit.setText("deny")
    assert texts(m) == ["a/deny-egress"]


def test_selecting_a_policy_selects_it_in_state(qtbot) -> None:
    state, panel = make(qtbot, DB_IN, DENY)
    events: list[str] = []
    state.subscribe(events.append)
    m = panel.model
    idx = m.index(1, 0)
    rect = panel.view.visualRect(idx)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert state.selection.policy == "a/deny-egress"
    assert events == ["selection"]
    # a child row selects its policy too
    panel.view.expandAll()
    child = m.index(0, 0, m.index(0, 0))
    panel.view.setCurrentIndex(child)
    assert state.selection.policy == "a/db-in"


def test_state_selection_selects_row(qtbot) -> None:
    state, panel = make(qtbot, DB_IN, DENY)
    state.select(policy="a/deny-egress")
    assert panel.selected_policy() == "a/deny-egress"
    assert panel.view.selectionModel().isSelected(panel.model.index(1, 0))
    state.select(nodes=frozenset({"a/api[Deployment]"}))
    assert panel.selected_policy() is None
    assert state.selection.nodes  # clearing the row did not clear the state


def test_activating_a_rule_opens_its_source(qtbot) -> None:
    state, panel = make(qtbot, DB_IN)
    m = panel.model
    rule = m.index(0, 0, m.index(3, 0, m.index(0, 0)))
    panel.view.expandAll()
    ranges: list[tuple[str, int, int]] = []
    panel.openSourceRange.connect(lambda f, a, b: ranges.append((f, a, b)))
    rect = panel.view.visualRect(rule)
    with qtbot.waitSignal(panel.openSource) as blocker:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["db.yaml", 9]
    assert ranges == [("db.yaml", 9, 15)]
    # a row without its own source opens the policy
    with qtbot.waitSignal(panel.openSource) as blocker:
        panel.view.activated.emit(m.index(0, 0, m.index(0, 0)))
    assert blocker.args == ["db.yaml", 1]


def test_reevaluation_keeps_selection(qtbot) -> None:
    state, panel = make(qtbot, DB_IN, DENY)
    state.select(policy="a/db-in")
    state.analyzer = Analyzer(state.cluster, state.options)
    state.emit("evaluated")
    assert panel.selected_policy() == "a/db-in"


def test_cluster_policies_by_tier_select_both_ways(qtbot, qtmodeltester) -> None:
    from netviz.model import Action, ClusterPeer, ClusterPolicy, ClusterRule, ClusterSubject, Tier

    anp = ClusterPolicy(
        "AdminNetworkPolicy", "deny-api", Tier.ADMIN, 4, ClusterSubject(LabelSelector()),
        ingress=(ClusterRule("no-api", Action.DENY,
                             (ClusterPeer("pods", namespace_selector=LabelSelector(),
                                          pod_selector=sel(app="api")),), None, "Deny"),),
        source=Source("anp.yaml", 1, 1))
    state = AppState()
    state.set_loaded(None, assemble_cluster(workloads=WORKLOADS, policies=[DB_IN],
                                            cluster_policies=[anp]))
    panel = PoliciesPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    m = panel.model
    qtmodeltester.check(m)
    assert texts(m) == ["Admin tier (1)", "NetworkPolicy tier (1)"]
    admin = m.index(0, 0)
    assert panel.view.isExpanded(admin)
    assert texts(m, admin) == ["AdminNetworkPolicy deny-api"]
    # state -> panel: the policy's row under its tier
    state.select(policy="AdminNetworkPolicy/deny-api")
    assert panel.selected_policy() == "AdminNetworkPolicy/deny-api"
    assert panel.view.currentIndex().parent() == admin
    # panel -> state: a NetworkPolicy under its tier
    np_row = m.index(0, 0, m.index(1, 0))
    panel.view.setCurrentIndex(np_row)
    assert state.selection.policy == "a/db-in"
    # activating the cluster policy opens its YAML
    opened: list[tuple[str, int]] = []
    panel.openSource.connect(lambda f, ln: opened.append((f, ln)))
    panel.view.activated.emit(m.index(0, 0, admin))
    assert opened == [("anp.yaml", 1)]

"""What-if editing in the GUI: the YAML editor, the list/changes/history models and docks, and
the main window (view modes, undo, save, conflicts, close prompt, crash recovery).

Pattern: build the session, wrap it in the widget, change the session, assert the widget;
wait on signals, never sleep."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from test_editing import API, APPS, POLICIES, WEB

from netviz.engine.diff import CHANGED, REMOVED
from netviz.io.manifests import load_paths
from netviz.ui.editor.parse import make_session
from netviz.ui.editor.widgets import (
    ChangesModel,
    ChangesPanel,
    HistoryModel,
    HistoryPanel,
    LabelDialog,
    PolicyEditor,
    PolicyListModel,
    TemplateDialog,
)
from netviz.ui.main_window import MainWindow
from netviz.viewmodel.editing import BASELINE, DIFFERENCE, EDITED, EditSession
from netviz.viewmodel.state import AppState
from netviz.viewmodel.templates import render_template

B = QMessageBox.StandardButton


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "manifests"
    d.mkdir()
    (d / "apps.yaml").write_text(APPS, encoding="utf-8")
    (d / "policies.yaml").write_text(POLICIES, encoding="utf-8")
    return d


@pytest.fixture
def session(inputs: Path) -> EditSession:
    return make_session(load_paths([str(inputs)]), inputs=[str(inputs)])


def ident(s: EditSession, key: str) -> str:
    got = s.find(key)
    assert got is not None
    return got


# --------------------------------------------------------------------------- editor widget


def test_editor_marks_errors_inline_and_applies_valid_text(qtbot, session: EditSession) -> None:
    w = PolicyEditor(session)
    qtbot.addWidget(w)
    i = ident(session, "shop/api-from-web")
    w.open(i)
    assert w.editor.toPlainText() == session.entry(i).text
    assert "api-from-web" in w.title.text()
    # a typo: the loader's message, underlined at its line, the last valid version evaluated
    bad = session.entry(i).text.replace("    matchLabels: {app: api}", "    matchLabel: {app: api}")
    with qtbot.waitSignal(w.applied, timeout=3000):
        w.editor.setPlainText(bad)
    e = session.entry(i)
    assert not e.valid and e.text == bad
    assert w.editor.extraSelections() and w.editor.diagnostics
    line = w.editor.diagnostics[0].line
    assert line is not None and "matchLabel" in bad.split("\n")[line - 1]
    assert "matchLabel" in w.problems.text() and "last valid" in w.problems.text()
    assert session.difference == []
    # fixed and changed: applied as soon as it is valid
    good = e.text.replace("matchLabel:", "matchLabels:").replace("port: 8000", "port: 9000")
    with qtbot.waitSignal(w.applied, timeout=3000):
        w.editor.setPlainText(good)
    assert session.entry(i).valid and not w.editor.diagnostics
    assert [d.kind for d in session.difference] == [CHANGED]
    # the session changes under the widget (undo): the text follows
    session.undo()
    assert w.editor.toPlainText() == session.entry(i).text


def test_policy_list_model(qtbot, qtmodeltester, session: EditSession) -> None:
    m = PolicyListModel(session)
    qtmodeltester.check(m)
    assert m.rowCount() == 3
    i = ident(session, "shop/db-from-api")
    row = m.row_of(i)
    idx = m.index(row, 0)
    assert m.data(idx, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    # unchecking disables the policy in the session
    assert m.setData(idx, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert not session.entry(i).enabled
    m.refresh()
    assert "(disabled)" in m.data(m.index(row, 0))
    qtmodeltester.check(m)


def test_changes_panel_lists_pairs_and_selects_the_edge(qtbot, qtmodeltester, session: EditSession) -> None:
    state = AppState()
    p = ChangesPanel(session, state)
    qtbot.addWidget(p)
    qtmodeltester.check(p.model)
    assert p.model.rowCount() == 0 and "No connectivity" in p.summary.text()
    session.delete(ident(session, "shop/default-deny"))
    assert p.model.rowCount() == len(session.difference) > 0
    qtmodeltester.check(p.model)
    row = next(r for r in range(p.model.rowCount())
               if p.model.index(r, 0).data(Qt.ItemDataRole.UserRole) == ("ops/monitor[Deployment]", WEB))
    assert p.model.index(row, 0).data() == "newly allowed"
    assert p.model.index(row, 3).data() == "No Connections"
    p.table.clicked.emit(p.model.index(row, 2))
    assert state.selection.edge == ("ops/monitor[Deployment]", WEB)
    assert isinstance(p.model, ChangesModel)


def test_history_panel_goes_back_and_forth(qtbot, qtmodeltester, session: EditSession) -> None:
    p = HistoryPanel(session)
    qtbot.addWidget(p)
    session.set_enabled(ident(session, "shop/db-from-api"), False)
    session.delete(ident(session, "shop/default-deny"))
    assert isinstance(p.model, HistoryModel)
    qtmodeltester.check(p.model)
    assert [p.model.index(r, 0).data() for r in range(p.model.rowCount())] == [
        "Loaded", "Disable shop/db-from-api", "Delete shop/default-deny"]
    p.list.clicked.emit(p.model.index(0, 0))
    assert session.difference == [] and session.can_redo
    assert p.model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    p.list.clicked.emit(p.model.index(2, 0))
    assert session.history_index == 2


def test_label_and_template_dialogs(qtbot, session: EditSession) -> None:
    d = LabelDialog(session, ("workload", WEB))
    qtbot.addWidget(d)
    assert "app=web" in d.current.text()
    d.key.setText("app")
    d.value.setText("api")
    assert d.apply()
    assert session.labels[("workload", WEB)] == {"app": "api"}
    assert "app=api" in d.current.text()
    d.key.setText("")
    assert not d.apply() and "empty" in d.error.text()
    t = TemplateDialog(["ops", "shop"], namespace="shop")
    qtbot.addWidget(t)
    t.choice.setCurrentIndex(t.choice.findData("deny-egress"))
    assert t.text() == render_template("deny-egress", namespace="shop")
    assert "default-deny-egress" in t.preview.toPlainText()
    t.choice.setCurrentIndex(t.choice.findData("allow-from-pods"))
    t.fields["pod_labels"].setText("nolabel")
    assert "key=value" in t.error.text()
    # the policy-tier templates: both API generations, checked parameters
    t.choice.setCurrentIndex(t.choice.findData("admin-allow-dns"))
    assert "kind: AdminNetworkPolicy" in t.preview.toPlainText()
    t.fields["api"].setCurrentText("v1alpha2")
    assert "kind: ClusterNetworkPolicy" in t.preview.toPlainText()
    assert "tier: Admin" in t.preview.toPlainText()
    t.fields["priority"].setText("5000")
    assert "0-1000" in t.error.text()
    t.choice.setCurrentIndex(t.choice.findData("baseline-default-deny"))
    assert "kind: BaselineAdminNetworkPolicy" in t.preview.toPlainText()


# --------------------------------------------------------------------------- main window


@pytest.fixture
def win(qtbot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.act_auto.setChecked(False)
    return w


def open_and_wait(qtbot, win: MainWindow, paths: list[str]) -> None:
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        win.open_paths(paths)


class Answers:
    """Stands in for the message boxes: returns the queued answers, records the questions."""

    def __init__(self, *answers: B) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, title: str, text: str, buttons: object, default: object) -> object:
        self.asked.append(title)
        return self.answers.pop(0)


def test_main_window_edit_shows_difference_and_switches_views(qtbot, win: MainWindow, inputs: Path) -> None:
    open_and_wait(qtbot, win, [str(inputs)])
    ctl = win.editing
    assert ctl is not None and ctl.session is not None
    assert ctl.mode_combo.currentData() == EDITED and win.view.model.difference is None
    # the controller's docks, placed by the window (EditHost.place_dock)
    for name in ("PolicyEditor", "ChangesPanel", "HistoryPanel"):
        assert win.docks[name].widget() in (ctl.editor, ctl.changes, ctl.history)
    s = ctl.session
    i = ident(s, "shop/api-from-web")
    ctl.editor.open(i)
    with qtbot.waitSignal(ctl.editor.applied, timeout=3000):
        ctl.editor.editor.setPlainText(s.entry(i).text.replace("port: 8000", "port: 7000"))
    # the first edit switches to the difference view
    assert ctl.mode_combo.currentData() == DIFFERENCE
    drawn = {(e.src, e.dst): e.style for e in win.view.visible.edges}
    assert drawn[(WEB, API)] == "changed"
    assert win.view.legend.difference
    assert win.windowTitle().endswith("*") and ctl.act_save.isEnabled()
    # Alt+2 / the combo: the edited state, plain styles
    ctl.mode_actions[EDITED].trigger()
    assert win.view.model.difference is None
    assert {(e.src, e.dst): e.style for e in win.view.visible.edges}[(WEB, API)] == "partial"
    ctl.set_mode(BASELINE)
    assert win.state.cluster is s.baseline.cluster
    ctl.set_mode(DIFFERENCE)
    # undo through the action: back to the baseline, nothing changed
    ctl.act_undo.trigger()
    assert s.difference == [] and not s.dirty
    assert all(e.style in ("unchanged", "service") for e in win.view.visible.edges)
    ctl.act_redo.trigger()
    assert win.state.difference == s.difference != []
    # the policies panel's selection opens the policy in the editor
    win.state.select(policy="shop/db-from-api")
    assert ctl.editor.current == ident(s, "shop/db-from-api")
    # a new policy from a template, then the report
    ctl.new_from_template(render_template("deny-ingress", namespace="ops"))
    assert any(e.kind == REMOVED for e in s.difference)
    report = inputs.parent / "review.md"
    assert ctl.export_report(str(report))
    assert report.read_text(encoding="utf-8").startswith("# What-if review")
    ctl.ask = Answers(B.Discard)
    assert win.close() and not s.dirty


def test_main_window_save_conflict_and_close_prompt(qtbot, win: MainWindow, inputs: Path) -> None:
    open_and_wait(qtbot, win, [str(inputs)])
    ctl = win.editing
    s = ctl.session
    s.set_enabled(ident(s, "shop/db-from-api"), False)
    i = ident(s, "shop/api-from-web")
    s.set_policy_text(i, s.entry(i).text.replace("8000", "8443"))
    pol = inputs / "policies.yaml"
    theirs = POLICIES + "# edited elsewhere\n"
    pol.write_text(theirs, encoding="utf-8")
    # keep the disabled one; the file changed on disk: cancel
    ctl.ask = Answers(B.No, B.Cancel)
    assert not ctl.save()
    assert pol.read_text(encoding="utf-8") == theirs and s.dirty
    # closing asks; Cancel keeps the window
    ctl.ask = Answers(B.Cancel)
    assert not win.close()
    assert ctl.ask.asked == ["Unsaved edits"]
    # save elsewhere (Save As a folder), from the conflict question
    out = inputs.parent / "out"
    ctl.choose_folder = lambda _title: str(out)
    ctl.ask = Answers(B.No, B.Save, B.No)  # keep disabled; "save elsewhere"; a folder
    assert ctl.save()
    assert (out / "shop" / "api-from-web.yaml").exists() and not s.dirty
    assert pol.read_text(encoding="utf-8") == theirs
    assert win.close()


def test_main_window_save_in_place_reloads(qtbot, win: MainWindow, inputs: Path) -> None:
    open_and_wait(qtbot, win, [str(inputs)])
    ctl = win.editing
    s = ctl.session
    s.delete(ident(s, "shop/db-from-api"))
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        assert ctl.save()
    assert "db-from-api" not in (inputs / "policies.yaml").read_text(encoding="utf-8")
    assert ctl.session is not s and not ctl.session.dirty
    assert sorted(p.name for p in win.state.cluster.policies) == ["api-from-web", "default-deny"]


def test_save_says_so_and_keeps_the_policy_the_selection_and_the_view(
        qtbot, win: MainWindow, inputs: Path) -> None:
    open_and_wait(qtbot, win, [str(inputs)])
    ctl = win.editing
    s = ctl.session
    i = ident(s, "shop/api-from-web")
    ctl.editor.open(i)
    s.set_policy_text(i, s.entry(i).text.replace("8000", "8443"))
    ctl.set_mode(EDITED)
    win.state.select(nodes=frozenset({API}))
    win.view.zoom_in()
    zoom = win.view.transform().m11()
    with qtbot.waitSignal(win.runner.finished, timeout=20000):
        assert ctl.save()
    assert "8443" in (inputs / "policies.yaml").read_text(encoding="utf-8")
    assert ctl.session is not s and not ctl.session.dirty
    # the same policy is open in the editor, the same view mode, selection and zoom
    assert ctl.editor.current == ident(ctl.session, "shop/api-from-web")
    assert ctl.mode_combo.currentData() == EDITED
    assert win.state.selection.nodes == {API}
    assert win.view.transform().m11() == pytest.approx(zoom)
    # and the status bar says what was saved, after the reload's own message
    msg = win.statusBar().currentMessage()
    assert msg.startswith("Saved 1 file(s): policies.yaml; reloaded in "), msg
    assert not win.windowTitle().endswith("*")


def test_crash_recovery_offers_to_restore(qtbot, tmp_path: Path, inputs: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    open_and_wait(qtbot, first, [str(inputs)])
    s = first.editing.session
    s.delete(ident(s, "shop/default-deny"))
    first.editing.autosave()
    assert s.autosave_file is not None and s.autosave_file.exists()
    # the app dies without closing: a new window opens the same inputs
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    second.editing.ask = Answers(B.Yes)
    open_and_wait(qtbot, second, [str(inputs)])
    qtbot.waitUntil(lambda: bool(second.editing.ask.asked), timeout=3000)
    s2 = second.editing.session
    assert s2.entry(ident(s2, "shop/default-deny")).deleted
    assert s2.difference == s.difference
    # discarding on close removes the autosave
    second.editing.ask = Answers(B.Discard)
    assert second.close()
    assert not s2.autosave_file.exists()
    first.editing.ask = Answers(B.Discard)
    first.close()


def test_editor_title_shows_names_and_paths_as_text(qtbot, tmp_path: Path) -> None:
    """The title is rich text (the key in bold): a policy name or a folder with markup in it
    is shown as written, not interpreted (a hostile file could otherwise restyle or hide it)."""
    from PySide6.QtGui import QTextDocument

    d = tmp_path / "team<i>x"
    d.mkdir()
    (d / "apps.yaml").write_text(APPS, encoding="utf-8")
    (d / "p.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: 'deny<b>all', namespace: shop}\nspec: {podSelector: {}}\n",
        encoding="utf-8")
    s = make_session(load_paths([str(d)]), inputs=[str(d)])
    w = PolicyEditor(s)
    qtbot.addWidget(w)
    w.open(ident(s, "shop/deny<b>all"))
    doc = QTextDocument()
    doc.setHtml(w.title.text())
    shown = doc.toPlainText()
    assert "deny<b>all" in shown and "team<i>x" in shown

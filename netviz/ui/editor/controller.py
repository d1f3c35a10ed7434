"""What-if editing in the main window: session lifetime, actions, docks, saving, autosave.

``EditController(host)`` is created by ``MainWindow`` once its state and panels exist. The
controller knows its host only through ``EditHost`` (state, inputs, messages, dock placement,
the parent of its dialogs), never the window's insides; it *offers* its Edit menu
(``edit_menu``), toolbar (``toolbar``) and shortcut actions (``actions``) and the host places
them.

- On every ``"loaded"`` of the host's ``AppState`` a new ``EditSession`` is made over the
  load (``netviz.ui.editor.parse.make_session``), with the autosave file of the inputs. When
  an autosave exists for those inputs, the user is offered to restore it (after the load,
  never inside it).
- Every session change is pushed into the state (``EditSession.apply_to``), so the graph
  and every panel show the chosen view: Baseline / Edited / Difference (toolbar combo and
  Alt+1/2/3). The app starts in Edited (= the baseline until something is edited) and
  switches to Difference at the first edit that changes connectivity, until the user picks
  a view. An options change re-evaluates baseline and edits (``set_options``).
- The Editor, Changes and History docks are views of the session. Selecting a policy in the
  policies panel (``selection.policy``) opens it in the editor.
- Autosave: ``AUTOSAVE_MS`` after the last edit. Save (Ctrl+S) writes into the original files
  via ``netviz.io.save``; a file changed on disk asks Overwrite / Save Elsewhere / Cancel;
  disabled policies ask whether to remove them. After a save the host reloads the files
  (``host.reload(message)``: it keeps the selection and the view, and says what was saved)
  and the policy that was open in the editor is opened again. Save As writes a new file or
  folder. Save and Save As are in the Edit menu; the host puts them in its File menu too. Closing
  (or reloading) with unsaved edits asks Save / Discard / Cancel. A file changed on disk
  while there are unsaved edits is *not* reloaded automatically.

Questions go through ``self.ask(title, text, buttons, default)`` and file choices through
``self.choose_file``/``self.choose_folder``: tests replace them (no modal dialogs there).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QMenu,
    QMessageBox,
    QToolBar,
    QWidget,
)

from netviz.io.atomic import write_atomic
from netviz.io.errors import SaveConflict
from netviz.model.keys import is_workload_key
from netviz.ui.editor.parse import make_session
from netviz.ui.editor.saving import save_as_file, save_as_folder, save_in_place
from netviz.ui.editor.widgets import (
    ChangesPanel,
    HistoryPanel,
    LabelDialog,
    PolicyEditor,
    TemplateDialog,
)
from netviz.viewmodel.editing import (
    BASELINE,
    DIFFERENCE,
    EDITED,
    EditError,
    EditSession,
    gcpolicy,
)
from netviz.viewmodel.state import AppState

AUTOSAVE_MS = 1000
#: after the last edit, the young objects of the edits are collected (gcpolicy.idle)
GC_IDLE_MS = 300
#: after a load, the edit session's indexes are made this long after (the window paints first)
WARM_AFTER_MS = 400
#: the names of the controller's docks in the host
EDITOR_DOCK, CHANGES_DOCK, HISTORY_DOCK = "PolicyEditor", "ChangesPanel", "HistoryPanel"
MODE_TITLES = {BASELINE: "Baseline (as loaded)", EDITED: "Edited", DIFFERENCE: "Difference"}
B = QMessageBox.StandardButton


def _ask(parent: Any, title: str, text: str, buttons: Any, default: Any) -> Any:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setDefaultButton(default)
    return box.exec()


class EditHost(Protocol):
    """What the edit controller needs from the window it lives in (``MainWindow`` is one)."""

    state: AppState
    #: the inputs (files/folders) of the current load: the autosave key
    paths: list[str]

    def last_dir(self) -> str:
        """The folder file dialogs start in."""
        ...

    def reload(self, message: str = "") -> None:
        """Load the inputs again (after a save), keeping the selection and the view;
        ``message`` is shown when it has finished."""
        ...

    def show_message(self, text: str, msecs: int = 0) -> None:
        """A transient message (the status bar)."""
        ...

    def set_unsaved(self, unsaved: bool) -> None:
        """Mark the window as having unsaved edits (or not)."""
        ...

    def dialog_parent(self) -> QWidget:
        """The parent of the controller's dialogs, menus and toolbars."""
        ...

    def place_dock(self, name: str, title: str, widget: QWidget,
                   area: Qt.DockWidgetArea) -> QDockWidget:
        """Show ``widget`` in the dock ``name`` (made on first use; a widget the dock held
        before is deleted)."""
        ...

    def show_dock(self, name: str) -> None:
        """Show and raise the dock ``name``."""
        ...


class EditController(QObject):
    def __init__(self, host: EditHost) -> None:
        parent = host.dialog_parent()
        super().__init__(parent)
        self.host = host
        self._parent = parent
        self.state = host.state
        self.session: EditSession | None = None
        self._pushing = False
        #: switch to the difference view at the first edit, until the user picks a view
        self._auto_difference = True
        self._auto_switching = False
        self._unsub_session: Callable[[], None] | None = None
        self.ask: Callable[[str, str, Any, Any], Any] = (
            lambda title, text, buttons, default: _ask(parent, title, text, buttons, default))
        self.choose_file: Callable[[str], str] = self._choose_file
        self.choose_folder: Callable[[str], str] = self._choose_folder
        self.editor: PolicyEditor | None = None
        #: the policy (key) to open in the editor after the next load (a save's reload)
        self._reopen: str | None = None
        self.changes: ChangesPanel | None = None
        self.history: HistoryPanel | None = None
        #: every action, for the host to add (their shortcuts work wherever the focus is)
        self.actions: list[QAction] = []
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        # the young objects of edits are collected once the edits pause, after the repaint
        # (edits themselves run with the collector paused: gcpolicy)
        self._gc_timer = QTimer(self)
        self._gc_timer.setSingleShot(True)
        self._gc_timer.setInterval(GC_IDLE_MS)
        self._gc_timer.timeout.connect(gcpolicy.idle)
        self._build_actions()
        self._unsub_state = self.state.subscribe(self._on_state)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _act(self, text: str, slot: Callable[..., Any], shortcuts: Any = (),
             tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcuts:
            seqs = [QKeySequence(s) for s in (shortcuts if isinstance(shortcuts, list)
                                             else [shortcuts])]
            a.setShortcuts(seqs)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda *_: slot())
        self.actions.append(a)
        return a

    def _build_actions(self) -> None:
        S = QKeySequence.StandardKey
        w = self._parent
        self.act_undo = self._act("&Undo", self.undo, [QKeySequence(S.Undo)])
        self.act_redo = self._act("&Redo", self.redo, [QKeySequence("Ctrl+Shift+Z"),
                                                       QKeySequence("Ctrl+Y")])
        self.act_new = self._act("&New Policy from Template…", self.new_from_template,
                                 "Ctrl+N", "Add a policy: default deny, DNS, allow from …")
        self.act_duplicate = self._act("&Duplicate Policy", self.duplicate, "Ctrl+D")
        self.act_delete = self._act("De&lete Policy", self.delete, "Ctrl+Del")
        self.act_toggle = self._act("&Disable / Enable Policy", self.toggle_enabled, "Ctrl+T",
                                    "Leave the policy out of the evaluation (what if …)")
        self.act_labels = self._act("Edit &Labels…", self.edit_labels, "Ctrl+L",
                                    "What-if labels of a namespace or a workload's pods")
        self.act_save = self._act("&Save Policies", self.save, [QKeySequence(S.Save)],
                                  "Write the edited policies into their files")
        self.act_save_as = self._act("Save Policies &As…", self.save_as, "Ctrl+Shift+S",
                                     "Write the policies to a new file or folder")
        self.act_report = self._act("Export Difference &Report…", self.export_report,
                                    tip="The difference as a Markdown review report")
        self.mode_actions: dict[str, QAction] = {}
        for i, mode in enumerate((BASELINE, EDITED, DIFFERENCE), start=1):
            self.mode_actions[mode] = self._act(
                f"Show {MODE_TITLES[mode]}", lambda m=mode: self.set_mode(m), f"Alt+{i}")
        edit = QMenu("&Edit", w)
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addActions([self.act_new, self.act_duplicate, self.act_delete, self.act_toggle,
                         self.act_labels])
        edit.addSeparator()
        edit.addActions([self.act_save, self.act_save_as, self.act_report])
        edit.addSeparator()
        edit.addActions(list(self.mode_actions.values()))
        self.edit_menu = edit
        tb = QToolBar("What-if", w)
        tb.setObjectName("whatIfToolbar")
        tb.setMovable(False)
        self.mode_combo = QComboBox(w)
        self.mode_combo.setObjectName("viewMode")
        for mode in (BASELINE, EDITED, DIFFERENCE):
            self.mode_combo.addItem(MODE_TITLES[mode], mode)
        self.mode_combo.setCurrentIndex(1)
        self.mode_combo.setToolTip("What the graph shows: the loaded manifests, the edited "
                                   "state, or the difference (Alt+1/2/3)")
        self.mode_combo.currentIndexChanged.connect(
            lambda i: self.set_mode(self.mode_combo.itemData(i)))
        tb.addWidget(self.mode_combo)
        # short, fixed button texts (the menus say more), so the toolbar keeps its width
        # when Undo's text names the edit
        for act, short in ((self.act_undo, "Undo"), (self.act_redo, "Redo"),
                           (self.act_new, "New Policy…"), (self.act_save, "Save")):
            act.setIconText(short)
        tb.addActions([self.act_undo, self.act_redo, self.act_new, self.act_save])
        self.toolbar = tb

    def _update_actions(self) -> None:
        s = self.session
        has = s is not None
        for a in (self.act_new, self.act_labels, self.act_save_as, self.act_report,
                  *self.mode_actions.values()):
            a.setEnabled(has)
        self.mode_combo.setEnabled(has)
        cur = self.current_id()
        for a in (self.act_duplicate, self.act_delete, self.act_toggle):
            a.setEnabled(cur is not None)
        self.act_undo.setEnabled(bool(s and s.can_undo))
        self.act_redo.setEnabled(bool(s and s.can_redo))
        self.act_undo.setText(f"&Undo {s.undo_text()}" if s and s.can_undo else "&Undo")
        self.act_redo.setText(f"&Redo {s.redo_text()}" if s and s.can_redo else "&Redo")
        for act in (self.act_undo, self.act_redo):
            act.setToolTip(act.text().replace("&", ""))
        self.act_save.setEnabled(bool(s and s.dirty))
        self.host.set_unsaved(bool(s and s.dirty))

    # ------------------------------------------------------------------ session lifetime
    def _on_state(self, event: str) -> None:
        if self._pushing:
            return
        if event == "loaded":
            self._new_session()
        elif event == "evaluated" and self.session is not None:
            # an options change evaluated the cluster elsewhere: redo baseline and edits
            self.session.set_options(self.state.options)
            self.push()
        elif event == "selection":
            key = self.state.selection.policy
            if key and self.session is not None and self.editor is not None:
                i = self.session.find(key)
                if i is not None and i != self.editor.current:
                    self.editor.open(i)
                    self.host.show_dock(EDITOR_DOCK)

    def _new_session(self) -> None:
        if self._unsub_session is not None:
            self._unsub_session()
            self._unsub_session = None
        st = self.state
        if st.result is None:  # not loaded from files: nothing to edit or save
            self.session = None
            self._update_actions()
            return
        s = make_session(st.result, st.analyzer, st.connections, inputs=list(self.host.paths),
                         options=st.options)
        s.view_mode = self.mode_combo.currentData()
        self.session = s
        self._unsub_session = s.subscribe(self._on_session)
        self._build_docks()
        reopen, self._reopen = self._reopen, None
        if reopen is not None and self.editor is not None:
            i = s.find(reopen)
            if i is not None:
                self.editor.open(i)
        self._update_actions()
        if s.view_mode != BASELINE:
            self.push()
        # the indexes the first edit needs, made once the window has painted (not before
        # its first paint: ~0.7 s at 5,000 workloads); an edit sooner makes them itself
        QTimer.singleShot(WARM_AFTER_MS, self,
                          lambda: s.evaluation.warm() if self.session is s else None)
        if s.read_autosave():
            QTimer.singleShot(0, self.offer_restore)
        elif s.autosave_problem:
            # after the window's own "Loaded in ..." message
            problem = s.autosave_problem
            QTimer.singleShot(0, lambda: self.host.show_message(problem, 20000))

    def _build_docks(self) -> None:
        """The docks are views of one session: new widgets for a new session (the docks
        stay where the user put them)."""
        assert self.session is not None
        self.editor = PolicyEditor(self.session)
        self.editor.policyOpened.connect(lambda _i: self._update_actions())
        self.changes = ChangesPanel(self.session, self.state)
        self.history = HistoryPanel(self.session)
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        self.host.place_dock(EDITOR_DOCK, "Policy Editor", self.editor, right)
        self.host.place_dock(CHANGES_DOCK, "Changes", self.changes, bottom)
        self.host.place_dock(HISTORY_DOCK, "History", self.history, bottom)

    def _on_session(self, event: str) -> None:
        if event == "edited":
            s = self.session
            if (self._auto_difference and s is not None and s.view_mode == EDITED
                    and s.difference):
                self._auto_switching = True
                try:
                    self.set_mode(DIFFERENCE)
                finally:
                    self._auto_switching = False
            self.push()
            self._autosave_timer.start()
            self._gc_timer.start()
        self._update_actions()

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """While inside, evaluations installed in the state are not redone by the session
        (the main window's "as enforced today" view is not an edit)."""
        was, self._pushing = self._pushing, True
        try:
            yield
        finally:
            self._pushing = was

    def push(self) -> None:
        """Show the session's current view in the state (graph and panels follow)."""
        if self.session is None:
            return
        self._pushing = True
        try:
            self.session.apply_to(self.state)
        finally:
            self._pushing = False
        s = self.session
        self.host.show_message(
            f"{MODE_TITLES[s.view_mode]}: {len(s.difference)} changed pair(s) · "
            f"evaluated in {s.last_seconds * 1000:.0f} ms", 4000)

    def set_mode(self, mode: str) -> None:
        if self.session is None:
            return
        if not self._auto_switching:
            self._auto_difference = False
        i = self.mode_combo.findData(mode)
        if self.mode_combo.currentIndex() != i:
            self.mode_combo.setCurrentIndex(i)  # comes back here
            return
        if mode != self.session.view_mode:
            self.session.set_view_mode(mode)
            self.push()

    # ------------------------------------------------------------------ commands
    def current_id(self) -> str | None:
        if self.editor is None or self.editor.current is None:
            return None
        return self.editor.current

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except EditError as exc:
            QMessageBox.warning(self._parent, "netviz", str(exc))
            return None

    def undo(self) -> None:
        if self.session is not None:
            if self.editor is not None:
                self.editor.apply_now()
            self.session.undo()

    def redo(self) -> None:
        if self.session is not None:
            self.session.redo()

    def new_from_template(self, text: str | None = None) -> str | None:
        if self.session is None:
            return None
        if text is None:
            names = [ns.name for ns in self.session.baseline.cluster.namespaces]
            sel = self.state.selection
            ns = None
            if len(sel.nodes) == 1:
                ns = next(iter(sel.nodes)).split("/", 1)[0]
            dlg = TemplateDialog(names, self._parent, ns if ns in names else None)
            if dlg.exec() != TemplateDialog.DialogCode.Accepted:
                return None
            text = dlg.text()
        i = self.session.add_policy(text)
        if self.editor is not None:
            self.editor.open(i)
        self.host.show_dock(EDITOR_DOCK)
        return i

    def duplicate(self) -> None:
        cur = self.current_id()
        if cur is not None and self.session is not None:
            got = self._guard(lambda: self.session.duplicate(cur))  # type: ignore[union-attr]
            if got and self.editor is not None:
                self.editor.open(got)

    def delete(self) -> None:
        cur = self.current_id()
        if cur is not None and self.session is not None:
            self.session.delete(cur)

    def toggle_enabled(self) -> None:
        cur = self.current_id()
        if cur is not None and self.session is not None:
            e = self.session.entry(cur)
            self.session.set_enabled(cur, not e.enabled)

    def edit_labels(self) -> None:
        if self.session is None:
            return
        sel = self.state.selection
        target = None
        if len(sel.nodes) == 1:
            key = next(iter(sel.nodes))
            if is_workload_key(key):
                target = ("workload", key)
        LabelDialog(self.session, target, self._parent).exec()

    # ------------------------------------------------------------------ saving
    def save(self, reload: bool = True) -> bool:
        """Save into the original files; True when saved (or nothing to save). With
        ``reload`` the host loads the saved files again."""
        s = self.session
        if s is None:
            return True
        if self.editor is not None:
            self.editor.apply_now()
        disabled = "keep"
        if any(not e.enabled and not e.deleted for e in s.entries):
            got = self.ask("Disabled policies",
                           "Some policies are disabled. Remove them from their files?\n\n"
                           "Yes: their documents are deleted. No: they stay in the files as "
                           "they are (disabling is only a what-if).",
                           B.Yes | B.No | B.Cancel, B.No)
            if got == B.Cancel:
                return False
            disabled = "remove" if got == B.Yes else "keep"
        try:
            req = s.save_request(disabled=disabled)
        except EditError as exc:
            QMessageBox.warning(self._parent, "Cannot save", str(exc))
            return False
        if req.problems:
            got = self.ask("Some policies cannot be saved in place",
                           "\n".join(req.problems) + "\n\nSave the others?",
                           B.Save | B.Cancel, B.Cancel)
            if got != B.Save:
                return False
        force = False
        while True:
            try:
                written = save_in_place(s, disabled=disabled, force=force)
            except SaveConflict as exc:
                got = self.ask(
                    "Changed on disk",
                    f"{exc}\n\nOverwrite: replace the files (their other changes are lost).\n"
                    "Save: save the policies elsewhere (Save As).",
                    B.Discard | B.Save | B.Cancel, B.Cancel)
                if got == B.Discard and not force:
                    force = True
                    continue
                if got == B.Save:
                    return self.save_as()
                return False
            except (EditError, ValueError, OSError) as exc:
                QMessageBox.critical(self._parent, "Cannot save", str(exc))
                return False
            break
        said = f"Saved {len(written)} file(s): " + ", ".join(Path(p).name for p in written)
        self.host.show_message(said, 8000)
        self._update_actions()
        if written and reload:
            # the policy open in the editor is open again after the reload
            self._reopen = self._current_policy_key()
            self.host.reload(said)
        return True

    def _current_policy_key(self) -> str | None:
        cur = self.current_id()
        if cur is None or self.session is None:
            return None
        e = self.session.entry(cur)
        return e.policy.key if e.policy is not None and not e.deleted else None

    def _choose_file(self, title: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self._parent, title, self.host.last_dir(),
                                              "YAML manifests (*.yaml *.yml)")
        return path

    def _choose_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self._parent, title, self.host.last_dir())

    def save_as(self, path: str | None = None, folder: bool | None = None) -> bool:
        """Write every live policy to a new file (``*.yaml``) or a folder (one file each)."""
        s = self.session
        if s is None:
            return False
        if self.editor is not None:
            self.editor.apply_now()
        if path is None:
            if folder is None:
                got = self.ask("Save policies as", "Save into one new file (Yes) or a folder "
                               "with one file per policy (No)?", B.Yes | B.No | B.Cancel, B.Yes)
                if got == B.Cancel:
                    return False
                folder = got == B.No
            path = (self.choose_folder if folder else self.choose_file)("Save policies as")
            if not path:
                return False
        folder = bool(folder) if folder is not None else os.path.isdir(path)
        overwrite = False
        while True:
            try:
                if folder:
                    n = len(save_as_folder(s, path, overwrite=overwrite))
                else:
                    n = save_as_file(s, path, overwrite=overwrite)
            except SaveConflict as exc:
                if not overwrite and self.ask("Already exists", f"{exc}\n\nOverwrite?",
                                              B.Yes | B.Cancel, B.Cancel) == B.Yes:
                    overwrite = True
                    continue
                return False
            except (EditError, OSError) as exc:
                QMessageBox.critical(self._parent, "Cannot save", str(exc))
                return False
            break
        self.host.show_message(f"Saved {n} policies to {path}", 6000)
        self._update_actions()
        return True

    def export_report(self, path: str | None = None) -> bool:
        if self.session is None:
            return False
        try:
            from netviz.export.diff_report import render_report
        except ImportError:
            QMessageBox.information(self._parent, "netviz", "The report export is not available.")
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self._parent, "Export difference report",
                str(Path(self.host.last_dir()) / "netviz-difference.md"), "Markdown (*.md)")
            if not path:
                return False
        inputs = ", ".join(self.host.paths) or "the loaded manifests"
        text = render_report(self.session.diff_result(), before=inputs,
                             after=f"{inputs} with the edits made in netviz",
                             options=self.session.analyzer.options,
                             title="What-if review")
        try:
            write_atomic(path, text)
        except OSError as exc:
            QMessageBox.critical(self._parent, "netviz", str(exc))
            return False
        self.host.show_message(f"Saved {path}", 5000)
        return True

    # ------------------------------------------------------------------ autosave, closing
    def autosave(self) -> None:
        if self.session is None:
            return
        try:
            self.session.autosave()
        except OSError as exc:
            self.host.show_message(f"Could not autosave the edits: {exc}", 6000)

    def offer_restore(self) -> bool:
        s = self.session
        if s is None:
            return False
        data = s.read_autosave()
        if not data:
            return False
        n = len(data.get("entries", [])) + len(data.get("labels", []))
        got = self.ask("Restore edits?",
                       f"netviz was closed with {n} unsaved edit(s) to these manifests "
                       "(policies and labels). Restore them?", B.Yes | B.Discard, B.Yes)
        if got == B.Yes:
            s.restore(data)
            self.host.show_dock(CHANGES_DOCK)
            return True
        s.clear_autosave()
        return False

    def maybe_discard(self, what: str = "close") -> bool:
        """Ask before losing unsaved edits; True when it is fine to go on."""
        s = self.session
        if s is None or not s.dirty:
            return True
        if self.editor is not None:
            self.editor.apply_now()
        got = self.ask("Unsaved edits",
                       f"The policy edits are not saved. Save them before you {what}?",
                       B.Save | B.Discard | B.Cancel, B.Save)
        if got == B.Save:
            return self.save_without_reload()
        if got == B.Discard:
            s.mark_saved()  # nothing to keep: clean, and the autosave is gone
            return True
        return False

    def save_without_reload(self) -> bool:
        ok = self.save(reload=False)
        return ok and not (self.session is not None and self.session.dirty)

    @property
    def dirty(self) -> bool:
        return self.session is not None and self.session.dirty

    def shutdown(self) -> None:
        self._autosave_timer.stop()
        self._unsub_state()
        if self._unsub_session is not None:
            self._unsub_session()

"""What-if editing: change policies and labels, see the difference, undo, save, autosave.

An ``EditSession`` holds the *baseline* (what was loaded: cluster, analyzer, connection list,
the documents the policies came from) and the *edited state*: every policy as YAML text with
its origin, plus label overrides for namespaces and workloads. Qt-free, io-free and
yaml-free: the text of a policy is turned into a ``NetworkPolicy`` (or a cluster-scoped
AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy) by an injected
``parse_policy(text, origin) -> (policy | None, diagnostics)`` (the GUI's is
``netviz.ui.editor.parse.parse_policy``: the loader's own checks and messages), and the
autosave file is an injected ``AutosaveStore`` (``netviz.io.appfiles.JsonFile``).

The session is the facade of parts that each do one job:

- ``state``: the data (``Baseline``, immutable ``EditState`` snapshots, ``PolicyEntry``);
- ``history``: undo/redo of snapshots (``History``);
- ``evaluation``: the incremental evaluation and the difference (``Evaluation``);
- ``save_plan``: what a save writes (``SaveRequest``; ``netviz.io.save`` writes it);
- ``autosave``: the edited state as plain data and back (crash recovery).

The session itself keeps the commands, the view mode and the events.

Rules this module keeps
=======================
- Commands: ``set_policy_text``, ``add_policy`` (templates: ``netviz.viewmodel.templates``),
  ``duplicate``, ``delete``, ``set_enabled``, ``set_label``. Each replaces the snapshot,
  records the previous one in the history, evaluates and emits ``"edited"``.
  ``undo``/``redo``/``goto`` move along the history; ``history()`` lists it for the GUI.
  Consecutive ``set_policy_text(..., merge=True)`` on the same policy within
  ``MERGE_SECONDS`` are one history step (typing is not a hundred undo steps).
- A text that does not parse is kept (the user's work is never dropped) but marked invalid
  with the loader's diagnostics; the evaluation keeps the last valid version of that policy
  ("the graph follows as soon as the document is valid"). Saving refuses invalid entries.
- Two live policies with the same key (``ns/name``, or ``Kind/name`` for cluster policies):
  the later edit is invalid
  (``duplicate-policy``), since Kubernetes would replace one with the other.
- A disabled policy is left out of the evaluation only ("what if it did not exist").
- A deleted policy that was loaded stays as a tombstone (``deleted=True``) so that saving
  can remove its document; a deleted new policy just goes.
- View modes: ``baseline`` (what was loaded), ``edited`` (the edited state) and
  ``difference`` (the edited state drawn against the baseline). ``apply_to(state)`` pushes
  the current mode into an ``AppState`` (``set_edited``), so every view follows.
- Saving: ``save_request`` (see ``save_plan``); the GUI turns it into ``netviz.io.save``
  calls (atomic, with conflict detection) and reloads; ``mark_saved()`` makes the session
  clean and removes the autosave.
- Autosave: ``autosave()`` stores what differs from the baseline in the session's
  ``AutosaveStore`` (``$XDG_CONFIG_HOME/netviz/autosave/<hash of the inputs>.json``, written
  atomically by ``netviz.io``); the GUI calls it debounced after every edit.
  ``read_autosave()`` reads it back, ``restore(data)`` installs it as one undoable step,
  ``clear_autosave()`` removes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import Connection
from netviz.engine.diff import DiffEntry, DiffResult
from netviz.model import Cluster, ClusterPolicy
from netviz.model.cluster_policy import BANP_KIND
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.viewmodel.editing import autosave as _autosave
from netviz.viewmodel.editing import gcpolicy
from netviz.viewmodel.editing import save_plan as _save_plan
from netviz.viewmodel.editing.autosave import AutosaveStore
from netviz.viewmodel.editing.evaluation import Evaluation
from netviz.viewmodel.editing.history import History, HistoryItem
from netviz.viewmodel.editing.save_plan import SaveRequest
from netviz.viewmodel.editing.state import (
    Baseline,
    EditError,
    EditState,
    Labels,
    LabelTarget,
    Origin,
    ParsePolicy,
    Policy,
    PolicyEntry,
    rename_in_text,
    same_policy,
)
from netviz.viewmodel.state import AppState, Observable

BASELINE = "baseline"
EDITED = "edited"
DIFFERENCE = "difference"
VIEW_MODES = (BASELINE, EDITED, DIFFERENCE)


class EditSession(Observable):
    """The what-if editing session over one loaded baseline. Events (``subscribe``):
    ``"edited"`` (the edited state and its evaluation changed), ``"mode"`` (view mode),
    ``"saved"`` (marked clean)."""

    def __init__(self, baseline: Baseline, parse_policy: ParsePolicy, *,
                 autosave: AutosaveStore | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.baseline = baseline
        self.parse_policy = parse_policy
        self.autosave_store = autosave
        #: why the autosave found at start-up was set aside (None: it was fine or absent)
        self.autosave_problem: str | None = None
        self.clock = clock
        self.view_mode = DIFFERENCE
        self._counter = 0
        self._state = self._initial_state()
        self._history = History()
        self._saved_marker: object = self._state
        self.evaluation = Evaluation(baseline)
        self._pushed: tuple[int, str, int] | None = None
        self.last_seconds = 0.0

    # ------------------------------------------------------------------ building
    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _initial_state(self) -> EditState:
        b = self.baseline
        records = {(r.file, r.doc): r for r in b.documents}
        entries = []
        policies: list[Policy] = [*b.cluster.policies, *b.cluster.cluster_policies]
        for pol in policies:
            origin: Origin | None = None
            in_place = False
            text: str | None = None
            if pol.source is not None:
                origin = (pol.source.file, pol.source.doc)
                rec = records.get(origin)
                kind = pol.kind if isinstance(pol, ClusterPolicy) else "NetworkPolicy"
                if (rec is not None and rec.kind == kind and rec.name == pol.name
                        and (isinstance(pol, ClusterPolicy)
                             or (rec.namespace or "default") == pol.namespace)
                        and origin in b.doc_texts):
                    text, in_place = b.doc_texts[origin], True
            if text is None:
                from netviz.viewmodel.templates import render_any

                text = render_any(pol)
            entries.append(PolicyEntry(self._new_id("p"), text, pol, True, (), True, False,
                                       origin, in_place, text))
        return EditState(tuple(entries), {})

    # ------------------------------------------------------------------ queries
    @property
    def state(self) -> EditState:
        return self._state

    @property
    def entries(self) -> tuple[PolicyEntry, ...]:
        return self._state.entries

    def entry(self, id_: str) -> PolicyEntry:
        return self._state.entry(id_)

    def find(self, key: str) -> str | None:
        """The id of the entry for policy ``ns/name`` (one that is not deleted first)."""
        found = None
        for e in self._state.entries:
            if e.policy is not None and e.policy.key == key:
                if not e.deleted:
                    return e.id
                found = e.id
        return found

    @property
    def dirty(self) -> bool:
        return self._state is not self._saved_marker and self._state.changed_from_baseline()

    def changed_entries(self) -> list[PolicyEntry]:
        return [e for e in self._state.entries
                if e.modified or e.deleted or not e.enabled or not e.valid]

    @property
    def labels(self) -> Labels:
        return self._state.labels

    def effective_labels(self, target: LabelTarget) -> dict[str, str]:
        """Labels of a namespace (its labels) or workload (its pod template / first pod) with
        the overrides applied."""
        kind, name = target
        cl = self.baseline.cluster
        base: dict[str, str] = {}
        if kind == "namespace":
            ns = cl.namespace(name)
            base = dict(ns.labels) if ns else {}
        else:
            for p in cl.pods:
                if p.workload_key == name:
                    base = dict(p.labels)
                    break
        for k, v in self._state.labels.get(target, {}).items():
            if v is None:
                base.pop(k, None)
            else:
                base[k] = v
        return base

    def edited_cluster(self) -> Cluster:
        return self.analyzer.cluster

    # ------------------------------------------------------------------ history
    def history(self) -> list[HistoryItem]:
        return self._history.items()

    @property
    def history_index(self) -> int:
        return self._history.index

    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    def undo_text(self) -> str:
        return self._history.undo_text()

    def redo_text(self) -> str:
        return self._history.redo_text()

    def undo(self) -> bool:
        before = self._history.undo(self._state)
        if before is None:
            return False
        self._install(before)
        return True

    def redo(self) -> bool:
        after = self._history.redo(self._state)
        if after is None:
            return False
        self._install(after)
        return True

    def goto(self, index: int) -> None:
        """Undo or redo until ``index`` edits are applied (0: as loaded); evaluates once."""
        target = self._history.goto(index, self._state)
        if target is not None:
            self._install(target)

    def _commit(self, description: str, new: EditState, merge_key: str | None = None) -> None:
        self._history.record(description, self._state, self.clock(), merge_key)
        self._install(new)

    def _install(self, new: EditState) -> None:
        # no garbage collection between the edit and the views' update (gcpolicy)
        with gcpolicy.paused():
            self._state = new
            started = time.perf_counter()
            self.evaluation.evaluate(new)
            self.last_seconds = time.perf_counter() - started
            self.emit("edited")

    # ------------------------------------------------------------------ commands
    def _parse(self, text: str, entry: PolicyEntry | None) -> tuple[Policy | None,
                                                                      list[Diagnostic]]:
        origin = entry.origin if entry is not None else None
        pol, diags = self.parse_policy(text, origin)
        if pol is not None:
            for other in self._state.entries:
                if (entry is not None and other.id == entry.id) or other.deleted:
                    continue
                if other.policy is not None and other.policy.key == pol.key:
                    where = (f"{pol.kind} (cluster-scoped)" if isinstance(pol, ClusterPolicy)
                             else f"namespace {pol.namespace}")
                    kind = pol.kind if isinstance(pol, ClusterPolicy) else "NetworkPolicy"
                    advice = "give this one another name"
                    if kind == BANP_KIND:
                        # the singleton: another name is invalid, so say what can be done
                        advice = ("a cluster has one, always named default: edit that one, or "
                                  "write this as a ClusterNetworkPolicy with tier: Baseline")
                    diags = [*diags, Diagnostic(
                        Severity.ERROR,
                        f"a policy named {pol.name} already exists in {where}; {advice}",
                        None, None, 1, None, f"{kind} {pol.key}", "duplicate-policy")]
                    pol = None
                    break
        return pol, diags

    def _replace_entry(self, entry: PolicyEntry) -> EditState:
        return replace(self._state, entries=tuple(
            entry if e.id == entry.id else e for e in self._state.entries))

    def set_policy_text(self, id_: str, text: str, *, merge: bool = False) -> list[Diagnostic]:
        """Replace a policy's text. Returns the loader's diagnostics for it; when there is an
        error the text is kept (invalid) and the last valid version stays evaluated."""
        e = self.entry(id_)
        if text == e.text:
            return list(e.diagnostics)
        pol, diags = self._parse(text, e)
        valid = pol is not None
        if pol is not None and e.policy is not None and same_policy(pol, e.policy):
            # only comments, layout or sources differ: keep the evaluated object, so the
            # engine sees no change at all
            pol = e.policy
        new = replace(e, text=text, policy=pol if valid else e.policy, valid=valid,
                      diagnostics=tuple(diags))
        self._commit(f"Edit {new.key}", self._replace_entry(new),
                     merge_key=f"text:{id_}" if merge else None)
        return diags

    def add_policy(self, text: str, description: str = "") -> str:
        """A new policy from ``text`` (e.g. a template). Returns its id; the text is kept
        even when it does not parse."""
        pol, diags = self._parse(text, None)
        e = PolicyEntry(self._new_id("n"), text, pol, pol is not None, tuple(diags))
        self._commit(description or f"Add {e.key}",
                     replace(self._state, entries=(*self._state.entries, e)))
        return e.id

    def duplicate(self, id_: str) -> str:
        """A copy named ``<name>-copy`` (``-copy-2``, ...), with the source's comments."""
        e = self.entry(id_)
        if e.policy is None:
            raise EditError("this policy has never been valid: fix it before duplicating it")
        if isinstance(e.policy, ClusterPolicy) and e.policy.kind == BANP_KIND:
            # a copy under another name would be invalid (the API admits only "default")
            raise EditError("a BaselineAdminNetworkPolicy is a singleton, always named default: "
                            "edit it, or write a ClusterNetworkPolicy with tier: Baseline")
        taken = {x.policy.key for x in self._state.entries
                 if x.policy is not None and not x.deleted}
        base = f"{e.policy.name}-copy"
        name, n = base, 1
        while replace(e.policy, name=name).key in taken:
            n += 1
            name = f"{base}-{n}"
        text = rename_in_text(e.text, name)
        if text is None:
            from netviz.viewmodel.templates import render_any

            text = render_any(replace(e.policy, name=name))
        return self.add_policy(text, f"Duplicate {e.key} as {name}")

    def delete(self, id_: str) -> None:
        e = self.entry(id_)
        if e.deleted:
            return
        if e.is_new:
            new = replace(self._state, entries=tuple(x for x in self._state.entries
                                                     if x.id != id_))
        else:
            new = self._replace_entry(replace(e, deleted=True))
        self._commit(f"Delete {e.key}", new)

    def restore_deleted(self, id_: str) -> None:
        e = self.entry(id_)
        if e.deleted:
            self._commit(f"Restore {e.key}", self._replace_entry(replace(e, deleted=False)))

    def set_enabled(self, id_: str, enabled: bool) -> None:
        e = self.entry(id_)
        if e.enabled == enabled:
            return
        self._commit(f"{'Enable' if enabled else 'Disable'} {e.key}",
                     self._replace_entry(replace(e, enabled=enabled)))

    def set_label(self, target: LabelTarget, key: str, value: str | None) -> None:
        """Add/change (``value``) or remove (None) a label of a namespace or of a workload's
        pods. Setting a label back to its loaded value removes the override."""
        kind, name = target
        if kind not in ("namespace", "workload"):
            raise EditError(f"labels can be set on a namespace or a workload, not {kind!r}")
        if not key:
            raise EditError("the label key is empty")
        cl = self.baseline.cluster
        if kind == "namespace":
            ns = cl.namespace(name)
            if ns is None:
                raise EditError(f"there is no namespace {name}")
            if key == "kubernetes.io/metadata.name":
                raise EditError("kubernetes.io/metadata.name is set by Kubernetes to the "
                                "namespace's name and cannot be changed")
            loaded: dict[str, str] = dict(ns.labels)
        else:
            pods = [p for p in cl.pods if p.workload_key == name]
            if not pods:
                raise EditError(f"there is no workload {name}")
            loaded = dict(pods[0].labels)
        overrides = dict(self._state.labels.get(target, {}))
        if (value is None and key not in loaded) or (value is not None and loaded.get(key) == value):
            overrides.pop(key, None)
        else:
            overrides[key] = value
        labels = dict(self._state.labels)
        if overrides:
            labels[target] = overrides
        else:
            labels.pop(target, None)
        what = "namespace " + name if kind == "namespace" else name
        desc = (f"Remove label {key} from {what}" if value is None
                else f"Set label {key}={value} on {what}")
        self._commit(desc, replace(self._state, labels=labels))

    # ------------------------------------------------------------------ evaluation
    @property
    def analyzer(self) -> Analyzer:
        """The edited state's analyzer."""
        return self.evaluation.analyzer

    @property
    def connections(self) -> list[Connection]:
        return self.evaluation.connections

    @property
    def difference(self) -> list[DiffEntry]:
        """Against the baseline (``netviz.engine.diff``)."""
        return self.evaluation.difference

    @property
    def changed_pairs(self) -> frozenset[tuple[str, str]] | None:
        return self.evaluation.changed_pairs

    @property
    def generation(self) -> int:
        return self.evaluation.generation

    def diff_result(self) -> DiffResult:
        """The difference as ``netviz diff`` reports it (for the Markdown review report)."""
        return self.evaluation.diff_result()

    def set_options(self, options: Options) -> None:
        """Evaluate baseline and edits under other options (a full evaluation)."""
        if self.evaluation.set_options(options, self._state):
            self.emit("edited")

    # ------------------------------------------------------------------ views
    def set_view_mode(self, mode: str) -> None:
        if mode not in VIEW_MODES:
            raise ValueError(f"view mode must be one of {', '.join(VIEW_MODES)}")
        if mode != self.view_mode:
            self.view_mode = mode
            self.emit("mode")

    def view(self, mode: str | None = None) -> tuple[Cluster, Analyzer, list[Connection],
                                                      list[DiffEntry] | None]:
        mode = mode or self.view_mode
        if mode == BASELINE:
            b = self.baseline
            return b.cluster, b.analyzer, b.connections, None
        return (self.analyzer.cluster, self.analyzer, self.connections,
                self.difference if mode == DIFFERENCE else None)

    def apply_to(self, state: AppState) -> None:
        """Show the current view mode in ``state`` (``AppState.set_edited``). When the state
        last got the previous evaluation in the same mode, the changed pairs go along so the
        graph updates only those edges."""
        cluster, an, conns, difference = self.view()
        hint: frozenset[tuple[str, str]] | None = None
        if (self._pushed is not None and self._pushed[0] == id(state)
                and self._pushed[1] == self.view_mode and self.view_mode != BASELINE
                and self._pushed[2] == self.generation - 1):
            hint = self.changed_pairs
        elif (self._pushed is not None and self._pushed[0] == id(state)
              and self._pushed[1] == self.view_mode and self._pushed[2] == self.generation):
            hint = frozenset()
        self._pushed = (id(state), self.view_mode, self.generation)
        state.set_edited(cluster, an, conns, difference, hint)

    # ------------------------------------------------------------------ saving
    def invalid_entries(self) -> list[PolicyEntry]:
        return _save_plan.invalid_entries(self._state)

    def save_request(self, disabled: str = "keep", new_file: str | None = None) -> SaveRequest:
        """What saving into the original files writes (``save_plan.save_request``).
        Raises ``EditError`` when a policy is invalid (nothing is written then)."""
        return _save_plan.save_request(self._state, self.baseline, disabled, new_file)

    def documents(self, only_changed: bool = False) -> list[tuple[str, str]]:
        """(key, text) of every live policy (or only new and modified ones), for Save As."""
        return _save_plan.documents(self._state, only_changed)

    def mark_saved(self) -> None:
        self._saved_marker = self._state
        self.clear_autosave()
        self.emit("saved")

    # ------------------------------------------------------------------ autosave
    @property
    def autosave_file(self) -> Path | None:
        return self.autosave_store.path if self.autosave_store is not None else None

    def to_dict(self) -> dict[str, Any]:
        return _autosave.to_dict(self._state, self.baseline, self._history.descriptions())

    def autosave(self) -> Path | None:
        """Store the edited state (removed when nothing is edited); the path written."""
        store = self.autosave_store
        if store is None:
            return None
        if not self._state.changed_from_baseline():
            store.clear()
            return None
        store.write(self.to_dict())
        return store.path

    def clear_autosave(self) -> None:
        if self.autosave_store is not None:
            self.autosave_store.clear()

    def read_autosave(self) -> dict[str, Any] | None:
        """The autosaved data, or None when there is none (or it is not ours). A corrupt one
        (unreadable, or ours with a wrong shape) is set aside (renamed beside itself) and
        described in ``autosave_problem``: reported, never a crash."""
        store = self.autosave_store
        if store is None:
            return None
        data, why = store.read_checked()
        if why is None and data is not None and isinstance(data, dict) \
                and data.get("format") == _autosave.AUTOSAVE_FORMAT:
            why = _autosave.problem(data)
        if why is not None:
            moved = store.set_aside()
            kept = f"it was set aside as {moved}" if moved is not None else "it was removed"
            self.autosave_problem = (
                f"The autosave of unsaved edits ({store.path}) is corrupt ({why}); {kept}"
            )
            return None
        return _autosave.checked(data)

    def restore(self, data: Mapping[str, Any] | None = None) -> int:
        """Put autosaved ``data`` (default: what ``read_autosave`` finds) back as one undoable
        step. Returns how many policies and label targets were restored (0: nothing)."""
        if data is None:
            data = self.read_autosave()
            if data is None:
                return 0
        new, count = _autosave.restore_state(
            self._state, data, parse_policy=self.parse_policy, new_id=self._new_id,
            namespaces={ns.name for ns in self.baseline.cluster.namespaces},
            workloads=set(self.evaluation.workloads))
        if count:
            self._commit("Restore autosaved edits", new)
        return count


__all__ = [
    "BASELINE",
    "DIFFERENCE",
    "EDITED",
    "VIEW_MODES",
    "EditSession",
]

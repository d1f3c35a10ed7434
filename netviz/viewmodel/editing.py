"""What-if editing: change policies and labels, see the difference, undo, save, autosave.

An ``EditSession`` holds the *baseline* (what was loaded: cluster, analyzer, connection list,
the documents the policies came from) and the *edited state*: every policy as YAML text with
its origin, plus label overrides for namespaces and workloads. Qt-free, io-free and yaml-free:
the text of a policy is turned into a ``NetworkPolicy`` by an injected
``parse_policy(text, origin) -> (policy | None, diagnostics)`` (the GUI's is
``netviz.ui.editor.parse.parse_policy``: the loader's own checks and messages).

Rules this module keeps
=======================

State and commands
------------------
- The edited state is an immutable ``EditState`` snapshot: ``PolicyEntry`` per policy (stable
  ``id``, current ``text``, the last ``policy`` that text parsed to, ``valid``, the loader's
  ``diagnostics``, ``enabled``, ``deleted``, ``origin`` (file, document) and the text it was
  loaded with) and label overrides ``{target: {key: value | None}}`` where a target is
  ``("namespace", name)`` or ``("workload", "ns/name[Kind]")`` and None removes the label.
- Commands: ``set_policy_text``, ``add_policy`` (templates: ``netviz.viewmodel.templates``),
  ``duplicate``, ``delete``, ``set_enabled``, ``set_label``. Each replaces the snapshot,
  records ``(description, previous snapshot)`` on the undo stack and clears the redo stack.
  ``undo``/``redo``/``goto`` move along the history; ``history()`` lists it for the GUI.
  Consecutive ``set_policy_text(..., merge=True)`` on the same policy within
  ``MERGE_SECONDS`` are one history step (typing is not a hundred undo steps).
- A text that does not parse is kept (the user's work is never dropped) but marked invalid
  with the loader's diagnostics; the evaluation keeps the last valid version of that policy
  ("the graph follows as soon as the document is valid"). Saving refuses invalid entries.
- Two live policies with the same namespace/name: the later edit is invalid
  (``duplicate-policy``), since Kubernetes would replace one with the other.
- A disabled policy is left out of the evaluation only ("what if it did not exist").
  Saving keeps it in its file unless the caller asks ``disabled="remove"`` (the GUI asks the
  user), because disabling is a what-if, not a decision to delete.
- A deleted policy that was loaded stays as a tombstone (``deleted=True``) so that saving
  can remove its document; a deleted new policy just goes.

Evaluation ("every edit re-evaluates only what it can affect")
--------------------------------------------------------------
- Policy edits: ``Analyzer.with_policies`` on the current edited analyzer (compiled
  selectors, classes and unaffected partitions are shared), then ``connlist_after_edit``
  (only rows/columns of affected classes are recomputed). The peer pairs whose connections changed are found by
  identity (unchanged connections are the same objects) and only those pairs are diffed
  again; the rest of the difference is kept (a changed external range takes every
  external connection of its workload on that side along: see ``_diff_update``). The
  result equals
  ``netviz.engine.diff.diff(baseline, edited)`` — the same function ``netviz diff`` uses
  (tests check it).
- Label edits change pod classes, so they build a fresh ``Analyzer`` for the relabelled
  cluster (one per label state, cached) and a full connection list and difference. On 1,000
  workloads that takes about a second; policy edits take tens of milliseconds.
- ``changed_pairs`` (pairs changed by the last evaluation, or None after a full one) lets the
  graph update only those edges (``GraphModel.updated``).

View modes
----------
``baseline`` (what was loaded), ``edited`` (the edited state) and ``difference`` (the edited
state drawn against the baseline). ``apply_to(state)`` pushes the current mode into an
``AppState`` (``set_edited``), so every view follows.

Saving
------
``save_request(disabled=..., new_file=...)`` lists what to write: ``(file, doc, text | None)``
for loaded policies whose document holds only that policy (changed text, deleted, or
disabled-and-removed), and ``(file, text)`` for new policies. New policies go to ``new_file``
when given, else to the file that holds other policies of their namespace, else to the
first file that holds any policy, else the first input file. Policies that cannot be
written in place (an item of a ``List``, a snapshot, stdin) are reported in ``problems``:
use "Save As". The GUI turns the request into ``netviz.io.save`` calls (atomic, with
conflict detection) and reloads; ``mark_saved()`` makes the session clean.

Autosave and crash recovery
---------------------------
``autosave()`` writes the edited state (only what differs from the baseline, with the
baseline text of every changed document) to
``$XDG_CONFIG_HOME/netviz/autosave/<hash of the inputs>.json`` — the same hash as the layout
session file — atomically (temporary file + rename). The GUI calls it debounced after every
edit and ``clear_autosave()`` after a save or when the user discards. ``restore(path)`` puts an
autosaved state back as one undoable step: a document is matched by (file, document) when
its loaded text is still the one recorded, else by namespace/name, else the policy comes back
as a new one — text is never dropped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netviz.engine import Analyzer, Options
from netviz.engine import connlist as _connlist
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.diff import ADDED, CHANGED, REMOVED, DiffEntry, DiffResult, diff, unchanged
from netviz.model import Cluster, Namespace, NetworkPolicy, Pod, Rule, Workload
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.keys import is_external_key
from netviz.model.loaded import DocumentRecord, FileStamp, LoadResult
from netviz.viewmodel.state import AppState, Observable

ParsePolicy = Callable[[str, "tuple[str, int] | None"],
                       "tuple[NetworkPolicy | None, list[Diagnostic]]"]
Origin = tuple[str, int]
LabelTarget = tuple[str, str]  # ("namespace", name) | ("workload", "ns/name[Kind]")

BASELINE = "baseline"
EDITED = "edited"
DIFFERENCE = "difference"
VIEW_MODES = (BASELINE, EDITED, DIFFERENCE)

#: consecutive text edits of one policy closer than this are one undo step
MERGE_SECONDS = 2.0
AUTOSAVE_FORMAT = "netviz-edit-session"
AUTOSAVE_VERSION = 1
_DIFF_ORDER = {CHANGED: 0, ADDED: 1, REMOVED: 2}
_NAME_LINE = re.compile(r"^(\s+)name:\s*(\S.*?)\s*$")


class EditError(Exception):
    """A command that cannot be done, with a message for users."""


# --------------------------------------------------------------------------- baseline


@dataclass
class Baseline:
    """What was loaded. ``documents`` say where each document is in its file; ``doc_texts``
    maps (file, document) to the text an edit of that document replaces
    (``netviz.io.save.document_text``: the body without its ``---`` line); ``stamps`` are the
    files as they were read (saving refuses to overwrite a file changed since). All may be
    empty: policies then get a generated text and cannot be written back in place."""

    cluster: Cluster
    analyzer: Analyzer
    connections: list[Connection]
    documents: Sequence[DocumentRecord] = ()
    doc_texts: Mapping[Origin, str] = field(default_factory=dict)
    files: Sequence[str] = ()
    #: the inputs as the user named them (files/folders): the autosave key
    inputs: Sequence[str] = ()
    stamps: Mapping[str, FileStamp] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: LoadResult, analyzer: Analyzer | None = None,
                    connections: list[Connection] | None = None,
                    document_text: Callable[[DocumentRecord], str | None] | None = None,
                    inputs: Sequence[str] = (), options: Options | None = None) -> Baseline:
        """From what was loaded. ``document_text(record)`` returns the editable text of a
        document (None when it cannot be read: stdin, snapshots)."""
        cluster = result.cluster
        an = analyzer or Analyzer(cluster, options)
        conns = connections if connections is not None else _connlist.connlist(an)
        documents = list(result.documents)
        doc_texts: dict[Origin, str] = {}
        if document_text is not None:
            wanted = {(p.source.file, p.source.doc) for p in cluster.policies
                      if p.source is not None}
            for rec in documents:
                if (rec.file, rec.doc) in wanted and rec.kind == "NetworkPolicy":
                    t = document_text(rec)
                    if t is not None:
                        doc_texts[(rec.file, rec.doc)] = t
        return cls(cluster, an, list(conns), documents, doc_texts, list(result.files),
                   list(inputs), dict(result.stamps))


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class PolicyEntry:
    id: str
    text: str
    #: the last valid parse of ``text`` (what is evaluated); None when it never parsed
    policy: NetworkPolicy | None
    valid: bool = True
    diagnostics: tuple[Diagnostic, ...] = ()
    enabled: bool = True
    deleted: bool = False
    #: (file, 1-based document) it was loaded from; None for a new policy
    origin: Origin | None = None
    #: the document holds exactly this policy, so it can be rewritten in place
    in_place: bool = False
    #: text when loaded (None: new)
    baseline_text: str | None = None

    @property
    def key(self) -> str:
        return self.policy.key if self.policy is not None else "(new policy)"

    @property
    def is_new(self) -> bool:
        return self.origin is None

    @property
    def modified(self) -> bool:
        return self.baseline_text is None or self.text != self.baseline_text

    @property
    def live(self) -> bool:
        """Evaluated: enabled, not deleted, parsed at least once."""
        return self.enabled and not self.deleted and self.policy is not None

    @property
    def status(self) -> str:
        """"deleted", "invalid", "disabled", "new", "modified" or "" (as loaded)."""
        if self.deleted:
            return "deleted"
        if not self.valid:
            return "invalid"
        if not self.enabled:
            return "disabled"
        if self.is_new:
            return "new"
        return "modified" if self.modified else ""


@dataclass(frozen=True)
class EditState:
    entries: tuple[PolicyEntry, ...]
    #: target -> {label key: value, or None to remove it}; never mutated
    labels: Mapping[LabelTarget, Mapping[str, str | None]] = field(default_factory=dict)

    def entry(self, id_: str) -> PolicyEntry:
        for e in self.entries:
            if e.id == id_:
                return e
        raise KeyError(id_)

    def policies(self) -> list[NetworkPolicy]:
        return [e.policy for e in self.entries if e.live and e.policy is not None]

    def labels_key(self) -> tuple[Any, ...]:
        return tuple(sorted((t, tuple(sorted(v.items(), key=lambda kv: kv[0])))
                            for t, v in self.labels.items() if v))


@dataclass(frozen=True)
class HistoryItem:
    index: int  # 0 = as loaded
    description: str
    current: bool
    undone: bool  # on the redo side


@dataclass(frozen=True)
class SaveRequest:
    #: (file, 1-based document, new text or None to delete the document)
    edits: list[tuple[str, int, str | None]]
    #: (file, text) appended to that file (created if missing)
    new_docs: list[tuple[str, str]]
    #: what cannot be written back in place, for users
    problems: list[str]

    @property
    def empty(self) -> bool:
        return not self.edits and not self.new_docs


def autosave_path(inputs: Iterable[str | os.PathLike[str]], config_dir: str | None = None) -> Path:
    """``$XDG_CONFIG_HOME/netviz/autosave/<hash>.json``; the hash is the layout session's."""
    from netviz.viewmodel.layout import session_path

    p = session_path(inputs, config_dir)
    return p.parent.parent / "autosave" / p.name


def rename_in_text(text: str, new_name: str) -> str | None:
    """``text`` with ``metadata.name`` set to ``new_name`` (comments and layout kept), or None
    when the line cannot be found safely."""
    lines = text.split("\n")
    in_meta = False
    meta_indent = 0
    child_indent: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        indent = len(line) - len(line.lstrip(" "))
        if not in_meta:
            if stripped == "metadata:" and indent == 0:
                in_meta, meta_indent = True, indent
            continue
        if indent <= meta_indent:
            return None
        if child_indent is None:
            child_indent = indent
        if indent != child_indent:
            continue
        m = _NAME_LINE.match(line)
        if m:
            lines[i] = f"{m.group(1)}name: {new_name}"
            return "\n".join(lines)
    return None


# --------------------------------------------------------------------------- the session


class EditSession(Observable):
    """The what-if editing session over one loaded baseline. Events (``subscribe``):
    ``"edited"`` (the edited state and its evaluation changed), ``"mode"`` (view mode),
    ``"saved"`` (marked clean)."""

    def __init__(self, baseline: Baseline, parse_policy: ParsePolicy, *,
                 autosave_file: str | os.PathLike[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.baseline = baseline
        self.parse_policy = parse_policy
        self.autosave_file = Path(autosave_file) if autosave_file is not None else None
        self.clock = clock
        self.view_mode = DIFFERENCE
        self._counter = 0
        self._state = self._initial_state()
        self._undo: list[tuple[str, EditState]] = []
        self._redo: list[tuple[str, EditState]] = []
        self._last_merge: tuple[str, float] | None = None
        self._saved_marker: object = self._state
        # evaluation
        self.analyzer: Analyzer = baseline.analyzer
        self.connections: list[Connection] = baseline.connections
        self.difference: list[DiffEntry] = []
        self.changed_pairs: frozenset[tuple[str, str]] | None = frozenset()
        self.generation = 0
        self._labels_key: tuple[Any, ...] = ()
        self._label_analyzers: dict[tuple[Any, ...], Analyzer] = {}
        self._base_pairs = {(c.src.key, c.dst.key): c for c in baseline.connections}
        self._workloads = _connlist.known_names(baseline.analyzer)
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
        for pol in b.cluster.policies:
            origin: Origin | None = None
            in_place = False
            text: str | None = None
            if pol.source is not None:
                origin = (pol.source.file, pol.source.doc)
                rec = records.get(origin)
                if (rec is not None and rec.kind == "NetworkPolicy" and rec.name == pol.name
                        and (rec.namespace or "default") == pol.namespace
                        and origin in b.doc_texts):
                    text, in_place = b.doc_texts[origin], True
            if text is None:
                from netviz.viewmodel.templates import render_policy

                text = render_policy(pol)
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
        return self._state is not self._saved_marker and self._changed_from_baseline()

    def _changed_from_baseline(self) -> bool:
        st = self._state
        return bool(st.labels_key()) or any(
            e.modified or e.deleted or not e.enabled for e in st.entries)

    def changed_entries(self) -> list[PolicyEntry]:
        return [e for e in self._state.entries
                if e.modified or e.deleted or not e.enabled or not e.valid]

    @property
    def labels(self) -> Mapping[LabelTarget, Mapping[str, str | None]]:
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
        items = [HistoryItem(0, "Loaded", not self._undo, False)]
        for i, (desc, _) in enumerate(self._undo, start=1):
            items.append(HistoryItem(i, desc, i == len(self._undo), False))
        n = len(self._undo)
        for j, (desc, _) in enumerate(reversed(self._redo), start=1):
            items.append(HistoryItem(n + j, desc, False, True))
        return items

    @property
    def history_index(self) -> int:
        return len(self._undo)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return self._undo[-1][0] if self._undo else ""

    def redo_text(self) -> str:
        return self._redo[-1][0] if self._redo else ""

    def undo(self) -> bool:
        if not self._undo:
            return False
        desc, before = self._undo.pop()
        self._redo.append((desc, self._state))
        self._last_merge = None
        self._install(before)
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        desc, after = self._redo.pop()
        self._undo.append((desc, self._state))
        self._last_merge = None
        self._install(after)
        return True

    def goto(self, index: int) -> None:
        """Undo or redo until ``index`` edits are applied (0: as loaded); evaluates once."""
        index = max(0, min(index, len(self._undo) + len(self._redo)))
        if index == len(self._undo):
            return
        target = self._state
        while len(self._undo) > index:
            desc, before = self._undo.pop()
            self._redo.append((desc, target))
            target = before
        while len(self._undo) < index:
            desc, after = self._redo.pop()
            self._undo.append((desc, target))
            target = after
        self._last_merge = None
        self._install(target)

    def _commit(self, description: str, new: EditState, merge_key: str | None = None) -> None:
        now = self.clock()
        if (merge_key is not None and self._last_merge is not None and self._undo
                and self._last_merge[0] == merge_key and now - self._last_merge[1] <= MERGE_SECONDS):
            pass  # the previous step covers this one: its "before" stays
        else:
            self._undo.append((description, self._state))
        self._last_merge = (merge_key, now) if merge_key is not None else None
        self._redo.clear()
        self._install(new)

    def _install(self, new: EditState) -> None:
        old = self._state
        self._state = new
        started = time.perf_counter()
        self._evaluate(old, new)
        self.last_seconds = time.perf_counter() - started
        self.emit("edited")

    # ------------------------------------------------------------------ commands
    def _parse(self, text: str, entry: PolicyEntry | None) -> tuple[NetworkPolicy | None,
                                                                      list[Diagnostic]]:
        origin = entry.origin if entry is not None else None
        pol, diags = self.parse_policy(text, origin)
        if pol is not None:
            for other in self._state.entries:
                if (entry is not None and other.id == entry.id) or other.deleted:
                    continue
                if other.policy is not None and other.policy.key == pol.key:
                    diags = [*diags, Diagnostic(
                        Severity.ERROR,
                        f"a policy named {pol.name} already exists in namespace "
                        f"{pol.namespace}; give this one another name",
                        None, None, 1, None, f"NetworkPolicy {pol.key}", "duplicate-policy")]
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
        taken = {x.policy.key for x in self._state.entries
                 if x.policy is not None and not x.deleted}
        base = f"{e.policy.name}-copy"
        name, n = base, 1
        while f"{e.policy.namespace}/{name}" in taken:
            n += 1
            name = f"{base}-{n}"
        text = rename_in_text(e.text, name)
        if text is None:
            from netviz.viewmodel.templates import render_policy

            text = render_policy(replace(e.policy, name=name))
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
    def _relabelled(self, labels: Mapping[LabelTarget, Mapping[str, str | None]]) -> Cluster:
        cl = self.baseline.cluster

        def apply(base: Mapping[str, str], over: Mapping[str, str | None] | None) -> dict[str, str]:
            out = dict(base)
            for k, v in (over or {}).items():
                if v is None:
                    out.pop(k, None)
                else:
                    out[k] = v
            return out

        namespaces: list[Namespace] = []
        for ns in cl.namespaces:
            over = labels.get(("namespace", ns.name))
            namespaces.append(replace(ns, labels=apply(ns.labels, over)) if over else ns)
        pods: list[Pod] = []
        for p in cl.pods:
            over = labels.get(("workload", p.workload_key))
            pods.append(replace(p, labels=apply(p.labels, over)) if over else p)
        workloads: list[Workload] = []
        for w in cl.workloads:
            over = labels.get(("workload", w.key))
            workloads.append(replace(w, labels=apply(w.labels, over)) if over else w)
        return replace(cl, namespaces=tuple(namespaces), pods=tuple(pods),
                       workloads=tuple(workloads))

    def _evaluate(self, old: EditState, new: EditState) -> None:
        prev_an, prev_conns = self.analyzer, self.connections
        policies = new.policies()
        lk = new.labels_key()
        changed: set[tuple[str, str]] | None
        if lk == self._labels_key:
            an = prev_an.with_policies(policies)
            conns = _connlist.connlist_after_edit(prev_an, prev_conns, an)
            changed = _changed_pairs(prev_conns, conns)
        else:
            base = self._label_analyzers.get(lk)
            if base is None:
                if not lk:
                    base = self.baseline.analyzer
                else:
                    base = Analyzer(self._relabelled(new.labels), self.baseline.analyzer.options)
                    self._label_analyzers = {k: v for k, v in self._label_analyzers.items()
                                             if k != lk}
                    if len(self._label_analyzers) >= 4:
                        self._label_analyzers.pop(next(iter(self._label_analyzers)))
                    self._label_analyzers[lk] = base
            an = base.with_policies(policies)
            conns = _connlist.connlist(an)
            changed = None
            self._labels_key = lk
        self.analyzer, self.connections = an, conns
        if changed is None:
            self.difference = diff(self.baseline.connections, conns, self._workloads,
                                   self._workloads)
        elif changed:
            self.difference = self._diff_update(changed, conns)
        self.changed_pairs = frozenset(changed) if changed is not None else None
        self.generation += 1

    def diff_result(self) -> DiffResult:
        """The difference as ``netviz diff`` reports it (for the Markdown review report)."""
        b = self.baseline
        return DiffResult(self.difference, unchanged(b.connections, self.connections),
                          frozenset(self._workloads), frozenset(self._workloads),
                          _connlist.option_notes(self.analyzer))

    def _diff_update(self, changed: set[tuple[str, str]],
                     conns: list[Connection]) -> list[DiffEntry]:
        """The difference after an edit that changed only ``changed`` pairs: ``diff`` again
        on the part of both sides those pairs belong to, the rest kept. ``diff`` treats
        workload pairs one by one; external ranges it aligns and merges per workload and
        direction into maximal ranges of equal (before, after) — which do not depend on other
        workloads' ranges — so a changed external pair takes every external connection of
        its workload on that side along."""
        pairs: set[tuple[str, str]] = set()
        groups: set[tuple[str, str]] = set()
        for a, b in changed:
            if is_external_key(a):
                groups.add((b, "in"))
            elif is_external_key(b):
                groups.add((a, "out"))
            else:
                pairs.add((a, b))

        def touched(src: PeerNode, dst: PeerNode) -> bool:
            if src.is_external:
                return (dst.key, "in") in groups
            if dst.is_external:
                return (src.key, "out") in groups
            return (src.key, dst.key) in pairs

        before = [c for c in self.baseline.connections if touched(c.src, c.dst)] if groups \
            else [self._base_pairs[k] for k in pairs if k in self._base_pairs]
        after = [c for c in conns if touched(c.src, c.dst)]
        fresh = diff(before, after, self._workloads, self._workloads)
        kept = [e for e in self.difference if not touched(e.src, e.dst)]
        merged = kept + fresh
        merged.sort(key=lambda e: (_DIFF_ORDER[e.kind], e.src.key, e.dst.key))
        return merged

    def set_options(self, options: Options) -> None:
        """Evaluate baseline and edits under other options (a full evaluation)."""
        if options == self.baseline.analyzer.options:
            return
        b = self.baseline
        b.analyzer = Analyzer(b.cluster, options)
        b.connections = _connlist.connlist(b.analyzer)
        self._base_pairs = {(c.src.key, c.dst.key): c for c in b.connections}
        self._label_analyzers.clear()
        self.analyzer, self.connections = b.analyzer, b.connections
        self._labels_key = ()
        self._evaluate(self._state, self._state)
        self.changed_pairs = None
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
    def _new_file_for(self, namespace: str) -> str | None:
        real = [f for f in self.baseline.files if not f.startswith("<")]
        for e in self._state.entries:
            if (e.origin is not None and e.in_place and e.policy is not None
                    and e.policy.namespace == namespace):
                return e.origin[0]
        for e in self._state.entries:
            if e.origin is not None and e.in_place:
                return e.origin[0]
        return real[0] if real else None

    def invalid_entries(self) -> list[PolicyEntry]:
        return [e for e in self._state.entries if not e.deleted and not e.valid]

    def save_request(self, disabled: str = "keep", new_file: str | None = None) -> SaveRequest:
        """What saving into the original files writes (see the module docstring).
        ``disabled``: ``"keep"`` (disabled policies stay in their files as they are edited)
        or ``"remove"`` (their documents are deleted). Raises ``EditError`` when a policy is
        invalid (nothing is written then)."""
        if disabled not in ("keep", "remove"):
            raise ValueError("disabled must be 'keep' or 'remove'")
        bad = self.invalid_entries()
        if bad:
            raise EditError("fix these policies first (their YAML has errors): "
                            + ", ".join(e.key for e in bad))
        edits: list[tuple[str, int, str | None]] = []
        new_docs: list[tuple[str, str]] = []
        problems: list[str] = []
        for e in self._state.entries:
            remove = e.deleted or (disabled == "remove" and not e.enabled)
            if e.is_new:
                if remove:
                    continue
                target = new_file or self._new_file_for(e.policy.namespace if e.policy else "")
                if target is None:
                    problems.append(f"{e.key} is new and there is no file to add it to: "
                                    "use Save As")
                    continue
                new_docs.append((target, e.text))
                continue
            assert e.origin is not None
            if not remove and not e.modified:
                continue
            if not e.in_place:
                problems.append(
                    f"{e.key} comes from {e.origin[0]} (document {e.origin[1]}), which holds "
                    "more than this policy or cannot be written (a List, a snapshot, stdin): "
                    + ("delete it there by hand" if remove else "use Save As"))
                continue
            edits.append((e.origin[0], e.origin[1], None if remove else e.text))
        return SaveRequest(edits, new_docs, problems)

    def documents(self, only_changed: bool = False) -> list[tuple[str, str]]:
        """(key, text) of every live policy (or only new and modified ones), for Save As."""
        out = []
        for e in self._state.entries:
            if e.deleted or not e.enabled or e.policy is None:
                continue
            if only_changed and not (e.is_new or e.modified):
                continue
            out.append((e.key, e.text))
        return out

    def mark_saved(self) -> None:
        self._saved_marker = self._state
        self.clear_autosave()
        self.emit("saved")

    # ------------------------------------------------------------------ autosave
    def to_dict(self) -> dict[str, Any]:
        st = self._state
        entries = []
        for e in st.entries:
            if not (e.is_new or e.modified or e.deleted or not e.enabled):
                continue
            entries.append({
                "key": e.key, "text": e.text, "enabled": e.enabled, "deleted": e.deleted,
                "origin": list(e.origin) if e.origin else None,
                "baseline_text": e.baseline_text,
            })
        labels = [{"target": list(t), "labels": dict(v)} for t, v in st.labels.items() if v]
        return {"format": AUTOSAVE_FORMAT, "version": AUTOSAVE_VERSION,
                "inputs": [str(p) for p in self.baseline.inputs], "saved": time.time(),
                "entries": entries, "labels": labels,
                "history": [d for d, _ in self._undo]}

    def autosave(self) -> Path | None:
        """Write the edited state to ``autosave_file`` (removed when nothing is edited)."""
        path = self.autosave_file
        if path is None:
            return None
        if not self._changed_from_baseline():
            self.clear_autosave()
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.to_dict(), indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".autosave-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    def clear_autosave(self) -> None:
        if self.autosave_file is not None:
            try:
                self.autosave_file.unlink()
            except FileNotFoundError:
                pass

    @staticmethod
    def read_autosave(path: str | os.PathLike[str]) -> dict[str, Any] | None:
        """The autosaved data, or None when there is none (or it is not ours)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != AUTOSAVE_FORMAT:
            return None
        return data

    def restore(self, data: Mapping[str, Any] | str | os.PathLike[str]) -> int:
        """Put an autosaved state back (one undoable step). Returns how many policies and
        label targets were restored (0: nothing to restore)."""
        if not isinstance(data, Mapping):
            got = self.read_autosave(data)
            if got is None:
                return 0
            data = got
        entries = list(self._state.entries)
        by_origin = {e.origin: i for i, e in enumerate(entries) if e.origin is not None}
        by_key = {e.key: i for i, e in enumerate(entries)}
        count = 0
        for item in data.get("entries", []):
            text = str(item.get("text", ""))
            origin = tuple(item["origin"]) if item.get("origin") else None
            idx = None
            if origin is not None:
                i = by_origin.get(origin)
                if i is not None and entries[i].baseline_text == item.get("baseline_text"):
                    idx = i
                elif item.get("key") in by_key and not entries[by_key[item["key"]]].is_new:
                    idx = by_key[item["key"]]
            if idx is None:
                pol, diags = self.parse_policy(text, None)
                entries.append(PolicyEntry(self._new_id("n"), text, pol, pol is not None,
                                           tuple(diags), bool(item.get("enabled", True))))
            else:
                e = entries[idx]
                pol, diags = (e.policy, list(e.diagnostics)) if text == e.text else \
                    self.parse_policy(text, e.origin)
                entries[idx] = replace(
                    e, text=text, policy=pol if pol is not None else e.policy,
                    valid=pol is not None, diagnostics=tuple(diags),
                    enabled=bool(item.get("enabled", True)),
                    deleted=bool(item.get("deleted", False)))
            count += 1
        labels = dict(self._state.labels)
        known_ns = {ns.name for ns in self.baseline.cluster.namespaces}
        known_wl = set(self._workloads)
        for item in data.get("labels", []):
            t = tuple(item.get("target", ()))
            if len(t) != 2 or not isinstance(item.get("labels"), dict):
                continue
            if (t[0] == "namespace" and t[1] in known_ns) or (t[0] == "workload" and t[1] in known_wl):
                labels[t] = {str(k): (None if v is None else str(v))
                             for k, v in item["labels"].items()}
                count += 1
        if count:
            self._commit("Restore autosaved edits", EditState(tuple(entries), labels))
        return count


def _unsourced(policy: NetworkPolicy) -> NetworkPolicy:
    def rules(rs: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(replace(r, source=None, peers=tuple(replace(p, source=None)
                                                          for p in r.peers)) for r in rs)

    return replace(policy, source=None, ingress=rules(policy.ingress),
                   egress=rules(policy.egress))


def same_policy(a: NetworkPolicy, b: NetworkPolicy) -> bool:
    """Equal but for where they were written (``source`` of the policy, rules, peers)."""
    return a is b or _unsourced(a) == _unsourced(b)


def _changed_pairs(prev: Sequence[Connection], new: Sequence[Connection]) -> set[tuple[str, str]]:
    """Peer pairs whose connections differ. Unchanged connections are usually the very same
    objects (``connlist_after_edit`` keeps them), so only the others are compared."""
    prev_ids = {id(c) for c in prev}
    new_ids = {id(c) for c in new}
    gone = {(c.src.key, c.dst.key): c.connections for c in prev if id(c) not in new_ids}
    out: set[tuple[str, str]] = set()
    fresh_keys = set()
    for c in new:
        if id(c) in prev_ids:
            continue
        k = (c.src.key, c.dst.key)
        fresh_keys.add(k)
        if gone.get(k) != c.connections:
            out.add(k)
    out.update(k for k in gone if k not in fresh_keys)
    return out


__all__ = [
    "BASELINE",
    "DIFFERENCE",
    "EDITED",
    "VIEW_MODES",
    "Baseline",
    "EditError",
    "EditSession",
    "EditState",
    "HistoryItem",
    "PolicyEntry",
    "SaveRequest",
    "autosave_path",
    "rename_in_text",
]

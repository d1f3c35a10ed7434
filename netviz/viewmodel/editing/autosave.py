"""Autosave and crash recovery of an editing session: the edited state as plain data and back.

Rules this module keeps:
- ``to_dict`` keeps only what differs from the baseline: changed, new, deleted and disabled
  policies (each with the baseline text of its document) and label overrides, plus the
  inputs, the time and the history's descriptions. ``format``/``version`` mark it as ours.
- ``restore_state`` puts such data back onto a state: a document is matched by (file,
  document) when its loaded text is still the one recorded, else by namespace/name, else the
  policy comes back as a new one: text is never dropped. Labels of namespaces and workloads
  that no longer exist are left out. It returns the new state and how many policies and label
  targets it restored; the session installs it as one undoable step.
- No files here: an ``AutosaveStore`` (``netviz.io.appfiles.JsonFile``) writes and reads the
  data atomically; the session is given one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from netviz.viewmodel.editing.state import (
    Baseline,
    EditState,
    LabelTarget,
    ParsePolicy,
    PolicyEntry,
)

AUTOSAVE_FORMAT = "netviz-edit-session"
AUTOSAVE_VERSION = 1


class AutosaveStore(Protocol):
    """Where a session's autosave lives (``netviz.io.appfiles.JsonFile`` is one)."""

    @property
    def path(self) -> Path: ...

    def write(self, data: Mapping[str, Any]) -> None:
        """Replace the stored data atomically."""
        ...

    def read(self) -> Any:
        """The stored data (any JSON value), or None when there is none or it is unreadable."""
        ...

    def clear(self) -> None:
        """Remove the stored data (nothing to do when there is none)."""
        ...

    def read_checked(self) -> tuple[Any, str | None]:
        """(data, problem): (None, None) when there is nothing stored, (None, why) when what
        is stored cannot be read."""
        ...

    def set_aside(self) -> Path | None:
        """Move corrupt stored data out of the way (kept for the user); where it went, or
        None when it could only be removed."""
        ...


def problem(data: Any) -> str | None:
    """Why ``data`` (read from an autosave file) is not an autosave ``restore_state`` can put
    back, or None. A file of ours with a wrong shape is corrupt: it is set aside, never a
    crash at start-up."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if data.get("format") != AUTOSAVE_FORMAT:
        return "it is not a netviz edit autosave"
    entries, labels = data.get("entries", []), data.get("labels", [])
    if not isinstance(entries, list) or not isinstance(labels, list):
        return "its entries or labels are not lists"
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("text", ""), str):
            return f"entry {i} is not a policy edit"
        origin = e.get("origin")
        if origin is not None and not (isinstance(origin, list) and len(origin) == 2
                                       and isinstance(origin[0], str)
                                       and isinstance(origin[1], int)):
            return f"entry {i} has an origin that is not [file, document]"
        for key in ("key", "baseline_text"):
            if e.get(key) is not None and not isinstance(e[key], str):
                return f"entry {i}: {key} is not a string"
    for i, item in enumerate(labels):
        if not isinstance(item, dict) or not isinstance(item.get("labels"), dict):
            return f"label entry {i} is not a label edit"
        target = item.get("target")
        if not (isinstance(target, list) and len(target) == 2
                and all(isinstance(t, str) for t in target)):
            return f"label entry {i} has no [kind, name] target"
    return None


def to_dict(state: EditState, baseline: Baseline, history: list[str]) -> dict[str, Any]:
    entries = []
    for e in state.entries:
        if not e.changed:
            continue
        entries.append({
            "key": e.key, "text": e.text, "enabled": e.enabled, "deleted": e.deleted,
            "origin": list(e.origin) if e.origin else None,
            "baseline_text": e.baseline_text,
        })
    labels = [{"target": list(t), "labels": dict(v)} for t, v in state.labels.items() if v]
    return {"format": AUTOSAVE_FORMAT, "version": AUTOSAVE_VERSION,
            "inputs": [str(p) for p in baseline.inputs], "saved": time.time(),
            "entries": entries, "labels": labels, "history": history}


def checked(data: Any) -> dict[str, Any] | None:
    """``data`` when it is an autosave of ours, else None."""
    if not isinstance(data, dict) or data.get("format") != AUTOSAVE_FORMAT:
        return None
    return data


def restore_state(state: EditState, data: Mapping[str, Any], *, parse_policy: ParsePolicy,
                  new_id: Callable[[str], str], namespaces: Collection[str],
                  workloads: Collection[str]) -> tuple[EditState, int]:
    """``state`` with the autosaved ``data`` put back (see the module docstring), and how
    many policies and label targets were restored."""
    entries = list(state.entries)
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
            pol, diags = parse_policy(text, None)
            entries.append(PolicyEntry(new_id("n"), text, pol, pol is not None,
                                       tuple(diags), bool(item.get("enabled", True))))
        else:
            e = entries[idx]
            pol, diags = (e.policy, list(e.diagnostics)) if text == e.text else \
                parse_policy(text, e.origin)
            entries[idx] = replace(
                e, text=text, policy=pol if pol is not None else e.policy,
                valid=pol is not None, diagnostics=tuple(diags),
                enabled=bool(item.get("enabled", True)),
                deleted=bool(item.get("deleted", False)))
        count += 1
    labels: dict[LabelTarget, Mapping[str, str | None]] = dict(state.labels)
    for item in data.get("labels", []):
        t = tuple(item.get("target", ()))
        if len(t) != 2 or not isinstance(item.get("labels"), dict):
            continue
        if (t[0] == "namespace" and t[1] in namespaces) or (
                t[0] == "workload" and t[1] in workloads):
            labels[(str(t[0]), str(t[1]))] = {str(k): (None if v is None else str(v))
                                              for k, v in item["labels"].items()}
            count += 1
    return EditState(tuple(entries), labels), count

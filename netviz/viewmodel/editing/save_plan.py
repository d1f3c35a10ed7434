"""What saving an editing session writes: a plan, no files (``netviz.io.save`` writes them).

Rules this module keeps:
- ``save_request(state, baseline, disabled=..., new_file=...)`` lists ``(file, doc, text |
  None)`` for loaded policies whose document holds only that policy (changed text, deleted,
  or disabled-and-removed), and ``(file, text)`` for new policies. New policies go to
  ``new_file`` when given, else to the file that holds other policies of their namespace (a
  cluster-scoped policy: other cluster-scoped ones), else
  to the first file that holds any policy, else the first input file.
- Policies that cannot be written in place (an item of a ``List``, a snapshot, stdin) are
  reported in ``problems`` for users: "use Save As".
- A disabled policy stays in its file unless ``disabled="remove"`` (the GUI asks the user):
  disabling is a what-if, not a decision to delete. An invalid policy refuses the whole save
  (``EditError``): the user's text is never written half-checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.viewmodel.editing.state import (
    Baseline,
    EditError,
    EditState,
    PolicyEntry,
    policy_namespace,
)


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


def invalid_entries(state: EditState) -> list[PolicyEntry]:
    return [e for e in state.entries if not e.deleted and not e.valid]


def _new_file_for(state: EditState, baseline: Baseline, namespace: str) -> str | None:
    real = [f for f in baseline.files if not f.startswith("<")]
    for e in state.entries:
        if (e.origin is not None and e.in_place and e.policy is not None
                and policy_namespace(e.policy) == namespace):
            return e.origin[0]
    for e in state.entries:
        if e.origin is not None and e.in_place:
            return e.origin[0]
    return real[0] if real else None


def save_request(state: EditState, baseline: Baseline, disabled: str = "keep",
                 new_file: str | None = None) -> SaveRequest:
    """What saving into the original files writes (see the module docstring).
    ``disabled``: ``"keep"`` (disabled policies stay in their files as they are edited)
    or ``"remove"`` (their documents are deleted). Raises ``EditError`` when a policy is
    invalid (nothing is written then)."""
    if disabled not in ("keep", "remove"):
        raise ValueError("disabled must be 'keep' or 'remove'")
    bad = invalid_entries(state)
    if bad:
        raise EditError("fix these policies first (their YAML has errors): "
                        + ", ".join(e.key for e in bad))
    edits: list[tuple[str, int, str | None]] = []
    new_docs: list[tuple[str, str]] = []
    problems: list[str] = []
    for e in state.entries:
        remove = e.deleted or (disabled == "remove" and not e.enabled)
        if e.is_new:
            if remove:
                continue
            target = new_file or _new_file_for(state, baseline,
                                               policy_namespace(e.policy))
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


def documents(state: EditState, only_changed: bool = False) -> list[tuple[str, str]]:
    """(key, text) of every live policy (or only new and modified ones), for Save As."""
    out = []
    for e in state.entries:
        if e.deleted or not e.enabled or e.policy is None:
            continue
        if only_changed and not (e.is_new or e.modified):
            continue
        out.append((e.key, e.text))
    return out

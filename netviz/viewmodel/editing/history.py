"""Undo/redo of an editing session: a stack of immutable ``EditState`` snapshots.

Rules this module keeps:
- ``record(description, before, ...)`` puts the state *before* a command on the undo stack
  and clears the redo stack; ``undo``/``redo``/``goto`` return the state to install and move
  the snapshots between the stacks. Nothing here evaluates or installs anything.
- Consecutive ``record(..., merge_key=k)`` with the same key within ``MERGE_SECONDS`` (by the
  clock given) are one step: typing into a policy is not a hundred undo steps. Any undo, redo
  or goto ends the merge.
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.viewmodel.editing.state import EditState

#: consecutive text edits of one policy closer than this are one undo step
MERGE_SECONDS = 2.0


@dataclass(frozen=True)
class HistoryItem:
    index: int  # 0 = as loaded
    description: str
    current: bool
    undone: bool  # on the redo side


class History:
    def __init__(self) -> None:
        self._undo: list[tuple[str, EditState]] = []
        self._redo: list[tuple[str, EditState]] = []
        self._last_merge: tuple[str, float] | None = None

    def record(self, description: str, before: EditState, now: float,
               merge_key: str | None = None) -> None:
        """A command changed ``before`` into a new state at time ``now``."""
        if (merge_key is not None and self._last_merge is not None and self._undo
                and self._last_merge[0] == merge_key
                and now - self._last_merge[1] <= MERGE_SECONDS):
            pass  # the previous step covers this one: its "before" stays
        else:
            self._undo.append((description, before))
        self._last_merge = (merge_key, now) if merge_key is not None else None
        self._redo.clear()

    def undo(self, current: EditState) -> EditState | None:
        if not self._undo:
            return None
        desc, before = self._undo.pop()
        self._redo.append((desc, current))
        self._last_merge = None
        return before

    def redo(self, current: EditState) -> EditState | None:
        if not self._redo:
            return None
        desc, after = self._redo.pop()
        self._undo.append((desc, current))
        self._last_merge = None
        return after

    def goto(self, index: int, current: EditState) -> EditState | None:
        """The state with ``index`` edits applied (0: as loaded); None when already there."""
        index = max(0, min(index, len(self._undo) + len(self._redo)))
        if index == len(self._undo):
            return None
        target = current
        while len(self._undo) > index:
            desc, before = self._undo.pop()
            self._redo.append((desc, target))
            target = before
        while len(self._undo) < index:
            desc, after = self._redo.pop()
            self._undo.append((desc, target))
            target = after
        self._last_merge = None
        return target

    def items(self) -> list[HistoryItem]:
        items = [HistoryItem(0, "Loaded", not self._undo, False)]
        for i, (desc, _) in enumerate(self._undo, start=1):
            items.append(HistoryItem(i, desc, i == len(self._undo), False))
        n = len(self._undo)
        for j, (desc, _) in enumerate(reversed(self._redo), start=1):
            items.append(HistoryItem(n + j, desc, False, True))
        return items

    def descriptions(self) -> list[str]:
        """The applied steps, oldest first."""
        return [d for d, _ in self._undo]

    @property
    def index(self) -> int:
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

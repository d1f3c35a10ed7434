"""The connectivity difference between two connection lists (before -> after).

Each pair of peers whose allowed connections differ is one ``DiffEntry``:
``changed`` (allowed before and after, but not the same), ``added`` (allowed only after) or
``removed`` (allowed only before). When a peer exists on one side only (a workload added or
removed, not a policy change), the entry says so in ``info`` — the reference analyzer's
"workloads-diff-info" column. Entries are ordered as the reference orders them: changed, then
added, then removed; each group sorted by source and destination key.

The same function drives ``netviz diff`` and the app's difference view, so the two agree by
construction (and a test checks it on the reference scenarios).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, PeerNode

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
_ORDER = {CHANGED: 0, ADDED: 1, REMOVED: 2}


@dataclass(frozen=True)
class DiffEntry:
    kind: str  # changed | added | removed
    src: PeerNode
    dst: PeerNode
    before: ConnectionSet  # "ref1"
    after: ConnectionSet  # "ref2"
    info: str = ""  # e.g. "workload ns/name[Deployment] added"

    @property
    def newly_allowed(self) -> ConnectionSet:
        return self.after - self.before

    @property
    def newly_denied(self) -> ConnectionSet:
        return self.before - self.after


def _peer_info(src: PeerNode, dst: PeerNode, only: set[str], word: str) -> str:
    names = [p.key for p in (src, dst) if not p.is_external and p.key in only]
    if not names:
        return ""
    return f"workload {' and '.join(names)} {word}"


def diff(
    before: Iterable[Connection],
    after: Iterable[Connection],
    before_workloads: Iterable[str] = (),
    after_workloads: Iterable[str] = (),
) -> list[DiffEntry]:
    """``before_workloads``/``after_workloads``: workload keys that exist on each side (to tell
    a workload added or removed from a connection added or removed)."""
    a = {(c.src.key, c.dst.key): c for c in before}
    b = {(c.src.key, c.dst.key): c for c in after}
    wa, wb = set(before_workloads), set(after_workloads)
    only_a, only_b = wa - wb, wb - wa
    out: list[DiffEntry] = []
    for key in a.keys() | b.keys():
        ca, cb = a.get(key), b.get(key)
        if ca is not None and cb is not None:
            if ca.connections != cb.connections:
                out.append(DiffEntry(CHANGED, ca.src, ca.dst, ca.connections, cb.connections))
        elif cb is not None:
            out.append(DiffEntry(ADDED, cb.src, cb.dst, ConnectionSet.none(), cb.connections,
                                 _peer_info(cb.src, cb.dst, only_b, "added")))
        elif ca is not None:
            out.append(DiffEntry(REMOVED, ca.src, ca.dst, ca.connections, ConnectionSet.none(),
                                 _peer_info(ca.src, ca.dst, only_a, "removed")))
    out.sort(key=lambda e: (_ORDER[e.kind], e.src.key, e.dst.key))
    return out

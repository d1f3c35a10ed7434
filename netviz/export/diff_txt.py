"""The reference txt diff format.

``Connectivity diff:``, then one line per changed, added or removed pair::

    diff-type: changed, source: ns/a[Deployment], destination: ns/b[Deployment], ref1: TCP 80, ref2: All Connections
    diff-type: added, source: ..., ref1: No Connections, ref2: TCP 8080, workloads-diff-info: workload ns/c[Deployment] added

ordered changed, added, removed, each sorted by source then destination, the
``{ingress-controller}`` entries last (``DiffResult`` order). ``ref1`` is the first input (before), ``ref2`` the second (after). Every line ends
with ``\\n``. No difference at all: the empty string (the reference prints nothing then, in
every format). Non-default options: ``#`` lines at the top.
"""

from __future__ import annotations

from netviz.engine.diff import DiffEntry, DiffResult
from netviz.export.printable import printable

HEADER = "Connectivity diff:"


def line(e: DiffEntry) -> str:
    text = (
        f"diff-type: {e.kind}, source: {e.src.key}, destination: {e.dst.key}, "
        f"ref1: {e.before}, ref2: {e.after}"
    )
    if e.info:
        text += f", workloads-diff-info: {e.info}"
    return printable(text)


def render(result: DiffResult) -> str:
    if result.is_empty:
        return ""
    lines = [f"# {note}" for note in result.notes]
    lines.append(HEADER)
    lines += [line(e) for e in result.entries]
    return "".join(ln + "\n" for ln in lines)

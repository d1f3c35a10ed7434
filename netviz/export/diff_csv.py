"""The reference csv diff format: a
``diff-type,source,destination,ref1,ref2,workloads-diff-info`` header and one row per entry
(same order as txt), ``\\n`` line ends, fields quoted as Go's ``encoding/csv`` quotes them
(``netviz.export.csv_format.quote``; ``"TCP 80,UDP 53"``). No difference: the empty string.
Non-default options: ``#`` lines at the top.
"""

from __future__ import annotations

from netviz.engine.diff import DiffEntry, DiffResult
from netviz.export.csv_format import row

HEADER = ["diff-type", "source", "destination", "ref1", "ref2", "workloads-diff-info"]


def fields(e: DiffEntry) -> list[str]:
    return [e.kind, e.src.key, e.dst.key, str(e.before), str(e.after), e.info]


def render(result: DiffResult) -> str:
    if result.is_empty:
        return ""
    out = [f"# {note}\n" for note in result.notes]
    out.append(row(HEADER))
    out += [row(fields(e)) for e in result.entries]
    return "".join(out)

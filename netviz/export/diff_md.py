"""The reference md diff format: a table
``| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |`` with one row per
entry (same order as txt); an empty info cell is written ``|  |``. Lines are joined with
``\\n`` and, as in the reference, the text does *not* end with a newline. No difference: the
empty string. Non-default options: a ``>`` quote and a blank line above the table.
"""

from __future__ import annotations

from netviz.engine.diff import DiffEntry, DiffResult
from netviz.export.md import cell

HEADER = (
    "| diff-type | source | destination | ref1 | ref2 | workloads-diff-info |\n"
    "|-----------|--------|-------------|------|------|---------------------|"
)


def row(e: DiffEntry) -> str:
    fields = [e.kind, e.src.key, e.dst.key, str(e.before), str(e.after), e.info]
    return "| " + " | ".join(cell(f) for f in fields) + " |"


def render(result: DiffResult) -> str:
    if result.is_empty:
        return ""
    lines = [f"> {cell(note)}" for note in result.notes]
    if lines:
        lines.append("")
    lines.append(HEADER)
    lines += [row(e) for e in result.entries]
    return "\n".join(lines)

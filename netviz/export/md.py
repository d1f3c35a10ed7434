"""The reference md format: a markdown table ``| src | dst | conn |`` (``| src | dst |`` with a
protocol/port focus), one row per connection, ``\\n`` line ends.

A ``|`` inside a cell is written ``\\|`` (Kubernetes names never contain one, so reference
outputs are unaffected). Non-default options appear as a ``>`` quote above the table.
"""

from __future__ import annotations

from netviz.engine.connlist import ConnList
from netviz.export.printable import printable


def cell(text: str) -> str:
    return printable(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def row(fields: list[str]) -> str:
    return "| " + " | ".join(cell(f) for f in fields) + " |\n"


def render(result: ConnList) -> str:
    out = [f"> {cell(note)}\n" for note in result.notes]
    if out:
        out.append("\n")
    if result.focus.by_port:
        out.append("| src | dst |\n|-----|-----|\n")
        out += [row([c.src.key, c.dst.key]) for c in result.connections]
    else:
        out.append("| src | dst | conn |\n|-----|-----|------|\n")
        out += [row([c.src.key, c.dst.key, str(c.connections)]) for c in result.connections]
    return "".join(out)

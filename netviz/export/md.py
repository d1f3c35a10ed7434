"""The reference md format: a markdown table ``| src | dst | conn |`` (``| src | dst |`` with a
protocol/port focus), one row per connection, ``\\n`` line ends.

A ``|`` inside a cell is written ``\\|`` (Kubernetes names never contain one, so reference
outputs are unaffected). Non-default options appear as a ``>`` quote above the table.
"""

from __future__ import annotations

from collections.abc import Iterator

from netviz.engine.connlist import ConnList
from netviz.export.printable import printable


def cell(text: str) -> str:
    return printable(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def row(fields: list[str]) -> str:
    return "| " + " | ".join(cell(f) for f in fields) + " |\n"


def render(result: ConnList) -> str:
    return "".join(chunks(result))


def chunks(result: ConnList, size: int = 8192) -> Iterator[str]:
    """The text in pieces of up to ``size`` rows, computed while it is written."""
    out = [f"> {cell(note)}\n" for note in result.notes]
    if out:
        out.append("\n")
    by_port = result.focus.by_port
    if by_port:
        out.append("| src | dst |\n|-----|-----|\n")
    else:
        out.append("| src | dst | conn |\n|-----|-----|------|\n")
    keys: dict[str, str] = {}
    texts: dict[object, str] = {}

    def key(k: str) -> str:
        got = keys.get(k)
        if got is None:
            got = keys[k] = cell(k)
        return got

    for c in result.connections:
        if by_port:
            out.append(f"| {key(c.src.key)} | {key(c.dst.key)} |\n")
        else:
            t = texts.get(c.connections)
            if t is None:
                t = texts[c.connections] = cell(str(c.connections))
            out.append(f"| {key(c.src.key)} | {key(c.dst.key)} | {t} |\n")
        if len(out) >= size:
            yield "".join(out)
            out.clear()
    if out:
        yield "".join(out)

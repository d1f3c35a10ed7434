"""The reference csv format: a ``src,dst,conn`` header (``src,dst`` with a protocol/port
focus), one row per connection, ``\\n`` line ends.

Fields are quoted the way Go's ``encoding/csv`` does (the reference is written in Go): a field
is quoted when it contains a comma, a double quote, CR or LF, or starts with white space;
quotes inside are doubled. ``TCP 80,UDP 53`` is therefore written ``"TCP 80,UDP 53"``. Named
``csv_format`` so it does not shadow the standard library's ``csv``.
"""

from __future__ import annotations

from netviz.engine.connlist import ConnList
from netviz.export.printable import printable


def quote(field: str) -> str:
    field = printable(field)
    if field == "":
        return field
    if any(ch in field for ch in ',"\r\n') or field[0].isspace():
        return '"' + field.replace('"', '""') + '"'
    return field


def row(fields: list[str]) -> str:
    return ",".join(quote(f) for f in fields) + "\n"


def render(result: ConnList) -> str:
    out = [f"# {note}\n" for note in result.notes]
    if result.focus.by_port:
        out.append(row(["src", "dst"]))
        out += [row([c.src.key, c.dst.key]) for c in result.connections]
    else:
        out.append(row(["src", "dst", "conn"]))
        out += [row([c.src.key, c.dst.key, str(c.connections)]) for c in result.connections]
    return "".join(out)

"""The reference csv format: a ``src,dst,conn`` header (``src,dst`` with a protocol/port
focus), one row per connection, ``\\n`` line ends.

Fields are quoted the way Go's ``encoding/csv`` does (the reference is written in Go): a field
is quoted when it contains a comma, a double quote, CR or LF, or starts with white space;
quotes inside are doubled. ``TCP 80,UDP 53`` is therefore written ``"TCP 80,UDP 53"``. Named
``csv_format`` so it does not shadow the standard library's ``csv``.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    return "".join(chunks(result))


def chunks(result: ConnList, size: int = 8192) -> Iterator[str]:
    """The text in pieces of up to ``size`` rows, computed while it is written."""
    out = [f"# {note}\n" for note in result.notes]
    by_port = result.focus.by_port
    out.append(row(["src", "dst"] if by_port else ["src", "dst", "conn"]))
    keys: dict[str, str] = {}
    texts: dict[object, str] = {}

    def key(k: str) -> str:
        got = keys.get(k)
        if got is None:
            got = keys[k] = quote(k)
        return got

    for c in result.connections:
        if by_port:
            out.append(f"{key(c.src.key)},{key(c.dst.key)}\n")
        else:
            t = texts.get(c.connections)
            if t is None:
                t = texts[c.connections] = quote(str(c.connections))
            out.append(f"{key(c.src.key)},{key(c.dst.key)},{t}\n")
        if len(out) >= size:
            yield "".join(out)
            out.clear()
    if out:
        yield "".join(out)

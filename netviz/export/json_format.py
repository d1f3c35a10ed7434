"""The reference json format: a list of ``{"src", "dst", "conn"}`` objects (``conn`` left out
with a protocol/port focus), indented by two spaces, no newline at the end; ``[]`` when empty.

Strings are escaped as Go's ``encoding/json`` does (the reference is written in Go): non-ASCII
stays as is, and ``<``, ``>``, ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``.
With a non-default option the list becomes ``{"netviz_options": [...], "connlist_results":
[...]}`` (see ``netviz.export``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from netviz.engine.connlist import ConnList

_BIDI = re.compile("[\x80-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def dumps(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # Go's encoding/json also escapes the line and paragraph separators; the bidi controls
    # (which reorder what a terminal shows) are escaped too, like every text netviz prints
    if _BIDI.search(text):
        text = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def items(result: ConnList) -> list[dict[str, str]]:
    if result.focus.by_port:
        return [{"src": c.src.key, "dst": c.dst.key} for c in result.connections]
    return [
        {"src": c.src.key, "dst": c.dst.key, "conn": str(c.connections)}
        for c in result.connections
    ]


def render(result: ConnList) -> str:
    return "".join(chunks(result))


def chunks(result: ConnList, size: int = 4096) -> Iterator[str]:
    """``dumps(data)`` (``json.dumps(indent=2)`` with Go's escapes) written item by item, so
    that the connections can be a stream: the same bytes, never the whole list in memory."""
    pad = "  "
    if result.notes:
        yield "{\n" + f'{pad}"netviz_options": ' + _indent(dumps(list(result.notes)), pad)
        yield f',\n{pad}"connlist_results": '
        tail = "\n}"
        pad = "    "
    else:
        tail = ""
    strings: dict[str, str] = {}

    def s(text: str) -> str:
        got = strings.get(text)
        if got is None:
            got = strings[text] = dumps(text)
        return got

    by_port = result.focus.by_port
    out: list[str] = []
    first = True
    inner = pad + "  "
    for c in result.connections:
        head = "[\n" if first else ",\n"
        first = False
        if by_port:
            out.append(f'{head}{pad}{{\n{inner}"src": {s(c.src.key)},\n'
                       f'{inner}"dst": {s(c.dst.key)}\n{pad}}}')
        else:
            out.append(f'{head}{pad}{{\n{inner}"src": {s(c.src.key)},\n'
                       f'{inner}"dst": {s(c.dst.key)},\n{inner}"conn": '
                       f'{s(str(c.connections))}\n{pad}}}')
        if len(out) >= size:
            yield "".join(out)
            out.clear()
    out.append("[]" if first else "\n" + pad[:-2] + "]")
    yield "".join(out) + tail


def _indent(text: str, pad: str) -> str:
    """A nested value of ``json.dumps(indent=2)``: every line after the first indented."""
    return text.replace("\n", "\n" + pad)

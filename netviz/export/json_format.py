"""The reference json format: a list of ``{"src", "dst", "conn"}`` objects (``conn`` left out
with a protocol/port focus), indented by two spaces, no newline at the end; ``[]`` when empty.

Strings are escaped as Go's ``encoding/json`` does (the reference is written in Go): non-ASCII
stays as is, and ``<``, ``>``, ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``.
With a non-default option the list becomes ``{"netviz_options": [...], "connlist_results":
[...]}`` (see ``netviz.export``).
"""

from __future__ import annotations

import json
from typing import Any

from netviz.engine.connlist import ConnList


def dumps(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def items(result: ConnList) -> list[dict[str, str]]:
    if result.focus.by_port:
        return [{"src": c.src.key, "dst": c.dst.key} for c in result.connections]
    return [
        {"src": c.src.key, "dst": c.dst.key, "conn": str(c.connections)}
        for c in result.connections
    ]


def render(result: ConnList) -> str:
    data: Any = items(result)
    if result.notes:
        data = {"netviz_options": list(result.notes), "connlist_results": data}
    return dumps(data)

"""The reference txt format: ``src => dst : conn`` per line, sorted.

With a protocol/port focus the reference prints ``Permitted connections on UDP 52:`` and then
``src => dst`` lines (the connection is in the heading).
"""

from __future__ import annotations

from netviz.engine.connlist import ConnList
from netviz.export.printable import printable


def render(result: ConnList) -> str:
    lines = [f"# {printable(note)}" for note in result.notes]
    keys: dict[str, str] = {}  # one printable() per distinct key

    def key(k: str) -> str:
        got = keys.get(k)
        if got is None:
            got = keys[k] = printable(k)
        return got

    if result.focus.by_port:
        lines.append(f"Permitted connections on {result.focus.protocol} {result.focus.port}:")
        lines += [f"{key(c.src.key)} => {key(c.dst.key)}" for c in result.connections]
    else:
        text: dict[object, str] = {}  # one str() per distinct connection set
        for c in result.connections:
            t = text.get(c.connections)
            if t is None:
                t = text[c.connections] = str(c.connections)
            lines.append(f"{key(c.src.key)} => {key(c.dst.key)} : {t}")
    return "".join(line + "\n" for line in lines)

"""The reference txt format: ``src => dst : conn`` per line, sorted.

With a protocol/port focus the reference prints ``Permitted connections on UDP 52:`` and then
``src => dst`` lines (the connection is in the heading).
"""

from __future__ import annotations

from collections.abc import Iterator

from netviz.engine.connlist import ConnectionStream, ConnList, PeerNode
from netviz.export.printable import printable

#: lines per chunk when streaming
CHUNK = 8192


def render(result: ConnList) -> str:
    return "".join(chunks(result))


def chunks(result: ConnList) -> Iterator[str]:
    """The text in pieces of up to ``CHUNK`` lines, computed while it is written (the
    connections may be a stream of millions)."""
    head = [f"# {printable(note)}\n" for note in result.notes]
    # one printable() per distinct key, one str() per distinct connection set: by object
    # (peers and connection sets are shared objects; the cache keeps them alive, so an id is
    # never reused while it is in the cache)
    keys: dict[int, tuple[object, str]] = {}
    texts: dict[int, tuple[object, str]] = {}

    def key(node: PeerNode) -> str:
        got = keys.get(id(node))
        if got is None:
            got = keys[id(node)] = (node, printable(node.key))
        return got[1]

    if result.focus.by_port:
        head.append(f"Permitted connections on {result.focus.protocol} {result.focus.port}:\n")
    if head:
        yield "".join(head)
    buf: list[str] = []
    get_key, get_text = keys.get, texts.get
    by_port = result.focus.by_port
    conns_in = result.connections
    if isinstance(conns_in, ConnectionStream):  # one source at a time, no tuple per connection
        for src, row in conns_in.rows():
            prefix = printable(src.key) + " => "
            for _, dst, conns in row:
                d = get_key(id(dst))
                if by_port:
                    buf.append(f"{prefix}{d[1] if d else key(dst)}\n")
                    continue
                t = get_text(id(conns))
                if t is None:
                    t = texts[id(conns)] = (conns, str(conns))
                buf.append(f"{prefix}{d[1] if d else key(dst)} : {t[1]}\n")
            if len(buf) >= CHUNK:
                yield "".join(buf)
                buf.clear()
        if buf:
            yield "".join(buf)
        return
    for src, dst, conns in result.connections:
        s = get_key(id(src))
        d = get_key(id(dst))
        if by_port:
            buf.append(f"{s[1] if s else key(src)} => {d[1] if d else key(dst)}\n")
        else:
            t = get_text(id(conns))
            if t is None:
                t = texts[id(conns)] = (conns, str(conns))
            buf.append(f"{s[1] if s else key(src)} => {d[1] if d else key(dst)} : {t[1]}\n")
        if len(buf) >= CHUNK:
            yield "".join(buf)
            buf.clear()
    if buf:
        yield "".join(buf)

"""Text exports of the connection list: one module per format, all rendering a
``netviz.engine.connlist.ConnList``.

Rules this package keeps:
- The reference formats (txt, csv, json, md, dot; see ``../shared/conformance/README.md``) are
  reproduced byte for byte when netviz runs with the reference conventions (the default
  ``Options``). The exact bytes, including whether the text ends with a newline, are the
  reference's: txt/csv/md end every line with ``\\n`` (an empty txt list is an empty string);
  json and dot end without one.
- When a non-default ``Options`` choice is on (``--ipblock-matches-pod-ips``,
  ``--host-network node``), each format states it in-band, in a way the format allows:
  ``#`` comment lines at the top of txt and csv, a ``>`` quote above the md table, ``//``
  comments in dot, and for json an object ``{"netviz_options": [...], "connlist_results":
  [...]}`` instead of the bare list. With the default options nothing is added, so outputs
  stay identical to the reference (the CLI states the default on stderr instead).
- Renderers are pure functions ``render(result) -> str``; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netviz.engine.connlist import ConnList
from netviz.export import csv_format, dot, json_format, md, txt

#: format name -> renderer
FORMATS: dict[str, Callable[[ConnList], str]] = {
    "txt": txt.render,
    "csv": csv_format.render,
    "json": json_format.render,
    "md": md.render,
    "dot": dot.render,
}


#: format name -> the same text in pieces, computed while it is written (``netviz list``
#: streams its output: 50,000 pods make 7.5 million lines). dot is not streamed: its node
#: declarations come before the edges and its edges are sorted as text.
CHUNKS: dict[str, Callable[[ConnList], Iterator[str]]] = {
    "txt": txt.chunks,
    "csv": csv_format.chunks,
    "json": json_format.chunks,
    "md": md.chunks,
}


def render_chunks(fmt: str, result: ConnList) -> Iterator[str]:
    """``render(fmt, result)`` in pieces (one piece for formats that cannot stream)."""
    fn = CHUNKS.get(fmt)
    if fn is not None:
        return fn(result)
    if fmt == "dot":
        from dataclasses import replace

        # dot needs every connection twice (nodes first): materialise the stream
        return iter([render(fmt, replace(result, connections=list(result.connections)))])
    return iter([render(fmt, result)])


def render(fmt: str, result: ConnList) -> str:
    try:
        fn = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return fn(result)


__all__ = ["CHUNKS", "FORMATS", "render", "render_chunks"]

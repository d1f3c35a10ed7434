"""Text exports of a connectivity diff (``netviz.engine.diff.DiffResult``): one module per
format (``diff_txt``, ``diff_csv``, ``diff_md``, ``diff_dot``), byte for byte the reference
analyzer's diff formats with the default options (``../shared/conformance``, goldens under
``expected/diff``). Same rules as ``netviz.export`` for the connection list: pure
``render(result) -> str`` functions, non-default options stated in-band, exact bytes
(txt/csv end every line with ``\\n``; md and dot end without one). With no difference every
format is the empty string, as in the reference.

The Markdown review report (``diff_report``) is not a reference format and is separate.
"""

from __future__ import annotations

from collections.abc import Callable

from netviz.engine.diff import DiffResult
from netviz.export import diff_csv, diff_dot, diff_md, diff_txt

#: format name -> renderer
DIFF_FORMATS: dict[str, Callable[[DiffResult], str]] = {
    "txt": diff_txt.render,
    "csv": diff_csv.render,
    "md": diff_md.render,
    "dot": diff_dot.render,
}


def render_diff(fmt: str, result: DiffResult) -> str:
    try:
        fn = DIFF_FORMATS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown diff format {fmt!r}; choose one of {', '.join(DIFF_FORMATS)}"
        ) from None
    return fn(result)


__all__ = ["DIFF_FORMATS", "render_diff"]

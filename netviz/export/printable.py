"""Text from inputs, made safe to print: control characters escaped.

Names, labels, messages with quoted values and a snapshot's gap reasons come from files that
someone else wrote. Printed as they are, an ESC sequence could clear the terminal or recolour
it, a carriage return or newline could fake a line of netviz output, and a bidirectional
override could show text in another order than it has. ``printable`` writes every such
character as an escape (``\\x1b``, ``\\n``, ``\\u202e``) and leaves all other text, including
every valid Kubernetes name, unchanged (so reference outputs stay byte-identical).

Escaped: Unicode category Cc (C0 controls with TAB/LF/CR, DEL, C1 controls), the bidi
embedding/override/isolate marks, LRM/RLM/ALM, and the line and paragraph separators.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control and bidi characters escaped (unchanged when it has none)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


__all__ = ["printable", "has_unsafe"]

"""The reference dot (Graphviz) format.

Layout of the text, as the reference writes it:
- ``digraph {``; then one ``subgraph "cluster_<ns>[namespace]"`` per namespace (sorted; ``-`` in
  the subgraph *name* becomes ``_``, the label keeps the namespace as is) holding its workloads
  (sorted lines, label ``name[Kind]``, blue); then, not grouped, the external ranges (red2)
  and ``{ingress-controller}`` (blue);
  then the edges, sorted as text, labelled with the connection set, ``weight=0.5`` when the
  source key sorts before the destination key and ``weight=1`` otherwise; ``}`` with no newline.
- Workloads without any connection are drawn too (all of them, or with a focus the focus
  workloads and peers), external ranges and the ingress controller only when connected.
- Strings are quoted like Go's ``%q``: backslash and double quote escaped, control characters
  written as escapes. Non-default options become ``//`` comments after ``digraph {``.
"""

from __future__ import annotations

from collections.abc import Sequence

from netviz.engine.connlist import ConnList, PeerNode
from netviz.export.printable import has_unsafe

_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def q(text: str) -> str:
    """Go ``%q`` quoting (enough of it for names, labels and connection strings)."""
    if '"' not in text and "\\" not in text and not has_unsafe(text):
        return '"' + text + '"'  # nearly always: nothing to escape
    out = []
    for ch in text:
        if ch in _ESC:
            out.append(_ESC[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif has_unsafe(ch):  # C1 controls, bidi marks: Go's %q writes \uXXXX
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _node_line(peer: PeerNode) -> str:
    if peer.is_external:
        return f"{q(peer.key)} [label={q(peer.key)} color=\"red2\" fontcolor=\"red2\"]"
    if peer.namespace is None:  # {ingress-controller}: outside the namespaces, blue
        return f"{q(peer.key)} [label={q(peer.key)} color=\"blue\" fontcolor=\"blue\"]"
    label = f"{peer.name}[{peer.kind}]"
    return f"{q(peer.key)} [label={q(label)} color=\"blue\" fontcolor=\"blue\"]"


def render(result: ConnList) -> str:
    by_ns, externals, edges, _ = parts(result)
    return document(result.notes, by_ns, externals, edges)


def parts(result: ConnList) -> tuple[dict[str, list[str]], list[str], list[str], set[str]]:
    """The pieces of the connlist graph: node lines per namespace, other node lines, edge
    lines, and the keys of the peers drawn (the exposure report adds to them)."""
    by_ns: dict[str, list[str]] = {}
    externals: list[str] = []
    seen: set[str] = set()

    def visit(peer: PeerNode) -> None:
        if peer.key in seen:
            return
        seen.add(peer.key)
        if peer.is_external or peer.namespace is None:
            externals.append("\t" + _node_line(peer))
        else:
            by_ns.setdefault(peer.namespace, []).append("\t\t" + _node_line(peer))

    edges: list[str] = []
    for c in result.connections:
        weight = "0.5" if c.src.key < c.dst.key else "1"
        label = (
            f"{result.focus.protocol} {result.focus.port}"
            if result.focus.by_port
            else str(c.connections)
        )
        edges.append(
            f"\t{q(c.src.key)} -> {q(c.dst.key)} [label={q(label)} color=\"gold2\" "
            f"fontcolor=\"darkgreen\" weight={weight}]"
        )
        visit(c.src)
        visit(c.dst)
    for peer in result.peers:
        visit(peer)
    return by_ns, externals, edges, seen


def document(
    notes: Sequence[str],
    by_ns: dict[str, list[str]],
    others: list[str],
    edges: list[str],
    tail: Sequence[str] = (),
    potential: dict[str, list[str]] | None = None,
) -> str:
    """The reference dot text: notes as ``//`` comments, one sorted cluster subgraph per
    namespace, then (exposure) one red subgraph per namespace of ``potential`` peers, the other
    node lines, the edges (each group sorted), ``tail`` lines (e.g. a legend) and ``}`` with
    no newline. Shared by the connlist, exposure and diff formats."""
    lines = ["digraph {"]
    lines += [f"\t// {note}" for note in notes]
    for groups, color in ((by_ns, "black"), (potential or {}, "red2")):
        for ns in sorted(groups):
            lines.append(f"\tsubgraph {q('cluster_' + ns.replace('-', '_') + '[namespace]')} {{")
            lines.append(f'\t\tcolor="{color}"')
            lines.append(f'\t\tfontcolor="{color}"')
            lines += sorted(groups[ns])
            lines.append(f"\t\tlabel={q(ns + '[namespace]')}")
            lines.append("\t}")
    lines += sorted(others)
    lines += sorted(edges)
    lines += tail
    lines.append("}")
    return "\n".join(lines)

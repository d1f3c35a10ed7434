"""The reference dot (Graphviz) diff format: the connectivity of both inputs in one graph.

Layout of the text, as the reference writes it:
- ``digraph {``; one ``subgraph "cluster_<ns>[namespace]"`` per namespace (sorted; ``-``
  becomes ``_`` in the subgraph name) holding its workloads (sorted lines, label
  ``name[Kind]``); then the other peers (external ranges, label = key; sorted lines); then every
  edge (sorted lines); then a fixed legend; ``}`` with no newline.
- Peers are those at an end of some edge (a workload with no connection on either side is not
  drawn). Peer colour: ``#008000`` a workload only in the second input ("new peer"), ``red``
  only in the first ("lost peer"), ``blue`` otherwise, external ranges included.
- Edges: unchanged ``grey`` (label: the connections), changed ``magenta`` (label
  ``<ref2> (ref1: <ref1>)``), added ``#008000`` (label: ref2), removed ``red2`` (label: ref1);
  ``weight=0.5`` when the source key sorts before the destination key, else ``weight=1``.
- No difference at all: the empty string (as the reference; the unchanged graph is what
  ``netviz list -o dot`` draws). Non-default options: ``//`` comments after ``digraph {``.
"""

from __future__ import annotations

from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import PeerNode
from netviz.engine.diff import ADDED, CHANGED, REMOVED, DiffResult
from netviz.export.dot import document, q

NEW_PEER = "#008000"
LOST_PEER = "red"
PERSISTENT_PEER = "blue"
EDGE_COLORS = {ADDED: "#008000", REMOVED: "red2", CHANGED: "magenta", "unchanged": "grey"}

LEGEND = [
    "\tnodesep=0.5",
    "\tsubgraph cluster_legend {",
    '\t\tlabel="Legend"',
    "\t\tfontsize = 10",
    "\t\tmargin=0",
    *(f"\t\t{n} [style=invis height=0 width=0]" for n in "abcdefgh"),
    "\t\t{rank=source a b c d}",
    "\t\t{rank=same e f g h}",
    '\t\ta -> b [label="added connection", color="#008000" fontcolor="#008000" fontsize = 10 arrowsize=0.2]',
    '\t\tc -> d [label="removed connection", color="red2" fontcolor="red2" fontsize = 10 arrowsize=0.2]',
    '\t\te -> f [label="changed connection", color="magenta" fontcolor="magenta" fontsize = 10 arrowsize=0.2]',
    '\t\tg -> h [label="unchanged connection", color="grey" fontcolor="grey" fontsize = 10 arrowsize=0.2]',
    '\t\tnp [label="new peer" color="#008000" fontcolor="#008000" fontsize = 10]',
    '\t\tlp [label="lost peer" color="red" fontcolor="red" fontsize = 10]',
    '\t\tpp [label="persistent peer" color="blue" fontcolor="blue" fontsize = 10]',
    "\t\t{rank=sink np lp pp}",
    "\t\tnp->lp [style=invis]",
    "\t\tlp->pp [style=invis]",
    "\t}",
]


def peer_color(peer: PeerNode, result: DiffResult) -> str:
    if peer.is_external:
        return PERSISTENT_PEER
    if peer.key in result.after_workloads and peer.key not in result.before_workloads:
        return NEW_PEER
    if peer.key in result.before_workloads and peer.key not in result.after_workloads:
        return LOST_PEER
    return PERSISTENT_PEER


def _edge(src: PeerNode, dst: PeerNode, label: str, color: str) -> str:
    weight = "0.5" if src.key < dst.key else "1"
    return (
        f"\t{q(src.key)} -> {q(dst.key)} [label={q(label)} color={q(color)} "
        f"fontcolor={q(color)} weight={weight}]"
    )


def _label(kind: str, before: ConnectionSet, after: ConnectionSet) -> str:
    if kind == CHANGED:
        return f"{after} (ref1: {before})"
    return str(before if kind == REMOVED else after)


def render(result: DiffResult) -> str:
    if result.is_empty:
        return ""
    by_ns: dict[str, list[str]] = {}
    others: list[str] = []
    seen: set[str] = set()

    def visit(peer: PeerNode) -> None:
        if peer.key in seen:
            return
        seen.add(peer.key)
        color = q(peer_color(peer, result))
        if peer.is_external or peer.namespace is None:
            others.append(f"\t{q(peer.key)} [label={q(peer.key)} color={color} fontcolor={color}]")
        else:
            label = q(f"{peer.name}[{peer.kind}]")
            by_ns.setdefault(peer.namespace, []).append(
                f"\t\t{q(peer.key)} [label={label} color={color} fontcolor={color}]"
            )

    edges: list[str] = []
    for c in result.unchanged:
        edges.append(_edge(c.src, c.dst, str(c.connections), EDGE_COLORS["unchanged"]))
        visit(c.src)
        visit(c.dst)
    for e in result.entries:
        edges.append(_edge(e.src, e.dst, _label(e.kind, e.before, e.after), EDGE_COLORS[e.kind]))
        visit(e.src)
        visit(e.dst)

    return document(result.notes, by_ns, others, edges, LEGEND)

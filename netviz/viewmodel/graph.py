"""The picture model: what the GUI, the exports and ``netviz render`` draw, exact by construction.

The picture is a tree of boxes and the edges between them:

- **leaves**: workloads (``ns/name[Kind]``), external address ranges (ranges with exactly the
  same connections are one leaf, ``first-last[External]`` of the first range; ``external_members``
  lists them), and any other peer the connection list names (drawn as it is named, outside
  every namespace: e.g. an ingress controller). Every peer of the connection list is a leaf's
  member, generically: nothing here knows which peers a scenario has.
- **containers**: namespaces (``ns:<name>``), and the groups ``netviz.viewmodel.groups`` chooses
  from the policies' selector sets and the structure of the relation: workload groups inside a
  namespace (``grp:<ns>/<n>``), namespace sets (``nsset:<n>``), the cluster (``cluster:``) and
  all external ranges (``grp:external``). ``members`` of a container are the peers of its leaves.
- **Services** (``svc:ns/name``) are drawn next to their backends; their members are their
  backends. They are not leaves of the tree: an edge ends at a Service only by the rule below.
- **The path from outside** (``netviz.viewmodel.outside``, with Services shown): the outside
  (``outside:internet``), the entry points (``entry:Kind/ns/name``: LoadBalancer, NodePort and
  externalIPs Services, Ingresses, Routes) and the destinations outside that Services lead to
  (``dest:ns/name``). They are not leaves of the tree and stand for no peer (no ``members``).
  Their edges (``entry``: outside → entry → Service; ``exposed``/``blocked``: Service →
  backend, what the backend's policies let through from outside, which replaces the plain
  ``service`` link of that Service; ``leads-out``: Service → destination) state no pair.

An edge A -> B of style ``allowed`` or ``partial`` states that every (s, t) in members(A) x
members(B) with s != t has exactly the edge's ``connection`` (``netviz list -o json``'s text),
and every allowed pair is stated by exactly one edge (``netviz.viewmodel.cover``). Edges may go
from a container to itself (every two members) or between a container and something inside it.

The Service rule: an edge whose end B has exactly the backends of a Service S as members ends at
S instead, when S forwards a port that the edge's connection allows on *every* backend (a named
``targetPort`` is resolved on each backend separately, ``PortMapping.per_backend``); with a port
filter, only when S forwards that port. The edge still states exactly members(A) x backends(S)
with its connection; everything else stays at the workloads. ``service`` edges (a Service to its
backends) and ``bundle`` edges (a collapsed container's mixed block, with counts) state nothing.

Rules this module keeps:
- Qt-free and engine-driven: every pair comes from ``netviz.engine.connlist`` (or a what-if
  ``difference``); the only policy question asked here is ``Analyzer.verdict`` for a "why".
- ``GraphModel`` holds what does not change with the view: nodes, the tree (fixed for the
  model's life, and kept by ``updated`` so what-if edits never change boxes), the relation
  matrix. ``view(filters...)`` returns a ``VisibleGraph``: the nodes and compressed edges to draw.
  Deterministic: same input, same lists in the same order.
- Semantic zoom: ``view(collapsed=...)`` draws the given containers as single boxes (their mixed
  blocks become ``bundle`` edges with pair counts; uniform ones stay exact edges).

Edge styles: ``allowed``, ``partial`` (the label is the connection), ``denied`` (on demand),
``service``, ``bundle``, the path from outside (``entry``, ``exposed``, ``blocked``,
``leads-out``, labelled with who may send, the ports, what gets through); the what-if difference view: ``added``, ``removed``, ``changed`` and
``unchanged`` (each drawn exactly like the plain styles, over the same tree). Edge labels: an
``allowed`` or ``unchanged`` edge has none (its style says "All Connections"/"as before"; the
text is in its tooltip and the picture JSON), every other edge is labelled with its connection.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, itemgetter, or_

import numpy as np

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.diff import ADDED, REMOVED, DiffEntry
from netviz.engine.ipranges import IPRange
from netviz.model import Cluster, Pod, Service, Workload
from netviz.model.cluster_policy import Tier
from netviz.model.keys import (
    OUTSIDE_KEY,
    EdgeStyle,
    NodeKind,
    is_external_key,
    parse_workload_key,
    pod_key,
    service_key,
)
from netviz.model.keys import display_name as _display_name
from netviz.viewmodel import forked
from netviz.viewmodel import groups as G
from netviz.viewmodel.cover import (
    BUNDLE,
    ROOT,
    CoverMemo,
    Product,
    Tree,
    cover,
    cover_memo,
    set_diagonal,
)
from netviz.viewmodel.nssets import insert_sets, namespace_sets
from netviz.viewmodel.outside import OutsideEdge, OutsidePicture, build_outside, wrap_words
from netviz.viewmodel.text import wrap

NS_PREFIX = G.NS_PREFIX
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)
_KEY = attrgetter("key")
#: the order of a view's edges: (src, dst, style)
_EDGE_ORDER = attrgetter("src", "dst", "style")

#: above this many visible workloads, denied edges are drawn only around one node
DENIED_ALL_PAIRS_LIMIT = 40
#: node kinds that hold other nodes
CONTAINER_KINDS = (NodeKind.NAMESPACE, NodeKind.GROUP, NodeKind.CLUSTER)
#: edge styles that state pairs exactly (the plain view and the difference view)
EXACT_STYLES = (EdgeStyle.ALLOWED, EdgeStyle.PARTIAL, EdgeStyle.DENIED, EdgeStyle.DENIED_BY_ADMIN,
                EdgeStyle.ADDED, EdgeStyle.REMOVED, EdgeStyle.CHANGED, EdgeStyle.UNCHANGED)


@dataclass(frozen=True)
class PortMapping:
    """One Service port: ``port`` -> ``target`` (a number or a container port name), resolved on
    each backend separately (``per_backend``: (backend key, number or None))."""

    port: int
    target: int | str
    protocol: str
    per_backend: tuple[tuple[str, int | None], ...] = ()
    name: str | None = None

    @property
    def resolved(self) -> int | None:
        """The number the target resolves to when every backend agrees, else None."""
        if isinstance(self.target, int):
            return self.target
        nums = {n for _, n in self.per_backend}
        return next(iter(nums)) if len(nums) == 1 else None

    def target_on(self, backend: str) -> int | None:
        if isinstance(self.target, int):
            return self.target
        for b, n in self.per_backend:
            if b == backend:
                return n
        return None

    def __str__(self) -> str:
        proto = "" if self.protocol == "TCP" else f"/{self.protocol}"
        if isinstance(self.target, str):
            nums = sorted({n for _, n in self.per_backend if n is not None})
            unresolved = any(n is None for _, n in self.per_backend) or not self.per_backend
            text = "|".join(str(n) for n in nums)
            if unresolved:
                text = (text + "|?") if text else "?"
            return f"{self.port}→{self.target}({text}){proto}"
        return f"{self.port}→{self.target}{proto}"


@dataclass(frozen=True)
class Node:
    key: str
    #: leaves: workload | external | ingress-controller | peer; service; pod; containers:
    #: namespace | group | cluster
    kind: NodeKind
    label: str
    namespace: str | None
    subtitle: str = ""
    tooltip: str = ""
    #: pods: the workload key; others: the container in the tree (None for top level)
    parent: str | None = None
    replicas: int = 1
    #: lower-case "name key=value key=value ..." for search
    search_text: str = ""
    ports: tuple[PortMapping, ...] = ()

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINER_KINDS


@dataclass(frozen=True)
class NamespaceBox:
    name: str
    label: str
    tooltip: str
    members: tuple[str, ...]  # workload and service keys


@dataclass(frozen=True)
class EdgeLabel:
    """What every pair of an edge has: a style and a connection (``text`` is the connection
    as ``netviz list`` prints it, or the difference's wording)."""

    style: EdgeStyle
    conns: ConnectionSet | None
    text: str
    before: ConnectionSet | None = None
    info: str = ""


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    #: allowed | partial | denied | service | bundle; difference view: added | removed |
    #: changed | unchanged
    style: EdgeStyle
    label: str = ""
    tooltip: str = ""
    conns: ConnectionSet | None = None
    #: a pair this edge stands for (the first one; the explanation panel starts there)
    pair: tuple[str, str] | None = None
    #: how many peer pairs it states (bundles: how many have a connection)
    count: int = 1
    partial_count: int = 0
    #: the connection every pair has, as ``netviz list -o json`` prints it ("" for service
    #: links and bundles)
    connection: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.src, self.dst, self.style)


@dataclass
class VisibleGraph:
    nodes: list[str]  # leaf and Service keys, in model order
    edges: list[Edge]
    namespaces: list[str]
    #: nodes matching the search / port filter (None: nothing to emphasise)
    emphasis: set[str] | None = None
    #: denied edges were requested but too many pairs: only drawn around a selected node
    denied_limited: bool = False
    #: the tree the edges are over (containers with a visible member)
    tree: Tree | None = None
    #: containers drawn collapsed
    collapsed: frozenset[str] = frozenset()
    #: allowed pairs stated by the drawn edges (the ratio's denominator)
    pairs: int = 0

    @property
    def containers(self) -> list[str]:
        if self.tree is None:
            return []
        return [k for k in self.tree.nodes() if k in self.tree.containers and k != ROOT]

    @property
    def ratio(self) -> float:
        """Drawn allowed/partial edges per allowed pair (the compression the issue measures)."""
        drawn = sum(1 for e in self.edges if e.style in ("allowed", "partial"))
        return drawn / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class Highlight:
    node: str
    reachable: frozenset[str]  # what ``node`` can reach
    reaching: frozenset[str]  # what can reach ``node``
    edges: tuple[Edge, ...]

    @property
    def nodes(self) -> frozenset[str]:
        return self.reachable | self.reaching | {self.node}


@dataclass(frozen=True)
class GraphOptions:
    route_via_services: bool = True
    show_services: bool = True
    #: draw external ranges with identical connections as one node
    merge_externals: bool = True
    #: choose groups (workload groups, namespace sets); off: namespaces only
    groups: bool = True
    #: draw the path from outside (entry points, what gets through, destinations outside);
    #: needs ``show_services``
    show_outside: bool = True
    #: with more namespaces than this, namespaces that no namespace selector tells apart are
    #: one box (``netviz.viewmodel.nssets``; the window's overview); 0: never
    namespace_sets_above: int = 0


def _ingress_tooltip(cl: Cluster) -> str:
    lines = ["The ingress controller: traffic from outside the cluster through"]
    for obj in cl.ingresses[:12]:
        svcs = sorted({b.service for b in obj.backends if b.service})
        lines.append(f"  {obj.kind} {obj.key} → {', '.join(svcs) or '(no Service)'}")
    if len(cl.ingresses) > 12:
        lines.append(f"  ... and {len(cl.ingresses) - 12} more")
    return "\n".join(lines)


def _labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def short_conns(conns: ConnectionSet, limit: int = 28) -> str:
    """``TCP 5432`` / ``TCP 80,443 +2``: a short text (tooltips of long lists)."""
    text = str(conns)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(",", 1)[0]
    rest = text[len(cut):].count(",")
    return f"{cut} +{rest}"


_PORT_RE = re.compile(r"^\s*(?:(tcp|udp|sctp)\s*[/ :]?\s*)?(\d{1,5})?\s*$", re.IGNORECASE)


def parse_port_filter(text: str) -> tuple[str | None, int | None] | None:
    """``"TCP 5432"`` -> ("TCP", 5432); ``"5432"`` -> (None, 5432); ``"udp"`` -> ("UDP", None);
    ``""`` -> (None, None); anything else -> None."""
    m = _PORT_RE.match(text)
    if not m:
        return None
    proto = m.group(1).upper() if m.group(1) else None
    port = int(m.group(2)) if m.group(2) else None
    if port is not None and not 1 <= port <= 65535:
        return None
    return proto, port


def edge_style_for(conns: ConnectionSet) -> EdgeStyle:
    return EdgeStyle.ALLOWED if _is_all(conns) else EdgeStyle.PARTIAL


@functools.lru_cache(maxsize=16384)
def _is_all(conns: ConnectionSet) -> bool:
    return conns.is_all()


def accepts(conns: ConnectionSet | None, protocol: str | None, port: int | None) -> bool:
    """Whether ``conns`` allow ``protocol``/``port`` (either may be None: any)."""
    if conns is None:
        return False
    if port is not None:
        protos = (protocol,) if protocol else ("TCP", "UDP", "SCTP")
        return any(conns.contains(p, port) for p in protos)
    if protocol is not None:
        return protocol in conns.protocols()
    return True


class _Labels:
    """Interned edge labels: id 0 is "no pair"; ids start at 1. Append-only (copied on write
    by ``GraphModel.updated``)."""

    def __init__(self) -> None:
        self.items: list[EdgeLabel | None] = [None]
        self.ids: dict[EdgeLabel, int] = {}

    def copy(self) -> _Labels:
        new = _Labels()
        new.items = list(self.items)
        new.ids = dict(self.ids)
        return new

    def id(self, lab: EdgeLabel) -> int:
        got = self.ids.get(lab)
        if got is None:
            got = len(self.items)
            self.items.append(lab)
            self.ids[lab] = got
        return got

    def __getitem__(self, i: int) -> EdgeLabel:
        lab = self.items[i]
        assert lab is not None
        return lab


@functools.lru_cache(maxsize=16384)
def _plain_label(conns: ConnectionSet) -> EdgeLabel:
    return EdgeLabel(edge_style_for(conns), conns, str(conns))


@functools.lru_cache(maxsize=16384)
def _unchanged_label(conns: ConnectionSet) -> EdgeLabel:
    # the difference view's unchanged pairs (a connection list has few distinct sets: its
    # text is made once per set, not once per pair)
    return EdgeLabel(EdgeStyle.UNCHANGED, conns, str(conns))


def _diff_label(entry: DiffEntry) -> EdgeLabel:
    if entry.kind == ADDED:
        return EdgeLabel(EdgeStyle.ADDED, entry.after, "+ " + str(entry.after), None, entry.info)
    if entry.kind == REMOVED:
        return EdgeLabel(EdgeStyle.REMOVED, entry.before, "− " + str(entry.before), None,
                         entry.info)
    return EdgeLabel(EdgeStyle.CHANGED, entry.after, f"{entry.before} → {entry.after}",
                     entry.before, entry.info)


@dataclass
class _Externals:
    """The cells of the relation with an external range at one end, before the ranges are
    merged (``GraphModel._relation``), by range and by workload side."""

    #: range key -> (direction, other peer) -> label id ("in": from the range to the peer)
    sig: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    #: (peer, direction) -> range key -> label id
    side: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


@dataclass
class _Structure:
    """What a model shares with the models ``updated`` derives from it."""

    tree: Tree
    groups: dict[str, tuple[str, str, str, str | None]]
    products: list[Product] | None = None
    extra: dict[str, object] = field(default_factory=dict)
    #: the groups inside namespaces are not chosen yet (``GraphModel.refine``): the tree
    #: has the namespaces, the sets and groups above them, and the leaves
    deferred: bool = False
    #: while deferred, the namespaces whose groups are chosen already (opened once)
    opened: frozenset[str] = frozenset()


def _poorly_covered(chosen: G.Chosen, tree: Tree, m: np.ndarray) -> bool:
    """Many products for the pairs they state: more than 15 % where there are more pairs than
    3 per peer (the picture-check's bar is 30 % where pairs > 5 x peers)."""
    w = np.array([tree.multi.get(k, 1) for k in tree.leaves], dtype=np.int64)
    b = m > 0
    # w @ b @ w in integers without a float copy of b (10^8 cells at 5,000 workloads):
    # every row's count, plus the extra weight of the few leaves that stand for many
    rows = np.count_nonzero(b, axis=1).astype(np.int64)
    many = np.flatnonzero(w > 1)
    if len(many):
        rows += b[:, many].astype(np.int64) @ (w[many] - 1)
    pairs = float(w @ rows)
    if pairs <= 3 * float(w.sum()):
        return False
    # three more covers: cheap below ~1,500 leaves (~0.1 s each at 300), seconds at 5,000,
    # so there only when the picture would come near that bar
    bar = 0.15 if len(tree.leaves) <= 1500 else 0.25
    return len(chosen.products) > bar * pairs


@dataclass
class _CellColumns:
    """The cells of a model made from a plain connection list, as that list's columns:
    source and destination peer keys and label ids per connection, and the cells of the
    external ranges merged into another leaf (``_leaf_cells``)."""

    skeys: list[str]
    dkeys: list[str]
    ids: list[int]
    moved: list[tuple[tuple[str, str], int]]
    #: every peer key of the columns, once
    peers: list[str]
    #: ``coded()``, once made
    _coded: tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None = None
    _made: bool = False

    def coded(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
        """(peer keys, source and destination peer per cell, label ids), or None when some
        peer pair comes twice (a connection list has each once; the dict then decides
        which label stays)."""
        if not self._made:
            self._made = True
            peers = self.peers
            code = {k: i for i, k in enumerate(peers)}
            n = len(self.ids)
            srcs = np.fromiter(map(code.__getitem__, self.skeys), np.int64, n)
            dsts = np.fromiter(map(code.__getitem__, self.dkeys), np.int64, n)
            pairs = np.sort(srcs * len(peers) + dsts)  # (fast: a connection list is sorted)
            if not (pairs[1:] == pairs[:-1]).any():
                self._coded = (peers, srcs, dsts, np.fromiter(self.ids, np.int64, n))
        return self._coded


def _leaf_cells(cells: dict[tuple[str, str], int], moved: list[tuple[tuple[str, str], int]],
                leaf_of: dict[str, str]) -> dict[tuple[str, str], int]:
    """``cells`` at leaf level: the cells of the ranges merged into another leaf (``moved``)
    become the representative's, with the same labels (a merged range has the same cells as
    that one)."""
    lf = leaf_of
    for k, _ in moved:
        cells.pop(k, None)
    for (s, d), i in moved:
        cells[(lf.get(s, s), lf.get(d, d))] = i
    return cells


def _label_index(keys: Sequence[str], pods_of: dict[str, list[Pod]]
                 ) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(label, value) -> (workload position in ``keys``, pod position) of every pod that
    has it (values that are not strings never equal a selector's, which are)."""
    index: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for w, key in enumerate(keys):
        for n, pod in enumerate(pods_of[key]):
            for item in pod.labels.items():
                if isinstance(item[1], str):
                    index.setdefault(item, []).append((w, n))
    return index


def _namespace_boxes(tree: Tree) -> list[str]:
    return [k for k in tree.containers if k.startswith(NS_PREFIX)]


class GraphModel:
    """Nodes, the tree and the relation of one evaluated cluster (see the module doc).

    The "the tree fixed for the model's life" rule has one exception: a model made with
    ``defer_groups`` gets the groups inside its namespaces once (``refine``), before any
    view shows a namespace open."""

    #: derived from ``_cells`` when first asked (``allowed``, ``_adj``): (cells, value...)
    _allowed: tuple[dict[tuple[str, str], int], dict[tuple[str, str], ConnectionSet]] | None \
        = None
    _adj_cache: tuple[dict[tuple[str, str], int], dict[str, set[str]],
                      dict[str, set[str]]] | None = None
    #: the leaf-level cells (``_cells``) once made; a model made from a plain connection
    #: list also has them as the list's columns (``_cell_columns``): the matrix and the
    #: candidates read those, and a one-shot command (``forked.enabled``) makes the dict of
    #: ~900,000 pairs at 5,000 workloads (0.3 s) only when asked. Setting ``_cells`` drops
    #: the columns.
    _cells_made: dict[tuple[str, str], int] | None = None
    _cell_columns: _CellColumns | None = None

    def __init__(
        self,
        cluster: Cluster,
        connections: Sequence[Connection],
        analyzer: Analyzer | None = None,
        options: GraphOptions | None = None,
        difference: Sequence[DiffEntry] | None = None,
        keep: GraphModel | None = None,
        defer_groups: bool = False,
    ) -> None:
        """``keep``: a model of the same cluster before (a re-evaluation, a reload); when it
        has the same leaves and Services, its tree is kept, so the boxes stay as they were
        (the layout then keeps every node where it is).

        ``defer_groups``: for a picture that opens with every namespace collapsed (the
        window's semantic zoom): the groups above the namespaces are chosen for that view
        (cheap: the cover stops at the namespaces), the groups inside them when a view first
        shows a namespace open (``refine``; at 5,000 workloads the full choice takes seconds).
        Every view is exact either way; only which boxes exist differs."""
        self.cluster = cluster
        self.analyzer = analyzer
        self.options = options or GraphOptions()
        #: the what-if difference against a baseline (``netviz.engine.diff``), or None
        self.difference: list[DiffEntry] | None = (
            list(difference) if difference is not None else None)
        self.connections = list(connections)
        #: the list the model was made from (a re-evaluation that hands the same one over
        #: changes nothing)
        self.source_connections = connections
        self.expanded: set[str] = set()
        self.labels = _Labels()
        #: external node key -> the address ranges (labels) it stands for
        self.external_members: dict[str, list[str]] = {}
        #: leaf key -> the peer keys it stands for (externals: several ranges)
        self.members_of: dict[str, list[str]] = {}
        #: peer key -> leaf key
        self.leaf_of: dict[str, str] = {}
        self.nodes: dict[str, Node] = {}
        self.namespaces: dict[str, NamespaceBox] = {}
        self._relation()
        self._build_nodes()
        self._add_outside()
        structure = None
        if (keep is not None and keep.options == self.options
                and set(keep.tree.leaves) == set(self.members_of)
                and {k for k, n in keep.nodes.items() if not n.is_container}
                == {k for k, n in self.nodes.items() if not n.is_container}):
            structure = keep.structure
            structure = _Structure(structure.tree, structure.groups, None,
                                   deferred=structure.deferred, opened=structure.opened)
        self._build_tree(structure, defer_groups)
        self._view_cache: dict[object, VisibleGraph] = {}

    # ------------------------------------------------------------------ the relation
    @property
    def _cells(self) -> dict[tuple[str, str], int]:
        """(source leaf, destination leaf) -> label id of every pair with a cell."""
        if self._cells_made is None:
            cols = self._cell_columns
            assert cols is not None
            self._cells_made = _leaf_cells(
                dict(zip(zip(cols.skeys, cols.dkeys, strict=True), cols.ids, strict=True)),
                cols.moved, self.leaf_of)
        return self._cells_made

    @_cells.setter
    def _cells(self, cells: dict[tuple[str, str], int]) -> None:
        self._cells_made = cells
        self._cell_columns = None

    def _relation(self) -> None:
        """``_cells``: (source peer, destination peer) -> label id (or the columns they are
        made from), and the merge of external ranges."""
        cells: dict[tuple[str, str], int] = {}
        lab = self.labels
        skip_sides: set[tuple[str, str]] = set()
        diff: dict[tuple[str, str], DiffEntry] = {}
        if self.difference is not None:
            for e in self.difference:
                diff[(e.src.key, e.dst.key)] = e
                if e.src.is_external:
                    skip_sides.add((e.dst.key, "in"))
                if e.dst.is_external:
                    skip_sides.add((e.src.key, "out"))
        self._peer_nodes: dict[str, PeerNode] = {}
        peers = self._peer_nodes
        #: label id per connection set (a label is a function of the set: a connection list
        #: has few distinct sets, so a label is made once per set, not once per pair)
        plain: dict[ConnectionSet, int] = {}
        columns: tuple[list[str], list[str], list[int]] | None = None
        if self.difference is None:
            # column by column, in C (``map``/``zip``; ~900,000 connections at 5,000
            # workloads): the same cells, peers and label ids, in the same order, as a loop
            # over the connections, without a Python step per connection
            conns = self.connections
            srcs = list(map(_FIRST, conns))
            dsts = list(map(_SECOND, conns))
            sets = list(map(_THIRD, conns))
            # a label per distinct set, made in the order the sets first appear (the same
            # ids as one per connection); equal sets that are distinct objects share one
            by_id: dict[int, int] = {}
            for cs in dict(zip(map(id, sets), sets, strict=True)).values():
                i = plain.get(cs)
                if i is None:
                    i = plain[cs] = lab.id(_plain_label(cs))
                by_id[id(cs)] = i
            skeys = list(map(_KEY, srcs))
            dkeys = list(map(_KEY, dsts))
            # a peer per key (equal nodes: the key names the peer)
            peers.update(zip(dkeys, dsts, strict=True))
            peers.update(zip(skeys, srcs, strict=True))
            ids = list(map(by_id.__getitem__, map(id, sets)))
            columns = (skeys, dkeys, ids)
        for c in self.connections if self.difference is not None else ():
            s, d = c.src.key, c.dst.key
            self._peer_nodes.setdefault(s, c.src)
            self._peer_nodes.setdefault(d, c.dst)
            if self.difference is not None:
                if (s, d) in diff:
                    continue
                if (c.src.is_external and (d, "in") in skip_sides) or (
                        c.dst.is_external and (s, "out") in skip_sides):
                    continue  # the difference's own external pieces stand for this side
                cells[(s, d)] = lab.id(_unchanged_label(c.connections))
            else:
                cells[(s, d)] = lab.id(_plain_label(c.connections))
        for (s, d), e in diff.items():
            self._peer_nodes.setdefault(s, e.src)
            self._peer_nodes.setdefault(d, e.dst)
            cells[(s, d)] = lab.id(_diff_label(e))
        # external ranges with exactly the same cells are one leaf. Kept per range (``_ext``)
        # for ``updated``: an ipBlock edit changes the cells of some workloads' sides only
        ext = _Externals()
        external = {k for k, p in self._peer_nodes.items() if p.ip_range is not None}
        items: list[tuple[tuple[str, str], int]] = []
        if external:
            # the cells with an external end (picked in C from the columns when known)
            if columns is not None:
                skeys, dkeys, ids = columns
                hit = list(map(or_, map(external.__contains__, skeys),
                               map(external.__contains__, dkeys)))
                items = [((skeys[x], dkeys[x]), ids[x]) for x in compress(range(len(hit)), hit)]
            else:
                items = [(k, i) for k, i in cells.items()
                         if k[0] in external or k[1] in external]
            for (s, d), i in items:
                if s in external:
                    ext.sig.setdefault(s, {})[("in", d)] = i
                    ext.side.setdefault((d, "in"), {})[s] = i
                if d in external:
                    ext.sig.setdefault(d, {})[("out", s)] = i
                    ext.side.setdefault((s, "out"), {})[d] = i
        self._ext = ext
        self._merge_externals(ext.sig)
        # leaf-level cells (only merged external ranges are not their own leaf)
        lf = self.leaf_of
        moved = [((s, d), i) for (s, d), i in items
                 if lf.get(s, s) != s or lf.get(d, d) != d]
        if columns is not None:
            # (the peers are those of the columns: they came from nothing else)
            self._cell_columns = _CellColumns(*columns, moved, list(self._peer_nodes))
            self._cells_made = None
            if not forked.enabled():
                # the app (not a one-shot command): the dict now, as before, so that the
                # first what-if edit (``updated`` copies it) does not pay for it
                self._cells  # noqa: B018
        else:
            self._cells = _leaf_cells(cells, moved, lf)

    def _merge_externals(self, sig: dict[str, dict[tuple[str, str], int]],
                         keys: dict[str, frozenset[tuple[str, str, int]]] | None = None,
                         fresh: Iterable[str] = ()) -> None:
        """``leaf_of``, ``members_of`` and ``external_members`` of the external ranges:
        the ranges with the same cells (``sig``) are one leaf, named by the first in address
        order. ``keys``: the ranges' merge keys, reused except for those in ``fresh``."""
        keys = {} if keys is None else keys
        for k in fresh:
            keys.pop(k, None)
        order = sorted(sig, key=self._range_order)
        merged: dict[frozenset[tuple[str, str, int]], str] = {}
        for k in order:
            key = keys.get(k)
            if key is None:
                key = keys[k] = (frozenset((dr, o, i) for (dr, o), i in sig[k].items())
                                 if self.options.merge_externals
                                 else frozenset({("", k, 0)}))
            rep = merged.setdefault(key, k)
            self.leaf_of[k] = rep
            self.members_of.setdefault(rep, []).append(k)
            r = self._peer_nodes[k].ip_range
            assert r is not None
            self.external_members.setdefault(rep, []).append(_range_label(r))
        self._ext_keys = {k: keys[k] for k in order}

    def _range_order(self, key: str) -> tuple[int, int, int]:
        r = self._peer_nodes[key].ip_range
        assert r is not None
        return (r.version, r.lo, r.hi)

    # ------------------------------------------------------------------ nodes
    def _build_nodes(self) -> None:
        cl = self.cluster
        pods_of: dict[str, list[Pod]] = {}
        for pod in cl.pods:
            pods_of.setdefault(pod.workload_key, []).append(pod)
        self.pods_of = pods_of
        workloads: dict[str, Workload] = {w.key: w for w in cl.workloads}
        self._workloads = workloads
        wl_keys: dict[str, list[str]] = {}
        for key in sorted(pods_of):
            wl_keys.setdefault(key.split("/", 1)[0], []).append(key)
        self.service_backends: dict[str, tuple[str, ...]] = {}
        self.services_of: dict[str, list[str]] = {}
        svc_by_ns: dict[str, list[Service]] = {}
        #: per namespace: (label, value) -> the positions (in ``wl_keys``) of the workloads
        #: with a pod that has it, per pod (made when a Service there first asks)
        by_label: dict[str, dict[tuple[str, str], list[tuple[int, int]]]] = {}
        for svc in cl.services:
            svc_by_ns.setdefault(svc.namespace, []).append(svc)
            backends: list[str] = []
            if svc.selector:
                sel = svc.selector
                keys = wl_keys.get(svc.namespace, [])
                if all(isinstance(v, str) for v in sel.values()):
                    # the workloads with a pod that has every (label, value) of the selector,
                    # from an index of the namespace's pods (not every pod per Service)
                    index = by_label.get(svc.namespace)
                    if index is None:
                        index = by_label[svc.namespace] = _label_index(keys, pods_of)
                    found: set[tuple[int, int]] | None = None
                    for item in sel.items():
                        got = index.get(item, ())
                        found = set(got) if found is None else found.intersection(got)
                        if not found:
                            break
                    backends = [keys[i] for i in sorted({w for w, _ in found or ()})]
                else:
                    for key in keys:
                        if any(all(p.labels.get(k) == v for k, v in sel.items())
                               for p in pods_of[key]):
                            backends.append(key)
            skey = service_key(svc.key)
            self.service_backends[skey] = tuple(backends)
            for b in backends:
                self.services_of.setdefault(b, []).append(skey)
        nodes: dict[str, Node] = {}
        # peers of the relation that are neither workloads nor external ranges
        peers = sorted(k for k, p in self._peer_nodes.items()
                       if not p.is_external and k not in pods_of)
        peer_ns = {ns for k in peers if (ns := self._peer_nodes[k].namespace)}
        ns_names = sorted({ns.name for ns in cl.namespaces} | set(wl_keys) | set(svc_by_ns)
                          | peer_ns)
        self.ns_leaves: dict[str, list[str]] = {}
        for ns_name in ns_names:
            members: list[str] = []
            leaves: list[str] = []
            for key in wl_keys.get(ns_name, []):
                nodes[key] = self._workload_node(key, workloads.get(key), pods_of[key])
                members.append(key)
                leaves.append(key)
            for key in peers:
                if self._peer_nodes[key].namespace == ns_name:
                    nodes[key] = self._peer_node(key)
                    members.append(key)
                    leaves.append(key)
            if self.options.show_services:
                for svc in svc_by_ns.get(ns_name, []):
                    skey = service_key(svc.key)
                    nodes[skey] = self._service_node(svc, self.service_backends[skey])
                    members.append(skey)
            ns_obj = cl.namespace(ns_name)
            labels = dict(ns_obj.labels) if ns_obj else {}
            labels.pop("kubernetes.io/metadata.name", None)
            n_wl = len(wl_keys.get(ns_name, []))
            tip = f"Namespace {ns_name}\n{n_wl} workload(s), {len(svc_by_ns.get(ns_name, []))} Service(s)"
            if labels:
                tip += "\nlabels: " + _labels_text(labels)
            if ns_obj is not None and ns_obj.implicit:
                tip += "\n(no Namespace object was loaded)"
            self.namespaces[ns_name] = NamespaceBox(ns_name, ns_name, tip, tuple(members))
            self.ns_leaves[ns_name] = leaves
            nodes[NS_PREFIX + ns_name] = Node(NS_PREFIX + ns_name, NodeKind.NAMESPACE, ns_name, ns_name,
                                              "", tip, search_text=f"{ns_name} namespace".lower())
        # externals, sorted by address; other peers without a namespace
        ext = sorted(self.members_of, key=self._range_order)
        for key in ext:
            nodes[key] = self._external_node(key)
        for key in peers:
            if key not in nodes:
                nodes[key] = self._peer_node(key)
        self.nodes = nodes
        self.externals = ext
        self.other_peers = [k for k in peers if self._peer_nodes[k].namespace is None]
        for key in nodes:
            if nodes[key].kind not in (NodeKind.EXTERNAL, NodeKind.SERVICE, NodeKind.NAMESPACE):
                self.members_of.setdefault(key, [key])
                self.leaf_of.setdefault(key, key)

    def _add_outside(self) -> None:
        """The path from outside (see the module doc): its nodes join ``nodes``."""
        self.outside = OutsidePicture()
        self.outside_keys: frozenset[str] = frozenset()
        if (self.analyzer is None or not self.options.show_services
                or not self.options.show_outside):
            return
        pic = build_outside(self.analyzer)
        self.outside = pic
        self.outside_keys = frozenset(n.key for n in pic.nodes)
        for n in pic.nodes:
            self.nodes[n.key] = Node(n.key, n.kind, n.label, None, n.subtitle, n.tooltip,
                                     search_text=f"{n.label} {n.subtitle} {n.kind} "
                                                 f"{n.tooltip}".lower())

    def _workload_node(self, key: str, wl: Workload | None, pods: list[Pod]) -> Node:
        ns, name, kind = parse_workload_key(key)
        replicas = wl.replicas if wl is not None else len(pods)
        labels = dict(pods[0].labels) if pods else {}
        sub = kind if replicas == 1 else f"{kind} ×{replicas}"
        ports = pods[0].ports if pods else ()
        tip = [f"{kind} {ns}/{name}", f"replicas: {replicas}"]
        if labels:
            tip.append("pod labels: " + _labels_text(labels))
        if ports:
            tip.append("ports: " + ", ".join(
                (f"{p.name}=" if p.name else "") + f"{p.port}/{p.protocol}" for p in ports))
        if wl is not None and wl.source is not None:
            tip.append(f"defined at {wl.source.file}:{wl.source.line}")
        search = " ".join([name.lower(), ns.lower(), kind.lower(),
                           *(f"{k}={v}".lower() for k, v in labels.items()),
                           *(f"{k}={v}".lower() for k, v in (wl.object_labels if wl else {}).items())])
        return Node(key, NodeKind.WORKLOAD, name, ns, sub, "\n".join(tip), replicas=replicas,
                    search_text=search)

    def _peer_node(self, key: str) -> Node:
        p = self._peer_nodes[key]
        if p.is_ingress_controller:
            return Node(key, NodeKind.INGRESS_CONTROLLER, "ingress controller", None,
                        "Ingress / Route", _ingress_tooltip(self.cluster),
                        search_text="ingress-controller ingress controller route")
        name = p.name or key
        kind = p.kind or "peer"
        ns = p.namespace
        return Node(key, NodeKind.PEER, name, ns, kind,
                    f"{kind} {key}\n(a peer of the connection list)",
                    search_text=f"{key} {kind}".lower())

    def _external_node(self, key: str) -> Node:
        members = self.external_members[key]
        label = external_label(members)
        sub = "external" if len(members) == 1 else f"external, {len(members)} ranges"
        tip = "External addresses " + (
            self._peer_nodes[key].name if len(members) == 1
            else "\n  " + "\n  ".join(members))
        if len(members) > 1:
            tip += "\n(ranges with exactly the same connections are drawn as one)"
        return Node(key, NodeKind.EXTERNAL, label, None, subtitle=sub, tooltip=tip,
                    search_text=(key + " " + " ".join(members)).lower())

    def _service_node(self, svc: Service, backends: tuple[str, ...]) -> Node:
        mappings: list[PortMapping] = []
        for sp in svc.ports:
            per: list[tuple[str, int | None]] = []
            for b in backends:
                if isinstance(sp.target_port, int):
                    per.append((b, sp.target_port))
                    continue
                got = None
                for cp in (self.pods_of[b][0].ports if self.pods_of.get(b) else ()):
                    if cp.name == sp.target_port and cp.protocol == sp.protocol:
                        got = cp.port
                        break
                per.append((b, got))
            mappings.append(PortMapping(sp.port, sp.target_port, sp.protocol, tuple(per),
                                        sp.name))
        ports_text = ", ".join(str(m) for m in mappings)
        tip = [f"Service {svc.key} ({svc.type})"]
        if svc.selector:
            tip.append("selector: " + _labels_text(svc.selector))
        else:
            tip.append("no selector (endpoints managed by hand)")
        tip.append("ports: " + (ports_text or "none"))
        for m in mappings:
            if isinstance(m.target, str) and len(backends) > 1:
                for b, n in m.per_backend:
                    tip.append(f"  {m.port}→{m.target} on {_name(b)}: "
                               + ("not resolved" if n is None else str(n)))
        tip.append("backends: " + (", ".join(b.split("/", 1)[1] for b in backends) or "none"))
        if svc.source is not None:
            tip.append(f"defined at {svc.source.file}:{svc.source.line}")
        search = " ".join([svc.name.lower(), svc.namespace.lower(), "service",
                           *(f"{k}={v}".lower() for k, v in (svc.selector or {}).items())])
        return Node(service_key(svc.key), NodeKind.SERVICE, svc.name, svc.namespace,
                    ports_text, "\n".join(tip), search_text=search, ports=tuple(mappings))

    def pod_nodes(self, workload: str) -> list[Node]:
        """The pods of a workload, as nodes (shown when the workload is expanded)."""
        out = []
        for p in self.pods_of.get(workload, []):
            state = "from the template" if p.synthetic else (p.phase or "")
            tip = f"Pod {p.namespace}/{p.name}" + (f" ({state})" if state else "")
            if p.ips:
                tip += "\nIPs: " + ", ".join(p.ips)
            out.append(Node(pod_key(p.key), NodeKind.POD, p.name, p.namespace, "", tip,
                            parent=workload, search_text=p.name.lower()))
        return out

    def toggle_expanded(self, key: str) -> bool:
        """Expand/collapse a workload's pods; returns the new state."""
        if key in self.expanded:
            self.expanded.discard(key)
            return False
        if key in self.nodes and self.nodes[key].kind == NodeKind.WORKLOAD:
            self.expanded.add(key)
            return True
        return False

    # ------------------------------------------------------------------ the tree
    def _build_tree(self, structure: _Structure | None = None, defer: bool = False) -> None:
        leaf_ns: dict[str, str | None] = {}
        for ns, leaves in self.ns_leaves.items():
            for k in leaves:
                leaf_ns[k] = ns
        for k in self.externals:
            leaf_ns[k] = None
        for k in self.other_peers:
            leaf_ns[k] = None
        self.leaf_ns = leaf_ns
        multi = {k: len(v) for k, v in self.members_of.items() if len(v) > 1}
        order: dict[str, object] = {}
        for i, k in enumerate(self.externals):
            order[k] = (0, i)
        for i, k in enumerate(self.other_peers):
            order[k] = (1, i)
        for i, ns in enumerate(self.ns_leaves):
            order[NS_PREFIX + ns] = (2, i)
        for leaves in self.ns_leaves.values():
            for i, k in enumerate(leaves):
                order[k] = (0, i)
        self._order = order
        memo: CoverMemo | None = None
        if structure is None:
            base = G.base_parent(leaf_ns, self.ns_leaves)
            containers = {NS_PREFIX + ns for ns in self.ns_leaves}
            base_tree = Tree(base, containers, order, multi)
            made: list[tuple[Tree, np.ndarray]] = []
            m0 = self._matrix_like(base_tree, made)
            defer = defer and self.options.groups
            # m0 transposed, once for every candidate list below (a namespace's columns as
            # contiguous rows)
            mt0 = G.transposed(m0) if self.options.groups else None
            cands = self._candidates(base_tree, m0, mt=mt0) if self.options.groups else []
            if defer:
                # the top level now, for the view with every namespace collapsed
                cands = [c for c in cands if c.kind != "group"]
            cands = G.useful(base_tree, m0, cands, mt0)
            chosen = G.choose(base, containers, order, multi, cands,
                              lambda t: self._matrix_like(t, made),
                              shut=_namespace_boxes if defer else None)
            if not defer and self.options.groups and _poorly_covered(chosen, base_tree, m0):
                # the policies' own sets leave many edges: try the relation's finer sets too
                # (as more candidates after the modules) and keep the smallest cover; the
                # first stays on a tie (same input, same picture)
                for extra in (G.row_candidates, functools.partial(G.row_candidates, own=True),
                              G.one_way_candidates):
                    alt = G.useful(base_tree, m0, self._candidates(base_tree, m0, extra, mt0),
                                   mt0)
                    other = G.choose(base, containers, order, multi, alt,
                                     lambda t: self._matrix_like(t, made))
                    if len(other.products) < len(chosen.products):
                        chosen = other
            tree, groups = chosen.tree, chosen.groups
            memo = chosen.memo
            sets = (namespace_sets(self.analyzer, list(self.ns_leaves),
                                   self.options.namespace_sets_above)
                    if self.analyzer is not None else [])
            if sets:
                # the overview: namespaces no namespace selector tells apart, one box each,
                # around the groups ``netviz render`` chooses (its cover stays exact here)
                tree, kept = insert_sets(tree, sets)
                if kept:
                    groups = {**{s.key: ("group", s.label, s.tooltip, None) for s in kept},
                              **groups}
                    memo = None  # the memo is per block of the tree without the sets
            self.structure = _Structure(tree, groups, None if defer else chosen.products,
                                        deferred=defer)
            self.tree = self.structure.tree
            self.m = self._matrix_like(self.tree, made)
        else:
            self.structure = structure
            self.tree = self.structure.tree
            self.m = self._matrix_for(self.tree)
        #: the cover of the whole relation (the default view), when known
        self._base_products: list[Product] | None = self.structure.products
        #: what the cover of the default view did per block (``cover_memo``), for the next
        #: what-if edit; and, when this model comes from ``updated`` before its own cover was
        #: made, an earlier memo with the cells changed since
        self._cover_memo: CoverMemo | None = memo
        self._memo_prev: CoverMemo | None = None
        self._memo_changed: list[tuple[int, int]] = []
        #: and, when that memo is of another tree (external leaves came or went), the nodes
        #: whose blocks must be covered again (``cover_memo``'s ``dirty``)
        self._memo_dirty: set[str] = set()
        #: Edge per product of the default view (the same across what-if edits: labels are
        #: interned, the tree and the Services stay)
        self._edge_cache: dict[Product, Edge] = {}
        #: a Service's links to its backends in the default view (likewise kept)
        self._link_cache: dict[str, list[Edge]] = {}
        for key, (kind, label, tip, group_ns) in self.structure.groups.items():
            self.nodes[key] = self._group_node(key, kind, label, tip, group_ns)

    @property
    def deferred(self) -> bool:
        """The groups inside namespaces are not chosen yet (``defer_groups``)."""
        return self.structure.deferred

    def _opening(self, collapsed: frozenset[str]) -> set[str]:
        """The namespaces a view with ``collapsed`` shows open whose groups are not chosen."""
        st = self.structure
        if not st.deferred:
            return set()
        tree = self.tree
        return {k for k in tree.containers if k.startswith(NS_PREFIX) and k not in st.opened
                and k not in collapsed and collapsed.isdisjoint(tree.ancestors(k))}

    def needs_refine(self, collapsed: frozenset[str]) -> bool:
        """A view with ``collapsed`` would choose groups first (``refine``)."""
        return bool(self._opening(collapsed))

    def refine(self, collapsed: frozenset[str] | None = None) -> None:
        """Choose the groups inside the namespaces that a view with ``collapsed`` shows open
        (None: inside every namespace), for a model made with ``defer_groups``. The tree
        outside those namespaces stays as it is (so no other box changes); the groups are
        chosen for that view as ``groups.choose`` does (groups no edge of its cover uses are
        dissolved), with the namespaces not opened yet collapsed; once every namespace has
        been opened, the full cover becomes the default view's. ``view`` calls it."""
        st = self.structure
        if not st.deferred:
            return
        tree = self.tree
        every = {k for k in tree.containers if k.startswith(NS_PREFIX)}
        todo = every - st.opened if collapsed is None else self._opening(collapsed)
        if not todo:
            return
        opened = st.opened | todo
        rest = every - opened
        mt = G.transposed(self.m)
        cands = [c for c in self._candidates(tree, self.m, mt=mt)
                 if c.kind == "group" and NS_PREFIX + (c.namespace or "") in todo]
        cands = G.useful(tree, self.m, cands, mt)
        order: dict[str, object] = {k: (i,) for i, k in enumerate(tree.nodes())}
        made = [(tree, self.m)]
        chosen = G.choose(dict(tree.parent), set(tree.containers) - {ROOT}, order, tree.multi,
                          cands, lambda t: self._matrix_like(t, made),
                          shut=(lambda t: rest) if rest else None)
        done = not rest
        self.structure = _Structure(chosen.tree, {**st.groups, **chosen.groups},
                                    chosen.products if done else None, deferred=not done,
                                    opened=frozenset() if done else frozenset(opened))
        self.tree = chosen.tree
        self.m = self._matrix_like(self.tree, made)
        self._base_products = chosen.products if done else None
        self._cover_memo = chosen.memo if done else None
        self._memo_prev, self._memo_changed, self._memo_dirty = None, [], set()
        self._edge_cache = {}
        self._link_cache = {}
        self._view_cache = {}
        for key, (kind, label, tip, group_ns) in chosen.groups.items():
            self.nodes[key] = self._group_node(key, kind, label, tip, group_ns)

    def _matrix_like(self, tree: Tree, made: list[tuple[Tree, np.ndarray]]) -> np.ndarray:
        """``_matrix_for(tree)``, from a matrix ``made`` already when one is over the same
        leaves (the candidate tree, the chosen tree and the base tree hold the same leaves in
        other orders): that very matrix for the same tree (nothing writes into these: the
        cover and ``useful`` read them, ``view`` and ``updated`` copy before they write), else
        its rows and columns permuted into ``tree``'s leaf order (the same cells, the same
        diagonal: ``set_diagonal`` depends on the leaves only), instead of placing the
        ~10^6 cells again (at 5,000 workloads 0.4 s a matrix)."""
        for known, m in made:
            if known is tree:
                return m
        for known, m in made:
            if known.multi == tree.multi and len(known.leaves) == len(tree.leaves) \
                    and known.index.keys() == tree.index.keys():
                kidx = known.index
                p = np.fromiter((kidx[k] for k in tree.leaves), np.intp, len(tree.leaves))
                out = m.take(p, axis=0).take(p, axis=1)
                made.append((tree, out))
                return out
        out = self._matrix_for(tree)
        made.append((tree, out))
        return out

    def _matrix_for(self, tree: Tree) -> np.ndarray:
        n = len(tree.leaves)
        dtype = np.int16 if len(self.labels.items) < 30000 else np.int32
        m = np.zeros((n, n), dtype=dtype)
        columns = self._cell_columns
        coded = columns.coded() if columns is not None else None
        if coded is not None:
            # from the columns: each peer's leaf index, then every cell at once (the same
            # cells as ``_cells``: no pair twice, and the ranges merged into one leaf have
            # the same cells, so the order they are written in does not matter)
            peers, srcs, dsts, vals = coded
            idx, lf = tree.index, self.leaf_of
            at = np.fromiter((idx[lf.get(k, k)] for k in peers), np.int64, len(peers))
            m[at[srcs], at[dsts]] = vals
        elif self._cells:
            idx = tree.index
            k = len(self._cells)
            # (the keys' ends mapped in C: ~900,000 cells at 5,000 workloads)
            rows = np.fromiter(map(idx.__getitem__, map(_FIRST, self._cells)), np.int64, k)
            cols = np.fromiter(map(idx.__getitem__, map(_SECOND, self._cells)), np.int64, k)
            vals = np.fromiter(self._cells.values(), np.int64, k)
            m[rows, cols] = vals
        set_diagonal(tree, m)
        return m

    def _candidates(self, tree: Tree, m: np.ndarray,
                    extra: Callable[..., list[G.Candidate]] | None = None,
                    mt: np.ndarray | None = None) -> list[G.Candidate]:
        """The candidate groups, in order (``groups``); ``mt``: ``m`` transposed, if made."""
        out: list[G.Candidate] = []
        out += G.module_candidates(tree, m, self.ns_leaves, self._group_label, mt)
        if extra is not None:
            out += extra(tree, m, self.ns_leaves, self._group_label)
        out += self._selector_candidates()
        if self.options.show_services:
            for skey, backends in sorted(self.service_backends.items()):
                ns = self.nodes[skey].namespace if skey in self.nodes else None
                if ns is None or len(backends) < 2 or len(backends) >= len(self.ns_leaves[ns]):
                    continue
                svc = self.nodes[skey]
                out.append(G.Candidate("group", frozenset(backends),
                                       self._group_label(ns, list(backends)), namespace=ns,
                                       sources=[f"backends of Service {svc.label}"]))
        if len(self.ns_leaves) >= 2 and (self.externals or self.other_peers):
            out.append(G.Candidate("cluster", frozenset(NS_PREFIX + n for n in self.ns_leaves),
                                   "cluster", "every namespace"))
        if len(self.externals) >= 2:
            # the ranges the cluster sends to, and those it receives from (the address space is
            # cut per direction, so these are usually disjoint)
            # (the keys' ends collected in C: ~900,000 cells at 5,000 workloads)
            cols = self._cell_columns
            if cols is not None:
                lf = self.leaf_of
                srcs = {lf.get(k, k) for k in set(cols.skeys)}.intersection(self.externals)
                dsts = {lf.get(k, k) for k in set(cols.dkeys)}.intersection(self.externals)
            else:
                srcs = set(map(_FIRST, self._cells)).intersection(self.externals)
                dsts = set(map(_SECOND, self._cells)).intersection(self.externals)
            for side, text in ((dsts - srcs, "addresses the cluster sends to"),
                               (srcs - dsts, "addresses the cluster receives from")):
                if 2 <= len(side) < len(self.externals):
                    out.append(G.Candidate("external", frozenset(side), "outside the cluster",
                                           text))
            out.append(G.Candidate("external", frozenset(self.externals),
                                   "outside the cluster", "every external address range"))
        return out

    def _selector_candidates(self) -> list[G.Candidate]:
        an = self.analyzer
        if an is None:
            return []
        from netviz.engine import bits_iter
        from netviz.engine.connlist import workload_classes

        wl_cls = workload_classes(an)
        mask = {wl: sum(1 << c for c in cls) for wl, cls in wl_cls.items()}
        of_class: dict[int, list[str]] = {}
        for wl, cls in wl_cls.items():
            for c in cls:
                of_class.setdefault(c, []).append(wl)
        counts: dict[tuple[str, str | None, frozenset[str]], list[str]] = {}
        #: per set of classes: the group keys it gives (per namespace, the workloads wholly
        #: inside it, when two or more and not all) and the namespaces wholly inside it (a
        #: set is used by many rules: ~3,750 calls for ~5,000 workloads)
        seen_bits: dict[int, tuple[list[tuple[str, str | None, frozenset[str]]],
                                   list[str]]] = {}

        def split(bits: int) -> tuple[list[tuple[str, str | None, frozenset[str]]], list[str]]:
            # the workloads wholly inside ``bits``, from its classes (not all workloads)
            found = {wl for c in bits_iter(bits) for wl in of_class.get(c, ())}
            inside = [wl for wl in found if bits & mask[wl] == mask[wl] and wl in self.leaf_ns]
            by_ns: dict[str, list[str]] = {}
            for wl in inside:
                ns = self.leaf_ns[wl]
                if ns is not None:
                    by_ns.setdefault(ns, []).append(wl)
            whole: list[str] = []
            keys: list[tuple[str, str | None, frozenset[str]]] = []
            for ns, wls in by_ns.items():
                if len(wls) == len(self.ns_leaves[ns]):
                    whole.append(ns)
                elif len(wls) >= 2:
                    keys.append(("group", ns, frozenset(wls)))
            return keys, whole

        def add(bits: int, label: str, ns_label: str | None, why: str) -> None:
            got = seen_bits.get(bits)
            if got is None:
                got = seen_bits[bits] = split(bits)
            keys, whole = got
            for key in keys:
                counts.setdefault(key, [label, why]).append(why)
            if ns_label is not None and 2 <= len(whole) < len(self.ns_leaves):
                counts.setdefault(("nsset", None, frozenset(NS_PREFIX + n for n in whole)),
                                  [ns_label, why]).append(why)

        for cp in an.policies:
            pol = cp.policy
            add(cp.selected, str(pol.pod_selector) or "all pods", None,
                f"selected by policy {pol.namespace}/{pol.name}")
            for direction, rules in (("ingress", cp.ingress), ("egress", cp.egress)):
                for cr in rules:
                    if cr.rule.all_peers:
                        continue
                    for i, peer in enumerate(cr.rule.peers):
                        if peer.ip_block is not None:
                            continue
                        bits = an.peer_bits(peer, pol.namespace)
                        pod_text = str(peer.pod_selector) if peer.pod_selector is not None else ""
                        ns_text = (str(peer.namespace_selector)
                                   if peer.namespace_selector is not None else None)
                        label = pod_text or "all pods"
                        ns_label = None
                        if ns_text is not None and peer.pod_selector is None:
                            ns_label = "namespaces " + (ns_text or "(all)")
                        add(bits, label, ns_label,
                            f"{direction} rule {cr.index} of policy {pol.namespace}/{pol.name}, "
                            f"peer {i}")
        out = []
        ranked = sorted(counts.items(), key=lambda kv: (-(len(kv[1]) - 2), kv[0][0],
                                                        kv[0][1] or "", sorted(kv[0][2])))
        for (kind, ns, atoms), (label, *whys) in ranked:
            if kind == "group" and ns is not None:
                label = self._group_label(ns, sorted(atoms), label)
            tip = label + "\n" + "\n".join(dict.fromkeys(whys[1:] or whys))
            out.append(G.Candidate(kind, atoms, label, tip, namespace=ns,
                                   weight=len(whys)))
        return out

    def _group_label(self, ns: str, members: list[str], hint: str | None = None) -> str:
        """A title for a group of workloads: the selector that chose it when given, else the
        pod labels all members share and no other workload of the namespace has."""
        if hint and hint not in ("{}", "all pods"):
            return hint
        others = [k for k in self.ns_leaves[ns] if k not in members]

        def labels(k: str) -> dict[str, str]:
            pods = self.pods_of.get(k)
            return dict(pods[0].labels) if pods else {}

        common = None
        for k in members:
            lk = set(labels(k).items())
            common = lk if common is None else common & lk
        common = common or set()
        for item in sorted(common):
            if not any(item in labels(o).items() for o in others):
                return f"{item[0]}={item[1]}"
        if common and not any(common <= set(labels(o).items()) for o in others):
            return ",".join(f"{k}={v}" for k, v in sorted(common))
        for key in sorted({k for m in members for k in labels(m)}):
            vals = {labels(m).get(key) for m in members}
            if None in vals:
                continue
            if not any(labels(o).get(key) in vals for o in others):
                return f"{key} in ({', '.join(sorted(vals))})"  # type: ignore[arg-type]
        return f"{len(members)} workloads"

    # ------------------------------------------------------------------ incremental
    def updated(
        self,
        cluster: Cluster,
        connections: Sequence[Connection],
        analyzer: Analyzer | None,
        changed: Iterable[tuple[str, str]],
        difference: Sequence[DiffEntry] | None = None,
    ) -> GraphModel:
        """The model for the same nodes under other connections (a what-if policy edit).

        ``connections`` must differ from this model's only at the peer pairs in ``changed``
        (``difference`` likewise, except that its entries with an external range at one end
        may differ on every workload side (workload, direction) that a changed pair with an
        external range touches: ``netviz.viewmodel.editing.evaluation`` re-diffs such sides
        whole). Only the changed cells of the relation are rewritten; the nodes and the tree
        are kept (so no box changes and nothing moves), except for external ranges: an edit
        that adds, changes or removes an ipBlock cuts the address space anew, and ranges with
        the same connections merge or split (``_update_externals``): external leaves that
        stand for the same ranges stay where they are in the tree, new ones (and one that
        stands for other ranges under its old key: another box) join the top level, vanished
        ones leave it (with an external group left empty). A full build is
        made when the nodes may differ (other namespaces, pods, workloads or Services) or when
        switching between a plain and a difference model."""
        changed = set(changed)
        old = self.cluster
        same_nodes = (cluster.namespaces is old.namespaces and cluster.pods is old.pods
                      and cluster.workloads is old.workloads and cluster.services is old.services
                      and cluster.ingresses is old.ingresses
                      and cluster.endpoints is old.endpoints)
        if not same_nodes or (difference is None) != (self.difference is None):
            m = GraphModel(cluster, connections, analyzer, self.options, difference)
            m.expanded = {k for k in self.expanded if k in m.nodes}
            return m
        # the workload sides whose external cells change (every cell of such a side is
        # computed again: the difference merges a side's ranges anew)
        sides: set[tuple[str, str]] = set()
        for s, d in changed:
            if is_external_key(s):
                sides.add((d, "in"))
            elif is_external_key(d):
                sides.add((s, "out"))
        new = object.__new__(GraphModel)
        new.__dict__.update(self.__dict__)
        new.cluster = cluster
        new.analyzer = analyzer
        new.connections = list(connections)
        new.source_connections = connections
        new.expanded = set(self.expanded)
        new.difference = list(difference) if difference is not None else None
        new.labels = self.labels.copy()
        new._cells = dict(self._cells)
        new._view_cache = {}
        new._base_products = None
        new._cover_memo = None
        # its own copies: label ids appended by two models updated from one would clash
        new._edge_cache = dict(self._edge_cache)
        new._link_cache = dict(self._link_cache)
        if self._cover_memo is not None:
            new._memo_prev, new._memo_changed = self._cover_memo, []
            new._memo_dirty = set()
        else:
            new._memo_prev, new._memo_changed = self._memo_prev, list(self._memo_changed)
            new._memo_dirty = set(self._memo_dirty)
        if self.outside:
            # what gets through from outside depends on the policies
            new.nodes = dict(self.nodes)
            new._add_outside()
        fresh: dict[tuple[str, str], int] = {}
        side_cells: dict[tuple[str, str], dict[str, int]] = {sd: {} for sd in sides}
        ids: dict[object, int] = {}  # label id per connection set (a label is its function)
        lab = new.labels
        if sides:
            new._peer_nodes = dict(self._peer_nodes)
        peers = new._peer_nodes
        if difference is not None:
            diff = {(e.src.key, e.dst.key): e for e in difference}
            skip: set[tuple[str, str]] = set()
            for k, e in diff.items():
                if e.src.is_external or e.dst.is_external:
                    sd = (k[1], "in") if e.src.is_external else (k[0], "out")
                    if sd in sides:
                        # the difference's own external pieces stand for this side
                        skip.add(sd)
                        side_cells[sd][k[0] if e.src.is_external else k[1]] = \
                            lab.id(_diff_label(e))
                        peers.setdefault(k[0], e.src)
                        peers.setdefault(k[1], e.dst)
                elif k in changed:
                    fresh[k] = lab.id(_diff_label(e))
            for c in connections:
                src, dst = c.src, c.dst
                k = (src.key, dst.key)
                if sides and (src.ip_range is not None or dst.ip_range is not None):
                    sd = (k[1], "in") if src.ip_range is not None else (k[0], "out")
                    if sd in sides:
                        peers.setdefault(k[0], src)
                        peers.setdefault(k[1], dst)
                        if k not in diff and sd not in skip:
                            i = ids.get(c.connections)
                            if i is None:
                                i = ids[c.connections] = lab.id(_unchanged_label(c.connections))
                            side_cells[sd][k[0] if src.ip_range is not None else k[1]] = i
                    continue
                if k in changed and k not in diff:
                    fresh[k] = lab.id(_unchanged_label(c.connections))
        else:
            for c in connections:
                src, dst = c.src, c.dst
                k = (src.key, dst.key)
                if sides and (src.ip_range is not None or dst.ip_range is not None):
                    sd = (k[1], "in") if src.ip_range is not None else (k[0], "out")
                    if sd in sides:
                        peers.setdefault(k[0], src)
                        peers.setdefault(k[1], dst)
                        i = ids.get(c.connections)
                        if i is None:
                            i = ids[c.connections] = lab.id(_plain_label(c.connections))
                        side_cells[sd][k[0] if src.ip_range is not None else k[1]] = i
                    continue
                if k in changed:
                    fresh[k] = lab.id(_plain_label(c.connections))
        if sides:
            new._update_externals(self, side_cells)
        else:
            new.m = self.m.copy()
        if len(new.labels.items) >= 30000 and new.m.dtype == np.int16:
            new.m = new.m.astype(np.int32)
        idx = new.tree.index
        for k in changed:
            s, d = k
            if s not in idx or d not in idx or is_external_key(s) or is_external_key(d):
                continue
            v = fresh.get(k, 0)
            if v:
                new._cells[k] = v
            else:
                new._cells.pop(k, None)
            if s != d:
                new.m[idx[s], idx[d]] = v
                new._memo_changed.append((idx[s], idx[d]))
        return new

    def _update_externals(self, old: GraphModel,
                          side_cells: dict[tuple[str, str], dict[str, int]]) -> None:
        """``updated`` for an edit that changed the external cells of some workload sides
        (``side_cells``: every cell of each such side, after the edit). ``self`` is the new
        model (a copy of ``old`` so far); its external leaves, cells, tree, matrix, nodes and
        cover memo are brought up to date (see ``updated``)."""
        oext = old._ext
        ext = _Externals(dict(oext.sig), dict(oext.side))
        affected: set[str] = set()
        moved_sides = []
        for sd, cells in side_cells.items():
            before = oext.side.get(sd, {})
            if before == cells:
                continue
            moved_sides.append((sd, before, cells))
            affected.update(before)
            affected.update(cells)
            if cells:
                ext.side[sd] = cells
            else:
                ext.side.pop(sd, None)
        for r in affected:
            ext.sig[r] = dict(oext.sig.get(r, {}))
        for (w, dr), before, cells in moved_sides:
            for r in before:
                ext.sig[r].pop((dr, w), None)
            for r, i in cells.items():
                ext.sig[r][(dr, w)] = i
        for r in affected:
            if not ext.sig[r]:
                del ext.sig[r]  # no cell left: not a peer of the relation any more
        self._ext = ext
        t = old.tree
        if not affected:
            self.m = old.m.copy()
            return
        # the leaves: ranges merged again (the merge keys of unaffected ranges are kept)
        old_members = {k: tuple(old.members_of[k]) for k in old.externals}
        self.leaf_of = {k: v for k, v in old.leaf_of.items() if k not in oext.sig}
        self.members_of = {k: v for k, v in old.members_of.items() if k not in old_members}
        self.external_members = {}
        self._merge_externals(ext.sig, dict(old._ext_keys), affected)
        externals = sorted({self.leaf_of[k] for k in ext.sig}, key=self._range_order)
        self.externals = externals
        new_members = {k: tuple(self.members_of[k]) for k in externals}
        removed = [k for k in old_members if k not in new_members]
        dirty = [k for k in externals if k not in old_members
                 or old_members[k] != new_members[k]
                 or not affected.isdisjoint(new_members[k])]
        # new leaves, and kept ones that stand for other ranges now (another node: its text
        # changed), join the top level
        added = [k for k in externals if k not in old_members
                 or old_members[k] != new_members[k]]
        # leaf-level cells: the removed and changed leaves' cells out, the new ones in
        leaf_cells = self._cells
        for k in removed + [k for k in dirty if k in old_members]:
            for (dr, w) in oext.sig[k]:
                leaf_cells.pop((k, w) if dr == "in" else (w, k), None)
        for k in dirty:
            for (dr, w), i in ext.sig[k].items():
                leaf_cells[(k, w) if dr == "in" else (w, k)] = i
        # the tree: vanished leaves out (and an external group left without a leaf), new
        # ones (``added``) at the top level after the others; everything else keeps its place
        parent = dict(t.parent)
        lost: dict[str, int] = {}
        for k in removed + [k for k in added if k in old_members]:
            del parent[k]
            for a in t.ancestors(k):
                lost[a] = lost.get(a, 0) + 1
        gone: set[str] = set()
        for c, n in lost.items():
            if c != ROOT and not c.startswith(NS_PREFIX) and t.hi[c] - t.lo[c] == n \
                    and not any(x.startswith(NS_PREFIX) for x in t.nodes_under(c)):
                gone.add(c)
                gone.update(x for x in t.nodes_under(c) if x in t.containers)
        for c in gone:
            parent.pop(c, None)
        pos = {k: i for i, k in enumerate(t.nodes())}
        order: dict[str, object] = {k: (0, pos[k]) for k in parent if k in pos}
        for i, k in enumerate(added):
            parent[k] = ROOT
            order[k] = (1, i)
        multi = {k: n for k, n in t.multi.items() if k not in old_members}
        multi.update({k: len(v) for k, v in new_members.items() if len(v) > 1})
        tree = Tree(parent, t.containers - gone, order, multi)
        self.tree = tree
        groups = {k: v for k, v in old.structure.groups.items() if k not in gone}
        self.structure = _Structure(tree, groups, None, deferred=old.structure.deferred,
                                    opened=old.structure.opened)
        self._order = order
        leaf_ns = {k: v for k, v in old.leaf_ns.items() if k not in old_members}
        for k in externals:
            leaf_ns[k] = None
        self.leaf_ns = leaf_ns
        # the matrix: kept leaves' rows and columns moved to their new places, the changed
        # leaves' filled from their cells
        dirty_set = set(dirty)
        keep = [k for k in tree.leaves if k in t.index and k not in dirty_set]
        ni = np.fromiter((tree.index[k] for k in keep), np.int64, len(keep))
        oi = np.fromiter((t.index[k] for k in keep), np.int64, len(keep))
        n = len(tree.leaves)
        m = np.zeros((n, n), dtype=old.m.dtype)
        if len(keep) == len(t.leaves) == n and bool((ni == oi).all()):
            m[:] = old.m
        else:
            m[np.ix_(ni, ni)] = old.m[np.ix_(oi, oi)]
        if dirty:
            idx = tree.index
            rows: list[int] = []
            cols: list[int] = []
            vals: list[int] = []
            for k in dirty:
                ik = idx[k]
                for (dr, w), i in ext.sig[k].items():
                    if dr == "in":
                        rows.append(ik)
                        cols.append(idx[w])
                    else:
                        rows.append(idx[w])
                        cols.append(ik)
                    vals.append(i)
            m[rows, cols] = vals
        set_diagonal(tree, m)
        self.m = m
        # the cover memo: cells changed before (in the old order) move along; every node
        # whose leaves changed is covered again
        to_new = {t.index[k]: tree.index[k] for k in keep}
        self._memo_changed = [(to_new[i], to_new[j]) for i, j in self._memo_changed
                              if i in to_new and j in to_new]
        md = self._memo_dirty
        md.update(dirty)
        for k in dirty:
            md.update(tree.ancestors(k))
        md.update(a for a in lost if a not in gone)
        md.difference_update(gone)
        self._edge_cache = {p: e for p, e in self._edge_cache.items()
                            if p.src not in md and p.dst not in md}
        # nodes
        nodes = self.nodes if self.nodes is not old.nodes else dict(old.nodes)
        for k in removed:
            nodes.pop(k, None)
        for k in gone:
            nodes.pop(k, None)
        for k in dirty:
            nodes[k] = self._external_node(k)
        for key in md:
            if key in groups:
                kind, label, tip, group_ns = groups[key]
                if kind == "external":
                    tip = self._external_group_tip(tree.leaves_of(key))
                nodes[key] = self._group_node(key, kind, label, tip, group_ns)
        self.nodes = nodes

    def _external_group_tip(self, leaves: Sequence[str]) -> str:
        """What a group of external ranges is, from its leaves' cells now."""
        dirs = {dr for k in leaves for (dr, _) in self._ext.sig.get(k, {})}
        if set(leaves) == set(self.externals):
            return "every external address range"
        if dirs == {"out"}:
            return "addresses the cluster sends to"
        if dirs == {"in"}:
            return "addresses the cluster receives from"
        return "external address ranges"

    def _group_node(self, key: str, kind: str, label: str, tip: str,
                    group_ns: str | None) -> Node:
        n = len(self.tree.leaves_of(key))
        return Node(key, NodeKind(kind), label, group_ns, "", tip or f"{label}\n{n} member(s)",
                    parent=self.tree.parent.get(key), search_text=label.lower())

    def ensure_memo(self) -> None:
        """Make the default view's cover memo now (a full cover), so that the first what-if
        edit does not: call it off the edit path (after a load, when idle)."""
        if self._cover_memo is None and self._memo_prev is None:
            products, self._cover_memo = cover_memo(self.tree, self.m)
            self._base_products = products
        self._cells  # noqa: B018  (made now too: ``updated`` copies it)

    # ------------------------------------------------------------------ queries
    @property
    def allowed(self) -> dict[tuple[str, str], ConnectionSet]:
        """(source leaf, destination leaf) -> connections of the pairs that have some."""
        got = self._allowed
        if got is None or got[0] is not self._cells:
            lab = self.labels
            val: dict[tuple[str, str], ConnectionSet] = {}
            for k, v in self._cells.items():
                item = lab[v]
                if item.style not in (REMOVED, "denied") and item.conns is not None:
                    val[k] = item.conns
            got = (self._cells, val)
            self._allowed = got
        return got[1]

    @property
    def out_adj(self) -> dict[str, set[str]]:
        return self._adj()[0]

    @property
    def in_adj(self) -> dict[str, set[str]]:
        return self._adj()[1]

    def _adj(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        got = self._adj_cache
        if got is None or got[0] is not self._cells:
            out: dict[str, set[str]] = {}
            inn: dict[str, set[str]] = {}
            for s, d in self.allowed:
                out.setdefault(s, set()).add(d)
                inn.setdefault(d, set()).add(s)
            got = (self._cells, out, inn)
            self._adj_cache = got
        return got[1], got[2]

    def members(self, key: str) -> list[str]:
        """The peers ``key`` stands for (``netviz list`` names); none for the nodes of the
        path from outside."""
        if key in self.outside_keys:
            return []
        if key in self.tree.lo:
            out: list[str] = []
            for leaf in self.tree.leaves_of(key):
                out.extend(self.members_of.get(leaf, [leaf]))
            return out
        if key in self.service_backends:
            return list(self.service_backends[key])
        return self.members_of.get(key, [key])

    def leaves_of(self, key: str) -> list[str]:
        """The leaves under ``key`` (a Service: its backends)."""
        if key in self.service_backends:
            return list(self.service_backends[key])
        if key in self.tree.lo:
            return self.tree.leaves_of(key)
        return [key]

    def pairs(self, edge: Edge) -> list[tuple[str, str]]:
        """The leaf pairs an edge states (``service``/``bundle`` edges: those it covers)."""
        src, dst = self.leaves_of(edge.src), self.leaves_of(edge.dst)
        return [(s, d) for s in src for d in dst if s != d or len(self.members_of.get(s, [s])) > 1]

    def admin_loaded(self) -> bool:
        """Whether Admin-tier cluster policies are loaded (their denials have an edge style)."""
        an = self.analyzer
        return an is not None and any(cp.policy.tier is Tier.ADMIN for cp in an.cluster_policies)

    @property
    def edges(self) -> list[Edge]:
        """The edges of the unfiltered view."""
        return self.view().edges

    def statements(self, edges: Sequence[Edge]) -> dict[tuple[str, str], tuple[str, str]]:
        """(source peer, destination peer) -> (style, connection) for every pair the exact
        edges among ``edges`` state (peers as ``netviz list`` names them). A pair stated twice
        raises ValueError: the picture would contradict itself."""
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for e in edges:
            if e.style not in EXACT_STYLES:
                continue
            for s in self.members(e.src):
                for t in self.members(e.dst):
                    if s == t:
                        continue
                    if (s, t) in out:
                        raise ValueError(f"{s} -> {t} is stated twice")
                    out[(s, t)] = (str(e.style), e.connection)
        return out

    def why(self, src: str, dst: str) -> str:
        """A short "why" for a tooltip: the engine's explanation (first pods of each side),
        rendered short (``netviz.viewmodel.explain.tooltip``)."""
        from netviz.engine.explain import explain_endpoints
        from netviz.viewmodel.explain import tooltip

        an = self.analyzer
        if an is None or src not in self.pods_of or dst not in self.pods_of:
            return ""
        expl = explain_endpoints(an, self.pods_of[src][0], self.pods_of[dst][-1], src, dst)
        return tooltip(expl)

    def denied_style(self, src: str, dst: str) -> EdgeStyle:
        """How the denied pair ``src`` -> ``dst`` is drawn: ``denied-by-admin`` when Admin-tier
        Deny rules deny everything between every pod of the two (``Analyzer.deny_tier``), else
        ``denied`` (nothing allows it)."""
        an = self.analyzer
        if an is None or not an.cluster_policies:
            return EdgeStyle.DENIED
        sps, dps = self.pods_of.get(src, ()), self.pods_of.get(dst, ())
        if not sps or not dps:
            return EdgeStyle.DENIED
        scs = {an.class_of(p).index: an.class_of(p) for p in sps}
        dcs = {an.class_of(p).index: an.class_of(p) for p in dps}
        if all(an.deny_tier(sc, dc) is Tier.ADMIN for sc in scs.values() for dc in dcs.values()):
            return EdgeStyle.DENIED_BY_ADMIN
        return EdgeStyle.DENIED

    def search(self, text: str) -> list[str]:
        """Keys of leaves and Services whose name, namespace, kind or labels contain every
        word of ``text``."""
        words = text.lower().split()
        if not words:
            return []
        return [k for k, n in self.nodes.items()
                if not n.is_container and all(w in n.search_text for w in words)]

    def find_workload(self, spec: str) -> str | None:
        """``NS/NAME`` (or a full key) -> workload key; None when unknown."""
        if spec in self.nodes:
            return spec
        if "/" not in spec:
            return None
        ns, name = spec.split("/", 1)
        for key, node in self.nodes.items():
            if node.kind in (NodeKind.WORKLOAD, NodeKind.SERVICE) and node.namespace == ns \
                    and node.label == name:
                return key
        return None

    def suggest(self, spec: str) -> list[str]:
        import difflib

        names = [f"{n.namespace}/{n.label}" for n in self.nodes.values()
                 if n.kind == NodeKind.WORKLOAD]
        return difflib.get_close_matches(spec, names, n=3)

    def neighbours(self, key: str) -> set[str]:
        """Peers connected to ``key`` (either direction, allowed pairs and Service links)."""
        out = set(self.out_adj.get(key, ())) | set(self.in_adj.get(key, ()))
        if key in self.service_backends:
            out |= set(self.service_backends[key])
            for b in self.service_backends[key]:
                out |= set(self.in_adj.get(b, ()))
        for skey in self.services_of.get(key, []):
            if skey in self.nodes:
                out.add(skey)
        return out

    # ------------------------------------------------------------------ the view
    def view(
        self,
        namespaces: frozenset[str] | None = None,
        text: str = "",
        protocol: str | None = None,
        port: int | None = None,
        show_denied: bool = False,
        focus: str | None = None,
        hide_styles: frozenset[str] = frozenset(),
        selected: str | None = None,
        collapsed: frozenset[str] = frozenset(),
    ) -> VisibleGraph:
        """What to draw under these filters (the fields of ``AppState.filters``)."""
        if self.structure.deferred and self.needs_refine(collapsed):
            self.refine(collapsed)
        key = (namespaces, text, protocol, port, show_denied, focus, hide_styles,
               selected if show_denied else None, collapsed)
        got = self._view_cache.get(key)
        if got is None:
            got = self._view(namespaces, text, protocol, port, show_denied, focus, hide_styles,
                             selected, collapsed)
            if len(self._view_cache) > 8:
                self._view_cache.clear()
            self._view_cache[key] = got
        return got

    def _view(self, namespaces: frozenset[str] | None, text: str, protocol: str | None,
              port: int | None, show_denied: bool, focus: str | None,
              hide_styles: frozenset[str], selected: str | None,
              collapsed: frozenset[str]) -> VisibleGraph:
        nodes, tree, lab = self.nodes, self.tree, self.labels
        m = self.m
        by_port = protocol is not None or port is not None
        # labels kept by the style and port filters
        keep_label = np.ones(len(lab.items), dtype=bool)
        keep_label[0] = False
        for i in range(1, len(lab.items)):
            item = lab[i]
            if item.style in hide_styles or (by_port and not accepts(item.conns, protocol, port)):
                keep_label[i] = False
        if not keep_label[1:].all():
            lut = np.where(keep_label, np.arange(len(lab.items)), 0).astype(m.dtype)
            wild = m < 0
            m = lut[np.where(wild, 0, m)]
            m[wild] = -1
        # focus: only the focus's rows and columns
        focus_leaves: list[str] = []
        if focus is not None and focus in nodes:
            focus_leaves = [k for k in self.leaves_of(focus) if k in tree.index]
        else:
            focus = None
        if focus_leaves:
            fm = np.zeros_like(m)
            for k in focus_leaves:
                i = tree.index[k]
                fm[i, :] = m[i, :]
                fm[:, i] = m[:, i]
            m = fm
            set_diagonal(tree, m)
        # which leaves are visible
        visible_leaf = np.ones(len(tree.leaves), dtype=bool)
        if namespaces is not None:
            for i, k in enumerate(tree.leaves):
                ns = self.leaf_ns.get(k)
                if ns is not None and ns not in namespaces and k not in focus_leaves:
                    visible_leaf[i] = False
        if focus is not None:
            keep_keys = {focus, *focus_leaves} | self.neighbours(focus)
            for k in focus_leaves:
                keep_keys |= self.neighbours(k)
            for i, k in enumerate(tree.leaves):
                if k not in keep_keys:
                    visible_leaf[i] = False
        denied_limited = False
        if show_denied and "denied" not in hide_styles and not by_port:
            around = focus or (selected if selected in nodes else None)
            wl = np.array([nodes[k].kind == NodeKind.WORKLOAD for k in tree.leaves]) & visible_leaf
            if around is None and int(wl.sum()) > DENIED_ALL_PAIRS_LIMIT:
                denied_limited = True
            else:
                did = self.labels.id(EdgeLabel(EdgeStyle.DENIED, ConnectionSet.none(),
                                               "No Connections"))
                m = m.copy() if m is self.m else m
                mask = (m == 0) & wl[:, None] & wl[None, :]
                if around is not None:
                    rows = np.zeros(len(tree.leaves), dtype=bool)
                    for k in self.leaves_of(around):
                        if k in tree.index:
                            rows[tree.index[k]] = True
                    mask &= rows[:, None] | rows[None, :]
                m[mask] = did
                an = self.analyzer
                if an is not None and an.cluster_policies:
                    # pairs that Admin-tier Deny rules deny are told apart
                    aid = self.labels.id(EdgeLabel(EdgeStyle.DENIED_BY_ADMIN,
                                                   ConnectionSet.none(), "No Connections",
                                                   info="denied by Admin-tier Deny rules"))
                    for i, j in zip(*(x.tolist() for x in np.nonzero(mask)), strict=True):
                        if self.denied_style(tree.leaves[i], tree.leaves[j]) \
                                is EdgeStyle.DENIED_BY_ADMIN:
                            m[i, j] = aid
        # externals and other peers only when connected to something visible
        vis_idx = np.nonzero(visible_leaf)[0]
        if len(vis_idx) < len(tree.leaves):
            mm = m[np.ix_(vis_idx, vis_idx)]
        else:
            mm = m
        connected = (np.maximum(mm, 0).any(axis=1) | np.maximum(mm, 0).any(axis=0))
        drop = [i for i, ii in enumerate(vis_idx)
                if not connected[i] and nodes[tree.leaves[ii]].kind not in (NodeKind.WORKLOAD,)]
        if drop:
            keep_mask = np.ones(len(vis_idx), dtype=bool)
            keep_mask[drop] = False
            vis_idx = vis_idx[keep_mask]
            mm = mm[np.ix_(keep_mask, keep_mask)]
        vis_leaves = [tree.leaves[i] for i in vis_idx]
        vset = set(vis_leaves)
        if len(vis_leaves) == len(tree.leaves):
            vtree = tree
        else:
            shown_ns = {NS_PREFIX + ns for ns in self.ns_leaves
                        if namespaces is None or ns in namespaces}
            if focus is not None:
                shown_ns = {NS_PREFIX + ns for k in vset if (ns := self.leaf_ns.get(k))}
            vtree = tree.restricted(vset | shown_ns)
        base_view = mm is self.m and vtree is tree and not (collapsed & vtree.containers)
        if base_view and self._base_products is not None:
            products = self._base_products
        elif base_view:
            # after a what-if edit: only the blocks with changed cells are covered again
            prev = self._memo_prev
            products, self._cover_memo = cover_memo(
                tree, mm, (), prev, self._memo_changed,
                self._memo_dirty if prev is not None and prev.tree is not tree else None)
            self._memo_prev, self._memo_changed, self._memo_dirty = None, [], set()
            self._base_products = products
        else:
            products = cover(vtree, mm, collapsed & vtree.containers)
        shut = collapsed & vtree.containers
        if base_view and protocol is None and port is None:
            cache = self._edge_cache
            if len(cache) > 2 * len(products) + 64:
                cache = self._edge_cache = {p: cache[p] for p in products if p in cache}
            edges = []
            memo: dict[object, object] = {}
            for p in products:
                e = cache.get(p)
                if e is None:
                    e = cache[p] = self._edge(p, vtree, None, None, shut, memo)
                edges.append(e)
        else:
            memo = {}
            edges = [self._edge(p, vtree, protocol, port, shut, memo) for p in products]
        counted = [it is not None and it.style in ("allowed", "partial") for it in lab.items]
        pairs = sum(p.pairs for p in products if p.label != BUNDLE and counted[p.label])
        # Services and their links
        shown_ns_names = {k[len(NS_PREFIX):] for k in vtree.containers if k.startswith(NS_PREFIX)}
        services = []
        if self.options.show_services:
            for skey, backends in self.service_backends.items():
                if skey not in nodes:
                    continue
                if nodes[skey].namespace not in shown_ns_names:
                    continue
                if focus is not None and skey != focus and not (set(backends) & vset):
                    continue
                services.append(skey)
            used_svc = {e.dst for e in edges}
            if "service" not in hide_styles:
                links = self._link_cache if base_view else {}
                for skey in services:
                    if focus is not None and skey not in used_svc and skey != focus:
                        continue
                    got_links = links.get(skey)
                    if got_links is None:
                        got_links = self._service_links(skey, vtree, vset)
                        if base_view:
                            links[skey] = got_links
                    edges.extend(got_links)
            if focus is not None:
                services = [s for s in services if s in used_svc or s == focus
                            or any(e.src == s for e in edges)]
        shown_outside: set[str] = set()
        if self.outside:
            edges, shown_outside = self._outside_view(edges, services, vset, hide_styles,
                                                      protocol, port)
        if shut:
            # semantic zoom: a collapsed container is one box; what it holds is not drawn.
            # Its pairs are stated by the cover's edges at the box (exact ones, and bundles
            # with counts for mixed blocks); the Service links and the path from outside
            # into it (which state no pair) wait until it is expanded.
            hidden = {k for c in shut for k in vtree.leaves_of(c)}
            hidden.update([s for s in services if NS_PREFIX + (nodes[s].namespace or "") in shut
                           or not hidden.isdisjoint(self.service_backends.get(s, ()))])
            services = [s for s in services if s not in hidden]
            vset = vset - hidden
            edges = [e for e in edges if e.src not in hidden and e.dst not in hidden]
            linked = {k for e in edges for k in (e.src, e.dst)}
            shown_outside &= linked
        edges.sort(key=_EDGE_ORDER)
        svc_set = set(services)  # (a list of ~1,000 at 1,000 workloads: 17 ms a view)
        visible = [k for k in nodes if k in vset or k in svc_set or k in shown_outside]
        emphasis: set[str] | None = None
        if text.strip():
            emphasis = set(self.search(text))
        if by_port:
            reach: set[str] = set()
            for e in edges:
                if e.style not in ("service", "bundle"):
                    reach.update(self.leaves_of(e.src))
                    reach.update(self.leaves_of(e.dst))
                    reach.add(e.src)
                    reach.add(e.dst)
            emphasis = reach if emphasis is None else emphasis & reach
        ns_list = [ns for ns in self.namespaces if NS_PREFIX + ns in vtree.containers]
        return VisibleGraph(visible, edges, ns_list, emphasis, denied_limited, vtree,
                            collapsed & vtree.containers, pairs)

    def _outside_view(self, edges: list[Edge], services: list[str], vset: set[str],
                      hide_styles: frozenset[str], protocol: str | None, port: int | None
                      ) -> tuple[list[Edge], set[str]]:
        """The edges of the path from outside for the visible Services and backends, and the
        outside nodes they need. A Service with an ``exposed``/``blocked`` edge to a visible
        backend loses its plain ``service`` links (the new edges say more)."""
        by_port = protocol is not None or port is not None
        shown_svc = set(services)
        kept: list[OutsideEdge] = []
        for oe in self.outside.edges:
            if oe.style in hide_styles:
                continue
            if oe.style in (EdgeStyle.EXPOSED, EdgeStyle.BLOCKED):
                if oe.source not in shown_svc or oe.target not in vset:
                    continue
                if by_port and not accepts(oe.conns, protocol, port):
                    continue
            elif oe.style == EdgeStyle.LEADS_OUT:
                if oe.source not in shown_svc or (by_port and not accepts(oe.conns, protocol,
                                                                           port)):
                    continue
            kept.append(oe)
        # a way in is drawn when its Service is; with a port filter, only when something
        # gets through on that port
        through = {oe.source for oe in kept if oe.style == EdgeStyle.EXPOSED}
        ways = {oe.target for oe in kept if oe.style == EdgeStyle.ENTRY
                and oe.target in shown_svc and (not by_port or oe.target in through)}
        entries = {oe.source for oe in kept if oe.style == EdgeStyle.ENTRY and oe.target in ways}
        out: list[OutsideEdge] = []
        for oe in kept:
            if oe.style == EdgeStyle.ENTRY:
                if oe.target in ways or (oe.source == OUTSIDE_KEY and oe.target in entries):
                    out.append(oe)
            else:
                out.append(oe)
        shown = {k for oe in out for k in (oe.source, oe.target) if k in self.outside_keys}
        replaced = {oe.source for oe in out if oe.style in (EdgeStyle.EXPOSED, EdgeStyle.BLOCKED)}
        edges = [e for e in edges if not (e.style == EdgeStyle.SERVICE and e.src in replaced)]
        for oe in out:
            label = wrap_words(oe.label) if oe.label else ""
            edges.append(Edge(oe.source, oe.target, oe.style, label, oe.tooltip, oe.conns,
                              oe.pair, 1, 0, ""))
        return edges, shown

    def _edge(self, p: Product, tree: Tree, protocol: str | None, port: int | None,
              shut: frozenset[str] = frozenset(), memo: dict[object, object] | None = None
              ) -> Edge:
        """The edge of product ``p``; ``shut``: collapsed containers (an edge into one ends
        at its box, never at a Service inside it). ``memo``: a dict for the edges of one
        view (the same tree, filters and nodes): titles and Service ends are looked up once
        per node there, the texts that depend on the label only once per label (~80,000
        edges over ~10,000 nodes at 5,000 workloads)."""
        if memo is None:
            memo = {}
        src, dst = p.src, p.dst
        # the ends' leaves by position (a group's list of leaves is made only when needed)
        leaves, lo, hi = tree.leaves, tree.lo, tree.hi
        s_lo, s_hi, d_lo, d_hi = lo[src], hi[src], lo[dst], hi[dst]
        first = leaves[s_lo]
        # a pair of two different leaves when there is one (a leaf is once in a tree)
        pair = (first, leaves[d_lo + 1] if leaves[d_lo] == first and d_hi - d_lo > 1
                else leaves[d_lo])
        title = memo.get(src)
        if title is None:
            title = memo[src] = self._title(src)
        d_title = memo.get(dst)
        if d_title is None:
            d_title = memo[dst] = self._title(dst)
        head = f"{title} → {d_title}"
        if p.label == BUNDLE:
            styles: dict[str, int] = {}
            for i in p.labels:
                st = self.labels[i].style
                styles[st] = styles.get(st, 0) + 1
            partial = styles.get("partial", 0)
            tip = (f"{head}\n{p.pairs} pair(s) with some connection, not all alike "
                   f"({len(p.labels)} different connections)\nexpand to see them")
            return Edge(src, dst, EdgeStyle.BUNDLE, str(p.pairs), tip, None, pair, p.pairs, partial,
                        "")
        lab = self.labels[p.label]
        style = lab.style
        via = ""
        if style in ("allowed", "partial", "unchanged") and self.options.route_via_services \
                and self.options.show_services and dst not in shut:
            key = (dst, p.label)
            if key in memo:
                got = memo[key]
            else:
                got = memo[key] = self._via_service(leaves[d_lo:d_hi], lab.conns, protocol,
                                                    port)
            if got is not None:
                dst, via = got  # type: ignore[misc]
                head = f"{title} → Service {_name(dst)}"
        # what depends on the label only, once per label in a view: the drawn label and the
        # tooltip's last lines
        per_label = memo.get(p.label)
        if per_label is None:
            tail: str = ""
            if lab.before is not None:
                tail += f"\nbaseline: {lab.before}"
            if lab.info:
                tail += f"\n({lab.info})"
            if style == "unchanged":
                tail += "\n(unchanged)"
            per_label = memo[p.label] = (
                "" if style in ("allowed", "unchanged") else wrap(lab.text), tail)
        label: str
        label, tail = per_label  # type: ignore[misc]
        tip = f"{head}\n{lab.text}"
        if s_hi - s_lo > 1 or d_hi - d_lo > 1:
            tip += (f"\n{p.pairs} pairs: every member of {title} to every member of {d_title}"
                    + (" (two different ones)" if src == p.dst else ""))
        if via:
            tip += "\nreachable Service ports: " + via
        return Edge(src, dst, style, label, tip + tail, lab.conns, pair, p.pairs,
                    1 if style == "partial" else 0, lab.text)

    def _title(self, key: str) -> str:
        n = self.nodes.get(key)
        if n is None:
            return key
        if n.kind == "namespace":
            return f"namespace {n.label}"
        if n.is_container:
            return n.label
        return _name(key) if n.kind != "external" else n.label

    def _via_service(self, backends: list[str], conns: ConnectionSet | None,
                     protocol: str | None, port: int | None) -> tuple[str, str] | None:
        """The Service an edge into ``backends`` ends at (see the module doc), and the
        Service ports it reaches."""
        if conns is None or not backends:
            return None
        want = set(backends)
        for skey in self.services_of.get(backends[0], []):
            if set(self.service_backends.get(skey, ())) != want or skey not in self.nodes:
                continue
            via = []
            for mp in self.nodes[skey].ports:
                ok = True
                for b in backends:
                    t = mp.target_on(b)
                    if t is None or not conns.contains(mp.protocol, t):
                        ok = False
                        break
                    if port is not None and (t != port or (protocol and mp.protocol != protocol)):
                        ok = False
                        break
                    if port is None and protocol is not None and mp.protocol != protocol:
                        ok = False
                        break
                if ok:
                    via.append(str(mp))
            if via:
                return skey, ", ".join(via)
        return None

    def _service_links(self, skey: str, tree: Tree, vset: set[str]) -> list[Edge]:
        backends = [b for b in self.service_backends[skey] if b in vset]
        if not backends:
            return []
        node = self.nodes[skey]
        # one link to the smallest node whose leaves are exactly the backends, if any
        target = None
        if len(backends) == 1:
            target = backends[0]
        else:
            want = set(backends)
            lca = backends[0]
            for b in backends[1:]:
                lca = tree.lca(lca, b)
            if lca != ROOT and set(tree.leaves_of(lca)) == want:
                target = lca
        tip = f"Service {node.label} selects {', '.join(_name(b) for b in backends)}\n{node.subtitle}"
        if target is not None:
            return [Edge(skey, target, EdgeStyle.SERVICE, "", tip, None, None, len(backends))]
        return [Edge(skey, b, EdgeStyle.SERVICE, "", tip, None, None, 1) for b in backends]

    def highlight(self, key: str, edges: Sequence[Edge]) -> Highlight:
        """What ``key`` can reach and what can reach it, among ``edges`` (a ``view()``):
        edges at ``key``, at a container holding it, or at a Service of it."""
        mine = {key}
        # a Service is an end only of its own edges (its backends' edges are theirs)
        leaves = set() if key in self.service_backends else set(self.leaves_of(key))
        svcs = set(self.services_of.get(key, []))
        reach: set[str] = set()
        reaching: set[str] = set()
        hl: list[Edge] = []
        for e in edges:
            s_in = e.src in mine or bool(leaves & set(self.leaves_of(e.src))) and \
                e.style != "service"
            d_in = e.dst in mine or e.dst in svcs or bool(leaves & set(self.leaves_of(e.dst)))
            if e.style == "service":
                if e.src == key or e.dst == key or e.src in svcs:
                    hl.append(e)
                continue
            if s_in:
                reach.add(e.dst)
                hl.append(e)
            elif d_in:
                reaching.add(e.src)
                hl.append(e)
        if key in self.service_backends:
            reach |= set(self.service_backends[key])
        for skey in [k for k in reach if k in self.service_backends]:
            reach |= set(self.service_backends[skey])
        reach.discard(key)
        reaching.discard(key)
        return Highlight(key, frozenset(reach), frozenset(reaching), tuple(hl))


# ---------------------------------------------------------------------- hit-testing


def edge_at(
    segments: Sequence[tuple[float, float, float, float]],
    x: float,
    y: float,
    tolerance: float,
) -> int | None:
    """Index of the segment nearest to (x, y) within ``tolerance`` (scene units), or None.
    Uses numpy when there are many segments."""
    n = len(segments)
    if n == 0:
        return None
    if n > 64:
        a = np.asarray(segments, dtype=float)
        x0, y0, x1, y1 = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
        dx, dy = x1 - x0, y1 - y0
        ll = dx * dx + dy * dy
        t = np.where(ll > 0, ((x - x0) * dx + (y - y0) * dy) / np.where(ll > 0, ll, 1), 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = x0 + t * dx - x, y0 + t * dy - y
        d2 = px * px + py * py
        i = int(np.argmin(d2))
        return i if d2[i] <= tolerance * tolerance else None
    best, best_d = None, tolerance * tolerance
    for i, (sx0, sy0, sx1, sy1) in enumerate(segments):
        sdx, sdy = sx1 - sx0, sy1 - sy0
        sll = sdx * sdx + sdy * sdy
        st = 0.0 if sll == 0 else max(0.0, min(1.0, ((x - sx0) * sdx + (y - sy0) * sdy) / sll))
        spx, spy = sx0 + st * sdx - x, sy0 + st * sdy - y
        d = spx * spx + spy * spy
        if d <= best_d:
            best, best_d = i, d
    return best


# ---------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=65536)
def _name(key: str) -> str:
    """``ns/name[Kind]`` -> ``ns/name``; ``svc:ns/name`` -> ``ns/name``."""
    return _display_name(key)


def display_name(key: str) -> str:
    return _name(key)


def _range_label(r: IPRange) -> str:
    """A CIDR when the range is one, else first-last."""
    import ipaddress

    first: ipaddress.IPv4Address | ipaddress.IPv6Address
    last: ipaddress.IPv4Address | ipaddress.IPv6Address
    if r.version == 4:
        first, last = ipaddress.IPv4Address(r.lo), ipaddress.IPv4Address(r.hi)
    else:
        first, last = ipaddress.IPv6Address(r.lo), ipaddress.IPv6Address(r.hi)
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = list(
        ipaddress.summarize_address_range(first, last))
    if len(nets) == 1:
        net = nets[0]
        if net.prefixlen == 0:
            return "any IPv4" if r.version == 4 else "any IPv6"
        return str(net)
    if len(nets) <= 2:
        return " + ".join(str(n) for n in nets)
    return f"{first}-{last}"


def external_label(members: Sequence[str]) -> str:
    """The whole text of an external node: its ranges, one a line, up to four; more are
    counted ("12 address ranges"; the tooltip and the picture JSON list them all)."""
    if len(members) <= 4:
        return "\n".join(members)
    return f"{len(members)} address ranges"


def bundle_width(count: int, base: float = 1.5) -> float:
    return base + 1.6 * math.log2(1 + count)

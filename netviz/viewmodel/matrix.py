"""The reachability matrix: workload x workload, each cell the connections allowed.

Rules this module keeps:
- Qt-free; no I/O except ``matrix_to_csv``, which writes to a text stream it is given.
- Built from the engine's connection list (``AppState.connections``), never re-evaluating
  policies: the matrix and the graph always agree.
- Rows are sources, columns destinations, both the workloads (and bare pods) of the cluster
  sorted by key, optionally restricted to namespaces and extended with the external peers
  that appear in the connection list.
- A cell's *status* colours it like the graph's edges: ``allowed`` (every connection, or
  everything the port filter asks for), ``partial`` (some), ``denied`` (none), ``self`` (the
  diagonal: a workload to itself is not evaluated at workload level, as in the connection list).
- The port filter ("TCP 5432", "udp/53", "TCP 8000-8080", "UDP", "5432" = TCP 5432)
  intersects every cell: the matrix answers "who can reach TCP 5432 of whom?".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from netviz.engine.connections import MAX_PORT, MIN_PORT, PROTOCOL_ORDER, ConnectionSet
from netviz.engine.connlist import Connection
from netviz.model import Cluster
from netviz.model.keys import (
    EdgeStyle,
    VerdictKind,
    display_name,
    is_workload_key,
    parse_workload_key,
)
from netviz.viewmodel import palette

ALLOWED = VerdictKind.ALLOWED
PARTIAL = VerdictKind.PARTIAL
DENIED = VerdictKind.DENIED
#: the diagonal (a peer to itself): not a verdict
SELF = "self"

#: background colour of the diagonal
SELF_COLOUR = "#EEEEEE"

#: a glyph per status, so that a cell says what it is without its colour (allowed and
#: partial cells differ by more than a shade, and denied ones are also hatched by the panel)
STATUS_GLYPH = {ALLOWED: "\u2713", PARTIAL: "\u25D0", DENIED: "\u2715", SELF: ""}
#: the legend of the statuses, in the order the panel shows it
STATUS_LEGEND = (
    (ALLOWED, "all allowed"),
    (PARTIAL, "some ports (listed)"),
    (DENIED, "denied (hatched)"),
    (SELF, "a workload to itself"),
)


def cell_text(status: str, text: str, limit: int = 18) -> str:
    """What a cell shows: its glyph, and the connections when only some are allowed
    (shortened to ``limit`` characters; the tooltip has them all)."""
    if status == PARTIAL:
        shown = text if len(text) <= limit else text[: limit - 2] + "\u2026"
        return f"{STATUS_GLYPH[PARTIAL]} {shown}"
    if status == ALLOWED:
        return f"{STATUS_GLYPH[ALLOWED]} all"
    return STATUS_GLYPH.get(status, "")


def header_lines(key: str) -> tuple[str, str]:
    """A column header on two lines: the name, then the namespace (or the kind of peer)."""
    if is_workload_key(key):
        ref = parse_workload_key(key)
        return ref.name, ref.namespace
    return display_name(key), "external"


def status_colour(status: str) -> str:
    """The colour of a cell status: the graph's edge colours (Okabe-Ito)."""
    if status == SELF:
        return SELF_COLOUR
    return palette.EDGE_STYLES[EdgeStyle(status)].color


# --------------------------------------------------------------------------- port filter

_FILTER_RE = re.compile(
    r"^\s*(?:(?P<proto>[A-Za-z]+)\s*[ /:]?\s*)?(?P<ports>[0-9][0-9,\s-]*)?\s*$"
)


def parse_port_filter(text: str) -> ConnectionSet | None:
    """``""`` -> None (no filter); ``TCP 5432``, ``tcp/5432``, ``TCP 80,443``,
    ``TCP 8000-8080``, ``UDP`` (every UDP port), ``5432`` (TCP). ValueError with a message
    written for users otherwise."""
    if not text.strip():
        return None
    m = _FILTER_RE.match(text)
    if m is None or not (m.group("proto") or m.group("ports")):
        raise ValueError(f"Not a port filter: {text!r}. Write e.g. 'TCP 5432', 'UDP 53' or "
                         "'TCP 8000-8080'.")
    proto = (m.group("proto") or "TCP").upper()
    if proto not in PROTOCOL_ORDER:
        raise ValueError(f"Unknown protocol {m.group('proto')!r}: use TCP, UDP or SCTP.")
    ports = (m.group("ports") or "").strip()
    if not ports:
        return ConnectionSet.of(proto)
    out = ConnectionSet.none()
    for part in ports.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
            else:
                a = b = int(part)
        except ValueError:
            raise ValueError(f"Not a port or port range: {part!r}.") from None
        if not (MIN_PORT <= a <= b <= MAX_PORT):
            raise ValueError(f"Ports go from {MIN_PORT} to {MAX_PORT}: {part!r}.")
        out = out | ConnectionSet.of(proto, a, b)
    return out


# --------------------------------------------------------------------------- matrix


def short_label(key: str) -> str:
    """``ns/name[Kind]`` -> ``ns/name``; ``a-b[External]`` -> ``a-b``."""
    return display_name(key)


@dataclass(frozen=True)
class Matrix:
    rows: tuple[str, ...]  # source peer keys
    cols: tuple[str, ...]  # destination peer keys
    #: allowed connections (unfiltered) per cell; None on the diagonal
    cells: tuple[tuple[ConnectionSet | None, ...], ...]
    port_filter: ConnectionSet | None = None

    def conns(self, r: int, c: int) -> ConnectionSet | None:
        """The connections shown in a cell (port filter applied); None on the diagonal."""
        got = self.cells[r][c]
        if got is None or self.port_filter is None:
            return got
        return got & self.port_filter

    def status(self, r: int, c: int) -> str:
        got = self.conns(r, c)
        if got is None:
            return SELF
        if not got:
            return DENIED
        if self.port_filter is None:
            return ALLOWED if got.is_all() else PARTIAL
        return ALLOWED if got == self.port_filter else PARTIAL

    def text(self, r: int, c: int) -> str:
        got = self.conns(r, c)
        return "" if got is None else str(got)

    def row_of(self, key: str) -> int | None:
        try:
            return self.rows.index(key)
        except ValueError:
            return None

    def col_of(self, key: str) -> int | None:
        try:
            return self.cols.index(key)
        except ValueError:
            return None

    def with_filter(self, port_filter: ConnectionSet | None) -> Matrix:
        return Matrix(self.rows, self.cols, self.cells, port_filter)

    def counts(self) -> dict[str, int]:
        out = {ALLOWED: 0, PARTIAL: 0, DENIED: 0, SELF: 0}
        for r in range(len(self.rows)):
            for c in range(len(self.cols)):
                out[self.status(r, c)] += 1
        return out


def matrix_peers(cluster: Cluster, namespaces: Iterable[str] | None = None) -> list[str]:
    """Workload and bare-pod keys of the cluster, sorted, optionally in ``namespaces`` only."""
    keep = None if namespaces is None else set(namespaces)
    return sorted({
        p.workload_key or f"{p.namespace}/{p.name}[Pod]"
        for p in cluster.pods
        if keep is None or p.namespace in keep
    })


def build_matrix(
    cluster: Cluster,
    connections: Sequence[Connection],
    port_filter: ConnectionSet | None = None,
    namespaces: Iterable[str] | None = None,
    include_external: bool = False,
) -> Matrix:
    peers = matrix_peers(cluster, namespaces)
    externals: list[str] = []
    if include_external:
        externals = sorted({
            p.key for c in connections for p in (c.src, c.dst) if p.is_external
        })
    rows = tuple(peers + externals)
    cols = rows
    index = {k: i for i, k in enumerate(rows)}
    none = ConnectionSet.none()
    grid: list[list[ConnectionSet | None]] = [
        [None if i == j else none for j in range(len(cols))] for i in range(len(rows))
    ]
    for conn in connections:
        i = index.get(conn.src.key)
        j = index.get(conn.dst.key)
        if i is None or j is None or i == j:
            continue
        prev = grid[i][j]
        grid[i][j] = conn.connections if prev is None else prev | conn.connections
    # two external peers never talk to each other through the cluster's policies
    for i, k in enumerate(rows):
        if k in externals:
            for j, k2 in enumerate(cols):
                if k2 in externals and i != j:
                    grid[i][j] = None
    return Matrix(rows, cols, tuple(tuple(r) for r in grid), port_filter)


@dataclass(frozen=True)
class MatrixHighlight:
    rows: frozenset[int] = frozenset()
    cols: frozenset[int] = frozenset()
    cell: tuple[int, int] | None = None


def highlight(matrix: Matrix, nodes: Iterable[str] = (), edge: tuple[str, str] | None = None,
              affected: Iterable[str] = ()) -> MatrixHighlight:
    """Rows/columns of selected ``nodes`` (and of workloads ``affected`` by a selected policy),
    and the cell of a selected ``edge``."""
    keys = set(nodes) | set(affected)
    rows = frozenset(i for i, k in enumerate(matrix.rows) if k in keys)
    cols = frozenset(j for j, k in enumerate(matrix.cols) if k in keys)
    cell = None
    if edge is not None:
        r, c = matrix.row_of(edge[0]), matrix.col_of(edge[1])
        if r is not None and c is not None:
            cell = (r, c)
    return MatrixHighlight(rows, cols, cell)


def matrix_to_csv(matrix: Matrix, stream: TextIO, full_keys: bool = True) -> None:
    """Write the matrix as CSV: a header row of destinations, then one row per source; each
    cell the connections shown (port filter applied), empty on the diagonal."""
    label = (lambda k: k) if full_keys else short_label
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(["source \\ destination", *(label(c) for c in matrix.cols)])
    for r, key in enumerate(matrix.rows):
        w.writerow([label(key), *(matrix.text(r, c) for c in range(len(matrix.cols)))])

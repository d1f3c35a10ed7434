"""The reachability matrix: cells, statuses, port filter, highlight and CSV export."""

from __future__ import annotations

import io

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.model import (
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Workload,
    assemble_cluster,
)
from netviz.viewmodel.matrix import (
    ALLOWED,
    DENIED,
    PARTIAL,
    SELF,
    build_matrix,
    highlight,
    matrix_to_csv,
    parse_port_filter,
    status_colour,
)

WEB, API, DB = "a/web[Deployment]", "a/api[Deployment]", "b/db[Deployment]"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


def cluster_and_conns(external: bool = False):
    db_in = NetworkPolicy(
        "b", "db-in", sel(app="db"), frozenset({"Ingress"}),
        ingress=(Rule(peers=(Peer(pod_selector=sel(app="api"),
                                  namespace_selector=LabelSelector()),),
                      ports=(PolicyPort("TCP", 5432),), peers_given=True, ports_given=True),),
    )
    pols = [db_in]
    if external:
        pols.append(NetworkPolicy(
            "a", "web-in", sel(app="web"), frozenset({"Ingress"}),
            ingress=(Rule(peers=(Peer(ip_block=IPBlock("10.0.0.0/8")),), peers_given=True),)))
    cluster = assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"}),
                   Workload("Deployment", "a", "api", {"app": "api"}),
                   Workload("Deployment", "b", "db", {"app": "db"})],
        policies=pols,
    )
    return cluster, connlist(Analyzer(cluster))


def test_cells_and_statuses() -> None:
    cluster, conns = cluster_and_conns()
    m = build_matrix(cluster, conns)
    assert m.rows == m.cols == (API, WEB, DB)
    r, c = m.row_of(API), m.col_of(DB)
    assert m.status(r, c) == PARTIAL and m.text(r, c) == "TCP 5432"
    assert m.status(m.row_of(WEB), m.col_of(DB)) == DENIED
    assert m.status(m.row_of(DB), m.col_of(WEB)) == ALLOWED
    assert m.status(0, 0) == SELF and m.text(0, 0) == "" and m.conns(0, 0) is None
    assert m.counts() == {ALLOWED: 4, PARTIAL: 1, DENIED: 1, SELF: 3}


def test_port_filter() -> None:
    cluster, conns = cluster_and_conns()
    m = build_matrix(cluster, conns, parse_port_filter("TCP 5432"))
    assert m.status(m.row_of(API), m.col_of(DB)) == ALLOWED
    assert m.text(m.row_of(DB), m.col_of(WEB)) == "TCP 5432"
    m = m.with_filter(parse_port_filter("TCP 5432-5433"))
    assert m.status(m.row_of(API), m.col_of(DB)) == PARTIAL
    m = m.with_filter(parse_port_filter("udp"))
    assert m.status(m.row_of(API), m.col_of(DB)) == DENIED
    assert m.status(m.row_of(DB), m.col_of(WEB)) == ALLOWED


@pytest.mark.parametrize(("text", "expected"), [
    ("", None),
    ("  ", None),
    ("TCP 5432", "TCP 5432"),
    ("tcp/5432", "TCP 5432"),
    ("5432", "TCP 5432"),
    ("UDP 53,5353", "UDP 53,5353"),
    ("TCP 8000-8080", "TCP 8000-8080"),
    ("sctp", "SCTP 1-65535"),
])
def test_parse_port_filter(text: str, expected: str | None) -> None:
    got = parse_port_filter(text)
    assert (None if got is None else str(got)) == expected


@pytest.mark.parametrize("text", ["HTTP 80", "TCP 0", "TCP 70000", "TCP 90-80", "TCP x", "/"])
def test_parse_port_filter_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_port_filter(text)


def test_namespaces_and_externals() -> None:
    cluster, conns = cluster_and_conns(external=True)
    m = build_matrix(cluster, conns, namespaces=["b"])
    assert m.rows == (DB,)
    m = build_matrix(cluster, conns, include_external=True)
    ext = [k for k in m.rows if k.endswith("[External]")]
    assert ext and m.rows[-len(ext):] == tuple(ext)
    inside = m.row_of(next(k for k in ext if k.startswith("10.0.0.0-")))
    assert m.status(inside, m.col_of(WEB)) == ALLOWED
    # two external peers: not a pair the cluster decides
    if len(ext) > 1:
        assert m.status(m.row_of(ext[0]), m.col_of(ext[1])) == SELF


def test_highlight() -> None:
    cluster, conns = cluster_and_conns()
    m = build_matrix(cluster, conns)
    h = highlight(m, nodes=[WEB], edge=(API, DB))
    assert h.rows == {1} and h.cols == {1} and h.cell == (0, 2)
    assert highlight(m, edge=("x", DB)).cell is None
    assert highlight(m, affected=[DB]).rows == {2}


def test_csv_export() -> None:
    cluster, conns = cluster_and_conns()
    m = build_matrix(cluster, conns, parse_port_filter("TCP 5432"))
    out = io.StringIO()
    matrix_to_csv(m, out)
    assert out.getvalue().splitlines() == [
        f"source \\ destination,{API},{WEB},{DB}",
        f"{API},,TCP 5432,TCP 5432",
        f"{WEB},TCP 5432,,No Connections",
        f"{DB},TCP 5432,TCP 5432,",
    ]
    out = io.StringIO()
    matrix_to_csv(m.with_filter(None), out, full_keys=False)
    assert out.getvalue().splitlines()[1] == "a/api,,All Connections,TCP 5432"


def test_colours_are_the_graph_palette() -> None:
    assert status_colour(ALLOWED) == "#009E73"
    assert status_colour(PARTIAL) == "#E69F00"
    assert status_colour(DENIED) == "#D55E00"
    assert status_colour(SELF).startswith("#")

"""The one-click questions (``netviz.viewmodel.reach``) against ``netviz list``.

- the demo: ``netviz list -o json`` run in-process is the reference for every destination
  ("who can reach X") and for several ports ("what reaches P");
- the reference analyzer's connection-list goldens (which ``netviz list`` matches byte for
  byte, tests/conformance) for the same two checks on every core scenario;
- hand-made Services: a named ``targetPort`` resolved per backend (the case the picture got
  wrong), Services without selectors, several Services on one workload.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from netviz.engine import Analyzer, ConnectionSet
from netviz.engine.connlist import connlist
from netviz.model import (
    ContainerPort,
    LabelSelector,
    NetworkPolicy,
    Peer,
    PolicyPort,
    Rule,
    Service,
    ServicePort,
    Workload,
    assemble_cluster,
)
from netviz.viewmodel.reach import OUTSIDE, ReachIndex, accepts, port_text

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo"
CONFORMANCE = ROOT.parent / "shared" / "conformance" / "netpol-analyzer"


def list_json(path: Path) -> list[dict[str, str]]:
    """What ``netviz list PATH -o json`` prints."""
    from netviz.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(["list", str(path), "-o", "json"])
    assert rc in (0, None)
    return json.loads(out.getvalue())


def check_against(ix: ReachIndex, rows: list[dict[str, str]], ports: list[tuple[str | None, int | None]]) -> None:
    """Who-can-reach for every destination and reaches-port for ``ports`` equal ``rows``."""
    by_dst: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        by_dst.setdefault(r["dst"], set()).add((r["src"], r["conn"]))
    for dst, want in by_dst.items():
        got = {(r.src, str(r.connection)) for r in ix.who_can_reach(dst).rows}
        assert got == want, dst
    for proto, port in ports:
        want_p = {(r["src"], r["dst"]) for r in rows
                  if accepts(ConnectionSet.parse(r["conn"]), proto, port)}
        ans = ix.reaches_port(proto, port)
        got_p = [r.pair for r in ans.rows]
        assert len(got_p) == len(set(got_p))
        assert set(got_p) == want_p, (proto, port)
        # grouped by destination, each group's rows end there
        for g in ans.groups:
            assert g.dst is not None and all(r.dst == g.dst for r in g.rows)


def ports_in(rows: list[dict[str, str]]) -> list[tuple[str | None, int | None]]:
    """A few ports to ask about: the first port of some partial connections, the same port
    for any protocol, a whole protocol, and a port nothing names."""
    out: list[tuple[str | None, int | None]] = [("UDP", None), (None, 1)]
    for r in rows:
        c = ConnectionSet.parse(r["conn"])
        if c.is_all() or c.is_empty():
            continue
        proto = c.protocols()[0]
        lo = c.ranges(proto)[0][0]
        for q in ((proto, lo), (None, lo)):
            if q not in out:
                out.append(q)
        if len(out) >= 6:
            break
    return out


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo() -> tuple[ReachIndex, list[dict[str, str]]]:
    from netviz.io.manifests import load_paths

    cluster = load_paths([str(DEMO)]).cluster
    return ReachIndex(cluster, connlist(Analyzer(cluster))), list_json(DEMO)


def test_demo_matches_netviz_list(demo) -> None:
    ix, rows = demo
    check_against(ix, rows, ports_in(rows) + [("TCP", 5432), (None, 53), ("TCP", 8443)])


def test_who_can_reach_postgres(demo) -> None:
    ix, rows = demo
    pg = "data/postgres[StatefulSet]"
    ans = ix.who_can_reach(pg)
    want = {r["src"] for r in rows if r["dst"] == pg}
    assert {r.src for r in ans.rows} == want and len(want) >= 3
    # the clients that dial the Service on 5432 are marked as going through it; one that
    # only scrapes the metrics port (not forwarded by the Service) is not
    via = {r.src: r.via_text for r in ans.rows}
    for r in ans.rows:
        if r.connection.contains("TCP", 5432):
            assert via[r.src] == "data/postgres (5432→postgres(5432))"
        else:
            assert via[r.src] == ""
    assert "can reach data/postgres" in ans.summary
    # grouped by the source's namespace, sorted, each row in its group
    titles = [g.title for g in ans.groups]
    assert titles == sorted(titles, key=lambda t: (t == OUTSIDE, t))
    for g in ans.groups:
        assert all(r.src.startswith(g.title + "/") for r in g.rows)


def test_service_stands_for_its_backends(demo) -> None:
    ix, _rows = demo
    ans = ix.who_can_reach("svc:data/postgres")
    direct = ix.who_can_reach("data/postgres[StatefulSet]")
    assert {r.src for r in ans.rows} == {r.src for r in direct.rows if r.services}
    assert all(r.dst == "data/postgres[StatefulSet]" for r in ans.rows)


def test_port_answer_names_the_services(demo) -> None:
    ix, _rows = demo
    ans = ix.reaches_port("TCP", 5432)
    pg = next(g for g in ans.groups if g.dst == "data/postgres[StatefulSet]")
    assert [str(s) for s in pg.services] == ["data/postgres (5432→postgres(5432))"]
    assert "reach TCP 5432" in ans.summary and ans.question == "What reaches TCP 5432?"


# --------------------------------------------------------------------------- the reference


def _golden(name: str) -> Path:
    return CONFORMANCE / "expected" / "connlist" / f"{name}_connlist_output.txt"


def _golden_scenarios() -> list[str]:
    """Every scenario with a connection-list golden (core, Ingress/Route and the policy
    tiers alike: the questions read the list, whatever made it)."""
    if not CONFORMANCE.is_dir():
        return []
    names = json.loads((CONFORMANCE / "scenarios.json").read_text(encoding="utf-8"))
    return [n for n in names if _golden(n).is_file() and n not in KNOWN_DIFFERENT]


#: goldens ``netviz list`` knowingly differs from (tests/conformance/test_netpol_analyzer.py)
KNOWN_DIFFERENT = {"anp_and_banp_using_networks_with_ipv6_test"}


def _golden_rows(name: str) -> list[dict[str, str]]:
    """``src => dst : conn`` lines as ``netviz list -o json`` rows."""
    rows = []
    for line in _golden(name).read_text(encoding="utf-8").splitlines():
        if " => " not in line:
            continue
        src, rest = line.split(" => ", 1)
        dst, conn = rest.split(" : ", 1)
        rows.append({"src": src.strip(), "dst": dst.strip(), "conn": conn.strip()})
    return rows


@pytest.mark.skipif(not CONFORMANCE.is_dir(),
                    reason="../shared/conformance is not beside this checkout")
def test_reference_scenarios_match_their_goldens() -> None:
    from netviz.io.manifests import load_paths

    names = _golden_scenarios()
    assert len(names) > 20
    for name in names:
        rows = _golden_rows(name)
        cluster = load_paths([str(CONFORMANCE / "scenarios" / name)]).cluster
        ix = ReachIndex(cluster, connlist(Analyzer(cluster)))
        check_against(ix, rows, ports_in(rows))


# --------------------------------------------------------------------------- Services


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(labels.items())))


CLIENT = "ns/client[Deployment]"
A, B = "ns/a[Deployment]", "ns/b[Deployment]"


def two_backends(extra_services: tuple[Service, ...] = ()) -> ReachIndex:
    """One Service ``web`` (80 -> http) over two backends whose ``http`` ports differ
    (8080 on a, 9090 on b); the policy of both admits the client on 8080 only."""
    cluster = assemble_cluster(
        workloads=[
            Workload("Deployment", "ns", "client", {"app": "client"}),
            Workload("Deployment", "ns", "a", {"app": "web", "v": "a"}, (ContainerPort(8080, "http"),)),
            Workload("Deployment", "ns", "b", {"app": "web", "v": "b"}, (ContainerPort(9090, "http"),)),
        ],
        services=[Service("ns", "web", {"app": "web"}, (ServicePort(80, "http"),)),
                  *extra_services],
        policies=[NetworkPolicy("ns", "web-in", sel(app="web"), ingress=(Rule(
            peers=(Peer(pod_selector=sel(app="client")),),
            ports=(PolicyPort("TCP", 8080),)),))],
    )
    return ReachIndex(cluster, connlist(Analyzer(cluster)))


def test_named_target_port_is_resolved_per_backend() -> None:
    ix = two_backends()
    a = ix.who_can_reach(A)
    b = ix.who_can_reach(B)
    (ra,) = [r for r in a.rows if r.src == CLIENT]
    (rb,) = [r for r in b.rows if r.src == CLIENT]
    assert str(ra.connection) == str(rb.connection) == "TCP 8080"
    assert ra.via_text == "ns/web (80→http(8080))"
    # b's http is 9090, which the policy does not admit: not reached through the Service
    assert rb.via_text == ""
    svc = ix.who_can_reach("svc:ns/web")
    assert [(r.src, r.dst) for r in svc.rows if r.src == CLIENT] == [(CLIENT, A)]
    # "what reaches TCP 9090": nothing; TCP 8080: a and b directly, only a via the Service
    assert not [r for r in ix.reaches_port("TCP", 9090).rows if r.dst in (A, B)]
    p = ix.reaches_port("TCP", 8080)
    groups = {g.dst: g for g in p.groups}
    assert [str(s) for s in groups[A].services] == ["ns/web (80→http(8080))"]
    assert groups[B].services == ()


def test_services_without_selector_and_several_services() -> None:
    manual = Service("ns", "manual", None, (ServicePort(443, 8080),))
    numeric = Service("ns", "alt", {"v": "a"}, (ServicePort(8080, 8080), ServicePort(9, 9)))
    ix = two_backends((manual, numeric))
    assert ix.backends("svc:ns/manual") == ()
    ans = ix.who_can_reach("svc:ns/manual")
    assert ans.rows == [] and "selects no workload" in ans.summary
    (ra,) = [r for r in ix.who_can_reach(A).rows if r.src == CLIENT]
    # both Services of a, each with the ports the connection allows (not 9)
    assert [str(s) for s in ra.services] == ["ns/alt (8080→8080)", "ns/web (80→http(8080))"]


def test_port_text_and_accepts() -> None:
    assert port_text("TCP", 5432) == "TCP 5432"
    assert port_text(None, 53) == "port 53"
    assert port_text("UDP", None) == "UDP"
    tcp = ConnectionSet.of("TCP", 80)
    assert accepts(tcp, None, 80) and accepts(tcp, "TCP", None)
    assert not accepts(tcp, "UDP", 80) and not accepts(tcp, "UDP", None)
    assert not accepts(ConnectionSet.none(), None, None)


def test_edge_pairs_lists_each_pair_with_its_connection(demo) -> None:
    """A group edge's pairs (what the picture's edge states), each as ``netviz list`` has it;
    a pair the list does not have is shown as denied."""
    ix, rows = demo
    listed = {(r["src"], r["dst"]): r["conn"] for r in rows}
    pg = "data/postgres[StatefulSet]"
    clients = sorted(r["src"] for r in rows if r["dst"] == pg and r["conn"] == "TCP 5432")
    denied = ("frontend/web[Deployment]", pg)
    assert denied not in listed
    ans = ix.edge_pairs([(c, pg) for c in clients] + [denied], "backend → data")
    assert ans.question == "Pairs of backend → data"
    got = {r.pair: str(r.connection) for r in ans.rows}
    assert got == {**{(c, pg): "TCP 5432" for c in clients}, denied: "No Connections"}
    assert [g.title for g in ans.groups] == sorted(g.title for g in ans.groups)
    assert "2 different connections" in ans.summary
    same = ix.edge_pairs([(c, pg) for c in clients])
    assert same.summary == f"{len(clients)} pairs, each TCP 5432"

"""Layout: deterministic, no overlap, stable across re-evaluation and reloads, sessions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from test_graph_fixtures import API, WEB, cluster, evaluated

from netviz.engine import Options
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout, clip_line, default_positions, session_path


def model_of(cl=None, options=None) -> GraphModel:
    c, an, conns = evaluated(cl, options)
    return GraphModel(c, conns, an)


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_deterministic() -> None:
    assert default_positions(model_of()) == default_positions(model_of())
    a, b = Layout(), Layout()
    a.update(model_of())
    b.update(model_of())
    assert a.positions == b.positions


def test_namespaces_do_not_overlap_and_nodes_do_not_overlap() -> None:
    m = model_of(cluster(extra=30))
    lay = Layout()
    lay.update(m)
    rects = list(lay.namespace_rects(m).values())
    assert len(rects) == 2
    for r1, r2 in itertools.combinations(rects, 2):
        assert not overlaps(r1, r2)
    nodes = [lay.rect(m, k) for k in m.nodes]
    for r1, r2 in itertools.combinations(nodes, 2):
        assert not overlaps(r1, r2)
    # externals sit outside every namespace box
    for k in m.externals:
        assert not any(overlaps(lay.rect(m, k), r) for r in rects)


def test_positions_stay_put_when_policies_change() -> None:
    lay = Layout()
    lay.update(model_of())
    before = dict(lay.positions)
    m2 = model_of(cluster(db_port=6000), Options(ipblock_matches_pod_ips=True))
    assert lay.update(m2) == []
    assert lay.positions == before


def test_new_nodes_are_added_without_moving_old_ones() -> None:
    lay = Layout()
    lay.update(model_of())
    before = dict(lay.positions)
    m2 = model_of(cluster(extra=3))
    added = lay.update(m2)
    assert sorted(added) == [f"shop/extra{i}[Deployment]" for i in range(3)]
    assert all(lay.positions[k] == v for k, v in before.items())
    nodes = [lay.rect(m2, k) for k in m2.nodes]
    for r1, r2 in itertools.combinations(nodes, 2):
        assert not overlaps(r1, r2)


def test_user_moves_and_session_round_trip(tmp_path: Path) -> None:
    m = model_of()
    lay = Layout()
    lay.update(m)
    lay.move(WEB, 1234.5, -20.0)
    m.toggle_expanded(API)
    path = tmp_path / "s" / "session.json"
    lay.save(path, m)
    lay2 = Layout()
    m2 = model_of()
    assert lay2.load(path, m2)
    lay2.update(m2)
    assert lay2.positions[WEB] == (1234.5, -20.0)
    assert lay2.moved == {WEB}
    assert m2.expanded == {API}
    assert not Layout().load(tmp_path / "missing.json")


def test_move_namespace_moves_members() -> None:
    m = model_of()
    lay = Layout()
    lay.update(m)
    before = lay.namespace_rect(m, "shop")
    lay.move_namespace(m, "shop", 10, 20)
    after = lay.namespace_rect(m, "shop")
    assert after == pytest.approx((before[0] + 10, before[1] + 20, before[2], before[3]))


def test_session_path_is_stable_and_order_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    a = session_path(["b", "a"])
    assert a == session_path(["a", "b"])
    assert a.parent == tmp_path / "netviz" / "sessions"
    assert a != session_path(["a"])


def test_clip_line_stops_at_borders() -> None:
    x0, y0, x1, y1 = clip_line((0, 0, 100, 40), (300, 0, 100, 40))
    assert x0 == pytest.approx(102) and x1 == pytest.approx(298)
    assert y0 == pytest.approx(20) and y1 == pytest.approx(20)

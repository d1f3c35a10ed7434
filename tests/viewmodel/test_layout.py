"""Layout: deterministic, layered, no overlap, stable across re-evaluation and reloads,
sized to its text, sessions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from test_graph_fixtures import API, DB, MON, SVC_DB, WEB, cluster, evaluated

from netviz.engine import Options
from netviz.io.appfiles import JsonFile, session_path
from netviz.viewmodel.graph import GraphModel
from netviz.viewmodel.layout import Layout, box_size
from netviz.viewmodel.text import approx_measure


def model_of(cl=None, options=None, keep=None) -> GraphModel:
    c, an, conns = evaluated(cl, options)
    return GraphModel(c, conns, an, keep=keep)


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner, outer) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def leaves(m: GraphModel) -> list[str]:
    return [k for k, n in m.nodes.items() if not n.is_container]


def test_deterministic() -> None:
    a, b = Layout(), Layout()
    a.update(model_of())
    b.update(model_of())
    assert a.all_positions == b.all_positions


def test_boxes_do_not_overlap_and_containers_hold_their_members() -> None:
    m = model_of(cluster(extra=30))
    lay = Layout()
    lay.update(m)
    rects = [lay.rect(m, k) for k in leaves(m)]
    for r1, r2 in itertools.combinations(rects, 2):
        assert not overlaps(r1, r2)
    boxes = {k: lay.rect(m, k) for k in m.tree.containers if k != "root"}
    for k, r in boxes.items():
        for leaf in m.tree.leaves_of(k):
            assert inside(lay.rect(m, leaf), r)
    # two containers are nested or apart
    for (ka, a), (kb, b) in itertools.combinations(boxes.items(), 2):
        nested = ka in m.tree.ancestors(kb) or kb in m.tree.ancestors(ka)
        assert nested or not overlaps(a, b)
    # a Service sits in its namespace's box
    assert inside(lay.rect(m, SVC_DB), lay.rect(m, "ns:shop"))


def test_boxes_fit_their_text() -> None:
    m = model_of()
    node = m.nodes[DB]
    w, h = box_size(node, approx_measure)
    assert w >= approx_measure(node.label, "name")[0] + 2
    assert w >= approx_measure(node.subtitle, "sub")[0] + 2


def test_traffic_reads_left_to_right() -> None:
    """web -> api -> db: each further right (layers follow the edges)."""
    m = model_of()
    lay = Layout()
    lay.update(m)
    xs = [lay.centre(m, k)[0] for k in (WEB, API, DB)]
    assert xs == sorted(xs) and len(set(xs)) == 3


def test_positions_stay_put_when_policies_and_options_change() -> None:
    m = model_of()
    lay = Layout()
    lay.update(m)
    before = lay.all_positions
    m2 = model_of(cluster(db_port=6000), Options(ipblock_matches_pod_ips=True), keep=m)
    assert m2.tree is m.tree
    lay.update(m2)
    assert lay.all_positions == before


def test_new_nodes_keep_the_arrangement() -> None:
    """A reload with more workloads: the old ones keep their columns and order, dragged ones
    keep their place, nothing overlaps."""
    m = model_of()
    lay = Layout()
    lay.update(m)
    lay.move(MON, 5000.0, 5000.0)
    cols = {k: lay.structure.elems[lay.structure.elem_of[k]].col for k in (WEB, API, DB)}
    m2 = model_of(cluster(extra=3))
    lay.update(m2)
    st = lay.structure
    assert {k: st.elems[st.elem_of[k]].col for k in (WEB, API, DB)} == cols
    assert lay.centre(m2, MON) == (5000.0, 5000.0)
    rects = [lay.rect(m2, k) for k in leaves(m2) if k != MON]
    for r1, r2 in itertools.combinations(rects, 2):
        assert not overlaps(r1, r2)


def test_user_moves_and_session_round_trip(tmp_path: Path) -> None:
    m = model_of()
    lay = Layout()
    lay.update(m)
    lay.move(WEB, 1234.5, -20.0)
    m.toggle_expanded(API)
    store = JsonFile(tmp_path / "s" / "session.json")
    store.write(lay.to_dict(m))
    lay2 = Layout()
    m2 = model_of()
    lay2.load_dict(store.read(), m2)
    lay2.update(m2)
    assert lay2.centre(m2, WEB) == (1234.5, -20.0)
    assert lay2.moved == {WEB}
    assert m2.expanded == {API}
    assert JsonFile(tmp_path / "missing.json").read() is None


def test_old_sessions_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text('{"version": 1, "positions": {"x": [1, 2]}, "moved": ["x"]}')
    lay = Layout()
    lay.load_dict(JsonFile(path).read())
    assert lay.moved == set()


def test_move_namespace_moves_members() -> None:
    m = model_of()
    lay = Layout()
    lay.update(m)
    before = lay.namespace_rect(m, "shop")
    web = lay.centre(m, WEB)
    lay.move_namespace(m, "shop", 10, 20)
    after = lay.namespace_rect(m, "shop")
    assert after == pytest.approx((before[0] + 10, before[1] + 20, before[2], before[3]))
    assert lay.centre(m, WEB) == pytest.approx((web[0] + 10, web[1] + 20))


def test_session_path_is_stable_and_order_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    a = session_path(["b", "a"])
    assert a == session_path(["a", "b"])
    assert a.parent == tmp_path / "netviz" / "sessions"
    assert a != session_path(["a"])

"""A model made from a plain connection list keeps its cells as the list's columns: the matrix
and the candidates made from the columns are those made from the dict
(``GraphModel._cells``), merged external ranges included, and a list with a pair twice falls
back to the dict (its last label stays). A one-shot command (``forked`` enabled) makes the
dict only when asked; the app makes it with the model (its first what-if edit copies it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import Connection, connlist
from netviz.io.manifests import load_paths
from netviz.viewmodel import forked
from netviz.viewmodel.graph import GraphModel

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _demo() -> GraphModel:
    cl = load_paths([str(DEMO)]).cluster
    an = Analyzer(cl)
    return GraphModel(cl, connlist(an), an)


def _from_dict(model: GraphModel) -> GraphModel:
    """The same model with its cells as a dict (the columns dropped)."""
    model._cells = dict(model._cells)
    assert model._cell_columns is None
    return model


@pytest.mark.parametrize("one_shot", [False, True])
def test_matrix_and_candidates_from_columns_are_those_from_the_dict(
        one_shot: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "_enabled", one_shot)
    fast = _demo()
    assert (fast._cells_made is None) == (one_shot and forked.enabled())
    assert fast._cell_columns is not None and fast._cell_columns.coded() is not None
    assert any(len(v) > 1 for v in fast.members_of.values())  # merged external ranges
    m_fast = fast._matrix_for(fast.tree)
    cands_fast = fast._candidates(fast.tree, fast.m)
    plain = _from_dict(_demo())
    assert np.array_equal(m_fast, plain._matrix_for(plain.tree))
    assert np.array_equal(fast.m, plain.m)
    assert cands_fast == plain._candidates(plain.tree, plain.m)
    # the dict, made when asked, is the one a full build makes
    assert fast._cells == plain._cells
    assert list(fast._cells) == list(plain._cells)


def test_a_pair_listed_twice_keeps_the_last_label() -> None:
    cl = load_paths([str(DEMO)]).cluster
    an = Analyzer(cl)
    conns = connlist(an)
    first = next(c for c in conns if c.src.key != c.dst.key
                 and not (c.src.is_external or c.dst.is_external))
    other = next(c for c in conns if c.connections != first.connections)
    twice = [*conns, Connection(first.src, first.dst, other.connections)]
    model = GraphModel(cl, twice, an)
    assert model._cell_columns is not None and model._cell_columns.coded() is None
    i, j = model.tree.index[first.src.key], model.tree.index[first.dst.key]
    assert model.labels[int(model.m[i, j])].conns == other.connections
    plain = _from_dict(GraphModel(cl, twice, an))
    assert np.array_equal(model._matrix_for(model.tree), plain._matrix_for(plain.tree))


def test_what_if_updates_start_from_the_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _demo()
    assert model._cells_made is not None  # the app's: made with the model
    monkeypatch.setattr(forked, "_enabled", True)
    model = _demo()
    model.ensure_memo()
    assert model._cells_made is not None  # made off the edit path
    conns = connlist(model.analyzer)
    new = model.updated(model.cluster, conns, model.analyzer, [])
    assert new._cell_columns is None and new._cells == model._cells
    assert new._cells is not model._cells

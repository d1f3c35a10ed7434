"""Two cores for one-shot commands (``netviz.viewmodel.forked``): the halves come back as if
computed here, a failing child costs nothing but time, and a cover split over two processes
gives the very products of a cover in one."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from netviz.viewmodel import cover as C
from netviz.viewmodel import forked
from netviz.viewmodel.cover import ROOT, Tree, cover


@pytest.fixture
def two_cores() -> object:
    forked.enable(True)
    yield
    forked.enable(False)


def test_off_by_default_and_in_process() -> None:
    assert not forked.enabled()
    pid = os.getpid()
    got = forked.halves(10, lambda lo, hi: (list(range(lo, hi)), os.getpid()), split=3)
    assert got == [([0, 1, 2], pid), ([3, 4, 5, 6, 7, 8, 9], pid)]


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_second_half_in_a_child(two_cores: object) -> None:
    pid = os.getpid()
    (a, pa), (b, pb) = forked.halves(
        7, lambda lo, hi: ([x * x for x in range(lo, hi)], os.getpid()),
        pack=lambda r: (tuple(r[0]), r[1]), unpack=lambda t: (list(t[0]), t[1]))
    assert a + b == [x * x for x in range(7)]
    assert pa == pid and pb != pid  # really another process


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_a_dying_child_is_replaced_here(two_cores: object) -> None:
    pid = os.getpid()

    def work(lo: int, hi: int) -> list[int]:
        if os.getpid() != pid:
            os._exit(3)  # the child dies without a word
        return list(range(lo, hi))

    assert forked.halves(5, work) == [[0, 1], [2, 3, 4]]

    def raises_in_child(lo: int, hi: int) -> list[int]:
        if os.getpid() != pid:
            raise RuntimeError("child")
        return list(range(lo, hi))

    assert forked.halves(4, raises_in_child) == [[0, 1], [2, 3]]


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_an_error_here_reaps_the_child(two_cores: object) -> None:
    pid = os.getpid()

    def work(lo: int, hi: int) -> list[int]:
        if os.getpid() == pid:
            raise ValueError("parent")
        return list(range(lo, hi))

    with pytest.raises(ValueError, match="parent"):
        forked.halves(4, work)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # nothing left to reap


def namespaces_tree(rnd: random.Random, n_ns: int) -> Tree:
    """Namespaces (some with groups) straight under the root: many top-level blocks."""
    parent: dict[str, str] = {}
    containers: set[str] = set()
    leaf = 0
    for ns in range(n_ns):
        nk = f"ns:{ns}"
        parent[nk] = ROOT
        containers.add(nk)
        for g in range(rnd.randint(0, 2)):
            gk = f"grp:{ns}/{g}"
            parent[gk] = nk
            containers.add(gk)
            for _ in range(rnd.randint(1, 3)):
                parent[f"l{leaf}"] = gk
                leaf += 1
        for _ in range(rnd.randint(1, 3)):
            parent[f"l{leaf}"] = nk
            leaf += 1
    return Tree(parent, containers)


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
@pytest.mark.parametrize("seed", range(4))
def test_cover_in_two_processes_is_the_cover(seed: int, two_cores: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    tree = namespaces_tree(rnd, rnd.randint(6, 14))
    n = len(tree.leaves)
    m = np.zeros((n, n), dtype=np.int16)
    for _ in range(n):  # blocks of one label (as policies make them), then noise
        a, b = sorted(rnd.sample(range(n), 2))
        c, d = sorted(rnd.sample(range(n), 2))
        m[a:b, c:d] = rnd.randint(1, 4)
    for _ in range(n):
        m[rnd.randrange(n), rnd.randrange(n)] = rnd.randint(0, 4)
    np.fill_diagonal(m, -1)
    forked.enable(False)
    one = cover(tree, m)
    forked.enable(True)
    monkeypatch.setattr(C, "FORK_BLOCKS", 2)
    calls: list[int] = []
    real = forked.halves

    def spy(n: int, *args: object, **kw: object) -> object:
        calls.append(n)
        return real(n, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(forked, "halves", spy)
    assert cover(tree, m) == one
    assert calls and calls[0] > 2  # it did split


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_picture_json_text_in_two_processes_is_the_dump(two_cores: object) -> None:
    import json
    from pathlib import Path

    from netviz.engine import Analyzer
    from netviz.engine.connlist import connlist
    from netviz.export.picture_json import text, to_dict
    from netviz.io.manifests import load_paths
    from netviz.viewmodel.graph import GraphModel
    from netviz.viewmodel.layout import Layout
    from netviz.viewmodel.routing import picture

    cluster = load_paths([str(Path(__file__).resolve().parents[2] / "resources" / "demo")]
                         ).cluster
    an = Analyzer(cluster)
    model = GraphModel(cluster, connlist(an), an)
    pic = picture(model, model.view(), Layout(), heading="demo — ünïcode")
    want = json.dumps(to_dict(pic), ensure_ascii=False, separators=(",", ":"))
    assert len(pic.edges) > 10
    assert text(pic) == want
    forked.enable(False)
    assert text(pic) == want
    pic.edges = []
    assert text(pic) == json.dumps(to_dict(pic), ensure_ascii=False, separators=(",", ":"))



# ---------------------------------------------------------------------- beside


def test_beside_off_runs_only_here() -> None:
    ran: list[str] = []
    got = forked.beside(lambda: ran.append("here") or 1, lambda: ran.append("there") or b"x")
    assert got == (1, None) and ran == ["here"]  # the caller does the other part itself


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_beside_runs_there_in_a_child(two_cores: object) -> None:
    pid = os.getpid()
    here, there = forked.beside(lambda: os.getpid(), lambda: str(os.getpid()).encode())
    assert here == pid and there is not None and int(there) != pid
    assert forked.beside(lambda: 0, lambda: b"") == (0, b"")  # an empty answer is an answer
    big = bytes(range(256)) * 20_000  # more than a pipe holds while this side works
    assert forked.beside(lambda: 0, lambda: big) == (0, big)


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_beside_a_failing_or_stuck_child_gives_none(two_cores: object,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def dies() -> bytes:
        os._exit(3)

    def raises() -> bytes:
        raise RuntimeError("child")

    assert forked.beside(lambda: 1, dies) == (1, None)
    assert forked.beside(lambda: 2, raises) == (2, None)
    monkeypatch.setattr(forked, "PATIENCE_S", 0.3)
    start = time.monotonic()
    assert forked.beside(lambda: 3, lambda: time.sleep(60) or b"late") == (3, None)
    assert time.monotonic() - start < 10  # killed, not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # and reaped


@pytest.mark.skipif(os.name != "posix", reason="no fork on this platform")
def test_beside_an_error_here_kills_and_reaps_the_child(two_cores: object) -> None:
    import time

    def here() -> int:
        raise ValueError("parent")

    with pytest.raises(ValueError, match="parent"):
        forked.beside(here, lambda: time.sleep(60) or b"")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)

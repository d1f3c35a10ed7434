"""The vectorised steps of choosing groups (``netviz.viewmodel.groups``) against plain
references, on random trees and relations: the same answers, in the same order.

NETVIZ_FAST_EXAMPLES=<n> runs more random cases (default 12)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from netviz.viewmodel import groups as G
from netviz.viewmodel.cover import ROOT, Tree, set_diagonal

CASES = int(os.environ.get("NETVIZ_FAST_EXAMPLES", "12"))


def _random_tree_and_matrix(seed: int) -> tuple[Tree, np.ndarray, dict[str, list[str]]]:
    """Namespaces of 1-90 leaves, a few leaves outside (some standing for several ranges),
    and a relation with structure: each leaf has one of a few kinds, the label of a pair
    mostly a function of the two kinds (so many rows and columns agree), with noise."""
    rng = np.random.default_rng(seed)
    parent: dict[str, str] = {}
    ns_leaves: dict[str, list[str]] = {}
    for n in range(int(rng.integers(1, 8))):
        ns = f"n{n}"
        parent["ns:" + ns] = ROOT
        size = int(rng.choice([1, 2, 3, 5, 12, 70, 90]))
        ns_leaves[ns] = [f"{ns}/w{i:02d}" for i in range(size)]
        for k in ns_leaves[ns]:
            parent[k] = "ns:" + ns
    outside = [f"x{i}" for i in range(int(rng.integers(0, 4)))]
    for k in outside:
        parent[k] = ROOT
    multi = {k: 3 for k in outside if rng.random() < 0.5}
    tree = Tree(parent, {"ns:" + ns for ns in ns_leaves}, multi=multi)
    n = len(tree.leaves)
    kinds = rng.integers(0, 3, n)
    if rng.random() < 0.5:  # one kind per namespace: namespaces alike (namespace sets)
        per_ns = {k: int(rng.integers(0, 3)) for k in tree.containers}
        kinds = np.array([per_ns.get(tree.parent[k], 3) for k in tree.leaves])
    table = rng.integers(0, 4, (4, 4))
    m = table[kinds][:, kinds].astype(np.int16)
    noise = rng.random((n, n)) < float(rng.choice([0.0, 0.01, 0.1]))
    m[noise] = rng.integers(0, 4, int(noise.sum()))
    set_diagonal(tree, m)
    return tree, m, ns_leaves


def _random_candidates(tree: Tree, ns_leaves: dict[str, list[str]], seed: int
                       ) -> list[G.Candidate]:
    rng = np.random.default_rng(seed + 1000)
    out: list[G.Candidate] = []
    for ns, leaves in ns_leaves.items():
        for _ in range(30):
            size = int(rng.integers(1, len(leaves) + 1))
            members = rng.choice(leaves, size, replace=False).tolist()
            out.append(G.Candidate("group", frozenset(members), "", namespace=ns))
    nss = ["ns:" + ns for ns in ns_leaves]
    for _ in range(5):
        size = int(rng.integers(1, len(nss) + 1))
        out.append(G.Candidate("nsset", frozenset(rng.choice(nss, size, replace=False).tolist()),
                               ""))
    out.append(G.Candidate("cluster", frozenset(nss), ""))
    outside = [k for k in tree.leaves if tree.parent[k] == ROOT]
    if outside:
        out.append(G.Candidate("external", frozenset(outside), ""))
    return out


@pytest.mark.parametrize("seed", range(CASES))
def test_useful_is_the_plain_test_per_candidate(seed: int, monkeypatch) -> None:
    tree, m, ns_leaves = _random_tree_and_matrix(seed)
    cands = _random_candidates(tree, ns_leaves, seed)
    want = [c for c in cands if G._useful_one(tree, m, c)]
    assert G.useful(tree, m, cands) == want
    # small chunks: many stacked chunks per bucket, and long lists read band by band
    monkeypatch.setattr(G, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(G, "_BUCKETS", (2, 3, 4, 6))
    assert G.useful(tree, m, cands) == want


def test_useful_finds_both_directions_and_the_inside() -> None:
    # a, b, c in one namespace; x outside. {a, b}: x reaches both with 2 (from outside);
    # {b, c}: both reach x with 3 (to outside); {a, c}: nothing outside alike, but a and c
    # reach each other with 1; {a, b, c} is the whole tree's namespace but for x
    parent = {"ns:n": ROOT, "x": ROOT, **{k: "ns:n" for k in "abc"}}
    tree = Tree(parent, {"ns:n"})
    i = tree.index
    m = np.zeros((4, 4), dtype=np.int16)
    m[i["x"], i["a"]] = m[i["x"], i["b"]] = 2
    m[i["b"], i["x"]] = m[i["c"], i["x"]] = 3
    m[i["a"], i["c"]] = m[i["c"], i["a"]] = 1
    set_diagonal(tree, m)
    cands = [G.Candidate("group", frozenset(s), s, namespace="n") for s in ("ab", "bc", "ac")]
    cands.append(G.Candidate("group", frozenset("a"), "a", namespace="n"))
    assert [c.label for c in G.useful(tree, m, cands)] == ["ab", "bc", "ac"]
    m[i["a"], i["c"]] = 2  # no longer one label inside
    assert [c.label for c in G.useful(tree, m, cands)] == ["ab", "bc"]


def test_transposed_is_the_transpose() -> None:
    m = np.arange(130 * 70, dtype=np.int16).reshape(130, 70)
    assert np.array_equal(G.transposed(m), m.T)


def _module_candidates_plain(tree: Tree, m: np.ndarray, ns_leaves: dict[str, list[str]]
                             ) -> list[tuple[str, frozenset[str]]]:
    """``module_candidates`` as first written: column strips, wildcards masked by hand."""
    out: list[tuple[str, frozenset[str]]] = []
    for _ns, lo, hi in G._spans(tree, ns_leaves):
        rows = np.concatenate([m[lo:hi, :lo], m[lo:hi, hi:], m[:lo, lo:hi].T, m[hi:, lo:hi].T],
                              axis=1)
        for g in G._signature_groups(rows):
            if len(g) < hi - lo:
                out.append(("group", frozenset(tree.leaves[lo + i] for i in g)))
    nss = ["ns:" + ns for ns in ns_leaves if tree.hi["ns:" + ns] > tree.lo["ns:" + ns]]
    if len(nss) >= 3 and m.size:
        big = m.dtype.type(np.iinfo(m.dtype).max)
        sigs: dict[bytes, list[str]] = {}
        for k in nss:
            lo, hi = tree.lo[k], tree.hi[k]
            sub_out, sub_in = m[lo:hi, :], m[:, lo:hi]
            mx_o, mn_o = sub_out.max(axis=0), np.where(sub_out < 0, big, sub_out).min(axis=0)
            mx_i, mn_i = sub_in.max(axis=1), np.where(sub_in < 0, big, sub_in).min(axis=1)
            out_sig = np.where(mx_o <= 0, 0, np.where(mx_o == mn_o, mx_o, -2))
            in_sig = np.where(mx_i <= 0, 0, np.where(mx_i == mn_i, mx_i, -2))
            out_sig[lo:hi] = 0
            in_sig[lo:hi] = 0
            if (out_sig == -2).any() or (in_sig == -2).any() or not (out_sig.any()
                                                                     or in_sig.any()):
                continue
            sigs.setdefault(out_sig.tobytes() + in_sig.tobytes(), []).append(k)
        out += [("nsset", frozenset(s)) for s in sigs.values() if 2 <= len(s) < len(nss)]
    return out


@pytest.mark.parametrize("seed", range(CASES))
def test_module_candidates_are_the_plain_ones(seed: int) -> None:
    tree, m, ns_leaves = _random_tree_and_matrix(seed)
    if seed % 3 == 2:  # a wildcard off the diagonal: the plain min is not enough there
        m[0, -1] = -1
    want = _module_candidates_plain(tree, m, ns_leaves)

    def got(mt: np.ndarray | None) -> list[tuple[str, frozenset[str]]]:
        return [(c.kind, c.atoms) for c in G.module_candidates(tree, m, ns_leaves,
                                                               lambda ns, ms: "", mt)]

    assert got(None) == want
    assert got(G.transposed(m)) == want


def test_module_candidates_find_namespaces_alike() -> None:
    # n0, n1, n2 reach n3 with 1 and are reached from it with 2; n3 is unlike them
    parent: dict[str, str] = {}
    ns_leaves = {f"n{i}": [f"n{i}/w{j}" for j in range(3)] for i in range(4)}
    for ns, leaves in ns_leaves.items():
        parent["ns:" + ns] = ROOT
        parent.update({k: "ns:" + ns for k in leaves})
    tree = Tree(parent, {"ns:" + ns for ns in ns_leaves})
    kind = np.array([tree.parent[k] == "ns:n3" for k in tree.leaves], dtype=int)
    m = np.array([[0, 1], [2, 0]], dtype=np.int16)[kind][:, kind]
    set_diagonal(tree, m)
    want = _module_candidates_plain(tree, m, ns_leaves)
    assert ("nsset", frozenset({"ns:n0", "ns:n1", "ns:n2"})) in want
    for mt in (None, G.transposed(m)):
        got = G.module_candidates(tree, m, ns_leaves, lambda ns, ms: "", mt)
        assert [(c.kind, c.atoms) for c in got] == want

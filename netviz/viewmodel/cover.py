"""Exact compression: a tree of groups, and the fewest products of groups that state a relation.

The picture draws an edge between two nodes of a tree (a workload, a Service, an external
range, a group of workloads, a namespace, a set of namespaces). An edge A -> B with label c
*states* that every pair (s, t) in members(A) x members(B) with s != t has exactly c. This
module finds, for a labelled pair relation, a set of such edges in which every pair of the
relation is stated exactly once and nothing else is stated: an exact cover by products.

Rules this module keeps:
- ``Tree``: containers (root, cluster, namespace sets, namespaces, groups) over leaves; every
  container's leaves are a contiguous range of the leaf order (depth-first), so that a product
  of two nodes is a rectangle of the relation matrix. Qt-free, numpy only.
- ``cover``: a recursive decomposition of the matrix over the tree. A block (A, B) whose pairs
  all have one label becomes one edge; a block with no pair becomes nothing; any other block is
  split along A's children, B's children or both, whichever leaves the fewest non-empty and
  mixed child blocks (a one-level look-ahead computed with ``numpy.*.reduceat``). Leaves always
  end the recursion, so the result is exact whatever the tree is; a good tree only makes it
  smaller. The root is never an end. A *collapsed* container (semantic zoom) is never split:
  a mixed block at it becomes one ``BUNDLE`` edge that states nothing (it carries counts).
- Incremental (``cover_memo``): a block's products depend only on the block's cells (and the
  tree), so a cover remembers the products of every block it visited (``CoverMemo``); after a
  what-if edit that changed some cells, blocks without a changed cell reuse them and only the
  blocks on the way down to the changed cells are decomposed again. The result is the very
  list a full cover gives (tests/viewmodel/test_cover_memo.py checks it). A memo of another
  tree (an edit that added or removed leaves: external ranges cut anew) is reused only with
  the ``dirty`` nodes named: every node whose leaves or whose leaves' members changed, and
  every container above one; a block at a dirty node is decomposed again, any other block
  holds the same leaves (by name) as before, so its products, named by nodes, are the same.
- Twins (``TWINS``): a block's products depend on its cells and the shapes of the subtrees at
  its ends, never on names; a block with the same cells and shapes as one covered before (in
  the same cover) takes that one's products, renamed node by node. The result is the very list
  decomposing it gives (tests/viewmodel/test_cover_memo.py checks it).
- The diagonal: a pair needs s != t, so a leaf with one member does not constrain the blocks
  that contain it on both sides (its diagonal cell is a wildcard); a leaf with several members
  (merged external ranges) is not related to itself, so its cell is "no pair".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from netviz.viewmodel import forked

ROOT = "root"
#: the diagonal cell of a one-member leaf: any label is fine there
WILDCARD = -1
#: a block whose pairs have more than one label (only from ``summary``), and the label of the
#: edges that ``cover`` emits at collapsed containers
MIXED = -2
BUNDLE = MIXED


class Tree:
    """Containers over leaves. ``parent`` maps every node but the root to its container;
    ``kinds`` gives each node's kind (containers: root, cluster, group, namespace, ...);
    ``order`` sorts the children of a container (any comparable). Leaves are the nodes without
    children that are not in ``containers`` (a container may be empty)."""

    def __init__(self, parent: Mapping[str, str], containers: Iterable[str],
                 order: Mapping[str, object] | None = None,
                 multi: Mapping[str, int] | None = None) -> None:
        self.parent: dict[str, str] = dict(parent)
        self.containers: set[str] = set(containers) | {ROOT}
        children: dict[str, list[str]] = {}
        for k, p in self.parent.items():
            children.setdefault(p, []).append(k)
        if order is not None:
            for lst in children.values():
                lst.sort(key=lambda k: (order.get(k, ()), k))
        else:
            for lst in children.values():
                lst.sort()
        self.children = children
        #: members per leaf (merged external ranges: several); 1 when absent
        self.multi: dict[str, int] = dict(multi or {})
        self.leaves: list[str] = []
        self.lo: dict[str, int] = {}
        self.hi: dict[str, int] = {}
        self.depth: dict[str, int] = {ROOT: 0}
        # iterative DFS (deep trees never happen, but thousands of leaves do)
        stack: list[tuple[str, int]] = [(ROOT, 0)]
        while stack:
            k, state = stack.pop()
            if state == 0:
                self.lo[k] = len(self.leaves)
                kids = children.get(k, ())
                if not kids and k not in self.containers:
                    self.leaves.append(k)
                    self.hi[k] = len(self.leaves)
                    continue
                stack.append((k, 1))
                d = self.depth[k] + 1
                for c in reversed(kids):
                    self.depth[c] = d
                    stack.append((c, 0))
            else:
                self.hi[k] = len(self.leaves)
        self.index: dict[str, int] = {k: i for i, k in enumerate(self.leaves)}

    # ------------------------------------------------------------------ queries
    def is_leaf(self, key: str) -> bool:
        return key in self.index

    def kids(self, key: str) -> list[str]:
        return self.children.get(key, [])

    def leaves_of(self, key: str) -> list[str]:
        return self.leaves[self.lo[key]:self.hi[key]]

    def ancestors(self, key: str) -> list[str]:
        """``key``'s containers, innermost first, ending with the root."""
        out = []
        p = self.parent.get(key)
        while p is not None:
            out.append(p)
            p = self.parent.get(p)
        return out

    def contains(self, outer: str, inner: str) -> bool:
        """``inner`` is ``outer`` or inside it."""
        return self.lo[outer] <= self.lo[inner] and self.hi[inner] <= self.hi[outer] and (
            outer == inner or outer in self.ancestors(inner))

    def lca(self, a: str, b: str) -> str:
        seen = {a, *self.ancestors(a)}
        for k in (b, *self.ancestors(b)):
            if k in seen:
                return k
        return ROOT

    def nodes(self) -> list[str]:
        """Every node, depth first (parents before children)."""
        out: list[str] = []
        stack = [ROOT]
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(reversed(self.children.get(k, ())))
        return out

    def nodes_under(self, key: str) -> list[str]:
        """Every node inside ``key`` (leaves and containers), not ``key`` itself."""
        out: list[str] = []
        stack = list(self.children.get(key, ()))
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(self.children.get(k, ()))
        return out

    def without(self, drop: Iterable[str]) -> Tree:
        """The same tree with the containers ``drop`` dissolved (their children move up)."""
        drop = set(drop) - {ROOT}
        if not drop:
            return self
        parent: dict[str, str] = {}
        order: dict[str, object] = {}
        pos = {k: i for i, k in enumerate(self.nodes())}
        for k, p in self.parent.items():
            if k in drop:
                continue
            while p in drop:
                p = self.parent[p]
            parent[k] = p
            order[k] = pos[k]
        return Tree(parent, self.containers - drop, order, self.multi)

    def restricted(self, keep: set[str]) -> Tree:
        """Only the leaves in ``keep``; containers without kept leaves stay only when they
        are in ``keep`` themselves."""
        pos = {k: i for i, k in enumerate(self.nodes())}
        alive: set[str] = set()
        for leaf in self.leaves:
            if leaf in keep:
                alive.add(leaf)
                alive.update(self.ancestors(leaf))
        alive |= {c for c in self.containers if c in keep}
        for c in list(alive):
            alive.update(self.ancestors(c))
        parent = {k: p for k, p in self.parent.items() if k in alive}
        return Tree(parent, self.containers & alive, pos, self.multi)


# ---------------------------------------------------------------------- the relation matrix


def relation_matrix(tree: Tree, cells: Iterable[tuple[int, int, int]] | None = None,
                    n_labels: int = 1) -> np.ndarray:
    """An n x n matrix in the tree's leaf order: 0 = no pair, k > 0 = label k, and the
    wildcard on the diagonal of one-member leaves. ``cells`` are (row, column, label)."""
    n = len(tree.leaves)
    dtype = np.int16 if n_labels < 30000 else np.int32
    m = np.zeros((n, n), dtype=dtype)
    if cells is not None:
        rows, cols, labs = _unzip(cells)
        if rows.size:
            m[rows, cols] = labs
    set_diagonal(tree, m)
    return m


def set_diagonal(tree: Tree, m: np.ndarray) -> None:
    """The wildcard on the diagonal of one-member leaves (a multi-member leaf's diagonal cell
    is the label of the pairs between its members, normally none)."""
    n = len(tree.leaves)
    if not n:
        return
    single = np.array([tree.multi.get(k, 1) <= 1 for k in tree.leaves])
    idx = np.nonzero(single)[0]
    m[idx, idx] = WILDCARD


def _unzip(cells: Iterable[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.array(list(cells), dtype=np.int64).reshape(-1, 3)
    return a[:, 0], a[:, 1], a[:, 2]


# ---------------------------------------------------------------------- the cover


class Product(NamedTuple):
    """members(src) x members(dst) (s != t) all have ``label`` (``BUNDLE``: not one label;
    then ``pairs`` counts the pairs that have one and ``labels`` lists which).

    A named tuple (it was a frozen dataclass: the same fields, equality, hash values and
    repr): a big cover makes ~100,000 of them and hashes them as cache keys, and a frozen
    dataclass takes three times as long to make and four times as long to hash."""

    src: str
    dst: str
    label: int
    pairs: int
    labels: tuple[int, ...] = ()


def _status(mx: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """0 empty, label (>0) uniform, MIXED otherwise (elementwise)."""
    return np.where(mx <= 0, 0, np.where(mn == mx, mx, MIXED))


@dataclass
class CoverMemo:
    """What a cover emitted per block (``(src, dst, status)`` -> its products), for the next
    cover of the same tree with the same collapsed containers (``cover_memo``)."""

    tree: Tree
    collapsed: frozenset[str]
    blocks: dict[tuple[str, str, int], tuple[Product, ...]]


class _Coverer:
    def __init__(self, tree: Tree, m: np.ndarray, collapsed: frozenset[str],
                 weights: np.ndarray) -> None:
        self.t = tree
        self.m = m
        self.collapsed = collapsed
        #: a previous cover's blocks, reused where no cell changed (``cover_memo``)
        self.prev: dict[tuple[str, str, int], tuple[Product, ...]] | None = None
        self.rows = np.zeros(0, dtype=np.int64)
        self.cols = np.zeros(0, dtype=np.int64)
        #: nodes whose blocks are never taken from ``prev`` (``cover_memo``'s ``dirty``)
        self.dirty: frozenset[str] = frozenset()
        #: the blocks of this cover, when recorded
        self.record: dict[tuple[str, str, int], tuple[Product, ...]] | None = None
        self.w = weights  # members per leaf
        self.cum = np.concatenate(([0], np.cumsum(weights))).tolist()
        #: prefix counts of one-member leaves (a pair (s, s) of one is no pair)
        self.ones = np.concatenate(([0], np.cumsum(weights == 1))).tolist()
        self.out: list[Product] = []
        #: products per block shape and cells, relative to the block's ends (``TWINS``);
        #: None: off (a cover from a previous memo)
        #: and the inner blocks' records (positions, status, slice of the products)
        self.twins: dict[tuple[int, int, bool, bytes],
                         tuple[list[tuple[int, int, int, int, tuple[int, ...]]],
                               list[tuple[int, int, int, int, int]]]] | None = (
            {} if TWINS else None)
        self.sig: dict[str, int] | None = None
        self.pre: dict[str, list[str]] = {}
        self.big = m.dtype.type(np.iinfo(m.dtype).max)
        lo, hi = tree.lo, tree.hi
        #: non-empty children (empty ones never hold a pair) and their starts
        self.kids: dict[str, list[str]] = {}
        self.starts: dict[str, list[int]] = {}
        for k, cs in tree.children.items():
            if k in collapsed:
                continue
            ne = [c for c in cs if hi[c] > lo[c]]
            if ne:
                self.kids[k] = ne
                self.starts[k] = [lo[c] - lo[k] for c in ne]

    def block(self, a: str, b: str) -> np.ndarray:
        t = self.t
        return self.m[t.lo[a]:t.hi[a], t.lo[b]:t.hi[b]]

    def overlap(self, a: str, b: str) -> bool:
        t = self.t
        return t.lo[a] < t.hi[b] and t.lo[b] < t.hi[a]

    def summary(self, a: str, b: str) -> int:
        sub = self.block(a, b)
        if sub.size == 0:
            return 0
        mx = int(sub.max())
        if mx <= 0:
            return 0
        if self.overlap(a, b):
            mn = int(np.where(sub < 0, self.big, sub).min())
        else:
            mn = int(sub.min())
        return mx if mn == mx else MIXED

    def reduced(self, a: str, b: str, split_a: bool, split_b: bool
                ) -> tuple[np.ndarray, np.ndarray]:
        """Max and min (wildcards ignored) of each child block."""
        sub = self.block(a, b)
        if sub.size > BAND_CELLS:
            mx, mn = _band_max_min(sub, self.starts[a] if split_a else [0],
                                   self.overlap(a, b), self.big)
        elif split_a:
            low = np.where(sub < 0, self.big, sub) if self.overlap(a, b) else sub
            rows = self.starts[a]
            mx = np.maximum.reduceat(sub, rows, axis=0)
            mn = np.minimum.reduceat(low, rows, axis=0)
        else:
            low = np.where(sub < 0, self.big, sub) if self.overlap(a, b) else sub
            mx = sub.max(axis=0, keepdims=True)
            mn = low.min(axis=0, keepdims=True)
        if split_b:
            cols = self.starts[b]
            mx = np.maximum.reduceat(mx, cols, axis=1)
            mn = np.minimum.reduceat(mn, cols, axis=1)
        else:
            mx = mx.max(axis=1, keepdims=True)
            mn = mn.min(axis=1, keepdims=True)
        return mx, mn

    def children_status(self, a: str, b: str, split_a: bool, split_b: bool) -> np.ndarray:
        """Status of each non-empty child block (rows: A's children or A; columns likewise)."""
        mx, mn = self.reduced(a, b, split_a, split_b)
        return _status(mx, mn)

    def pairs(self, a: str, b: str) -> int:
        t = self.t
        cum = self.cum
        na = cum[t.hi[a]] - cum[t.lo[a]]
        nb = cum[t.hi[b]] - cum[t.lo[b]]
        n = int(na * nb)
        lo, hi = max(t.lo[a], t.lo[b]), min(t.hi[a], t.hi[b])
        if lo < hi:
            # one-member leaves on both sides: their (s, s) is not a pair
            n -= int(self.ones[hi] - self.ones[lo])
        return n

    def tighten(self, a: str, b: str) -> tuple[str, str]:
        """A group and a one-member leaf inside it: when the rest of the group is a single
        child, state the product from (to) that child: the same pairs, read plainly
        ("api -> db" rather than "{api, db} -> db")."""
        t = self.t
        for _ in range(8):
            if a != b and t.lo[a] <= t.lo[b] and t.hi[b] <= t.hi[a] and b in t.index \
                    and self.w[t.index[b]] == 1 and a in self.kids:
                rest = [c for c in self.kids[a] if not (t.lo[c] <= t.lo[b] < t.hi[c])]
                if len(rest) == 1 and len(self.kids[a]) == 2 and b in self.kids[a]:
                    a = rest[0]
                    continue
            if a != b and t.lo[b] <= t.lo[a] and t.hi[a] <= t.hi[b] and a in t.index \
                    and self.w[t.index[a]] == 1 and b in self.kids:
                rest = [c for c in self.kids[b] if not (t.lo[c] <= t.lo[a] < t.hi[c])]
                if len(rest) == 1 and len(self.kids[b]) == 2 and a in self.kids[b]:
                    b = rest[0]
                    continue
            break
        return a, b

    def emit(self, a: str, b: str, status: int) -> None:
        if status > 0:
            a, b = self.tighten(a, b)
            self.out.append(Product(a, b, status, self.pairs(a, b)))
            return
        sub = self.block(a, b)
        labels = tuple(int(x) for x in np.unique(sub[sub > 0]))
        # pairs that have a label (members of merged leaves count each)
        t = self.t
        wa = self.w[t.lo[a]:t.hi[a]]
        wb = self.w[t.lo[b]:t.hi[b]]
        count = int((wa[:, None] * wb[None, :] * (sub > 0)).sum())
        self.out.append(Product(a, b, BUNDLE, count, labels))

    def clean(self, a: str, b: str) -> bool:
        """No changed cell in block (a, b)."""
        if not self.rows.size:
            return True
        t = self.t
        return not bool(np.any((self.rows >= t.lo[a]) & (self.rows < t.hi[a])
                               & (self.cols >= t.lo[b]) & (self.cols < t.hi[b])))

    def run(self, a: str, b: str, status: int | None = None) -> None:
        if status is None:
            status = self.summary(a, b)
        if status == 0:
            return
        key = (a, b, status)
        if self.prev is not None:
            got = self.prev.get(key)
            if got is not None and a not in self.dirty and b not in self.dirty \
                    and self.clean(a, b):
                self.out.extend(got)
                if self.record is not None:
                    self.record[key] = got
                return
        start = len(self.out)
        if self.twins is not None and status < 0 and (
                a in self.kids or b in self.kids or a in self.collapsed or b in self.collapsed):
            self._run_twin(a, b, status)
        else:
            self._run(a, b, status)
        if self.record is not None:
            self.record[key] = tuple(self.out[start:])

    def _run_twin(self, a: str, b: str, status: int) -> None:
        """``_run``, or the products of an earlier block of the same shape and cells (see
        ``TWINS``) renamed onto this one."""
        t = self.t
        same = a == b
        if (not same and t.lo[a] < t.hi[b] and t.lo[b] < t.hi[a]) \
                or (t.hi[a] - t.lo[a]) * (t.hi[b] - t.lo[b]) > TWIN_CELLS:
            self._run(a, b, status)  # nested ends (only inside a diagonal block), or huge
            return
        twins = self.twins
        assert twins is not None
        if self.sig is None:
            self.sig = self._signatures()
        sig = self.sig
        key = (sig[a], sig[b], same, self.block(a, b).tobytes())
        got = twins.get(key)
        if got is None:
            start = len(self.out)
            outer = self.record
            if outer is not None:
                self.record = {}  # this block's inner blocks, to record with its twins too
            self._run(a, b, status)
            made = self.out[start:]
            pa = {k: i for i, k in enumerate(self._preorder(a))}
            pb = pa if same else {k: i for i, k in enumerate(self._preorder(b))}
            inner: list[tuple[int, int, int, int, int]] = []
            if outer is not None:
                assert self.record is not None
                at = {id(p): i for i, p in enumerate(made)}
                for (x, y, st), ps in self.record.items():
                    i0 = at[id(ps[0])] if ps else 0
                    inner.append((pa[x], pb[y], st, i0, i0 + len(ps)))
                outer.update(self.record)
                self.record = outer
            twins[key] = ([(pa[p.src], pb[p.dst], p.label, p.pairs, p.labels) for p in made],
                          inner)
            return
        na = self._preorder(a)
        nb = na if same else self._preorder(b)
        made = [Product(na[i], nb[j], lab, n, labs) for i, j, lab, n, labs in got[0]]
        self.out.extend(made)
        if self.record is not None:
            rec = self.record
            for i, j, st, i0, i1 in got[1]:
                rec[(na[i], nb[j], st)] = tuple(made[i0:i1])

    def _signatures(self) -> dict[str, int]:
        """Per node, the shape of its subtree as a number: equal numbers, equal shapes (the
        same nesting, leaves with the same member counts, the same containers collapsed)."""
        t = self.t
        ids: dict[tuple[object, ...], int] = {}
        sig: dict[str, int] = {}
        for k in reversed(t.nodes()):
            if k in t.index:
                shape: tuple[object, ...] = (0, t.multi.get(k, 1))
            else:
                shape = (1, k in self.collapsed,
                         tuple([sig[c] for c in t.children.get(k, ())]))
            sig[k] = ids.setdefault(shape, len(ids))
        return sig

    def _preorder(self, key: str) -> list[str]:
        """``key`` and every node inside it, depth first: twins list the same shapes at the
        same positions."""
        got = self.pre.get(key)
        if got is None:
            got = []
            stack = [key]
            children = self.t.children
            while stack:
                k = stack.pop()
                got.append(k)
                kids = children.get(k)
                if kids:
                    stack.extend(reversed(kids))
            self.pre[key] = got
        return got

    def _run(self, a: str, b: str, status: int) -> None:
        if status > 0:
            self.emit(a, b, status)
            return
        sa, sb = a in self.kids, b in self.kids
        if not sa and not sb:
            self.emit(a, b, status)
            return
        st: np.ndarray | list[list[int]]
        if sa and sb:
            mx, mn = self.reduced(a, b, True, True)
            if mx.size <= SMALL:
                xa, xb, st = _split_small(mx.tolist(), mn.tolist())
                self._descend(a, b, xa, xb, st)
                return
            both = _status(mx, mn)
            if both.shape[0] == 1 or both.shape[1] == 1:
                # a side with a single non-empty child: descending into it changes nothing
                # but the names, so both sides descend at once
                xa, xb, st = True, True, both
            else:
                rows = _status(mx.max(axis=1, keepdims=True), mn.min(axis=1, keepdims=True))
                cols = _status(mx.max(axis=0, keepdims=True), mn.min(axis=0, keepdims=True))
                sr, sc, sb2 = _score(rows), _score(cols), _score(both) + 0.5
                if sr <= sc and sr <= sb2:
                    xa, xb, st = True, False, rows
                elif sc <= sb2:
                    xa, xb, st = False, True, cols
                else:
                    xa, xb, st = True, True, both
        else:
            xa, xb = sa, sb
            mx, mn = self.reduced(a, b, xa, xb)
            if mx.size <= SMALL:
                st = [[_one_status(x, y) for x, y in zip(rx, rn, strict=True)]
                      for rx, rn in zip(mx.tolist(), mn.tolist(), strict=True)]
            else:
                st = _status(mx, mn)
        self._descend(a, b, xa, xb, st)

    def _descend(self, a: str, b: str, xa: bool, xb: bool,
                 st: np.ndarray | list[list[int]]) -> None:
        """Run the non-empty child blocks of the split, row by row (the order of
        ``numpy.nonzero``)."""
        ra = self.kids[a] if xa else [a]
        cb = self.kids[b] if xb else [b]
        if isinstance(st, list):
            for i, row in enumerate(st):
                for j, v in enumerate(row):
                    if v:
                        self.run(ra[i], cb[j], v)
            return
        rows, cols = np.nonzero(st)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            self.run(ra[i], cb[j], int(st[i, j]))


#: blocks above this many cells are reduced band by band (``_band_max_min``)
BAND_CELLS = 1 << 16


def _band_max_min(sub: np.ndarray, starts: Sequence[int], masked: bool, big: np.integer
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per band of rows (from each of ``starts`` to the next): the max of each column, and
    the min without the wildcards when ``masked``. The same as ``numpy.*.reduceat`` over
    axis 0, which does not vectorise (at 5,000 workloads the root's split read 25 million
    cells twice at ~15 x the time), and without a masked copy of the whole block."""
    bounds = [*starts, sub.shape[0]]
    mx = np.empty((len(starts), sub.shape[1]), dtype=sub.dtype)
    mn = np.empty_like(mx)
    for i in range(len(starts)):
        band = sub[bounds[i]:bounds[i + 1]]
        band.max(axis=0, out=mx[i])
        band.min(axis=0, out=mn[i])
        if masked:
            # only the columns with a negative cell (the diagonal's few) need the mask
            neg = np.flatnonzero(mn[i] < 0)
            if neg.size:
                cols = band[:, neg]
                mn[i, neg] = np.where(cols < 0, big, cols).min(axis=0)
    return mx, mn


def _score(st: np.ndarray) -> int:
    """Edges a split leaves at least: one per uniform child block, two per mixed one."""
    return int(np.count_nonzero(st)) + int(np.count_nonzero(st == MIXED))


#: Twins: the products of a mixed block are a function of the block's cells and of the shape of
#: the subtrees at its two ends (nesting, leaves' member counts, collapsed containers), never
#: of names; so a block with the same cells and shapes as one covered before gets that one's
#: products, renamed position by position (depth-first) onto its own nodes: the very list its
#: own decomposition would give (tests/viewmodel/test_cover_memo.py compares the two).
#: Namespaces made from one chart or template are such twins: at 5,000 synthetic workloads
#: the ~35,000 namespace-pair blocks have ~300 distinct patterns. Off for a cover from a
#: previous memo (``cover_memo``'s ``prev``), whose blocks mostly come from that memo.
TWINS = True
#: blocks above this many cells are not looked up (their key would be a big copy; their
#: child blocks still are)
TWIN_CELLS = 1 << 16


#: child-status matrices up to this many blocks are worked out in plain Python: numpy's cost
#: per call dominates on them, and most blocks of a big cover are that small (the result is
#: the same either way: tests/viewmodel/test_cover_memo.py compares the two)
SMALL = 64


def _one_status(mx: int, mn: int) -> int:
    """``_status`` of one block."""
    return 0 if mx <= 0 else (mx if mn == mx else MIXED)


def _split_small(mx: list[list[int]], mn: list[list[int]]
                 ) -> tuple[bool, bool, list[list[int]]]:
    """The split ``_Coverer._run`` chooses when both sides can split, on small matrices:
    (split A, split B, status of each child block)."""
    both = [[_one_status(x, y) for x, y in zip(rx, rn, strict=True)]
            for rx, rn in zip(mx, mn, strict=True)]
    if len(both) == 1 or len(both[0]) == 1:
        return True, True, both
    rows = [[_one_status(max(rx), min(rn))] for rx, rn in zip(mx, mn, strict=True)]
    col_mx, col_mn = zip(*mx, strict=True), zip(*mn, strict=True)
    cols = [[_one_status(max(cx), min(cn)) for cx, cn in zip(col_mx, col_mn, strict=True)]]

    def score(st: list[list[int]]) -> int:
        return sum(1 + (v == MIXED) for row in st for v in row if v)

    sr, sc, sb2 = score(rows), score(cols), score(both) + 0.5
    if sr <= sc and sr <= sb2:
        return True, False, rows
    if sc <= sb2:
        return False, True, cols
    return True, True, both


def cover(tree: Tree, m: np.ndarray, collapsed: Iterable[str] = ()) -> list[Product]:
    """The products that state the relation ``m`` (see the module doc). Deterministic."""
    return _cover(tree, m, frozenset(collapsed), None, ())[0]


def cover_memo(tree: Tree, m: np.ndarray, collapsed: Iterable[str] = (),
               prev: CoverMemo | None = None,
               changed: Iterable[tuple[int, int]] = (),
               dirty: Iterable[str] | None = None) -> tuple[list[Product], CoverMemo]:
    """``cover(tree, m, collapsed)`` and its memo. With ``prev`` (a memo of the same tree and
    collapsed containers) and ``changed`` (the (row, column) cells of ``m`` that differ from
    the matrix ``prev`` was made from), blocks without a changed cell are not decomposed
    again: their products are taken from ``prev``. The products are the same either way.

    ``dirty``: ``prev`` may be of another tree; these nodes (see the module doc: every node
    of this tree whose leaves, or their members, are not those it had in ``prev``'s tree,
    and every container above one) are decomposed again; ``changed`` cells are in this
    tree's order."""
    return _cover(tree, m, frozenset(collapsed), prev, changed,
                  frozenset(dirty) if dirty is not None else None)


def _cover(tree: Tree, m: np.ndarray, collapsed: frozenset[str], prev: CoverMemo | None,
           changed: Iterable[tuple[int, int]], dirty: frozenset[str] | None = None
           ) -> tuple[list[Product], CoverMemo]:
    record: dict[tuple[str, str, int], tuple[Product, ...]] = {}
    memo = CoverMemo(tree, collapsed, record)
    if not tree.leaves:
        return [], memo
    weights = np.array([max(1, tree.multi.get(k, 1)) for k in tree.leaves], dtype=np.int64)
    c = _Coverer(tree, m, collapsed, weights)
    c.record = record
    if prev is not None and (prev.tree is tree or dirty is not None) \
            and prev.collapsed == collapsed:
        c.prev = prev.blocks
        c.twins = None  # most blocks come from the memo: few twins to find
        if prev.tree is not tree and dirty is not None:
            c.dirty = dirty
        cells = np.array(list(changed), dtype=np.int64).reshape(-1, 2)
        c.rows, c.cols = cells[:, 0], cells[:, 1]
    # the root is never an end: its blocks are split on both sides first
    if ROOT not in c.kids:
        return [], memo
    st = c.children_status(ROOT, ROOT, True, True)
    kids = c.kids[ROOT]
    rows, cols = np.nonzero(st)
    blocks = [(kids[i], kids[j], int(st[i, j]))
              for i, j in zip(rows.tolist(), cols.tolist(), strict=True)]
    if c.prev is None and len(blocks) >= FORK_BLOCKS and forked.enabled():
        return _cover_halves(c, blocks), memo
    for a, b, status in blocks:
        c.run(a, b, status)
    return c.out, memo


#: a cover of at least this many top-level blocks is split over two processes when
#: ``forked`` is enabled (a one-shot command; ~1,500 at 1,000 workloads, ~35,000 at 5,000)
FORK_BLOCKS = 1000


def _cover_halves(c: _Coverer, blocks: list[tuple[str, str, int]]) -> list[Product]:
    """The top-level blocks are independent: the second half runs in a forked child
    (``netviz.viewmodel.forked``) and the products come back in the same order. The memo's
    blocks are not recorded (a one-shot command makes no what-if edit; a later
    ``cover_memo`` with this memo decomposes every block again, with the same result).
    Split where half the blocks' cells lie (a block's work grows with its size)."""
    c.record = None
    t = c.t
    sizes = np.array([(t.hi[a] - t.lo[a]) * (t.hi[b] - t.lo[b]) for a, b, _ in blocks],
                     dtype=np.float64)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, cum[-1] / 2)) + 1 if len(cum) else 0

    def work(lo: int, hi: int) -> list[Product]:
        c.out = []
        for a, b, status in blocks[lo:hi]:
            c.run(a, b, status)
        return c.out

    first, second = forked.halves(
        len(blocks), work, k,
        pack=lambda ps: [(p.src, p.dst, p.label, p.pairs, p.labels) for p in ps],
        unpack=lambda ts: [Product(*t) for t in ts])
    return first + second


def expand(tree: Tree, products: Sequence[Product]) -> dict[tuple[int, int], int]:
    """The (row, column) -> label cells the products state (tests and checks)."""
    out: dict[tuple[int, int], int] = {}
    for p in products:
        for i in range(tree.lo[p.src], tree.hi[p.src]):
            for j in range(tree.lo[p.dst], tree.hi[p.dst]):
                if i == j and tree.multi.get(tree.leaves[i], 1) <= 1:
                    continue
                out[(i, j)] = p.label
    return out

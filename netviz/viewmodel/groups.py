"""Which groups the picture draws: chosen from the structure of the policies and the relation.

The compression of ``netviz.viewmodel.cover`` is exact over any tree; this module picks a
tree that makes it small and reads well. Every group is a *candidate* first:

- **selector sets** of the policies (with an analyzer): the pods a policy selects, and the pods
  each rule's peers match (``podSelector``, ``namespaceSelector``, both). A rule allows a product
  of two such sets, so they are where products come from. Per namespace, the workloads wholly
  inside a set are a workload-group candidate ("tier in (api, worker)"); the namespaces wholly
  inside it are a namespace-set candidate ("namespaces env=prod"). Counted over all policies:
  a set used by more rules comes first.
- **Service selectors**: the backends of a Service with several backends.
- **modules** of the relation itself (power-graph analysis): workloads of one namespace that
  have the same connections with everything outside the namespace, namespaces that have the
  same connections with everything outside them, the whole cluster, and all external ranges.

Candidates are inserted in that order while they keep the tree *laminar* (two groups are
disjoint or nested: a group must be a union of whole children of its parent), so every group
can be drawn as a box inside its parent's box. Then ``cover`` runs, groups that no edge starts
or ends at are dissolved (a box that says nothing is clutter), and ``cover`` runs again on the
final tree. Namespaces are never dissolved. The choice is deterministic.

**Finer sets, when those leave many edges** (``GraphModel``: a cover of more than 15 % of the
pairs where pairs > 3 x peers; above 1,500 leaves only past 25 %, since each try is a cover):
the policies' sets do not see what *no* policy says, e.g. the workloads no ingress policy
selects, which every workload may reach alike. Three more candidate lists are tried, each with
one more kind of set after the modules, and the smallest cover wins (the first on a tie):
``row_candidates`` (per namespace, the workloads one peer reaches with one connection, and
those that reach one peer with one connection; once also counting a workload's own cell as
matching), and ``one_way_candidates`` (workloads with the same connections from, then to,
everything outside their namespace).

Group keys: ``grp:<namespace>/<n>`` (workload groups), ``nsset:<n>``, ``cluster:``,
``grp:external``; namespaces are ``ns:<name>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from netviz.viewmodel.cover import ROOT, WILDCARD, CoverMemo, Product, Tree, cover_memo

NS_PREFIX = "ns:"
#: the key prefix of every namespace set (chosen here, or the overview's ``nsset:c<n>``)
NSSET_KEYS = "nsset:"
CLUSTER = "cluster:"
EXTERNAL_GROUP = "grp:external"


@dataclass
class Candidate:
    kind: str  # "group" (workloads of one namespace) | "nsset" | "cluster" | "external"
    atoms: frozenset[str]  # leaf keys, or namespace container keys for namespace sets
    label: str
    tooltip: str = ""
    namespace: str | None = None
    weight: float = 0.0
    sources: list[str] = field(default_factory=list)


@dataclass
class Chosen:
    tree: Tree
    products: list[Product]
    #: container key -> (kind, label, tooltip, namespace) for the groups kept
    groups: dict[str, tuple[str, str, str, str | None]]
    #: what the cover of ``tree`` did per block (``cover_memo``), when ``products`` is that
    #: cover (no group was dissolved after it): the first what-if edit starts from it
    memo: CoverMemo | None = None


def base_parent(leaf_ns: Mapping[str, str | None], namespaces: Iterable[str]) -> dict[str, str]:
    """root -> namespaces -> their leaves; leaves without a namespace under the root."""
    parent: dict[str, str] = {NS_PREFIX + ns: ROOT for ns in namespaces}
    for leaf, ns in leaf_ns.items():
        parent[leaf] = NS_PREFIX + ns if ns is not None else ROOT
    return parent


class _Builder:
    """A mutable tree for inserting laminar groups."""

    def __init__(self, parent: dict[str, str], containers: set[str]) -> None:
        self.parent = dict(parent)
        self.containers = set(containers) | {ROOT}
        self.kids: dict[str, set[str]] = {}
        for k, p in self.parent.items():
            self.kids.setdefault(p, set()).add(k)

    def atoms_under(self, node: str, is_atom: Callable[[str], bool]) -> set[str]:
        out: set[str] = set()
        stack = [node]
        while stack:
            k = stack.pop()
            if is_atom(k):
                out.add(k)
                continue
            stack.extend(self.kids.get(k, ()))
        return out

    def ancestors(self, k: str) -> list[str]:
        out = []
        p = self.parent.get(k)
        while p is not None:
            out.append(p)
            p = self.parent.get(p)
        return out

    def insert(self, key: str, atoms: frozenset[str], is_atom: Callable[[str], bool]) -> bool:
        if len(atoms) < 2 or key in self.parent:
            return False
        first, *rest = sorted(atoms)
        chain = [first, *self.ancestors(first)]
        common = set(chain)
        for a in rest:
            if a not in self.parent:
                return False
            common &= {a, *self.ancestors(a)}
        lca = next(k for k in chain if k in common)
        if lca in atoms:
            return False
        inside: list[str] = []
        for c in sorted(self.kids.get(lca, ())):
            under = self.atoms_under(c, is_atom)
            if not under:
                continue
            hit = under & atoms
            if not hit:
                continue
            if hit != under:
                return False  # crosses a child: not laminar
            inside.append(c)
        if len(inside) <= 1 or len(inside) == len(self.kids.get(lca, ())):
            return False  # the same members as an existing node
        self.parent[key] = lca
        self.kids.setdefault(lca, set()).add(key)
        self.containers.add(key)
        for c in inside:
            self.kids[lca].discard(c)
            self.parent[c] = key
            self.kids.setdefault(key, set()).add(c)
        return True


def _signature_groups(rows: np.ndarray) -> list[list[int]]:
    """Indices of equal rows, groups of two or more, in order of first appearance."""
    seen: dict[bytes, list[int]] = {}
    for i in range(rows.shape[0]):
        seen.setdefault(rows[i].tobytes(), []).append(i)
    return [g for g in seen.values() if len(g) > 1]


def _spans(tree: Tree, ns_leaves: Mapping[str, list[str]]) -> Iterator[tuple[str, int, int]]:
    """(namespace, first, end) of the leaves of every namespace with three or more (fewer
    have no group but themselves and single leaves)."""
    for ns, leaves in ns_leaves.items():
        if len(leaves) < 3:
            continue
        key = NS_PREFIX + ns
        lo, hi = tree.lo[key], tree.hi[key]
        if hi - lo >= 3:
            yield ns, lo, hi


def module_candidates(tree: Tree, m: np.ndarray, ns_leaves: Mapping[str, list[str]],
                      label_of: Callable[[str, list[str]], str], mt: np.ndarray | None = None
                      ) -> list[Candidate]:
    """Workloads of one namespace (and namespaces) with the same connections to everything
    outside them. ``mt``: ``transposed(m)`` when the caller has it (a namespace's columns
    are then rows: contiguous, several times faster to read than a strip of columns)."""
    out: list[Candidate] = []
    if mt is None:
        mt = transposed(m)
    for ns, lo, hi in _spans(tree, ns_leaves):
        rows = np.concatenate([m[lo:hi, :lo], m[lo:hi, hi:], mt[lo:hi, :lo], mt[lo:hi, hi:]],
                              axis=1)
        for g in _signature_groups(rows):
            members = [tree.leaves[lo + i] for i in g]
            if len(members) < hi - lo:
                out.append(Candidate("group", frozenset(members), label_of(ns, members),
                                     namespace=ns, sources=["same connections outside"]))
    # namespaces whose workloads all have the same connection with each leaf outside them,
    # the same for every namespace of the set
    nss = [NS_PREFIX + ns for ns in ns_leaves if tree.hi[NS_PREFIX + ns] > tree.lo[NS_PREFIX + ns]]
    if len(nss) >= 3 and m.size:
        sigs: dict[bytes, list[str]] = {}
        for k in nss:
            lo, hi = tree.lo[k], tree.hi[k]
            mx_o, mn_o = _max_min_outside(m[lo:hi, :], lo, hi)
            mx_i, mn_i = _max_min_outside(mt[lo:hi, :], lo, hi)
            out_sig = np.where(mx_o <= 0, 0, np.where(mx_o == mn_o, mx_o, -2))
            in_sig = np.where(mx_i <= 0, 0, np.where(mx_i == mn_i, mx_i, -2))
            out_sig[lo:hi] = 0
            in_sig[lo:hi] = 0
            if (out_sig == -2).any() or (in_sig == -2).any() or not (out_sig.any() or in_sig.any()):
                continue
            sigs.setdefault(out_sig.tobytes() + in_sig.tobytes(), []).append(k)
        for same in sigs.values():
            if 2 <= len(same) < len(nss):
                names = [k[len(NS_PREFIX):] for k in same]
                out.append(Candidate("nsset", frozenset(same), _ns_set_label(names),
                                     sources=["same connections"]))
    return out


def _max_min_outside(rows: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the max of ``rows``, and the min of its cells that are not wildcards, which
    is the plain min in every column outside ``lo:hi`` (the wildcards are the diagonal's,
    inside); the plain min is kept unless a column outside has a negative cell."""
    mx, mn = rows.max(axis=0), rows.min(axis=0)
    if (mn[:lo] < 0).any() or (mn[hi:] < 0).any():
        mn = np.where(rows < 0, rows.dtype.type(np.iinfo(rows.dtype).max), rows).min(axis=0)
    return mx, mn


def one_way_candidates(tree: Tree, m: np.ndarray, ns_leaves: Mapping[str, list[str]],
                       label_of: Callable[[str, list[str]], str]) -> list[Candidate]:
    """Workloads of one namespace with the same connections from everything outside it, then
    those with the same connections to everything outside it (e.g. the workloads no ingress
    policy selects: everyone may reach them alike)."""
    ins: list[Candidate] = []
    outs: list[Candidate] = []
    for ns, lo, hi in _spans(tree, ns_leaves):
        for part, why, into in (
                ((m[:lo, lo:hi].T, m[hi:, lo:hi].T), "same connections from outside", ins),
                ((m[lo:hi, :lo], m[lo:hi, hi:]), "same connections to outside", outs)):
            rows = np.concatenate(part, axis=1)
            if not rows.any():
                continue
            for g in _signature_groups(rows):
                members = [tree.leaves[lo + i] for i in g]
                if len(members) < hi - lo:
                    into.append(Candidate("group", frozenset(members), label_of(ns, members),
                                          namespace=ns, sources=[why]))
    return ins + outs


def row_candidates(tree: Tree, m: np.ndarray, ns_leaves: Mapping[str, list[str]],
                   label_of: Callable[[str, list[str]], str], own: bool = False
                   ) -> list[Candidate]:
    """Per namespace: the workloads one peer reaches with one connection, and those that reach
    one peer with one connection (the relation's rows and columns cut by namespace and
    connection), the sets covering the most cells first (peers x members)."""
    counts: dict[tuple[str, bytes], int] = {}
    width: dict[str, int] = {}
    for ns, lo, hi in _spans(tree, ns_leaves):
        width[ns] = hi - lo
        for block in (m[:, lo:hi], m[lo:hi, :].T):
            for v in np.unique(block[block > 0]).tolist():
                hit = block == v
                if own:  # a one-member leaf's own cell (no pair) as if it had v too
                    hit |= block == WILDCARD
                n = hit.sum(axis=1)
                rows = hit[(n >= 2) & (n < hi - lo)]
                if not rows.size:
                    continue
                packed = np.packbits(rows, axis=1)
                uniq, seen = np.unique(packed, axis=0, return_counts=True)
                for u, c in zip(uniq, seen.tolist(), strict=True):
                    k = (ns, u.tobytes())
                    counts[k] = counts.get(k, 0) + c
    out: list[tuple[int, list[str], str]] = []
    for (ns, bits), c in counts.items():
        key = NS_PREFIX + ns
        lo = tree.lo[key]
        idx = np.flatnonzero(np.unpackbits(np.frombuffer(bits, np.uint8))[:width[ns]])
        members = [tree.leaves[lo + i] for i in idx.tolist()]
        out.append((c * len(members), members, ns))
    out.sort(key=lambda t: (-t[0], t[2], t[1]))
    return [Candidate("group", frozenset(members), label_of(ns, members), namespace=ns,
                      sources=["same connection with one peer"])
            for _w, members, ns in out]


def useful(tree: Tree, m: np.ndarray, cands: Sequence[Candidate],
           mt: np.ndarray | None = None) -> list[Candidate]:
    """The candidates that can be an edge's end at all: some leaf outside them has one same
    connection with all their members (either way), or every two of them have one. (A
    group no block can be uniform at is never used; leaving it out keeps the first cover
    cheap and its choices good.)

    Vectorised (at 5,000 workloads ~3,000 candidates of ~29,000 rows in all): the rows of
    many candidates are gathered at once and reduced per candidate (``_uniform_outside``);
    ``_useful_one`` is the same test one candidate at a time (the tests compare the two).
    ``mt``: ``transposed(m)``, when the caller has it."""
    n = m.shape[0]
    idxs = [_leaf_indices(tree, c) for c in cands]
    ok = np.zeros(len(cands), dtype=bool)
    todo = [i for i, idx in enumerate(idxs) if 2 <= idx.size < n]
    # per leaf outside: its cells from the candidate's leaves, then (the few left) its
    # cells to them
    for cols_as_rows in (False, True):
        todo = [i for i in todo if not ok[i]]
        if not todo:
            break
        if not cols_as_rows:
            src = m
        else:
            src = mt = transposed(m) if mt is None else mt
        ok[todo] = _uniform_outside(src, [idxs[i] for i in todo])
    for i, idx in enumerate(idxs):
        if not ok[i] and idx.size >= 2:
            ok[i] = _uniform_inside(m, idx)
    return [c for c, yes in zip(cands, ok.tolist(), strict=True) if yes]


def _leaf_indices(tree: Tree, c: Candidate) -> np.ndarray:
    """The sorted leaf indices of a candidate's atoms (leaves, or containers' leaves)."""
    leaves: list[str] = []
    for a in c.atoms:
        if a in tree.index:
            leaves.append(a)
        elif a in tree.lo:
            leaves.extend(tree.leaves_of(a))
    return np.array(sorted(tree.index[k] for k in leaves if k in tree.index), dtype=np.int64)


#: rows gathered at once by ``_uniform_outside`` (x 5,000 columns x 2 bytes: 2.5 MB, which
#: stays in cache; chunks of 4,096 rows took ~3 x the CPU time, mostly fresh pages)
_CHUNK_ROWS = 256
#: the stacked sizes of ``_uniform_outside``: a list is padded to the next (at most 1.5 x)
_BUCKETS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)


def _uniform_outside(src: np.ndarray, idxs: Sequence[np.ndarray]) -> np.ndarray:
    """Per index list: is there a column outside it where its rows of ``src`` all hold one
    same positive value? (No wildcard among those cells: the diagonal is inside.)

    Short lists of about the same size are stacked into one (lists, size, columns) array,
    each padded to the bucket's size with copies of its first row (a copy changes neither
    max nor min), and reduced over the middle axis: numpy's fast elementwise path, where a
    Python step per list (or ``reduceat``, which does not vectorise) costs several times
    more. A long list is read in bands of rows, stopping once no column is left."""
    out = np.zeros(len(idxs), dtype=bool)
    buckets: dict[int, list[int]] = {}
    for i, idx in enumerate(idxs):
        if idx.size > _BUCKETS[-1]:
            out[i] = _uniform_outside_one(src, idx)
        else:
            buckets.setdefault(next(b for b in _BUCKETS if b >= idx.size), []).append(i)
    for size, members in sorted(buckets.items()):
        step = max(1, _CHUNK_ROWS // size)
        for lo in range(0, len(members), step):
            part = members[lo:lo + step]
            pad = np.empty((len(part), size), dtype=np.int64)
            for r, i in enumerate(part):
                idx = idxs[i]
                pad[r, :idx.size] = idx
                pad[r, idx.size:] = idx[0]
            flat = pad.ravel()
            stacked = src.take(flat, axis=0).reshape(len(part), size, src.shape[1])
            mx = stacked.max(axis=1)
            same = mx == stacked.min(axis=1)
            same &= mx > 0
            # the candidate's own leaves are not outside it (the padding repeats one)
            same[np.repeat(np.arange(len(part)), size), flat] = False
            out[part] = same.any(axis=1)
    return out


def _uniform_outside_one(src: np.ndarray, idx: np.ndarray) -> bool:
    """``_uniform_outside`` of one long list: the columns where every row equals the first
    row's positive value, narrowed band by band."""
    first = src[idx[0]]
    alive = first > 0
    alive[idx] = False
    for lo in range(1, idx.size, 64):
        if not alive.any():
            return False
        alive &= (src.take(idx[lo:lo + 64], axis=0) == first).all(axis=0)
    return bool(alive.any())


def transposed(m: np.ndarray) -> np.ndarray:
    """``m.T``, contiguous, copied in bands of 64 rows (numpy's own copy of a transposed
    5,000 x 5,000 matrix walks memory badly: three times slower)."""
    out = np.empty((m.shape[1], m.shape[0]), dtype=m.dtype)
    for i in range(0, m.shape[0], 64):
        out[:, i:i + 64] = m[i:i + 64].T
    return out


def _uniform_inside(m: np.ndarray, idx: np.ndarray) -> bool:
    """Every two of the leaves ``idx`` have one same positive value: there is a cell that is
    not a wildcard, and every such cell holds that value."""
    # the first leaf's row first: most lists fail there, without reading the whole block
    first = m[idx[0], idx]
    seen = first[first >= 0]
    if seen.size and (seen[0] <= 0 or (seen != seen[0]).any()):
        return False
    inner = m[np.ix_(idx, idx)]
    mx = inner.max()
    return bool(mx > 0 and not ((inner != mx) & (inner >= 0)).any())


def _useful_one(tree: Tree, m: np.ndarray, c: Candidate) -> bool:
    """``useful``'s test of one candidate, plainly (the reference the tests compare with)."""
    idx = _leaf_indices(tree, c)
    if idx.size < 2:
        return False
    if idx.size < m.shape[0]:
        for src in (m, m.T):
            rows = src[idx, :]
            mx = rows.max(axis=0)
            same = (mx == rows.min(axis=0)) & (mx > 0)
            same[idx] = False
            if same.any():
                return True
    inner = m[np.ix_(idx, idx)]
    mx = int(inner.max())
    big = m.dtype.type(np.iinfo(m.dtype).max)
    return mx > 0 and int(np.where(inner < 0, big, inner).min()) == mx


def _ns_set_label(names: Sequence[str]) -> str:
    text = "namespaces " + ", ".join(names)
    return text if len(text) <= 48 else f"{len(names)} namespaces"


def choose(base: Mapping[str, str], containers: set[str], order: Mapping[str, object],
           multi: Mapping[str, int], candidates: Sequence[Candidate],
           matrix_for: Callable[[Tree], np.ndarray],
           rounds: int = 2, shut: Callable[[Tree], Iterable[str]] | None = None) -> Chosen:
    """Insert the candidates (in order, while laminar), cover, dissolve the groups no edge
    uses, cover again. ``shut``: the containers to cover collapsed (the groups are then
    chosen for that view; ``products`` are that view's, with bundles, and there is no memo)."""
    b = _Builder(dict(base), set(containers))
    ns_keys = {k for k in containers if k.startswith(NS_PREFIX)}
    info: dict[str, tuple[str, str, str, str | None]] = {}
    counters: dict[str, int] = {}
    def is_ns(k: str) -> bool:
        return k in ns_keys

    def is_leaf(k: str) -> bool:
        return k not in b.containers

    for cand in candidates:
        is_atom = is_ns if cand.kind in ("nsset", "cluster") else is_leaf
        prefix = {"group": f"grp:{cand.namespace}/", "nsset": "nsset:", "cluster": CLUSTER,
                  "external": EXTERNAL_GROUP}[cand.kind]
        if cand.kind in ("group", "nsset", "external"):
            n = counters.get(prefix, 0)
            key = f"{prefix}{n}" if cand.kind != "external" or n else prefix
        else:
            key = prefix
        if b.insert(key, cand.atoms, is_atom):
            if cand.kind in ("group", "nsset", "external"):
                counters[prefix] = counters.get(prefix, 0) + 1
            kind = "cluster" if cand.kind == "cluster" else "group"
            info[key] = (kind, cand.label, cand.tooltip, cand.namespace)
    tree = Tree(b.parent, b.containers, order, multi)

    def run(t: Tree) -> tuple[list[Product], CoverMemo | None]:
        if shut is None:
            return cover_memo(t, matrix_for(t))
        return cover_memo(t, matrix_for(t), set(shut(t)) & t.containers)[0], None

    products, memo = run(tree)
    for r in range(rounds):
        used = {p.src for p in products} | {p.dst for p in products}
        drop = {k for k in info if k not in used}
        if not drop:
            break
        tree = tree.without(drop)
        memo = None
        for k in drop:
            del info[k]
        if r < rounds - 1:
            products, memo = run(tree)
        # the last round only dissolves: the products name no dissolved group, so they
        # still state exactly the same pairs over the smaller tree
    return Chosen(tree, products, info, memo)

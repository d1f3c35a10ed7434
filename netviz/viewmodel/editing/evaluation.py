"""The evaluation of an editing session: the edited analyzer, its connections and the
difference against the baseline, kept up to date edit by edit.

Rules this module keeps ("every edit re-evaluates only what it can affect"):
- Policy edits: ``Analyzer.with_policies`` on the current edited analyzer (compiled
  selectors, classes and unaffected partitions are shared), then ``connlist_edit`` (only
  rows/columns of affected classes are recomputed, unchanged connections stay the same
  objects, and it names the peer pairs whose connections changed), and only those pairs are
  diffed again; the rest of the difference is kept (a changed external range takes
  every external connection of its workload on that side along: see ``_diff_update``). The
  result equals ``netviz.engine.diff.diff(baseline, edited)`` — the same function
  ``netviz diff`` uses (tests check it).
- Label edits change pod classes, so they build a fresh ``Analyzer`` for the relabelled
  cluster (one per label state, the last four cached) and a full connection list and
  difference. On 1,000 workloads that takes about a second; policy edits take tens of
  milliseconds.
- ``changed_pairs`` (pairs changed by the last evaluation, or None after a full one) lets the
  graph update only those edges (``GraphModel.updated``); ``generation`` counts evaluations.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from netviz.engine import Analyzer, Options
from netviz.engine import connlist as _connlist
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.diff import ADDED, CHANGED, REMOVED, DiffEntry, DiffResult, diff, unchanged
from netviz.model import Cluster, Namespace, Pod, Workload
from netviz.model.keys import is_external_key
from netviz.viewmodel.editing.state import Baseline, EditState, Labels

_DIFF_ORDER = {CHANGED: 0, ADDED: 1, REMOVED: 2}


def _conn_key(c: Connection) -> tuple[str, str]:
    return (c.src.key, c.dst.key)


class Evaluation:
    """The edited evaluation of one baseline. ``analyzer``/``connections`` are the edited
    state's; ``difference`` is against the baseline."""

    def __init__(self, baseline: Baseline) -> None:
        self.baseline = baseline
        self.analyzer: Analyzer = baseline.analyzer
        self.connections: list[Connection] = baseline.connections
        self.difference: list[DiffEntry] = []
        self.changed_pairs: frozenset[tuple[str, str]] | None = frozenset()
        self.generation = 0
        self._labels_key: tuple[Any, ...] = ()
        self._label_analyzers: dict[tuple[Any, ...], Analyzer] = {}
        #: the baseline's connections by pair, and the peer objects of the lists (key or
        #: range -> PeerNode, shared by every edit): made at the first edit or by ``warm``
        #: (~0.7 s at 5,000 workloads, which the window's first paint need not wait for)
        self._base_pair_index: dict[tuple[str, str], Connection] | None = None
        self._node_index: dict[object, PeerNode] | None = None
        self._base_side_index: dict[tuple[str, str], list[Connection]] | None = None
        self.workloads = _connlist.known_names(baseline.analyzer)

    def warm(self) -> None:
        """Make the indexes the first edit needs now (the window calls it once idle)."""
        self._base_pairs()
        self._nodes()

    def _base_pairs(self) -> dict[tuple[str, str], Connection]:
        got = self._base_pair_index
        if got is None:
            got = self._base_pair_index = {(c.src.key, c.dst.key): c
                                           for c in self.baseline.connections}
        return got

    def _nodes(self) -> dict[object, PeerNode]:
        got = self._node_index
        if got is None:
            got = self._node_index = _peer_nodes(self.baseline.connections)
        return got

    def _relabelled(self, labels: Labels) -> Cluster:
        cl = self.baseline.cluster

        def apply(base: Mapping[str, str], over: Mapping[str, str | None] | None) -> dict[str, str]:
            out = dict(base)
            for k, v in (over or {}).items():
                if v is None:
                    out.pop(k, None)
                else:
                    out[k] = v
            return out

        namespaces: list[Namespace] = []
        for ns in cl.namespaces:
            over = labels.get(("namespace", ns.name))
            namespaces.append(replace(ns, labels=apply(ns.labels, over)) if over else ns)
        pods: list[Pod] = []
        for p in cl.pods:
            over = labels.get(("workload", p.workload_key))
            pods.append(replace(p, labels=apply(p.labels, over)) if over else p)
        workloads: list[Workload] = []
        for w in cl.workloads:
            over = labels.get(("workload", w.key))
            workloads.append(replace(w, labels=apply(w.labels, over)) if over else w)
        return replace(cl, namespaces=tuple(namespaces), pods=tuple(pods),
                       workloads=tuple(workloads))

    def evaluate(self, new: EditState) -> None:
        """Evaluate ``new`` (the state a command, undo or redo installs) incrementally."""
        prev_an, prev_conns = self.analyzer, self.connections
        policies = new.policies()
        cluster_policies = new.cluster_policies()
        lk = new.labels_key()
        changed: set[tuple[str, str]] | None
        if lk == self._labels_key:
            an = prev_an.with_policies(policies, cluster_policies)
            edited = _connlist.connlist_edit(prev_an, prev_conns, an, nodes=self._nodes())
            conns, changed = edited.connections, edited.changed
        else:
            base = self._label_analyzers.get(lk)
            if base is None:
                if not lk:
                    base = self.baseline.analyzer
                else:
                    base = Analyzer(self._relabelled(new.labels), self.baseline.analyzer.options)
                    self._label_analyzers = {k: v for k, v in self._label_analyzers.items()
                                             if k != lk}
                    if len(self._label_analyzers) >= 4:
                        self._label_analyzers.pop(next(iter(self._label_analyzers)))
                    self._label_analyzers[lk] = base
            an = base.with_policies(policies, cluster_policies)
            conns = _connlist.connlist(an)
            changed = None
            self._labels_key = lk
        self.analyzer, self.connections = an, conns
        if changed is None:
            self.difference = diff(self.baseline.connections, conns, self.workloads,
                                   self.workloads)
        elif changed:
            self.difference = self._diff_update(changed, conns)
        self.changed_pairs = frozenset(changed) if changed is not None else None
        self.generation += 1

    def diff_result(self) -> DiffResult:
        """The difference as ``netviz diff`` reports it (for the Markdown review report)."""
        b = self.baseline
        return DiffResult(self.difference, unchanged(b.connections, self.connections),
                          frozenset(self.workloads), frozenset(self.workloads),
                          _connlist.option_notes(self.analyzer))

    def _diff_update(self, changed: set[tuple[str, str]],
                     conns: list[Connection]) -> list[DiffEntry]:
        """The difference after an edit that changed only ``changed`` pairs: ``diff`` again
        on the part of both sides those pairs belong to, the rest kept. ``diff`` treats
        workload pairs one by one; external ranges it aligns and merges per workload and
        direction into maximal ranges of equal (before, after) — which do not depend on other
        workloads' ranges — so a changed external pair takes every external connection of
        its workload on that side along."""
        pairs: set[tuple[str, str]] = set()
        groups: set[tuple[str, str]] = set()
        for a, b in changed:
            if is_external_key(a):
                groups.add((b, "in"))
            elif is_external_key(b):
                groups.add((a, "out"))
            else:
                pairs.add((a, b))

        def touched(src: PeerNode, dst: PeerNode) -> bool:
            if src.ip_range is not None:
                return (dst.key, "in") in groups
            if dst.ip_range is not None:
                return (src.key, "out") in groups
            return (src.key, dst.key) in pairs

        base = self._base_pairs()
        before = [base[k] for k in pairs if k in base]
        after = []
        if groups:
            side = self._base_sides()
            for g in groups:
                before.extend(side.get(g, ()))
            # one pass over the list, inline (no call per connection)
            for c in conns:
                src, dst = c.src, c.dst
                if src.ip_range is not None:
                    if (dst.key, "in") in groups:
                        after.append(c)
                elif dst.ip_range is not None:
                    if (src.key, "out") in groups:
                        after.append(c)
                elif (src.key, dst.key) in pairs:
                    after.append(c)
        elif len(pairs) > 64:
            after = [c for c in conns if (c.src.key, c.dst.key) in pairs]
        else:
            # the list is sorted by (source, destination) keys: each pair is found by bisection
            for k in pairs:
                i = bisect_left(conns, k, key=_conn_key)
                if i < len(conns) and _conn_key(conns[i]) == k:
                    after.append(conns[i])
        fresh = diff(before, after, self.workloads, self.workloads)
        kept = [e for e in self.difference if not touched(e.src, e.dst)]
        merged = kept + fresh
        merged.sort(key=lambda e: (_DIFF_ORDER[e.kind], e.src.key, e.dst.key))
        return merged

    def _base_sides(self) -> dict[tuple[str, str], list[Connection]]:
        """The baseline's connections with an external range, by workload side (workload,
        "in" | "out"): what ``_diff_update`` takes along for a changed side (made once)."""
        got = self._base_side_index
        if got is None:
            got = {}
            for c in self.baseline.connections:
                if c.src.ip_range is not None:
                    got.setdefault((c.dst.key, "in"), []).append(c)
                elif c.dst.ip_range is not None:
                    got.setdefault((c.src.key, "out"), []).append(c)
            self._base_side_index = got
        return got

    def set_options(self, options: Options, state: EditState) -> bool:
        """Evaluate baseline and edits under other options (a full evaluation)."""
        if options == self.baseline.analyzer.options:
            return False
        b = self.baseline
        b.analyzer = Analyzer(b.cluster, options)
        b.connections = _connlist.connlist(b.analyzer)
        self._base_pair_index = None
        self._base_side_index = None
        self._node_index = None
        self._label_analyzers.clear()
        self.analyzer, self.connections = b.analyzer, b.connections
        self._labels_key = ()
        self.evaluate(state)
        self.changed_pairs = None
        return True


def _peer_nodes(conns: Sequence[Connection]) -> dict[object, PeerNode]:
    """Key (or range) -> the peer object the connection list uses for it."""
    nodes: dict[object, PeerNode] = {}
    for c in conns:
        nodes.setdefault(c.src.ip_range or c.src.key, c.src)
        nodes.setdefault(c.dst.ip_range or c.dst.key, c.dst)
    return nodes

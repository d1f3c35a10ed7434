"""The overview of many namespaces: namespaces that no namespace selector tells apart, as one box.

A cluster of hundreds of namespaces drawn at namespace level is a solid mass of bundles (at
250 namespaces about 35,000). Most namespaces are alike for the policies: a policy names other
namespaces only through ``namespaceSelector`` (NetworkPolicy peers; AdminNetworkPolicy and
BaselineAdminNetworkPolicy subjects and peers), so two namespaces that every such selector
matches alike are indistinguishable to every cross-namespace rule. They are a *namespace set*
here: namespaces with the same membership in every selector's set (the classes of the
partition those sets cut; e.g. ``team=team-3, env in (prod)``).

Rules this module keeps:
- Qt-free and engine-driven: a selector's namespaces are ``Analyzer.matching_namespaces``
  (the labels the evaluator matches, ``kubernetes.io/metadata.name`` included).
- The sets are classes of a partition, so they are disjoint: inserted above the namespaces they
  hold they keep the tree laminar, and every selector's namespace set (a union of classes)
  still fits the tree as a group above them.
- Sets say nothing by themselves: a set is a box; what the picture states about it comes from
  the cover (an exact edge at a set states every member pair; a bundle only "some pairs, with
  counts"). The sets are drawn only by the window (``GraphOptions.namespace_sets_above``), which
  opens a large cluster at set level; ``netviz render`` draws without them (its expanded
  picture has no box that says nothing).
- A set of one namespace is no set (the namespace stands alone); when the sets would not
  reduce the boxes of the level below by at least a third, there are none.
- Deterministic: sets in order of their first namespace; keys ``nsset:c<n>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netviz.engine import Analyzer
from netviz.model.objects import LabelSelector
from netviz.viewmodel.cover import Tree
from netviz.viewmodel.groups import NS_PREFIX

#: key prefix of an overview set (a namespace set of ``netviz.viewmodel.groups`` is ``nsset:<n>``)
PREFIX = "nsset:c"


@dataclass(frozen=True)
class NamespaceSet:
    key: str
    namespaces: tuple[str, ...]  # in the cluster's order
    #: the selectors every member matches (each as written), none when no selector names them
    selectors: tuple[str, ...]

    @property
    def label(self) -> str:
        what = ("; ".join(self.selectors) if self.selectors
                else "no namespace selector names them")
        return f"{len(self.namespaces)} namespaces: {what}"

    @property
    def tooltip(self) -> str:
        lines = [self.label, "",
                 "Namespaces that every namespaceSelector of the policies matches alike "
                 "(cross-namespace rules cannot tell them apart).",
                 "Double-click to expand; an edge at this box states every member pair, "
                 "a bundle some pairs (with counts).", ""]
        names = list(self.namespaces)
        lines.append(", ".join(names[:40]) + (f", \u2026 ({len(names) - 40} more)"
                                              if len(names) > 40 else ""))
        return "\n".join(lines)


def namespace_selectors(an: Analyzer) -> list[LabelSelector]:
    """Every namespace selector of the policies, once each, in the order first written."""
    out: dict[LabelSelector, None] = {}
    for pol in an.cluster.policies:
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.namespace_selector is not None:
                    out.setdefault(peer.namespace_selector)
    for cp in an.cluster.cluster_policies:
        out.setdefault(cp.subject.namespace_selector)
        for crule in (*cp.ingress, *cp.egress):
            for cpeer in crule.peers:
                if cpeer.namespace_selector is not None:
                    out.setdefault(cpeer.namespace_selector)
    return list(out)


def namespace_sets(an: Analyzer, namespaces: Sequence[str],
                   above: int) -> list[NamespaceSet]:
    """The overview sets of ``namespaces`` (the namespaces drawn, in order), when there are
    more than ``above`` of them (``above`` <= 0: never)."""
    if above <= 0 or len(namespaces) <= above:
        return []
    shown = set(namespaces)
    columns: list[tuple[str, frozenset[str]]] = []
    for sel in namespace_selectors(an):
        hit = frozenset(an.matching_namespaces(sel)) & shown
        if hit and hit != shown:  # a selector matching all or none tells nothing apart
            columns.append((str(sel), hit))
    by_sig: dict[tuple[bool, ...], list[str]] = {}
    for ns in namespaces:
        by_sig.setdefault(tuple(ns in hit for _, hit in columns), []).append(ns)
    boxes = len(by_sig)
    if boxes > len(namespaces) * 2 // 3:
        return []
    out: list[NamespaceSet] = []
    for sig, members in by_sig.items():
        if len(members) < 2:
            continue
        sels = _fewest([text for (text, _), yes in zip(columns, sig, strict=True) if yes],
                       columns)
        # a selector the set is outside of that matches some of the namespaces its own
        # selectors match is said too ("team=a; not env=prod"): without it the title would
        # claim those others as well
        within = frozenset(shown)
        for text, hit in columns:
            if text in sels:
                within &= hit
        nots = dict.fromkeys(text for (text, hit), yes in zip(columns, sig, strict=True)
                             if not yes and hit & within and not hit >= within)
        out.append(NamespaceSet(f"{PREFIX}{len(out)}", tuple(members),
                                sels + tuple(f"not {t}" for t in nots if t not in sels)))
    return out


def _fewest(sels: Iterable[str],
            columns: Sequence[tuple[str, frozenset[str]]]) -> tuple[str, ...]:
    """The selectors to name a set by: drop a selector whose namespaces include those of
    another one kept (``env=prod`` says nothing more next to ``team=a, env=prod``)."""
    hits = {text: hit for text, hit in columns}
    kept = list(dict.fromkeys(sels))
    for text in list(kept):
        if any(o != text and hits[o] < hits[text] for o in kept):
            kept.remove(text)
    return tuple(kept)


def insert_sets(tree: Tree, sets: Sequence[NamespaceSet]) -> tuple[Tree, list[NamespaceSet]]:
    """``tree`` with each set as a box around its namespaces, where that keeps the tree
    laminar (the namespaces are whole children of one box, and not all of them: a set equal
    to a box already there is left out). The sets are added after the groups are chosen, so
    the cover of the tree without them stays an exact cover of the tree with them (the same
    nodes, the same members), and the choice of groups is the one ``netviz render`` makes."""
    parent = dict(tree.parent)
    pos: dict[str, object] = {k: i for i, k in enumerate(tree.nodes())}
    kids_of: dict[str, list[str]] = {}
    for k, p in parent.items():
        kids_of.setdefault(p, []).append(k)
    kept: list[NamespaceSet] = []
    for ns_set in sets:
        kids = [NS_PREFIX + ns for ns in ns_set.namespaces]
        ups = {parent.get(k) for k in kids}
        if len(ups) != 1 or None in ups:
            continue
        (up,) = ups
        assert up is not None
        if len(kids_of.get(up, ())) == len(kids):
            continue
        for k in kids:
            parent[k] = ns_set.key
            kids_of[up].remove(k)
        parent[ns_set.key] = up
        kids_of[up].append(ns_set.key)
        kids_of[ns_set.key] = kids
        pos[ns_set.key] = min(pos[k] for k in kids)  # type: ignore[type-var]
        kept.append(ns_set)
    if not kept:
        return tree, []
    return Tree(parent, tree.containers | {s.key for s in kept}, pos, tree.multi), kept

"""An edge's tooltip and drawn label (``GraphModel._edge``) are put together from parts made
once per label in a view; here against the text as first written (one line per part), for
a plain model and a what-if difference (baselines, notes, unchanged edges)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist, known_names
from netviz.engine.diff import diff
from netviz.io.manifests import load_paths
from netviz.viewmodel.cover import BUNDLE, Product
from netviz.viewmodel.graph import GraphModel, _name
from netviz.viewmodel.text import wrap

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _plain_text(model: GraphModel, p: Product) -> tuple[str, str]:
    """(label, tooltip) of product ``p`` as ``_edge`` first wrote them."""
    tree = model.tree
    title, d_title = model._title(p.src), model._title(p.dst)
    lab = model.labels[p.label]
    head = f"{title} → {d_title}"
    via = ""
    if lab.style in ("allowed", "partial", "unchanged") and model.options.route_via_services \
            and model.options.show_services:
        got = model._via_service(tree.leaves_of(p.dst), lab.conns, None, None)
        if got is not None:
            head = f"{title} → Service {_name(got[0])}"
            via = got[1]
    lines = [head, lab.text]
    if len(tree.leaves_of(p.src)) > 1 or len(tree.leaves_of(p.dst)) > 1:
        lines.append(f"{p.pairs} pairs: every member of {title} to every "
                     f"member of {d_title}" + (" (two different ones)"
                                               if p.src == p.dst else ""))
    if via:
        lines.append("reachable Service ports: " + via)
    if lab.before is not None:
        lines.append(f"baseline: {lab.before}")
    if lab.info:
        lines.append(f"({lab.info})")
    if lab.style == "unchanged":
        lines.append("(unchanged)")
    label = "" if lab.style in ("allowed", "unchanged") else wrap(lab.text)
    return label, "\n".join(lines)


def _check(model: GraphModel) -> set[str]:
    model.view()
    products = model._base_products
    assert products
    memo: dict[object, object] = {}
    styles = set()
    for p in products:
        if p.label == BUNDLE:
            continue
        e = model._edge(p, model.tree, None, None, frozenset(), memo)
        assert (e.label, e.tooltip) == _plain_text(model, p)
        styles.add(e.style)
    return styles


def test_edge_text_of_a_plain_model() -> None:
    cl = load_paths([str(DEMO)]).cluster
    an = Analyzer(cl)
    assert {"allowed", "partial"} <= _check(GraphModel(cl, connlist(an), an))


def test_edge_text_of_a_difference() -> None:
    cl = load_paths([str(DEMO)]).cluster
    an = Analyzer(cl)
    before = connlist(an)
    # the what-if: the first half of the policies gone
    cl2 = dataclasses.replace(cl, policies=cl.policies[len(cl.policies) // 2:])
    an2 = Analyzer(cl2)
    after = connlist(an2)
    names = known_names(an)
    model = GraphModel(cl2, after, an2, difference=diff(before, after, names, names))
    styles = _check(model)
    assert "unchanged" in styles and len(styles) >= 3, styles

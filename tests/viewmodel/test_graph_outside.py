"""The picture's path from outside (netviz.viewmodel.graph with netviz.viewmodel.outside): the
internet → entry points → Services → backends, what gets through, where Services lead outside;
laid out left (outside, entries) and right (destinations), routed without crossing a box, and
never stating a pair (the picture stays exact)."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_text
from netviz.model.keys import OUTSIDE_KEY, EdgeStyle, destination_key, entry_key
from netviz.viewmodel.cover import ROOT
from netviz.viewmodel.graph import Edge, GraphModel, GraphOptions
from netviz.viewmodel.layout import Layout
from netviz.viewmodel.routing import picture

WEB, DB = "shop/web[Deployment]", "shop/db[Deployment]"
LB, NP = entry_key("LoadBalancer", "shop/front"), entry_key("NodePort", "shop/db")
ING = entry_key("Ingress", "shop/site")
BANK = destination_key("shop/bank")

YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: front, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 443, targetPort: 8080}],
       allocateLoadBalancerNodePorts: false}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {type: NodePort, selector: {app: db}, ports: [{port: 5432, nodePort: 30432}]}
---
apiVersion: v1
kind: Service
metadata: {name: bank, namespace: shop}
spec: {ports: [{port: 443}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: bank, namespace: shop}
subsets: [{addresses: [{ip: 198.51.100.7}], ports: [{port: 443}]}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec: {defaultBackend: {service: {name: web, port: {name: http}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
"""


def model(text: str = YAML, options: GraphOptions | None = None) -> GraphModel:
    cl = load_text(text, "c.yaml").cluster
    an = Analyzer(cl)
    return GraphModel(cl, connlist(an), an, options)


def outside_edges(edges: list[Edge]) -> dict[tuple[str, str], Edge]:
    return {(e.src, e.dst): e for e in edges if e.style in (
        EdgeStyle.ENTRY, EdgeStyle.EXPOSED, EdgeStyle.BLOCKED, EdgeStyle.LEADS_OUT)}


def test_the_path_is_drawn_and_states_no_pair() -> None:
    m = model()
    v = m.view()
    assert {OUTSIDE_KEY, LB, NP, ING, BANK} <= set(v.nodes)
    got = outside_edges(v.edges)
    assert set(got) == {
        (OUTSIDE_KEY, LB), (LB, "svc:shop/front"), (OUTSIDE_KEY, NP), (NP, "svc:shop/db"),
        (OUTSIDE_KEY, ING), (ING, "svc:shop/web"),
        ("svc:shop/front", WEB), ("svc:shop/db", DB), ("svc:shop/web", WEB),
        ("svc:shop/bank", BANK)}
    assert got[("svc:shop/front", WEB)].style is EdgeStyle.EXPOSED
    assert got[("svc:shop/db", DB)].style is EdgeStyle.BLOCKED
    assert got[("svc:shop/web", WEB)].pair == ("{ingress-controller}", WEB)
    assert got[(LB, "svc:shop/front")].label == "443→8080: TCP 8080\nfrom any address"
    # the plain Service links of those Services are replaced; the exact edges are unchanged
    assert not [e for e in v.edges if e.style is EdgeStyle.SERVICE and e.src in
                ("svc:shop/front", "svc:shop/db", "svc:shop/web")]
    plain = model(options=GraphOptions(show_outside=False))
    assert m.statements(v.edges) == plain.statements(plain.view().edges)
    assert not set(plain.view().nodes) & {OUTSIDE_KEY, LB, NP, ING, BANK}
    assert [e.style for e in plain.view().edges if e.src == "svc:shop/db"] == [EdgeStyle.SERVICE]
    for k in (OUTSIDE_KEY, LB, BANK):
        assert m.members(k) == []
    assert m.search("loadbalancer front") == [LB]


def test_filters() -> None:
    m = model()
    # a port: only what gets through on it, and the ways in that lead there
    got = outside_edges(m.view(protocol="TCP", port=8080).edges)
    assert ("svc:shop/db", DB) not in got and (NP, "svc:shop/db") not in got
    assert ("svc:shop/front", WEB) in got and (OUTSIDE_KEY, LB) in got
    assert ("svc:shop/bank", BANK) not in got  # leads out on 443 only
    assert ("svc:shop/bank", BANK) in outside_edges(m.view(protocol="TCP", port=443).edges)
    # styles hidden from the legend
    hidden = m.view(hide_styles=frozenset({"entry"}))
    assert not [e for e in hidden.edges if e.style is EdgeStyle.ENTRY]
    assert OUTSIDE_KEY not in hidden.nodes and LB not in hidden.nodes
    # another namespace only: nothing of shop's path
    other = model(YAML + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n")
    assert not outside_edges(other.view(namespaces=frozenset({"other"})).edges)
    # no Services: no path (it goes through them)
    assert OUTSIDE_KEY not in model(options=GraphOptions(show_services=False)).nodes


WEB_FROM_PODS = """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{namespaceSelector: {}}]}]
"""


def test_a_policy_edit_updates_what_gets_through() -> None:
    """A what-if edit (same nodes, other policies) keeps every box and redraws the path."""
    m = model(YAML + WEB_FROM_PODS)
    an = m.analyzer
    assert an is not None
    got = outside_edges(m.view().edges)
    assert got[("svc:shop/web", WEB)].style is EdgeStyle.EXPOSED  # the controller is a pod
    assert got[("svc:shop/front", WEB)].style is EdgeStyle.BLOCKED  # addresses are not
    # the edit: pods of its own namespace only (the ingress controller is not one)
    edited = load_text(YAML + WEB_FROM_PODS.replace("namespaceSelector: {}", "podSelector: {}"),
                       "c.yaml").cluster.policies
    an2 = an.with_policies(edited)
    conns = connlist(an2)
    old = {(c.src.key, c.dst.key): c.connections for c in m.connections}
    new = {(c.src.key, c.dst.key): c.connections for c in conns}
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert changed == {("{ingress-controller}", WEB)}
    m2 = m.updated(an2.cluster, conns, an2, changed)
    assert m2.tree is m.tree  # the incremental path: nothing moves
    e = outside_edges(m2.view().edges)[("svc:shop/web", WEB)]
    assert e.style is EdgeStyle.BLOCKED and e.label == "blocked by its policies"
    # the old model is untouched
    assert outside_edges(m.view().edges)[("svc:shop/web", WEB)].style is EdgeStyle.EXPOSED


def test_layout_outside_left_destinations_right() -> None:
    m = model()
    st = Layout().update(m, m.view())
    cols = st.conts[ROOT].cols
    assert cols[0] == [OUTSIDE_KEY]
    assert {LB, NP, ING} <= set(cols[1])
    assert BANK in cols[-1]
    x = {k: st.rects[k][0] for k in (OUTSIDE_KEY, LB, BANK, "svc:shop/web")}
    assert x[OUTSIDE_KEY] < x[LB] < x["svc:shop/web"] < x[BANK]


def _crosses(pts: list[tuple[float, float]], r: tuple[float, float, float, float]) -> bool:
    x0, y0, w, h = r[0] + 2, r[1] + 2, r[2] - 4, r[3] - 4
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        if ax == bx and x0 < ax < x0 + w and min(ay, by) < y0 + h and max(ay, by) > y0:
            return True
        if ay == by and y0 < ay < y0 + h and min(ax, bx) < x0 + w and max(ax, bx) > x0:
            return True
    return False


def test_no_line_through_a_box_and_pills_entered_from_above() -> None:
    m = model()
    pic = picture(m, m.view(), Layout())
    boxes = {n.key: n.rect for n in pic.nodes if n.kind not in ("namespace", "group", "cluster")}
    for d in pic.edges:
        for k, r in boxes.items():
            if k in (d.edge.src, d.edge.dst):
                continue
            assert not _crosses(d.points, r), (d.edge.src, d.edge.dst, k)
    # web has three Services (pills in a row): the ways in to the middle/right ones come from
    # above, ending on the pill's top
    row = sorted((k for k in boxes if k.startswith("svc:shop/") and k != "svc:shop/db"
                  and k != "svc:shop/bank"), key=lambda k: boxes[k][0])
    assert len(row) == 2
    into = [d for d in pic.edges if d.edge.dst == row[1] and d.edge.style is EdgeStyle.ENTRY]
    assert into and into[0].points[-1][1] == pytest.approx(boxes[row[1]][1])
    nodes = {n.key: n for n in pic.nodes}
    assert nodes[LB].members == [] and nodes[LB].parent is None
    assert pic.drawn_exact == sum(1 for d in pic.edges if d.edge.style in ("allowed", "partial"))

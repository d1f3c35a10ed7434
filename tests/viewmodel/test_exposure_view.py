"""The Exposure view's rows (``netviz.viewmodel.exposure``): marks, levels and their reasons."""

from __future__ import annotations

from netviz.engine import Analyzer
from netviz.engine.connlist import connlist
from netviz.io.manifests import load_text
from netviz.viewmodel.exposure import (
    CLOSED,
    CLUSTER,
    INTERNET,
    LABELS,
    NARROW,
    OPEN,
    WIDE,
    ExposureView,
    build_exposure_view,
    link_for_href,
    to_html,
)

WL = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: ns}
spec:
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
"""


def view(extra: str = "") -> ExposureView:
    r = load_text(WL + extra, "c.yaml")
    assert not r.errors, r.errors
    an = Analyzer(r.cluster)
    return build_exposure_view(an, connlist(an))


def pol(ingress: str) -> str:
    return ("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: p, namespace: ns}}\nspec:\n  podSelector: {{}}\n"
            f"  policyTypes: [Ingress]\n  ingress: {ingress}\n")


def test_unprotected_is_open() -> None:
    (row,) = view().rows
    assert row.unprotected and row.level == OPEN
    assert {m.kind for m in row.marks} == {INTERNET, CLUSTER}
    assert row.summary.startswith("unprotected")


def test_closed_when_only_existing_peers() -> None:
    (row,) = view(pol("[]")).rows
    assert row.level == CLOSED and row.marks == () and "nothing beyond" in row.summary
    assert "Nothing beyond today's pods" in to_html(row)


def test_internet_by_policy_is_wide_and_names_the_rule() -> None:
    (row,) = view(pol("[{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}], "
                      "ports: [{port: 80}]}]")).rows
    assert row.level == WIDE
    m = row.mark(INTERNET)
    assert m is not None and m.connections == "TCP 80" and m.entries == ()
    assert any("ns/p ingress rule #1" in r for r in m.reasons)
    link = link_for_href(row, "src:0")
    assert link is not None and link.file == "c.yaml"


def test_private_ranges_only_are_not_the_internet() -> None:
    (row,) = view(pol("[{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]")).rows
    assert row.mark(INTERNET) is None and row.level == CLOSED


def test_entry_point_makes_it_open() -> None:
    svc = ("---\napiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: ns}\n"
           "spec: {type: NodePort, selector: {app: a}, ports: [{port: 80}]}\n")
    (row,) = view(pol("[{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]") + svc).rows
    m = row.mark(INTERNET)
    assert row.level == OPEN and m is not None and m.entries
    assert "(via NodePort)" in row.summary


def test_label_peers_narrow_and_subsumed_ones_dropped() -> None:
    (row,) = view(pol(
        "[{from: [{namespaceSelector: {matchLabels: {team: x}}}], ports: [{port: 80}]}, "
        "{from: [{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {app: b}}}], "
        "ports: [{port: 80}]}]")).rows
    assert row.level == NARROW
    titles = [m.title for m in row.marks if m.kind == LABELS]
    # "app=b in team=x" gets nothing more than "any pod in team=x": left out
    assert titles == ["Any new pod in a namespace with team=x"]


def test_entire_cluster_mark() -> None:
    (row,) = view(pol("[{from: [{namespaceSelector: {}}], ports: [{port: 80}]}]")).rows
    m = row.mark(CLUSTER)
    assert m is not None and m.connections == "TCP 80" and row.level == WIDE


def test_counts_and_summary() -> None:
    v = view()
    assert v.counts()[OPEN] == 1 and "1 open to the internet" in v.summary()
    assert v.row("ns/a[Deployment]") is v.rows[0] and v.row("nope") is None

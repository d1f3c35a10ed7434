"""Rows, summaries and selections of the audit and diagnostics panels (Qt-free parts)."""

from __future__ import annotations

from netviz.engine import Analyzer
from netviz.engine.audit import Finding
from netviz.model import (
    LabelSelector,
    NetworkPolicy,
    Service,
    ServicePort,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.loaded import LoadResult
from netviz.viewmodel.audit import audit_rows, selection_for
from netviz.viewmodel.audit import summary as audit_summary
from netviz.viewmodel.diagnostics import diagnostic_rows, diagnostics_of, summary


def test_audit_rows_order_and_filter() -> None:
    an = Analyzer(assemble_cluster(
        workloads=[Workload("Deployment", "a", "web", {"app": "web"})],
        policies=[NetworkPolicy("a", "ghost", LabelSelector((("app", "x"),)),
                                source=Source("p.yaml", 2, 5))],
        services=[Service("a", "s", {"app": "web"}, (ServicePort(80, 80),))],
    ))
    rows = audit_rows(an)
    assert [(r.severity, r.code) for r in rows] == [
        (Severity.WARNING, "policy-selects-nothing"),
        (Severity.INFO, "workload-not-isolated"),
        (Severity.INFO, "service-port-unexposed"),
    ]
    assert rows[0].location == "p.yaml:5"
    assert rows[0].link is not None and rows[0].link.line == 5
    assert audit_summary(rows) == "1 warning, 2 info"
    assert [r.code for r in audit_rows(an, Severity.WARNING)] == ["policy-selects-nothing"]
    assert audit_rows(None) == []


def test_selection_for() -> None:
    f = Finding("x", Severity.WARNING, "t", "m",
                ("NetworkPolicy a/p", "a/web[Deployment]", "Service a/s", "NetworkPolicy a/q"))
    assert selection_for(f) == {"nodes": frozenset({"a/web[Deployment]", "svc:a/s"}),
                                "policy": "a/p"}
    assert selection_for(Finding("x", Severity.INFO, "t", "m")) == {"nodes": frozenset()}


def test_diagnostic_rows() -> None:
    diags = [
        Diagnostic(Severity.ERROR, "bad YAML", "a.yaml", 1, 7, 3, code="yaml-syntax"),
        Diagnostic(Severity.WARNING, "odd", "b.yaml", object_ref="NetworkPolicy a/p"),
        Diagnostic(Severity.INFO, "skipped ConfigMap", "<stdin>", 2, 4),
    ]
    rows = diagnostic_rows(diagnostics_of(LoadResult(assemble_cluster(), diags, [], [])))
    assert [r.location for r in rows] == ["a.yaml:7:3, document 1", "b.yaml", "<stdin>:4, document 2"]
    assert [r.line for r in rows] == [7, 1, 4]
    assert [r.can_open for r in rows] == [True, True, False]
    assert "Code: yaml-syntax" in rows[0].tooltip and "NetworkPolicy a/p" in rows[1].tooltip
    assert summary(rows) == "1 error, 1 warning, 1 info"
    assert summary([]) == "no problems"
    assert [r.severity for r in diagnostic_rows(diags, Severity.WARNING)] == [
        Severity.ERROR, Severity.WARNING]
    assert diagnostics_of(None) == []

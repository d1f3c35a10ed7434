"""The audit panel's content: findings as rows, and what activating one selects.

Rules this module keeps:
- Qt-free. Findings come from ``netviz.engine.audit``; this module only orders, counts and maps
  them onto ``AppState`` selections and source links.
- A finding's objects map onto the selection every view shares: workloads become selected
  nodes, a Service becomes its graph node (``svc:ns/name``, the graph's Service key), and the
  first policy becomes the selected policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from netviz.engine.analyzer import Analyzer
from netviz.engine.audit import CODES, Finding, audit
from netviz.model.diagnostics import SEVERITY_RANK, Severity
from netviz.model.keys import service_key
from netviz.viewmodel.diagnostics import severity_summary
from netviz.viewmodel.explain import Link


@dataclass(frozen=True)
class AuditRow:
    finding: Finding

    @property
    def severity(self) -> Severity:
        return self.finding.severity

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def title(self) -> str:
        return self.finding.title

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def objects_text(self) -> str:
        return ", ".join(self.finding.objects)

    @property
    def location(self) -> str:
        s = self.finding.source
        return "" if s is None else f"{s.file}:{s.line}"

    @property
    def link(self) -> Link | None:
        return Link.of(self.finding.title, self.finding.source)


def audit_rows(an: Analyzer | None, min_severity: Severity = Severity.INFO) -> list[AuditRow]:
    """Rows for the findings of ``an`` at least as severe as ``min_severity``: most severe
    first, then in the engine's order (by code, then objects)."""
    if an is None:
        return []
    limit = SEVERITY_RANK[min_severity]
    findings = [f for f in audit(an) if SEVERITY_RANK[f.severity] <= limit]
    findings.sort(key=lambda f: SEVERITY_RANK[f.severity])  # stable: keeps the engine order
    return [AuditRow(f) for f in findings]


def selection_for(finding: Finding) -> dict[str, Any]:
    """Keyword arguments for ``AppState.select`` that show the objects of ``finding``."""
    nodes = set(finding.workloads) | {service_key(s) for s in finding.services}
    out: dict[str, Any] = {"nodes": frozenset(nodes)}
    if finding.policies:
        out["policy"] = finding.policies[0]
    return out


def summary(rows: Sequence[AuditRow] | Iterable[Finding]) -> str:
    """``2 warnings, 1 info`` (``no findings`` when empty)."""
    return severity_summary((r.severity for r in rows), "no findings")


__all__ = ["CODES", "AuditRow", "audit_rows", "selection_for", "summary"]

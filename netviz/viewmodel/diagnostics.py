"""The diagnostics panel's content: located loading problems as rows.

Rules this module keeps:
- Qt-free and I/O-free. Diagnostics come from ``netviz.io`` (``LoadResult.diagnostics``, a list
  of ``netviz.model.diagnostics.Diagnostic``); ``diagnostics_of`` reads them from
  ``AppState.result`` (a ``netviz.model.loaded.LoadResult``, so no import of ``netviz.io``).
- Rows keep the loader's order (files in the order given, documents in file order), which is
  the order a user fixes them in; ``summary`` counts them by severity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netviz.model.diagnostics import SEVERITY_RANK, Diagnostic, Severity
from netviz.model.loaded import LoadResult


@dataclass(frozen=True)
class DiagnosticRow:
    diagnostic: Diagnostic

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def location(self) -> str:
        """``file:line`` (``file:line:column``), ``document n`` when known; empty if nowhere."""
        return self.diagnostic.location()

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def file(self) -> str | None:
        return self.diagnostic.file

    @property
    def line(self) -> int:
        """The line to open (1 when the diagnostic names a file but no line)."""
        return self.diagnostic.line or 1

    @property
    def can_open(self) -> bool:
        f = self.diagnostic.file
        return bool(f) and not (f or "").startswith("<")

    @property
    def tooltip(self) -> str:
        d = self.diagnostic
        parts = [str(d)]
        if d.object_ref:
            parts.append(f"Object: {d.object_ref}")
        if d.code:
            parts.append(f"Code: {d.code}")
        return "\n".join(parts)


def diagnostics_of(result: LoadResult | None) -> list[Diagnostic]:
    """The diagnostics of a load result, or [] when there is none."""
    return [] if result is None else list(result.diagnostics)


def diagnostic_rows(diagnostics: Iterable[Diagnostic],
                    min_severity: Severity = Severity.INFO) -> list[DiagnosticRow]:
    limit = SEVERITY_RANK[min_severity]
    return [DiagnosticRow(d) for d in diagnostics if SEVERITY_RANK[d.severity] <= limit]


def summary(rows: Sequence[DiagnosticRow] | Iterable[Diagnostic]) -> str:
    """``1 error, 2 warnings`` (``no problems`` when empty)."""
    return severity_summary((r.severity for r in rows), "no problems")


def severity_summary(severities: Iterable[Severity], empty: str) -> str:
    """``1 error, 2 warnings, 1 info``, most severe first; ``empty`` when there are none."""
    counts = {s: 0 for s in SEVERITY_RANK}
    for sev in severities:
        counts[sev] += 1
    parts = []
    for sev, n in counts.items():
        if n:
            word = sev.value if n == 1 or sev is Severity.INFO else f"{sev.value}s"
            parts.append(f"{n} {word}")
    return ", ".join(parts) if parts else empty

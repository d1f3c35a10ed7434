"""Located problems found while loading: plain data shared by io, cli and the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the document (or object) was skipped
    WARNING = "warning"  # loaded, but something is probably not what the user meant
    INFO = "info"  # nothing wrong: e.g. a kind netviz does not use was skipped

    def __str__(self) -> str:
        return self.value


#: most severe first: for sorting and "at least this severe" filters
SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    message: str  # a sentence a user understands, naming the object and field
    file: str | None = None
    doc: int | None = None  # 1-based document number in the file
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    object_ref: str | None = None  # e.g. "NetworkPolicy default/deny-all"
    code: str = ""  # stable machine id, e.g. "yaml-syntax", "bad-selector-operator"

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
            if self.line is not None:
                parts[-1] += f":{self.line}"
                if self.column is not None:
                    parts[-1] += f":{self.column}"
        if self.doc is not None:
            parts.append(f"document {self.doc}")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        head = f"{loc}: " if loc else ""
        return f"{head}{self.severity}: {self.message}"

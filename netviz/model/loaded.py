"""What loading produced: plain data that io makes and every other layer reads.

``netviz.io.manifests`` (``load_paths``/``load_text``) makes a ``LoadResult``: the ``Cluster``,
the located diagnostics, a ``DocumentRecord`` per YAML/JSON document (where it is in its
file, for the editor and for saving in place) and a ``FileStamp`` per file read (what
``netviz.io.save`` checks before overwriting). They live here, not in io, so that the
viewmodel (``AppState.result``, the editing baseline) and the engine can name them without
importing io.

Rules this module keeps: plain data, no I/O (``FileStamp.of_bytes`` hashes bytes it is given).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from netviz.model.cluster import Cluster
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.enforcement import Enforcement

__all__ = ["DocumentRecord", "FileStamp", "LoadResult"]


@dataclass(frozen=True)
class FileStamp:
    """A file as it was read: its size, modification time and the sha256 of its bytes."""

    path: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of_bytes(cls, path: str, data: bytes, mtime_ns: int) -> FileStamp:
        return cls(path, len(data), mtime_ns, hashlib.sha256(data).hexdigest())

    def same_content(self, other: FileStamp | None) -> bool:
        return other is not None and (self.size, self.sha256) == (other.size, other.sha256)



@dataclass
class DocumentRecord:
    """One YAML/JSON document as found in a file, for the editor and diagnostics.

    ``start_offset``/``end_offset`` are character offsets of the document's text in the decoded
    file (from its ``---`` line, if any, up to the next one), so ``text[start:end]`` can be
    replaced in place; ``start_line``/``end_line`` (1-based, inclusive) are the lines of that
    span. ``kind``/``namespace``/``name`` are as written (None when absent).
    """

    file: str
    doc: int
    start_line: int
    end_line: int
    kind: str | None
    namespace: str | None
    name: str | None
    start_offset: int
    end_offset: int


@dataclass
class LoadResult:
    cluster: Cluster
    diagnostics: list[Diagnostic]
    documents: list[DocumentRecord]
    files: list[str]
    snapshot: dict[str, Any] | None = None
    #: path (as in ``DocumentRecord.file``) -> stamp of the bytes read, for every file read
    #: from disk (not stdin); ``netviz.io.save`` refuses to overwrite a file that changed since
    stamps: dict[str, FileStamp] = field(default_factory=dict)
    #: the network plugin and whether it enforces NetworkPolicy: from a snapshot's header, or
    #: detected from DaemonSets in the manifests; None when nothing says (unknown)
    enforcement: Enforcement | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

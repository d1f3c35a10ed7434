"""Save edited manifests without losing anything: splice edited documents into their files,
append new ones, or write new files; atomically, and never over changes made on disk.

Public API (the in-app editor codes against it)::

    stamp_file(path) -> FileStamp                  # what a file was when it was read
    document_text(text, record) -> str             # the part of a document an edit replaces
    plan_save(edits, new_docs, documents, stamps) -> SavePlan     # pure text work, no writes
    apply_save(plan, *, force=False) -> list[str]  # the writes
    write_new_file(path, documents, *, overwrite=False)           # "save as"

The rules this module keeps
===========================

Spans. ``DocumentRecord.start_offset:end_offset`` (from ``netviz.io.manifests``) is a character
span of the decoded text (BOM dropped). YAML spans tile the file: a span starts at its ``---``
line (or at 0 for a first document without one) and runs up to the next ``---`` line, so it
holds the separator line, the document, and any comment or blank lines after it. JSON spans
are one JSON value plus the white space after it.

What an edit replaces. A span is its *separator* (the ``---`` line with its line break, when
the span starts with one and the rest of that line is blank or a ``#`` comment) followed by
its *body*. ``DocEdit.new_text`` replaces the body only; ``document_text`` returns the body as
it is, so saving it back unchanged is byte-identical. Everything outside the edited spans (other
documents, comments before the first ``---``, separators) is never touched. The new body is
adjusted to the file's conventions, and only where needed:

- line breaks: in a file whose line breaks are ``\\r\\n``, every line break of ``new_text``
  is written ``\\r\\n``;
- the end: when the old body ended with a line break (always, unless it is the last document
  of a file without a final newline) the new one does too; when it did not, trailing line
  breaks of ``new_text`` are dropped, so a file without a final newline keeps none;
- a ``new_text`` that starts with its own ``---`` line replaces the separator too.

Deleting (``new_text=None``) removes the whole span, its separator included. When the deleted
document had no separator (the first document of the file) the next document's ``---`` line
goes too (unless that document is edited in the same save), so the file does not start with a
stray separator. Editing a document that shares its span with another one (two documents in one
chunk, after a ``...`` end marker) is refused with ``ValueError``.

Appending (``NewDoc``): to a YAML file, ``---`` + line break + the text (line breaks in the
file's style, ending with one); a line break is added first if the file does not end with one.
To a JSON file (text starting with ``{``/``[``) the text must be JSON too and is appended on a
new line (the loader reads concatenated JSON values). To a file that does not exist: the file
is created with the text alone.

Encodings. The bytes are written back in the encoding they were read in (UTF-8, or UTF-16/32
with their BOM); a BOM is kept, including the doubled one the loader skips. ``SavePlan.files``
holds each file's complete new text *including* a leading ``\\ufeff`` when the file has a BOM,
and ``SavePlan.encodings`` the codec (default ``utf-8``).

Stamps and conflicts. ``FileStamp`` is (path, size, mtime_ns, sha256) of the bytes read.
``plan_save`` re-reads every file it splices or appends to and refuses (``SaveConflict``) when
its sha256 is not the stamp's: offsets are only meaningful in the text they were taken from.
``apply_save`` checks every file of the plan again before writing any (*preflight*): a file
whose content (size or sha256) differs from its stamp, a file that vanished, or a file that now
exists where the plan creates one, makes it raise ``SaveConflict`` with all such paths and write
nothing; ``force=True`` skips these checks. A changed mtime alone (``touch``) is no conflict:
the content is what would be lost.

Atomicity, precisely. Each file is written atomically by ``netviz.io.atomic``: the bytes go to
a temporary file in the same folder, are flushed and ``fsync``-ed, the file gets the original's
permission bits, and ``os.replace`` puts it in place (the folder is ``fsync``-ed after); a
symlink is followed and its target replaced. A reader sees the old file or the new one, never a
mix; on any error the temporary file is removed. A save of *several* files is not one transaction (POSIX has none):
after the preflight, files are written one by one, and each is re-checked just before its
replace; if writing the k-th file fails, files 1..k-1 are already saved, the k-th and later are
untouched, and the exception propagates (``apply_save`` returns the written paths only on
success). Files are written in sorted path order, so a retry is predictable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from netviz.io.atomic import write_atomic
from netviz.io.errors import SaveConflict
from netviz.model.loaded import DocumentRecord, FileStamp

__all__ = [
    "DocEdit",
    "FileStamp",
    "NewDoc",
    "SaveConflict",
    "SavePlan",
    "apply_save",
    "document_text",
    "plan_save",
    "stamp_file",
    "write_new_file",
]

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_SEPARATOR = re.compile(r"---(?:[ \t]+(?:#[^\r\n]*)?|[ \t]*)(?:\r\n|\n|\r)?")
_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class DocEdit:
    """Replace the body of document ``doc`` (1-based ``DocumentRecord.doc``) of ``file``;
    ``new_text=None`` deletes the document."""

    file: str
    doc: int
    new_text: str | None


@dataclass(frozen=True)
class NewDoc:
    """Append ``text`` as a new document to ``file`` (created when missing)."""

    file: str
    text: str


@dataclass(frozen=True)
class SavePlan:
    """What ``apply_save`` will write: path -> complete new text (a leading ``\\ufeff`` is the
    file's BOM), the stamp each file must still have (None: the file must not exist), and the
    codec per path (missing: ``utf-8``)."""

    files: dict[str, str]
    stamps: dict[str, FileStamp | None]
    encodings: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def _read_bytes(path: str) -> tuple[bytes, int] | None:
    """(bytes, mtime_ns) or None when the file does not exist."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
            st = os.fstat(fh.fileno())
    except FileNotFoundError:
        return None
    return data, st.st_mtime_ns


def stamp_file(path: str | os.PathLike[str]) -> FileStamp:
    """The stamp of ``path`` as it is now (reads the whole file). ``FileNotFoundError`` when
    it does not exist."""
    p = os.fspath(path)
    got = _read_bytes(p)
    if got is None:
        raise FileNotFoundError(p)
    return FileStamp.of_bytes(p, got[0], got[1])


def _current(path: str) -> FileStamp | None:
    got = _read_bytes(path)
    return None if got is None else FileStamp.of_bytes(path, got[0], got[1])


def _decode(data: bytes) -> tuple[str, str]:
    """(text with any BOM kept as ``\\ufeff``, codec) as the loader reads it."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    return data.decode("utf-8"), "utf-8"


def _skip(text: str) -> int:
    """How many leading characters the loader dropped before its offsets start (a BOM, and
    one more ``\\ufeff`` right after it, see ``manifests._Load.add_text``)."""
    n = 1 if text.startswith("\ufeff") else 0
    if text.startswith("\ufeff", n):
        n += 1
    return n


def _eol(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def _ends_with_break(text: str) -> bool:
    return text.endswith(("\n", "\r"))


# --------------------------------------------------------------------------- spans


def _separator_len(seg: str) -> int:
    """Length of the ``---`` line (with its break) that opens ``seg``, or 0."""
    if not _DOC_START.match(seg):
        return 0
    m = _SEPARATOR.match(seg)
    if m is None or not (m.end() == len(seg) or _ends_with_break(m.group())):
        return 0  # "--- {inline: document}": no separator line of its own
    return m.end()


def document_text(text: str, record: DocumentRecord) -> str:
    """The body of ``record`` in ``text`` (the file's decoded text as the loader read it, BOM
    dropped): what ``DocEdit.new_text`` replaces. Saving it back unchanged changes nothing."""
    seg = text[record.start_offset : record.end_offset]
    return seg[_separator_len(seg) :]


def _fit(new_text: str, old_body: str, eol: str, crlf_file: bool) -> str:
    out = new_text
    if crlf_file:
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    if _ends_with_break(old_body):
        if out and not _ends_with_break(out):
            out += eol
    else:
        out = out.rstrip("\r\n")
    return out


# --------------------------------------------------------------------------- planning


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


def plan_save(
    edits: Sequence[DocEdit],
    new_docs: Sequence[NewDoc],
    documents: Sequence[DocumentRecord],
    stamps: Mapping[str, FileStamp],
) -> SavePlan:
    """The complete new text of every file touched by ``edits`` and ``new_docs``. Reads the
    files (no writes). ``SaveConflict`` when a file's bytes no longer match its stamp;
    ``ValueError`` for an edit of an unknown document, two edits of one document, a file without
    a stamp, or JSON appended with non-JSON text."""
    files: dict[str, str] = {}
    out_stamps: dict[str, FileStamp | None] = {}
    encodings: dict[str, str] = {}
    conflicts: list[str] = []

    by_file: dict[str, list[DocEdit]] = {}
    for e in edits:
        by_file.setdefault(e.file, []).append(e)
    appends: dict[str, list[str]] = {}
    for nd in new_docs:
        appends.setdefault(nd.file, []).append(nd.text)

    for path in sorted(by_file.keys() | appends.keys()):
        stamp = stamps.get(path)
        got = _read_bytes(path)
        if path in by_file and stamp is None:
            raise ValueError(f"{path}: no stamp for this file (was it loaded from disk?)")
        if stamp is not None:
            now = None if got is None else FileStamp.of_bytes(path, got[0], got[1])
            if not stamp.same_content(now):
                conflicts.append(path)
                continue
        if got is None:
            # a new file: only appended documents
            texts = appends[path]
            files[path] = _join_new(texts, "\n")
            out_stamps[path] = None
            encodings[path] = "utf-8"
            continue
        full, enc = _decode(got[0])
        skip = _skip(full)
        prefix, text = full[:skip], full[skip:]
        text = _apply_edits(path, text, by_file.get(path, []), documents)
        for t in appends.get(path, []):
            text = _append(path, text, t)
        files[path] = prefix + text
        out_stamps[path] = stamp if stamp is not None else FileStamp.of_bytes(path, *got)
        encodings[path] = enc
    if conflicts:
        raise SaveConflict(conflicts)
    return SavePlan(files, out_stamps, encodings)


def _apply_edits(
    path: str, text: str, edits: list[DocEdit], documents: Sequence[DocumentRecord]
) -> str:
    if not edits:
        return text
    records = sorted((r for r in documents if r.file == path), key=lambda r: r.start_offset)
    by_doc = {r.doc: r for r in records}
    spans: dict[tuple[int, int], int] = {}
    for r in records:
        spans[(r.start_offset, r.end_offset)] = spans.get((r.start_offset, r.end_offset), 0) + 1
    seen: set[int] = set()
    crlf = _eol(text) == "\r\n"
    eol = "\r\n" if crlf else "\n"
    # (start, end, replacement), applied from the end so offsets stay valid
    cuts: list[tuple[int, int, str]] = []
    edited_starts = set()
    for e in edits:
        if e.doc not in by_doc:
            raise ValueError(f"{path}: no document {e.doc} (the file has {len(records)})")
        r = by_doc[e.doc]
        if e.doc in seen:
            raise ValueError(f"{path}: document {e.doc} is edited twice in one save")
        seen.add(e.doc)
        if spans[(r.start_offset, r.end_offset)] > 1:
            raise ValueError(
                f"{path}: document {e.doc} shares its text with another document (a '...' end "
                "marker without '---'); edit that file by hand"
            )
        if not 0 <= r.start_offset <= r.end_offset <= len(text):
            raise ValueError(f"{path}: document {e.doc} lies outside the file as read now")
        edited_starts.add(r.start_offset)
    for e in edits:
        r = by_doc[e.doc]
        seg = text[r.start_offset : r.end_offset]
        sep = _separator_len(seg)
        if e.new_text is None:
            end = r.end_offset
            if sep == 0 and end < len(text) and end not in edited_starts:
                end += _separator_len(text[end:])  # the next document's "---" line
            cuts.append((r.start_offset, end, ""))
            continue
        body = seg[sep:]
        new = e.new_text
        if _DOC_START.match(new) and _separator_len(new):
            keep = ""  # the new text brings its own separator
        else:
            keep = seg[:sep]
        cuts.append((r.start_offset, r.end_offset, keep + _fit(new, body, eol, crlf)))
    for start, end, repl in sorted(cuts, reverse=True):
        text = text[:start] + repl + text[end:]
    return text


def _append(path: str, text: str, new: str) -> str:
    eol = _eol(text) if text else "\n"
    body = new.replace("\r\n", "\n").replace("\n", eol)
    if not _ends_with_break(body):
        body += eol
    if _looks_like_json(text):
        if not _looks_like_json(new):
            raise ValueError(f"{path} is JSON: append JSON documents to it (or use a YAML file)")
        return text + ("" if not text or _ends_with_break(text) else eol) + body
    if not text.strip():
        return text + body
    lead = "" if _ends_with_break(text) else eol
    return text + lead + "---" + eol + body


def _join_new(texts: Sequence[str], eol: str) -> str:
    """Several documents as one multi-document YAML text (each ends with a line break)."""
    parts = []
    for t in texts:
        t = t.replace("\r\n", "\n")
        if _DOC_START.match(t) and _separator_len(t):
            t = t[_separator_len(t) :]
        parts.append(t if t.endswith("\n") else t + "\n")
    if all(_looks_like_json(p) for p in parts) and parts:
        return "".join(parts)
    return "---\n".join(parts)


# --------------------------------------------------------------------------- writing


def _atomic_write(path: str, data: bytes, *, expect: FileStamp | None, check: bool) -> None:
    def unchanged() -> None:
        now = _current(path)
        if (expect is None and now is not None) or (
            expect is not None and not expect.same_content(now)
        ):
            raise SaveConflict([path])

    write_atomic(path, data, check=unchanged if check else None)


def apply_save(plan: SavePlan, *, force: bool = False) -> list[str]:
    """Write ``plan``: preflight every file (``SaveConflict`` with all changed paths, nothing
    written, unless ``force``), then each file atomically, in sorted path order. Returns the
    written paths. See the module docstring for the exact guarantees."""
    paths = sorted(plan.files)
    if not force:
        conflicts = []
        for p in paths:
            expect = plan.stamps.get(p)
            now = _current(p)
            if (expect is None and now is not None) or (
                expect is not None and not expect.same_content(now)
            ):
                conflicts.append(p)
        if conflicts:
            raise SaveConflict(conflicts)
    written: list[str] = []
    for p in paths:
        data = plan.files[p].encode(plan.encodings.get(p, "utf-8"))
        _atomic_write(p, data, expect=plan.stamps.get(p), check=not force)
        written.append(p)
    return written


def write_new_file(
    path: str | os.PathLike[str], documents: Sequence[str], *, overwrite: bool = False
) -> None:
    """Write ``documents`` as one new multi-document YAML file (``---`` between documents,
    each ending with a line break; JSON documents are written one after another), atomically.
    Missing parent folders are created. ``SaveConflict`` when ``path`` exists and not
    ``overwrite`` (the check and the creation are one atomic step where the file system
    supports hard links)."""
    p = os.fspath(path)
    folder = os.path.dirname(p)
    if folder:
        os.makedirs(folder, exist_ok=True)
    data = _join_new(list(documents), "\n").encode("utf-8")
    if overwrite:
        _atomic_write(p, data, expect=None, check=False)
        return
    if os.path.lexists(p):
        raise SaveConflict([p], f"{p} already exists; choose another name or overwrite it")
    try:
        write_atomic(p, data, exclusive=True)
    except FileExistsError:
        raise SaveConflict(
            [p], f"{p} already exists; choose another name or overwrite it"
        ) from None

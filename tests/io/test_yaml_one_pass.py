"""The one-pass YAML reading (``parse_yaml`` composes a whole file with one parser) gives exactly
what parsing each ``---`` chunk alone gives: same documents, values, errors, warnings, lines
and located fields. A differential test against the chunk-by-chunk reader, on tricky texts and
on every YAML file of the test data and of the shared conformance scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netviz.io import yamlsafe as ys

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "conformance"


def _chunkwise(text: str) -> list[ys.ParsedDoc]:
    return list(ys._parse_chunks(text, ys.split_chunks(text), 0, 0))


def _seen(d: ys.ParsedDoc) -> tuple[Any, ...]:
    where = None
    if d.locator is not None:
        where = (d.locator.find(()), d.locator.find(("metadata", "name")), d.locator.end_line())
    return (d.doc, d.start_line, d.end_line, d.start_offset, d.end_offset, d.data, d.error,
            d.warnings, d.empty, where, d.content_line)


def _same(text: str) -> None:
    assert [_seen(d) for d in ys.parse_yaml(text)] == [_seen(d) for d in _chunkwise(text)]


TRICKY = {
    "alias into an earlier document": "a: &x 1\n---\nb: *x\n",
    "document end marker": "a: 1\n...\nb: 2\n",
    "end marker then next": "---\na: |\n  x\n---\nb: 1\n...\n",
    "comment before the first marker": "# c\n---\n---\na: 1\n",
    "only a marker": "---\n",
    "blank": "\n",
    "nothing": "",
    "unclosed flow in the middle": "x: 1\n---\na: {b: 1\n---\nc: 2\n",
    "unclosed flow at the start": "a: [\n---\nb: 1\n",
    "duplicate key and merge key": "a: 1\na: 2\n---\n<<: {x: 1}\ny: 2\n",
    "directive and a refused tag": "%YAML 1.1\n---\na: 1\n---\nb: !!python/object:os.system x\n",
    "control character": 'a: "x\x1b"\n---\nb: 1\n',
    "bad indentation in the middle": "a: 1\n---\nb: 1\n  c: 2\n---\nd: 3\n",
    "alias bomb between good documents": (
        "a: 1\n---\n" + 'x0: &a0 ["l","l","l","l","l","l","l","l","l"]\n'
        + "".join(f"x{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]\n" for i in range(1, 9))
        + "---\nc: 3\n"
    ),
    "deep nesting between good documents": "a: 1\n---\nb: " + "[" * 1100 + "]" * 1100
    + "\n---\nc: 3\n",
    "a list and a scalar": "- 1\n- 2\n---\nhello\n---\nkind: Pod\n",
    "windows line ends": "a: 1\r\n---\r\nb: 2\r\n",
    "marker with a comment and a value": "--- # one\na: 1\n--- {b: 2}\n--- 3\n",
    "block scalar ending at a marker": "a: |\n  one\n  two\n---\nb: >\n  x\n",
    "many documents": "".join(f"---\nkind: Pod\nmetadata: {{name: p{i}}}\n" for i in range(50)),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_one_pass_equals_chunk_by_chunk_on_tricky_texts(name: str) -> None:
    _same(TRICKY[name])


def test_one_pass_keeps_errors_per_document() -> None:
    docs = list(ys.parse_yaml("a: 1\n---\nb: [\n---\nc: 3\n---\nd: *nowhere\n---\ne: 5\n"))
    assert [d.data for d in docs] == [{"a": 1}, None, {"c": 3}, None, {"e": 5}]
    assert docs[1].error is not None and docs[1].error.code == "yaml-syntax"
    assert docs[1].error.line == 4  # where libyaml finds the flow list unclosed
    assert docs[3].error is not None and docs[3].error.line == 7
    assert docs[4].locator is not None and docs[4].locator.find(("e",)) == (9, 1)


def test_one_pass_reads_a_clean_file_in_one_pass() -> None:
    """The fast path is taken (not the fallback) for plain multi-document files, and from the
    failing chunk on after an error."""
    text = "".join(f"---\nkind: Pod\nmetadata: {{name: p{i}}}\n" for i in range(20))
    chunks = ys.split_chunks(text)
    nodes, resume = ys._compose_whole(text, chunks, 0)
    assert (len(nodes), resume) == (20, 20)
    text = "a: 1\n---\nb: 2\n---\nc: [\n---\nd: 4\n"
    nodes, resume = ys._compose_whole(text, ys.split_chunks(text), 0)
    assert (len(nodes), resume) == (2, 2)


def _files(root: Path) -> list[Path]:
    return sorted(p for ext in ("*.yaml", "*.yml") for p in root.rglob(ext))


def test_one_pass_equals_chunk_by_chunk_on_the_test_data() -> None:
    files = _files(ROOT / "tests") + _files(ROOT / "resources")
    assert files
    for path in files:
        _same(path.read_text(encoding="utf-8", errors="replace"))


def test_one_pass_equals_chunk_by_chunk_on_the_conformance_scenarios() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared conformance data)")
    files = _files(SHARED)
    assert files
    for path in files:
        _same(path.read_text(encoding="utf-8", errors="replace"))

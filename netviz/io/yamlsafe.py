"""Split, parse and locate YAML/JSON documents: fast, bounded, and never trusting the input.

How it works (and why):

- **Split first.** A file is cut into chunks at every line that starts with ``---`` (a YAML
  document marker is only recognised at the start of a line, so this split is exact for every
  document that parses). A chunk that holds only ``%`` directives is joined to the next one.
  Chunks remember their first line and their character offsets in the text.
- **One pass, chunk by chunk where it fails.** The whole text is composed with one parser (one
  libyaml parser per file instead of one per document) and the documents are matched to the
  chunks one to one (each node inside its chunk's lines), so every document keeps its number,
  lines and offsets. From the chunk where that pass meets an error on, each chunk is parsed
  alone, so a syntax error costs only its own document (the others still load) and says its
  line; where documents and chunks do not match (``...`` end markers), every chunk is parsed
  alone. Both ways give the same documents (tests/io/test_yaml_one_pass.py).
- **Compose, check, then build.** Each chunk is *composed* (PyYAML's C parser when present,
  ``CSafeLoader``, else the pure Python one) into a node tree; the tree is kept for the
  document so that any field can be located to its line later at no extra cost (composing is
  where nearly all the time goes; building the Python values from the tree is cheap).
- **Aliases are bounded.** Before building values from a tree that has anchors, its *expanded*
  size is computed without expanding it (a memoised count over shared nodes). A document whose
  aliases add more than ``MAX_ALIAS_EXPANSION`` nodes, or whose aliases form a cycle, is refused
  ("billion laughs"). Nothing is ever expanded in memory before that check.
- **Depth is bounded.** libyaml refuses nesting deeper than 1000 levels; the pure Python parser
  and our builder raise ``RecursionError`` earlier. Both become a ``yaml-too-deep`` error for the
  document.
- **Values are built by a small constructor**: strings, maps, lists, ints, floats, booleans and
  null as YAML 1.1 (``SafeLoader``) reads them; timestamps stay strings (Kubernetes reads them
  as strings too); merge keys (``<<``) work; other tags go through ``SafeConstructor`` (so a
  Python-object tag is an error, never executed). Duplicate keys in one mapping are reported
  (the last value is used, as PyYAML does).
- **JSON** text (first character ``{`` or ``[``) is read with ``json`` (much faster), one value
  after another, so ``kubectl get -o json`` output and concatenated JSON both work. Lines of
  fields inside JSON are found by composing the document only when a diagnostic needs one.
"""

from __future__ import annotations

import bisect
import functools
import json
import operator
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml: ~10x faster than the pure Python scanner
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

HAVE_LIBYAML = _Loader.__name__ == "CSafeLoader"

#: Scalars resolved to a tag, memoised: manifests repeat the same keys and values (``name``,
#: ``containerPort``, ``TCP``) thousands of times and resolving is pure Python regex work. The
#: memo is ``functools.lru_cache`` (a C object: a hit costs no Python frame, and libyaml's
#: composer calls ``resolve`` once per node, ~550,000 times for 5,000 workloads) around the
#: resolver of ``SafeLoader``, which keeps no per-document state because no path resolvers are
#: registered. Bounded, so that unique values (image names) cannot grow it without limit.
_RESOLVE_CACHE_MAX = 50_000
_resolve = functools.lru_cache(maxsize=_RESOLVE_CACHE_MAX)(yaml.resolver.Resolver().resolve)


class _FastLoader(_Loader):
    """The safe loader with a memoised scalar resolver (no path resolvers are used).

    The hooks the composer calls around every node for path resolvers do nothing here, so they
    are C builtins that accept the same arguments (no Python frame per node)."""

    resolve = staticmethod(_resolve)
    descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]


#: A document whose aliases (``*name``) would add more nodes than this when expanded is refused.
#: Real manifests that use anchors add a few hundred at most; a "billion laughs" adds billions.
MAX_ALIAS_EXPANSION = 100_000

_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)

_T = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _T + "str", _T + "map", _T + "seq"
_INT, _FLOAT, _BOOL, _NULL = _T + "int", _T + "float", _T + "bool", _T + "null"
_TIMESTAMP, _MERGE = _T + "timestamp", _T + "merge"

_constructor = SafeConstructor()

#: Integers with more digits than this are refused with netviz's own message (Python refuses
#: to convert them at all; Kubernetes numbers are 64-bit, at most 19 digits).
MAX_INT_DIGITS = min(sys.get_int_max_str_digits() or 4300, 4300)


def describe_char(ch: str) -> str:
    """``U+001B (ESC)``-style name of a character, for messages about bad input."""
    name = unicodedata.name(ch, "")
    if not name:
        names = {0x1B: "ESC", 0x07: "BEL", 0x08: "BACKSPACE", 0x00: "NUL", 0x7F: "DEL"}
        name = names.get(ord(ch), "a control character")
    return f"U+{ord(ch):04X} ({name})"


def control_char_problem(text: str, index: int, ch: str) -> Problem:
    """A located ``control-character`` problem for the character at ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Problem(
        "control-character",
        f"a control character {describe_char(ch)} at line {line}, column {column} is not "
        "allowed in YAML or JSON text (write it escaped inside a double-quoted string, e.g. "
        f'"\\u{ord(ch):04x}")',
        line,
        column,
    )


def _int_too_long(digits: int, line: int | None, column: int | None) -> Problem:
    return Problem(
        "integer-too-long",
        f"a number with {digits:,} digits is too long (Kubernetes numbers are 64-bit, at most "
        "19 digits)",
        line,
        column,
    )


@dataclass
class Problem:
    """A problem found while parsing: ``line``/``column`` are 1-based in the whole file."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class ParsedDoc:
    """One document of a file. ``data`` is None when the document is empty or failed."""

    doc: int  # 1-based
    start_line: int  # 1-based, first line of the chunk (the ``---`` line if there is one)
    end_line: int  # 1-based, inclusive
    start_offset: int  # character offsets of the chunk in the text
    end_offset: int
    data: Any = None
    error: Problem | None = None  # set: the document could not be read at all
    warnings: list[Problem] = field(default_factory=list)
    locator: Locator | None = None
    empty: bool = False

    @property
    def content_line(self) -> int:
        """Line of the document's first value (e.g. ``apiVersion:``), else ``start_line``."""
        if self.locator is not None:
            found = self.locator.find(())
            if found is not None:
                return found[0]
        return self.start_line


class Locator:
    """Finds the line of a field path like ``("spec", "ingress", 0, "from")`` in a document.

    ``node`` is the composed tree (or a callable that composes it on first use, for JSON);
    ``line_base`` is the 0-based line in the file where the node's text starts.
    """

    def __init__(self, node: Node | Callable[[], Node | None] | None, line_base: int) -> None:
        self._node = node
        self._line_base = line_base

    @property
    def is_lazy(self) -> bool:
        """True while the tree has not been composed (JSON documents)."""
        return callable(self._node) and not isinstance(self._node, Node)

    @property
    def node(self) -> Node | None:
        if callable(self._node) and not isinstance(self._node, Node):
            try:
                self._node = self._node()
            except (yaml.YAMLError, RecursionError, ValueError):
                self._node = None
        return self._node

    def sub(self, path: Sequence[str | int]) -> Locator:
        """A locator rooted at ``path`` (for the items of a List); stays lazy if this one is."""
        if self.is_lazy:
            return Locator(lambda: self._walk(path)[0], self._line_base)
        return Locator(self._walk(path)[0], self._line_base)

    def _walk(self, path: Sequence[str | int]) -> tuple[Node | None, Node | None]:
        """(node at path or the deepest one found, the key node that led to it if any)."""
        node = self.node
        key_node: Node | None = None
        if node is None:
            return None, None
        for step in path:
            nxt: Node | None = None
            nkey: Node | None = None
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == str(step):
                        nxt, nkey = v, k
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    nxt = node.value[step]
            if nxt is None:
                return node, key_node
            node, key_node = nxt, nkey
        return node, key_node

    def find(self, path: Sequence[str | int]) -> tuple[int, int] | None:
        """(line, column), 1-based, of the field at ``path`` (its key when it is a mapping
        entry, else the value), or of the deepest part of the path that exists."""
        node, key = self._walk(path)
        if node is None:
            return None
        mark = (key if key is not None else node).start_mark
        return mark.line + self._line_base + 1, mark.column + 1

    def end_line(self) -> int | None:
        node = self.node
        if node is None:
            return None
        mark = node.end_mark
        # the end mark sits after the last character; at column 0 that is the next line
        return mark.line + self._line_base + (1 if mark.column > 0 else 0)


# --------------------------------------------------------------------------- splitting


@dataclass
class _Chunk:
    start: int
    end: int
    line: int  # 1-based line of ``start``


def split_chunks(text: str) -> list[_Chunk]:
    """Cut ``text`` at every ``---`` line. Offsets cover the whole text without gaps."""
    starts = [m.start() for m in _DOC_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks: list[_Chunk] = []
    line = 1
    prev = 0
    for i, start in enumerate(starts):
        line += text.count("\n", prev, start)
        prev = start
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunks.append(_Chunk(start, end, line))
    # join a chunk made only of directives (``%YAML 1.1``) to the document it introduces
    out: list[_Chunk] = []
    pending: _Chunk | None = None
    for c in chunks:
        if pending is not None:
            c = _Chunk(pending.start, c.end, pending.line)
            pending = None
        body = text[c.start : c.end]
        if "%" in body and _only_directives(body):
            pending = c
            continue
        out.append(c)
    if pending is not None:
        out.append(pending)
    return out


def _only_directives(body: str) -> bool:
    seen = False
    for raw in body.splitlines():
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if not s.startswith("%"):
            return False
        seen = True
    return seen


def _has_content(body: str) -> bool:
    for raw in body.splitlines():
        s = raw.strip()
        if s and not s.startswith("#"):
            return True
    return False


# --------------------------------------------------------------------------- building


class _BuildError(Exception):
    def __init__(self, code: str, message: str, node: Node) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node


def _build(node: Node, warnings: list[tuple[str, str, Node]]) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP:
        pairs = node.value
        for k, _ in pairs:
            if k.tag == _MERGE:
                _constructor.flatten_mapping(node)  # type: ignore[arg-type]
                pairs = node.value
                break
        out: dict[Any, Any] = {}
        for k, v in pairs:
            # string keys and string values are nearly all of a manifest: no call for them
            key = k.value if k.tag == _STR else _build(k, warnings)
            try:
                dup = key in out
            except TypeError:
                raise _BuildError(
                    "yaml-bad-key",
                    "a mapping key is a list or a mapping; keys must be plain values",
                    k,
                ) from None
            if dup:
                warnings.append(
                    (
                        "duplicate-key",
                        f'key "{key}" appears twice in the same mapping; the last value is used '
                        "(kubectl refuses such a document)",
                        k,
                    )
                )
            out[key] = v.value if v.tag == _STR else _build(v, warnings)
        return out
    if tag == _SEQ:
        return [_build(v, warnings) for v in node.value]
    if tag == _INT:
        if len(node.value) > MAX_INT_DIGITS:
            digits = sum(ch.isdigit() for ch in node.value)
            raise _BuildError("integer-too-long", _int_too_long(digits, None, None).message, node)
        return _constructor.construct_yaml_int(node)  # type: ignore[arg-type]
    if tag == _BOOL:
        return _constructor.construct_yaml_bool(node)  # type: ignore[arg-type]
    if tag == _NULL:
        return None
    if tag == _FLOAT:
        return _constructor.construct_yaml_float(node)  # type: ignore[arg-type]
    if tag == _TIMESTAMP:
        return node.value
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        tag = str(node.tag).replace(_T, "!!")
        raise _BuildError(
            "yaml-bad-tag", f"the YAML tag {tag} is not allowed in a manifest ({exc.problem})", node
        ) from None


def _expansion(root: Node) -> int | None:
    """Nodes that aliases add when the tree is expanded; None when aliases form a cycle.

    Linear in the number of *distinct* nodes: sizes of shared nodes are memoised."""
    memo: dict[int, int] = {}
    distinct = 0
    onpath: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            onpath.discard(nid)
            if isinstance(node, SequenceNode):
                memo[nid] = 1 + sum(memo[id(c)] for c in node.value)
            else:
                memo[nid] = 1 + sum(memo[id(k)] + memo[id(v)] for k, v in node.value)
            continue
        if nid in memo:
            continue
        if nid in onpath:
            return None
        distinct += 1
        if isinstance(node, ScalarNode):
            memo[nid] = 1
            continue
        onpath.add(nid)
        stack.append((node, True))
        if isinstance(node, SequenceNode):
            stack.extend((c, False) for c in node.value)
        else:
            for k, v in node.value:
                stack.append((k, False))
                stack.append((v, False))
    return memo[id(root)] - distinct


def _node_value(node: Node, line_base: int, doc: ParsedDoc) -> None:
    """Check ``node`` and build ``doc.data`` from it (or set ``doc.error``)."""
    warnings: list[tuple[str, str, Node]] = []
    try:
        data = _build(node, warnings)
    except _BuildError as exc:
        doc.error = Problem(
            exc.code,
            exc.message,
            exc.node.start_mark.line + line_base + 1,
            exc.node.start_mark.column + 1,
        )
        return
    except RecursionError:
        doc.error = Problem("yaml-too-deep", "the document is nested too deeply to be read")
        return
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        doc.error = Problem("yaml-syntax", f"cannot read a value: {exc}")
        return
    doc.data = data
    for code, message, n in warnings:
        doc.warnings.append(
            Problem(code, message, n.start_mark.line + line_base + 1, n.start_mark.column + 1)
        )


def _check_aliases(node: Node, may_alias: bool, line_base: int) -> Problem | None:
    if not may_alias:
        return None  # no anchor or no alias in the document's text: nothing can expand
    extra = _expansion(node)
    if extra is None:
        return Problem(
            "yaml-alias-bomb",
            "an alias refers to a node that contains it (a cycle)",
            node.start_mark.line + line_base + 1,
        )
    if extra > MAX_ALIAS_EXPANSION:
        return Problem(
            "yaml-alias-bomb",
            f"aliases (*name) would expand this document by {extra:,} nodes, more than the "
            f'limit of {MAX_ALIAS_EXPANSION:,} (a "billion laughs" document?); it was not read',
            node.start_mark.line + line_base + 1,
        )
    return None


def _yaml_problem(exc: yaml.YAMLError, line_base: int, body: str = "", offset: int = 0,
                  text: str = "") -> Problem:
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.position, int):
        # libyaml's reader reports a character position in the chunk, no line: locate it in
        # the whole text and say it in netviz's words
        index = offset + exc.position
        whole = text or body
        if 0 <= index < len(whole):
            return control_char_problem(whole, index, whole[index])
        ch = chr(exc.character) if isinstance(exc.character, int) else "?"
        return Problem("control-character", f"a control character {describe_char(ch)} is not "
                       "allowed in YAML or JSON text")
    mark = None
    problem: object = None
    context: object = None
    if isinstance(exc, yaml.MarkedYAMLError):  # every error of PyYAML's scanner and parser
        mark = exc.problem_mark or exc.context_mark
        problem, context = exc.problem, exc.context
    problem = problem or str(exc)
    line = col = None
    if mark is not None:
        line, col = mark.line + line_base + 1, mark.column + 1
    msg = f"YAML syntax error: {problem}"
    if context:
        msg += f" ({context})"
    if "exceeded maximum nesting depth" in str(problem):
        return Problem("yaml-too-deep", "the document is nested too deeply to be read", line, col)
    return Problem("yaml-syntax", msg, line, col)


# --------------------------------------------------------------------------- parsing


def _end_line(text: str, c: _Chunk) -> int:
    n = text.count("\n", c.start, c.end)
    if c.end > c.start and text[c.end - 1] == "\n":
        n -= 1
    return c.line + max(n, 0)


def parse_yaml(text: str) -> Iterator[ParsedDoc]:
    """Documents of a YAML text, numbered as YAML numbers them (1-based).

    The whole text is composed in one pass of the loader first (one parser instead of one per
    document: a quarter less time on big multi-document files), and each composed document is
    matched to its chunk (same count, each node inside its chunk's lines). Where that pass
    stops at an error, the chunks from the failing one on are parsed one by one as before, so
    errors stay per document with the same file, document and line; where the documents do not
    match the chunks one to one (``...`` markers), every chunk is parsed alone."""
    chunks = split_chunks(text)
    first = 0
    if chunks and not _has_content(text[chunks[0].start : chunks[0].end]):
        first = 1  # comments before the first ``---`` are no document
    nodes, resume = _compose_whole(text, chunks, first)
    number = 0
    for i in range(first, resume):
        c = chunks[i]
        number += 1
        doc = ParsedDoc(number, c.line, _end_line(text, c), c.start, c.end)
        _fill(doc, nodes[i - first], 0, _may_alias(text, c.start, c.end))
        yield doc
    yield from _parse_chunks(text, chunks, resume, number)


def _may_alias(text: str, start: int, end: int) -> bool:
    """False when the text has no anchor or no alias: then nothing can expand."""
    return text.find("&", start, end) >= 0 and text.find("*", start, end) >= 0


def _compose_whole(text: str, chunks: list[_Chunk], first: int) -> tuple[list[Node | None], int]:
    """Nodes of chunks ``first..resume-1`` composed in one pass, and ``resume``: the chunk from
    which the caller parses chunk by chunk (``len(chunks)`` when the pass read everything)."""
    # 0-based first line of each chunk, for matching nodes to chunks
    starts = [c.line - 1 for c in chunks] + [text.count("\n") + 1]
    nodes: list[Node | None] = []
    stop: int | None = None  # a chunk at or after which the pass failed
    loader = _FastLoader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
                if mark is None:
                    return [], first
                stop = bisect.bisect_right(starts, mark.line, 0, len(chunks)) - 1
                break
            except RecursionError:
                return [], first
            i = first + len(nodes)
            if i >= len(chunks):
                return [], first  # more documents than chunks
            if node is not None:
                lo, hi = starts[i], starts[i + 1]
                end = node.end_mark
                if not (
                    lo <= node.start_mark.line < hi
                    and (end.line < hi or (end.line == hi and end.column == 0))
                ):
                    return [], first  # not one document per chunk (``...`` markers)
            nodes.append(node)
    finally:
        loader.dispose()
    if stop is None:
        if first + len(nodes) != len(chunks):
            return [], first
        return nodes, len(chunks)
    # keep the documents of the chunks before the one where the pass failed
    resume = max(first, min(stop, first + len(nodes)))
    return nodes[: resume - first], resume


def _fill(doc: ParsedDoc, node: Node | None, line_base: int, may_alias: bool) -> None:
    """Check ``node`` and build the document's value from it."""
    if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL and not node.value):
        doc.empty = True
        return
    doc.locator = Locator(node, line_base)
    problem = _check_aliases(node, may_alias, line_base)
    if problem is not None:
        doc.error = problem
    else:
        _node_value(node, line_base, doc)


def _parse_chunks(text: str, chunks: list[_Chunk], start: int, number: int) -> Iterator[ParsedDoc]:
    """Documents of ``chunks[start:]``, each chunk parsed alone, numbered after ``number``."""
    for i in range(start, len(chunks)):
        c = chunks[i]
        body = text[c.start : c.end]
        end_line = _end_line(text, c)
        if i == 0 and not _has_content(body):
            continue  # comments before the first ``---`` are no document
        line_base = c.line - 1
        loader = _FastLoader(body)
        produced = 0
        try:
            while True:
                try:
                    if not loader.check_node():
                        break
                    node = loader.get_node()
                except yaml.YAMLError as exc:
                    number += 1
                    produced += 1
                    yield ParsedDoc(
                        number,
                        c.line,
                        end_line,
                        c.start,
                        c.end,
                        error=_yaml_problem(exc, line_base, body, c.start, text),
                    )
                    break
                except RecursionError:
                    number += 1
                    produced += 1
                    yield ParsedDoc(
                        number,
                        c.line,
                        end_line,
                        c.start,
                        c.end,
                        error=Problem(
                            "yaml-too-deep", "the document is nested too deeply to be read", c.line
                        ),
                    )
                    break
                number += 1
                produced += 1
                doc = ParsedDoc(number, c.line, end_line, c.start, c.end)
                _fill(doc, node, line_base, _may_alias(body, 0, len(body)))
                yield doc
        finally:
            loader.dispose()
        if produced == 0 and i > 0:  # pragma: no cover - a chunk after ``---`` is a document
            number += 1
            yield ParsedDoc(number, c.line, end_line, c.start, c.end, empty=True)


def looks_like_json(text: str) -> bool:
    s = text.lstrip()
    return s[:1] in ("{", "[")


class _LongInt(ValueError):
    def __init__(self, digits: str) -> None:
        super().__init__(digits[:20])
        self.digits = digits


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS:
        raise _LongInt(digits)
    return int(digits)


def parse_json(text: str) -> list[ParsedDoc] | Problem:
    """Documents of a JSON text (one or more JSON values one after another), or the Problem
    that stopped reading."""
    decoder = json.JSONDecoder(parse_int=_parse_int)
    docs: list[ParsedDoc] = []
    n = len(text)
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end()  # type: ignore[union-attr]
    line = 1 + text.count("\n", 0, pos)
    while pos < n:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if exc.msg.startswith("Invalid control character") and 0 <= exc.pos < n:
                return control_char_problem(text, exc.pos, text[exc.pos])
            return Problem("json-syntax", f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno)
        except _LongInt as exc:
            # the hook has no position: find the run of digits (the first one that long)
            found = re.search(rf"-?\d{{{MAX_INT_DIGITS + 1},}}", text[pos:])
            at_line: int | None = None
            at_col: int | None = None
            if found is not None:
                at = pos + found.start()
                at_line = text.count("\n", 0, at) + 1
                at_col = at - (text.rfind("\n", 0, at) + 1) + 1
            return _int_too_long(len(exc.digits.lstrip("-")), at_line, at_col)
        except ValueError as exc:  # any other conversion Python refuses: never a traceback
            return Problem("json-syntax", f"JSON value cannot be read: {str(exc)[:100]}", line)
        except RecursionError:
            return Problem("yaml-too-deep", "the document is nested too deeply to be read", line)
        start_line = line
        end_line = start_line + text.count("\n", pos, end)
        nxt = ws.match(text, end).end()  # type: ignore[union-attr]
        doc = ParsedDoc(len(docs) + 1, start_line, end_line, pos, nxt, data=value)
        doc.locator = Locator(_lazy_compose(text[pos:end]), start_line - 1)
        docs.append(doc)
        line = end_line + text.count("\n", end, nxt)
        pos = nxt
    return docs


def _lazy_compose(body: str) -> Callable[[], Node | None]:
    def compose() -> Node | None:
        loader = _FastLoader(body)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()

    return compose


def parse_text(text: str, *, prefer_json: bool = False) -> list[ParsedDoc]:
    """All documents of ``text``. JSON-looking text is read as JSON first; when that fails it
    is read as YAML (flow-style YAML looks like JSON), unless ``prefer_json`` (a ``.json`` file)
    asks for the JSON error to be reported."""
    if looks_like_json(text):
        got = parse_json(text)
        if isinstance(got, list):
            return got
        if prefer_json:
            return [
                ParsedDoc(
                    1,
                    1,
                    max(1, text.count("\n") + (0 if text.endswith("\n") else 1)),
                    0,
                    len(text),
                    error=got,
                )
            ]
    return list(parse_yaml(text))

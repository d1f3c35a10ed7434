"""The validation context every converter shares: ``Ctx`` (diagnostics of one object, located
by field path), typed field access, and the label and selector readers that Kubernetes objects
of every kind use the same way (NetworkPolicy, Service, and the cluster-scoped policies of
``netviz.io.anp``).

Kept apart from ``netviz.io.convert`` so that the converters of other kinds use it without an
import cycle. Rules: no I/O; every problem is a located ``Diagnostic``; a wrong value is
reported once and returned as ``BAD``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from netviz.io.syntax import label_value_error, qualified_name_error
from netviz.model import LabelSelector, Requirement, Source
from netviz.model.diagnostics import Diagnostic, Severity

Path = tuple[str | int, ...]
Locate = Callable[[Sequence[str | int]], "tuple[int, int] | None"]
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def object_ref(kind: str, namespace: str | None, name: str | None) -> str:
    nm = name if name else "<no name>"
    return f"{kind} {namespace}/{nm}" if namespace else f"{kind} {nm}"


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else p
    return out


def describe(value: Any) -> str:
    """How a value of the wrong type is named in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        v = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{v}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Bad:
    """Marks a field whose value was wrong (already reported)."""

    def __bool__(self) -> bool:
        return False


BAD = _Bad()

_WANT_NAMES = {dict: "a mapping", list: "a list", str: "a string", int: "an integer"}


class Ctx:
    """Collects the diagnostics of one object."""

    def __init__(
        self, source: Source, ref: str | None, locate: Locate | None, part_sources: bool = True
    ) -> None:
        self.source = source
        self.ref = ref
        self.locate = locate
        self.part_sources = part_sources
        self.diags: list[Diagnostic] = []
        self.errors = 0

    def where(self, path: Sequence[str | int]) -> tuple[int, int | None]:
        if self.locate is not None and path:  # the object itself: source.line says it
            try:
                got = self.locate(path)
            except Exception:  # a locator must never break loading
                got = None
            if got is not None:
                return got
        return self.source.line, None

    def add(self, severity: Severity, code: str, path: Sequence[str | int], message: str) -> None:
        if severity is Severity.ERROR:
            self.errors += 1
        line, col = self.where(path)
        text = f"{format_path(path)}: {message}" if path else message
        self.diags.append(
            Diagnostic(
                severity=severity,
                message=text,
                file=self.source.file,
                doc=self.source.doc,
                line=line,
                column=col,
                object_ref=self.ref,
                code=code,
            )
        )

    def error(self, code: str, path: Sequence[str | int], message: str) -> None:
        self.add(Severity.ERROR, code, path, message)

    def warning(self, code: str, path: Sequence[str | int], message: str) -> None:
        self.add(Severity.WARNING, code, path, message)

    def info(self, code: str, path: Sequence[str | int], message: str) -> None:
        self.add(Severity.INFO, code, path, message)

    def src(self, path: Sequence[str | int]) -> Source:
        if self.locate is None or not self.part_sources:
            return self.source
        line, _ = self.where(path)
        return Source(self.source.file, self.source.doc, line)

    # ---- typed access

    def typed(self, value: Any, want: type, path: Path) -> Any:
        """``value`` if it is of type ``want`` (or None), else report and return BAD."""
        if value is None:
            return None
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is bool:
            ok = isinstance(value, bool)
        if ok:
            return value
        want_name = "true or false" if want is bool else _WANT_NAMES[want]
        hint = ""
        if want is list and isinstance(value, str | int | dict):
            hint = " (write it as a list: one item per line starting with '- ')"
        elif want is int and isinstance(value, str) and value.strip().isdigit():
            hint = f" (write {value.strip()} without quotes)"
        elif want is str and isinstance(value, int | float | bool):
            hint = ' (quote it: "..." )'
        self.error("wrong-type", path, f"expected {want_name}, got {describe(value)}{hint}")
        return BAD

    def field(self, obj: dict[str, Any], key: str, want: type, path: Path) -> Any:
        return self.typed(obj.get(key), want, (*path, key))

    def unknown_fields(self, obj: dict[str, Any], allowed: Sequence[str], path: Path) -> None:
        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.error(
                    "unknown-field",
                    (*path, str(key)),
                    f"unknown field{hint}; the API server refuses it (allowed: {', '.join(allowed)})",
                )


# --------------------------------------------------------------------------- pieces


def read_labels(ctx: Ctx, value: Any, path: Path, *, strict: bool) -> dict[str, str] | _Bad:
    """A label map. Wrong types are ERRORs; syntax problems are WARNINGs for object labels and
    ERRORs in selectors (``strict``), where the API server's refusal changes what matches."""
    value = ctx.typed(value, dict, path)
    if value is BAD:
        return BAD
    out: dict[str, str] = {}
    if not value:
        return out
    bad = False
    for k, v in value.items():
        if not isinstance(k, str):
            ctx.error(
                "wrong-type", (*path, str(k)), f"a label key must be a string, got {describe(k)}"
            )
            bad = True
            continue
        if v is None:
            ctx.warning(
                "label-null-value",
                (*path, k),
                "the label value is empty (null); it is read as the empty string",
            )
            v = ""
        elif not isinstance(v, str):
            hint = f' (write "{_yaml_scalar(v)}" in quotes)' if isinstance(v, int | float) else ""
            ctx.error(
                "wrong-type",
                (*path, k),
                f"a label value must be a string, got {describe(v)}{hint}",
            )
            bad = True
            continue
        kerr = qualified_name_error(k)
        verr = label_value_error(v)
        for err, what in ((kerr, f"label key {k!r}"), (verr, f"label value {v!r}")):
            if err:
                msg = f"{what} is not valid: {err}"
                if strict:
                    ctx.error("invalid-label", (*path, k), msg)
                    bad = True
                else:
                    ctx.warning("invalid-label", (*path, k), msg)
        out[k] = v
    return BAD if bad else out


def _yaml_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def read_selector(ctx: Ctx, value: Any, path: Path) -> LabelSelector | None | _Bad:
    value = ctx.typed(value, dict, path)
    if value is None or value is BAD:
        return value
    ctx.unknown_fields(value, ("matchLabels", "matchExpressions"), path)
    labels = read_labels(ctx, value.get("matchLabels"), (*path, "matchLabels"), strict=True)
    exprs_raw = ctx.field(value, "matchExpressions", list, path)
    reqs: list[Requirement] = []
    bad = labels is BAD or exprs_raw is BAD
    for i, e in enumerate(exprs_raw or ()):
        ep = (*path, "matchExpressions", i)
        e = ctx.typed(e, dict, ep)
        if e is None:
            ctx.error("wrong-type", ep, "expected a mapping with key, operator and values")
            bad = True
            continue
        if e is BAD:
            bad = True
            continue
        ctx.unknown_fields(e, ("key", "operator", "values"), ep)
        key = ctx.field(e, "key", str, ep)
        op = ctx.field(e, "operator", str, ep)
        vals = ctx.field(e, "values", list, ep)
        if key is BAD or op is BAD or vals is BAD:
            bad = True
            continue
        if key is None:
            ctx.error("missing-field", ep, "key is missing")
            bad = True
        elif err := qualified_name_error(key):
            ctx.error("invalid-label", (*ep, "key"), f"{key!r} is not a valid label key: {err}")
            bad = True
        if op is None:
            ctx.error(
                "missing-field", ep, "operator is missing (use In, NotIn, Exists or DoesNotExist)"
            )
            bad = True
            continue
        if op not in OPERATORS:
            close = [o for o in OPERATORS if o.lower() == op.lower()]
            hint = f"; operators are case-sensitive: {close[0]}" if close else ""
            ctx.error(
                "bad-selector-operator",
                (*ep, "operator"),
                f'"{op}" is not a valid operator (use In, NotIn, Exists or DoesNotExist){hint}',
            )
            bad = True
            continue
        values: list[str] = []
        for j, v in enumerate(vals or ()):
            if not isinstance(v, str):
                ctx.error(
                    "wrong-type",
                    (*ep, "values", j),
                    f"a value must be a string, got {describe(v)}"
                    + (f' (write "{_yaml_scalar(v)}" in quotes)' if v is not None else ""),
                )
                bad = True
                continue
            if err := label_value_error(v):
                ctx.error("invalid-label", (*ep, "values", j), f"{v!r} is not valid: {err}")
                bad = True
            values.append(v)
        if op in ("In", "NotIn") and not vals:
            ctx.error(
                "selector-values-required",
                (*ep, "values") if "values" in e else ep,
                f"operator {op} needs at least one value in values",
            )
            bad = True
        if op in ("Exists", "DoesNotExist") and vals:
            ctx.error(
                "selector-values-forbidden",
                (*ep, "values"),
                f"operator {op} must not have values (remove values, or use In/NotIn)",
            )
            bad = True
        if key is not None:
            reqs.append(Requirement(key, op, tuple(values)))
    if bad:
        return BAD
    assert isinstance(labels, dict)
    return LabelSelector(tuple(sorted(labels.items())), tuple(reqs))


__all__ = [
    "BAD",
    "OPERATORS",
    "Ctx",
    "Locate",
    "Path",
    "describe",
    "format_path",
    "read_labels",
    "object_ref",
    "read_selector",
]

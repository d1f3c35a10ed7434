"""The GUI's ``parse_policy`` for ``netviz.viewmodel.editing``: the loader's own checks.

Qt-free on purpose (the benchmark and the non-GUI tests use it). One editor holds one policy
(a NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy):
the text goes through ``netviz.io.manifests.load_text`` — the same splitter, safe YAML parser,
alias/depth limits and ``convert_object`` validation as loading files — so the messages and
codes are exactly the loader's, with lines counted from the top of the editor. Anything other
than exactly one policy document is an error.

``make_session(result, ...)`` builds the app's ``EditSession`` over a ``LoadResult``: policy
texts cut from the files exactly as ``netviz.io.save`` splices them back.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import Connection
from netviz.io.appfiles import JsonFile, autosave_path
from netviz.io.manifests import load_text
from netviz.model import ClusterPolicy, NetworkPolicy
from netviz.model.cluster_policy import CLUSTER_POLICY_KINDS
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.loaded import DocumentRecord, LoadResult
from netviz.viewmodel.editing import Baseline, EditSession

EDITOR_NAME = "<editor>"


POLICY_KINDS = ("NetworkPolicy", *CLUSTER_POLICY_KINDS)


def parse_policy(text: str, origin: tuple[str, int] | None = None
                 ) -> tuple[NetworkPolicy | ClusterPolicy | None, list[Diagnostic]]:
    """``(policy, diagnostics)``; policy is None when there is any error. Diagnostic lines
    are 1-based lines of ``text``. ``origin`` (file, document) only names the text."""
    result = load_text(text, EDITOR_NAME)
    diags = list(result.diagnostics)
    docs = [r for r in result.documents if r.kind is not None or r.name is not None]
    policies: list[NetworkPolicy | ClusterPolicy] = [
        *result.cluster.policies, *result.cluster.cluster_policies]
    if any(d.severity is Severity.ERROR for d in diags):
        return None, diags
    if not text.strip():
        return None, [Diagnostic(Severity.ERROR, "the policy is empty", EDITOR_NAME, 1, 1,
                                 None, None, "empty-policy")]
    if len(docs) > 1:
        second = docs[1]
        return None, [*diags, Diagnostic(
            Severity.ERROR,
            "one editor holds one policy: this text has several documents (add the "
            "others as new policies)", EDITOR_NAME, second.doc, second.start_line, None, None,
            "several-documents")]
    if len(policies) != 1 or (docs and docs[0].kind not in POLICY_KINDS):
        kind = docs[0].kind if docs else None
        return None, [*diags, Diagnostic(
            Severity.ERROR,
            f"expected a policy (kind: {', '.join(POLICY_KINDS)}), found {kind or 'no kind'}",
            EDITOR_NAME, 1, 1, None, None, "not-a-policy")]
    return policies[0], diags


# --------------------------------------------------------------------------- baseline


def read_decoded(path: str) -> str | None:
    """A file's text as the loader decoded it (BOM dropped), or None when unreadable."""
    if path.startswith("<"):
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    enc = "utf-8"
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            enc = codec
            break
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    return text[1:] if text.startswith("\ufeff") else text


def baseline_from_result(result: LoadResult, analyzer: Analyzer | None = None,
                         connections: list[Connection] | None = None,
                         inputs: Sequence[str] = (), options: Options | None = None) -> Baseline:
    """The editing baseline of a ``LoadResult``: each policy's document text as
    ``netviz.io.save.document_text`` cuts it (what a save replaces)."""
    from netviz.io.save import document_text

    cache: dict[str, str | None] = {}

    def doc_text(rec: DocumentRecord) -> str | None:
        if rec.file not in cache:
            cache[rec.file] = read_decoded(rec.file)
        text = cache[rec.file]
        return None if text is None else document_text(text, rec)

    return Baseline.from_result(result, analyzer, connections, doc_text, inputs, options)


def make_session(result: LoadResult, analyzer: Analyzer | None = None,
                 connections: list[Connection] | None = None, inputs: Sequence[str] = (),
                 options: Options | None = None, autosave: bool = True) -> EditSession:
    """An ``EditSession`` over a ``LoadResult`` with this module's ``parse_policy`` and the
    autosave file of ``inputs`` (none without inputs or with ``autosave=False``)."""
    base = baseline_from_result(result, analyzer, connections, inputs, options)
    store = JsonFile(autosave_path(inputs)) if inputs and autosave else None
    return EditSession(base, parse_policy, autosave=store)

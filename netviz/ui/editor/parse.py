"""The GUI's ``parse_policy`` for ``netviz.viewmodel.editing``: the loader's own checks.

Qt-free on purpose (the benchmark and the non-GUI tests use it). One editor holds one
NetworkPolicy: the text goes through ``netviz.io.manifests.load_text`` — the same splitter,
safe YAML parser, alias/depth limits and ``convert_object`` validation as loading files — so
the messages and codes are exactly the loader's, with lines counted from the top of the
editor. Anything other than exactly one NetworkPolicy document is an error.
"""

from __future__ import annotations

from netviz.io.manifests import load_text
from netviz.model import NetworkPolicy
from netviz.model.diagnostics import Diagnostic, Severity

EDITOR_NAME = "<editor>"


def parse_policy(text: str, origin: tuple[str, int] | None = None
                 ) -> tuple[NetworkPolicy | None, list[Diagnostic]]:
    """``(policy, diagnostics)``; policy is None when there is any error. Diagnostic lines
    are 1-based lines of ``text``. ``origin`` (file, document) only names the text."""
    result = load_text(text, EDITOR_NAME)
    diags = list(result.diagnostics)
    docs = [r for r in result.documents if r.kind is not None or r.name is not None]
    policies = result.cluster.policies
    if any(d.severity is Severity.ERROR for d in diags):
        return None, diags
    if not text.strip():
        return None, [Diagnostic(Severity.ERROR, "the policy is empty", EDITOR_NAME, 1, 1,
                                 None, None, "empty-policy")]
    if len(docs) > 1:
        second = docs[1]
        return None, [*diags, Diagnostic(
            Severity.ERROR,
            "one editor holds one NetworkPolicy: this text has several documents (add the "
            "others as new policies)", EDITOR_NAME, second.doc, second.start_line, None, None,
            "several-documents")]
    if len(policies) != 1 or (docs and docs[0].kind != "NetworkPolicy"):
        kind = docs[0].kind if docs else None
        return None, [*diags, Diagnostic(
            Severity.ERROR,
            f"expected a NetworkPolicy (kind: NetworkPolicy), found {kind or 'no kind'}",
            EDITOR_NAME, 1, 1, None, None, "not-a-policy")]
    return policies[0], diags

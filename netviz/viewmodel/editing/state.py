"""The data of a what-if editing session: what was loaded and immutable edited states.

Rules this module keeps:
- Plain data and pure functions; no evaluation, no I/O.
- ``EditState`` is an immutable snapshot: ``PolicyEntry`` per policy (stable ``id``, current
  ``text``, the last ``policy`` that text parsed to, ``valid``, the loader's ``diagnostics``,
  ``enabled``, ``deleted``, ``origin`` (file, document) and the text it was loaded with) and
  label overrides ``{target: {key: value | None}}`` where a target is ``("namespace", name)``
  or ``("workload", "ns/name[Kind]")`` and None removes the label. Snapshots are never
  mutated, so the undo history can keep them as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from netviz.engine import Analyzer, Options
from netviz.engine import connlist as _connlist
from netviz.engine.connlist import Connection
from netviz.model import Cluster, ClusterPolicy, NetworkPolicy, Rule
from netviz.model.cluster_policy import CLUSTER_POLICY_KINDS, ClusterRule
from netviz.model.diagnostics import Diagnostic
from netviz.model.loaded import DocumentRecord, FileStamp, LoadResult

#: a policy the session edits: a NetworkPolicy or a cluster-scoped one (AdminNetworkPolicy,
#: BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
Policy = NetworkPolicy | ClusterPolicy
ParsePolicy = Callable[[str, "tuple[str, int] | None"],
                       "tuple[Policy | None, list[Diagnostic]]"]
#: document kinds whose text the session edits
EDITED_KINDS = ("NetworkPolicy", *CLUSTER_POLICY_KINDS)
Origin = tuple[str, int]
LabelTarget = tuple[str, str]  # ("namespace", name) | ("workload", "ns/name[Kind]")
Labels = Mapping[LabelTarget, Mapping[str, str | None]]

_NAME_LINE = re.compile(r"^(\s+)name:\s*(\S.*?)\s*$")


class EditError(Exception):
    """A command that cannot be done, with a message for users."""


@dataclass
class Baseline:
    """What was loaded. ``documents`` say where each document is in its file; ``doc_texts``
    maps (file, document) to the text an edit of that document replaces
    (``netviz.io.save.document_text``: the body without its ``---`` line); ``stamps`` are the
    files as they were read (saving refuses to overwrite a file changed since). All may be
    empty: policies then get a generated text and cannot be written back in place."""

    cluster: Cluster
    analyzer: Analyzer
    connections: list[Connection]
    documents: Sequence[DocumentRecord] = ()
    doc_texts: Mapping[Origin, str] = field(default_factory=dict)
    files: Sequence[str] = ()
    #: the inputs as the user named them (files/folders): the autosave key
    inputs: Sequence[str] = ()
    stamps: Mapping[str, FileStamp] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: LoadResult, analyzer: Analyzer | None = None,
                    connections: list[Connection] | None = None,
                    document_text: Callable[[DocumentRecord], str | None] | None = None,
                    inputs: Sequence[str] = (), options: Options | None = None) -> Baseline:
        """From what was loaded. ``document_text(record)`` returns the editable text of a
        document (None when it cannot be read: stdin, snapshots)."""
        cluster = result.cluster
        an = analyzer or Analyzer(cluster, options)
        conns = connections if connections is not None else _connlist.connlist(an)
        documents = list(result.documents)
        doc_texts: dict[Origin, str] = {}
        if document_text is not None:
            sources = [p.source for p in cluster.policies]
            sources += [p.source for p in cluster.cluster_policies]
            wanted = {(src.file, src.doc) for src in sources if src is not None}
            for rec in documents:
                if (rec.file, rec.doc) in wanted and rec.kind in EDITED_KINDS:
                    t = document_text(rec)
                    if t is not None:
                        doc_texts[(rec.file, rec.doc)] = t
        return cls(cluster, an, list(conns), documents, doc_texts, list(result.files),
                   list(inputs), dict(result.stamps))


@dataclass(frozen=True)
class PolicyEntry:
    id: str
    text: str
    #: the last valid parse of ``text`` (what is evaluated); None when it never parsed
    policy: Policy | None
    valid: bool = True
    diagnostics: tuple[Diagnostic, ...] = ()
    enabled: bool = True
    deleted: bool = False
    #: (file, 1-based document) it was loaded from; None for a new policy
    origin: Origin | None = None
    #: the document holds exactly this policy, so it can be rewritten in place
    in_place: bool = False
    #: text when loaded (None: new)
    baseline_text: str | None = None

    @property
    def key(self) -> str:
        return self.policy.key if self.policy is not None else "(new policy)"

    @property
    def is_new(self) -> bool:
        return self.origin is None

    @property
    def modified(self) -> bool:
        return self.baseline_text is None or self.text != self.baseline_text

    @property
    def live(self) -> bool:
        """Evaluated: enabled, not deleted, parsed at least once."""
        return self.enabled and not self.deleted and self.policy is not None

    @property
    def changed(self) -> bool:
        """Differs from what was loaded (what an autosave keeps)."""
        return self.is_new or self.modified or self.deleted or not self.enabled

    @property
    def status(self) -> str:
        """"deleted", "invalid", "disabled", "new", "modified" or "" (as loaded)."""
        if self.deleted:
            return "deleted"
        if not self.valid:
            return "invalid"
        if not self.enabled:
            return "disabled"
        if self.is_new:
            return "new"
        return "modified" if self.modified else ""


@dataclass(frozen=True)
class EditState:
    entries: tuple[PolicyEntry, ...]
    #: target -> {label key: value, or None to remove it}; never mutated
    labels: Labels = field(default_factory=dict)

    def entry(self, id_: str) -> PolicyEntry:
        for e in self.entries:
            if e.id == id_:
                return e
        raise KeyError(id_)

    def policies(self) -> list[NetworkPolicy]:
        """The live NetworkPolicies."""
        return [e.policy for e in self.entries if e.live and isinstance(e.policy, NetworkPolicy)]

    def cluster_policies(self) -> list[ClusterPolicy]:
        """The live cluster policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
        ClusterNetworkPolicy)."""
        return [e.policy for e in self.entries if e.live and isinstance(e.policy, ClusterPolicy)]

    def labels_key(self) -> tuple[Any, ...]:
        return tuple(sorted((t, tuple(sorted(v.items(), key=lambda kv: kv[0])))
                            for t, v in self.labels.items() if v))

    def changed_from_baseline(self) -> bool:
        """Anything differs from what was loaded (policies or labels)."""
        return bool(self.labels_key()) or any(
            e.modified or e.deleted or not e.enabled for e in self.entries)


def rename_in_text(text: str, new_name: str) -> str | None:
    """``text`` with ``metadata.name`` set to ``new_name`` (comments and layout kept), or None
    when the line cannot be found safely."""
    lines = text.split("\n")
    in_meta = False
    meta_indent = 0
    child_indent: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        indent = len(line) - len(line.lstrip(" "))
        if not in_meta:
            if stripped == "metadata:" and indent == 0:
                in_meta, meta_indent = True, indent
            continue
        if indent <= meta_indent:
            return None
        if child_indent is None:
            child_indent = indent
        if indent != child_indent:
            continue
        m = _NAME_LINE.match(line)
        if m:
            lines[i] = f"{m.group(1)}name: {new_name}"
            return "\n".join(lines)
    return None


def _unsourced(policy: Policy) -> Policy:
    if isinstance(policy, ClusterPolicy):
        def crules(rs: tuple[ClusterRule, ...]) -> tuple[ClusterRule, ...]:
            return tuple(replace(r, source=None, peers=tuple(replace(p, source=None)
                                                              for p in r.peers)) for r in rs)

        return replace(policy, source=None, ingress=crules(policy.ingress),
                       egress=crules(policy.egress))

    def rules(rs: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(replace(r, source=None, peers=tuple(replace(p, source=None)
                                                          for p in r.peers)) for r in rs)

    return replace(policy, source=None, ingress=rules(policy.ingress),
                   egress=rules(policy.egress))


def same_policy(a: Policy, b: Policy) -> bool:
    """Equal but for where they were written (``source`` of the policy, rules, peers)."""
    return a is b or _unsourced(a) == _unsourced(b)


def policy_namespace(policy: Policy | None) -> str:
    """The namespace of a NetworkPolicy; "" for a cluster-scoped policy (or none)."""
    return policy.namespace if isinstance(policy, NetworkPolicy) else ""

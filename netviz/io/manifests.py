"""Load Kubernetes manifests (files, folders, stdin, text) into a ``Cluster`` plus diagnostics.

Public API::

    load_paths(paths, *, stdin=None, max_file_bytes=64 MiB, progress=None, cancel=None)
    load_text(text, name="<text>")
    -> LoadResult(cluster, diagnostics, documents, files, snapshot, stamps)

The rules this module keeps
===========================

Inputs
------
- ``paths``: files, folders and ``-`` (stdin). Folders are walked recursively in sorted order;
  only ``*.yaml``, ``*.yml`` and ``*.json`` files are taken (case-insensitive) and hidden files
  and folders (name starting with ``.``) are skipped. A file named explicitly is read whatever
  its extension. A file reached twice (same real path) is read once.
- Text is UTF-8 (a UTF-8 BOM is dropped; UTF-16/32 with a BOM are decoded). A file with NUL
  bytes or invalid UTF-8 is refused (``file-not-text``). ``DocumentRecord`` offsets are
  *character* offsets into that decoded text.
- A file larger than ``max_file_bytes`` (default 64 MiB) is refused before reading
  (``file-too-large``); stdin is read up to that size.
- YAML multi-document files are cut at ``---`` lines and each document is read on its own
  (``netviz.io.yamlsafe``: one pass over the file, chunk by chunk from an error on), so a
  syntax error skips one document and the others load. JSON (text starting with ``{``/``[``)
  is read with ``json``; several JSON values one after another are several documents.
- ``kind: List`` and every ``*List`` kind with ``items`` (PodList, NetworkPolicyList, ...) are
  expanded; items of a typed list may omit ``kind``/``apiVersion`` (the API server omits them).
- A netviz cluster snapshot (``apiVersion: netviz.io/v1alpha1``, ``kind: ClusterSnapshot``)
  is read like a List; its ``header`` becomes ``LoadResult.snapshot``; it adds one INFO
  (``snapshot``: context, server, time) and one WARNING per gap (``snapshot-gap``).

Safety limits (never expand, never crash)
-----------------------------------------
- Aliases: a document whose aliases would add more than ``MAX_ALIAS_EXPANSION`` (100,000)
  nodes when expanded, or that contains an alias cycle, is refused (``yaml-alias-bomb``). The
  count is made on the composed tree without expanding it (``netviz.io.yamlsafe``).
- Depth: libyaml refuses more than 1000 nesting levels; deeper JSON or our own recursion limit
  gives ``yaml-too-deep``. ``RecursionError`` never escapes.
- Unreadable files, missing paths (with "did you mean"), folders without manifests: located
  diagnostics, never exceptions. The only exception is ``LoadCancelled`` when ``cancel()``
  returns True (checked before every file and every 500 objects).

Severities: an ERROR skips the document or object (or List item) it is about and nothing else;
a WARNING loads the object but something is probably not what the user meant; an INFO says
something was skipped on purpose.

What is an error (the object is skipped)
----------------------------------------
What the API server would refuse in the fields that decide connectivity, because evaluating an
object that cannot exist would show connectivity that cannot happen:
``yaml-syntax``, ``json-syntax``, ``yaml-alias-bomb``, ``yaml-too-deep``, ``yaml-bad-key``,
``yaml-bad-tag`` (e.g. ``!!python/object``: never constructed), ``not-an-object`` (a List
item that is not a mapping), ``missing-kind``, ``missing-name``, ``wrong-type`` (e.g.
``ports: "80"``; a label value ``1`` or ``yes`` that YAML reads as a number or boolean: the API
server's decoder refuses non-string label values), ``missing-field``, ``unknown-api-version``
(e.g. NetworkPolicy ``networking.k8s.io/v1beta1``, which never existed),
``bad-selector-operator``, ``selector-values-required`` (In/NotIn without values),
``selector-values-forbidden`` (Exists/DoesNotExist with values), ``invalid-label`` *inside
selectors* (matchLabels, matchExpressions, Service selector), ``invalid-cidr``,
``except-not-in-cidr`` (an except must be a strict subset of its cidr, so equal is refused),
``except-family-mismatch``, ``peer-ipblock-with-selector``, ``peer-empty``,
``port-out-of-range`` (1-65535), ``invalid-port-name`` (IANA service name; a quoted number like
``"80"`` is a *name* to Kubernetes and is refused), ``endport-below-port``,
``endport-named-port``, ``endport-without-port``, ``invalid-protocol`` (TCP, UDP, SCTP; case
matters), ``invalid-policy-type``, ``unknown-field`` (in NetworkPolicy specs, rules, peers,
ports, ipBlocks and selectors only: kubectl's strict field validation refuses them, and a typo
such as ``podselector`` would otherwise silently widen a policy), ``invalid-service-type``,
``wrong-value`` (negative or beyond-int32 replicas), ``list-too-deep``, ``snapshot-invalid``,
``file-not-found``, ``file-unreadable``, ``file-too-large``, ``file-not-text``,
``anp-invalid`` (an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy the
API server would refuse; the rules are in ``netviz.io.anp``),
``ingress-invalid`` (an Ingress backend with both or neither of ``service``/``resource``, a
port with both ``number`` and ``name``).

What is a warning (the object loads)
------------------------------------
Mistakes that do not change what connects to what, or that Kubernetes itself resolves:
``invalid-name`` / ``invalid-namespace`` (the API server refuses e.g. ``my_policy``, but a name
has no effect on connectivity, and the reference analyzer's scenarios use such names),
``invalid-label`` in ``metadata.labels`` and pod template labels (shown as written),
``label-null-value`` (read as ""), ``missing-field`` for a container port without
``containerPort`` (that entry is ignored; the pod loads), ``not-an-object`` for a whole document
that is a list or a scalar (some other file, e.g. an analysis output, not a manifest),
``duplicate-object`` (same kind/namespace/name twice: the later one wins, like
``kubectl apply``; the message names both places), ``duplicate-key`` (a key twice in one YAML
mapping: the last wins, but kubectl refuses the file), ``removed-api-version`` (e.g.
NetworkPolicy ``extensions/v1beta1`` or Deployment ``apps/v1beta1``: read as the current version,
whose fields netviz uses are the same), ``missing-api-version``, ``noncanonical-cidr`` (see
below), ``missing-pod-selector`` (read as ``{}``, all pods), ``rules-ignored`` (rules for a
direction not in ``policyTypes``), ``named-port-ipblock`` (a named port towards ipBlock peers
never matches), ``missing-pod-template``, ``invalid-owner-reference`` (ignored),
``invalid-ip``, ``unknown-kind`` (close to a kind netviz uses, e.g. ``Podd``), ``empty-list``,
``snapshot-gap``, ``snapshot-several``, ``anp-same-priority`` (two Admin- or Baseline-tier
policies with one priority: the API leaves the order undefined; netviz evaluates them by name),
the cluster-policy warnings of ``netviz.io.anp`` (``cluster-policy-fail-closed``,
``anp-missing-selector``, ``anp-empty-port-range``, ``named-port-networks``,
``domain-names-not-accept``), ``no-manifests`` (a folder with nothing to read),
``not-a-file`` (a FIFO, socket or device, named or met in a folder: never opened for reading,
which could block forever), ``file-empty``,
``ingress-no-backend`` (an Ingress that sends traffic nowhere), ``route-target-not-service``
(a Route target of another kind: ignored, as the reference analyzer does),
``quoted-port-number`` (an Ingress/Route port ``"80"``: a *name* to Kubernetes),
``source-ranges-unused`` (``loadBalancerSourceRanges`` on a Service that is not a LoadBalancer),
``endpointslice-no-service`` (an EndpointSlice without the ``kubernetes.io/service-name`` label).
An invalid ``externalIPs`` or endpoint address is ``invalid-ip`` (ignored); an invalid
``loadBalancerSourceRanges`` entry is ``invalid-cidr`` (an error).

Errors added for hostile input: ``control-character`` (a control character that YAML and JSON
forbid, at its line and column), ``integer-too-long`` (more digits than any Kubernetes number),
``snapshot-invalid`` (a ClusterSnapshot whose header or items are not what netviz writes: the
whole snapshot is refused, and the commands exit 3).

What is info
------------
``kind-skipped`` (ConfigMap, Secret, any kind netviz does not use),
``ingress-backend-not-service`` (an Ingress ``resource`` backend: only Service backends are
followed),
``snapshot`` (context, server, time), ``file-listed-twice``.

Defaults (as the API server applies them)
-----------------------------------------
Namespaced objects without ``metadata.namespace`` are in ``default``. Protocols default to TCP.
Service: ``type`` ClusterIP, ``targetPort`` = ``port``, an empty selector is no selector,
``clusterIP: None`` is headless. Workload ``replicas`` default 1 (DaemonSet, Job and CronJob: 1).
Pod template labels come from ``spec.template`` (CronJob: ``spec.jobTemplate.spec.template``);
ports from ``containers`` only (init containers serve no traffic). The owner is the
ownerReference with ``controller: true``, else the first. NetworkPolicy ``policyTypes``, when
absent or empty: Ingress, plus Egress when ``spec.egress`` has at least one rule;
``policy_types_given`` records whether a non-empty list was written. ``peers_given`` /
``ports_given`` are True when ``from``/``to``/``ports`` is written (even as ``[]``); ``null``
counts as absent.

ipBlock CIDRs are parsed as the API server does (``ParseCIDRSloppy``): a CIDR with host bits
set (``10.1.2.3/8``) is *accepted* by the API server and means its network (``10.0.0.0/8``);
netviz normalises it and warns (``noncanonical-cidr``; Kubernetes >= 1.33 also warns). Leading
zeros in IPv4 octets are read as decimal, with the same warning. IPv4 and IPv6 both work; a
CIDR without a prefix length is an error.

Speed: libyaml (``CSafeLoader``) when present, with a memoised scalar resolver; Python's
cyclic GC is paused while loading (the node trees are large, acyclic and short-lived;
collecting them again and again nearly doubled load time). Measured (CPU time, one core):
1,000 Deployments + 1,000 Services + 400 policies (1 MB YAML) load in ~0.3 s; 1,000
Deployments + 10,000 Pods + 2,000 policies (5.5 MB) in ~2.3 s, or ~0.9 s as one JSON List.
A one-shot command reads several files in two processes (``load_paths(halves=...)``: files
from a shared queue, each read into a ``_Part`` and replayed in file order; the same result).
"""

from __future__ import annotations

import codecs
import difflib
import errno
import gc
import os
import re
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TextIO

from netviz.io.cni import detect as detect_cni
from netviz.io.convert import (
    CLUSTER_POLICY_KINDS,
    WORKLOADS,
    convert_object,
    describe,
    format_path,
    object_ref,
)
from netviz.io.errors import LoadCancelled
from netviz.io.render import RenderError, RenderTarget, render, render_target, split_sources
from netviz.io.yamlsafe import MAX_ALIAS_EXPANSION, Locator, ParsedDoc, parse_text
from netviz.model import (
    Ingress,
    Namespace,
    NetworkPolicy,
    Pod,
    Service,
    ServiceEndpoints,
    Source,
    Workload,
    assemble_cluster,
)
from netviz.model.cluster_policy import ClusterPolicy, Node, Tier
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.enforcement import Enforcement

# plain data, defined in the model so that every layer can name it; re-exported here
from netviz.model.loaded import DocumentRecord, FileStamp, LoadResult

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "MAX_ALIAS_EXPANSION",
    "DocumentRecord",
    "LoadResult",
    "load_paths",
    "load_text",
]

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
#: A netviz snapshot (recognised by its first bytes) may be this large: the snapshots netviz
#: writes must open (a 233 MB snapshot was refused by the 64 MiB limit). JSON snapshots load
#: in memory linear in their size, with no alias expansion.
MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024
_SNAPSHOT_HEAD = re.compile(
    rb"""["']?apiVersion["']?\s*:\s*["']?netviz\.io/v1alpha1["']?\s*,?\s*["']?kind["']?\s*:"""
    rb"""\s*["']?ClusterSnapshot"""
)
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
SNAPSHOT_API_VERSION = "netviz.io/v1alpha1"
SNAPSHOT_KIND = "ClusterSnapshot"
STDIN_NAME = "<stdin>"
#: ``cancel()`` is also polled every this many objects inside one file.
CANCEL_EVERY = 500
#: Lists inside lists are expanded this deep at most.
MAX_LIST_NESTING = 4
_PATH_HEAD = re.compile(r"^[A-Za-z][\w.\[\]@/-]*: ")

#: ``netviz.viewmodel.forked.halves``' shape: ``halves(n, work, split)`` returns
#: ``[work(0, split), work(split, n)]``, the second maybe computed in another process.
Halves = Callable[..., list[Any]]


# --------------------------------------------------------------------------- GC pause

_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


# --------------------------------------------------------------------------- the loader


def _plural(kind: str) -> str:
    if kind.endswith("y"):
        return kind[:-1] + "ies"
    if kind.endswith("s"):
        return kind + "es"
    return kind + "s"


class _Load:
    def __init__(self, cancel: Callable[[], bool] | None = None) -> None:
        self.cancel = cancel
        self.diags: list[Diagnostic] = []
        self.documents: list[DocumentRecord] = []
        self.files: list[str] = []
        self.snapshot: dict[str, Any] | None = None
        self.stamps: dict[str, FileStamp] = {}
        self.objects: dict[tuple[str, str | None, str], Any] = {}
        self.sources: dict[tuple[str, str | None, str], Source] = {}
        self.daemonsets: list[dict[str, Any]] = []  # raw, for the network plugin
        self.render_targets: dict[str, RenderTarget] = {}
        self.count = 0
        self.done_files = 0
        self.total_files = 0

    # ---- diagnostics

    def diag(
        self,
        severity: Severity,
        code: str,
        message: str,
        file: str | None,
        *,
        doc: int | None = None,
        line: int | None = None,
        column: int | None = None,
        ref: str | None = None,
    ) -> None:
        self.diags.append(
            Diagnostic(severity, message, file, doc, line, column, ref, code)
        )

    def tick(self) -> None:
        self.count += 1
        if self.cancel is not None and self.count % CANCEL_EVERY == 0 and self.cancel():
            raise LoadCancelled(self.done_files, self.total_files)

    # ---- text

    def add_text(self, text: str, file: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        docs = parse_text(text, prefer_json=file.lower().endswith(".json"))
        if all(pd.empty and pd.error is None for pd in docs):
            what = "empty" if not text.strip() else "empty (only comments or document markers)"
            self.diag(
                Severity.WARNING,
                "file-empty",
                f"{file} is {what}: nothing to load",
                file,
                doc=1,
                line=1,
            )
        for pd in docs:
            self.add_document(pd, file)

    def add_rendered(self, target: RenderTarget, max_bytes: int) -> None:
        """Render a Helm chart or kustomization and load its output; diagnostics name the
        chart/overlay and (Helm) the template each document came from."""
        try:
            text, tool = render(target, max_bytes)
        except RenderError as exc:
            self.diag(Severity.ERROR, exc.code, str(exc), target.path)
            return
        self.diag(Severity.INFO, "rendered", f"{target.path} rendered with {tool}", target.path)
        parts = split_sources(text) if target.kind == "helm" else [(None, text)]
        for source, part in parts:
            name = f"{target.path}: {source}" if source else target.path
            name += f" (rendered by {tool})"
            self.files.append(name)
            self.add_text(part, name)

    def add_document(self, pd: ParsedDoc, file: str) -> None:
        data = pd.data
        kind = ns = name = None
        if isinstance(data, dict):
            k = data.get("kind")
            kind = k if isinstance(k, str) else None
            meta = data.get("metadata")
            if isinstance(meta, dict):
                n, s = meta.get("name"), meta.get("namespace")
                name = n if isinstance(n, str) else None
                ns = s if isinstance(s, str) else None
        self.documents.append(
            DocumentRecord(
                file,
                pd.doc,
                pd.start_line,
                pd.end_line,
                kind,
                ns,
                name,
                pd.start_offset,
                pd.end_offset,
            )
        )
        for w in pd.warnings:
            self.diag(
                Severity.WARNING, w.code, w.message, file, doc=pd.doc, line=w.line, column=w.column
            )
        if pd.error is not None:
            e = pd.error
            self.diag(
                Severity.ERROR,
                e.code,
                f"{e.message}; document {pd.doc} was skipped",
                file,
                doc=pd.doc,
                line=e.line if e.line is not None else pd.start_line,
                column=e.column,
            )
            return
        if pd.empty or data is None:
            return
        if not isinstance(data, dict):
            # a list or a scalar at the top: some other file (e.g. an analysis output), not a
            # manifest with a mistake in it
            self.diag(
                Severity.WARNING,
                "not-an-object",
                f"document {pd.doc} is {describe(data)}, not a Kubernetes object; skipped",
                file,
                doc=pd.doc,
                line=pd.start_line,
            )
            return
        locator = pd.locator
        lazy = locator is not None and locator.is_lazy
        line = pd.start_line if lazy else pd.content_line
        self.add_object(data, file, pd.doc, locator, line, pd.end_line, depth=0)

    # ---- objects

    def add_object(
        self,
        obj: Any,
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        end_line: int | None,
        *,
        depth: int,
    ) -> None:
        self.tick()
        if isinstance(obj, dict):
            kind = obj.get("kind")
            if kind == SNAPSHOT_KIND and obj.get("apiVersion") == SNAPSHOT_API_VERSION:
                self.add_snapshot(obj, file, doc, locator, line, depth)
                return
            if (
                isinstance(kind, str)
                and kind.endswith("List")
                and ("items" in obj or kind == "List")
            ):
                self.add_list(obj, kind, file, doc, locator, line, depth)
                return
        if isinstance(obj, dict) and obj.get("kind") == "DaemonSet":
            self.daemonsets.append(obj)
        source = Source(file, doc, line, end_line)
        result, diags = convert_object(
            obj,
            source,
            locate=locator.find if locator is not None else None,
            part_sources=locator is not None and not locator.is_lazy,
        )
        self.diags.extend(diags)
        if result is not None:
            self.keep(result, source, diags)
        elif isinstance(obj, dict) and obj.get("kind") in CLUSTER_POLICY_KINDS:
            # an invalid cluster policy still replaces an earlier one of the same name (as a
            # failed apply does not, but a duplicate warning is what the user needs)
            meta = obj.get("metadata")
            name = meta.get("name") if isinstance(meta, dict) else None
            if isinstance(name, str) and name:
                self.keep_key((obj["kind"], None, name), None, source)

    def items_of(
        self,
        obj: dict[str, Any],
        what: str,
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        depth: int,
        ref: str,
    ) -> list[tuple[Any, Locator | None, int, int | None]]:
        items = obj.get("items")
        if items is None:
            return []
        if not isinstance(items, list):
            where = locator.find(("items",)) if locator else None
            self.diag(
                Severity.ERROR,
                "wrong-type",
                f"items: expected a list of objects, got {type(items).__name__}; the {what} was skipped",
                file,
                doc=doc,
                line=where[0] if where else line,
                ref=ref,
            )
            return []
        if depth >= MAX_LIST_NESTING:
            self.diag(
                Severity.ERROR,
                "list-too-deep",
                f"lists nested more than {MAX_LIST_NESTING} deep; the inner list was skipped",
                file,
                doc=doc,
                line=line,
                ref=ref,
            )
            return []
        out: list[tuple[Any, Locator | None, int, int | None]] = []
        lazy = locator is None or locator.is_lazy
        for i, item in enumerate(items):
            if lazy:
                sub = locator.sub(("items", i)) if locator is not None else None
                out.append((item, sub, line, None))
            else:
                assert locator is not None
                sub = locator.sub(("items", i))
                found = sub.find(())
                out.append((item, sub, found[0] if found else line, sub.end_line()))
        return out

    def add_list(
        self,
        obj: dict[str, Any],
        kind: str,
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        depth: int,
    ) -> None:
        item_kind = kind[: -len("List")] if kind != "List" else None
        api = obj.get("apiVersion")
        if "items" not in obj:
            self.diag(
                Severity.WARNING,
                "empty-list",
                f"{kind} has no items",
                file,
                doc=doc,
                line=line,
                ref=kind,
            )
        for i, (item, sub, iline, iend) in enumerate(
            self.items_of(obj, kind, file, doc, locator, line, depth, kind)
        ):
            if isinstance(item, dict) and item_kind and "kind" not in item:
                # typed lists from the API server carry neither kind nor apiVersion per item
                item = {"kind": item_kind, **item}
                if "apiVersion" not in item and isinstance(api, str):
                    item["apiVersion"] = api
            self.add_item(i, item, file, doc, sub, iline, iend, depth)

    def add_snapshot(
        self,
        obj: dict[str, Any],
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        depth: int,
    ) -> None:
        ref = "ClusterSnapshot"
        bad = snapshot_header_problem(obj)
        if bad is not None:
            path, problem = bad
            where = locator.find(path) if locator is not None else None
            self.diag(
                Severity.ERROR,
                "snapshot-invalid",
                f"this netviz cluster snapshot is malformed: {format_path(path)}: {problem}; "
                "the snapshot was not read (take it again with netviz snapshot)",
                file,
                doc=doc,
                line=where[0] if where else line,
                ref=ref,
            )
            return
        header = obj["header"]
        if self.snapshot is not None:
            self.diag(
                Severity.WARNING,
                "snapshot-several",
                "more than one cluster snapshot was loaded; their objects are merged and "
                "this header is the one reported",
                file,
                doc=doc,
                line=line,
                ref=ref,
            )
        self.snapshot = header
        items = self.items_of(obj, "snapshot", file, doc, locator, line, depth, ref)
        context = header.get("context") or "?"
        server = header.get("server")
        taken = header.get("takenAt") or "an unknown time"
        version = header.get("netvizVersion")
        msg = f"cluster snapshot of context {context!r}"
        if server:
            msg += f" ({server})"
        msg += f" taken at {taken}"
        if version:
            msg += f" by netviz {version}"
        msg += f": {len(items)} objects"
        self.diag(Severity.INFO, "snapshot", msg, file, doc=doc, line=line, ref=ref)
        gaps = header.get("gaps") or []
        for gap in gaps if isinstance(gaps, list) else []:
            if not isinstance(gap, dict):
                continue
            kind = str(gap.get("kind") or "objects")
            what = _plural(kind) if gap.get("kind") else "objects"
            ns = gap.get("namespace")
            in_ns = f" in namespace {ns}" if ns else ""
            reason = gap.get("reason") or "unknown reason"
            self.diag(
                Severity.WARNING,
                "snapshot-gap",
                f"{what}{in_ns} could not be read: {reason} — results may be incomplete",
                file,
                doc=doc,
                line=line,
                ref=ref,
            )
        for i, (item, sub, iline, iend) in enumerate(items):
            self.add_item(i, item, file, doc, sub, iline, iend, depth)

    def add_item(
        self,
        index: int,
        item: Any,
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        end_line: int | None,
        depth: int,
    ) -> None:
        """Add a List item; its diagnostics name it (``items[3].spec...``)."""
        start = len(self.diags)
        self.add_object(item, file, doc, locator, line, end_line, depth=depth + 1)
        _name_item(self.diags, start, file, f"items[{index}]")

    def replay(self, part: _Part) -> None:
        """Take in what ``part`` loaded from the files after this load's ones, in the same
        order and with the same diagnostics as if this load had read them itself."""
        done = 0
        for at, file, prefix, key, obj, source in part.kept:
            self.diags.extend(part.diags[done:at])
            done = at
            start = len(self.diags)
            self.keep_key(key, obj, source)  # a duplicate-object warning depends on before
            if prefix is not None:  # as ``add_item`` names the warning of a List item
                _name_item(self.diags, start, file, prefix)
        self.diags.extend(part.diags[done:])
        self.documents.extend(part.documents)
        self.files.extend(part.files)
        self.stamps.update(part.stamps)
        self.daemonsets.extend(part.daemonsets)
        if part.snapshot is not None:
            self.snapshot = part.snapshot
        self.count += part.count

    def check_priorities(self) -> None:
        """Two policies of one tier with one priority: "the implementation can apply any of
        the matching policies ... there is no way for the user to reliably determine which one
        it will choose" (the API). A WARNING on the later one; netviz orders them by kind, then
        name (``ClusterPolicy.order_key``)."""
        seen: dict[tuple[Tier, int], ClusterPolicy] = {}
        for obj in self.objects.values():
            if not isinstance(obj, ClusterPolicy) or obj.priority is None:
                continue
            prev = seen.get((obj.tier, obj.priority))
            if prev is None:
                seen[(obj.tier, obj.priority)] = obj
                continue
            first, second = sorted((prev, obj), key=lambda p: p.order_key)
            where = obj.source or Source("", 0, 0)
            kinds = "AdminNetworkPolicies" if {prev.kind, obj.kind} == {"AdminNetworkPolicy"} \
                else f"{obj.tier} tier policies"
            self.diag(
                Severity.WARNING,
                "anp-same-priority",
                f"{kinds} {prev.name} and {obj.name} have the same priority {obj.priority}; "
                "which one wins is undefined (give each a distinct priority); netviz "
                f"evaluates {first.kind} {first.name} first (by kind, then name)",
                where.file,
                doc=where.doc,
                line=where.line,
                ref=f"{obj.kind} {obj.name}",
            )

    def keep(self, obj: Any, source: Source, diags: list[Diagnostic]) -> None:
        key: tuple[str, str | None, str]
        if isinstance(obj, Namespace):
            key = ("Namespace", None, obj.name)
        elif isinstance(obj, Workload):
            key = (obj.kind, obj.namespace, obj.name)
        elif isinstance(obj, Pod):
            key = ("Pod", obj.namespace, obj.name)
        elif isinstance(obj, Service):
            key = ("Service", obj.namespace, obj.name)
        elif isinstance(obj, ClusterPolicy):
            key = (obj.kind, None, obj.name)
        elif isinstance(obj, Node):
            key = ("Node", None, obj.name)
        elif isinstance(obj, Ingress | ServiceEndpoints):
            key = (obj.kind, obj.namespace, obj.name)
        else:
            key = ("NetworkPolicy", obj.namespace, obj.name)
        self.keep_key(key, obj, source)

    def keep_key(self, key: tuple[str, str | None, str], obj: Any, source: Source) -> None:
        prev = self.sources.get(key)
        if prev is not None:
            ref = object_ref(key[0], key[1], key[2])
            self.diag(
                Severity.WARNING,
                "duplicate-object",
                f"{ref} is defined again here; this definition ({source.file}:{source.line}) "
                f"replaces the one at {prev.file}:{prev.line}",
                source.file,
                doc=source.doc,
                line=source.line,
                ref=ref,
            )
        self.sources[key] = source
        if obj is not None:
            self.objects.pop(key, None)
            self.objects[key] = obj

    # ---- result

    def result(self) -> LoadResult:
        namespaces: list[Namespace] = []
        pods: list[Pod] = []
        workloads: list[Workload] = []
        services: list[Service] = []
        policies: list[NetworkPolicy] = []
        cluster_policies: list[ClusterPolicy] = []
        nodes: list[Node] = []
        self.check_priorities()
        ingresses: list[Ingress] = []
        endpoints: list[ServiceEndpoints] = []
        for (kind, _, _), obj in self.objects.items():
            if kind == "Namespace":
                namespaces.append(obj)
            elif kind == "Pod":
                pods.append(obj)
            elif kind in WORKLOADS:
                workloads.append(obj)
            elif kind == "Service":
                services.append(obj)
            elif kind in CLUSTER_POLICY_KINDS:
                cluster_policies.append(obj)
            elif kind == "Node":
                nodes.append(obj)
            elif kind in ("Ingress", "Route"):
                ingresses.append(obj)
            elif kind in ("Endpoints", "EndpointSlice"):
                endpoints.append(obj)
            else:
                policies.append(obj)
        cluster = assemble_cluster(
            namespaces, pods, workloads, services, policies, cluster_policies, nodes, ingresses,
            endpoints,
        )
        diags = sorted(self.diags, key=lambda d: (d.file or "", d.line or 0, d.doc or 0))
        return LoadResult(
            cluster,
            diags,
            self.documents,
            self.files,
            self.snapshot,
            dict(self.stamps),
            self.enforcement(),
        )

    def enforcement(self) -> Enforcement | None:
        """From the snapshot header when it records the plugin (it saw the full DaemonSets),
        else from DaemonSets in the manifests when one of them is a known plugin."""
        cni = self.snapshot.get("cni") if self.snapshot is not None else None
        if isinstance(cni, dict):
            return Enforcement.from_header(cni)
        if self.daemonsets:
            found = detect_cni(self.daemonsets, "manifests")
            if found.plugin:
                return found
        return None


# --------------------------------------------------------------------------- snapshot header

#: header field -> (type, required); see docs/snapshots.md
_HEADER_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "context": (str, True),
    "takenAt": (str, False),
    "server": (str, False),
    "netvizVersion": (str, False),
    "namespaces": ((str, list), False),
    "lists": (list, False),
    "gaps": (list, False),
    "cni": (dict, False),
    "content": (str, False),
}


#: header.cni field -> (type, words); enforces: true, false or null (cannot tell)
_CNI_FIELDS: dict[str, tuple[type, str]] = {
    "plugin": (str, "a string"),
    "name": (str, "a string"),
    "enforces": (bool, "true, false or null"),
    "evidence": (list, "a list"),
}


class _Part(_Load):
    """A load of one file on its own (maybe in a forked child: ``load_paths``' ``halves``)
    that keeps what depends on the files before it as a record for ``_Load.replay``: which
    objects were kept (whether one is a duplicate is known only there), at which point of the
    diagnostics, and inside which List item. Everything else a file adds (documents,
    diagnostics, stamps) depends on that file alone, except a second cluster snapshot, which
    ``load_paths`` reads again in order."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[tuple[int, str, str | None, tuple[str, str | None, str], Any, Source]]
        self.kept = []
        self._items: list[tuple[str, str]] = []  # (file, "items[i]") of the List items open

    def keep_key(self, key: tuple[str, str | None, str], obj: Any, source: Source) -> None:
        file, prefix = self._items[-1] if self._items else (source.file, None)
        self.kept.append((len(self.diags), file, prefix, key, obj, source))

    def add_item(
        self,
        index: int,
        item: Any,
        file: str,
        doc: int,
        locator: Locator | None,
        line: int,
        end_line: int | None,
        depth: int,
    ) -> None:
        self._items.append((file, f"items[{index}]"))
        try:
            super().add_item(index, item, file, doc, locator, line, end_line, depth)
        finally:
            self._items.pop()


def _name_item(diags: list[Diagnostic], start: int, file: str, prefix: str) -> None:
    """Start the messages of ``diags[start:]`` about ``file`` with the List item's ``prefix``
    (``items[3].spec...``), unless an inner List item named them already."""
    for j in range(start, len(diags)):
        d = diags[j]
        if d.file != file or d.message.startswith("items["):
            continue
        sep = "." if _PATH_HEAD.match(d.message) else ": "
        diags[j] = replace(d, message=f"{prefix}{sep}{d.message}")


def snapshot_header_problem(obj: dict[str, Any]) -> tuple[tuple[str | int, ...], str] | None:
    """(field path, problem) when a ClusterSnapshot document is not one netviz wrote (a
    header that is not a mapping, a missing or mistyped field, items not a list), else None.
    A malformed snapshot is refused whole: reading half of it would show a different cluster."""
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return ("metadata",), f"expected a mapping, got {describe(meta)}"
    header = obj.get("header")
    if not isinstance(header, dict):
        got = "nothing" if header is None else describe(header)
        return ("header",), f"expected a mapping with at least a context, got {got}"
    for key, (want, required) in _HEADER_FIELDS.items():
        value = header.get(key)
        if value is None:
            if required:
                return ("header",), f"the field {key} is missing"
            continue
        if not isinstance(value, want) or isinstance(value, bool):
            return ("header", key), f"expected {_type_words(want)}, got {describe(value)}"
    for key in ("lists", "gaps"):
        for i, entry in enumerate(header.get(key) or []):
            if not isinstance(entry, dict):
                return ("header", key, i), f"expected a mapping, got {describe(entry)}"
            for sub in ("kind", "reason", "namespace", "apiVersion", "resourceVersion"):
                if sub in entry and not isinstance(entry[sub], str):
                    return (
                        ("header", key, i, sub),
                        f"expected a string, got {describe(entry[sub])}",
                    )
    cni = header.get("cni")
    if isinstance(cni, dict):
        # the answer to "are these policies enforced at all?": a mistyped field must not
        # quietly read as "cannot tell" and silence the warning
        for sub, (want, words) in _CNI_FIELDS.items():
            value = cni.get(sub)
            if value is not None and (not isinstance(value, want)
                                      or (want is not bool and isinstance(value, bool))):
                return ("header", "cni", sub), f"expected {words}, got {describe(value)}"
        evidence = cni.get("evidence")
        if isinstance(evidence, list):
            for i, e in enumerate(evidence):
                if not isinstance(e, str):
                    return ("header", "cni", "evidence", i), f"expected a string, got {describe(e)}"
    namespaces = header.get("namespaces")
    if isinstance(namespaces, list) and not all(isinstance(n, str) for n in namespaces):
        return ("header", "namespaces"), "expected a list of namespace names"
    if isinstance(namespaces, str) and namespaces != "all":
        return ("header", "namespaces"), f'expected "all" or a list, got {namespaces!r}'
    items = obj.get("items")
    if items is not None and not isinstance(items, list):
        return ("items",), f"expected a list of objects, got {describe(items)}"
    return None


def _type_words(want: type | tuple[type, ...]) -> str:
    names: dict[type, str] = {str: "a string", list: "a list", dict: "a mapping"}
    kinds = want if isinstance(want, tuple) else (want,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# --------------------------------------------------------------------------- files


def _decode(data: bytes) -> tuple[str | None, str, int | None]:
    """(text, problem, line): text is None when the bytes are not text."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), "", None
            except UnicodeDecodeError as exc:
                return None, f"not valid {enc.upper()} text ({exc.reason})", None
    nul = data.find(b"\x00", 0, 65536)
    if nul >= 0:
        return None, "a binary file (it contains NUL bytes), not YAML or JSON", None
    try:
        return data.decode("utf-8"), "", None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return (
            None,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line} cannot be decoded); "
            "save it as UTF-8",
            line,
        )


def _suggest(path: str) -> str:
    parent = os.path.dirname(path) or "."
    try:
        siblings = os.listdir(parent)
    except OSError:
        return ""
    close = difflib.get_close_matches(os.path.basename(path), siblings, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {os.path.join(os.path.dirname(path), close[0])}?)"


def _expand(paths: Sequence[str], load: _Load) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        real = p if p == "-" else os.path.realpath(p)
        if real in seen:
            if p != "-":
                load.diag(Severity.INFO, "file-listed-twice", f"{p} is read only once", p)
            return
        seen.add(real)
        out.append(p)

    for p in paths:
        if p == "-":
            add(p)
        elif os.path.isdir(p) and (target := render_target(p)) is not None:
            # a Helm chart or a kustomization named directly: rendered with its tool
            load.render_targets[p] = target
            add(p)
        elif os.path.isdir(p):
            found = 0
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                inner = render_target(root) if root != p else None
                if inner is not None:
                    # its templates are not manifests, and rendering every overlay of a
                    # repository would merge its environments: the user names the one meant
                    dirs[:] = []
                    load.diag(
                        Severity.WARNING,
                        "render-not-walked",
                        f"{root} is a {inner.what}: not read while walking {p}; name it to "
                        f"render it (e.g. netviz list {root})",
                        root,
                    )
                    continue
                for f in sorted(files):
                    if not f.startswith(".") and f.lower().endswith(MANIFEST_EXTENSIONS):
                        add(os.path.join(root, f))
                        found += 1
            if not found:
                load.diag(
                    Severity.WARNING,
                    "no-manifests",
                    f"folder {p} has no .yaml, .yml or .json files",
                    p,
                )
        elif os.path.exists(p):
            add(p)
        else:
            load.diag(
                Severity.ERROR,
                "file-not-found",
                f"{p} does not exist{_suggest(p)}",
                p,
            )
    return out


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def _not_regular(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file."""
    for test, what in _SPECIAL_KINDS:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def _is_snapshot(fd: int) -> bool:
    """Whether the open file starts like a snapshot netviz wrote (JSON or block YAML)."""
    try:
        pread = getattr(os, "pread", None)
        if pread is not None:
            head = pread(fd, 4096, 0)
        else:  # pragma: no cover - Windows: read, then rewind
            head = os.read(fd, 4096)
            os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        return False
    return _SNAPSHOT_HEAD.search(head) is not None


def _read(path: str, max_bytes: int, load: _Load) -> str | None:
    def refuse(code: str, message: str, line: int | None = None) -> None:
        load.diag(Severity.ERROR, code, message, path, line=line)

    # FIFOs, sockets and devices are never read: opening a FIFO blocks until a writer comes
    # (forever), a device may never end. Open without blocking, then look at what was opened
    # (fstat of the open file, so nothing can be swapped in between).
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO on some systems) cannot be opened
            load.diag(
                Severity.WARNING,
                "not-a-file",
                f"{path} is a socket or a pipe, not a regular file; skipped",
                path,
            )
            return None
        refuse("file-unreadable", f"cannot read {path}: {exc.strerror or exc}")
        return None
    try:
        st = os.fstat(fd)
        special = _not_regular(st.st_mode)
        if special is not None:
            load.diag(
                Severity.WARNING,
                "not-a-file",
                f"{path} is {special}, not a regular file; skipped",
                path,
            )
            return None
        size = st.st_size
        if size > max_bytes and _is_snapshot(fd):
            max_bytes = max(max_bytes, MAX_SNAPSHOT_BYTES)
        if size > max_bytes:
            refuse(
                "file-too-large",
                f"{path} is {size:,} bytes, more than the limit of {max_bytes:,}; not read",
            )
            return None
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
        mtime_ns = st.st_mtime_ns
    except OSError as exc:
        refuse("file-unreadable", f"cannot read {path}: {exc.strerror or exc}")
        return None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        refuse("file-too-large", f"{path} is more than the limit of {max_bytes:,} bytes; not read")
        return None
    text, problem, line = _decode(data)
    if text is None:
        refuse("file-not-text", f"{path} is {problem}", line)
        return None
    load.stamps[path] = FileStamp.of_bytes(path, data, mtime_ns)
    return text


def _read_stdin(stdin: TextIO, max_bytes: int, load: _Load) -> str | None:
    try:
        text = stdin.read(max_bytes + 1)
    except UnicodeDecodeError as exc:
        load.diag(
            Severity.ERROR,
            "file-not-text",
            f"standard input is not UTF-8 text ({exc.reason})",
            STDIN_NAME,
        )
        return None
    except OSError as exc:
        load.diag(
            Severity.ERROR, "file-unreadable", f"cannot read standard input: {exc}", STDIN_NAME
        )
        return None
    if isinstance(text, bytes):  # a binary stream was passed
        decoded, problem, line = _decode(text)
        if decoded is None:
            load.diag(
                Severity.ERROR,
                "file-not-text",
                f"standard input is {problem}",
                STDIN_NAME,
                line=line,
            )
            return None
        text = decoded
    if len(text) > max_bytes:
        load.diag(
            Severity.ERROR,
            "file-too-large",
            f"standard input is more than the limit of {max_bytes:,} characters; not read",
            STDIN_NAME,
        )
        return None
    if "\x00" in text[:65536]:
        load.diag(
            Severity.ERROR,
            "file-not-text",
            "standard input is a binary stream (it contains NUL bytes), not YAML or JSON",
            STDIN_NAME,
        )
        return None
    return text


# --------------------------------------------------------------------------- API


def load_paths(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    halves: Halves | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> LoadResult:
    """Load files, folders (recursively) and ``-`` (stdin). Never raises for bad input; raises
    ``LoadCancelled`` when ``cancel()`` returns True. ``progress(done, total, path)`` is called
    before each file and once at the end with ``done == total``.

    ``halves`` (a one-shot command passes ``netviz.viewmodel.forked.halves``) lets a second
    process read some of the files while this one reads the others, when there are several
    files, all of them on disk, and neither ``progress`` nor ``cancel``: the same result.
    ``meanwhile`` is then called here first (e.g. imports the caller needs next), while the
    other process reads."""
    load = _Load(cancel)
    with _gc_paused():
        files = _expand(paths, load)
        load.total_files = len(files)
        if (halves is not None and progress is None and cancel is None and len(files) > 1
                and not any(p == "-" or p in load.render_targets for p in files)):
            _load_halves(files, max_file_bytes, load, halves, meanwhile)
            files = []
        for i, path in enumerate(files):
            load.done_files = i
            if cancel is not None and cancel():
                raise LoadCancelled(i, len(files))
            shown = STDIN_NAME if path == "-" else path
            if progress is not None:
                progress(i, len(files), shown)
            if path in load.render_targets:
                load.add_rendered(load.render_targets[path], max_file_bytes)
                continue
            if path == "-":
                text = _read_stdin(stdin if stdin is not None else sys.stdin, max_file_bytes, load)
            else:
                text = _read(path, max_file_bytes, load)
            if text is None:
                continue
            load.files.append(shown)
            load.add_text(text, shown)
        load.done_files = len(files)
        if progress is not None:
            progress(len(files), len(files), files[-1] if files else "")
        return load.result()


def _load_halves(files: list[str], max_bytes: int, load: _Load, halves: Halves,
                 meanwhile: Callable[[], None] | None) -> None:
    """Read ``files`` into ``load`` in two processes when ``halves`` forks: each takes the
    next file from a shared queue (the largest first) and reads it into a ``_Part`` of its
    own; this one runs ``meanwhile`` first. The parts are replayed in the order of the files,
    so the result is the one of reading them in order here. The files are shared out as the
    processes get through them, so neither waits long for the other whatever the sizes, the
    load on the machine or the time ``meanwhile`` takes. A file no process read (a child that
    died) and a second cluster snapshot (its "more than one snapshot" warning depends on the
    files before it) are read here in turn. What crosses back is the model objects,
    diagnostics and document records (~0.1 s of pickling at 5,000 workloads for ~0.6 s of
    parsing), never the YAML node trees."""
    sizes = []
    for path in files:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)
    order = sorted(range(len(files)), key=lambda i: -sizes[i])
    queue = b"".join(i.to_bytes(4, "little") for i in order)
    r, w = os.pipe()  # the queue: file numbers, 4 bytes each (a pipe read of 4 is atomic)
    try:
        os.set_blocking(w, False)
        whole = os.write(w, queue) == len(queue)
    except OSError:  # more files than the pipe holds
        whole = False
    finally:
        os.close(w)
    if not whole:
        os.close(r)
        _merge(load, files, max_bytes, {})
        return

    def take(first: int, _: int) -> dict[int, _Part]:
        if first == 0 and meanwhile is not None:
            meanwhile()
        got: dict[int, _Part] = {}
        while len(number := os.read(r, 4)) == 4:
            i = int.from_bytes(number, "little")
            got[i] = _read_part(files[i], max_bytes)
        return got

    try:
        mine, theirs = halves(2, take, 1)
    finally:
        os.close(r)
    _merge(load, files, max_bytes, {**mine, **theirs})


def _read_part(path: str, max_bytes: int) -> _Part:
    part = _Part()
    text = _read(path, max_bytes, part)
    if text is not None:
        part.files.append(path)
        part.add_text(text, path)
    return part


def _merge(load: _Load, files: list[str], max_bytes: int, parts: dict[int, _Part]) -> None:
    """Replay ``parts`` (file number -> what it loaded) into ``load`` in file order; a file
    without a part, or with a second cluster snapshot, is read again here."""
    for i, path in enumerate(files):
        load.done_files = i
        part = parts.get(i)
        if part is None or (part.snapshot is not None and load.snapshot is not None):
            part = None
            text = _read(path, max_bytes, load)
            if text is not None:
                load.files.append(path)
                load.add_text(text, path)
        else:
            load.replay(part)


def load_text(text: str, name: str = "<text>") -> LoadResult:
    """Load manifests from a string (the editor, tests). ``name`` is used as the file name in
    diagnostics; a name ending in ``.json`` reports JSON syntax errors as JSON ones."""
    load = _Load()
    with _gc_paused():
        load.files.append(name)
        load.add_text(text, name)
        return load.result()

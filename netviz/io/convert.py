"""Turn one Kubernetes object (a plain dict, as YAML or JSON gave it) into a model object.

``convert_object(obj, source, locate=...)`` validates the fields netviz reads, exactly as far as
they matter for connectivity, and returns ``(model object or None, diagnostics)``. It does no
I/O, so a YAML editor can call it on every edit of one object.

Rules it keeps (the reasons are in ``netviz.io.manifests``' docstring, which lists every
decision and diagnostic code):

- Any ERROR means the object is not returned (None); every problem of the object is still
  reported, not only the first. WARNINGs and INFOs never drop the object.
- Messages start with the field path as users see it in their YAML
  (``spec.ingress[0].from[1].podSelector``) and say what is wrong and what would be right.
- ``locate(path)`` (optional) maps a field path to ``(line, column)``; without it every
  diagnostic points at ``source.line``. Rules and peers get their own ``Source`` line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from netviz.io import anp as _anp
from netviz.io.syntax import (
    CIDRError,
    dns1035_label_error,
    dns_label_error,
    dns_subdomain_error,
    label_value_error,
    parse_cidr,
    parse_ip,
    port_name_error,
    qualified_name_error,
)
from netviz.model import (
    ContainerPort,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Requirement,
    Rule,
    Service,
    ServicePort,
    Source,
    Workload,
)
from netviz.model.diagnostics import Diagnostic, Severity

Path = tuple[str | int, ...]
Locate = Callable[[Sequence[str | int]], "tuple[int, int] | None"]
ModelObject = Namespace | Pod | Workload | Service | NetworkPolicy

PROTOCOLS = ("TCP", "UDP", "SCTP")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")

#: kind -> (current apiVersion, removed/older apiVersions read the same way)
API_VERSIONS: dict[str, tuple[str, frozenset[str]]] = {
    "Namespace": ("v1", frozenset()),
    "Pod": ("v1", frozenset()),
    "Service": ("v1", frozenset()),
    "ReplicationController": ("v1", frozenset()),
    "Deployment": ("apps/v1", frozenset({"apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"})),
    "StatefulSet": ("apps/v1", frozenset({"apps/v1beta1", "apps/v1beta2"})),
    "DaemonSet": ("apps/v1", frozenset({"apps/v1beta2", "extensions/v1beta1"})),
    "ReplicaSet": ("apps/v1", frozenset({"apps/v1beta2", "extensions/v1beta1"})),
    "Job": ("batch/v1", frozenset()),
    "CronJob": ("batch/v1", frozenset({"batch/v1beta1", "batch/v2alpha1"})),
    "NetworkPolicy": ("networking.k8s.io/v1", frozenset({"extensions/v1beta1"})),
}
WORKLOADS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)
NOT_EVALUATED = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy")
#: Kinds that are known not to matter; a close misspelling of a used kind is a WARNING instead.
KNOWN_OTHER_KINDS = frozenset(
    """ConfigMap Secret ServiceAccount Role RoleBinding ClusterRole ClusterRoleBinding Ingress
    IngressClass Route Endpoints EndpointSlice PersistentVolume PersistentVolumeClaim
    StorageClass HorizontalPodAutoscaler PodDisruptionBudget LimitRange ResourceQuota Node Event
    CustomResourceDefinition ValidatingWebhookConfiguration MutatingWebhookConfiguration
    PriorityClass Gateway HTTPRoute GRPCRoute PodSecurityPolicy Lease ControllerRevision
    ServiceMonitor PodMonitor Certificate Issuer ClusterIssuer VolumeSnapshot""".split()
)


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


def _labels(ctx: Ctx, value: Any, path: Path, *, strict: bool) -> dict[str, str] | _Bad:
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


def _selector(ctx: Ctx, value: Any, path: Path) -> LabelSelector | None | _Bad:
    value = ctx.typed(value, dict, path)
    if value is None or value is BAD:
        return value
    ctx.unknown_fields(value, ("matchLabels", "matchExpressions"), path)
    labels = _labels(ctx, value.get("matchLabels"), (*path, "matchLabels"), strict=True)
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


def _protocol(ctx: Ctx, obj: dict[str, Any], path: Path) -> str | _Bad:
    proto = ctx.field(obj, "protocol", str, path)
    if proto is BAD:
        return BAD
    if proto is None:
        return "TCP"
    if proto not in PROTOCOLS:
        hint = " (upper case)" if proto.upper() in PROTOCOLS else ""
        ctx.error(
            "invalid-protocol",
            (*path, "protocol"),
            f'"{proto}" is not a valid protocol (use TCP, UDP or SCTP{hint})',
        )
        return BAD
    return proto


def _port_number(ctx: Ctx, value: Any, path: Path, what: str = "port") -> int | _Bad:
    if not 1 <= value <= 65535:
        ctx.error("port-out-of-range", path, f"{what} {value} is out of range (1-65535)")
        return BAD
    return int(value)


def _int_or_name(ctx: Ctx, value: Any, path: Path) -> int | str | None | _Bad:
    """An IntOrString port: a number 1-65535 or an IANA port name."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        ctx.error("wrong-type", path, f"expected a port number or name, got {describe(value)}")
        return BAD
    if isinstance(value, int):
        return _port_number(ctx, value, path)
    if value.isdigit():
        ctx.error(
            "invalid-port-name",
            path,
            f'"{value}" is a string, so it is read as a port *name*, and a name needs a letter; '
            f"write {value} without quotes for a port number",
        )
        return BAD
    if err := port_name_error(value):
        ctx.error("invalid-port-name", path, f'"{value}" is not a valid port name: {err}')
        return BAD
    return value


def _container_ports(ctx: Ctx, pod_spec: Any, path: Path) -> tuple[ContainerPort, ...] | _Bad:
    if pod_spec is None:
        return ()
    containers = ctx.field(pod_spec, "containers", list, path)
    if containers is BAD:
        return BAD
    out: list[ContainerPort] = []
    bad = False
    for i, c in enumerate(containers or ()):
        cp = (*path, "containers", i)
        c = ctx.typed(c, dict, cp)
        if c is BAD:
            bad = True
            continue
        if c is None:
            continue
        ports = ctx.field(c, "ports", list, cp)
        if ports is BAD:
            bad = True
            continue
        for j, p in enumerate(ports or ()):
            pp = (*cp, "ports", j)
            p = ctx.typed(p, dict, pp)
            if p is BAD or p is None:
                bad = bad or p is BAD
                continue
            num = ctx.field(p, "containerPort", int, pp)
            name = ctx.field(p, "name", str, pp)
            proto = _protocol(ctx, p, pp)
            if num is None:
                # The API server refuses this; the reference analyzer reads it as port 0. Either
                # way the entry opens nothing, so the pod still loads without it.
                close = difflib.get_close_matches("containerPort", [str(k) for k in p], n=1)
                hint = f" ({close[0]!r} is not spelled containerPort)" if close else ""
                ctx.warning(
                    "missing-field",
                    pp,
                    f"containerPort is missing{hint}; this port entry is ignored",
                )
                continue
            if num is BAD or name is BAD or proto is BAD:
                bad = True
                continue
            if _port_number(ctx, num, (*pp, "containerPort"), "containerPort") is BAD:
                bad = True
                continue
            if name is not None and (err := port_name_error(name)):
                ctx.error("invalid-port-name", (*pp, "name"), f'"{name}" is not valid: {err}')
                bad = True
                continue
            out.append(ContainerPort(num, name, proto))  # type: ignore[arg-type]
    return BAD if bad else tuple(out)


def _owner(ctx: Ctx, meta: dict[str, Any], path: Path) -> tuple[str, str] | None | _Bad:
    refs = ctx.field(meta, "ownerReferences", list, path)
    if refs is BAD or not refs:
        return None if refs is not BAD else BAD
    valid: list[tuple[bool, str, str]] = []
    for i, r in enumerate(refs):
        rp = (*path, "ownerReferences", i)
        if not isinstance(r, dict):
            ctx.warning(
                "invalid-owner-reference", rp, f"expected a mapping, got {describe(r)}; ignored"
            )
            continue
        kind, name = r.get("kind"), r.get("name")
        if kind is None and isinstance(name, str) and name:
            # The API requires kind, but hand-written manifests omit it. Pods naming the same
            # owner still belong together: they are grouped as one peer named after the owner
            # (ns/owner[Pod]), as the reference analyzer does.
            ctx.warning(
                "invalid-owner-reference",
                (*rp, "kind"),
                f'missing; pods owned by "{name}" are grouped as one peer {name}[Pod]',
            )
            valid.append((r.get("controller") is True, "", name))
            continue
        if not isinstance(kind, str) or not kind or not isinstance(name, str) or not name:
            missing = [f for f in ("kind", "name") if not isinstance(r.get(f), str) or not r.get(f)]
            ctx.warning(
                "invalid-owner-reference",
                rp,
                f"{' and '.join(missing)} missing or not a string; this owner reference is ignored",
            )
            continue
        valid.append((r.get("controller") is True, kind, name))
    if not valid:
        return None
    controllers = [v for v in valid if v[0]]
    _, kind, name = (controllers or valid)[0]
    return (kind, name)


# --------------------------------------------------------------------------- metadata


def _metadata(
    ctx: Ctx, obj: dict[str, Any], kind: str, namespaced: bool
) -> tuple[str | None, str, dict[str, Any], dict[str, str] | _Bad]:
    """(name or None when invalid, namespace, metadata dict, labels)."""
    meta = ctx.typed(obj.get("metadata"), dict, ("metadata",))
    if meta is BAD or meta is None:
        if meta is None:
            ctx.error("missing-name", ("metadata", "name"), "missing; every object needs a name")
        return None, "default", {}, {}
    name = ctx.field(meta, "name", str, ("metadata",))
    if name is None or name == "":
        extra = "every object needs a name"
        if meta.get("generateName"):
            extra = "generateName makes the API server invent one, but netviz needs a fixed name"
        ctx.error("missing-name", ("metadata", "name"), f"missing; {extra}")
        name = None
    elif name is not BAD:
        if kind == "Namespace":
            err = dns_label_error(name)
        elif kind == "Service":
            err = dns1035_label_error(name)
        else:
            err = dns_subdomain_error(name)
        if err:
            # the API server refuses it, but a name has no effect on connectivity: keep the object
            ctx.warning(
                "invalid-name", ("metadata", "name"), f'"{name}" is not a valid {kind} name: {err}'
            )
    else:
        name = None
    namespace = "default"
    if namespaced:
        ns = ctx.field(meta, "namespace", str, ("metadata",))
        if isinstance(ns, str) and ns:
            if err := dns_label_error(ns):
                ctx.warning(
                    "invalid-namespace",
                    ("metadata", "namespace"),
                    f'"{ns}" is not a valid namespace name: {err}',
                )
            namespace = ns
    labels = _labels(ctx, meta.get("labels"), ("metadata", "labels"), strict=False)
    return name, namespace, meta, labels


# --------------------------------------------------------------------------- kinds


def _namespace(ctx: Ctx, obj: dict[str, Any]) -> Namespace | None:
    name, _, _, labels = _metadata(ctx, obj, "Namespace", namespaced=False)
    if ctx.errors or name is None:
        return None
    assert isinstance(labels, dict)
    return Namespace(name=name, labels=labels, source=ctx.source)


def _pod(ctx: Ctx, obj: dict[str, Any]) -> Pod | None:
    name, namespace, meta, labels = _metadata(ctx, obj, "Pod", namespaced=True)
    spec = ctx.field(obj, "spec", dict, ())
    status = ctx.field(obj, "status", dict, ())
    owner = _owner(ctx, meta, ("metadata",))
    ports: Any = ()
    host = None
    if isinstance(spec, dict):
        ports = _container_ports(ctx, spec, ("spec",))
        host = ctx.field(spec, "hostNetwork", bool, ("spec",))
    ips: list[str] = []
    phase = None
    if isinstance(status, dict):
        phase = ctx.field(status, "phase", str, ("status",))
        raw_ips = ctx.field(status, "podIPs", list, ("status",))
        for i, entry in enumerate(raw_ips or ()):
            ip = entry.get("ip") if isinstance(entry, dict) else None
            _add_ip(ctx, ips, ip, ("status", "podIPs", i, "ip"))
        single = status.get("podIP")
        if single is not None and not ips:
            _add_ip(ctx, ips, single, ("status", "podIP"))
    if ctx.errors or name is None:
        return None
    return Pod(
        namespace=namespace,
        name=name,
        labels=labels,  # type: ignore[arg-type]
        ports=ports,
        ips=tuple(ips),
        host_network=host is True,
        owner=owner or None,  # type: ignore[arg-type]
        phase=phase if isinstance(phase, str) else None,
        source=ctx.source,
    )


def _add_ip(ctx: Ctx, ips: list[str], value: Any, path: Path) -> None:
    norm = parse_ip(value) if isinstance(value, str) else None
    if norm is None:
        ctx.warning("invalid-ip", path, f"{describe(value)} is not an IP address; ignored")
    elif norm not in ips:
        ips.append(norm)


def _workload(ctx: Ctx, obj: dict[str, Any], kind: str) -> Workload | None:
    name, namespace, meta, object_labels = _metadata(ctx, obj, kind, namespaced=True)
    owner = _owner(ctx, meta, ("metadata",))
    spec = ctx.field(obj, "spec", dict, ())
    replicas: Any = 1
    labels: Any = {}
    ports: Any = ()
    host = None
    if isinstance(spec, dict):
        if kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
            r = ctx.field(spec, "replicas", int, ("spec",))
            if isinstance(r, int):
                if r < 0:
                    ctx.error(
                        "wrong-value",
                        ("spec", "replicas"),
                        f"replicas must not be negative (it is {r})",
                    )
                else:
                    replicas = r
        tpath: Path = ("spec", "template")
        holder: Any = spec
        if kind == "CronJob":
            jt = ctx.field(spec, "jobTemplate", dict, ("spec",))
            holder = (
                ctx.field(jt, "spec", dict, ("spec", "jobTemplate"))
                if isinstance(jt, dict)
                else None
            )
            tpath = ("spec", "jobTemplate", "spec", "template")
        template = (
            ctx.typed(holder.get("template"), dict, tpath) if isinstance(holder, dict) else None
        )
        if template is None and not ctx.errors:
            ctx.warning(
                "missing-pod-template",
                tpath[:-1],
                f"{format_path(tpath)} is missing: its pods have no labels and no ports",
            )
        if isinstance(template, dict):
            tmeta = ctx.field(template, "metadata", dict, tpath)
            if isinstance(tmeta, dict):
                labels = _labels(
                    ctx, tmeta.get("labels"), (*tpath, "metadata", "labels"), strict=False
                )
            tspec = ctx.field(template, "spec", dict, tpath)
            if isinstance(tspec, dict):
                ports = _container_ports(ctx, tspec, (*tpath, "spec"))
                host = ctx.field(tspec, "hostNetwork", bool, (*tpath, "spec"))
    elif spec is None:
        ctx.warning(
            "missing-pod-template", (), "spec is missing: its pods have no labels and no ports"
        )
    if ctx.errors or name is None:
        return None
    return Workload(
        kind=kind,
        namespace=namespace,
        name=name,
        labels=labels,
        ports=ports,
        replicas=replicas,
        host_network=host is True,
        object_labels=object_labels,  # type: ignore[arg-type]
        owner=owner or None,  # type: ignore[arg-type]
        source=ctx.source,
    )


def _service(ctx: Ctx, obj: dict[str, Any]) -> Service | None:
    name, namespace, _, _ = _metadata(ctx, obj, "Service", namespaced=True)
    spec = ctx.field(obj, "spec", dict, ())
    selector: Any = None
    stype: Any = "ClusterIP"
    cluster_ip: Any = None
    external: Any = None
    ports: list[ServicePort] = []
    if isinstance(spec, dict):
        sel = _labels(ctx, spec.get("selector"), ("spec", "selector"), strict=True)
        selector = sel if sel else None
        t = ctx.field(spec, "type", str, ("spec",))
        if isinstance(t, str):
            if t not in SERVICE_TYPES:
                ctx.error(
                    "invalid-service-type",
                    ("spec", "type"),
                    f'"{t}" is not a Service type (use {", ".join(SERVICE_TYPES)})',
                )
            stype = t
        cluster_ip = ctx.field(spec, "clusterIP", str, ("spec",))
        external = ctx.field(spec, "externalName", str, ("spec",))
        raw = ctx.field(spec, "ports", list, ("spec",))
        for i, p in enumerate(raw or ()):
            pp = ("spec", "ports", i)
            p = ctx.typed(p, dict, pp)
            if not isinstance(p, dict):
                continue
            port = ctx.field(p, "port", int, pp)
            pname = ctx.field(p, "name", str, pp)
            proto = _protocol(ctx, p, pp)
            node_port = ctx.field(p, "nodePort", int, pp)
            if port is None:
                ctx.error("missing-field", pp, "port is missing")
                continue
            if not isinstance(port, int) or _port_number(ctx, port, (*pp, "port")) is BAD:
                continue
            target = _int_or_name(ctx, p.get("targetPort"), (*pp, "targetPort"))
            if target is BAD or proto is BAD or pname is BAD or node_port is BAD:
                continue
            ports.append(
                ServicePort(
                    port=port,
                    target_port=port if target is None else target,  # type: ignore[arg-type]
                    protocol=proto,  # type: ignore[arg-type]
                    name=pname,
                    node_port=node_port,
                )
            )
    if ctx.errors or name is None:
        return None
    return Service(
        namespace=namespace,
        name=name,
        selector=selector,
        ports=tuple(ports),
        type=stype,
        cluster_ip=cluster_ip if isinstance(cluster_ip, str) and cluster_ip else None,
        external_name=external if isinstance(external, str) else None,
        source=ctx.source,
    )


# --------------------------------------------------------------------------- NetworkPolicy


def _ip_block(ctx: Ctx, value: Any, path: Path) -> IPBlock | _Bad:
    ctx.unknown_fields(value, ("cidr", "except"), path)
    cidr = ctx.field(value, "cidr", str, path)
    excepts = ctx.field(value, "except", list, path)
    if cidr is BAD or excepts is BAD:
        return BAD
    if cidr is None:
        ctx.error("missing-field", path, "cidr is missing (e.g. cidr: 10.0.0.0/8)")
        return BAD
    try:
        net, notes = parse_cidr(cidr.strip() if isinstance(cidr, str) else cidr)
    except CIDRError as exc:
        ctx.error("invalid-cidr", (*path, "cidr"), str(exc))
        return BAD
    for note in notes:
        ctx.warning("noncanonical-cidr", (*path, "cidr"), f'"{cidr}": {note}')
    out: list[str] = []
    bad = False
    for i, e in enumerate(excepts or ()):
        ep = (*path, "except", i)
        if not isinstance(e, str):
            ctx.error("wrong-type", ep, f"expected a CIDR string, got {describe(e)}")
            bad = True
            continue
        try:
            enet, enotes = parse_cidr(e.strip())
        except CIDRError as exc:
            ctx.error("invalid-cidr", ep, str(exc))
            bad = True
            continue
        for note in enotes:
            ctx.warning("noncanonical-cidr", ep, f'"{e}": {note}')
        if enet.version != net.version:
            ctx.error(
                "except-family-mismatch",
                ep,
                f'"{e}" is an IPv{enet.version} range but cidr {net} is IPv{net.version}; '
                "except must be inside cidr",
            )
            bad = True
            continue
        if not (enet.subnet_of(net) and enet.prefixlen > net.prefixlen):  # type: ignore[arg-type]
            ctx.error(
                "except-not-in-cidr",
                ep,
                f'"{e}" is not strictly inside cidr {net} (except must be a smaller range within cidr)',
            )
            bad = True
            continue
        out.append(str(enet))
    if bad:
        return BAD
    return IPBlock(str(net), tuple(out))


def _peer(ctx: Ctx, value: Any, path: Path) -> Peer | _Bad:
    value = ctx.typed(value, dict, path)
    if value is BAD:
        return BAD
    if value is None:
        value = {}
    ctx.unknown_fields(value, ("podSelector", "namespaceSelector", "ipBlock"), path)
    pod = _selector(ctx, value.get("podSelector"), (*path, "podSelector"))
    ns = _selector(ctx, value.get("namespaceSelector"), (*path, "namespaceSelector"))
    ipb_raw = ctx.field(value, "ipBlock", dict, path)
    if pod is BAD or ns is BAD or ipb_raw is BAD:
        return BAD
    if ipb_raw is not None and (pod is not None or ns is not None):
        which = " and ".join(
            n for n, v in (("podSelector", pod), ("namespaceSelector", ns)) if v is not None
        )
        ctx.error(
            "peer-ipblock-with-selector",
            path,
            f"a peer has ipBlock and {which}; a peer must be either an ipBlock or selectors "
            "(write them as two separate peers, each starting with '- ')",
        )
        return BAD
    if ipb_raw is None and pod is None and ns is None:
        ctx.error(
            "peer-empty",
            path,
            "the peer is empty; give podSelector, namespaceSelector and/or ipBlock "
            "(to allow everything, leave out the whole from/to list)",
        )
        return BAD
    ipb = _ip_block(ctx, ipb_raw, (*path, "ipBlock")) if ipb_raw is not None else None
    if ipb is BAD:
        return BAD
    return Peer(pod_selector=pod, namespace_selector=ns, ip_block=ipb, source=ctx.src(path))  # type: ignore[arg-type]


def _policy_port(ctx: Ctx, value: Any, path: Path) -> PolicyPort | _Bad:
    value = ctx.typed(value, dict, path)
    if value is BAD:
        return BAD
    if value is None:
        value = {}
    ctx.unknown_fields(value, ("protocol", "port", "endPort"), path)
    proto = _protocol(ctx, value, path)
    port = _int_or_name(ctx, value.get("port"), (*path, "port"))
    end = ctx.field(value, "endPort", int, path)
    if proto is BAD or port is BAD or end is BAD:
        return BAD
    if end is not None:
        if port is None:
            ctx.error(
                "endport-without-port",
                (*path, "endPort"),
                "endPort needs port (the start of the range)",
            )
            return BAD
        if isinstance(port, str):
            ctx.error(
                "endport-named-port",
                (*path, "endPort"),
                f'endPort cannot be used with a named port ("{port}"); use a port number',
            )
            return BAD
        if _port_number(ctx, end, (*path, "endPort"), "endPort") is BAD:
            return BAD
        if end < port:  # type: ignore[operator]
            ctx.error(
                "endport-below-port",
                (*path, "endPort"),
                f"endPort {end} is below port {port}; it must be greater than or equal to port",
            )
            return BAD
    return PolicyPort(protocol=proto, port=port, end_port=end)  # type: ignore[arg-type]


def _rule(ctx: Ctx, value: Any, path: Path, peers_key: str) -> Rule | _Bad:
    value = ctx.typed(value, dict, path)
    if value is BAD:
        return BAD
    if value is None:
        value = {}
    ctx.unknown_fields(value, (peers_key, "ports"), path)
    raw_peers = ctx.field(value, peers_key, list, path)
    raw_ports = ctx.field(value, "ports", list, path)
    if raw_peers is BAD or raw_ports is BAD:
        return BAD
    bad = False
    peers: list[Peer] = []
    for i, p in enumerate(raw_peers or ()):
        got = _peer(ctx, p, (*path, peers_key, i))
        if isinstance(got, Peer):
            peers.append(got)
        else:
            bad = True
    ports: list[PolicyPort] = []
    for i, p in enumerate(raw_ports or ()):
        got2 = _policy_port(ctx, p, (*path, "ports", i))
        if isinstance(got2, PolicyPort):
            ports.append(got2)
        else:
            bad = True
    if bad:
        return BAD
    named = [p.port for p in ports if isinstance(p.port, str)]
    # Only for egress: a named port is resolved on the *destination*. In an ingress rule the
    # destination is the selected pod, so `from: [ipBlock]` with a named port is fine; in an
    # egress rule to ipBlocks only, the destination is an address and the name never resolves.
    if peers_key == "to" and named and peers and all(p.ip_block is not None for p in peers):
        ctx.warning(
            "named-port-ipblock",
            (*path, "ports"),
            f"named port(s) {', '.join(map(str, named))} towards ipBlock peers only: a named "
            "port is resolved on the destination pod, so it never matches an address outside "
            "the cluster",
        )
    return Rule(
        peers=tuple(peers),
        ports=tuple(ports),
        peers_given=raw_peers is not None,
        ports_given=raw_ports is not None,
        source=ctx.src(path),
    )


def _network_policy(ctx: Ctx, obj: dict[str, Any]) -> NetworkPolicy | None:
    name, namespace, _, _ = _metadata(ctx, obj, "NetworkPolicy", namespaced=True)
    spec = ctx.field(obj, "spec", dict, ())
    if spec is BAD:
        return None
    if spec is None:
        ctx.warning(
            "missing-pod-selector",
            (),
            "spec is missing: read as podSelector {} (every pod in the namespace) with no rules, "
            "which denies all ingress to them",
        )
        spec = {}
    ctx.unknown_fields(spec, ("podSelector", "policyTypes", "ingress", "egress"), ("spec",))
    if spec.get("podSelector") is None and spec:
        ctx.warning(
            "missing-pod-selector",
            ("spec", "podSelector"),
            "missing: read as {} which selects every pod in the namespace",
        )
    sel = _selector(ctx, spec.get("podSelector"), ("spec", "podSelector"))
    types_raw = ctx.field(spec, "policyTypes", list, ("spec",))
    types: set[str] = set()
    for i, t in enumerate(types_raw or ()):
        if t not in ("Ingress", "Egress"):
            shown = f'"{t}"' if isinstance(t, str) else describe(t)
            ctx.error(
                "invalid-policy-type",
                ("spec", "policyTypes", i),
                f"{shown} is not a policy type (use Ingress or Egress)",
            )
        else:
            types.add(t)
    rules: dict[str, list[Rule]] = {"ingress": [], "egress": []}
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        raw = ctx.field(spec, key, list, ("spec",))
        for i, r in enumerate(raw or ()):
            got = _rule(ctx, r, ("spec", key, i), peers_key)
            if isinstance(got, Rule):
                rules[key].append(got)
    given = bool(types_raw)
    if not given:
        # API server defaulting (pkg/apis/networking/v1/defaults.go)
        types = {"Ingress"}
        if rules["egress"] or (isinstance(spec.get("egress"), list) and spec.get("egress")):
            types.add("Egress")
    else:
        for key, typ in (("ingress", "Ingress"), ("egress", "Egress")):
            if isinstance(spec.get(key), list) and spec[key] and typ not in types:
                ctx.warning(
                    "rules-ignored",
                    ("spec", key),
                    f"spec.{key} has rules but policyTypes does not list {typ}: they have no effect",
                )
    if ctx.errors or name is None or sel is BAD:
        return None
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=sel or LabelSelector(),  # type: ignore[arg-type]
        policy_types=frozenset(types),
        ingress=tuple(rules["ingress"]),
        egress=tuple(rules["egress"]),
        policy_types_given=given,
        source=ctx.source,
    )


# --------------------------------------------------------------------------- entry point


def _api_version_ok(ctx: Ctx, kind: str, api_version: Any) -> bool:
    current, legacy = API_VERSIONS[kind]
    if api_version is None:
        ctx.warning("missing-api-version", (), f"apiVersion is missing; read as {current}")
        return True
    if not isinstance(api_version, str):
        ctx.error("wrong-type", ("apiVersion",), f"expected a string, got {describe(api_version)}")
        return False
    if api_version == current:
        return True
    if api_version in legacy:
        ctx.warning(
            "removed-api-version",
            ("apiVersion",),
            f"{kind} {api_version} is an old API version that current Kubernetes no longer "
            f"serves; read as {current} (the fields netviz uses are the same)",
        )
        return True
    ctx.error(
        "unknown-api-version",
        ("apiVersion",),
        f"{kind} has no API version {api_version!r} (use {current}); the object was skipped",
    )
    return False


def _names(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return None, None
    name = meta.get("name")
    ns = meta.get("namespace")
    return (name if isinstance(name, str) else None, ns if isinstance(ns, str) else None)


def convert_object(
    obj: dict[str, Any],
    source: Source,
    *,
    locate: Locate | None = None,
    part_sources: bool = True,
) -> tuple[ModelObject | None, list[Diagnostic]]:
    """Validate and convert one object. Lists are expanded by the caller (``manifests``).

    ``locate(path) -> (line, column) | None`` places diagnostics; with ``part_sources`` it also
    gives rules and peers their own ``Source`` line (turn it off when locating is expensive,
    e.g. JSON, where it means parsing the text a second time)."""
    name, ns = _names(obj) if isinstance(obj, dict) else (None, None)
    kind = obj.get("kind") if isinstance(obj, dict) else None
    namespaced = kind not in ("Namespace", *NOT_EVALUATED)
    ref = object_ref(str(kind), (ns or "default") if namespaced else None, name) if kind else None
    ctx = Ctx(source, ref, locate, part_sources)
    if not isinstance(obj, dict):
        ctx.error(
            "not-an-object", (), f"expected a Kubernetes object (a mapping), got {describe(obj)}"
        )
        return None, ctx.diags
    if kind is None:
        keys = ", ".join(map(str, list(obj)[:5]))
        ctx.error(
            "missing-kind",
            (),
            f"not a Kubernetes object: kind is missing (the document has {keys or 'no keys'})",
        )
        return None, ctx.diags
    if not isinstance(kind, str):
        ctx.error("wrong-type", ("kind",), f"expected a string, got {describe(kind)}")
        return None, ctx.diags
    if kind in NOT_EVALUATED:
        _anp.check(obj, ctx)
        ctx.info(
            "kind-not-evaluated",
            (),
            f"{kind} is not evaluated yet: netviz shows connectivity from NetworkPolicies only",
        )
        return None, ctx.diags
    if kind not in API_VERSIONS:
        close = difflib.get_close_matches(kind, list(API_VERSIONS), n=1, cutoff=0.75)
        if not close:
            close = [k for k in API_VERSIONS if k.lower() == kind.lower()]
        if close and kind not in KNOWN_OTHER_KINDS:
            ctx.warning(
                "unknown-kind",
                ("kind",),
                f'unknown kind "{kind}" (did you mean {close[0]}?); the object was skipped',
            )
        else:
            ctx.info("kind-skipped", (), f"{kind} is not used for connectivity; skipped")
        return None, ctx.diags
    if not _api_version_ok(ctx, kind, obj.get("apiVersion")):
        return None, ctx.diags
    result: ModelObject | None
    if kind == "Namespace":
        result = _namespace(ctx, obj)
    elif kind == "Pod":
        result = _pod(ctx, obj)
    elif kind == "Service":
        result = _service(ctx, obj)
    elif kind == "NetworkPolicy":
        result = _network_policy(ctx, obj)
    else:
        result = _workload(ctx, obj, kind)
    if ctx.errors:
        result = None
    return result, ctx.diags


__all__ = ["convert_object", "object_ref", "format_path", "describe", "Ctx", "BAD"]

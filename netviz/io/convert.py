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
from typing import Any

from netviz.io import anp as _anp
from netviz.io.fields import (
    BAD,
    Ctx,
    Locate,
    Path,
    _Bad,
    describe,
    format_path,
    object_ref,
    read_labels,
    read_selector,
)
from netviz.io.syntax import (
    CIDRError,
    dns1035_label_error,
    dns_label_error,
    dns_subdomain_error,
    parse_cidr,
    parse_ip,
    port_name_error,
)
from netviz.model import (
    ContainerPort,
    EndpointPort,
    EndpointSubset,
    Ingress,
    IngressBackend,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Rule,
    Service,
    ServiceEndpoints,
    ServicePort,
    Source,
    Workload,
)
from netviz.model.cluster_policy import ClusterPolicy, Node
from netviz.model.diagnostics import Diagnostic

ModelObject = (
    Namespace | Pod | Workload | Service | NetworkPolicy | ClusterPolicy | Node | Ingress
    | ServiceEndpoints
)

PROTOCOLS = ("TCP", "UDP", "SCTP")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
#: the API's int32 fields (replicas) stop here
INT32_MAX = 2**31 - 1

#: Ingress API versions that wrote backends as ``serviceName``/``servicePort`` (removed in
#: Kubernetes 1.22; read the same way, with a warning)
_LEGACY_INGRESS_VERSIONS = frozenset({"networking.k8s.io/v1beta1", "extensions/v1beta1"})

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
    "Node": ("v1", frozenset()),
    "Ingress": ("networking.k8s.io/v1", _LEGACY_INGRESS_VERSIONS),
    "Route": ("route.openshift.io/v1", frozenset({"v1"})),
    "Endpoints": ("v1", frozenset()),
    "EndpointSlice": ("discovery.k8s.io/v1", frozenset({"discovery.k8s.io/v1beta1"})),
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
#: cluster-scoped policy kinds (``netviz.io.anp``)
CLUSTER_POLICY_KINDS = _anp.KINDS
#: Kinds that are known not to matter; a close misspelling of a used kind is a WARNING instead.
KNOWN_OTHER_KINDS = frozenset(
    """ConfigMap Secret ServiceAccount Role RoleBinding ClusterRole ClusterRoleBinding
    IngressClass PersistentVolume PersistentVolumeClaim
    StorageClass HorizontalPodAutoscaler PodDisruptionBudget LimitRange ResourceQuota Event
    CustomResourceDefinition ValidatingWebhookConfiguration MutatingWebhookConfiguration
    PriorityClass Gateway HTTPRoute GRPCRoute PodSecurityPolicy Lease ControllerRevision
    ServiceMonitor PodMonitor Certificate Issuer ClusterIssuer VolumeSnapshot""".split()
)


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
    labels = read_labels(ctx, meta.get("labels"), ("metadata", "labels"), strict=False)
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
                elif r > INT32_MAX:  # an int32 in the API: the API server refuses more
                    ctx.error(
                        "wrong-value",
                        ("spec", "replicas"),
                        f"replicas {r} is out of range (at most {INT32_MAX:,}, an int32)",
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
                labels = read_labels(
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
    external_ips: list[str] = []
    lb_addresses: list[str] = []
    source_ranges: list[str] = []
    traffic_policy = "Cluster"
    allocate = True
    if isinstance(spec, dict):
        sel = read_labels(ctx, spec.get("selector"), ("spec", "selector"), strict=True)
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
        for i, ip in enumerate(ctx.field(spec, "externalIPs", list, ("spec",)) or ()):
            _add_ip(ctx, external_ips, ip, ("spec", "externalIPs", i))
        lb_ip = ctx.field(spec, "loadBalancerIP", str, ("spec",))
        if isinstance(lb_ip, str) and lb_ip:
            _add_ip(ctx, lb_addresses, lb_ip, ("spec", "loadBalancerIP"))
        for i, cidr in enumerate(
            ctx.field(spec, "loadBalancerSourceRanges", list, ("spec",)) or ()
        ):
            rp = ("spec", "loadBalancerSourceRanges", i)
            if not isinstance(cidr, str):
                ctx.error("wrong-type", rp, f"expected a CIDR string, got {describe(cidr)}")
                continue
            try:
                net, notes = parse_cidr(cidr.strip())
            except CIDRError as exc:
                ctx.error("invalid-cidr", rp, str(exc))
                continue
            for note in notes:
                ctx.warning("noncanonical-cidr", rp, f'"{cidr}": {note}')
            source_ranges.append(str(net))
        etp = ctx.field(spec, "externalTrafficPolicy", str, ("spec",))
        if isinstance(etp, str) and etp:
            if etp == "Global":  # the name before Kubernetes 1.19
                etp = "Cluster"
            if etp not in ("Cluster", "Local"):
                ctx.warning("wrong-value", ("spec", "externalTrafficPolicy"),
                            f'"{etp}" is not Cluster or Local; read as Cluster')
                etp = "Cluster"
            traffic_policy = etp
        alloc = ctx.field(spec, "allocateLoadBalancerNodePorts", bool, ("spec",))
        if alloc is False:
            allocate = False
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
    status = obj.get("status")
    lb = status.get("loadBalancer") if isinstance(status, dict) else None
    lb_ingress = lb.get("ingress") if isinstance(lb, dict) else None
    for entry in lb_ingress if isinstance(lb_ingress, list) else ():
        if isinstance(entry, dict):
            for k in ("ip", "hostname"):
                v = entry.get(k)
                if isinstance(v, str) and v and v not in lb_addresses:
                    lb_addresses.append(v)
    if ctx.errors or name is None:
        return None
    if source_ranges and stype != "LoadBalancer":
        ctx.warning("source-ranges-unused", ("spec", "loadBalancerSourceRanges"),
                    f"loadBalancerSourceRanges has no effect on a Service of type {stype} "
                    "(only on LoadBalancer)")
    return Service(
        namespace=namespace,
        name=name,
        selector=selector,
        ports=tuple(ports),
        type=stype,
        cluster_ip=cluster_ip if isinstance(cluster_ip, str) and cluster_ip else None,
        external_name=external if isinstance(external, str) else None,
        source=ctx.source,
        external_ips=tuple(external_ips),
        load_balancer_source_ranges=tuple(source_ranges),
        load_balancer_addresses=tuple(lb_addresses),
        external_traffic_policy=traffic_policy,
        allocate_node_ports=allocate,
    )


# --------------------------------------------------------------------------- Endpoints


_SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _endpoint_ports(ctx: Ctx, value: Any, path: Path) -> list[EndpointPort]:
    out: list[EndpointPort] = []
    for i, p in enumerate(ctx.typed(value, list, path) or ()):
        pp = (*path, i)
        p = ctx.typed(p, dict, pp)
        if not isinstance(p, dict):
            continue
        port = ctx.field(p, "port", int, pp)
        pname = ctx.field(p, "name", str, pp)
        proto = _protocol(ctx, p, pp)
        if port is None:
            continue  # an EndpointSlice port without a number: "all ports" (not followed)
        if port is BAD or _port_number(ctx, port, (*pp, "port")) is BAD or proto is BAD:
            continue
        out.append(EndpointPort(port, proto, pname if isinstance(pname, str) else None))  # type: ignore[arg-type]
    return out


def _target_pod(ref: Any, namespace: str) -> str | None:
    if isinstance(ref, dict) and ref.get("kind") == "Pod" and isinstance(ref.get("name"), str):
        ns = ref.get("namespace") if isinstance(ref.get("namespace"), str) else namespace
        return f"{ns}/{ref['name']}"
    return None


def _endpoints(ctx: Ctx, obj: dict[str, Any]) -> ServiceEndpoints | None:
    """core/v1 Endpoints: ``subsets`` of addresses (``ip``, ``targetRef``) and ports."""
    name, namespace, _, _ = _metadata(ctx, obj, "Endpoints", namespaced=True)
    subsets: list[EndpointSubset] = []
    for i, sub in enumerate(ctx.field(obj, "subsets", list, ()) or ()):
        sp = ("subsets", i)
        sub = ctx.typed(sub, dict, sp)
        if not isinstance(sub, dict):
            continue
        addresses: list[str] = []
        pods: list[str] = []
        not_ready: list[str] = []
        for key, into in (("addresses", addresses), ("notReadyAddresses", not_ready)):
            for j, a in enumerate(ctx.field(sub, key, list, sp) or ()):
                ap = (*sp, key, j)
                a = ctx.typed(a, dict, ap)
                if not isinstance(a, dict):
                    continue
                pod = _target_pod(a.get("targetRef"), namespace)
                if pod is not None:
                    if key == "addresses":
                        pods.append(pod)
                    continue
                _add_ip(ctx, into, a.get("ip"), (*ap, "ip"))
        ports = _endpoint_ports(ctx, sub.get("ports"), (*sp, "ports"))
        subsets.append(EndpointSubset(tuple(addresses), tuple(ports), (), tuple(pods),
                                      tuple(not_ready)))
    if ctx.errors or name is None:
        return None
    return ServiceEndpoints("Endpoints", namespace, name, name, tuple(subsets), ctx.source)


def _endpoint_slice(ctx: Ctx, obj: dict[str, Any]) -> ServiceEndpoints | None:
    """discovery.k8s.io/v1 EndpointSlice: its Service is the ``kubernetes.io/service-name``
    label; ``endpoints`` (ready unless ``conditions.ready: false``) and ``ports``."""
    name, namespace, _, labels = _metadata(ctx, obj, "EndpointSlice", namespaced=True)
    service = labels.get(_SERVICE_NAME_LABEL) if isinstance(labels, dict) else None
    if not service:
        ctx.warning("endpointslice-no-service", ("metadata", "labels"),
                    f"no {_SERVICE_NAME_LABEL} label: this EndpointSlice belongs to no Service "
                    "and is not used")
    kind = ctx.field(obj, "addressType", str, ())
    addresses: list[str] = []
    fqdns: list[str] = []
    pods: list[str] = []
    not_ready: list[str] = []
    for i, ep in enumerate(ctx.field(obj, "endpoints", list, ()) or ()):
        ep_path = ("endpoints", i)
        ep = ctx.typed(ep, dict, ep_path)
        if not isinstance(ep, dict):
            continue
        cond = ep.get("conditions")
        ready = not (isinstance(cond, dict) and cond.get("ready") is False)
        pod = _target_pod(ep.get("targetRef"), namespace)
        if pod is not None:
            if ready:
                pods.append(pod)
            continue
        for j, a in enumerate(ctx.field(ep, "addresses", list, ep_path) or ()):
            ap = (*ep_path, "addresses", j)
            if kind == "FQDN":
                if isinstance(a, str) and a:
                    fqdns.append(a)
                continue
            _add_ip(ctx, addresses if ready else not_ready, a, ap)
    ports = _endpoint_ports(ctx, obj.get("ports"), ("ports",))
    if ctx.errors or name is None:
        return None
    sub = EndpointSubset(tuple(addresses), tuple(ports), tuple(fqdns), tuple(pods),
                         tuple(not_ready))
    return ServiceEndpoints("EndpointSlice", namespace, name, service or "", (sub,), ctx.source)


# --------------------------------------------------------------------------- Ingress, Route

def _backend_port(ctx: Ctx, value: Any, path: Path) -> int | str | None | _Bad:
    """A Service port given as a number or a name (Ingress ``port``, Route ``targetPort``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        ctx.error("wrong-type", path, f"expected a port number or name, got {describe(value)}")
        return BAD
    if isinstance(value, int):
        return _port_number(ctx, value, path)
    if value.isdigit():
        # the API server reads a quoted number in an IntOrString as a name; say so
        ctx.warning(
            "quoted-port-number",
            path,
            f'"{value}" is a string, so it is read as a port *name*; write {value} without '
            "quotes for a port number",
        )
    return value


def _ingress_backend_v1(
    ctx: Ctx, value: Any, path: Path, role: str, host: str | None, p: str | None
) -> IngressBackend | None | _Bad:
    b = ctx.typed(value, dict, path)
    if b is BAD or b is None:
        return b
    svc = ctx.field(b, "service", dict, path)
    res = ctx.field(b, "resource", dict, path)
    if svc is BAD or res is BAD:
        return BAD
    if svc is not None and res is not None:
        ctx.error("ingress-invalid", path, "a backend sets both service and resource; "
                  "the API server refuses it (set exactly one)")
        return BAD
    if svc is None and res is None:
        ctx.error("missing-field", path, "a backend needs service (name and port) or resource")
        return BAD
    if res is not None:
        kind = res.get("kind") if isinstance(res.get("kind"), str) else "resource"
        return IngressBackend(None, None, role, host, p, str(kind), ctx.src(path))
    sp = (*path, "service")
    name = ctx.field(svc, "name", str, sp)
    port_obj = ctx.field(svc, "port", dict, sp)
    if name is BAD or port_obj is BAD:
        return BAD
    if not name:
        ctx.error("missing-field", (*sp, "name"), "the backend Service name is missing")
        return BAD
    port: int | str | None | _Bad = None
    if isinstance(port_obj, dict):
        pp = (*sp, "port")
        number = ctx.field(port_obj, "number", int, pp)
        pname = ctx.field(port_obj, "name", str, pp)
        if number is BAD or pname is BAD:
            return BAD
        if number is not None and pname:
            ctx.error("ingress-invalid", pp, "port sets both number and name; the API server "
                      "refuses it (set exactly one)")
            return BAD
        if number is not None:
            port = _port_number(ctx, number, (*pp, "number"))
        elif pname:
            port = pname
    if port is BAD:
        return BAD
    return IngressBackend(name, port, role, host, p, "Service", ctx.src(path))  # type: ignore[arg-type]


def _ingress_backend_legacy(
    ctx: Ctx, value: Any, path: Path, role: str, host: str | None, p: str | None
) -> IngressBackend | None | _Bad:
    b = ctx.typed(value, dict, path)
    if b is BAD or b is None:
        return b
    if "service" in b or "resource" in b:  # a v1 backend under an old apiVersion: read it
        return _ingress_backend_v1(ctx, b, path, role, host, p)
    name = ctx.field(b, "serviceName", str, path)
    if name is BAD:
        return BAD
    if not name:
        ctx.error("missing-field", (*path, "serviceName"), "the backend Service name is missing")
        return BAD
    port = _backend_port(ctx, b.get("servicePort"), (*path, "servicePort"))
    if port is BAD:
        return BAD
    return IngressBackend(name, port, role, host, p, "Service", ctx.src(path))  # type: ignore[arg-type]


def _ingress(ctx: Ctx, obj: dict[str, Any], legacy: bool) -> Ingress | None:
    """networking.k8s.io/v1 Ingress (and the removed v1beta1 versions): its Service backends.
    A non-Service (``resource``) backend is kept as a backend without a Service and reported
    as an info: netviz follows Service backends only, as the reference analyzer does."""
    name, namespace, _, _ = _metadata(ctx, obj, "Ingress", namespaced=True)
    spec = ctx.field(obj, "spec", dict, ())
    backends: list[IngressBackend] = []
    hosts: list[str] = []
    klass: Any = None
    tls = False
    one = _ingress_backend_legacy if legacy else _ingress_backend_v1
    if isinstance(spec, dict):
        klass = ctx.field(spec, "ingressClassName", str, ("spec",))
        tls = bool(spec.get("tls"))
        key = "backend" if legacy and "defaultBackend" not in spec else "defaultBackend"
        got = one(ctx, spec.get(key), ("spec", key), "default", None, None)
        if isinstance(got, IngressBackend):
            backends.append(got)
        rules = ctx.field(spec, "rules", list, ("spec",))
        for i, rule in enumerate(rules or ()):
            rp = ("spec", "rules", i)
            rule = ctx.typed(rule, dict, rp)
            if not isinstance(rule, dict):
                continue
            host = ctx.field(rule, "host", str, rp)
            host = host if isinstance(host, str) and host else None
            if host:
                hosts.append(host)
            http = ctx.field(rule, "http", dict, rp)
            if not isinstance(http, dict):
                continue
            paths = ctx.field(http, "paths", list, (*rp, "http"))
            for j, entry in enumerate(paths or ()):
                pp = (*rp, "http", "paths", j)
                entry = ctx.typed(entry, dict, pp)
                if not isinstance(entry, dict):
                    continue
                path_text = entry.get("path") if isinstance(entry.get("path"), str) else None
                if "backend" not in entry:
                    ctx.error("missing-field", pp, "a path needs a backend")
                    continue
                got = one(ctx, entry.get("backend"), (*pp, "backend"), "rule", host, path_text)
                if isinstance(got, IngressBackend):
                    backends.append(got)
    for b in backends:
        if b.service is None:
            ctx.info(
                "ingress-backend-not-service",
                (),
                f"a {b.role} backend of kind {b.target_kind} is not a Service: netviz follows "
                "Service backends only",
            )
    if ctx.errors or name is None:
        return None
    if not backends:
        ctx.warning("ingress-no-backend", ("spec",), "this Ingress has no backend (no "
                    "defaultBackend and no rule path): it sends traffic nowhere")
    return Ingress(
        "Ingress", namespace, name, tuple(backends), tuple(dict.fromkeys(hosts)),
        klass if isinstance(klass, str) else None, tls, ctx.source,
    )


def _route_target(ctx: Ctx, value: Any, path: Path, role: str, port: int | str | None,
                  host: str | None, p: str | None) -> IngressBackend | _Bad:
    t = ctx.typed(value, dict, path)
    if t is BAD:
        return BAD
    if t is None:
        ctx.error("missing-field", path, "missing; a Route needs a target (to: {kind: Service, "
                  "name: ...})")
        return BAD
    kind = ctx.field(t, "kind", str, path)
    name = ctx.field(t, "name", str, path)
    if kind is BAD or name is BAD:
        return BAD
    if not name:
        ctx.error("missing-field", (*path, "name"), "the target name is missing")
        return BAD
    kind = kind or "Service"
    if kind != "Service":
        ctx.warning(
            "route-target-not-service",
            (*path, "kind"),
            f'target kind "{kind}" is not a Service: this target is ignored (netviz, like '
            "the reference analyzer, follows Service targets only)",
        )
        return IngressBackend(None, port, role, host, p, kind, ctx.src(path))
    return IngressBackend(name, port, role, host, p, "Service", ctx.src(path))


def _route(ctx: Ctx, obj: dict[str, Any]) -> Ingress | None:
    """OpenShift route.openshift.io/v1 Route: ``to`` and ``alternateBackends`` (Services in the
    Route's namespace) on ``port.targetPort`` (all Service ports when absent)."""
    name, namespace, _, _ = _metadata(ctx, obj, "Route", namespaced=True)
    spec = ctx.field(obj, "spec", dict, ())
    backends: list[IngressBackend] = []
    host: Any = None
    tls = False
    if spec is None:
        ctx.error("missing-field", ("spec",), "missing; a Route needs spec.to")
    if isinstance(spec, dict):
        host = ctx.field(spec, "host", str, ("spec",))
        host = host if isinstance(host, str) and host else None
        path_text = spec.get("path") if isinstance(spec.get("path"), str) else None
        tls = bool(spec.get("tls"))
        port: Any = None
        port_obj = ctx.field(spec, "port", dict, ("spec",))
        if isinstance(port_obj, dict):
            port = _backend_port(ctx, port_obj.get("targetPort"), ("spec", "port", "targetPort"))
        if port is not BAD:
            got = _route_target(ctx, spec.get("to"), ("spec", "to"), "to", port, host, path_text)
            if isinstance(got, IngressBackend):
                backends.append(got)
            alts = ctx.field(spec, "alternateBackends", list, ("spec",))
            for i, alt in enumerate(alts or ()):
                got = _route_target(ctx, alt, ("spec", "alternateBackends", i), "alternate",
                                    port, host, path_text)
                if isinstance(got, IngressBackend):
                    backends.append(got)
    if ctx.errors or name is None:
        return None
    return Ingress(
        "Route", namespace, name, tuple(backends), (host,) if host else (), None, tls,
        ctx.source,
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
    pod = read_selector(ctx, value.get("podSelector"), (*path, "podSelector"))
    ns = read_selector(ctx, value.get("namespaceSelector"), (*path, "namespaceSelector"))
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
        if end < port:
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
    sel = read_selector(ctx, spec.get("podSelector"), ("spec", "podSelector"))
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


def _node(ctx: Ctx, obj: dict[str, Any]) -> Node | None:
    """A Node: name, labels and ``status.addresses`` (InternalIP/ExternalIP), which give the
    ``nodes`` peers of cluster policies their addresses."""
    name, _, _, labels = _metadata(ctx, obj, "Node", namespaced=False)
    status = ctx.field(obj, "status", dict, ())
    ips: list[str] = []
    if isinstance(status, dict):
        addrs = ctx.field(status, "addresses", list, ("status",))
        for i, a in enumerate(addrs or ()):
            if not isinstance(a, dict) or a.get("type") not in ("InternalIP", "ExternalIP"):
                continue
            _add_ip(ctx, ips, a.get("address"), ("status", "addresses", i, "address"))
    if name is None or labels is BAD:
        return None
    assert isinstance(labels, dict)
    return Node(name=name, labels=labels, addresses=tuple(dict.fromkeys(ips)), source=ctx.source)


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
    namespaced = kind not in ("Namespace", "Node", *CLUSTER_POLICY_KINDS)
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
    if kind in CLUSTER_POLICY_KINDS:
        return _anp.convert(obj, ctx), ctx.diags
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
    elif kind == "Node":
        result = _node(ctx, obj)
    elif kind == "Ingress":
        result = _ingress(ctx, obj, obj.get("apiVersion") in _LEGACY_INGRESS_VERSIONS)
    elif kind == "Route":
        result = _route(ctx, obj)
    elif kind == "Endpoints":
        result = _endpoints(ctx, obj)
    elif kind == "EndpointSlice":
        result = _endpoint_slice(ctx, obj)
    else:
        result = _workload(ctx, obj, kind)
    if ctx.errors:
        result = None
    return result, ctx.diags


__all__ = ["convert_object", "object_ref", "format_path", "describe", "Ctx", "BAD"]

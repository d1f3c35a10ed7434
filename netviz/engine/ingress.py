"""Ingress and OpenShift Route: what the ingress controller may reach.

Rules this module keeps (the conventions of the reference analyzer, np-guard netpol-analyzer,
checked by tests/conformance; https://kubernetes.io/docs/concepts/services-networking/ingress/
and the OpenShift Route API for the objects):

- **The ingress controller is one peer**, ``{ingress-controller}``. Where it runs is unknown
  (it is usually not in the input), so it is a *virtual pod*: name ``ingress-controller`` in
  namespace ``ingress-controller-ns``, no labels, no IP (``analyzer.VirtualPod``). The policies
  evaluate it like any pod with those labels: a backend's ingress rule lets it in when the
  rule's peers match such a pod (no ``from``, ``namespaceSelector: {}``, a namespaceSelector
  matching that namespace's labels...), never through an ipBlock; its own egress is governed by
  the policies of its namespace (normally none). The namespace's labels are those of a loaded
  namespace of that name, else just ``kubernetes.io/metadata.name``. Where it really runs is
  switchable (``Options.ingress_controller``: a namespace and pod labels); the peer keeps
  its name.
- **It exists** only when the input has at least one Ingress or Route *and* at least one Service
  with a selector that selects a workload (the reference's rule); then ``--focus-workload
  ingress-controller`` names it, even if it reaches nothing.
- **Following the objects.** An Ingress's default backend and rule paths, and a Route's ``to``
  and ``alternateBackends``, name Services in the object's own namespace. Backends that are not
  Services are ignored (the loader says so). A Service is followed to the workloads whose pods
  its selector matches (same namespace). A Service without a selector (its endpoints lead
  elsewhere) is not followed; a backend Service that is missing or selects no workload is
  reported and ignored. Objects in a namespace without any usable Service are skipped.
- **Ports.** A backend port selects the Service port it names: the first Service port whose
  ``name`` equals the backend's port name, or whose ``port`` equals the backend's number, or
  whose ``targetPort`` equals it exactly (a Route's ``targetPort`` may name either); a backend
  without a port (a Route without ``port``) takes every Service port. That Service port's
  ``targetPort`` (or ``port`` when absent) is the workload's port; a name is resolved among
  the workload's container ports and must be TCP there. The port is reachable when the
  workload's containers declare it (the reference counts *every* declared container port as a
  TCP port, whatever its protocol: netviz does the same, so the lists agree). Only TCP:
  Ingress and Route carry HTTP(S).
- **The listed connection** ``{ingress-controller} => W`` is the union over the objects of
  the ports they lead to on W, intersected with what the policies allow from the ingress
  controller to W (every pod class of W). When that is empty the connection is not listed and
  a warning names the object (the first Ingress, else the first Route, by namespace/name).
- Several objects reaching one workload add up; for ``--explain`` each (object, Service) is a
  "rule" of kind ``Ingress`` or ``Route`` (``IngressPath``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from netviz.engine.analyzer import (
    DEFAULT_INGRESS_CONTROLLER_NAMESPACE,
    Analyzer,
    PodClass,
    VirtualPod,
)
from netviz.engine.connections import ConnectionSet
from netviz.engine.explain import Gate, PairExplanation, explain_pair
from netviz.model import Ingress, Service, Source
from netviz.model.diagnostics import Diagnostic, Severity
from netviz.model.keys import INGRESS_CONTROLLER_KEY
from netviz.model.objects import NAMESPACE_NAME_LABEL

INGRESS_CONTROLLER = INGRESS_CONTROLLER_KEY
INGRESS_CONTROLLER_NAME = "ingress-controller"
INGRESS_CONTROLLER_NAMESPACE = DEFAULT_INGRESS_CONTROLLER_NAMESPACE
#: names that ``--focus-workload`` accepts for the ingress controller
INGRESS_CONTROLLER_NAMES = (
    INGRESS_CONTROLLER_NAME,
    f"{INGRESS_CONTROLLER_NAMESPACE}/{INGRESS_CONTROLLER_NAME}",
    INGRESS_CONTROLLER,
)


@dataclass(frozen=True)
class IngressPath:
    """One way in: ``obj`` (an Ingress or Route) sends traffic through ``service`` to a
    workload, on ``ports`` (TCP ports of the workload; may be empty when no backend port
    resolves to a port the workload declares)."""

    obj: Ingress
    service: Service
    ports: ConnectionSet

    @property
    def label(self) -> str:
        """``Route 'frontend/webapp'``: how explanations name the object."""
        return f"{self.obj.kind} '{self.obj.key}'"


@dataclass(frozen=True)
class IngressTarget:
    """A workload that Ingress/Route objects lead to."""

    workload: str  # ns/name[Kind]
    paths: tuple[IngressPath, ...]
    #: union of the paths' ports: what the objects ask for
    requested: ConnectionSet
    #: ``requested`` & what the policies allow from the ingress controller
    allowed: ConnectionSet

    @property
    def blocked(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class IngressAnalysis:
    #: the ingress controller is part of the analysis (see the module rules)
    present: bool
    controller: VirtualPod
    targets: tuple[IngressTarget, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    def target(self, workload: str) -> IngressTarget | None:
        for t in self.targets:
            if t.workload == workload:
                return t
        return None


def controller_pod(an: Analyzer) -> VirtualPod:
    """The ingress controller as a virtual pod: where ``Options.ingress_controller`` says it
    runs (by default the reference's placeholder), with its namespace's labels when that
    namespace is loaded."""
    ns_name, labels = an.options.ingress_controller
    ns = an.cluster.namespace(ns_name)
    ns_labels = dict(ns.labels) if ns is not None else {}
    ns_labels[NAMESPACE_NAME_LABEL] = ns_name
    return VirtualPod(INGRESS_CONTROLLER, ns_name, tuple(labels),
                      tuple(sorted(ns_labels.items())))


_CACHE: weakref.WeakKeyDictionary[Analyzer, IngressAnalysis] = weakref.WeakKeyDictionary()


def analyze_ingress(an: Analyzer) -> IngressAnalysis:
    """The ingress controller's reach in ``an``'s cluster under its policies (memoised per
    analyzer: a what-if edit makes a new analyzer)."""
    got = _CACHE.get(an)
    if got is None:
        got = _CACHE[an] = _analyze(an)
    return got


# --------------------------------------------------------------------------- internals


def explain_target(an: Analyzer, target: IngressTarget,
                   universe: ConnectionSet | None = None) -> PairExplanation:
    """Why the ingress controller reaches ``target`` on what it does: the policies of the
    controller's egress and the workload's ingress, and the Ingress/Route paths (gates) as a
    second condition on the ingress side (``netviz.engine.explain.explain_pair``)."""
    pc = _workload_classes(an)[target.workload][0]
    gates = [Gate(p.obj.kind, p.obj.key, p.service.name, p.ports, p.obj.source)
             for p in target.paths]
    return explain_pair(an, analyze_ingress(an).controller, pc, INGRESS_CONTROLLER,
                        target.workload, universe, gates)


def _diag(code: str, message: str, obj: Ingress, source: Source | None = None) -> Diagnostic:
    src = source or obj.source
    return Diagnostic(
        Severity.WARNING, message, src.file if src else None, src.doc if src else None,
        src.line if src else None, None, f"{obj.kind} {obj.key}", code,
    )


def _workload_classes(an: Analyzer) -> dict[str, list[PodClass]]:
    out: dict[str, list[PodClass]] = {}
    for pc in an.classes:
        for pod in pc.pods:
            lst = out.setdefault(pod.workload_key, [])
            if pc not in lst:
                lst.append(pc)
    return out


def _selected(svc: Service, wl_classes: dict[str, list[PodClass]]) -> list[str]:
    """Workloads whose pods the Service's selector matches (its own namespace)."""
    assert svc.selector is not None
    sel = svc.selector.items()
    out = []
    for wl, classes in wl_classes.items():
        if classes[0].namespace != svc.namespace:
            continue
        if any(all(pc.labels.get(k) == v for k, v in sel) for pc in classes):
            out.append(wl)
    return sorted(out)


def _service_port_targets(svc: Service, port: int | str | None, kind: str) -> list[int | str]:
    """The workload ports a backend port leads to (see the module rules)."""
    if port is None:
        return [sp.target_port for sp in svc.ports]
    for sp in svc.ports:
        if isinstance(port, str):
            # an Ingress port name names a Service port; a Route targetPort name may also be
            # the Service port's (named) targetPort
            if (sp.name and sp.name == port) or (kind == "Route" and sp.target_port == port):
                return [sp.target_port]
        elif sp.port == port or sp.target_port == port:
            return [sp.target_port]
    return []


def _tcp_ports(pc: PodClass, targets: list[int | str]) -> ConnectionSet:
    declared = {cp.port for cp in pc.ports}  # every declared port counts (module rules)
    out = ConnectionSet.none()
    for t in targets:
        num: int | None
        if isinstance(t, str):
            num = None
            for cp in pc.ports:
                if cp.name == t:
                    num = cp.port if cp.protocol == "TCP" else None
                    break
        else:
            num = t
        if num is not None and num in declared:
            out = out | ConnectionSet.of("TCP", num)
    return out


def _analyze(an: Analyzer) -> IngressAnalysis:
    cl = an.cluster
    vp = controller_pod(an)
    if not cl.ingresses:  # nothing to follow (and no Service x workload matching to pay for)
        return IngressAnalysis(False, vp)
    diags: list[Diagnostic] = []
    wl_classes = _workload_classes(an)
    # Services that lead somewhere, per namespace
    usable: dict[str, dict[str, tuple[Service, list[str]]]] = {}
    for svc in cl.services:
        if not svc.selector:
            continue
        wls = _selected(svc, wl_classes)
        if wls:
            usable.setdefault(svc.namespace, {})[svc.name] = (svc, wls)
    all_services = {(s.namespace, s.name): s for s in cl.services}
    present = bool(usable) and any(
        b.service is not None for obj in cl.ingresses for b in obj.backends)
    if not present:
        return IngressAnalysis(False, vp)
    paths: dict[str, dict[tuple[str, str, str], IngressPath]] = {}
    for obj in cl.ingresses:
        ns_services = usable.get(obj.namespace)
        if ns_services is None:
            continue  # no usable Service in this namespace: the object leads nowhere
        for b in obj.backends:
            if b.service is None:
                continue
            got = ns_services.get(b.service)
            if got is None:
                svc_obj = all_services.get((obj.namespace, b.service))
                if svc_obj is None:
                    why = f"there is no Service {obj.namespace}/{b.service}"
                elif not svc_obj.selector:
                    why = (f"Service {obj.namespace}/{b.service} has no selector (its endpoints "
                           "are set by hand), so the workloads behind it are not known")
                else:
                    why = f"Service {obj.namespace}/{b.service} selects no workload"
                diags.append(_diag("ingress-service-not-followed",
                                   f"{obj.kind} {obj.key}: backend {b.service} is not followed: "
                                   f"{why}", obj, b.source))
                continue
            svc, wls = got
            targets = _service_port_targets(svc, b.port, obj.kind)
            for wl in wls:
                pc = wl_classes[wl][0]
                ports = _tcp_ports(pc, targets)
                key = (obj.kind, obj.key, svc.name)
                per = paths.setdefault(wl, {})
                prev = per.get(key)
                per[key] = IngressPath(obj, svc, ports if prev is None else prev.ports | ports)
    out: list[IngressTarget] = []
    for wl in sorted(paths):
        wl_paths = tuple(paths[wl][k] for k in sorted(paths[wl]))
        requested = ConnectionSet.none()
        for p in wl_paths:
            requested = requested | p.ports
        allowed = requested
        for pc in wl_classes[wl]:
            if not allowed:
                break
            allowed = allowed & an.virtual_allowed(vp, pc)
        target = IngressTarget(wl, wl_paths, requested, allowed)
        out.append(target)
        if target.blocked:
            first = next((p for p in wl_paths if p.obj.kind == "Ingress"), wl_paths[0])
            if requested:
                why = ("but network policies block ingress connections from an arbitrary "
                       "in-cluster source (the ingress controller) to it on "
                       f"{requested}")
            else:
                why = ("but none of the ports it leads to is a port the workload's "
                       "containers declare")
            diags.append(_diag(
                "ingress-backend-blocked",
                f"{first.obj.kind} {first.obj.key} specifies workload {wl} as a backend, {why}; "
                "the connection list does not include the ingress controller's connection to "
                "this workload", first.obj))
    return IngressAnalysis(True, vp, tuple(out), tuple(diags))

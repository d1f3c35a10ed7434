"""Audit: findings about a compiled cluster that a reviewer of NetworkPolicies wants to see.

Rules this module keeps:
- Pure: reads an ``Analyzer`` (and the ``Cluster`` it compiled), no I/O, no Qt, no YAML.
- Every finding names the objects it is about with the keys every view uses
  (``NetworkPolicy ns/name``, ``ns/name[Kind]`` for a workload or bare pod, ``Service ns/name``)
  and, when known, the ``Source`` that the user should open to fix it.
- Findings are deterministic: sorted by (code order below, objects).
- The engine decides every question of policy semantics (selection, peer matching, named port
  resolution, verdicts); this module only asks it.

The codes and their precise definitions (also in the README):

``workload-not-isolated`` (warning or info)
    A workload (or bare pod) with at least one pod that no policy selects, neither for ingress
    nor for egress: all traffic to and from that pod is allowed. *warning* when another workload
    in the same namespace is isolated (the namespace uses policies and this one was probably
    left out), *info* otherwise. hostNetwork pods handled as node traffic are skipped.
``policy-selects-nothing`` (warning)
    A policy whose ``podSelector`` matches no pod in its namespace: it has no effect.
``peer-matches-nothing`` (warning)
    A ``from``/``to`` peer with a podSelector and/or namespaceSelector (ipBlocks are never
    reported) that matches no loaded pod. The message says whether the namespaceSelector matched
    no namespace or the selectors matched no pod.
``named-port-unresolved`` (warning)
    A named port in a rule that resolves on none of the pods it could apply to: for an ingress
    rule, the pods the policy selects; for an egress rule, the pods its peers match (every pod
    when ``to`` is empty). A name resolves on a pod with a container port of that name and the
    rule's protocol. An egress rule whose peers are only ipBlocks is reported too, since a name
    never resolves on an address outside the cluster. Rules with no candidate pod at all are not
    reported (``policy-selects-nothing``/``peer-matches-nothing`` cover them).
``dns-blocked`` (warning) and ``dns-tcp-blocked`` (info)
    DNS servers are the pods labelled ``k8s-app=kube-dns`` in namespace ``kube-system`` (CoreDNS
    and kube-dns both carry that label). A workload with an egress-isolated pod is reported when
    that pod's egress policies allow UDP 53 to none of the DNS server pods; when no DNS server
    pod is loaded, when they allow UDP 53 to no destination at all (no pod, no external
    address). Only the pod's own egress side is judged (ingress of the DNS pods is a separate
    matter). ``dns-tcp-blocked``: UDP 53 is allowed but TCP 53 (used for large answers) is not.
``service-selects-nothing`` (warning)
    A Service with a non-empty selector that matches no pod in its namespace (no endpoints).
    Services without a selector (hand-managed endpoints) and ExternalName Services are skipped.
``service-port-unexposed`` (warning or info)
    A Service port whose ``targetPort`` no container of the selected pods exposes: a name that
    no container port (same protocol) carries — *warning*, the Service cannot route it — or a
    number that no container declares with that protocol — *warning* when the pods declare other
    ports (likely a typo), *info* when they declare none (``containerPort`` is informational).
``reachable-from-outside`` (warning or info)
    A workload behind an entry point (``netviz.engine.outside``: a LoadBalancer, NodePort or
    externalIPs Service, or an Ingress/Route through the ingress controller) whose policies let
    some client through on some of the entry's target ports. The message says through which
    entry, on which ports, and from where. *warning* when clients on the internet get through
    (an address outside the private and special-purpose blocks; the ingress controller and
    node ports count as internet-facing), *info* when only private source ranges do.
``lb-without-source-ranges`` (warning)
    A LoadBalancer Service without ``loadBalancerSourceRanges`` in front of a workload whose
    policies allow *any* internet address on some of its target ports (not isolated for
    ingress, or rules admitting every public address, e.g. ``0.0.0.0/0`` even with private
    excepts): nothing limits who on the internet reaches it.
``ingress-backend-blocked`` (warning)
    An Ingress or Route leads to a workload (through a Service) but the workload's policies let
    the ingress controller through on none of the ports the object leads to, or the ports lead
    to no port the workload declares (``netviz.engine.ingress``): the published path is dead.
"""

from __future__ import annotations

from netviz.engine.analyzer import EGRESS, INGRESS, Analyzer, CompiledRule, PodClass, bits_iter
from netviz.engine.audit_tiers import TIER_CODES, tier_findings
from netviz.engine.connections import ConnectionSet
from netviz.engine.findings import Finding
from netviz.engine.ipranges import IPRange
from netviz.model import LabelSelector, NetworkPolicy, Peer, Pod, Service, Source
from netviz.model.cluster_policy import ClusterPolicy, Tier
from netviz.model.diagnostics import Severity

#: every code, in report order
CODES: tuple[str, ...] = (
    "workload-not-isolated",
    "policy-selects-nothing",
    "peer-matches-nothing",
    "named-port-unresolved",
    "dns-blocked",
    "dns-tcp-blocked",
    "service-selects-nothing",
    "service-port-unexposed",
    "reachable-from-outside",
    "lb-without-source-ranges",
    "ingress-backend-blocked",
    *TIER_CODES,
)

DNS_NAMESPACE = "kube-system"
DNS_LABEL = ("k8s-app", "kube-dns")


def policy_ref(policy: NetworkPolicy) -> str:
    return f"NetworkPolicy {policy.key}"


def service_ref(service: Service) -> str:
    return f"Service {service.key}"


def audit(an: Analyzer) -> list[Finding]:
    """Every finding for the cluster ``an`` compiled, sorted by code then objects."""
    out: list[Finding] = []
    out += _not_isolated(an)
    out += _policies_selecting_nothing(an)
    out += _peers_matching_nothing(an)
    out += _named_ports(an)
    out += _dns(an)
    out += _services(an)
    out += _outside(an)
    out += tier_findings(an)
    order = {c: i for i, c in enumerate(CODES)}
    out.sort(key=lambda f: (order[f.code], f.objects, f.message))
    return out


# --------------------------------------------------------------------------- helpers


def _workload_classes(an: Analyzer) -> dict[str, list[PodClass]]:
    """Workload key -> the pod classes of its pods, in class order."""
    out: dict[str, list[PodClass]] = {}
    for pc in an.classes:
        for pod in pc.pods:
            lst = out.setdefault(pod.workload_key, [])
            if pc not in lst:
                lst.append(pc)
    return dict(sorted(out.items()))


def _workloads_of_bits(an: Analyzer, bits: int) -> list[str]:
    keys: dict[str, None] = {}
    for c in bits_iter(bits):
        for pod in an.classes[c].pods:
            keys[pod.workload_key] = None
    return sorted(keys)


def _is_node_traffic(an: Analyzer, pc: PodClass) -> bool:
    return bool(an.host_node_bits >> pc.index & 1)


def _rule_source(cr: CompiledRule) -> Source | None:
    return cr.rule.source or cr.policy.source


def _rule_name(cr: CompiledRule) -> str:
    return f"{cr.direction.lower()} rule #{cr.index + 1}"


# --------------------------------------------------------------------------- checks


def _not_isolated(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    isolated_ns: set[str] = set()
    for pc in an.classes:
        if an.ingress_of[pc.index] or an.egress_of[pc.index]:
            isolated_ns.add(pc.namespace)
    for wl, classes in _workload_classes(an).items():
        bare = [
            pc for pc in classes
            if not _is_node_traffic(an, pc)
            and not an.ingress_of[pc.index] and not an.egress_of[pc.index]
            and not _tier_governed(an, pc)
        ]
        if not bare:
            continue
        ns = bare[0].namespace
        n_bare = sum(1 for pc in bare for p in pc.pods if p.workload_key == wl)
        n_all = sum(1 for pc in classes for p in pc.pods if p.workload_key == wl)
        some = "" if n_bare == n_all else f"{n_bare} of its {n_all} pods: "
        if ns in isolated_ns:
            sev = Severity.WARNING
            why = (f"other workloads in namespace {ns} are isolated by policies, "
                   "but no policy selects this one")
        else:
            sev = Severity.INFO
            why = f"no policy in namespace {ns} selects any pod"
        out.append(Finding(
            "workload-not-isolated", sev,
            f"{wl} is not isolated",
            f"{wl} ({some}selected by no policy) allows all ingress and all egress: {why}.",
            (wl,),
            _first_source(bare, wl),
        ))
    return out


def _tier_governed(an: Analyzer, pc: PodClass, directions: tuple[str, ...] = (INGRESS, EGRESS)) -> bool:
    """A cluster policy (Admin or Baseline tier) selects the class for one of ``directions``."""
    return any(an.cluster_policies_of(t, d, pc.index) for t in Tier for d in directions)


def _first_source(classes: list[PodClass], wl: str) -> Source | None:
    for pc in classes:
        for p in pc.pods:
            if p.workload_key == wl and p.source is not None:
                return p.source
    return None


def _policies_selecting_nothing(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    for cp in an.policies:
        if cp.selected:
            continue
        pol = cp.policy
        out.append(Finding(
            "policy-selects-nothing", Severity.WARNING,
            f"{pol.key} selects no pod",
            f"NetworkPolicy {pol.key}: podSelector {pol.pod_selector} matches no pod in "
            f"namespace {pol.namespace}, so the policy has no effect.",
            (policy_ref(pol),),
            pol.source,
        ))
    return out


def _peers_matching_nothing(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    for cp in an.policies:
        pol = cp.policy
        for cr in (*cp.ingress, *cp.egress):
            for i, peer in enumerate(cr.rule.peers):
                if peer.ip_block is not None:
                    continue
                if an.peer_bits(peer, pol.namespace):
                    continue
                out.append(Finding(
                    "peer-matches-nothing", Severity.WARNING,
                    f"{pol.key}: a peer of {_rule_name(cr)} matches nothing",
                    f"NetworkPolicy {pol.key}, {_rule_name(cr)}, peer #{i + 1} "
                    f"({peer}): {_why_no_match(an, peer, pol.namespace)}.",
                    (policy_ref(pol),),
                    peer.source or _rule_source(cr),
                ))
    return out


def _why_no_match(an: Analyzer, peer: Peer, policy_ns: str) -> str:
    if peer.namespace_selector is not None:
        namespaces = an.matching_namespaces(peer.namespace_selector)
        if not namespaces:
            return f"namespaceSelector {peer.namespace_selector} matches no namespace"
        where = ", ".join(namespaces)
        if peer.pod_selector is None:
            return f"the matching namespaces ({where}) have no pod"
        return f"podSelector {peer.pod_selector} matches no pod in namespaces {where}"
    assert peer.pod_selector is not None
    return f"podSelector {peer.pod_selector} matches no pod in namespace {policy_ns}"


def _named_ports(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    for cp in an.policies:
        pol = cp.policy
        for cr in (*cp.ingress, *cp.egress):
            if not cr.named:
                continue
            if cr.direction == INGRESS:
                candidates = cp.selected
                only_external = False
                where = "the pods the policy selects"
            else:
                candidates = cr.peer_bits
                has_ipblock = any(p.ip_block is not None for p in cr.rule.peers)
                only_external = has_ipblock and not candidates
                where = "the pods the rule's peers match" if cr.rule.peers else "any pod"
            if not candidates and not only_external:
                continue
            for pp in cr.named:
                if any(
                    an.resolve_named(pp, an.classes[c]) is not None
                    for c in bits_iter(candidates)
                ):
                    continue
                if only_external:
                    why = ("its peers are only ipBlocks, and a port name never resolves on an "
                           "address outside the cluster")
                else:
                    why = f"no container port named {pp.port!r} with protocol {pp.protocol} on {where}"
                out.append(Finding(
                    "named-port-unresolved", Severity.WARNING,
                    f"{pol.key}: named port {pp.port} resolves nowhere",
                    f"NetworkPolicy {pol.key}, {_rule_name(cr)}: port {pp.protocol}/{pp.port} "
                    f"allows nothing: {why}.",
                    (policy_ref(pol),),
                    _rule_source(cr),
                ))
    return out


def dns_server_pods(an: Analyzer) -> list[Pod]:
    """The pods treated as DNS servers: ``k8s-app=kube-dns`` in ``kube-system``."""
    k, v = DNS_LABEL
    return [
        p for p in an.cluster.pods
        if p.namespace == DNS_NAMESPACE and p.labels.get(k) == v
    ]


def _egress_allows_anywhere(an: Analyzer, pc: PodClass, proto: str, port: int) -> bool:
    """Whether ``pc``'s egress policies allow ``proto``/``port`` to some pod or address."""
    for cp in an.egress_of[pc.index]:
        for cr in cp.egress:
            if cr.ip_ranges and cr.const_conns.contains(proto, port):
                return True
            for d in bits_iter(cr.peer_bits):
                conns, _ = an.rule_conns(cr, an.classes[d])
                if conns.contains(proto, port):
                    return True
    return False


def _dns(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    servers = dns_server_pods(an)
    server_keys = {p.key for p in servers}
    # one representative per class: every pod of a class has the same verdicts
    rep_servers: dict[int, Pod] = {}
    for p in servers:
        rep_servers.setdefault(an.class_of_pod[p.key], p)

    def allowed_to_dns(pod: Pod) -> ConnectionSet:
        got = ConnectionSet.none()
        for s in rep_servers.values():
            if s.key == pod.key:
                return ConnectionSet.all()
            got = got | an.verdict(pod, s).egress.allowed
        return got

    for wl, classes in _workload_classes(an).items():
        blocked_udp: list[PodClass] = []
        blocked_tcp: list[PodClass] = []
        for pc in classes:
            tiered = _tier_governed(an, pc, ("Egress",))
            if not (an.egress_of[pc.index] or tiered) or _is_node_traffic(an, pc):
                continue
            pod = next(p for p in pc.pods if p.workload_key == wl)
            if pod.key in server_keys:
                continue  # a DNS server answers itself
            if not servers and not an.egress_of[pc.index]:
                continue  # only cluster policies, and no DNS pod to ask them about
            if servers:
                conns = allowed_to_dns(pod)
                udp, tcp = conns.contains("UDP", 53), conns.contains("TCP", 53)
            else:
                udp = _egress_allows_anywhere(an, pc, "UDP", 53)
                tcp = _egress_allows_anywhere(an, pc, "TCP", 53)
            if not udp:
                blocked_udp.append(pc)
            elif not tcp:
                blocked_tcp.append(pc)
        target = (f"the DNS pods (k8s-app=kube-dns in {DNS_NAMESPACE})" if servers
                  else "any destination (no kube-dns pod is loaded)")
        for code, sev, blocked, what in (
            ("dns-blocked", Severity.WARNING, blocked_udp, "UDP 53"),
            ("dns-tcp-blocked", Severity.INFO, blocked_tcp, "TCP 53"),
        ):
            if not blocked:
                continue
            pols: dict[str, NetworkPolicy] = {}
            cpols: dict[str, ClusterPolicy] = {}
            for pc in blocked:
                for cp in an.egress_of[pc.index]:
                    pols.setdefault(cp.policy.key, cp.policy)
                for t in Tier:
                    for ccp in an.cluster_policies_of(t, "Egress", pc.index):
                        cpols.setdefault(ccp.policy.key, ccp.policy)
            names = ", ".join([*sorted(pols), *(f"{p.kind} {p.name}" for p in cpols.values())])
            extra = ("" if code == "dns-blocked"
                     else " UDP 53 is allowed, but answers too large for UDP need TCP.")
            first_source = pols[min(pols)].source if pols else next(iter(cpols.values())).source
            out.append(Finding(
                code, sev,
                f"{wl}: egress blocks DNS ({what})",
                f"{wl}'s egress is governed by {names} and nothing allows {what} to "
                f"{target}: name lookups will fail.{extra}",
                (wl, *(policy_ref(p) for _, p in sorted(pols.items())),
                 *(f"{p.kind} {p.name}" for p in cpols.values())),
                first_source,
            ))
    return out


def _service_pods(an: Analyzer, svc: Service,
                  by_ns: dict[str, list[Pod]] | None = None) -> list[Pod]:
    """The pods ``svc`` selects; ``by_ns``: the cluster's pods per namespace (a cluster of
    thousands of Services scanned every pod per Service)."""
    assert svc.selector
    sel = svc.selector
    pods = by_ns.get(svc.namespace, []) if by_ns is not None else an.cluster.pods
    return [
        p for p in pods
        if p.namespace == svc.namespace and all(p.labels.get(k) == v for k, v in sel.items())
    ]


def _services(an: Analyzer) -> list[Finding]:
    out: list[Finding] = []
    by_ns: dict[str, list[Pod]] = {}
    for p in an.cluster.pods:
        by_ns.setdefault(p.namespace, []).append(p)
    for svc in an.cluster.services:
        # Kubernetes: an empty or absent selector means endpoints are managed by hand
        if not svc.selector or svc.type == "ExternalName":
            continue
        ref = service_ref(svc)
        pods = _service_pods(an, svc, by_ns)
        if not pods:
            out.append(Finding(
                "service-selects-nothing", Severity.WARNING,
                f"Service {svc.key} selects no pod",
                f"Service {svc.key}: selector {LabelSelector(tuple(sorted(svc.selector.items())))} "
                f"matches no pod in namespace {svc.namespace}, so it has no endpoints.",
                (ref,),
                svc.source,
            ))
            continue
        workloads = tuple(sorted({p.workload_key for p in pods}))
        declares_any = any(p.ports for p in pods)
        for sp in svc.ports:
            tp = sp.target_port
            if isinstance(tp, str):
                ok = any(cp.name == tp and cp.protocol == sp.protocol for p in pods for cp in p.ports)
                sev = Severity.WARNING
                what = f"no container port is named {tp!r} with protocol {sp.protocol}"
            else:
                ok = any(cp.port == tp and cp.protocol == sp.protocol for p in pods for cp in p.ports)
                sev = Severity.WARNING if declares_any else Severity.INFO
                what = (f"no container declares port {sp.protocol} {tp}" if declares_any
                        else "the selected pods declare no container ports at all")
            if ok:
                continue
            port_name = f" ({sp.name})" if sp.name else ""
            out.append(Finding(
                "service-port-unexposed", sev,
                f"Service {svc.key}: targetPort {tp} not exposed",
                f"Service {svc.key}, port {sp.protocol} {sp.port}{port_name} -> targetPort {tp}: "
                f"{what} among the pods it selects ({', '.join(workloads)}).",
                (ref, *workloads),
                svc.source,
            ))
    return out


def _ranges_text(ranges: list[IPRange], limit: int = 4) -> str:
    texts = []
    for r in ranges:
        cidrs = r.cidrs()
        texts.append(cidrs[0] if len(cidrs) == 1 else str(r))
    if len(texts) > limit:
        return ", ".join(texts[:limit]) + f" and {len(texts) - limit} more ranges"
    return ", ".join(texts)


def _outside(an: Analyzer) -> list[Finding]:
    from netviz.engine.ingress import analyze_ingress
    from netviz.engine.outside import INGRESS_ENTRY, LOAD_BALANCER, analyze_outside

    out: list[Finding] = []
    ia = analyze_ingress(an)
    for entry in analyze_outside(an).entries:
        for b in entry.backends:
            if entry.kind == INGRESS_ENTRY:
                target = ia.target(b.workload)
                objs = tuple(dict.fromkeys(p.obj for p in target.paths)) if target else ()
                refs = tuple(f"{o.kind} {o.key}" for o in objs)
                via = "the ingress controller (" + ", ".join(refs) + ")"
                source = objs[0].source if objs else None
            else:
                assert entry.service is not None
                refs = (service_ref(entry.service),)
                via = f"{entry.kind} Service {entry.service.key} ({entry.ports_text()})"
                source = entry.service.source
            reach = b.reachable
            if not reach:
                continue
            public = b.from_internet
            if public:
                where = "from the internet"
                sev = Severity.WARNING
                ports = public
            else:
                where = "from " + _ranges_text(b.sources_allowed())
                sev = Severity.INFO
                ports = reach
            out.append(Finding(
                "reachable-from-outside", sev,
                f"{b.workload} reachable {where.split(' (')[0]} on {ports}",
                f"{b.workload} is reachable {where} through {via} on {ports}"
                + (f" (what its policies let through of {b.ports})" if ports != b.ports else "")
                + ".",
                (b.workload, *refs),
                source,
            ))
            if entry.kind == LOAD_BALANCER and not entry.restricted:
                anyone = b.open_to_internet
                if anyone:
                    svc = entry.service
                    assert svc is not None
                    out.append(Finding(
                        "lb-without-source-ranges", Severity.WARNING,
                        f"LoadBalancer {svc.key} open to the internet",
                        f"LoadBalancer Service {svc.key} has no loadBalancerSourceRanges, and the "
                        f"policies of {b.workload} allow any internet address on {anyone}: "
                        "anyone on the internet who reaches the load balancer reaches the "
                        "workload. Set loadBalancerSourceRanges, or admit only the clients' "
                        "ranges in an ingress policy.",
                        (b.workload, service_ref(svc)),
                        svc.source,
                    ))
    for t in ia.targets:
        if not t.blocked:
            continue
        first = t.paths[0]
        names = tuple(dict.fromkeys(f"{p.obj.kind} {p.obj.key}" for p in t.paths))
        if t.requested:
            why = (f"its policies do not let the ingress controller through on {t.requested}, "
                   "the ports the object leads to")
        else:
            why = "the Service's target ports lead to no port the workload declares"
        out.append(Finding(
            "ingress-backend-blocked", Severity.WARNING,
            f"{first.obj.kind} {first.obj.key}: backend {t.workload} blocked",
            f"{', '.join(names)} lead{'s' if len(names) == 1 else ''} to {t.workload} through "
            f"Service {first.service.key}, but {why}: the published path is dead.",
            (t.workload, *names),
            first.obj.source,
        ))
    return out


__all__ = ["CODES", "Finding", "audit", "dns_server_pods"]

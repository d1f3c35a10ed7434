"""The conformance tests of kubernetes-sigs/network-policy-api, ported as table tests.

``netpol_api_upstream/cases_v0_1_7.py`` (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
v1alpha1) and ``cases_v0_2.py`` (ClusterNetworkPolicy, v1alpha2, v0.2.0 and later) hold every
upstream test: the policy manifests it applies (``netpol_api_upstream/<version>/``), the
policy edits it makes between probes, and every probe with its expected verdict. Each case
runs on the project's rewrite of the suite's base cluster (``netpol_api_upstream.model``):
the manifests are loaded through ``netviz.io`` as a user's files would be, then every probe
(client pod -> server pod IP, protocol, port) must get the upstream verdict from the engine.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from netpol_api_upstream import cases_v0_1_7, cases_v0_2
from netpol_api_upstream.model import PREFIX, Case, base_objects, pod_ip

from netviz.engine import Analyzer
from netviz.io.manifests import load_text
from netviz.model import Pod

HERE = Path(__file__).parent / "netpol_api_upstream"
VERSIONS = {"v0.1.7": cases_v0_1_7.CASES, "v0.2": cases_v0_2.CASES}


def _params() -> list[Any]:
    return [pytest.param(v, c, id=f"{v}-{c.name}") for v, cases in VERSIONS.items() for c in cases]


def _apply(objs: list[dict[str, Any]], step: tuple[Any, ...], v2: bool) -> None:
    kind = step[0]
    if kind == "namespace":
        _, ns, labels = step
        for o in objs:
            if o["kind"] == "Namespace" and o["metadata"]["name"] == PREFIX + ns:
                o["metadata"]["labels"] = dict(labels)
        return
    if kind == "delete":
        _, k, ns, name = step
        objs[:] = [o for o in objs if not (o["kind"] == k and o["metadata"]["name"] == name
                                           and o["metadata"].get("namespace") == PREFIX + ns)]
        return
    _, policy, op = step
    (pol,) = [o for o in objs if o["kind"] in ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
                                               "ClusterNetworkPolicy")
              and o["metadata"]["name"] == policy]
    spec = pol["spec"]
    if op[0] == "swap":
        _, d, i, j = op
        spec[d][i], spec[d][j] = spec[d][j], spec[d][i]
    elif op[0] == "action":
        _, d, i, action = op
        spec[d][i]["action"] = action
    elif op[0] == "priority":
        spec["priority"] = op[1]
    elif op[0] == "named_port":
        _, d, i, name = op
        rule = spec[d][i]
        rule.pop("ports", None)
        rule.pop("protocols", None)
        if v2:
            rule["protocols"] = [{"destinationNamedPort": name}]
        else:
            rule["ports"] = [{"namedPort": name}]
    elif op[0] == "prepend_networks_rule":
        _, name, action, pods = op
        cidrs = [f"{pod_ip(ns, p)}/32" for ns, p in pods]
        spec["egress"] = [{"name": name, "action": action, "to": [{"networks": cidrs}]},
                          *spec.get("egress", [])]
    else:  # pragma: no cover - the generator emits only the ops above
        raise AssertionError(f"unknown op {op}")


def _analyzer(objs: list[dict[str, Any]]) -> Analyzer:
    result = load_text(yaml.safe_dump_all(objs, sort_keys=False))
    assert not result.errors, [str(e) for e in result.errors]
    return Analyzer(result.cluster)


def _pod(an: Analyzer, ns: str, name: str) -> Pod:
    return next(p for p in an.cluster.pods if p.namespace == PREFIX + ns and p.name == name)


@pytest.mark.parametrize(("version", "case"), _params())
def test_upstream_case(version: str, case: Case) -> None:
    objs = base_objects()
    for m in case.manifests:
        objs.extend(d for d in yaml.safe_load_all((HERE / version / m).read_text()) if d)
    objs = copy.deepcopy(objs)
    an: Analyzer | None = None
    failures: list[str] = []
    probes = 0
    for step in case.steps:
        if step[0] in ("edit", "namespace", "delete"):
            _apply(objs, step, version != "v0.1.7")
            an = None
            continue
        cns, cpod, proto, sns, spod, port, expected = step
        an = an or _analyzer(objs)
        v = an.verdict(_pod(an, cns, cpod), _pod(an, sns, spod))
        probes += 1
        if v.allows(proto, port) != expected:
            failures.append(f"{cns}/{cpod} -> {sns}/{spod} {proto} {port}: expected "
                            f"{'allowed' if expected else 'denied'}")
    assert probes, "a case without probes"
    assert not failures, "\n".join(failures)


def test_every_upstream_probe_is_ported() -> None:
    """The counts of the upstream suites at the ported versions (a regenerated table with fewer
    probes would mean the port lost some)."""
    counts = {v: sum(1 for c in cases for s in c.steps if s[0] not in ("edit", "namespace", "delete"))
              for v, cases in VERSIONS.items()}
    assert counts == {"v0.1.7": 289, "v0.2": 301}
    assert {len(cases) for cases in VERSIONS.values()} == {24}

"""The reference's AdminNetworkPolicy/BaselineAdminNetworkPolicy scenarios, rewritten as
ClusterNetworkPolicies (v1alpha2), give the same connectivity as their goldens.

The rewrite is made here, by code, from the shared scenarios (nothing is copied into the
project): every AdminNetworkPolicy becomes a ClusterNetworkPolicy with ``tier: Admin`` and its
priority, the BaselineAdminNetworkPolicy one with ``tier: Baseline``; ``Allow`` becomes
``Accept``; ``ports`` become ``protocols`` (``portNumber`` -> ``{tcp|udp|sctp: {destinationPort:
{number}}}``, ``portRange`` -> ``{...: {destinationPort: {range}}}`` (one port: ``number``),
``namedPort`` -> ``destinationNamedPort``). The rewritten scenario is loaded through
``netviz.io`` like any user's files and compared with every non-explain golden of the original
(connlist in every format, focus and port variants, the connlist section of exposure goldens);
explain goldens name the kinds, so they differ by design.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .goldens import Golden, discover, shared_dir, uses_tiers
from .runner import actual_and_expected
from .test_netpol_analyzer import KNOWN

ROOT = shared_dir()
V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"


def _protocol(port: dict[str, Any]) -> dict[str, Any] | None:
    """One v1alpha1 port as a v1alpha2 protocol entry; None for an empty range (it matches
    nothing, and v1alpha2 has no way to write it)."""
    if "namedPort" in port:
        return {"destinationNamedPort": port["namedPort"]}
    if "portNumber" in port:
        p = port["portNumber"]
        return {str(p.get("protocol") or "TCP").lower(): {"destinationPort": {"number": p["port"]}}}
    r = port["portRange"]
    proto = str(r.get("protocol") or "TCP").lower()
    if r["start"] > r["end"]:
        return None
    if r["start"] == r["end"]:
        return {proto: {"destinationPort": {"number": r["start"]}}}
    return {proto: {"destinationPort": {"range": {"start": r["start"], "end": r["end"]}}}}


def to_cnp(doc: dict[str, Any]) -> dict[str, Any] | None:
    """An AdminNetworkPolicy or BaselineAdminNetworkPolicy as a ClusterNetworkPolicy."""
    banp = doc["kind"] == "BaselineAdminNetworkPolicy"
    spec = copy.deepcopy(doc.get("spec") or {})
    prio = 0 if banp else spec.pop("priority", None)
    for direction in ("ingress", "egress"):
        rules = []
        for rule in spec.get(direction) or []:
            if rule.get("action") == "Allow":
                rule["action"] = "Accept"
            if "ports" in rule:
                protocols = [p for p in map(_protocol, rule.pop("ports") or []) if p is not None]
                if not protocols:
                    continue  # every port entry was an empty range: the rule matches nothing
                rule["protocols"] = protocols
            rules.append(rule)
        if direction in spec:
            spec[direction] = rules
    name = "baseline-default" if banp else doc["metadata"]["name"]
    return {
        "apiVersion": V1ALPHA2,
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"tier": "Baseline" if banp else "Admin", "priority": prio, **spec},
    }


def _documents(path: Path) -> list[Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    out: list[Any] = []
    for d in docs:
        if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") and "items" in d:
            out.extend(d["items"] or [])
        else:
            out.append(d)
    return out


def rewrite(scenario: Path, dest: Path) -> int:
    """Write ``scenario`` with its cluster policies rewritten into ``dest``; the number of
    policies rewritten."""
    dest.mkdir(parents=True)
    out: list[Any] = []
    n = 0
    for path in sorted(scenario.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
            continue
        for doc in _documents(path):
            if isinstance(doc, dict) and doc.get("kind") in (
                "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"
            ):
                doc = to_cnp(doc)
                n += 1
            out.append(doc)
    (dest / "scenario.yaml").write_text(yaml.safe_dump_all(out, sort_keys=False), encoding="utf-8")
    return n


def _goldens() -> list[Golden]:
    if ROOT is None:
        return []
    return [
        g for g in discover(ROOT)
        if not g.skip and uses_tiers(ROOT, g.scenario) and not g.kind.startswith("explain")
        and g.name not in KNOWN
    ]


@pytest.fixture(scope="module")
def cnp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert ROOT is not None
    root = tmp_path_factory.mktemp("cnp")
    for scen in sorted({g.scenario for g in _goldens() if g.scenario}):
        assert rewrite(ROOT / "scenarios" / scen, root / "scenarios" / scen) > 0, scen
    return root


def _params() -> list[Any]:
    if ROOT is None:
        return [pytest.param(None, id="no-shared-corpus")]
    return [pytest.param(g, id=g.name, marks=pytest.mark.conformance) for g in _goldens()]


@pytest.mark.parametrize("golden", _params())
def test_cluster_network_policy_rewrite_matches_golden(golden: Golden | None, cnp_root: Path) -> None:
    if golden is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    from netviz.io.manifests import load_paths

    assert golden.scenario is not None
    loaded = load_paths([str(cnp_root / "scenarios" / golden.scenario)])
    assert not loaded.errors, [str(e) for e in loaded.errors]
    assert {p.kind for p in loaded.cluster.cluster_policies} == {"ClusterNetworkPolicy"}
    actual, expected = actual_and_expected(cnp_root, golden)
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), "golden", "netviz (CNP)"))[:60])
        pytest.fail(f"{golden.name} rewritten as ClusterNetworkPolicies differs:\n{diff}")


def test_the_rewrite_covers_every_tier_scenario_with_goldens() -> None:
    if ROOT is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    assert len({g.scenario for g in _goldens()}) >= 35
    assert len(_goldens()) >= 180

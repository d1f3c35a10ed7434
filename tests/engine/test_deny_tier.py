"""``Analyzer.deny_tier``: whether a denied pair is denied by the tiers' Deny rules (drawn
apart in the graph) or because nothing allows it."""

from __future__ import annotations

import pytest

from netviz.engine import Analyzer
from netviz.io.manifests import load_text
from netviz.model.cluster_policy import Tier
from tests.engine.test_cnp_api_table import ALL_NS, BASE, FROM_A, TO_B, cnp, np

BANP_DENY_FROM_A = """apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]
"""

ALL_TCP, ALL_UDP, ALL_SCTP = (f"{{{p}: {{destinationPort: {{range: {{start: 1, end: 65535}}}}}}}}"
                             for p in ("tcp", "udp", "sctp"))

CASES = [
    ("admin-deny", (cnp("d", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),),
     Tier.ADMIN),
    ("admin-deny-egress", (cnp("d", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, {TO_B}}}]"),),
     Tier.ADMIN),
    ("admin-deny-split-over-directions",
     (cnp("d1", "Admin", 1, f"{ALL_NS}\negress: [{{action: Deny, {TO_B}, protocols: [{ALL_TCP}]}}]"),
      cnp("d2", "Admin", 2, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}, protocols: "
                            f"[{ALL_UDP}, {ALL_SCTP}]}}]")),
     Tier.ADMIN),
    ("networkpolicy-default-deny", (np("b", "deny", "podSelector: {}\npolicyTypes: [Ingress]"),),
     None),
    ("admin-deny-one-port-and-networkpolicy",
     (cnp("d", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}, protocols: "
                           "[{tcp: {destinationPort: {number: 5432}}}]}]"),
      np("b", "deny", "podSelector: {}\npolicyTypes: [Ingress]")),
     None),
    ("baseline-deny", (BANP_DENY_FROM_A,), Tier.BASELINE),
    ("baseline-deny-cnp", (cnp("b", "Baseline", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),),
     Tier.BASELINE),
    ("baseline-not-reached", (BANP_DENY_FROM_A, np("b", "deny", "podSelector: {}\npolicyTypes: [Ingress]")),
     None),
    ("pass-then-baseline-deny",
     (cnp("p", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Pass, {FROM_A}}}]"), BANP_DENY_FROM_A),
     Tier.BASELINE),
    ("admin-part-baseline-rest",
     (cnp("d", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}, protocols: [{ALL_TCP}]}}]"),
      BANP_DENY_FROM_A),
     Tier.BASELINE),
    ("admin-accept-then-baseline-deny",
     (cnp("a", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Accept, {FROM_A}, protocols: "
                           "[{tcp: {destinationPort: {number: 5432}}}]}]"), BANP_DENY_FROM_A),
     None),  # TCP 5432 is allowed: not a denied pair
]


def analyzer(objects: tuple[str, ...]) -> Analyzer:
    res = load_text("---\n".join((BASE, *objects)), "case.yaml")
    assert not [d for d in res.diagnostics if d.severity.name == "ERROR"], res.diagnostics
    return Analyzer(res.cluster)


def classes(an: Analyzer, src: str, dst: str):  # type: ignore[no-untyped-def]
    pods = {p.key.removeprefix("pod:"): p for p in an.cluster.pods}
    return an.class_of(pods[src]), an.class_of(pods[dst])


@pytest.mark.parametrize(("objects", "want"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_deny_tier(objects: tuple[str, ...], want: Tier | None) -> None:
    an = analyzer(objects)
    sc, dc = classes(an, "a/web", "b/db")
    assert an.deny_tier(sc, dc) is want
    # the other way round nothing denies
    assert an.deny_tier(dc, sc) is None


def test_deny_tier_follows_with_policies() -> None:
    an = analyzer(())
    sc, dc = classes(an, "a/web", "b/db")
    assert an.deny_tier(sc, dc) is None
    ed = an.with_policies(an.cluster.policies, analyzer(
        (cnp("d", "Admin", 1, f"{ALL_NS}\ningress: [{{action: Deny, {FROM_A}}}]"),)
    ).cluster.cluster_policies)
    assert ed.deny_tier(sc, dc) is Tier.ADMIN
    assert an.deny_tier(sc, dc) is None

"""A named port is resolved on the destination: fine in an ingress rule from ipBlocks (the
destination is the selected pod), never matching in an egress rule to ipBlocks only."""

from __future__ import annotations

from netviz.io.manifests import load_text

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: ns}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  %s:
  - %s:
    - ipBlock: {cidr: 0.0.0.0/0}
    ports:
    - port: https
"""


def _codes(direction: str, peers: str) -> list[tuple[str, int | None]]:
    res = load_text(POLICY % (direction, peers), "p.yaml")
    return [(d.code, d.line) for d in res.diagnostics]


def test_ingress_from_ipblock_with_named_port_is_not_flagged() -> None:
    assert ("named-port-ipblock", 10) not in _codes("ingress", "from")
    assert not [c for c, _ in _codes("ingress", "from") if c == "named-port-ipblock"]


def test_egress_to_ipblock_with_named_port_is_flagged_at_ports() -> None:
    assert ("named-port-ipblock", 10) in _codes("egress", "to")

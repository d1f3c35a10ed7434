"""The evaluator: Kubernetes NetworkPolicy v1 semantics, explanations, all-pairs connectivity.

Pure: no I/O, no YAML, no Qt. See ``netviz.engine.analyzer`` for the semantics it implements.
"""

from netviz.engine.analyzer import (
    EGRESS,
    INGRESS,
    Analyzer,
    Block,
    DirectionVerdict,
    Endpoint,
    Options,
    PodClass,
    RuleMatch,
    Verdict,
    bits_iter,
)
from netviz.engine.connections import ConnectionSet
from netviz.engine.ipranges import IPRange

__all__ = [
    "EGRESS",
    "INGRESS",
    "Analyzer",
    "Block",
    "ConnectionSet",
    "DirectionVerdict",
    "Endpoint",
    "IPRange",
    "Options",
    "PodClass",
    "RuleMatch",
    "Verdict",
    "bits_iter",
]

"""Discovery of the netpol-analyzer goldens and what produced each one.

A golden's file name is ``<scenario>[_<options>]_<section>_output.<fmt>`` where ``section`` is
``connlist``, ``exposure`` (the connlist, then an exposure report) or ``explain``, and the
options are, in this order: ``focus_workload_<wl>...[_ingress|_egress][_with_<peer>...]``,
``<proto>-<port>``, ``deny`` or ``allow`` (``--explain-only``), ``explain``. ``<wl>`` is
``name`` or ``namespace_name`` (Kubernetes names never hold ``_``, so the tokens are resolved
against the loaded cluster).

The scenario of a golden is the longest scenario name that prefixes the file name *and* leaves
a remainder that parses as options; when none does (``onlineboutique_workloads_...``: no such
scenario in the shared corpus) the golden is skipped with that reason.

Every golden is classified once, here, with a ``skip`` reason when it is out of scope for the
conformance of ``netviz list``; the test and ``python -m tests.conformance.report`` share it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (tests/conformance -> tests -> repo -> its parent)."""
    here = Path(__file__).resolve()
    for base in (here.parents[2].parent, here.parents[2]):
        cand = base / "shared" / "conformance" / "netpol-analyzer"
        if cand.is_dir():
            return cand
    return None


_NAME_RE = re.compile(r"^(?P<stem>.+)_(?P<section>connlist|exposure|explain)_output\.(?P<fmt>txt|csv|json|md|dot)$")
_PORT_RE = re.compile(r"^(tcp|udp|sctp)-(\d+)$")


@dataclass(frozen=True)
class GoldenOptions:
    focus_tokens: tuple[str, ...] = ()
    peer_tokens: tuple[str, ...] = ()
    direction: str | None = None
    protocol: str | None = None
    port: int | None = None
    explain: bool = False
    #: ``--explain-only``: "allow", "deny" or None
    explain_only: str | None = None


@dataclass
class Golden:
    path: Path
    scenario: str | None
    section: str  # connlist | exposure | explain
    fmt: str
    options: GoldenOptions = field(default_factory=GoldenOptions)
    skip: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind(self) -> str:
        """A golden kind for the summary, e.g. ``connlist/txt``, ``exposure/csv``,
        ``focus/md``, ``protocol-port/txt``, ``explain``, ``explain+exposure``."""
        if self.options.explain or self.section == "explain":
            return "explain+exposure" if self.section == "exposure" else "explain"
        if self.options.focus_tokens:
            base = "focus"
        elif self.options.protocol:
            base = "protocol-port"
        else:
            base = self.section
        if base == "focus" and self.section == "exposure":
            base = "focus+exposure"
        return f"{base}/{self.fmt}"


def parse_options(rest: str) -> GoldenOptions | None:
    """Options from the part of a golden name after the scenario (``""`` for none)."""
    tokens = [t for t in rest.split("_") if t] if rest else []
    focus: list[str] = []
    peers: list[str] = []
    direction = protocol = None
    port = None
    explain = False
    only: str | None = None
    i = 0
    if tokens[:2] == ["focus", "workload"]:
        i = 2
        while i < len(tokens) and tokens[i] not in ("ingress", "egress", "with", "explain", "deny", "allow") and not _PORT_RE.match(tokens[i]):
            focus.append(tokens[i])
            i += 1
        if not focus:
            return None
        if i < len(tokens) and tokens[i] in ("ingress", "egress"):
            direction = tokens[i]
            i += 1
        if i < len(tokens) and tokens[i] == "with":
            i += 1
            while i < len(tokens) and tokens[i] not in ("explain", "deny", "allow") and not _PORT_RE.match(tokens[i]):
                peers.append(tokens[i])
                i += 1
            if not peers:
                return None
    if i < len(tokens) and (m := _PORT_RE.match(tokens[i])):
        protocol, port = m.group(1).upper(), int(m.group(2))
        i += 1
    if i < len(tokens) and tokens[i] in ("deny", "allow"):
        only = tokens[i]
        i += 1
    if i < len(tokens) and tokens[i] == "explain":
        explain = True
        i += 1
    if i != len(tokens):
        return None
    return GoldenOptions(tuple(focus), tuple(peers), direction, protocol, port, explain, only)


@cache
def scenario_kinds(scenario_dir: Path) -> frozenset[str]:
    """The ``kind`` values written in a scenario's manifests (a quick scan, no parsing)."""
    kinds: set[str] = set()
    for p in scenario_dir.rglob("*"):
        if p.is_file() and p.suffix in (".yaml", ".yml", ".json"):
            text = p.read_text(encoding="utf-8", errors="replace")
            kinds.update(re.findall(r'^\s*-?\s*kind:\s*"?(\w+)', text, re.M))
            kinds.update(re.findall(r'"kind"\s*:\s*"(\w+)"', text))
    return frozenset(kinds)


TIER_KINDS = frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"})


def uses_tiers(root: Path, scenario: str | None) -> bool:
    """The scenario has cluster-scoped policies (AdminNetworkPolicy, ...): counted apart."""
    if scenario is None or not (root / "scenarios" / scenario).is_dir():
        return False
    return bool(scenario_kinds(root / "scenarios" / scenario) & TIER_KINDS)


def tier_kinds(root: Path, *scenarios: str | None) -> str:
    """Which cluster-scoped policy kinds the scenarios have, for the report's per-kind count:
    ``AdminNetworkPolicy``, ``BaselineAdminNetworkPolicy``, both joined by ``+``, or ``""``."""
    kinds: set[str] = set()
    for sc in scenarios:
        if sc is not None and (root / "scenarios" / sc).is_dir():
            kinds |= scenario_kinds(root / "scenarios" / sc) & TIER_KINDS
    return "+".join(sorted(kinds))


def uses_ingress(root: Path, scenario: str | None) -> bool:
    """The scenario has Ingress or OpenShift Route objects (the ``{ingress-controller}``):
    counted apart."""
    if scenario is None or not (root / "scenarios" / scenario).is_dir():
        return False
    return bool(scenario_kinds(root / "scenarios" / scenario) & {"Ingress", "Route"})


def scenario_skip(root: Path, scenario: str) -> str | None:
    """Why a scenario is out of scope for this conformance run, or None (a core scenario)."""
    if "bad" in scenario or scenario.startswith("malformed") or scenario == "document_with_syntax_error":
        return "error case (belongs to the io loader tests)"
    return None


def discover(root: Path) -> list[Golden]:
    scenarios = set(json.loads((root / "scenarios.json").read_text()))
    scenarios |= {p.name for p in (root / "scenarios").iterdir() if p.is_dir()}
    out: list[Golden] = []
    for sub in ("connlist", "cli"):
        d = root / "expected" / sub
        if not d.is_dir():
            continue
        for path in sorted(d.iterdir()):
            m = _NAME_RE.match(path.name)
            if not m:
                continue
            stem, section, fmt = m.group("stem"), m.group("section"), m.group("fmt")
            best: tuple[str, GoldenOptions] | None = None
            for s in scenarios:
                if stem == s or stem.startswith(s + "_"):
                    opts = parse_options(stem[len(s) + 1:])
                    if opts is not None and (best is None or len(s) > len(best[0])):
                        best = (s, opts)
            if best is None:
                out.append(Golden(path, None, section, fmt, skip="scenario not in shared corpus"))
                continue
            scen, opts = best
            g = Golden(path, scen, section, fmt, opts)
            if not (root / "scenarios" / scen).is_dir():
                g.skip = "scenario not in shared corpus"
            else:
                g.skip = scenario_skip(root, scen)
            out.append(g)
    return out

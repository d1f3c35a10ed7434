"""Run netviz on a golden's scenario with the golden's options and cut out the part of the
golden that netviz reproduces (the connlist section of exposure goldens).

Comparison rules per golden kind:
- connlist / focus / protocol-port goldens: the whole file, byte for byte.
- exposure goldens (connlist, then exposure report): only the connlist section. txt: the lines
  before the first blank line; csv: the lines before ``Exposure Analysis Result:,,``; md: the
  lines before ``## Exposure Analysis Result:``; json: the ``connlist_results`` member compared
  as data (it is indented deeper than a plain list); dot: the connlist edges (``gold2``), as a
  sorted list of lines.
- explain goldens: the whole file; explain+exposure: everything before the blank line that
  precedes ``Exposure Analysis Result:``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from netviz.engine.analyzer import Analyzer, Options
from netviz.engine.connlist import Focus, build_list, known_names
from netviz.export import render
from netviz.model import Cluster

from .goldens import Golden, GoldenOptions


@lru_cache(maxsize=64)
def load_scenario(path: Path) -> Cluster:
    """A scenario folder, loaded as ``netviz list`` loads it."""
    from netviz.io.manifests import load_paths

    return load_paths([str(path)]).cluster


@lru_cache(maxsize=64)
def analyzer_for(path: Path) -> Analyzer:
    return Analyzer(load_scenario(path), Options())


def resolve_tokens(tokens: tuple[str, ...], keys: list[str]) -> tuple[str, ...]:
    """``("backend", "checkout", "webapp")`` -> ``("backend/checkout", "webapp")``: a token
    followed by another is a namespace/name pair when that workload exists."""
    pairs = {k.split("[", 1)[0] for k in keys}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and f"{tokens[i]}/{tokens[i + 1]}" in pairs:
            out.append(f"{tokens[i]}/{tokens[i + 1]}")
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


def focus_for(an: Analyzer, opts: GoldenOptions) -> Focus:
    keys = known_names(an)
    return Focus(
        workloads=resolve_tokens(opts.focus_tokens, keys),
        peers=resolve_tokens(opts.peer_tokens, keys),
        direction=opts.direction,
        protocol=opts.protocol,
        port=opts.port,
    )


def actual_and_expected(root: Path, g: Golden) -> tuple[str, str]:
    assert g.scenario is not None
    an = analyzer_for(root / "scenarios" / g.scenario)
    focus = focus_for(an, g.options)
    golden = g.path.read_text(encoding="utf-8")
    if g.kind.startswith("explain"):
        from netviz.export.explain import render_explain

        actual = render_explain(an, focus, g.options.explain_only)
        if g.section == "exposure":
            # the explain text, a blank line, then the exposure report
            idx = golden.find("\n\nExposure Analysis Result")
            golden = golden[: idx + 1] if idx >= 0 else golden
        return actual, golden
    result = build_list(an, focus)
    actual = render(g.fmt, result)
    if g.section != "exposure":
        return actual, golden
    # exposure goldens: the connlist section only
    if g.fmt == "txt":
        if golden.startswith("Exposure Analysis Result:"):
            return actual, ""
        head, _, _ = golden.partition("\n\n")
        return actual, head + "\n" if head else ""
    if g.fmt == "csv":
        # "Exposure Analysis Result:,," or, with a port focus, "... Result On UDP 52:,,"
        head = re.split(r"^Exposure Analysis Result( On \w+ \d+)?:,,\n", golden, maxsplit=1,
                        flags=re.M)[0]
        return actual, head
    if g.fmt == "md":
        head = re.split(r"^## Exposure Analysis Result( On \w+ \d+)?:\n", golden, maxsplit=1,
                        flags=re.M)[0]
        return actual, head
    if g.fmt == "json":
        data = json.loads(golden)
        # with a port focus the member is "connlist_conn_focus_results"
        if isinstance(data, dict):
            want = data.get("connlist_results", data.get("connlist_conn_focus_results", []))
        else:
            want = data
        return json.dumps(json.loads(actual), indent=2), json.dumps(want, indent=2)
    # dot: the connlist edges
    def edges(text: str) -> str:
        return "\n".join(sorted(ln for ln in text.splitlines() if "->" in ln and '"gold2"' in ln))

    return edges(actual), edges(golden)

"""Run netviz on a golden's scenario with the golden's options and return what netviz prints
and the golden, to be compared whole, byte for byte, for every kind: the connection list in
each format, focus and port variants, ``--explain`` (with ``--explain-only``), and the
exposure report (``--exposure``: the connection list, then the report; with ``--explain``,
the explanation, then the report).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from netviz.engine.analyzer import Analyzer, Options
from netviz.engine.connlist import Focus, build_list, known_names
from netviz.engine.exposure import exposure
from netviz.export import render
from netviz.export.exposure import join_txt, render_exposure
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
    result = build_list(an, focus)
    if g.kind.startswith("explain"):
        from netviz.export.explain import render_explain

        actual = render_explain(an, focus, g.options.explain_only)
        if g.section == "exposure":
            actual = join_txt(actual, exposure(an, result.connections, focus))
        return actual, golden
    if g.section == "exposure":
        return render_exposure(g.fmt, result, exposure(an, result.connections, focus)), golden
    return render(g.fmt, result), golden

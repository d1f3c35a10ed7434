"""A Markdown review report of a connectivity diff, for a pull request or a change review.

Not a reference format (the reference md diff is ``diff_md``): written for people. Sections:

1. ``# <title>``; the two inputs (before = ref1, after = ref2) and the options used (every
   ``Options`` line, defaults included, so the report says how it was computed).
2. **Summary**: pairs changed / added / removed; pairs where something became allowed / denied;
   workloads added / removed; or one sentence when nothing differs.
3. One table per change kind (changed, added, removed), rows in the diff's order, with
   before → after and, for changed pairs, what became allowed and what became denied.
4. **Impact per workload**: for every workload at an end of some entry, how many pairs
   changed inbound and outbound, and whether it gained or lost connectivity.

Pure: ``render_report(result, ...) -> str``; the text ends with a newline. Table cells are
escaped like ``netviz.export.md`` (``|`` -> ``\\|``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from netviz.engine.analyzer import Options
from netviz.engine.diff import ADDED, CHANGED, REMOVED, DiffEntry, DiffResult
from netviz.export.md import cell
from netviz.export.printable import printable


def _row(fields: Sequence[str]) -> str:
    return "| " + " | ".join(cell(f) for f in fields) + " |"


def _table(header: Sequence[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), "|" + "|".join("---" for _ in header) + "|", *(_row(r) for r in rows)]


def _code(text: str) -> str:
    # names and paths come from the inputs: control characters escaped
    return f"`{printable(text)}`" if text else ""


@dataclass
class _Impact:
    status: str
    inbound: int = 0
    outbound: int = 0
    gained_in: int = 0
    gained_out: int = 0
    lost_in: int = 0
    lost_out: int = 0
    peers: set[str] = field(default_factory=set)


def impact(result: DiffResult) -> dict[str, _Impact]:
    """Workload key -> what changed for it (external ranges are not workloads)."""
    out: dict[str, _Impact] = {}

    def status(key: str) -> str:
        if key in result.after_workloads and key not in result.before_workloads:
            return "added"
        if key in result.before_workloads and key not in result.after_workloads:
            return "removed"
        return "kept"

    for e in result.entries:
        gained, lost = bool(e.newly_allowed), bool(e.newly_denied)
        for peer, other, inbound in ((e.dst, e.src, True), (e.src, e.dst, False)):
            if peer.is_external:
                continue
            imp = out.setdefault(peer.key, _Impact(status(peer.key)))
            imp.peers.add(other.key)
            if inbound:
                imp.inbound += 1
                imp.gained_in += gained
                imp.lost_in += lost
            else:
                imp.outbound += 1
                imp.gained_out += gained
                imp.lost_out += lost
    return dict(sorted(out.items()))


def render_report(
    result: DiffResult,
    *,
    before: str = "before",
    after: str = "after",
    options: Options | None = None,
    title: str = "Connectivity review",
    warnings: Sequence[str] = (),
) -> str:
    options = options or Options()
    entries = result.entries
    changed = [e for e in entries if e.kind == CHANGED]
    added = [e for e in entries if e.kind == ADDED]
    removed = [e for e in entries if e.kind == REMOVED]
    wl_added = sorted(result.after_workloads - result.before_workloads)
    wl_removed = sorted(result.before_workloads - result.after_workloads)

    out: list[str] = [f"# {title}", ""]
    for w in warnings:  # e.g. the policies are not enforced: first, where nobody misses it
        out += [f"> **Warning:** {w}", ""]
    out += [
        f"- **Before** (ref1): {_code(before)}",
        f"- **After** (ref2): {_code(after)}",
        "- **Options**: " + "; ".join(options.describe()),
        "",
        "## Summary",
        "",
    ]
    if not entries:
        out.append("No connectivity differences: every pair of peers allows exactly the same "
                   "connections before and after.")
        if wl_added or wl_removed:
            out.append("")
            out.append(f"Workloads added: {len(wl_added)}, removed: {len(wl_removed)} "
                       "(none of them has any allowed connection).")
        return "\n".join(out) + "\n"

    newly_allowed = sum(1 for e in entries if e.newly_allowed)
    newly_denied = sum(1 for e in entries if e.newly_denied)
    out += _table(
        ["", "count"],
        [
            ["pairs changed", str(len(changed))],
            ["pairs added (allowed only after)", str(len(added))],
            ["pairs removed (allowed only before)", str(len(removed))],
            ["pairs with newly allowed connections", str(newly_allowed)],
            ["pairs with newly denied connections", str(newly_denied)],
            ["workloads added", str(len(wl_added))],
            ["workloads removed", str(len(wl_removed))],
        ],
    )
    if wl_added:
        out += ["", "Workloads added: " + ", ".join(_code(k) for k in wl_added)]
    if wl_removed:
        out += ["", "Workloads removed: " + ", ".join(_code(k) for k in wl_removed)]

    def section(name: str, lst: list[DiffEntry], header: list[str], row: object) -> None:
        out.extend(["", f"## {name} ({len(lst)})", ""])
        if not lst:
            out.append("None.")
            return
        out.extend(_table(header, [row(e) for e in lst]))  # type: ignore[operator]

    section(
        "Changed", changed,
        ["source", "destination", "before", "after", "newly allowed", "newly denied"],
        lambda e: [e.src.key, e.dst.key, str(e.before), str(e.after),
                   str(e.newly_allowed) if e.newly_allowed else "",
                   str(e.newly_denied) if e.newly_denied else ""],
    )
    section(
        "Added", added, ["source", "destination", "before", "after", "note"],
        lambda e: [e.src.key, e.dst.key, str(e.before), str(e.after), e.info],
    )
    section(
        "Removed", removed, ["source", "destination", "before", "after", "note"],
        lambda e: [e.src.key, e.dst.key, str(e.before), str(e.after), e.info],
    )

    imp = impact(result)
    out.extend(["", f"## Impact per workload ({len(imp)})", ""])
    out.extend(_table(
        ["workload", "workload status", "inbound pairs changed", "outbound pairs changed",
         "gains (in/out)", "losses (in/out)"],
        [
            [k, v.status, str(v.inbound), str(v.outbound),
             f"{v.gained_in}/{v.gained_out}", f"{v.lost_in}/{v.lost_out}"]
            for k, v in imp.items()
        ],
    ))
    out.extend([
        "",
        "_A pair is a source and a destination (a workload or an external address range). "
        "Gains: pairs where some connection became allowed; losses: pairs where some "
        "connection became denied (a changed pair can be both)._",
    ])
    return "\n".join(out) + "\n"

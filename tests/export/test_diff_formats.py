"""The diff exports (txt, csv, md, dot) and the Markdown review report.

Besides unit tests, *format conformance* on every reference diff golden, including those whose
scenarios netviz does not analyse yet (AdminNetworkPolicy): the entries are read back from the
txt golden (and the whole graph from the dot golden) and rendered again, which must give the
csv, md, txt and dot goldens byte for byte. That pins the formats independently of the engine
(tests/conformance/test_diff_conformance.py checks engine + CLI on the in-scope pairs).
Goldens with ``{ingress-controller}`` rows are left out: netviz has no such peer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netviz.engine.analyzer import Options
from netviz.engine.connections import ConnectionSet
from netviz.engine.connlist import Connection, PeerNode
from netviz.engine.diff import ADDED, CHANGED, REMOVED, DiffEntry, DiffResult, diff, unchanged
from netviz.engine.ipranges import IPRange
from netviz.export.diff_formats import DIFF_FORMATS, render_diff
from netviz.export.diff_report import impact, render_report


def _shared() -> Path | None:
    """``../shared/conformance/netpol-analyzer`` beside the checkout (as tests/conformance)."""
    repo = Path(__file__).resolve().parents[2]
    for base in (repo.parent, repo):
        cand = base / "shared" / "conformance" / "netpol-analyzer"
        if cand.is_dir():
            return cand
    return None


ROOT = _shared()
DIFF_DIR = ROOT / "expected" / "diff" if ROOT is not None else None


def peer(key: str) -> PeerNode:
    if key.endswith("[External]"):
        return PeerNode.external(IPRange.parse(key[: -len("[External]")]))
    return PeerNode.workload(key)


C = ConnectionSet.parse
A = peer("ns-a/web[Deployment]")
B = peer("ns-b/db[StatefulSet]")
N = peer("ns-b/new[Deployment]")
EXT = peer("10.0.0.0-10.255.255.255[External]")


def sample(notes: tuple[str, ...] = ()) -> DiffResult:
    entries = [
        DiffEntry(CHANGED, A, B, C("TCP 80"), C("TCP 80,UDP 53")),
        DiffEntry(ADDED, A, N, C("No Connections"), C("All Connections"),
                  "workload ns-b/new[Deployment] added"),
        DiffEntry(REMOVED, EXT, A, C("TCP 443"), C("No Connections")),
    ]
    return DiffResult(entries, [Connection(B, A, C("TCP 5432"))],
                      frozenset({A.key, B.key}), frozenset({A.key, B.key, N.key}), notes)


EMPTY = DiffResult([], [Connection(B, A, C("TCP 5432"))], frozenset({A.key}), frozenset({A.key}))


# --------------------------------------------------------------------------- unit


def test_txt() -> None:
    assert render_diff("txt", sample()) == (
        "Connectivity diff:\n"
        "diff-type: changed, source: ns-a/web[Deployment], destination: ns-b/db[StatefulSet], "
        "ref1: TCP 80, ref2: TCP 80,UDP 53\n"
        "diff-type: added, source: ns-a/web[Deployment], destination: ns-b/new[Deployment], "
        "ref1: No Connections, ref2: All Connections, "
        "workloads-diff-info: workload ns-b/new[Deployment] added\n"
        "diff-type: removed, source: 10.0.0.0-10.255.255.255[External], "
        "destination: ns-a/web[Deployment], ref1: TCP 443, ref2: No Connections\n"
    )


def test_csv_quotes_like_go_and_md_has_no_final_newline() -> None:
    csv = render_diff("csv", sample())
    assert csv.splitlines()[0] == "diff-type,source,destination,ref1,ref2,workloads-diff-info"
    assert 'changed,ns-a/web[Deployment],ns-b/db[StatefulSet],TCP 80,"TCP 80,UDP 53",\n' in csv
    md = render_diff("md", sample())
    assert not md.endswith("\n")
    assert md.splitlines()[-1].endswith("| TCP 443 | No Connections |  |")


def test_dot_colours() -> None:
    dot = render_diff("dot", sample())
    assert dot.startswith("digraph {\n") and dot.endswith("\n}")
    assert '"ns-b/new[Deployment]" [label="new[Deployment]" color="#008000"' in dot
    assert '"10.0.0.0-10.255.255.255[External]" [label="10.0.0.0-10.255.255.255[External]" ' \
           'color="blue"' in dot
    assert '[label="TCP 80,UDP 53 (ref1: TCP 80)" color="magenta"' in dot
    assert '[label="TCP 443" color="red2"' in dot
    assert '[label="TCP 5432" color="grey" fontcolor="grey" weight=1]' in dot


def test_empty_diff_prints_nothing_in_every_format() -> None:
    for fmt in DIFF_FORMATS:
        assert render_diff(fmt, EMPTY) == ""


def test_notes_in_band() -> None:
    r = sample(("ipBlock matches pod IPs: yes",))
    assert render_diff("txt", r).startswith("# ipBlock matches pod IPs: yes\nConnectivity diff:")
    assert render_diff("csv", r).startswith("# ipBlock matches pod IPs: yes\ndiff-type,")
    assert render_diff("md", r).startswith("> ipBlock matches pod IPs: yes\n\n| diff-type")
    assert render_diff("dot", r).startswith("digraph {\n\t// ipBlock matches pod IPs: yes\n")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown diff format"):
        render_diff("json", sample())


def test_external_ranges_aligned_and_merged() -> None:
    """Before: one range for everything; after: the same cut in two, with one piece changed.
    Like the reference: compared piece by piece, equal neighbours merged again."""
    everything = peer("0.0.0.0-255.255.255.255[External]")
    low, high = peer("0.0.0.0-9.255.255.255[External]"), peer("10.0.0.0-255.255.255.255[External]")
    before = [Connection(everything, A, C("All Connections"))]
    after = [Connection(low, A, C("All Connections")), Connection(high, A, C("TCP 80"))]
    got = diff(before, after, [A.key], [A.key])
    assert [(e.kind, e.src.key, str(e.before), str(e.after)) for e in got] == [
        ("changed", high.key, "All Connections", "TCP 80")]
    assert [c.src.key for c in unchanged(before, after)] == [low.key]
    # a piece allowed the same way on both sides is not a difference, however each side cuts
    assert diff(after, [Connection(low, A, C("All Connections")),
                        Connection(high, A, C("TCP 80"))], [A.key], [A.key]) == []


# --------------------------------------------------------------------------- report


def test_report_sections_and_counts() -> None:
    text = render_report(sample(), before="old/", after="new/", options=Options())
    assert text.startswith("# Connectivity review\n")
    assert "- **Before** (ref1): `old/`" in text and "- **After** (ref2): `new/`" in text
    assert "ipBlock matches pod IPs: no" in text
    assert "| pairs changed | 1 |" in text and "| pairs added (allowed only after) | 1 |" in text
    assert "| pairs with newly allowed connections | 2 |" in text
    assert "| pairs with newly denied connections | 1 |" in text
    assert "| workloads added | 1 |" in text
    assert "## Changed (1)" in text and "| UDP 53 |  |" in text
    assert "## Removed (1)" in text and "## Impact per workload (3)" in text
    imp = impact(sample())
    assert imp[A.key].outbound == 2 and imp[A.key].inbound == 1 and imp[N.key].status == "added"
    assert text.endswith("\n")


def test_report_without_differences() -> None:
    text = render_report(EMPTY)
    assert "No connectivity differences" in text and "## Changed" not in text


# --------------------------------------------------------------------------- format conformance

_LINE = re.compile(
    r"^diff-type: (?P<kind>\w+), source: (?P<src>.+?), destination: (?P<dst>.+?), "
    r"ref1: (?P<before>.+?), ref2: (?P<after>.+?)(?:, workloads-diff-info: (?P<info>.+))?$"
)
_EDGE = re.compile(r'^\t"(?P<src>[^"]+)" -> "(?P<dst>[^"]+)" \[label="(?P<label>[^"]*)" '
                   r'color="(?P<color>[^"]+)"')
_NODE = re.compile(r'^\t+"(?P<key>[^"]+)" \[label="[^"]*" color="(?P<color>[^"]+)"')


def entries_from_txt(text: str) -> list[DiffEntry]:
    out = []
    for ln in text.splitlines()[1:]:
        m = _LINE.match(ln)
        assert m, ln
        out.append(DiffEntry(m["kind"], peer(m["src"]), peer(m["dst"]), C(m["before"]),
                             C(m["after"]), m["info"] or ""))
    return out


def result_from_dot(text: str) -> DiffResult:
    entries, same = [], []
    before: set[str] = set()
    after: set[str] = set()
    for ln in text.splitlines():
        if (m := _EDGE.match(ln)) is not None:
            s, d, label, color = peer(m["src"]), peer(m["dst"]), m["label"], m["color"]
            if color == "grey":
                same.append(Connection(s, d, C(label)))
            elif color == "magenta":
                new, old = re.fullmatch(r"(.*) \(ref1: (.*)\)", label).groups()  # type: ignore[union-attr]
                entries.append(DiffEntry(CHANGED, s, d, C(old), C(new)))
            elif color == "#008000":
                entries.append(DiffEntry(ADDED, s, d, C("No Connections"), C(label)))
            else:
                entries.append(DiffEntry(REMOVED, s, d, C(label), C("No Connections")))
        elif (m := _NODE.match(ln)) is not None and not m["key"].endswith("[External]"):
            if m["color"] in ("blue", "red"):
                before.add(m["key"])
            if m["color"] in ("blue", "#008000"):
                after.add(m["key"])
    return DiffResult(entries, same, frozenset(before), frozenset(after))


def _goldens() -> list[object]:
    if DIFF_DIR is None or not DIFF_DIR.is_dir():
        return [pytest.param(None, id="no-shared-corpus")]
    out = []
    for p in sorted(DIFF_DIR.glob("diff_between_*.txt")):
        text = p.read_text()
        if not text or "{ingress-controller}" in text:
            continue
        for fmt in DIFF_FORMATS:
            if p.with_suffix(f".{fmt}").exists():
                out.append(pytest.param((p, fmt), id=f"{p.stem}.{fmt}"))
    return out


@pytest.mark.conformance
@pytest.mark.parametrize("case", _goldens())
def test_format_reproduces_reference_golden(case: tuple[Path, str] | None) -> None:
    if case is None:
        pytest.skip("../shared/conformance/netpol-analyzer not found beside the checkout")
    txt_path, fmt = case
    golden = txt_path.with_suffix(f".{fmt}").read_text()
    if fmt == "dot":
        result = result_from_dot(golden)
    else:
        result = DiffResult(entries_from_txt(txt_path.read_text()), [])
    assert render_diff(fmt, result) == golden

"""``netviz list --exposure``: the connection list, then the exposure report, in the reference
analyzer's formats (txt, csv, md, json, dot; byte for byte with the default options).

Rules this module keeps (the reference's ``conns_formatter_*`` layouts, checked by
tests/conformance):

- The report lists, per *exposed* workload (``engine.exposure.ExposureReport.workloads``), its
  egress and ingress exposure: ``entire-cluster`` with all connections for a direction no policy
  protects (and a line "W is not protected on Ingress" in txt), else its items; then its
  connections with ``[External]`` ranges copied from the connection list (only for workloads
  that are in the report at all, as the reference does).
- Egress lines are sorted by (workload, peer), ingress lines by (workload, peer) too (the
  reference sorts ingress rows by destination), as plain strings.
- txt: ``Exposure Analysis Result:`` (``... On TCP 8080:`` with a port focus, then lines
  without connections), ``Egress Exposure:`` / ``Ingress Exposure:`` sections separated by a
  blank line, rows ``<workload padded to the longest exposed workload> \\t=> \\t<peer> :
  <conns>`` (``<=`` for ingress), then "Workloads not protected by network policies:". The
  connection list comes first and a blank line separates the two unless the list is empty.
- csv: the list, ``Exposure Analysis Result:,,``, each non-empty section as ``Egress
  Exposure:,,`` + ``src,dst,conn`` rows (ingress: ``dst,src,conn``, workload first).
- md: the list table, ``## Exposure Analysis Result:``, ``### Egress Exposure:`` and ``###
  Ingress Exposure:`` tables (ingress ``| dst | src | conn |``), joined without a final
  newline.
- json: ``{"connlist_results": [...], "exposure_results": {"egress_exposure": [...],
  "ingress_exposure": [...]}}``; an empty section is ``null`` (the reference's nil slice); with
  a port focus the keys are ``connlist_conn_focus_results`` / ``exposure_conn_focus_results``
  and items have no ``conn``.
- dot: the connlist graph, plus red subgraphs of potential peers grouped by their namespace
  text, a diamond ``entire-cluster`` node, and dashed exposure edges (``darkorange2`` into a
  workload, weight 1; ``darkorange4`` out of it, weight 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.engine.analyzer import EGRESS, INGRESS
from netviz.engine.connlist import ConnList, PeerNode
from netviz.engine.exposure import ENTIRE_CLUSTER, ExposureReport, PortSet
from netviz.export import csv_format, dot, json_format, md, txt
from netviz.export.printable import printable


@dataclass(frozen=True)
class Row:
    peer: str  # the workload
    other: str  # entire-cluster, a potential peer, an external range
    conn: str


def _rows(report: ExposureReport) -> tuple[list[Row], list[Row], list[str]]:
    """(egress rows, ingress rows, unprotected lines), sorted."""
    eg: list[Row] = []
    ing: list[Row] = []
    unprotected: list[str] = []
    for wl, we in report.workloads.items():
        for direction, rows in ((INGRESS, ing), (EGRESS, eg)):
            side = we.side(direction)
            if not side.protected:
                rows.append(Row(wl, ENTIRE_CLUSTER, str(PortSet.all())))
                unprotected.append(f"{wl} is not protected on {direction}")
            else:
                rows.extend(Row(wl, it.peer_text, str(it.connections)) for it in side.items)
            for c in report.ip_connections(wl, direction):
                other = c.src if direction == INGRESS else c.dst
                rows.append(Row(wl, other.key, str(c.connections)))
    eg.sort(key=lambda r: (r.peer, r.other))
    ing.sort(key=lambda r: (r.peer, r.other))
    unprotected.sort()
    return eg, ing, unprotected


def _focus_text(report: ExposureReport) -> str:
    f = report.focus
    return f"{f.protocol} {f.port}" if f.by_port else ""


def _header(report: ExposureReport) -> str:
    focus = _focus_text(report)
    return "Exposure Analysis Result" + (f" On {focus}" if focus else "") + ":"


def _sub(lines: list[str], header: str) -> str:
    return header + "\n".join(lines) + "\n" if lines else ""


def render_txt_section(report: ExposureReport) -> str:
    """The exposure part of the txt output (after the connection list)."""
    eg, ing, unprotected = _rows(report)
    # names come from the inputs: escaped (and padded as printed)
    width = max((len(printable(w)) for w in report.workloads), default=0)
    by_port = report.focus.by_port

    def line(r: Row, arrow: str) -> str:
        head = f"{printable(r.peer):<{width}} \t{arrow} \t{printable(r.other)}"
        return head if by_port else f"{head} : {r.conn}"

    out = _header(report) + "\n"
    out += _sub([line(r, "=>") for r in eg], "Egress Exposure:\n")
    out += _sub([line(r, "<=") for r in ing], ("\n" if eg else "") + "Ingress Exposure:\n")
    if not by_port:
        out += _sub([printable(u) for u in unprotected],
                    "\nWorkloads not protected by network policies:\n")
    return out


def join_txt(first: str, report: ExposureReport) -> str:
    """The connection list (or explanation) text, then the exposure report."""
    if first and first != "\n":
        first += "\n"
    return first + render_txt_section(report)


def render_txt(result: ConnList, report: ExposureReport) -> str:
    return join_txt(txt.render(result), report)


def render_csv(result: ConnList, report: ExposureReport) -> str:
    eg, ing, _ = _rows(report)
    by_port = report.focus.by_port
    out = [csv_format.render(result), csv_format.row([_header(report), "", ""])]
    for title, rows, first, second in (("Egress Exposure:", eg, "src", "dst"),
                                       ("Ingress Exposure:", ing, "dst", "src")):
        if not rows:
            continue
        out.append(csv_format.row([title, "", ""]))
        out.append(csv_format.row([first, second] if by_port else [first, second, "conn"]))
        out += [csv_format.row([r.peer, r.other] if by_port else [r.peer, r.other, r.conn])
                for r in rows]
    return "".join(out)


def render_md(result: ConnList, report: ExposureReport) -> str:
    eg, ing, _ = _rows(report)
    by_port = report.focus.by_port

    def table(first: str, second: str, rows: list[Row]) -> list[str]:
        if by_port:
            head = [f"| {first} | {second} |", "|-----|-----|"]
            return head + [f"| {md.cell(r.peer)} | {md.cell(r.other)} |" for r in rows]
        head = [f"| {first} | {second} | conn |", "|-----|-----|------|"]
        return head + [f"| {md.cell(r.peer)} | {md.cell(r.other)} | {md.cell(r.conn)} |"
                       for r in rows]

    def sub(title: str, first: str, second: str, rows: list[Row]) -> str:
        if not rows:
            return ""
        lines = table(first, second, rows)
        return f"### {title}\n{lines[0]}\n{lines[1]}\n" + "\n".join(lines[2:]) + "\n"

    parts = [
        f"## {_header(report)}",
        sub("Egress Exposure:", "src", "dst", eg),
        sub("Ingress Exposure:", "dst", "src", ing),
    ]
    return md.render(result) + "\n".join(parts)


def render_json(result: ConnList, report: ExposureReport) -> str:
    eg, ing, _ = _rows(report)
    by_port = report.focus.by_port

    def item(src: str, dst: str, conn: str) -> dict[str, str]:
        return {"src": src, "dst": dst} if by_port else {"src": src, "dst": dst, "conn": conn}

    egress = [item(r.peer, r.other, r.conn) for r in eg]
    ingress = [item(r.other, r.peer, r.conn) for r in ing]
    conns = json_format.items(result)
    if by_port:
        data: object = {
            "connlist_conn_focus_results": conns,
            "exposure_conn_focus_results": {"egress_exposure": egress,
                                            "ingress_exposure": ingress},
        }
    else:
        data = {
            "connlist_results": conns,
            "exposure_results": {"egress_exposure": egress or None,
                                 "ingress_exposure": ingress or None},
        }
    if result.notes:
        data = {"netviz_options": list(result.notes), **data}  # type: ignore[dict-item]
    return json_format.dumps(data)


def render_dot(result: ConnList, report: ExposureReport) -> str:
    by_ns, externals, edges, seen = dot.parts(result)
    potential: dict[str, list[str]] = {}
    seen_potential: set[str] = set()
    entire = False
    label_of_conns = _focus_text(report)
    for wl, we in report.workloads.items():
        if wl not in seen:
            node = PeerNode.workload(wl)
            assert node.namespace is not None
            by_ns.setdefault(node.namespace, []).append("\t\t" + dot._node_line(node))
            seen.add(wl)
        for direction in (INGRESS, EGRESS):
            side = we.side(direction)
            targets: list[tuple[str, str]] = []
            if not side.protected:
                entire = True
                targets.append((ENTIRE_CLUSTER, str(PortSet.all())))
            else:
                for it in side.items:
                    conn = label_of_conns or str(it.connections)
                    if it.peer is None:
                        entire = True
                        targets.append((ENTIRE_CLUSTER, conn))
                        continue
                    nid = it.peer.node_id
                    if nid not in seen_potential:
                        seen_potential.add(nid)
                        potential.setdefault(it.peer.namespace_text(False), []).append(
                            f"\t\t{dot.q(nid)} [label={dot.q(it.peer.pod_text(False))} "
                            'color="red2" fontcolor="red2"]')
                    targets.append((nid, conn))
            for other, conn in targets:
                if direction == INGRESS:
                    edges.append(f"\t{dot.q(other)} -> {dot.q(wl)} [label={dot.q(conn)} "
                                 'color="darkorange2" fontcolor="darkgreen" weight=1 style=dashed]')
                else:
                    edges.append(f"\t{dot.q(wl)} -> {dot.q(other)} [label={dot.q(conn)} "
                                 'color="darkorange4" fontcolor="darkgreen" weight=0.5 '
                                 "style=dashed]")
    if entire:
        externals.append(f"\t{dot.q(ENTIRE_CLUSTER)} [label={dot.q(ENTIRE_CLUSTER)} "
                         'color="red2" fontcolor="red2" shape=diamond]')
    return dot.document(result.notes, by_ns, externals, edges, potential=potential)


RENDERERS = {
    "txt": render_txt,
    "csv": render_csv,
    "md": render_md,
    "json": render_json,
    "dot": render_dot,
}


def render_exposure(fmt: str, result: ConnList, report: ExposureReport) -> str:
    try:
        fn = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(RENDERERS)}") from None
    return fn(result, report)

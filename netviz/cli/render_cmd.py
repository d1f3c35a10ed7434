"""``netviz render PATH... -o out.png|svg|pdf``: the app's picture, headless.

Same model, layout and palette as the GUI (``netviz.viewmodel``), drawn by
``netviz.export.figure`` with matplotlib; no Qt, no display.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "render", help="draw the graph to PNG, SVG or PDF (no window)",
        description="Draw the connectivity graph of the manifests to an image, exactly as the "
                    "app lays it out: PNG, SVG or PDF by the output's suffix.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or folders")
    p.add_argument("-o", "--output", required=True, help="output file (.png, .svg or .pdf)")
    p.add_argument("--focus", metavar="NS/NAME",
                   help="only this workload (or Service) and its neighbours")
    p.add_argument("--namespace", action="append", metavar="NS",
                   help="only these namespaces (repeatable)")
    p.add_argument("--port", metavar="[PROTO ]PORT",
                   help='only edges allowing this port, e.g. "TCP 5432" or 5432')
    p.add_argument("--show-denied", action="store_true",
                   help="also draw denied pairs (dashed; with many workloads only with --focus)")
    p.add_argument("--title", help="title (default: the input names)")
    p.add_argument("--lod", choices=["auto", "detail", "bundle"], default="auto",
                   help="bundle edges between namespaces (auto: above 1,500 edges)")
    p.add_argument("--no-services", action="store_true", help="do not draw Services")
    p.add_argument("--direct", action="store_true",
                   help="draw edges to workloads, not through the Services that select them")
    p.add_argument("--session", action="store_true",
                   help="use the node positions saved by the app for these inputs")
    p.add_argument("--dpi", type=float, default=150.0, help="PNG resolution (default 150)")
    p.add_argument("--ipblock-matches-pod-ips", "--ipblock-pod-ips", dest="ipblock_pod_ips",
                   action="store_true",
                   help="ipBlocks also match pod IPs (see netviz list --help)")
    p.add_argument("--host-network", choices=["pod", "node"], default="pod",
                   help="treat hostNetwork pods as pods (default) or as node traffic")
    from netviz.cli.list_cmd import add_cni_arg

    add_cni_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netviz.cli.exits import EXIT_INPUT, EXIT_OK, EXIT_USAGE
    from netviz.engine import Analyzer, Options
    from netviz.engine.connlist import connlist
    from netviz.export import figure
    from netviz.export.printable import printable
    from netviz.io.manifests import load_paths
    from netviz.viewmodel.graph import GraphModel, GraphOptions, parse_port_filter
    from netviz.viewmodel.layout import Layout, session_path

    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        print(f"netviz render: {out}: the output must end in .png, .svg or .pdf", file=sys.stderr)
        return EXIT_USAGE
    result = load_paths(args.paths)
    for d in result.diagnostics:
        print(printable(f"netviz: {d}"), file=sys.stderr)
    cluster = result.cluster
    if any(d.code == "snapshot-invalid" for d in result.diagnostics):
        print("netviz render: the cluster snapshot is malformed; nothing was drawn",
              file=sys.stderr)
        return EXIT_INPUT
    if not cluster.pods and not cluster.services and not cluster.policies:
        print("netviz render: nothing could be loaded", file=sys.stderr)
        return EXIT_INPUT
    options = Options(ipblock_matches_pod_ips=args.ipblock_pod_ips, host_network=args.host_network)
    analyzer = Analyzer(cluster, options)
    model = GraphModel(cluster, connlist(analyzer), analyzer,
                       GraphOptions(route_via_services=not args.direct,
                                    show_services=not args.no_services))
    layout = Layout()
    if args.session:
        layout.load(session_path(args.paths), model)
    layout.update(model)

    focus = None
    if args.focus:
        focus = model.find_workload(args.focus)
        if focus is None:
            hint = model.suggest(args.focus)
            more = f" (did you mean {', '.join(hint)}?)" if hint else ""
            print(f"netviz render: --focus {args.focus}: no such workload{more}", file=sys.stderr)
            return EXIT_USAGE
    namespaces = None
    if args.namespace:
        known = set(model.namespaces)
        bad = [n for n in args.namespace if n not in known]
        if bad:
            print(f"netviz render: --namespace {', '.join(bad)}: no such namespace "
                  f"(known: {', '.join(sorted(known))})", file=sys.stderr)
            return EXIT_USAGE
        namespaces = frozenset(args.namespace)
    protocol = port = None
    if args.port:
        got = parse_port_filter(args.port)
        if got is None:
            print(f"netviz render: --port {args.port}: write e.g. \"TCP 5432\", 5432 or UDP",
                  file=sys.stderr)
            return EXIT_USAGE
        protocol, port = got
    visible = model.view(namespaces=namespaces, focus=focus, show_denied=args.show_denied,
                         protocol=protocol, port=port)
    title = args.title or "Network policies — " + ", ".join(Path(p).name or p for p in args.paths)
    if focus:
        title += f" (focus {args.focus})"
    from netviz.cli.list_cmd import enforcement_notes, enforcement_of, warn_enforcement

    enforcement = enforcement_of(args, result)
    warn_enforcement(enforcement, False, sys.stderr)
    for note in enforcement_notes(enforcement):  # in the picture, where nobody misses it
        title += "\n" + note
    bundled = {"auto": None, "detail": False, "bundle": True}[args.lod]
    fig = figure.figure(model, layout, visible, title, bundled=bundled)
    try:
        figure.save(fig, out, dpi=args.dpi)
    except OSError as exc:
        print(f"netviz render: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {out} ({len(visible.nodes)} nodes, {len(visible.edges)} edges)")
    return EXIT_OK

"""``netviz render PATH... -o FILE``: the app's picture, headless: PNG, SVG, PDF or JSON.

One renderer: the same ``GraphModel``, ``Layout`` (measured with the real fonts) and
``netviz.ui.scene.PictureScene`` as the window, drawn with Qt offscreen (no display needed:
``ensure_app`` picks the offscreen platform when there is none). ``-o FILE.json`` writes the
``netviz-picture/1`` description of the same picture (``netviz.export.picture_json``) instead:
its coordinates are the pixels of the PNG this command writes at ``--scale 1`` (the default).
The first line on stdout says what was drawn, with the compression ratio (drawn
allowed/partial edges per allowed pair).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netviz.viewmodel.graph import GraphModel, VisibleGraph
    from netviz.viewmodel.routing import Picture


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "render", help="draw the graph to PNG, SVG or PDF (no window)",
        description="Draw the connectivity graph of the manifests to an image, exactly as the "
                    "app lays it out: PNG, SVG or PDF by the output's suffix.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or folders")
    p.add_argument("-o", "--output", required=True,
                   help="output file: .png, .svg, .pdf, or .json (the picture as data)")
    p.add_argument("--focus", metavar="NS/NAME",
                   help="only this workload (or Service) and its neighbours")
    p.add_argument("--namespace", action="append", metavar="NS",
                   help="only these namespaces (repeatable)")
    p.add_argument("--port", metavar="[PROTO ]PORT",
                   help='only edges allowing this port, e.g. "TCP 5432" or 5432')
    p.add_argument("--show-denied", action="store_true",
                   help="also draw denied pairs (dashed; with many workloads only with --focus)")
    p.add_argument("--title", help="title (default: the input names)")
    p.add_argument("--collapse", action="append", metavar="NS",
                   help="draw this namespace as one box (repeatable; its mixed edges become "
                        "bundles with counts)")
    p.add_argument("--no-services", action="store_true", help="do not draw Services")
    p.add_argument("--direct", action="store_true",
                   help="draw edges to workloads, not through the Services that select them")
    p.add_argument("--no-groups", action="store_true",
                   help="no workload groups or namespace sets (namespaces only)")
    p.add_argument("--no-outside", action="store_true",
                   help="do not draw the path from outside (the internet, LoadBalancer / "
                        "NodePort / externalIPs Services, Ingresses and Routes, what gets "
                        "through to their backends, where Services lead outside)")
    p.add_argument("--session", action="store_true",
                   help="use the node positions saved by the app for these inputs")
    p.add_argument("--scale", type=float, default=1.0,
                   help="PNG pixels per picture unit (default 1: the picture JSON's coordinates)")
    p.add_argument("--dpi", type=float, default=None,
                   help="PNG resolution, another way to give --scale (96 dpi = scale 1)")
    p.add_argument("--ipblock-matches-pod-ips", "--ipblock-pod-ips", dest="ipblock_pod_ips",
                   action="store_true",
                   help="ipBlocks also match pod IPs (see netviz list --help)")
    p.add_argument("--host-network", choices=["pod", "node"], default="pod",
                   help="treat hostNetwork pods as pods (default) or as node traffic")
    from netviz.cli.list_cmd import _ingress_controller, add_cni_arg

    p.add_argument("--ingress-controller", metavar="NAMESPACE[:KEY=VALUE,...]",
                   type=_ingress_controller, default=None,
                   help="where the ingress controller runs (see netviz list --help)")

    add_cni_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netviz.cli.exits import EXIT_INPUT, EXIT_OK, EXIT_USAGE, done
    from netviz.engine import Analyzer, Options
    from netviz.engine.connlist import connlist
    from netviz.export.printable import printable
    from netviz.io.manifests import load_paths
    from netviz.viewmodel.graph import GraphModel, GraphOptions, parse_port_filter

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf", ".json"):
        print(f"netviz render: {out}: the output must end in .png, .svg, .pdf or .json",
              file=sys.stderr)
        return EXIT_USAGE
    from netviz.viewmodel import forked

    # the files are read in two processes when there are several (a one-shot command); this
    # one imports what it draws with meanwhile
    result = load_paths(args.paths, halves=forked.halves if forked.enabled() else None,
                        meanwhile=_drawing_imports)
    for d in result.diagnostics:
        print(printable(f"netviz: {d}"), file=sys.stderr)
    cluster = result.cluster
    if any(d.code == "snapshot-invalid" for d in result.diagnostics):
        print("netviz render: the cluster snapshot is malformed; nothing was drawn",
              file=sys.stderr)
        return EXIT_INPUT
    empty = not cluster.pods and not cluster.services and not cluster.policies
    if empty:
        from netviz.model.diagnostics import Severity

        if not result.diagnostics or any(d.severity is Severity.ERROR
                                         for d in result.diagnostics):
            print("netviz render: nothing could be loaded", file=sys.stderr)
            return EXIT_INPUT
        # read fine, nothing to draw (e.g. only kinds netviz does not draw): an empty
        # picture that says so, as `netviz list` prints an empty list
        print("netviz render: warning: no pods, workloads, Services or policies in the input: "
              "the picture is empty", file=sys.stderr)
    options = Options(ipblock_matches_pod_ips=args.ipblock_pod_ips, host_network=args.host_network)
    if args.ingress_controller is not None:
        import dataclasses

        options = dataclasses.replace(options, ingress_controller=args.ingress_controller)
    analyzer = Analyzer(cluster, options)
    model = GraphModel(cluster, connlist(analyzer), analyzer,
                       GraphOptions(route_via_services=not args.direct,
                                    show_services=not args.no_services,
                                    groups=not args.no_groups,
                                    show_outside=not args.no_outside))
    focus = None
    if args.focus:
        focus = model.find_workload(args.focus)
        if focus is None:
            hint = model.suggest(args.focus)
            more = f" (did you mean {', '.join(hint)}?)" if hint else ""
            print(f"netviz render: --focus {args.focus}: no such workload{more}", file=sys.stderr)
            return EXIT_USAGE
    namespaces = None
    known = set(model.namespaces)
    for flag, given in (("--namespace", args.namespace), ("--collapse", args.collapse)):
        bad = [n for n in given or () if n not in known]
        if bad:
            print(f"netviz render: {flag} {', '.join(bad)}: no such namespace "
                  f"(known: {', '.join(sorted(known))})", file=sys.stderr)
            return EXIT_USAGE
    if args.namespace:
        namespaces = frozenset(args.namespace)
    protocol = port = None
    if args.port:
        got = parse_port_filter(args.port)
        if got is None:
            print(f"netviz render: --port {args.port}: write e.g. \"TCP 5432\", 5432 or UDP",
                  file=sys.stderr)
            return EXIT_USAGE
        protocol, port = got
    collapsed = frozenset("ns:" + n for n in args.collapse or ())
    visible = model.view(namespaces=namespaces, focus=focus, show_denied=args.show_denied,
                         protocol=protocol, port=port, collapsed=collapsed)
    title = args.title or "Network policies — " + ", ".join(Path(p).name or p for p in args.paths)
    if focus:
        title += f" (focus {args.focus})"
    from netviz.cli.list_cmd import enforcement_notes, enforcement_of, warn_enforcement

    enforcement = enforcement_of(args, result)
    warn_enforcement(enforcement, False, sys.stderr)
    for note in enforcement_notes(enforcement):  # in the picture, where nobody misses it
        title += "\n" + note
    scale = args.scale if args.dpi is None else args.dpi / 96.0
    try:
        pic = draw(model, visible, out, title, scale, args.paths if args.session else None)
    except OSError as exc:
        print(f"netviz render: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    n_nodes = sum(1 for n in pic.nodes if n.kind not in ("namespace", "group", "cluster"))
    print(f"wrote {out} ({n_nodes} nodes, {len(pic.nodes) - n_nodes} boxes, {len(pic.edges)} "
          f"edges; {pic.drawn_exact} allowed/partial edges for {pic.pairs} allowed pairs, "
          f"ratio {pic.ratio:.3f})")
    return done(EXIT_OK)


def _drawing_imports() -> None:
    """Import what ``draw`` uses (~0.3 s: numpy, Qt, the picture modules): done while a
    forked child reads manifests. Only imports: Qt starts no thread here (``forked``)."""
    import importlib

    for name in ("netviz.viewmodel.graph", "netviz.viewmodel.layout", "netviz.viewmodel.routing",
                 "netviz.export.picture_json", "netviz.io.appfiles", "netviz.ui.fonts",
                 "netviz.ui.scene"):
        importlib.import_module(name)


def draw(model: GraphModel, visible: VisibleGraph, out: Path, title: str, scale: float = 1.0,
         session_paths: list[str] | None = None) -> Picture:
    """Lay out, route and draw ``visible`` to ``out`` (by its suffix); returns the picture."""
    from netviz.ui.scene import ensure_app

    ensure_app()
    from netviz.io.appfiles import JsonFile, session_path
    from netviz.ui.fonts import qt_measure
    from netviz.ui.scene import PictureScene, png_scale, render
    from netviz.viewmodel.layout import Layout
    from netviz.viewmodel.routing import legend_entries, picture

    layout = Layout(qt_measure)
    if session_paths:
        saved = JsonFile(session_path(session_paths)).read()
        if isinstance(saved, dict):
            layout.load_dict(saved, model)
    pic = picture(model, visible, layout, heading=title)
    if out.suffix.lower() == ".json":
        from netviz.export.picture_json import write

        write(pic, out)
        return pic
    scene = PictureScene()
    if out.suffix.lower() == ".png":  # what is too small to show at its scale is not made
        scene.file_lod = png_scale(pic.canvas, scale)
    scene.show(pic, legend_entries(model, visible))
    render(scene, pic.canvas, str(out), scale=scale, title=title)
    return pic

"""``netviz list PATH...``: every allowed connection between workloads and external ranges.

Output formats are the reference formats (``netviz.export``), byte for byte with the default
options. ``--explain`` prints the reference explain format instead (txt only).

Stating the options: ``Options`` choices that the Kubernetes spec leaves open change what is
allowed. With the defaults (ipBlocks never match pod IPs; hostNetwork pods are ordinary pods)
the output is exactly the reference's and the choice is stated on stderr (one ``note:`` line,
suppressed by ``--quiet``). With a non-default choice every format also states it in-band (see
``netviz.export``), so a saved file always says how it was computed.

Diagnostics from loading go to stderr as ``file:line: severity: message``; loading goes on. The
command exits 3 only when nothing at all could be loaded.

Shared helpers for the other analysis commands (``eval``) live here too: ``add_input_args``,
``add_option_args``, ``load_cluster``, ``options_from_args``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from netviz.cli.exits import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from netviz.engine.analyzer import Analyzer, Options
from netviz.engine.connlist import ConnectionStream, Focus, build_list
from netviz.export import FORMATS, render_chunks
from netviz.export.printable import printable
from netviz.model import Cluster, Pod
from netviz.model.diagnostics import Diagnostic
from netviz.model.enforcement import Enforcement, Plugin
from netviz.model.loaded import LoadResult

PROTOCOLS = ("TCP", "UDP", "SCTP")


class CLIError(Exception):
    """A message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --------------------------------------------------------------------------- shared arguments


def add_input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="+", metavar="PATH",
        help="manifest files or folders (YAML/JSON, multi-document, List kinds); - for stdin",
    )
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print loader diagnostics and notes on stderr")


def add_option_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("semantics the Kubernetes spec leaves open")
    g.add_argument(
        "--ipblock-matches-pod-ips", action="store_true",
        help="let ipBlocks also match pods whose status IPs lie in them (default: ipBlocks "
             "match only addresses outside the cluster, the reference convention)",
    )
    g.add_argument(
        "--ingress-controller", metavar="NAMESPACE[:KEY=VALUE,...]", type=_ingress_controller,
        default=None,
        help="where the ingress controller serving Ingress/Route objects runs: its namespace "
             "and pod labels, e.g. ingress-nginx:app.kubernetes.io/name=ingress-nginx "
             "(default: the reference's placeholder, a pod with no labels in namespace "
             "ingress-controller-ns)",
    )
    g.add_argument(
        "--host-network", choices=("pod", "node"), default="pod",
        help="hostNetwork pods: 'pod' treats them like any pod (default); 'node' treats their "
             "traffic as the node's (no policy selects them, only ipBlocks match them)",
    )
    add_cni_arg(g)


def add_cni_arg(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    from netviz.model.enforcement import PLUGINS

    p.add_argument(
        "--cni", metavar="NAME", type=_cni,
        help="the cluster's network plugin, which decides whether NetworkPolicies are "
             "enforced at all (overrides what a snapshot recorded): "
             + ", ".join(pl.id for pl in PLUGINS) + " (docs/enforcement.md)",
    )


def _cni(text: str) -> Plugin:
    import difflib

    from netviz.model.enforcement import BY_ID, plugin

    found = plugin(text)
    if found is None:
        close = difflib.get_close_matches(text.lower(), list(BY_ID), n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise argparse.ArgumentTypeError(
            f"unknown network plugin {text!r}{hint} (known: {', '.join(BY_ID)})"
        )
    return found


def enforcement_of(args: argparse.Namespace, result: LoadResult) -> Enforcement | None:
    """``--cni`` when given, else what the input says (a snapshot's header, DaemonSets)."""
    from netviz.model.enforcement import Enforcement

    # every command that calls this has --cni (add_option_args or add_cni_arg)
    chosen: Plugin | None = args.cni
    if chosen is not None:
        return Enforcement.chosen(chosen)
    return result.enforcement


def enforcement_notes(enf: Enforcement | None, side: str = "") -> tuple[str, ...]:
    """The in-band line every export carries when the policies are not enforced."""
    if enf is None or enf.warning() is None:
        return ()
    return (f"WARNING: {side}{enf.warning()}",)


def warn_enforcement(enf: Enforcement | None, quiet: bool, err: TextIO, side: str = "") -> None:
    """A warning that cannot be missed when policies are not enforced (even with -q), and
    a note naming the plugin otherwise."""
    if enf is None:
        return
    warning = enf.warning()
    if warning is not None:
        evidence = f" ({'; '.join(enf.evidence)})" if enf.evidence else ""
        print(printable(f"warning: {side}{warning}{evidence}"), file=err)
    elif not quiet:
        print(printable(f"note: {side}{enf.describe()}"), file=err)


def _ingress_controller(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    from netviz.engine.analyzer import parse_ingress_controller

    try:
        return parse_ingress_controller(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def options_from_args(args: argparse.Namespace) -> Options:
    opts = Options(
        ipblock_matches_pod_ips=bool(args.ipblock_matches_pod_ips),
        host_network=args.host_network,
    )
    ic: tuple[str, tuple[tuple[str, str], ...]] | None = args.ingress_controller
    return dataclasses.replace(opts, ingress_controller=ic) if ic is not None else opts


def format_diagnostic(d: Diagnostic) -> str:
    """``file:line: severity: message`` (location parts left out when unknown)."""
    loc = ""
    if d.file:
        loc = d.file
        if d.line is not None:
            loc += f":{d.line}"
        loc += ": "
    return printable(f"{loc}{d.severity}: {d.message}")


def is_empty(cluster: Cluster) -> bool:
    return not (cluster.pods or cluster.workloads or cluster.policies or cluster.services)


def load_cluster(paths: Sequence[str], quiet: bool, err: TextIO) -> Cluster:
    """Load ``paths``, print diagnostics on ``err`` (unless ``quiet``); ``CLIError`` with
    exit code 3 when nothing could be loaded."""
    return load_input(paths, quiet, err).cluster


def load_input(paths: Sequence[str], quiet: bool, err: TextIO) -> LoadResult:
    """``load_cluster``, returning the whole load result (the snapshot header, the network
    plugin)."""
    from netviz.io.manifests import load_paths

    try:
        result = load_paths(list(paths))
    except OSError as exc:  # pragma: no cover - the loader turns these into diagnostics
        raise CLIError(f"cannot read input: {exc}", EXIT_INPUT) from exc
    if not quiet:
        for d in result.diagnostics:
            if str(d.severity) == "info":
                continue
            print(format_diagnostic(d), file=err)
    broken = [d for d in result.diagnostics if d.code == "snapshot-invalid"]
    if broken:
        # a snapshot is one cluster's truth: analysing what is left without it would answer
        # for another cluster (and eval/diff callers would read the answer as real)
        raise CLIError(
            f"{printable(broken[0].location())}: the cluster snapshot is malformed; nothing was "
            "analysed",
            EXIT_INPUT,
        )
    if is_empty(result.cluster):
        raise CLIError(
            f"nothing could be loaded from {' '.join(paths)}: no pods, workloads, Services or "
            "NetworkPolicies",
            EXIT_INPUT,
        )
    return result


def note_options(options: Options, quiet: bool, err: TextIO) -> None:
    if quiet:
        return
    for line in options.describe():
        print(f"note: {line}", file=err)


def note_assumptions(an: Analyzer, quiet: bool, err: TextIO) -> None:
    """What a static analysis cannot know about the cluster policies (node IPs without Node
    objects, domain names, pod IPs for networks peers), stated on stderr."""
    if quiet:
        return
    for line in an.assumptions():
        print(f"note: assumption: {line}", file=err)


def pods_with_ip(cluster: Cluster, ip: str) -> list[Pod]:
    return [p for p in cluster.pods if ip in p.ips]


# --------------------------------------------------------------------------- list


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "list",
        help="list allowed connections (txt, csv, json, md, dot)",
        description="List every allowed connection between workloads and external address "
                    "ranges, in the reference formats.",
    )
    add_input_args(p)
    p.add_argument("-o", "--output", choices=sorted(FORMATS), default="txt",
                   help="output format (default: txt)")
    p.add_argument("-f", "--file", metavar="FILE",
                   help="write the output to FILE instead of stdout (exact bytes)")
    p.add_argument("--focus-workload", action="append", default=[], metavar="NAME",
                   help="only connections of this workload (name, ns/name or ns/name[Kind]); "
                        "repeatable")
    p.add_argument("--focus-workload-peer", action="append", default=[], metavar="NAME",
                   help="with --focus-workload: only connections whose other end is this "
                        "workload; repeatable")
    p.add_argument("--focus-direction", choices=("ingress", "egress"),
                   help="with --focus-workload: only connections into (ingress) or out of "
                        "(egress) the focus workloads")
    p.add_argument("--protocol", type=str.upper, choices=PROTOCOLS,
                   help="with --port: only connections that allow this protocol (default TCP)")
    p.add_argument("--port", type=_port, metavar="PORT",
                   help="only connections that allow this port (printed in the reference "
                        "'Permitted connections on PROTO PORT' form)")
    p.add_argument("--explain", action="store_true",
                   help="for every pair, the allowed and denied connections with the policies "
                        "and rules behind them (txt only)")
    p.add_argument("--exposure", action="store_true",
                   help="also report what any *possible* peer could reach or be reached from: "
                        "the entire cluster, pods with given labels in any namespace, external "
                        "ranges; and which workloads no policy protects (docs/exposure.md)")
    p.add_argument("--explain-only", choices=("allow", "deny"),
                   help="with --explain: only pairs with something allowed (allow) or with "
                        "nothing allowed (deny); with --port, whether that port is allowed")
    add_option_args(p)
    p.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 1-65535: {n}")
    return n


def focus_from_args(args: argparse.Namespace) -> Focus:
    if (args.focus_workload_peer or args.focus_direction) and not args.focus_workload:
        raise CLIError("--focus-workload-peer and --focus-direction need --focus-workload")
    if args.protocol and args.port is None:
        raise CLIError("--protocol needs --port")
    return Focus(
        workloads=tuple(args.focus_workload),
        peers=tuple(args.focus_workload_peer),
        direction=args.focus_direction,
        protocol=(args.protocol or "TCP") if args.port is not None else None,
        port=args.port,
    )


def check_focus_names(an: Analyzer, focus: Focus, err: TextIO, quiet: bool) -> None:
    """Warn (not fail) about focus names that match no workload, with suggestions."""
    import difflib

    from netviz.engine.connlist import PeerNode, known_names
    from netviz.engine.ingress import INGRESS_CONTROLLER_NAMES, analyze_ingress

    keys = known_names(an)
    peers = [PeerNode.workload(k) for k in keys]
    ingress = analyze_ingress(an)
    if ingress.present:
        peers.append(PeerNode.ingress_controller())
    for name in (*focus.workloads, *focus.peers):
        if any(p.matches(name) for p in peers):
            continue
        if name in INGRESS_CONTROLLER_NAMES:
            if not quiet:
                print("warning: the ingress controller is not part of the analysis: no Ingress "
                      "or Route leads to a Service that selects a workload", file=err)
            continue
        pool = [f"{p.namespace}/{p.name}" for p in peers] + [p.name for p in peers]
        close = difflib.get_close_matches(name, pool, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        if not quiet:
            print(f"warning: no workload named {name!r}{hint}", file=err)


def print_analysis_warnings(an: Analyzer, quiet: bool, err: TextIO) -> None:
    """Warnings found while analysing (not loading): Ingress/Route backends that are not
    followed or that the policies block, as ``file:line: warning: message``."""
    if quiet:
        return
    from netviz.engine.ingress import analyze_ingress

    for d in analyze_ingress(an).diagnostics:
        print(format_diagnostic(d), file=err)


@contextlib.contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """A file for ``-f``/``--report``, written atomically (``io.atomic``): an error or Ctrl-C
    half way leaves the previous file, never a truncated one. A path that exists and is not a
    regular file (``/dev/null``, ``/dev/stdout``, a FIFO) is written in place: a device is not
    a file to replace."""
    from netviz.io.atomic import atomic_file

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        regular = True
    if not regular:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            yield fh
        return
    with atomic_file(path, newline="") as fh:
        yield fh


def write_output(text: str | Iterable[str], path: str | None, out: TextIO) -> None:
    """Write ``text`` (a string, or pieces written as they are made: ``netviz list`` streams)
    to ``path`` (exact bytes) or ``out``."""
    pieces: Iterable[str] = (text,) if isinstance(text, str) else text
    last = ""
    if path:
        try:
            with open_output(path) as fh:
                for piece in pieces:
                    fh.write(piece)
        except OSError as exc:
            raise CLIError(f"cannot write {path}: {exc.strerror or exc}", EXIT_INPUT) from exc
        return
    for piece in pieces:
        out.write(piece)
        if piece:
            last = piece
    # json and dot end without a newline (reference bytes); add one only for a terminal
    if last and not last.endswith("\n") and out.isatty():
        out.write("\n")
    out.flush()


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.explain and args.output != "txt":
            raise CLIError("--explain is available in the txt format only")
        if args.explain_only and not args.explain:
            raise CLIError("--explain-only needs --explain")
        focus = focus_from_args(args)
        loaded = load_input(args.paths, args.quiet, err)
        cluster = loaded.cluster
        options = options_from_args(args)
        an = Analyzer(cluster, options)
        check_focus_names(an, focus, err, args.quiet)
        note_options(options, args.quiet, err)
        print_analysis_warnings(an, args.quiet, err)
        note_assumptions(an, args.quiet, err)
        enforcement = enforcement_of(args, loaded)
        warn_enforcement(enforcement, args.quiet, err)
        want_exposure = args.exposure
        if want_exposure and focus.workloads and focus.peers:
            want_exposure = False
            if not args.quiet:
                print("warning: --exposure is ignored with both --focus-workload and "
                      "--focus-workload-peer (it reports one workload against any peer)",
                      file=err)
        if want_exposure and args.explain_only:
            want_exposure = False
            if not args.quiet:
                print("warning: --exposure is ignored with --explain-only", file=err)
        result = build_list(an, focus, connections=[] if not want_exposure else None)
        notes = enforcement_notes(enforcement)
        if notes:
            result = dataclasses.replace(result, notes=notes + result.notes)
        text = ""
        if args.explain:
            from netviz.export.explain import render_explain

            text = render_explain(an, focus, args.explain_only)
            for line in reversed(notes):
                text = f"# {line}\n" + text
        if want_exposure:
            from netviz.engine.exposure import exposure
            from netviz.export.exposure import join_txt, render_exposure

            report = exposure(an, list(result.connections), focus)
            if args.explain:
                text = join_txt(text, report)
            else:
                text = render_exposure(args.output, result, report)
            write_output(text, args.file, out)
        elif not args.explain:
            # streamed: the connections are computed while they are written
            streamed = dataclasses.replace(result, connections=ConnectionStream(an, focus))
            write_output(render_chunks(args.output, streamed), args.file, out)
        else:
            write_output(text, args.file, out)
    except CLIError as exc:
        print(f"netviz list: error: {exc.message}", file=err)
        return exc.code
    except BrokenPipeError:  # pragma: no cover - e.g. | head
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK

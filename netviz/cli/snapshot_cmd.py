"""``netviz snapshot``: read a running cluster into a snapshot file.

    netviz snapshot [--kubeconfig F] [--context C] [-n NS ... | -A] -o FILE

Progress per resource kind goes to stderr; what was written (and every gap) to stdout.
Ctrl-C cancels cleanly: the file is only ever renamed into place once complete.
Exit codes: 0 written (gaps included), 3 the output file cannot be written, 4 the cluster
could not be reached or read (see ``netviz.cli``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from netviz.cli.exits import EXIT_CLUSTER, EXIT_INPUT, EXIT_OK

EXIT_INTERRUPTED = 130


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "snapshot",
        help="read a running cluster into a snapshot file",
        description=(
            "Read Namespaces, Pods, workloads, Services and NetworkPolicies (and "
            "AdminNetworkPolicies when served) through your kubeconfig into one YAML file that "
            "every netviz command and the app open like manifests. Secrets and ConfigMaps are "
            "never read; the kubeconfig is never modified."
        ),
    )
    p.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)",
    )
    p.add_argument("--context", metavar="NAME", help="kubeconfig context (default: current)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "-n",
        "--namespace",
        dest="namespaces",
        metavar="NS",
        nargs="+",
        action="extend",
        help="only these namespaces (repeatable, or comma-separated); default: all",
    )
    scope.add_argument(
        "-A",
        "--all-namespaces",
        action="store_true",
        help="every namespace (the default)",
    )
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="snapshot file to write")
    p.add_argument(
        "--page-size",
        type=int,
        default=500,
        metavar="N",
        help="objects per list request (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="timeout of each request (default: %(default)s)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="keep every object as the API returned it (container env, args, annotations, "
        "...): may contain secrets. Default: only what analysis needs",
    )
    p.add_argument(
        "--yaml",
        action="store_true",
        help="write block-style YAML (like kubectl -o yaml) instead of the default JSON "
        "syntax; both are YAML, JSON opens much faster",
    )
    p.set_defaults(func=run)


class _Progress:
    """One line per kind on stderr when it finishes; a live counter when stderr is a tty."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.live = False

    def __call__(self, kind: str, count: int, status: str) -> None:
        if status == "reading":
            if self.tty:
                self.stream.write(f"\r  {kind:<28} {count:>7} ...")
                self.stream.flush()
                self.live = True
            return
        if self.live:
            self.stream.write("\r\033[K")
            self.live = False
        if status == "done":
            line = f"  {kind:<28} {count:>7}"
        elif status == "restarting":
            line = f"  {kind:<28} list expired while paging: restarting it"
        else:  # "not served", "gap...: reason"
            line = f"  {kind:<28} {status}"
        self.stream.write(_clean(line) + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.live = False


def run(args: argparse.Namespace) -> int:
    from netviz.io import cluster

    err = sys.stderr
    if args.page_size < 1:
        print("netviz snapshot: --page-size must be at least 1", file=err)
        return 2
    namespaces = None
    if args.namespaces:
        namespaces = [n for arg in args.namespaces for n in arg.split(",") if n.strip()]
        namespaces = [n.strip() for n in namespaces]
    try:
        cluster.check_writable(args.output, args.kubeconfig)
    except cluster.SnapshotWriteError as exc:
        print(f"netviz snapshot: {exc}", file=err)
        return EXIT_INPUT

    if args.full:
        print(
            "netviz snapshot: warning: --full keeps objects as the API returns them: container "
            "env values, args, annotations such as kubectl.kubernetes.io/last-applied-"
            "configuration (which can hold a whole Secret). Review the file before sharing it.",
            file=err,
        )
    progress = _Progress(err)
    scope = "all namespaces" if namespaces is None else ", ".join(namespaces)
    print(f"Reading {args.context or 'the current context'} ({scope}) ...", file=err)
    try:
        snap = cluster.take_snapshot(
            args.kubeconfig,
            args.context,
            namespaces,
            progress=progress,
            page_size=args.page_size,
            timeout=args.timeout,
            full=args.full,
        )
        size = cluster.write_snapshot(snap, args.output, style="yaml" if args.yaml else "json")
    except KeyboardInterrupt:
        progress.end()
        print("netviz snapshot: interrupted; nothing was written", file=err)
        return EXIT_INTERRUPTED
    except cluster.ClusterError as exc:
        progress.end()
        print(_clean(f"netviz snapshot: {exc}"), file=err)
        return EXIT_CLUSTER
    except cluster.SnapshotWriteError as exc:
        progress.end()
        print(_clean(f"netviz snapshot: {exc}"), file=err)
        return EXIT_INPUT
    progress.end()

    from netviz.export.printable import printable

    out = sys.stdout
    header = snap.header
    print(
        printable(
            f"Wrote {args.output}: {len(snap.items)} objects from context {header['context']} "
            f"({header['server']}), {_size(size)}"
        ),
        file=out,
    )
    from netviz.io.manifests import MAX_SNAPSHOT_BYTES

    if size > MAX_SNAPSHOT_BYTES:
        print(
            f"netviz snapshot: warning: the file is larger than netviz opens "
            f"({MAX_SNAPSHOT_BYTES // 2**20} MiB); take one with fewer namespaces (-n)",
            file=err,
        )
    cni = snap.header.get("cni") or {}
    from netviz.model.enforcement import Enforcement

    enforcement = Enforcement.from_header(cni)
    print(printable(enforcement.describe()), file=out)
    if enforcement.warning():
        print(printable(f"warning: {enforcement.warning()}"), file=err)
    gaps = snap.gaps
    if gaps:
        print(f"{len(gaps)} gap(s): these could not be read and are missing:", file=out)
        for g in gaps:
            where = f" in namespace {g['namespace']}" if g.get("namespace") else ""
            print(printable(f"  {g['kind']}{where}: {g['reason']}"), file=out)
    return EXIT_OK


def _clean(text: str) -> str:
    from netviz.export.printable import printable

    return printable(text)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"

"""The ``netviz`` command line: composes io + engine + export.

Each subcommand lives in its own module under ``netviz.cli`` and exposes
``register(subparsers) -> None``; the module is imported here and listed in ``COMMANDS``.

Exit codes (documented in the README):
  0  success (for ``eval``: the connection is allowed)
  1  ``eval``: the connection is denied  (``diff``: there are differences)
  2  usage error (bad arguments)
  3  input error: nothing could be loaded, or a file could not be read / written
  4  cluster error (``snapshot``: the cluster could not be reached or read)
 130 interrupted
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from netviz import __version__

#: subcommand modules, in help order
COMMANDS = ["list_cmd", "eval_cmd", "diff_cmd", "render_cmd", "snapshot_cmd", "gui_cmd"]

EXIT_OK = 0
EXIT_DENIED = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_CLUSTER = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netviz",
        description="See, audit and what-if Kubernetes NetworkPolicies.",
    )
    parser.add_argument("--version", action="version", version=f"netviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"netviz.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"netviz.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # no subcommand: open the app when it exists
        try:
            module = importlib.import_module("netviz.cli.gui_cmd")
        except ModuleNotFoundError:
            parser.print_help()
            return EXIT_USAGE
        return int(module.run_default())
    if argv is None and args.command != "gui":
        # A one-shot command allocates hundreds of thousands of small objects and frees them
        # at exit: the cyclic GC only costs time here (about 30 % of `netviz list`). Not done
        # when called in-process (tests) or for the long-running app.
        gc.disable()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("netviz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

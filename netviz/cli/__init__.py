"""The ``netviz`` command line: composes io + engine + export.

Each subcommand lives in its own module under ``netviz.cli`` and exposes
``register(subparsers) -> None``; the module is imported here and listed in ``COMMANDS``
(a new command is one import and one entry). Imports are plain: a command that fails to
import or register is an error, never a missing command (tests/cli/test_assembly.py).

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
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from netviz import __version__
from netviz.cli import diff_cmd, eval_cmd, exits, gui_cmd, list_cmd, render_cmd, snapshot_cmd
from netviz.cli.exits import (
    EXIT_CLUSTER,
    EXIT_DENIED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)

__all__ = [
    "COMMANDS",
    "EXIT_CLUSTER",
    "EXIT_DENIED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

#: subcommand modules, in help order
COMMANDS: tuple[ModuleType, ...] = (list_cmd, eval_cmd, diff_cmd, render_cmd, snapshot_cmd,
                                    gui_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netviz",
        description="See, audit and what-if Kubernetes NetworkPolicies.",
    )
    parser.add_argument("--version", action="version", version=f"netviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # no subcommand: open the app
        return gui_cmd.run_default()
    if argv is None and args.command != "gui":
        # A one-shot command allocates hundreds of thousands of small objects and frees them
        # at exit: the cyclic GC only costs time here (about 30 % of `netviz list`). Not done
        # when called in-process (tests) or for the long-running app.
        gc.disable()
        # and no Python thread runs here: big covers and the picture JSON may use a second
        # core (a forked child, netviz.viewmodel.forked)
        from netviz.viewmodel import forked

        forked.enable()
        exits.one_shot()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("netviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of the output went away (``| head``): what was written stands, and
        # the rest goes nowhere (no traceback, and none when Python flushes at exit)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

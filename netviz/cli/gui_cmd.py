"""``netviz gui [PATH...]``: open the main window (``netviz`` alone does the same).

Before Qt is started, ``netviz.cli.desktop.check`` makes sure that the platform plugin can load
and that there is a display: otherwise it prints which system libraries are missing and the
command that installs them, and exits with status 1 (Qt itself would abort the process).
"""

from __future__ import annotations

import argparse
import sys

from netviz.cli.exits import EXIT_CANNOT_START


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "gui", help="open the graphical app",
        description="Open the netviz window, optionally on manifest files and folders.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="manifest files or folders")
    p.set_defaults(func=run)


def _preflight() -> int | None:
    from netviz.cli.desktop import check

    problem = check()
    if problem is None:
        return None
    print(problem, file=sys.stderr)
    return EXIT_CANNOT_START


def run(args: argparse.Namespace) -> int:
    failed = _preflight()
    if failed is not None:
        return failed
    from netviz.ui.app import run as run_app

    return run_app(args.paths)


def run_default() -> int:
    failed = _preflight()
    if failed is not None:
        return failed
    from netviz.ui.app import run as run_app

    return run_app(())

"""``netviz gui [PATH...]``: open the main window (``netviz`` alone does the same)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "gui", help="open the graphical app",
        description="Open the netviz window, optionally on manifest files and folders.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="manifest files or folders")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netviz.ui.app import run as run_app

    return run_app(args.paths)


def run_default() -> int:
    from netviz.ui.app import run as run_app

    return run_app(())

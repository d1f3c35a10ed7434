"""``netviz gui [PATH...]``: open the main window (``netviz`` alone does the same).

Before Qt is started, ``netviz.cli.desktop.check`` makes sure that the platform plugin can load
and that there is a display: otherwise it prints which system libraries are missing and the
command that installs them, and exits with status 1 (Qt itself would abort the process).

``--screenshot FILE`` opens the window on the inputs, waits for the first complete paint of the
loaded graph, saves the window to FILE and exits (``netviz.ui.screenshot``); with no display it
uses Qt's offscreen platform, which needs none of the checks above.
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
    p.add_argument("--screenshot", metavar="FILE",
                   help="open the window, wait for the first complete paint, save it to FILE "
                        "(PNG) and exit; needs no display")
    p.add_argument("--size", default="1600x1000", metavar="WxH",
                   help="window size for --screenshot (default 1600x1000)")
    p.add_argument("--select", metavar="NS/NAME",
                   help="with --screenshot: click this workload or Service first")
    p.set_defaults(func=run)


def _preflight() -> int | None:
    from netviz.cli.desktop import check

    problem = check()
    if problem is None:
        return None
    print(problem, file=sys.stderr)
    return EXIT_CANNOT_START


def run(args: argparse.Namespace) -> int:
    if args.screenshot:
        from netviz.cli.exits import EXIT_USAGE

        try:
            w, h = (int(x) for x in args.size.lower().split("x", 1))
        except ValueError:
            w = h = 0
        if not (200 <= w <= 20000 and 200 <= h <= 20000):
            print(f"netviz gui: --size {args.size}: write WxH, e.g. 1600x1000", file=sys.stderr)
            return EXIT_USAGE
        import os

        if not os.environ.get("QT_QPA_PLATFORM") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        failed = _preflight()
        if failed is not None:
            return failed
        from netviz.ui.screenshot import run as shoot

        return shoot(args.paths, args.screenshot, (w, h), select=args.select)
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

"""``netviz diff PATH_A PATH_B``: the connectivity difference from one manifest set to another.

``PATH_A`` is "before" (the reference's ref1), ``PATH_B`` "after" (ref2); each is a file, a
folder or ``-``. Both are loaded like ``netviz list`` loads (diagnostics on stderr, loading goes
on) and analysed with the same options; the diff is computed only by
``netviz.engine.diff.diff_result`` (``connlist`` of each side, then ``diff``), the path the app's
difference view takes too.

Output: the reference diff formats (``-o txt|csv|md|dot``, ``netviz.export.diff_formats``), byte
for byte with the default options; with no difference every format is empty (as the
reference) and a ``note: no connectivity differences`` goes to stderr. ``--report FILE.md``
also writes the Markdown review report (``netviz.export.diff_report``).

Exit codes, like ``diff(1)``: 0 no differences, 1 differences, 2 usage error, 3 input error
(a side from which nothing could be loaded, or a file that cannot be written).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import TextIO

from netviz.cli.exits import EXIT_INPUT, EXIT_OK
from netviz.cli.list_cmd import (
    CLIError,
    add_option_args,
    enforcement_notes,
    enforcement_of,
    load_input,
    note_options,
    open_output,
    options_from_args,
    warn_enforcement,
    write_output,
)
from netviz.engine.diff import diff_result
from netviz.export.diff_formats import DIFF_FORMATS, render_diff

EXIT_DIFFERENT = 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "diff",
        help="connectivity difference between two manifest sets (txt, csv, md, dot)",
        description="Compare the connectivity allowed by two manifest sets: which pairs of "
                    "workloads and external ranges changed, became allowed (added) or denied "
                    "(removed), in the reference diff formats.",
        epilog="exit status: 0 no differences, 1 differences, 2 usage error, 3 input error",
    )
    p.add_argument("path_a", metavar="PATH_A",
                   help="before: a manifest file or folder (- for stdin)")
    p.add_argument("path_b", metavar="PATH_B",
                   help="after: a manifest file or folder (- for stdin)")
    p.add_argument("-o", "--output", choices=list(DIFF_FORMATS), default="txt",
                   help="output format (default: txt)")
    p.add_argument("-f", "--file", metavar="FILE",
                   help="write the output to FILE instead of stdout (exact bytes)")
    p.add_argument("--report", metavar="FILE.md",
                   help="also write a Markdown review report (summary, tables per change "
                        "kind, impact per workload) to FILE.md")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="do not print loader diagnostics and notes on stderr")
    add_option_args(p)
    p.set_defaults(func=run)


def _write_report(path: str, text: str) -> None:
    try:
        with open_output(path) as fh:
            fh.write(text)
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}", EXIT_INPUT) from exc


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    different = False
    try:
        if args.path_a == "-" and args.path_b == "-":
            raise CLIError("only one of PATH_A and PATH_B can be - (stdin)")
        before = load_input([args.path_a], args.quiet, err)
        after = load_input([args.path_b], args.quiet, err)
        options = options_from_args(args)
        note_options(options, args.quiet, err)
        enf_a, enf_b = enforcement_of(args, before), enforcement_of(args, after)
        if enf_a == enf_b:
            warn_enforcement(enf_a, args.quiet, err)
            warnings = enforcement_notes(enf_a)
        else:
            warn_enforcement(enf_a, args.quiet, err, "before: ")
            warn_enforcement(enf_b, args.quiet, err, "after: ")
            warnings = enforcement_notes(enf_a, "before: ") + enforcement_notes(enf_b, "after: ")
        result = diff_result(before.cluster, after.cluster, options)
        if warnings:
            result = dataclasses.replace(result, notes=warnings + result.notes)
        different = not result.is_empty
        write_output(render_diff(args.output, result), args.file, out)
        if args.report:
            from netviz.export.diff_report import render_report

            _write_report(args.report, render_report(
                result, before=args.path_a, after=args.path_b, options=options,
                warnings=[w.removeprefix("WARNING: ") for w in warnings],
            ))
        if result.is_empty and not args.quiet:
            print("note: no connectivity differences", file=err)
    except CLIError as exc:
        print(f"netviz diff: error: {exc.message}", file=err)
        return exc.code
    except BrokenPipeError:  # pragma: no cover - e.g. | head
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_DIFFERENT if different else EXIT_OK

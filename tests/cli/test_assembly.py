"""The command line is assembled explicitly: every command in ``COMMANDS`` is registered, and
a command that fails to build is an error, not a missing command."""

from __future__ import annotations

import argparse
import pkgutil
from pathlib import Path

import pytest

import netviz.cli
from netviz.cli import COMMANDS, build_parser, list_cmd


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:  # argparse keeps its subparsers here
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("no subcommands")


def test_every_command_module_is_listed_and_registered() -> None:
    pkg = Path(netviz.cli.__file__).parent
    modules = {m.name for m in pkgutil.iter_modules([str(pkg)]) if m.name.endswith("_cmd")}
    listed = {m.__name__.rsplit(".", 1)[1] for m in COMMANDS}
    assert listed == modules, "every netviz/cli/*_cmd.py is listed in COMMANDS"
    names = _subcommands(build_parser())
    assert names == ["list", "eval", "diff", "render", "snapshot", "gui"]


def test_a_command_that_fails_to_build_fails_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(subparsers: object) -> None:
        raise RuntimeError("list is broken")

    monkeypatch.setattr(list_cmd, "register", broken)
    with pytest.raises(RuntimeError, match="list is broken"):
        build_parser()

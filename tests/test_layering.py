"""The architecture rules of STYLE.md, checked: data flows io -> model -> engine -> viewmodel -> ui.

- Only ``netviz/ui`` imports PySide6/shiboken6.
- ``netviz/model`` and ``netviz/engine`` import no yaml, no kubernetes, no network/file I/O
  modules, and nothing from io, viewmodel, export, ui or cli.
- ``netviz/viewmodel`` imports no Qt, yaml or io.
- Nothing imports ``netviz.ui`` except the entry points (``netviz/cli``) and ui itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "netviz"

QT = ("PySide6", "shiboken6")
IO_MODULES = ("yaml", "kubernetes", "socket", "urllib", "http", "requests", "ssl")
FORBIDDEN = {
    "model": QT + IO_MODULES + ("netviz.io", "netviz.engine", "netviz.viewmodel", "netviz.export", "netviz.ui", "netviz.cli"),
    "engine": QT + IO_MODULES + ("netviz.io", "netviz.viewmodel", "netviz.export", "netviz.ui", "netviz.cli"),
    "viewmodel": QT + ("yaml", "kubernetes", "netviz.io", "netviz.ui", "netviz.cli"),
    "io": QT + ("netviz.viewmodel", "netviz.ui", "netviz.cli"),
    "export": QT + ("netviz.ui", "netviz.cli"),
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_layers(package: str) -> None:
    bad = []
    for f in _files(package):
        for line, mod in imports_of(f):
            for forbidden in FORBIDDEN[package]:
                if mod == forbidden or mod.startswith(forbidden + "."):
                    bad.append(f"{f.relative_to(ROOT.parent)}:{line} imports {mod}")
    assert not bad, "layering violated:\n" + "\n".join(bad)


def test_only_entry_points_import_ui() -> None:
    bad = []
    for f in sorted(ROOT.rglob("*.py")):
        rel = f.relative_to(ROOT)
        if rel.parts[0] in ("ui", "cli"):
            continue
        for line, mod in imports_of(f):
            if mod == "netviz.ui" or mod.startswith("netviz.ui."):
                bad.append(f"{rel}:{line} imports {mod}")
    assert not bad, "\n".join(bad)


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself works: a file importing PySide6 is reported."""
    f = tmp_path / "x.py"
    f.write_text("import os\nfrom PySide6.QtCore import QObject\n")
    assert (2, "PySide6.QtCore") in imports_of(f)


def getattr_calls(path: Path) -> list[int]:
    """Lines that call ``getattr``/``hasattr``: in the typed packages a seam is a declared
    attribute or protocol, never a guess at what an object might have."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        n.lineno for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        and n.func.id in ("getattr", "hasattr")
    ]


# io talks to the OS and the kubernetes client (os.pread where it exists, the client's
# optional attributes), ui to Qt: they may probe; the packages between them may not
TYPED = ("model", "engine", "viewmodel", "export", "cli")


@pytest.mark.parametrize("package", TYPED)
def test_typed_packages_do_not_guess_attributes(package: str) -> None:
    found = [f"{p.relative_to(ROOT.parent)}:{line}" for p in _files(package)
             for line in getattr_calls(p)]
    assert found == [], "type the seam instead of guessing: " + ", ".join(found)


def test_attribute_guess_checker_sees_one(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f(args):\n    return getattr(args, 'cni', None)\n")
    assert getattr_calls(f) == [2]

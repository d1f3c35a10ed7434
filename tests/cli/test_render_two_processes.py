"""``netviz render`` as a one-shot process reads its files in two processes (a forked child:
``load_paths(halves=...)``) and forks parts of its work: what it writes and says must be what
one process would (``main([...])`` in this process forks nothing)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netviz.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo and the broken manifests of the test data (not the snapshots: a malformed one
    stops the render): many files, with diagnostics."""
    root = tmp_path_factory.mktemp("two")
    shutil.copytree(ROOT / "resources" / "demo", root / "demo",
                    ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ROOT / "tests" / "data" / "broken", root / "broken",
                    ignore=shutil.ignore_patterns("snapshot_*"))
    return root


def test_a_forked_render_writes_and_says_what_one_process_does(inputs: Path, tmp_path: Path,
                                                               capsys) -> None:
    forked_out, here_out = tmp_path / "forked.json", tmp_path / "here.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "netviz", "render", str(inputs), "-o",
                        str(forked_out)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    code = main(["render", str(inputs), "-o", str(here_out)])
    here = capsys.readouterr()
    assert code == 0
    assert forked_out.read_bytes() == here_out.read_bytes()
    said = [line for line in r.stderr.splitlines() if line.startswith("netviz: ")]
    assert len(said) > 20  # the broken files' diagnostics, file by file
    assert said == [line for line in here.err.splitlines() if line.startswith("netviz: ")]
    assert r.stdout.replace(str(forked_out), "X") == here.out.replace(str(here_out), "X")

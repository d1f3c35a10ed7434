"""Same input, same output, whatever Python's string hash seed: set and dict orders that follow
the hashes of strings (label keys, policy types, namespace names) must never reach what a
command writes. Each run of ``netviz`` draws a new seed (and loads in two processes when it
reads several files), so this runs the commands under two fixed seeds and compares bytes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate, write

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
#: 37 is a seed under which a pickled frozenset came back in another order (a test compared
#: reprs); 1 is another
SEEDS = ("1", "37")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("seed") / "cluster"
    write(generate(8, 120, 60, admin_policies=4), d)  # eight files: loaded in two processes
    return d


def _run(seed: str, argv: list[str]) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed, "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.run([sys.executable, "-m", "netviz", *argv], capture_output=True, env=env,
                       timeout=300)
    assert p.returncode == 0, p.stderr.decode()


@pytest.mark.parametrize("which,suffixes", [("demo", (".json", ".svg")),
                                            ("synthetic", (".json",))])
def test_outputs_do_not_depend_on_the_hash_seed(tmp_path: Path, synthetic: Path, which: str,
                                                suffixes: tuple[str, ...]) -> None:
    src = str(DEMO if which == "demo" else synthetic)
    names = [f"picture{s}" for s in suffixes] + ["list.json"]
    got: dict[str, list[bytes]] = {}
    for seed in SEEDS:
        out = tmp_path / seed
        out.mkdir()
        for suffix in suffixes:
            _run(seed, ["render", src, "-o", str(out / f"picture{suffix}")])
        _run(seed, ["list", src, "-o", "json", "--file", str(out / "list.json")])
        got[seed] = [(out / name).read_bytes() for name in names]
    first, second = (got[s] for s in SEEDS)
    assert all(len(b) > 200 for b in first)  # something was written
    for name, a, b in zip(names, first, second, strict=True):
        assert a == b, f"{which}: {name} differs between PYTHONHASHSEED {SEEDS[0]} and {SEEDS[1]}"

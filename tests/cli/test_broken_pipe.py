"""A reader that goes away (``netviz ... | head``) ends a command quietly: no traceback, the
files it wrote stand."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.mark.skipif(os.name != "posix", reason="pipes and SIGPIPE semantics of POSIX")
@pytest.mark.parametrize("command", [["render", str(DEMO), "-o", "{out}"],
                                     ["list", str(DEMO)]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "demo.json"
    argv = [a.replace("{out}", str(out)) for a in command]
    p = subprocess.Popen([sys.executable, "-m", "netviz", *argv], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader is gone before anything is written
    with p.stderr:
        err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    if "render" in argv:
        assert out.stat().st_size > 1000

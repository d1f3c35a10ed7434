"""netviz.io.atomic: the one atomic write every file netviz writes goes through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netviz.io.atomic import TMP_SUFFIX, atomic_file, write_atomic


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(TMP_SUFFIX)]


def test_writes_and_replaces(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    write_atomic(p, "one\n")
    write_atomic(p, b"two\n")
    assert p.read_bytes() == b"two\n"
    assert leftovers(tmp_path) == []


def test_an_error_inside_leaves_the_target_and_no_temp_file(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_file(p) as f:
        f.write("half of the new")
        raise KeyboardInterrupt
    assert p.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_check_raising_at_the_last_moment_leaves_the_target(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("old\n")

    def conflict() -> None:
        raise RuntimeError("changed on disk")

    with pytest.raises(RuntimeError, match="changed on disk"):
        write_atomic(p, "new\n", check=conflict)
    assert p.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_permissions(tmp_path: Path) -> None:
    kept = tmp_path / "kept.yaml"
    kept.write_text("x")
    kept.chmod(0o640)
    write_atomic(kept, "y")
    assert kept.stat().st_mode & 0o777 == 0o640
    umask = os.umask(0)
    os.umask(umask)
    new = tmp_path / "new.yaml"
    write_atomic(new, "y")
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    secret = tmp_path / "snapshot.yaml"
    write_atomic(secret, "y", private=True)
    assert secret.stat().st_mode & 0o777 == 0o600


def test_symlink_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_exclusive_never_overwrites(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    write_atomic(p, "first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(p, "second", exclusive=True)
    assert p.read_text() == "first"
    assert leftovers(tmp_path) == []

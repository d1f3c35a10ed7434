"""Atomic file writes: the one helper every file netviz writes goes through.

Policy saves (``netviz.io.save``), snapshots (``netviz.io.cluster``), autosaves of edit
sessions (``netviz.io.autosave``) and the command line's ``-f``/``--report`` outputs
(``netviz.cli.list_cmd.open_output``, which writes a device or FIFO in place) all use
``atomic_file``/``write_atomic``.

Rules this module keeps:
- **A reader sees the old file or the new one, never a mix.** The data goes to a temporary
  file in the target's folder (same file system, so the rename is atomic), is flushed and
  ``fsync``-ed, then ``os.replace`` puts it in place and the folder is ``fsync``-ed (where the
  platform allows) so the rename survives a crash.
- **On any error or interruption** (``KeyboardInterrupt`` included) the temporary file is
  removed and the target is left as it was; the exception propagates.
- **A symlink is followed**: its target is replaced and the link stays.
- **Permissions.** By default a file that exists keeps its permission bits and a new one gets
  ``0666 & ~umask`` (what ``open()`` would give). ``private=True`` writes ``0600`` (the
  temporary file's own mode): for snapshots and autosaves, which may hold what a user would
  not share.
- ``exclusive=True`` creates the file only if nothing is at the path, with no window for a
  silent overwrite (a hard link, where the file system has them): ``FileExistsError``
  otherwise.
- ``check`` is called after the data is written and just before the replace: raising there
  (a conflict found at the last moment) leaves the target untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TextIO

__all__ = ["TMP_SUFFIX", "atomic_file", "fsync_dir", "write_atomic"]

#: suffix of the temporary files (hidden: their names start with ``.<target name>.``)
TMP_SUFFIX = ".netviz.tmp"


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable; a no-op where the platform refuses."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_file(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    newline: str | None = None,
    private: bool = False,
    exclusive: bool = False,
    check: Callable[[], None] | None = None,
) -> Iterator[TextIO]:
    """Write ``path`` atomically through the text stream this yields. The file is in place
    when the ``with`` block ends without an exception."""
    with _atomic(path, False, encoding, newline, private, exclusive, check) as stream:
        yield stream


@contextmanager
def _atomic(
    path: str | os.PathLike[str],
    binary: bool,
    encoding: str,
    newline: str | None,
    private: bool,
    exclusive: bool,
    check: Callable[[], None] | None,
) -> Iterator[Any]:
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target)
    mode: int | None = None
    if not private:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".",
                               suffix=TMP_SUFFIX)
    try:
        if binary:
            stream: IO[Any] = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if check is not None:
            check()
        if exclusive:
            try:
                os.link(tmp, target)  # fails if something is there: no silent overwrite
            except FileExistsError:
                raise
            except OSError:  # pragma: no cover - no hard links (e.g. some network shares)
                if os.path.lexists(target):
                    raise FileExistsError(target) from None
                os.replace(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        if os.path.lexists(tmp):
            _unlink(tmp)
    fsync_dir(folder)


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str,
    *,
    encoding: str = "utf-8",
    private: bool = False,
    exclusive: bool = False,
    check: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` (bytes as they are; text encoded with ``encoding``, line breaks as
    given) to ``path`` atomically; see ``atomic_file``."""
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    with _atomic(path, True, encoding, None, private, exclusive, check) as f:
        f.write(raw)

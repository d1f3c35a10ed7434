"""Two cores for a one-shot command: a list of independent work items split in two halves,
the second half computed in a forked child process while this one computes the first
(``halves``); or two parts of a drawing, one painted in a forked child (``beside``).

Rules this module keeps:

- **Off unless a one-shot command turns it on** (``enable()``; ``netviz.cli.main`` does for
  every command but ``gui``). A thread holding a lock at the fork leaves it held forever in
  the child, so no Python thread may run: the app builds its models in a worker thread and
  never enables this; neither do tests, unless they test this module. The native threads a
  one-shot render has (OpenBLAS's idle pool; with a display, Qt's X11 event reader) run no
  Python, and the child takes none of their locks: it runs plain Python and numpy on data it
  already holds (no BLAS, no Qt, no imports), pickles and leaves. The one exception is
  ``beside``, which the picture writers use (``netviz.ui.scene.render``): its child paints
  the scene it already holds on an image or an SVG generator. Qt paints in the calling thread
  and that touches no display connection; a child that is stuck anyway is killed once this
  process, its own part done, has waited ``PATIENCE_S`` plus ``PATIENCE_FACTOR`` times what
  that part took, and the child's part is painted here.
- **The same result either way.** ``halves(n, work)`` returns ``[work(0, k), work(k, n)]``
  exactly as if both ran here: the child's half comes back pickled. Only plain data crosses
  (the caller encodes it), and the halves are contiguous, so a caller that concatenates
  them keeps its order.
- **Never worse than one core.** When the child cannot be forked, dies, or sends nothing,
  the second half is computed here (by the caller, for ``beside``); when this half raises,
  the child is killed and waited for. The child never returns into the caller's code: it
  leaves with ``os._exit`` (no atexit handlers, no flushing of the parent's buffered
  output).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_enabled = False


def enable(on: bool = True) -> None:
    """Let ``halves`` fork (call it in a one-shot process before any thread starts)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled and os.name == "posix"  # fork exists there


def halves(n: int, work: Callable[[int, int], T], split: int | None = None,
           pack: Callable[[T], Any] | None = None,
           unpack: Callable[[Any], T] | None = None) -> list[T]:
    """``[work(0, k), work(k, n)]`` with k = ``split`` (default n // 2); ``work(k, n)`` in a
    forked child when enabled: its result crosses as ``pack(result)`` (plain data that
    pickles fast), made whole again by ``unpack``."""
    k = n // 2 if split is None else max(0, min(n, split))
    if not enabled() or k in (0, n):
        return [work(0, k), work(k, n)]

    def second() -> bytes:
        got: Any = work(k, n)
        if pack is not None:
            got = pack(got)
        return pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL)

    child = _spawn(second)
    if child is None:
        return [work(0, k), work(k, n)]
    pid, r = child
    first = _here(child, lambda: work(0, k))
    with os.fdopen(r, "rb") as f:
        data = f.read()
    if not (_reap(pid) and data):
        return [first, work(k, n)]
    got = pickle.loads(data)  # our own child's bytes
    return [first, unpack(got) if unpack is not None else got]


def _spawn(make: Callable[[], bytes], lead: bytes = b"") -> tuple[int, int] | None:
    """A forked child that writes ``lead`` and ``make()``'s bytes to a pipe and leaves (it
    never returns into the caller's code): its pid and the pipe's reading end, or None when
    there is none."""
    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: compute, send, leave
        code = 1
        try:
            os.close(r)
            data = make()
            with os.fdopen(w, "wb") as f:
                f.write(lead)
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _here(child: tuple[int, int], work: Callable[[], T]) -> T:
    """``work()`` here while ``child`` works; when it raises, the child is killed and
    waited for."""
    try:
        return work()
    except BaseException:
        os.close(child[1])
        _reap(child[0], kill=True)
        raise


def _reap(pid: int, kill: bool = False) -> bool:
    """Wait for the child; True when it exited cleanly."""
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.waitstatus_to_exitcode(status) == 0


#: ``beside`` waits this long for the child once this process's part is done, plus
#: ``PATIENCE_FACTOR`` times what that part took (the two parts are of similar size): a child
#: that is stuck or starved is then killed, and the caller does its part itself
PATIENCE_S = 10.0
PATIENCE_FACTOR = 3.0


def beside(here: Callable[[], T], there: Callable[[], bytes]) -> tuple[T, bytearray | None]:
    """``here()`` in this process while a forked child computes ``there()`` (when enabled):
    returns ``(here(), there's bytes)``, or ``(here(), None)`` when the child could not be
    forked, failed, or did not finish within ``PATIENCE_S`` + ``PATIENCE_FACTOR`` x the time
    ``here`` took (it is killed then). On None the caller computes ``there``'s part itself,
    so the result never depends on whether the child ran. ``there`` may also leave its
    result in memory shared with this process (``mmap``): it is complete once the bytes
    arrive."""
    if not enabled():
        return here(), None
    child = _spawn(there, lead=b"\x01")  # a leading byte: b"" is an answer too
    if child is None:
        return here(), None
    pid, r = child
    start = time.monotonic()
    first = _here(child, here)
    deadline = time.monotonic() + PATIENCE_S + PATIENCE_FACTOR * (time.monotonic() - start)
    data = bytearray()  # tens of megabytes for an SVG: copied once
    complete = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break  # out of patience
            chunk = os.read(r, 1 << 20)
            if not chunk:
                complete = True
                break
            data += chunk
    finally:
        os.close(r)
    if not complete:
        _reap(pid, kill=True)
        return first, None
    if not (_reap(pid) and data[:1] == b"\x01"):
        return first, None
    del data[:1]  # in place, no copy
    return first, data

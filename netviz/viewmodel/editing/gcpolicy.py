"""When Python's cyclic garbage collector may run while the app edits (a what-if edit must
repaint within 200 ms at 1,000 workloads).

Why: a load leaves millions of long-lived objects (the cluster, the compiled analyzer, the
connection list, the graph model). Python's collector is generational: every so often a
full (generation 2) collection traverses *all* tracked objects, and an edit allocates enough
to trigger one. Measured at 1,000 workloads, that was about a third of an edit. The objects
of a load live until the next load, and references, not cycles, free them; traversing them
again and again finds nothing.

What this module does (``MODE``, set once by the app; ``configure`` for benchmarks):

- ``after_load()``: after a load or a full evaluation is installed (the window calls it once
  the views are built), ``gc.freeze()`` moves every object alive now into the permanent
  generation, which collections skip. Frozen objects are still freed by reference counting
  when the app drops them; only garbage *cycles* among them wait, so when something is frozen
  already (a reload, an options change) ``after_load`` first unfreezes and collects once (about
  0.1 s at 1,000 workloads, next to a load of seconds).
- ``paused()``: around an edit's evaluation and the views' update (``EditSession._install``:
  the edit controller pushes the edit to the views inside it), the collector is off, so no
  collection lands in the middle of an edit. ``idle()`` collects the young generations
  afterwards (cheap: only what was made since the freeze); the edit controller calls it once
  the edits pause (a timer), so it lands after the repaint. Without a caller, the collector
  simply runs as usual after ``paused()`` ends.
- ``app`` mode also raises the first generation's threshold from 700 to ``YOUNG_THRESHOLD``
  allocations, so the collector does not interrupt the evaluation of a big edit hundreds of
  times to find nothing.

Modes: ``app`` (all of the above), ``freeze`` (freezing and pausing, default thresholds),
``none`` (Python's defaults: nothing done here; the default until ``configure`` is called, so
that a library user or a test is not surprised). ``netviz gui`` configures ``app``. Qt-free and
I/O-free: the stdlib ``gc`` only.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: first-generation threshold in ``app`` mode (Python's default is 700)
YOUNG_THRESHOLD = 20_000

MODE = "none"
_default_threshold = gc.get_threshold()


def configure(mode: str) -> None:
    """``app``, ``freeze`` or ``none`` (see the module doc)."""
    global MODE
    if mode not in ("app", "freeze", "none"):
        raise ValueError(f"unknown GC mode {mode!r}")
    MODE = mode
    if mode == "app":
        t = _default_threshold
        gc.set_threshold(max(YOUNG_THRESHOLD, t[0]), t[1], t[2])
    else:
        gc.set_threshold(*_default_threshold)


def after_load() -> None:
    """A load (or a full evaluation) is installed: collect what the previous one left in
    cycles (when something was frozen before), then freeze what is alive, so that edits do
    not traverse it again."""
    if MODE == "none":
        return
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.freeze()


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside (an edit's evaluation and the views' update)."""
    if MODE == "none" or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def idle() -> None:
    """After an edit has been shown: collect the young generations (what the edit made and
    no longer needs), off the edit's path."""
    if MODE == "none" or not gc.isenabled():
        return
    gc.collect(1)

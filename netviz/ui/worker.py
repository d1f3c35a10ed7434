"""Loading and evaluation off the UI thread, with progress and cancel.

``Job`` runs ``netviz.io.manifests.load_paths`` (or only the evaluation, for an options
change) in a ``QThread`` and hands back plain results through queued signals; the window installs
them into ``AppState`` on the UI thread. Nothing here touches widgets or the state.

Cancel is cooperative: a ``threading.Event`` that ``load_paths`` polls (before every file and
every 500 objects) and that the evaluation checks between its stages. A cancelled job emits
``cancelled`` and nothing else; the state keeps what it had.

A job may also ``prepare`` what the views need from the evaluation (the picture's model and
layout of a large cluster take seconds): ``prepare(Prepared(...))`` runs in the worker after
the connection list, reports its own progress through ``Prepared.progress`` and stops at the
next ``Prepared.check()`` once cancelled; what it returns is ``JobResult.prepared``. It must
not touch widgets or the state (plain data in, plain data out).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from netviz.engine import Analyzer, Options
from netviz.engine.connlist import Connection, connlist
from netviz.model import Cluster
from netviz.model.loaded import LoadResult


class Cancelled(Exception):
    pass


@dataclass
class Prepared:
    """What ``Job.prepare`` gets: the evaluation, and its ways to report and to stop."""

    cluster: Cluster
    analyzer: Analyzer
    connections: list[Connection]
    #: ``progress(done, total, what)``: shown in the window's progress bar
    progress: Callable[[int, int, str], None]
    #: raises ``Cancelled`` once the job is cancelled: call it between steps
    check: Callable[[], None]


@dataclass
class JobResult:
    """What a job produced. ``result``: what was loaded (the one of the state for a
    re-evaluation; None when the state had none)."""

    result: LoadResult | None
    cluster: Cluster
    options: Options
    analyzer: Analyzer
    connections: list[Connection]
    seconds: float
    #: what ``Job.prepare`` returned (None without one)
    prepared: object = None


class Job(QObject):
    """One load+evaluate (``paths`` given) or evaluate-only (``cluster`` given)."""

    progress = Signal(int, int, str)  # done, total, what
    finished = Signal(object)  # JobResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, options: Options, paths: Sequence[str] | None = None,
                 cluster: Cluster | None = None, result: LoadResult | None = None,
                 prepare: Callable[[Prepared], object] | None = None) -> None:
        super().__init__()
        self.paths = list(paths) if paths is not None else None
        self.cluster = cluster
        self.result = result
        self.options = options
        self.prepare = prepare
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled

    @Slot()
    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            result = self.result
            cluster = self.cluster
            if self.paths is not None:
                from netviz.io.errors import LoadCancelled
                from netviz.io.manifests import load_paths

                try:
                    result = load_paths(self.paths, progress=self._progress,
                                        cancel=self._cancel.is_set)
                except LoadCancelled as exc:
                    raise Cancelled from exc
                cluster = result.cluster
            assert cluster is not None
            self._check()
            self.progress.emit(0, 2, "evaluating policies")
            analyzer = Analyzer(cluster, self.options)
            self._check()
            self.progress.emit(1, 2, "computing connections")
            conns = connlist(analyzer)
            self._check()
            prepared = None
            if self.prepare is not None:
                prepared = self.prepare(Prepared(cluster, analyzer, conns, self._progress,
                                                 self._check))
                self._check()
            self.progress.emit(2, 2, "drawing")
            self.finished.emit(JobResult(result, cluster, self.options, analyzer, conns,
                                         time.perf_counter() - t0, prepared))
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()}")

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.emit(done, total, what)


class Runner(QObject):
    """Owns the thread of the current job; a new job cancels the previous one."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._job: Job | None = None
        self._old: list[tuple[QThread, Job]] = []

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, job: Job) -> None:
        self.cancel()
        thread = QThread()
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.progress.connect(self._on_progress)
        # bound slots of this QObject: queued onto the UI thread (a lambda would run in the
        # worker thread)
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self._thread, self._job = thread, job
        thread.start()
        self.busyChanged.emit(True)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, what: str) -> None:
        if self.sender() is self._job:
            self.progress.emit(done, total, what)

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            assert self._thread is not None
            # the old job finishes on its own; keep it alive until then
            self._old.append((self._thread, self._job))
            self._thread.quit()
            self._job = None
            self._thread = None
            self.busyChanged.emit(False)
            self.cancelled.emit()

    @Slot(object)
    def _on_finished(self, payload: object) -> None:
        self._done(self.sender(), "finished", payload)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._done(self.sender(), "failed", message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._done(self.sender(), "cancelled", None)

    def _done(self, job: object, what: str, payload: object) -> None:
        for t, j in list(self._old):
            if j is job:
                t.quit()
                t.wait()
                self._old.remove((t, j))
                return  # a superseded job: ignore its outcome
        if job is None or job is not self._job or self._thread is None:
            # a queued outcome of a job that is gone (superseded, or the window shut the
            # runner down): sender() is None once the job object has been deleted
            return
        self._thread.quit()
        self._thread.wait()
        self._thread, self._job = None, None
        self.busyChanged.emit(False)
        if what == "finished":
            self.finished.emit(payload)
        elif what == "failed":
            self.failed.emit(str(payload))
        else:
            self.cancelled.emit()

    def shutdown(self) -> None:
        """Cancel and wait for every thread (window closing)."""
        if self._job is not None:
            self._job.cancel()
            self._old.append((self._thread, self._job))  # type: ignore[arg-type]
            self._job = None
            self._thread = None
        for t, _j in self._old:
            t.quit()
            t.wait(5000)
        self._old.clear()

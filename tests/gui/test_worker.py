"""The worker: a job's ``prepare`` step runs off the UI thread, reports progress, hands its
result back, and stops when cancelled."""

from __future__ import annotations

import threading

from test_graph_fixtures import cluster

from netviz.engine import Options
from netviz.ui.worker import Job, JobResult, Prepared, Runner


def test_prepare_runs_in_the_worker_and_reports_progress(qtbot) -> None:
    runner = Runner()
    seen: list[tuple[int, int, str]] = []
    runner.progress.connect(lambda d, t, w: seen.append((d, t, w)))
    where: list[bool] = []

    def prepare(p: Prepared) -> object:
        where.append(threading.current_thread() is threading.main_thread())
        for i in range(3):
            p.check()
            p.progress(i + 1, 3, "laying out")
        return ("prepared", len(p.connections), p.cluster is p.analyzer.cluster)

    with qtbot.waitSignal(runner.finished, timeout=20000) as blocker:
        runner.start(Job(Options(), cluster=cluster(), prepare=prepare))
    r = blocker.args[0]
    assert isinstance(r, JobResult)
    assert r.prepared == ("prepared", len(r.connections), True)
    assert where == [False]
    assert (3, 3, "laying out") in seen


def test_a_cancelled_prepare_finishes_nothing(qtbot) -> None:
    runner = Runner()
    started = threading.Event()
    release = threading.Event()

    def prepare(p: Prepared) -> object:
        started.set()
        release.wait(10)
        p.check()  # cancelled by now: raises
        return "should not arrive"

    finished: list[object] = []
    runner.finished.connect(finished.append)
    runner.start(Job(Options(), cluster=cluster(), prepare=prepare))
    assert started.wait(10)
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.cancel()
    release.set()
    runner.shutdown()
    assert finished == [] and not runner.busy

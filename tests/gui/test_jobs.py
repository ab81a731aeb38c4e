"""The background-work helper: results and errors come back on the GUI thread, a job
started from a callback keeps the runner busy, a job in a worker process reports
progress and stops when asked, and only a job that can stop is asked to."""

from __future__ import annotations

import threading

from factor_desk.domain.errors import InputRefused
from factor_desk.gui.jobs import Call, Job, JobRunner
from factor_desk.services.common import Progress


def counting(n: int, gate_file: str | None = None, *, should_stop):
    """A job for a worker process: counts to n, stopping early when asked."""
    import os

    for i in range(1, n + 1):
        if should_stop():
            return
        if gate_file and i == 2:
            while not os.path.exists(gate_file) and not should_stop():
                pass
            if should_stop():
                return
        yield Progress(i, n, f"step {i}", result=i if i == n else None)


def refusing(*, should_stop):
    raise InputRefused(["row 3: bad amount"], summary="nothing was imported")


def adding(a: int, b: int) -> int:
    """A job for a worker process that cannot stop half way (no should_stop)."""
    return a + b


def test_results_errors_and_chained_jobs(qtbot):
    runner = JobRunner()
    seen, busy = [], []
    runner.busy_changed.connect(busy.append)

    def first_done(result):
        seen.append(result)
        runner.start(Job("second", lambda: threading.get_ident(), done=seen.append))

    with qtbot.waitSignal(runner.busy_changed, timeout=10_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("first", lambda: 41 + 1, done=first_done))
    assert seen[0] == 42 and seen[1] != threading.get_ident()  # ran on another thread
    assert busy == [True, False]  # busy the whole time, idle once at the end
    errors = []
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("boom", lambda: 1 / 0, error=errors.append))
    assert isinstance(errors[0], ZeroDivisionError)


def test_a_process_job_reports_progress_returns_and_carries_refusals(qtbot):
    runner = JobRunner()
    steps, results, errors = [], [], []
    with qtbot.waitSignal(runner.busy_changed, timeout=60_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("count", Call(counting, 3), done=results.append,
                         progress=lambda d, t, m: steps.append((d, t, m))))
    assert steps == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert results == [3]
    with qtbot.waitSignal(runner.busy_changed, timeout=60_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("refuse", Call(refusing), error=errors.append))
    assert isinstance(errors[0], InputRefused)
    assert errors[0].problems[0].message == "row 3: bad amount"


def test_a_process_job_stops_when_cancelled(qtbot, tmp_path):
    runner = JobRunner()
    results, steps = [], []

    def progress(done, total, message):
        steps.append(done)
        if done == 1:
            runner.cancel()

    with qtbot.waitSignal(runner.busy_changed, timeout=60_000,
                          check_params_cb=lambda b: b is False):
        runner.start(Job("count", Call(counting, 5, str(tmp_path / "never")),
                         done=results.append, progress=progress))
    assert steps == [1] and results == [None]  # stopped at step 2, no result


def test_a_click_waits_for_a_background_refresh_but_not_for_another_click(qtbot):
    runner = JobRunner()
    release = threading.Event()
    order = []
    runner.start(Job("refresh", lambda: release.wait(10), user=False,
                     done=lambda r: order.append("refresh")))
    assert runner.start(Job("later refresh", lambda: None, user=False,
                            done=lambda r: order.append("later refresh")))
    # The clerk's download, started by a menu that first showed (and so refreshed) its page:
    assert runner.start(Job("download", lambda: None, done=lambda r: order.append("download")))
    # ...but a second click while the first waits is refused, as while it runs.
    assert not runner.start(Job("second click", lambda: None))
    with qtbot.waitSignal(runner.busy_changed, timeout=10_000,
                          check_params_cb=lambda b: b is False):
        release.set()
    assert order == ["refresh", "download", "later refresh"]


def test_should_stop_is_given_only_to_a_job_that_takes_it(qtbot):
    runner = JobRunner()
    results = []
    jobs = [Job("one step", lambda: "no should_stop", done=results.append),
            Job("steps", lambda should_stop: should_stop(), done=results.append),
            Job("in a process", Call(adding, 2, 3), done=results.append)]
    assert [job.stoppable for job in jobs] == [False, True, False]
    assert Job("count", Call(counting, 3)).stoppable
    for job in jobs:
        with qtbot.waitSignal(runner.busy_changed, timeout=60_000,
                              check_params_cb=lambda b: b is False):
            runner.start(job)
    assert results == ["no should_stop", False, 5]

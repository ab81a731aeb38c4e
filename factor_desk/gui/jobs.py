"""One way to run slow work: a service's function or generator runs on a worker thread;
its progress items reach the GUI thread as signals; Cancel sets a flag the service checks
between items; the result (plain data) or the error comes back on the GUI thread.

Only one job runs at a time. A job the user started while another runs is refused with a
message ("wait for ... to finish"); a background refresh is queued behind it."""

from __future__ import annotations

import inspect
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)


class _Worker(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable, stop: threading.Event):
        super().__init__()
        self.fn = fn
        self.stop = stop

    def run(self) -> None:  # the worker thread
        try:
            result = self.fn(self.stop.is_set)
            if inspect.isgenerator(result):
                last = None
                for step in result:
                    last = step
                    self.progressed.emit(step.done, step.total, step.message)
                    if self.stop.is_set():
                        result.close()  # the service cleans up in its finally
                        break
                result = last.result if last is not None else None
            self.succeeded.emit(result)
        except BaseException as exc:  # handed to the GUI thread, which decides what it is
            self.failed.emit(exc)


@dataclass
class Job:
    """``fn(should_stop)`` returns a value, or a generator of Progress items whose last one
    carries the result. ``done(result)`` and ``error(exc)`` run on the GUI thread."""

    title: str
    fn: Callable
    done: Callable[[object], None] | None = None
    error: Callable[[BaseException], None] | None = None
    user: bool = True  # started by a click (refused if busy) or a refresh (queued)
    progress: Callable[[int, int, str], None] | None = None
    cancelled: bool = field(default=False, init=False)


class JobRunner(QObject):
    """Runs Jobs one at a time on worker threads."""

    busy_changed = Signal(bool)
    progressed = Signal(str, int, int, str)  # title, done, total, message

    def __init__(self, parent=None):
        super().__init__(parent)
        self._current: tuple[Job, _Worker, threading.Event] | None = None
        self._queue: deque[Job] = deque()

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def current_title(self) -> str | None:
        return self._current[0].title if self._current else None

    def start(self, job: Job) -> bool:
        """Run ``job`` now, queue it (a refresh), or refuse it (a click while busy)."""
        if self._current is None:
            self._run(job)
            return True
        if job.user:
            return False
        self._queue.append(job)
        return True

    def cancel(self) -> None:
        if self._current is not None:
            self._current[0].cancelled = True
            self._current[2].set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the running job ends (used when quitting). True if it did."""
        self._queue.clear()
        if self._current is None:
            return True
        return self._current[1].wait(timeout_ms)

    def _run(self, job: Job) -> None:
        stop = threading.Event()
        worker = _Worker(job.fn, stop)
        self._current = (job, worker, stop)
        worker.progressed.connect(lambda d, t, m: self._on_progress(job, d, t, m))
        worker.succeeded.connect(lambda result: self._finish(job, worker, result, None))
        worker.failed.connect(lambda exc: self._finish(job, worker, None, exc))
        self.busy_changed.emit(True)
        worker.start()

    def _on_progress(self, job: Job, done: int, total: int, message: str) -> None:
        self.progressed.emit(job.title, done, total, message)
        if job.progress:
            job.progress(done, total, message)

    def _finish(self, job: Job, worker: _Worker, result, exc) -> None:
        worker.wait()
        worker.deleteLater()
        self._current = None
        try:
            if exc is not None:
                if job.error:
                    job.error(exc)
                else:
                    raise exc
            elif job.done:
                job.done(result)
        finally:
            if self._queue:
                self._run(self._queue.popleft())
            else:
                self.busy_changed.emit(False)

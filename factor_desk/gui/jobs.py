"""One way to run slow work: a service's function or generator runs on a worker thread;
its progress items reach the GUI thread as signals; Cancel sets a flag that a job able to
stop half way checks between items (a function with a ``should_stop`` parameter is given
one; others are not); the result (plain data) or the error comes back on the GUI thread.

The heavy jobs (a batch download, an upload of thousands of rows) run in a worker
*process* instead, driven from the worker thread: a thread that does many short system
calls (file reads, SQLite steps) takes the GIL back each time before the GUI thread can
wake, and so starves the window for hundreds of milliseconds (measured here: 130-200 ms
stalls during a 200-invoice download). A separate process shares no GIL.

Only one job runs at a time. A job the user started while another runs is refused with a
message ("wait for ... to finish"); a background refresh is queued behind it."""

from __future__ import annotations

import contextlib
import inspect
import logging
import multiprocessing
import pickle
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from PySide6.QtCore import QObject, Signal

from factor_desk.domain.errors import refusal_for_os_error

if TYPE_CHECKING:
    from factor_desk.services.common import Progress

log = logging.getLogger(__name__)
_abandoned: list[_Worker] = []  # jobs left running when the window quit

T = TypeVar("T")


def takes_should_stop(fn: Callable) -> bool:
    """Whether ``fn`` (or the function a Call calls) has a ``should_stop`` parameter, and
    so can stop half way when asked: the runner passes ``should_stop`` to those only."""
    target = fn.fn if isinstance(fn, Call) else fn
    try:
        return "should_stop" in inspect.signature(target).parameters
    except (TypeError, ValueError):  # a built-in without a signature
        return False


def _call(fn: Callable, stoppable: bool, stop: Any) -> Any:
    """``fn(should_stop=stop.is_set)`` for a job that can stop, else ``fn()``."""
    return fn(should_stop=stop.is_set) if stoppable else fn()


class _Worker(QObject):
    """Runs ``fn`` on a daemon thread and reports through signals, which reach the GUI
    thread (this object lives there). Not a QThread: a job that ignores Cancel longer than
    the quit wait is left to end with the program (``abandon``), and Qt aborts the whole
    program ("QThread: Destroyed while thread is still running") when a running QThread is
    destroyed at exit, while a daemon thread simply ends with the process."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable, stop: threading.Event, stoppable: bool):
        super().__init__()
        self.fn = fn
        self.stop = stop
        self.stoppable = stoppable
        # Not ``self.thread``: that would hide QObject.thread().
        self._thread = threading.Thread(target=self.run, name="factor-desk-job", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """True once the thread has ended; False if still running after ``timeout_ms``."""
        self._thread.join(None if timeout_ms is None else timeout_ms / 1000)
        return not self._thread.is_alive()

    def abandon(self) -> None:
        """Quitting, and the job did not stop in time: nothing will show its outcome. Its
        thread is a daemon and ends with the program; whatever transaction it holds open
        is rolled back by the database when the connection goes."""
        for signal in (self.progressed, self.succeeded, self.failed):
            with contextlib.suppress(RuntimeError):  # nothing was connected
                signal.disconnect()
        _abandoned.append(self)  # never destroyed while its thread may still emit

    def run(self) -> None:  # the worker thread
        try:
            result = _call(self.fn, self.stoppable, self.stop)
            if inspect.isgenerator(result):
                last: Progress | None = None
                for step in cast("Iterator[Progress]", result):
                    last = step
                    self.progressed.emit(step.done, step.total, step.message)
                    if self.stop.is_set():
                        result.close()  # the service cleans up in its finally
                        break
                result = last.result if last is not None else None
            self.succeeded.emit(result)
        except BaseException as exc:  # handed to the GUI thread, which decides what it is
            self.failed.emit(exc)


class Call(Generic[T]):
    """A picklable call for a worker process: ``Call(desk.export, batch, folder)`` runs
    ``desk.export(batch, folder)`` there, with ``should_stop=...`` if it takes one."""

    def __init__(self, fn: Callable[..., T], *args: Any, **kwargs: Any):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self, **should_stop: Callable[[], bool]) -> T:  # none, or should_stop=
        return self.fn(*self.args, **self.kwargs, **should_stop)


def _child(pickled: bytes, conn, stop, stoppable: bool) -> None:  # in the worker process
    try:
        # Unpickled here, not by multiprocessing before this runs: a Desk reopens its
        # database as it is unpickled, and a server that does not answer then is a refusal
        # to send back, not a process that dies ("ended unexpectedly (exit code 1)").
        call = pickle.loads(pickled)
        result = _call(call, stoppable, stop)
        if inspect.isgenerator(result):
            last: Progress | None = None
            for step in cast("Iterator[Progress]", result):
                last = step
                conn.send(("progress", step.done, step.total, step.message))
            result = last.result if last is not None else None
        conn.send(("done", result))
    except BaseException as exc:
        try:
            conn.send(("error", exc))
        except Exception:  # an error that cannot be pickled: send what it said
            conn.send(("error", RuntimeError("".join(traceback.format_exception(exc)))))
    finally:
        conn.close()


class _ProcessWorker(_Worker):
    """Runs a Call in a spawned process; this thread only relays its messages."""

    def __init__(self, call: Call, stop: threading.Event, stoppable: bool):
        super().__init__(call, stop, stoppable)
        self.context = multiprocessing.get_context("spawn")
        self.process_stop = self.context.Event()
        self.process: multiprocessing.process.BaseProcess | None = None

    def abandon(self) -> None:
        """Quitting, and the worker process did not stop in time: end it (a download
        writes into a hidden folder that the next download clears away), so that the
        program does not wait for it at exit; this thread then ends too."""
        super().abandon()
        process = self.process
        if process is not None and process.is_alive():
            log.warning("Ending the worker process of a job that did not stop in time")
            process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
        self.wait(10_000)

    def run(self) -> None:  # the worker thread
        parent, child = self.context.Pipe(duplex=False)
        # Not a daemon: a download starts worker processes of its own.
        process = self.process = self.context.Process(
            target=_child, args=(pickle.dumps(self.fn), child, self.process_stop,
                                 self.stoppable))
        try:
            process.start()
            child.close()
            outcome = None
            while outcome is None:
                if parent.poll(0.05):
                    try:
                        message = parent.recv()
                    except EOFError:
                        break
                    if message[0] == "progress":
                        self.progressed.emit(*message[1:])
                    else:
                        outcome = message
                if self.stop.is_set():
                    self.process_stop.set()
                if outcome is None and not process.is_alive() and not parent.poll():
                    break
            process.join()
            if outcome is None:
                raise RuntimeError(f"the worker process ended unexpectedly "
                                   f"(exit code {process.exitcode})")
            if outcome[0] == "done":
                self.succeeded.emit(outcome[1])
            else:
                self.failed.emit(outcome[1])
        except BaseException as exc:
            self.failed.emit(exc)
        finally:
            parent.close()


@dataclass
class Job(Generic[T]):
    """``fn()`` returns the result (a T), or a generator of Progress items whose last one
    carries it. A function with a ``should_stop`` parameter (see ``stoppable``) is called
    with ``should_stop=``, true once Cancel was pressed or the window quits. A Call runs
    in a worker process. ``done(result)`` and ``error(exc)`` run on the GUI thread."""

    title: str
    fn: Callable[..., T | Iterator[Progress]]
    done: Callable[[T], object] | None = None
    error: Callable[[BaseException], None] | None = None
    user: bool = True  # started by a click (refused if busy) or a refresh (queued)
    progress: Callable[[int, int, str], None] | None = None

    @property
    def in_process(self) -> bool:
        return isinstance(self.fn, Call)

    @property
    def stoppable(self) -> bool:
        """Whether the job can stop half way: its function takes ``should_stop``."""
        return takes_should_stop(self.fn)


class JobRunner(QObject):
    """Runs Jobs one at a time on worker threads."""

    busy_changed = Signal(bool)
    progressed = Signal(str, int, int, str)  # title, done, total, message
    job_failed = Signal(object)  # the error of any job, before its own error handler

    def __init__(self, parent=None):
        super().__init__(parent)
        self._current: tuple[Job[Any], _Worker, threading.Event] | None = None
        self._queue: deque[Job[Any]] = deque()
        self._announced_busy = False

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def current_title(self) -> str | None:
        return self._current[0].title if self._current else None

    @property
    def current_is_user_job(self) -> bool:
        return bool(self._current and self._current[0].user)

    def start(self, job: Job[Any]) -> bool:
        """Run ``job`` now, queue it, or refuse it. A refresh is queued. A click waits for
        the background refresh that runs (the clerk's job goes first in the queue: a menu
        action that opens its page, which refreshes, must not be refused by that refresh);
        a click while another click's job runs or waits is refused."""
        if self._current is None:
            self._run(job)
            return True
        if not job.user:
            self._queue.append(job)
            return True
        if self._current[0].user or any(j.user for j in self._queue):
            return False
        self._queue.appendleft(job)
        return True

    def cancel(self) -> None:
        if self._current is not None:
            self._current[2].set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the running job ends, dropping what was queued and the job's
        callbacks (used when quitting: nothing is left to show them). True if it ended;
        False if it was still running after ``timeout_ms`` and was abandoned (its worker
        process ended, its thread left to end with the program)."""
        self._queue.clear()
        if self._current is None:
            return True
        job, worker, _stop = self._current
        ended = worker.wait(timeout_ms)
        if not ended:
            # Quitting must not hang nor crash on a job that ignores Cancel: it is left to
            # end with the program (a worker process is ended now).
            log.warning("%s did not stop within %d ms of Cancel; quitting without it",
                        job.title, timeout_ms)
            worker.abandon()
        self._current = None
        self._set_busy(False)
        return ended

    def _run(self, job: Job[Any]) -> None:
        stop = threading.Event()
        worker = (_ProcessWorker(job.fn, stop, job.stoppable) if isinstance(job.fn, Call)
                  else _Worker(job.fn, stop, job.stoppable))
        self._current = (job, worker, stop)
        worker.progressed.connect(lambda d, t, m: self._on_progress(job, d, t, m))
        worker.succeeded.connect(lambda result: self._finish(job, worker, result, None))
        worker.failed.connect(lambda exc: self._finish(job, worker, None, exc))
        self._set_busy(True)
        worker.start()

    def _set_busy(self, busy: bool) -> None:
        if busy != self._announced_busy:
            self._announced_busy = busy
            self.busy_changed.emit(busy)

    def _on_progress(self, job: Job[Any], done: int, total: int, message: str) -> None:
        self.progressed.emit(job.title, done, total, message)
        if job.progress:
            job.progress(done, total, message)

    def _finish(self, job: Job[Any], worker: _Worker, result, exc) -> None:
        worker.wait()
        worker.deleteLater()
        if self._current is None or self._current[1] is not worker:
            return  # dropped by wait()
        self._current = None
        if exc is not None:
            # A file locked by another program, a read-only folder, a full disk: the
            # computer refuses, whichever job met it; the clerk gets a message, not a bug.
            exc = refusal_for_os_error(exc) or exc
        try:
            if exc is not None:
                self.job_failed.emit(exc)
                if job.error:
                    job.error(exc)
                else:
                    raise exc
            elif job.done:
                job.done(result)
        finally:
            if self._current is not None:
                pass  # the callback started the next job itself
            elif self._queue:
                self._run(self._queue.popleft())
            else:
                self._set_busy(False)

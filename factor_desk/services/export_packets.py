"""Drawing the packets of a download: in worker processes for a large batch, else in this
one, a bounded number in flight so that memory stays flat whatever the batch size."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

from factor_desk.documents.packet import lower_priority, write_packet

# Below this many invoices, starting worker processes costs more than it saves; above it,
# one worker per INVOICES_PER_WORKER invoices, at most MAX_WORKERS: the machine stays
# usable, and Windows allows no more than 61 in a pool.
POOL_THRESHOLD = 24
INVOICES_PER_WORKER = 25
MAX_WORKERS = 4
POOL_LIMIT = 61


def pool_size(invoices: int, requested: int | None = None) -> int:
    """How many processes draw the packets: ``requested`` if given, else one per
    INVOICES_PER_WORKER invoices up to MAX_WORKERS and the machine's cores, and one (this
    process) for a small batch; never more than there are invoices, nor than Windows
    allows."""
    if requested is None:
        if invoices < POOL_THRESHOLD:
            return 1
        requested = min(MAX_WORKERS, os.cpu_count() or 1,
                        -(-invoices // INVOICES_PER_WORKER))
    return max(1, min(requested, invoices, POOL_LIMIT))


class PacketMaker:
    """Builds every packet: in worker processes for a large batch, else in this one.
    ``results`` yields (task index, (invoice number, pages)) as each packet is written."""

    def __init__(self, tasks: list[dict[str, Any]], workers: int | None):
        self.tasks = tasks
        self.workers = pool_size(len(tasks), workers)
        self.pool: cf.ProcessPoolExecutor | None = None
        self.pending: dict[cf.Future[tuple[str, int]], int] = {}
        self.queue = iter(enumerate(tasks))

    def __enter__(self) -> PacketMaker:
        if self.workers > 1:
            # spawn, not fork: the window's process has threads, and fork copies them
            # half-held.
            self.pool = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=lower_priority)
            self._top_up()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _top_up(self) -> None:
        # A bounded window of tasks in flight keeps memory flat whatever the batch size.
        for index, task in self.queue:
            assert self.pool is not None
            self.pending[self.pool.submit(write_packet, task)] = index
            if len(self.pending) >= self.workers * 3:
                break

    def results(self, should_stop: Callable[[], bool]
                ) -> Iterator[tuple[int, tuple[str, int]]]:
        if self.pool is None:
            for index, task in self.queue:
                if should_stop():
                    return
                yield index, write_packet(task)
            return
        while self.pending:
            finished, _ = cf.wait(self.pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                yield self.pending.pop(future), future.result()
            if should_stop():
                return
            self._top_up()


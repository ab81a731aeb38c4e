"""The collector's pause around building many objects (services/common.py gc_paused)."""

import gc
import threading
import weakref

from factor_desk.services.common import gc_paused


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_the_pause_ends_with_the_collector_on_nothing_frozen_and_cycles_still_found():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with gc_paused():
        assert not gc.isenabled()
        kept = [[n] for n in range(10_000)]
        node = _Node()
        gone = weakref.ref(node)
        del node
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # what was frozen stays so; nothing more is
    gc.collect()
    assert gone() is None  # a cycle made in the pause is still found
    assert kept[9_999] == [9_999]


def test_a_worker_thread_leaves_the_collector_as_the_window_set_it():
    seen = []

    def work() -> None:
        with gc_paused():
            seen.append(gc.isenabled())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [True]

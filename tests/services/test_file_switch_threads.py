"""Which thread takes a SQLite file put in place of the open one (db/file_guard.py): the
window's own thread hands it over (``hand_over``) and is refused at once, taking nothing
and waiting for no switch under way elsewhere; any other thread takes it, and two at once
take it once. A file gone is refused alike on every thread, and none is made."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable

import pytest
from helpers_files import file_dump, subsidiaries

from factor_desk.db.file_guard import (
    file_id,
    gone_message,
    not_ours_message,
    replaced_message,
)
from factor_desk.domain.errors import DatabaseFileReplaced
from factor_desk.services import company

JOIN_SECONDS = 60  # a thread that does not end by then is stuck: the test fails


def hand_over_on(thread_id: Callable[[], int | None], asked: list[str]):
    """A window's ``hand_over``: True on its own thread (whose id ``thread_id`` gives),
    recording the words it was told; False on any other."""
    def hand_over(words: str) -> bool:
        if threading.get_ident() != thread_id():
            return False
        asked.append(words)
        return True
    return hand_over


def this_thread_hands_over(asked: list[str]):
    """The test's thread stands for the window's."""
    me = threading.get_ident()
    return hand_over_on(lambda: me, asked)


def in_thread(fn: Callable[[], object]) -> object:
    """What ``fn`` returned, or raised, on a thread of its own (a job's)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:  # noqa: BLE001 - what the thread met is the point
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(JOIN_SECONDS)
    assert not thread.is_alive()
    return outcome[0]


def test_the_windows_thread_is_refused_and_the_file_is_taken_elsewhere(office):
    mine, path, other, old = office
    guard = mine.db.guard
    assert guard is not None
    asked: list[str] = []
    mine.hand_file_switches_to(this_thread_hands_over(asked))
    new_rows = file_dump(other)
    wal = path.with_name(path.name + "-wal")
    old_file = guard.current
    os.replace(other, path)

    for tries in (1, 2):  # refused until it is taken: the window dedupes the asking
        with pytest.raises(DatabaseFileReplaced) as refused:
            mine.profile()
        assert str(refused.value) == replaced_message(path)  # the clerk's words
        assert asked == [replaced_message(path, refused=False)] * tries
    # nothing of the switch was done here: no checkpoint, no new file opened or upgraded
    assert guard.switches == 0 and guard.current == old_file
    # the old file's -wal, not emptied (and nothing opened the path since: it would
    # read that -wal into the new file)
    assert wal.exists() and wal.stat().st_size > 0

    assert in_thread(mine.take_file_there) is True  # the window's background job
    assert file_dump(path) == new_rows
    assert guard.switches == 1 and guard.current == file_id(path)
    assert subsidiaries(mine) == ["Zeta Lines"]  # the window's thread reads it now
    assert len(asked) == 2  # and was not asked again
    mine.close()
    assert "Acme Freight" in repr(file_dump(old))  # the old -wal went into the old file


def test_a_write_on_the_windows_thread_refused_at_its_commit_takes_nothing(office):
    mine, path, other, old = office
    asked: list[str] = []
    mine.hand_file_switches_to(this_thread_hands_over(asked))
    new_rows = file_dump(other)
    with pytest.raises(DatabaseFileReplaced, match="Nothing was saved"), \
            mine.db.write() as work:
        company.add_subsidiary(work, "Gamma Lines", code="GAMMA")
        work.flush()
        os.replace(other, path)
    assert asked and mine.db.guard is not None and mine.db.guard.switches == 0
    assert in_thread(mine.take_file_there) is True
    assert subsidiaries(mine) == ["Zeta Lines"]
    assert file_dump(path)["subsidiaries"] == new_rows["subsidiaries"]
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def test_a_file_gone_is_refused_on_the_windows_thread_as_before_and_none_is_made(office):
    mine, path, other, old = office
    asked: list[str] = []
    mine.hand_file_switches_to(this_thread_hands_over(asked))
    path.unlink()
    for _ in range(2):
        with pytest.raises(DatabaseFileReplaced) as refused:
            mine.profile()
        assert refused.value.gone and str(refused.value) == gone_message(path)
    assert asked == []  # nothing to take: not handed over
    assert not path.exists()  # no empty database in its place

    os.replace(other, path)  # a backup put back by hand
    with pytest.raises(DatabaseFileReplaced, match="was replaced on disk"):
        mine.profile()
    assert len(asked) == 1
    assert in_thread(mine.take_file_there) is True
    assert subsidiaries(mine) == ["Zeta Lines"]


class _Arrivals:
    """The guard's lock, telling when a given thread comes to it."""

    def __init__(self, lock) -> None:
        self.lock = lock
        self.watched: int | None = None
        self.came = threading.Event()

    def __enter__(self):
        if threading.get_ident() == self.watched:
            self.came.set()
        return self.lock.__enter__()

    def __exit__(self, *exc):
        return self.lock.__exit__(*exc)


def test_two_threads_meeting_the_new_file_at_once_take_it_once(office, monkeypatch):
    """Job A takes the new file (slow: a big file's backup and upgrade); job B meets it
    meanwhile and waits for A, then finds it taken; the window's thread, meeting it too,
    is refused at once instead of waiting. The file is taken once, by A."""
    mine, path, other, old = office
    guard = mine.db.guard
    assert guard is not None
    arrivals = _Arrivals(guard.lock)
    monkeypatch.setattr(guard, "lock", arrivals)
    opening, go = threading.Event(), threading.Event()
    opened: list[int] = []
    open_new = guard._open_new

    def slow_open_new() -> None:
        opened.append(threading.get_ident())
        opening.set()
        assert go.wait(JOIN_SECONDS)
        open_new()

    monkeypatch.setattr(guard, "_open_new", slow_open_new)
    window: list[int] = []
    asked: list[str] = []
    mine.hand_file_switches_to(hand_over_on(lambda: window[0] if window else None, asked))
    os.replace(other, path)

    took: dict[str, object] = {}

    def take(name: str) -> None:
        if name == "B":
            arrivals.watched = threading.get_ident()
        took[name] = mine.take_file_there()

    a = threading.Thread(target=take, args=("A",))
    a.start()
    assert opening.wait(JOIN_SECONDS)  # A is taking it
    b = threading.Thread(target=take, args=("B",))
    b.start()
    try:
        assert arrivals.came.wait(JOIN_SECONDS)  # B waits for A's switch

        def windows_read() -> object:
            window.append(threading.get_ident())
            return mine.profile()

        refused = in_thread(windows_read)  # does not wait for A (it would hang here)
        assert isinstance(refused, DatabaseFileReplaced)
        assert str(refused) == replaced_message(path)
    finally:
        go.set()
        a.join(JOIN_SECONDS)
        b.join(JOIN_SECONDS)
    assert took == {"A": True, "B": False}
    assert opened == [a.ident] and guard.switches == 1
    window.clear()

    def windows_read_after() -> list[str]:
        window.append(threading.get_ident())
        return subsidiaries(mine)

    assert in_thread(windows_read_after) == ["Zeta Lines"]  # works as before
    assert len(asked) == 1  # asked once, while A was taking it


def test_without_a_window_every_thread_takes_the_file_itself(office):
    """The command line (no hand_over): the thread that meets it takes it, as before."""
    mine, path, other, old = office
    mine.hand_file_switches_to(None)
    os.replace(other, path)
    assert isinstance(in_thread(mine.profile), DatabaseFileReplaced)
    assert mine.db.guard is not None and mine.db.guard.switches == 1
    assert subsidiaries(mine) == ["Zeta Lines"]


def test_a_file_refused_once_is_refused_on_the_windows_thread_in_its_own_words(
        office, tmp_path):
    """Another program's file moved in: the job that tried to take it was refused (not a
    Factor Desk database). The window's thread, meeting it next, is refused in those
    words, and hands over those words (what the banner tells), not "Factor Desk now
    shows the file that is there", which it does not."""
    mine, path, other, old = office
    asked: list[str] = []
    mine.hand_file_switches_to(this_thread_hands_over(asked))
    conn = sqlite3.connect(tmp_path / "notes.sqlite3")
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    os.replace(tmp_path / "notes.sqlite3", path)
    refused = in_thread(mine.take_file_there)  # the window's background job
    assert isinstance(refused, DatabaseFileReplaced)
    assert str(refused) == not_ours_message(path)

    with pytest.raises(DatabaseFileReplaced) as again:
        mine.profile()
    assert str(again.value) == not_ours_message(path)
    assert again.value.notice == not_ours_message(path, refused=False)
    assert asked == [not_ours_message(path, refused=False)]

    os.replace(other, path)  # the right file put back: told as a file replaced
    with pytest.raises(DatabaseFileReplaced) as replaced:
        mine.profile()
    assert str(replaced.value) == replaced_message(path)
    assert asked[-1] == replaced_message(path, refused=False)
    assert in_thread(mine.take_file_there) is True
    assert subsidiaries(mine) == ["Zeta Lines"]

"""A SQLite file replaced under an open desk (a backup copied over it, a sync program
renaming its copy into place, ``mv``): the next unit of work is refused before anything
reaches the old file, the desk then works on the file there, and the old file's -wal is
never read into the new one. A file that is gone is refused until one is back; nothing
creates an empty database in its place (db/file_guard.py)."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from helpers import next_change
from helpers_files import file_dump, sqlite_desk, subsidiaries
from sqlalchemy import create_engine, text

from factor_desk.db.database import DB_FILE_NAME, Location
from factor_desk.db.file_guard import gone_message, replaced_message
from factor_desk.db.migrate import alembic_config, current_revision, head_revision
from factor_desk.db.watch import EVERYTHING, FileReplaced, ServerLost
from factor_desk.domain.errors import DatabaseFileReplaced, EnvironmentRefused
from factor_desk.services import company
from factor_desk.services.desk import Desk


def test_the_next_write_is_refused_and_lands_in_neither_file(office):
    mine, path, other, old = office
    new_rows = file_dump(other)
    os.replace(other, path)  # a sync program renames its copy into place

    with pytest.raises(DatabaseFileReplaced) as refused:
        mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert str(refused.value) == replaced_message(path)
    assert "Nothing was saved from this action" in str(refused.value)

    assert file_dump(path) == new_rows  # the new file: unchanged, no old -wal read into it
    assert subsidiaries(mine) == ["Zeta Lines"]  # the desk reads the file there
    mine.close()  # every connection to the old file gone: its -wal is in it now
    old_rows = repr(file_dump(old))
    assert "Acme Freight" in old_rows and "Beta Haulers" in old_rows  # its -wal went in
    assert "Gamma" not in old_rows and "Gamma" not in repr(file_dump(path))
    assert not list(path.parent.glob("*-of-the-replaced-file-*"))  # emptied, not kept


def test_after_the_refusal_the_desk_works_on_the_new_file(office):
    mine, path, other, old = office
    os.replace(other, path)
    with pytest.raises(DatabaseFileReplaced):
        mine.loads()  # a read meets it first: refused once too
    mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert subsidiaries(mine) == ["Gamma Lines", "Zeta Lines"]
    mine.close()
    assert "Gamma" in repr(file_dump(path))
    assert "Gamma" not in repr(file_dump(old))
    assert mine.db.guard is not None and mine.db.guard.switches == 1


def test_a_file_replaced_during_a_write_refuses_its_commit(office):
    mine, path, other, old = office
    new_rows = file_dump(other)
    with pytest.raises(DatabaseFileReplaced, match="Nothing was saved"), \
            mine.db.write() as work:
        company.add_subsidiary(work, "Gamma Lines", code="GAMMA")
        work.flush()  # the rows are in the old file's transaction already
        os.replace(other, path)
    assert file_dump(path) == new_rows
    assert subsidiaries(mine) == ["Zeta Lines"]
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def test_a_file_gone_is_refused_until_one_is_back_and_none_is_made(office, tmp_path):
    mine, path, other, old = office
    path.unlink()  # deleted (the hard link keeps it for the test)
    for _ in range(2):
        with pytest.raises(DatabaseFileReplaced) as refused:
            mine.add_subsidiary("Gamma Lines", code="GAMMA")
        assert refused.value.gone
        assert str(refused.value) == gone_message(path)
    with pytest.raises(DatabaseFileReplaced):
        mine.profile()
    assert not path.exists()  # no empty database in its place

    os.replace(other, path)  # a backup put back by hand
    with pytest.raises(DatabaseFileReplaced, match="was replaced on disk"):
        mine.add_subsidiary("Gamma Lines", code="GAMMA")
    mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert subsidiaries(mine) == ["Gamma Lines", "Zeta Lines"]
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def test_a_file_that_is_no_factor_desk_database_is_refused_and_left_alone(office, tmp_path):
    mine, path, other, old = office
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")  # a sync program's placeholder, not yet downloaded
    os.replace(empty, path)
    for _ in range(2):  # not taken: refused each time
        with pytest.raises(DatabaseFileReplaced, match="not a Factor Desk database"):
            mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert path.stat().st_size == 0  # no tables made in it
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def test_a_worker_desk_refuses_a_file_its_window_did_not_have(office):
    """A job's desk travels to a worker process as the file its window has open: one
    started before the replacement refuses the new file, and writes nothing anywhere."""
    mine, path, other, old = office
    worker = pickle.loads(pickle.dumps(mine))
    new_rows = file_dump(other)
    os.replace(other, path)
    for _ in range(2):  # never takes the new file
        with pytest.raises(DatabaseFileReplaced, match="Nothing was saved"):
            worker.add_subsidiary("Gamma Lines", code="GAMMA")
    worker.close()
    assert mine.take_file_there() is True  # the window takes the file there
    assert file_dump(path) == new_rows
    assert mine.take_file_there() is False
    later = pickle.loads(pickle.dumps(mine))  # a job started afterwards: the new file
    later.add_subsidiary("Gamma Lines", code="GAMMA")
    later.close()
    assert subsidiaries(mine) == ["Gamma Lines", "Zeta Lines"]
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def _write_in_a_worker(pickled: bytes) -> str:  # in the worker process
    desk = pickle.loads(pickled)
    try:
        desk.add_subsidiary("Gamma Lines", code="GAMMA")
        return "saved"
    except DatabaseFileReplaced as exc:
        return str(exc)
    finally:
        desk.close()


def test_a_worker_process_writes_nothing_to_either_file(office):
    mine, path, other, old = office
    pickled = pickle.dumps(mine)  # as the job runner does when the job starts
    new_rows = file_dump(other)
    os.replace(other, path)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        said = pool.apply(_write_in_a_worker, (pickled,))
    assert said == replaced_message(path)
    assert mine.take_file_there() is True  # the window takes the file there
    assert file_dump(path) == new_rows
    mine.close()
    assert "Gamma" not in repr(file_dump(old))


def test_the_check_before_each_commit_covers_the_engine_too(office):
    """Not only the desk's units of work: a commit on the engine itself checks."""
    mine, path, other, old = office
    os.replace(other, path)
    with pytest.raises(DatabaseFileReplaced), mine.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
    mine.close()
    assert "'x'" not in repr(file_dump(old)["settings"])
    assert "'x'" not in repr(file_dump(path)["settings"])


def test_the_watcher_reports_the_replacement_once_then_follows_the_new_file(office):
    mine, path, other, old = office
    watcher = mine.watch()
    try:
        assert watcher.wait(0.01) is None  # looked once: the file the desk has
        os.replace(other, path)
        with pytest.raises(FileReplaced) as told:
            next_change(watcher)
        assert str(told.value) == replaced_message(path, refused=False)
        # said once; and no connection to the new file while the desk has the old one
        assert next_change(watcher, within=1.2) is None
        assert mine.take_file_there() is True
        assert watcher.wait(0.01) is None  # looked at the new file
        with Desk.open(Location.resolve(path.parent), migrate=False) as clerk:
            clerk.add_subsidiary("Gamma Lines", code="GAMMA")
        assert next_change(watcher) == EVERYTHING  # follows the new file's changes
    finally:
        watcher.close()


def test_the_watcher_reports_a_file_gone_until_it_is_back(office):
    mine, path, other, old = office
    watcher = mine.watch()
    try:
        assert watcher.wait(0.01) is None
        path.unlink()
        with pytest.raises(ServerLost, match="is gone from its folder"):
            next_change(watcher)
        with pytest.raises(ServerLost):  # still gone
            watcher.wait(0.01)
        os.link(old, path)  # the same file put back
        assert watcher.wait(0.01) is None  # back, and it is the desk's file
        assert subsidiaries(mine) == ["Acme Freight", "Beta Haulers"]
    finally:
        watcher.close()


def test_a_new_file_gone_before_the_desk_took_it_is_reported_again_when_back(office,
                                                                             tmp_path):
    """The watcher told of a new file; it went before the desk took it (the window's job
    was refused: nothing there). Put back, it is reported again, or the window would
    wait for a switch nobody does (the watcher reads no file the desk does not have)."""
    mine, path, other, old = office
    watcher = mine.watch()
    try:
        assert watcher.wait(0.01) is None
        os.replace(other, path)
        with pytest.raises(FileReplaced):
            next_change(watcher)
        away = tmp_path / "away.sqlite3"
        os.replace(path, away)
        with pytest.raises(ServerLost, match="is gone from its folder"):
            watcher.wait(0.01)
        with pytest.raises(DatabaseFileReplaced) as refused:
            mine.take_file_there()  # the window's job, now
        assert refused.value.gone
        os.replace(away, path)
        with pytest.raises(FileReplaced):
            watcher.wait(0.01)
        assert mine.take_file_there() is True
        assert subsidiaries(mine) == ["Zeta Lines"]
    finally:
        watcher.close()


def test_the_own_file_back_after_a_refused_one_keeps_its_wal_out_of_the_next_file(
        office, tmp_path):
    """Another program's file moved in (refused), the clerk's own file put back and
    written to, then another Factor Desk file moved in: the own file's last writes are
    checkpointed into it and its -wal taken from the path, as the first time; not read
    into the new file (which would then hold the old file's pages, and the old file lack
    its last writes)."""
    mine, path, other, old = office
    new_rows = file_dump(other)
    notes = tmp_path / "notes.sqlite3"
    conn = sqlite3.connect(notes)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    os.replace(notes, path)
    with pytest.raises(DatabaseFileReplaced, match="not a Factor Desk database"):
        mine.take_file_there()
    own = tmp_path / "own.sqlite3"
    os.link(old, own)
    os.replace(old, path)  # the clerk's own file back
    mine.add_subsidiary("Gamma Lines", code="GAMMA")  # into its -wal
    assert path.with_name(path.name + "-wal").stat().st_size > 0

    os.replace(other, path)
    with pytest.raises(DatabaseFileReplaced, match="was replaced on disk"):
        mine.profile()
    assert subsidiaries(mine) == ["Zeta Lines"]
    assert file_dump(path)["subsidiaries"] == new_rows["subsidiaries"]
    mine.close()
    assert "Gamma Lines" in repr(file_dump(own)["subsidiaries"])


def test_a_connection_out_during_the_switch_is_closed_when_it_comes_back(office):
    """A unit of work still open on the old file when the desk takes the new one: its
    connection goes back to the pool of before, and is closed there, not left open on
    the old file."""
    mine, path, other, old = office
    with mine.db.read() as work:
        raw = work.connection().connection.dbapi_connection
        os.replace(other, path)
        assert mine.take_file_there() is True
        raw.execute("SELECT 1")  # still open while the unit of work runs
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        raw.execute("SELECT 1")


def _file_at(folder: Path, revision: str) -> Path:
    """A Factor Desk database file at ``revision`` (made by an older Factor Desk, or with
    a revision this one does not know)."""
    folder.mkdir()
    path = folder / DB_FILE_NAME
    engine = create_engine(f"sqlite:///{path.as_posix()}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0012")
        if revision != "0012":
            conn.execute(text("UPDATE alembic_version SET version_num = :r"),
                         {"r": revision})
    engine.dispose()
    return path


def test_an_older_factor_desks_file_put_in_place_is_upgraded_as_opening_it_would(
        office, tmp_path):
    mine, path, other, old = office
    os.replace(_file_at(tmp_path / "older", "0012"), path)
    with pytest.raises(DatabaseFileReplaced):
        mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert current_revision(mine.db.engine) == head_revision()
    mine.add_subsidiary("Gamma Lines", code="GAMMA")
    assert subsidiaries(mine) == ["Gamma Lines"]


def test_a_newer_factor_desks_file_put_in_place_is_refused_and_left_alone(office, tmp_path):
    mine, path, other, old = office
    newer = _file_at(tmp_path / "newer", "9999_from_the_future")
    os.replace(newer, path)
    for _ in range(2):
        with pytest.raises(EnvironmentRefused, match="made by a newer Factor Desk"):
            mine.add_subsidiary("Gamma Lines", code="GAMMA")
    mine.close()
    engine = create_engine(f"sqlite:///{path.as_posix()}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() \
            == "9999_from_the_future"
        assert conn.execute(text("SELECT count(*) FROM subsidiaries")).scalar_one() == 0
    engine.dispose()
    assert "Gamma" not in repr(file_dump(old))


def test_an_old_wal_that_cannot_be_emptied_is_kept_beside_and_not_read(office):
    """Another program still reading the old file (here a connection of its own in a read
    transaction) keeps its -wal from being emptied into it: the -wal is kept beside,
    renamed, and the new file is read without it."""
    mine, path, other, old = office
    reader = sqlite3.connect(str(path), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM subsidiaries").fetchone()
    new_rows = file_dump(other)
    os.replace(other, path)
    try:
        assert mine.take_file_there() is True
    finally:
        reader.close()
    kept = list(path.parent.glob(f"{DB_FILE_NAME}-wal-of-the-replaced-file-*"))
    assert len(kept) == 1 and kept[0].stat().st_size > 0
    assert file_dump(path) == new_rows
    assert subsidiaries(mine) == ["Zeta Lines"]


def test_a_database_file_that_is_a_link_keeps_its_wal_out_of_the_new_file(tmp_path,
                                                                          sqlite_template):
    """The data folder's file is a symbolic link into a synced folder: SQLite keeps the
    -wal beside the link's target, and that is where the old one must be taken from,
    even when another program's reading stops it being emptied."""
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links here")
    synced = tmp_path / "Dropbox"
    synced.mkdir()
    shutil.copy(sqlite_template, synced / DB_FILE_NAME)
    home = tmp_path / "home"
    home.mkdir()
    (home / DB_FILE_NAME).symlink_to(synced / DB_FILE_NAME)
    theirs = sqlite_desk(tmp_path / "other", sqlite_template)
    with theirs.db.write() as work:
        company.ensure_company(work, "Zeta Group")
        company.add_subsidiary(work, "Zeta Lines", code="ZETA")
    theirs.close()
    mine = Desk.open(Location.resolve(home))
    try:
        with mine.db.write() as work:
            company.ensure_company(work, "Acme Group")
            for i in range(30):
                company.add_subsidiary(work, f"Acme {i}", code=f"A{i}")
        reader = sqlite3.connect(str(home / DB_FILE_NAME), isolation_level=None)
        reader.execute("BEGIN")  # another program reading: the -wal cannot be emptied
        reader.execute("SELECT count(*) FROM subsidiaries").fetchone()
        os.replace(tmp_path / "other" / DB_FILE_NAME, synced / DB_FILE_NAME)
        assert mine.take_file_there()
        reader.close()
        assert subsidiaries(mine) == ["Zeta Lines"]
        assert [p.name for p in synced.iterdir() if "-of-the-replaced-file-" in p.name]
    finally:
        mine.close()
    check = sqlite3.connect(synced / DB_FILE_NAME)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("SELECT name FROM subsidiaries").fetchall() == [("Zeta Lines",)]
    finally:
        check.close()


def test_a_write_begun_before_another_thread_took_the_new_file_is_refused(office):
    """Thread A's unit began on the old file; thread B met the new file and took it; A's
    commit must not land in the old file (which no one sees again) as if saved."""
    import threading

    mine, path, other, old = office
    began, go = threading.Event(), threading.Event()
    outcome: list[BaseException | str] = []

    def writer() -> None:
        try:
            with mine.db.write() as work:
                company.add_subsidiary(work, "Gamma Lines", code="GAMMA")
                work.flush()
                began.set()
                assert go.wait(60)
            outcome.append("saved")
        except BaseException as exc:  # noqa: BLE001 - what the thread met is the point
            outcome.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert began.wait(60)
        os.replace(other, path)
        with pytest.raises(DatabaseFileReplaced):
            subsidiaries(mine)  # B meets it and takes the new file
    finally:
        go.set()
        thread.join(60)
    assert isinstance(outcome[0], DatabaseFileReplaced), outcome
    assert subsidiaries(mine) == ["Zeta Lines"]
    assert "Gamma Lines" not in str(file_dump(old)) and "Gamma Lines" not in str(
        file_dump(path))


def test_a_windows_network_path_opens_as_sqlite_reads_it():
    from pathlib import PureWindowsPath

    from factor_desk.location import sqlite_uri

    assert sqlite_uri(PureWindowsPath(r"\\server\share\Factor Desk\factor_desk.sqlite3"),
                      "rw") == "file:////server/share/Factor%20Desk/factor_desk.sqlite3?mode=rw"
    assert sqlite_uri(PureWindowsPath(r"C:\Users\mary\factor_desk.sqlite3"), "ro") == \
        "file:///C:/Users/mary/factor_desk.sqlite3?mode=ro"

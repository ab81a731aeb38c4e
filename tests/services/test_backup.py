"""Backup and restore: one .zip with a consistent copy of the SQLite file, the documents
folder and a manifest; restore only into an empty folder, only from an archive that checks
out; automatic backups before a schema upgrade and once a day, the last seven kept."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest

from factor_desk import __version__
from factor_desk.cli import main
from factor_desk.db import auto_backup
from factor_desk.db.database import DB_FILE_NAME, Database, Location
from factor_desk.db.migrate import current_revision, head_revision
from factor_desk.domain.errors import FactorDeskError, InputRefused
from factor_desk.services import backup as backups
from factor_desk.services.backup import run_backup, run_restore
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads


def dump(db_file: Path) -> list[str]:
    """Every table's schema and rows, as SQL text."""
    conn = sqlite3.connect(db_file)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def documents(home: Path) -> dict[str, bytes]:
    root = home / "documents"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def demo_home(tmp_path) -> Path:
    """A data folder with the demo carrier (with its supporting documents), closed."""
    home = tmp_path / "demo"
    db = Database(Location.resolve(home))
    Desk(db).load_demo(loads=8)
    db.dispose()
    return home


def rewrite_zip(src: Path, dst: Path, change) -> None:
    """Copy an archive, letting ``change(name, data)`` return new bytes (or None to drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)


# ------------------------------------------------------------------ round trip


def test_backup_then_restore_gives_every_row_and_document_back(demo_home, tmp_path):
    before_rows, before_docs = dump(demo_home / DB_FILE_NAME), documents(demo_home)
    assert before_docs, "the demo attaches documents"
    archive = tmp_path / "out" / "Factor Desk backup.zip"
    archive.parent.mkdir()
    result = run_backup(Location.resolve(demo_home), archive)
    assert result.path == archive and archive.is_file()
    assert result.documents == len(before_docs)

    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["factor_desk_version"] == __version__
        assert manifest["alembic_revision"] == head_revision()
        assert dt.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
        listed = {f["path"]: f for f in manifest["files"]}
        assert set(listed) == {DB_FILE_NAME} | {f"documents/{n}" for n in before_docs}
        for name, entry in listed.items():
            assert entry["sha256"] == backups.sha256_hex(zf.read(name))

    new_home = tmp_path / "restored"
    restored = run_restore(archive, new_home)
    assert restored.home == new_home and restored.revision == head_revision()
    assert dump(new_home / DB_FILE_NAME) == before_rows
    assert documents(new_home) == before_docs
    assert leftovers(tmp_path) == []

    db = Database(Location.resolve(new_home))  # opens as usual, at the newest schema
    try:
        assert current_revision(db.engine) == head_revision()
        with db.read() as s:
            assert len(list_loads(s)) == len([r for r in before_rows
                                              if r.startswith('INSERT INTO "loads"')]) > 0
    finally:
        db.dispose()


def test_restore_into_an_existing_empty_folder(demo_home, tmp_path):
    archive = run_backup(Location.resolve(demo_home), tmp_path / "b.zip").path
    target = tmp_path / "empty"
    (target / "documents").mkdir(parents=True)  # an empty documents folder is empty
    # the window's settings are no data
    (target / "settings.ini").write_text("[window]\n", encoding="utf-8")
    run_restore(archive, target)
    assert dump(target / DB_FILE_NAME) == dump(demo_home / DB_FILE_NAME)
    assert documents(target) == documents(demo_home)
    assert (target / "settings.ini").read_text(encoding="utf-8") == "[window]\n"
    assert leftovers(tmp_path) == []


def test_a_backup_taken_while_another_connection_writes_is_consistent(demo_home, tmp_path):
    """A writer commits pairs of rows (and a running tally) all through the backup; the copy
    holds whole transactions only and passes SQLite's integrity check."""
    db_file = demo_home / DB_FILE_NAME
    setup = sqlite3.connect(db_file)
    setup.executescript(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE stress (id INTEGER PRIMARY KEY, pair INTEGER, filler BLOB);"
        "CREATE TABLE tally (n INTEGER); INSERT INTO tally VALUES (0);")
    # Enough bulk that copying takes a while and the writer commits during it.
    setup.executemany("INSERT INTO stress (pair, filler) VALUES (?, randomblob(4000))",
                      [(-i,) for i in range(1, 3001)])
    setup.commit()
    setup.close()

    stop = threading.Event()
    first_commit = threading.Event()
    committed = [0]
    errors: list[BaseException] = []

    def writer() -> None:
        conn = sqlite3.connect(db_file, timeout=60, isolation_level=None)
        try:
            n = 0
            while not stop.is_set():
                n += 1
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO stress (pair, filler) VALUES (?, randomblob(2000))",
                             (n,))
                conn.execute("INSERT INTO stress (pair, filler) VALUES (?, randomblob(2000))",
                             (n,))
                conn.execute("UPDATE tally SET n = ?", (n,))
                conn.execute("COMMIT")
                committed[0] = n
                first_commit.set()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_commit.wait(30)
        overlapped = False
        for attempt in range(5):  # until a backup has certainly run while commits landed
            start = committed[0]
            archive = run_backup(Location.resolve(demo_home), tmp_path / f"b{attempt}.zip").path
            end = committed[0]
            copy = tmp_path / f"copy{attempt}"
            with zipfile.ZipFile(archive) as zf:
                zf.extract(DB_FILE_NAME, copy)
            conn = sqlite3.connect(copy / DB_FILE_NAME)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                (tally,) = conn.execute("SELECT n FROM tally").fetchone()
                pairs = conn.execute("SELECT pair, count(*) FROM stress WHERE pair > 0 "
                                     "GROUP BY pair").fetchall()
            finally:
                conn.close()
            assert start <= tally <= end
            assert pairs == [(n, 2) for n in range(1, tally + 1)]
            overlapped = overlapped or end > start
            if overlapped:
                break
        assert overlapped
    finally:
        stop.set()
        thread.join()
    assert errors == []


def test_backup_of_each_kind_of_database(db, tmp_path):
    """SQLite is backed up; a server is refused, naming pg_dump and the server."""
    target = tmp_path / "b.zip"
    if db.location.is_sqlite:
        assert run_backup(db.location, target).path == target
        return
    with pytest.raises(InputRefused) as refused:
        run_backup(db.location, target)
    assert "pg_dump" in str(refused.value)
    assert db.location.describe() in str(refused.value)
    assert not target.exists()


def test_backup_on_a_server_never_shows_the_password(tmp_path):
    location = Location(url="postgresql+psycopg://clerk:s3cret-pw@dbserver:5432/factor_desk",
                        home=tmp_path)
    with pytest.raises(InputRefused) as refused:
        run_backup(location, tmp_path / "b.zip")
    message = str(refused.value)
    assert "pg_dump" in message and "dbserver" in message and "factor_desk" in message
    assert "s3cret-pw" not in message


# ------------------------------------------------------------------ backup refusals


def test_backup_never_overwrites_an_existing_file_unless_asked(demo_home, tmp_path):
    target = tmp_path / "monday.zip"
    target.write_bytes(b"last week's backup")
    with pytest.raises(InputRefused) as refused:
        run_backup(Location.resolve(demo_home), target)
    assert str(target) in str(refused.value)
    assert target.read_bytes() == b"last week's backup"
    assert leftovers(tmp_path) == []
    run_backup(Location.resolve(demo_home), target, replace=True)
    assert zipfile.is_zipfile(target)


@pytest.mark.parametrize("where", ["missing folder", "a folder", "inside a file"])
def test_backup_refuses_a_destination_it_cannot_write_naming_it(demo_home, tmp_path, where):
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    target = {"missing folder": tmp_path / "no such folder" / "b.zip",
              "a folder": tmp_path,
              "inside a file": tmp_path / "plain.txt" / "b.zip"}[where]
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(InputRefused) as refused:
        run_backup(Location.resolve(demo_home), target)
    assert str(target) in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_backup_of_a_folder_without_a_database_is_refused(tmp_path):
    with pytest.raises(InputRefused) as refused:
        run_backup(Location.resolve(tmp_path / "nothing"), tmp_path / "b.zip")
    assert "nothing" in str(refused.value)
    assert not (tmp_path / "nothing").exists() and not (tmp_path / "b.zip").exists()


def test_a_cancelled_backup_leaves_nothing(demo_home, tmp_path):
    target = tmp_path / "b.zip"
    steps = backups.backup(Location.resolve(demo_home), target, should_stop=lambda: True)
    with pytest.raises(FactorDeskError):
        run_to_end(steps)
    assert not target.exists() and leftovers(tmp_path) == []


# ------------------------------------------------------------------ restore refusals


@pytest.fixture
def archive(demo_home, tmp_path) -> Path:
    return run_backup(Location.resolve(demo_home), tmp_path / "good.zip").path


@pytest.mark.parametrize("holds", ["database", "documents"])
def test_restore_refuses_a_folder_that_holds_data(archive, tmp_path, holds):
    target = tmp_path / "busy"
    if holds == "database":
        Database(Location.resolve(target)).dispose()
    else:
        (target / "documents" / "ab").mkdir(parents=True)
        (target / "documents" / "ab" / "scan.pdf").write_bytes(b"%PDF-1.4 mine")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    with pytest.raises(InputRefused) as refused:
        run_restore(archive, target)
    assert str(target) in str(refused.value)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert leftovers(tmp_path) == []


def _damaged_document(name, data):
    return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("documents/") else data


def _manifest_changed(**changes):
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        for key, value in changes.items():
            if callable(value):
                value(manifest)
            else:
                manifest[key] = value
        return json.dumps(manifest).encode()
    return change


def _escaping_path(manifest):
    manifest["files"][0]["path"] = "../escaped.sqlite3"


@pytest.mark.parametrize("damage", [
    "document changed", "document missing", "truncated", "not a zip", "foreign zip",
    "manifest garbled", "path escapes", "database changed"])
def test_restore_refuses_a_damaged_or_foreign_archive_writing_nothing(archive, tmp_path,
                                                                      damage):
    bad = tmp_path / "bad.zip"
    if damage == "document changed":
        rewrite_zip(archive, bad, _damaged_document)
    elif damage == "document missing":
        dropped = []

        def drop_one(name, data):
            if name.startswith("documents/") and not dropped:
                dropped.append(name)
                return None
            return data
        rewrite_zip(archive, bad, drop_one)
    elif damage == "truncated":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "not a zip":
        bad.write_text("Invoice,Amount\n1,2\n", encoding="utf-8")
    elif damage == "foreign zip":
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("Schedule_of_Accounts.csv", "a,b\n")
    elif damage == "manifest garbled":
        rewrite_zip(archive, bad, lambda n, d: b"{not json" if n == "manifest.json" else d)
    elif damage == "path escapes":
        rewrite_zip(archive, bad, _manifest_changed(files=_escaping_path))
    elif damage == "database changed":
        rewrite_zip(archive, bad, lambda n, d: d[:100] + b"X" + d[101:]
                    if n == DB_FILE_NAME else d)
    target = tmp_path / "new"
    with pytest.raises(InputRefused) as refused:
        run_restore(bad, target)
    assert "bad.zip" in str(refused.value)
    assert not target.exists()
    assert not (tmp_path / "escaped.sqlite3").exists()
    assert leftovers(tmp_path) == []


def test_restore_refuses_a_backup_from_a_newer_schema_naming_the_revisions(archive, tmp_path):
    newer = tmp_path / "newer.zip"
    rewrite_zip(archive, newer, _manifest_changed(alembic_revision="0099_from_the_future",
                                                  factor_desk_version="9.0.0"))
    with pytest.raises(InputRefused) as refused:
        run_restore(newer, tmp_path / "new")
    message = str(refused.value)
    assert "0099_from_the_future" in message and str(head_revision()) in message
    assert "9.0.0" in message
    assert not (tmp_path / "new").exists()


def test_a_missing_archive_is_refused_naming_it(tmp_path):
    with pytest.raises(InputRefused) as refused:
        run_restore(tmp_path / "nowhere.zip", tmp_path / "new")
    assert "nowhere.zip" in str(refused.value)
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------ automatic backups


def auto_files(home: Path) -> list[str]:
    folder = home / "backups"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_new_empty_database_is_not_backed_up(tmp_path):
    home = tmp_path / "fresh"
    for _ in range(2):
        Database(Location.resolve(home)).dispose()
    assert auto_files(home) == []


def test_the_first_open_of_a_day_keeps_one_backup(demo_home):
    Database(Location.resolve(demo_home)).dispose()
    made = auto_files(demo_home)
    assert len(made) == 1 and auto_backup.BACKUP_NAME.match(made[0])
    Database(Location.resolve(demo_home)).dispose()
    assert auto_files(demo_home) == made
    restored = run_restore(demo_home / "backups" / made[0], demo_home.parent / "r")
    assert dump(restored.home / DB_FILE_NAME) == dump(demo_home / DB_FILE_NAME)


def test_automatic_backups_can_be_turned_off(demo_home, monkeypatch):
    monkeypatch.setenv("FACTOR_DESK_AUTO_BACKUP", "0")
    Database(Location.resolve(demo_home)).dispose()
    assert auto_files(demo_home) == []


def test_one_backup_a_day_and_the_last_seven_kept(demo_home):
    location = Location.resolve(demo_home)
    folder = demo_home / "backups"
    folder.mkdir()
    (folder / "my notes.zip").write_bytes(b"mine")  # not ours: never deleted
    (folder / "factor_desk-latest.zip").write_bytes(b"mine too")
    db = Database(location, migrate=False)
    try:
        start = dt.datetime(2026, 11, 1, 8, 30)
        for day in range(10):
            morning = start + dt.timedelta(days=day)
            assert auto_backup.automatic_backup(location, db.engine, now=morning) is not None
            later = morning + dt.timedelta(hours=9)
            assert auto_backup.automatic_backup(location, db.engine, now=later) is None
    finally:
        db.dispose()
    assert auto_files(demo_home) == sorted(
        ["my notes.zip", "factor_desk-latest.zip"]
        + [f"factor_desk-2026-11-{d:02d}-0830.zip" for d in range(4, 11)])


def test_a_schema_upgrade_is_preceded_by_a_backup(demo_home, monkeypatch):
    Database(Location.resolve(demo_home)).dispose()  # today's backup is made
    assert len(auto_files(demo_home)) == 1
    older = current_revision_of(demo_home)
    monkeypatch.setattr("factor_desk.db.auto_backup.newest_revision",
                        lambda: "0002_pretend_newer")
    Database(Location.resolve(demo_home)).dispose()
    made = auto_files(demo_home)
    assert len(made) == 2
    reasons = []
    for name in made:
        with zipfile.ZipFile(demo_home / "backups" / name) as zf:
            reasons.append(json.loads(zf.read("manifest.json"))["reason"])
    upgrade = next(r for r in reasons if r != "daily")
    assert older in upgrade and "0002_pretend_newer" in upgrade


def test_an_upgrade_whose_backup_cannot_be_written_is_refused(demo_home, monkeypatch):
    (demo_home / "backups").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setattr("factor_desk.db.auto_backup.newest_revision",
                        lambda: "0002_pretend_newer")
    with pytest.raises(InputRefused) as refused:
        Database(Location.resolve(demo_home))
    assert "backups" in str(refused.value)


def current_revision_of(home: Path) -> str:
    conn = sqlite3.connect(home / DB_FILE_NAME)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


# ------------------------------------------------------------------ command line


def test_cli_backup_and_restore(demo_home, tmp_path, capsys):
    target = tmp_path / "b.zip"
    assert main(["--home", str(demo_home), "backup", "--to", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert main(["--home", str(demo_home), "backup", "--to", str(target)]) == 3
    err = capsys.readouterr().err
    assert str(target) in err and "--replace" in err
    assert main(["--home", str(demo_home), "backup", "--to", str(target), "--replace",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["path"] == str(target) and out["documents"] > 0

    new_home = tmp_path / "new"
    assert main(["--home", str(new_home), "restore", str(target)]) == 0
    assert f"--home {new_home}" in capsys.readouterr().out
    assert dump(new_home / DB_FILE_NAME) == dump(demo_home / DB_FILE_NAME)
    assert main(["--home", str(new_home), "restore", str(target)]) == 3
    assert str(new_home) in capsys.readouterr().err


def test_cli_backup_on_postgresql_exits_3_naming_pg_dump(tmp_path, capsys):
    code = main(["--db", "postgresql+psycopg://clerk:s3cret-pw@dbserver/factor_desk",
                 "--home", str(tmp_path), "backup", "--to", str(tmp_path / "b.zip")])
    err = capsys.readouterr().err
    assert code == 3
    assert "pg_dump" in err and "dbserver" in err and "s3cret-pw" not in err



def test_a_cancelled_restore_leaves_nothing(archive, tmp_path):
    target = tmp_path / "new"
    with pytest.raises(FactorDeskError):
        run_to_end(backups.restore(archive, target, should_stop=lambda: True))
    assert not target.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("name", [DB_FILE_NAME, f"{DB_FILE_NAME}-wal", "documents/x.zip"])
def test_backup_refuses_to_write_over_the_data_itself(demo_home, name):
    target = demo_home / name
    db_before = (demo_home / DB_FILE_NAME).read_bytes()
    with pytest.raises(InputRefused) as refused:
        run_backup(Location.resolve(demo_home), target, replace=True)
    assert str(target) in str(refused.value)
    assert (demo_home / DB_FILE_NAME).read_bytes() == db_before
    assert name == DB_FILE_NAME or not target.exists()

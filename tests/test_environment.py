"""Every problem of the computer around Factor Desk (a database in use, read-only, damaged
or newer; a server that does not answer; a bad URL; a locked or full disk) is a refusal a
clerk understands: exit 3 (2 for a bad URL), one sentence naming the file or server and
what to do, no traceback, and nothing changed. Exit 1 stays for bugs."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import LOAD_HEADER, load_row, write_loads_csv
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factor_desk import __version__
from factor_desk.cli import main
from factor_desk.db import database
from factor_desk.db.database import DB_FILE_NAME, Database, Location
from factor_desk.db.migrate import head_revision
from factor_desk.domain.errors import EnvironmentRefused

PG_URL = os.environ.get("FACTOR_DESK_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="FACTOR_DESK_TEST_PG_URL is not set")


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(code: int, err: str, *needles: str) -> None:
    assert code == 3, err
    assert "Traceback" not in err and "hit a bug" not in err, err
    for needle in needles:
        assert needle.lower() in err.lower(), (needle, err)


def made_home(tmp_path: Path) -> Path:
    """A data folder with a migrated (empty) database."""
    home = tmp_path / "home"
    Database(Location.resolve(home)).dispose()
    return home


def table_names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
    finally:
        conn.close()


# ------------------------------------------------------------- a database in use


def test_the_busy_timeout_is_ten_seconds_not_a_minute(tmp_path):
    db = Database(Location.resolve(tmp_path))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        db.dispose()


def test_a_database_locked_by_another_program_is_refused_after_the_busy_timeout(
        tmp_path, capsys, monkeypatch):
    home = made_home(tmp_path)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.3)
    other = sqlite3.connect(home / DB_FILE_NAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program writes (DB Browser, a second copy)
    try:
        started = time.perf_counter()
        code, out, err = run(capsys, "--home", home, "demo", "--loads", "2", "--json")
        waited = time.perf_counter() - started
        assert_refused(code, err, str(home / DB_FILE_NAME), "in use by another program",
                       "close it and try again")
        assert json.loads(out)["ok"] is False
        assert "in use by another program" in json.loads(out)["error"]
        assert waited < 5
    finally:
        other.rollback()
        other.close()
    # nothing was half done: once the other program lets go, the same command works
    code, out, err = run(capsys, "--home", home, "demo", "--loads", "2")
    assert code == 0, err


# ------------------------------------------------------------- read-only, damaged


def _run_cli_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI as a user that the file permissions apply to (root ignores them)."""
    command = [sys.executable, "-m", "factor_desk", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, env=env, timeout=120)


@pytest.fixture
def shared_tmp():
    """A folder every user can reach (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="factor_desk_env_"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(path)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_is_refused_naming_the_file(shared_tmp, what):
    home = made_home(shared_tmp)
    db_file = home / DB_FILE_NAME
    before = db_file.read_bytes()
    if what == "file":
        db_file.chmod(0o444)  # the folder stays writable (by its owner only, as usual)
        home.chmod(0o777)
    else:
        db_file.chmod(0o666)
        home.chmod(0o555)
    for p in home.iterdir():
        if p != db_file:
            p.chmod(0o444)
    result = _run_cli_unprivileged(["--home", str(home), "demo", "--loads", "2"], shared_tmp)
    assert_refused(result.returncode, result.stderr, str(db_file), "read-only")
    assert db_file.read_bytes() == before


def test_a_file_of_random_bytes_is_a_damaged_database(tmp_path, capsys):
    home = tmp_path / "home"
    home.mkdir()
    (home / DB_FILE_NAME).write_bytes(os.urandom(8192))
    code, out, err = run(capsys, "--home", home, "company", "show", "--json")
    assert_refused(code, err, str(home / DB_FILE_NAME), "damaged", "restore a backup")
    assert json.loads(out)["ok"] is False


def test_a_truncated_database_is_a_damaged_database(tmp_path, capsys):
    home = made_home(tmp_path)
    assert run(capsys, "--home", home, "demo", "--loads", "30")[0] == 0
    Database(Location.resolve(home)).dispose()  # checkpoint the WAL into the file
    db_file = home / DB_FILE_NAME
    for extra in (home / (DB_FILE_NAME + "-wal"), home / (DB_FILE_NAME + "-shm")):
        extra.unlink(missing_ok=True)
    data = db_file.read_bytes()
    assert len(data) > 8 * 4096
    db_file.write_bytes(data[: len(data) // 3])  # a copy cut short (a full USB stick)
    code, out, err = run(capsys, "--home", home, "loads", "list")
    assert_refused(code, err, str(db_file), "damaged", "restore a backup")


# ------------------------------------------------------------- made by a newer version


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_a_database_made_by_a_newer_factor_desk_is_refused_untouched(db_url, home, capsys):
    future = "0099_made_by_factor_desk_9"
    _set_revision(db_url, future)
    try:
        code, out, err = run(capsys, "--db", db_url, "--home", home, "demo", "--loads", "2",
                             "--json")
        assert_refused(code, err, "newer Factor Desk", future, f"Factor Desk {__version__}",
                       str(head_revision()))
        assert json.loads(out)["ok"] is False
        engine = create_engine(db_url)
        with engine.connect() as conn:  # neither upgraded nor downgraded, nothing written
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == future
            assert conn.execute(text("SELECT count(*) FROM loads")).scalar() == 0
        engine.dispose()
    finally:
        _set_revision(db_url, str(head_revision()))


# ------------------------------------------------------------- servers


def _no_password(err: str) -> None:
    assert "s3cret" not in err


def test_a_server_that_does_not_answer_is_refused_naming_it(capsys, tmp_path):
    url = "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/factor_desk"
    code, out, err = run(capsys, "--db", url, "--home", tmp_path, "company", "show", "--json")
    assert_refused(code, err, "127.0.0.1:1", "clerk@")
    _no_password(err + out)
    assert json.loads(out)["ok"] is False


def test_a_server_that_hangs_times_out_within_the_connect_timeout(capsys, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(database, "CONNECT_TIMEOUT_SECONDS", 1)
    silent = socket.socket()  # accepts the connection (the kernel does) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        started = time.perf_counter()
        code, out, err = run(capsys, "--db",
                             f"postgresql+psycopg://clerk:s3cret@127.0.0.1:{port}/fd",
                             "--home", tmp_path, "company", "show")
        assert time.perf_counter() - started < 15
    finally:
        silent.close()
    assert_refused(code, err, f"127.0.0.1:{port}", "did not answer")
    _no_password(err)


def test_connections_to_a_server_time_out_in_a_few_seconds():
    assert 1 <= database.CONNECT_TIMEOUT_SECONDS <= 10


@needs_pg
def test_a_server_that_refuses_the_login_is_refused_naming_it(capsys, tmp_path):
    url = make_url(PG_URL).set(username="no_such_clerk", password="s3cret")
    code, out, err = run(capsys, "--db", url.render_as_string(hide_password=False),
                         "--home", tmp_path, "company", "show")
    assert_refused(code, err, "no_such_clerk@", f"{url.host}:{url.port or 5432}",
                   "refused the login")
    _no_password(err)


@needs_pg
def test_a_database_missing_on_the_server_is_refused_naming_it(capsys, tmp_path):
    url = make_url(PG_URL).set(database="no_such_factor_desk")
    code, out, err = run(capsys, "--db", url.render_as_string(hide_password=False),
                         "--home", tmp_path, "company", "show")
    assert_refused(code, err, "has no database named 'no_such_factor_desk'")


# ------------------------------------------------------------- the URL itself


@pytest.mark.parametrize("url", ["not a url", "postgres://clerk:s3cret@server/factor_desk",
                                 "mssql+nosuchdriver://x@y/z", "sqlite:/relative.db:",
                                 "postgresql+psycopg://clerk:s3cret@server:notaport/fd"])
def test_an_unparsable_db_url_is_a_usage_error_showing_what_one_looks_like(
        url, capsys, tmp_path):
    code, out, err = run(capsys, "--db", url, "--home", tmp_path, "company", "show")
    assert code == 2, err
    assert "Traceback" not in err
    assert "postgresql+psycopg://" in err and "sqlite:///" in err
    assert "--db" in err
    _no_password(err)


def test_a_database_driver_that_is_not_installed_is_refused_saying_how(capsys, tmp_path):
    import importlib.util

    if importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed here")
    code, out, err = run(capsys, "--db", "mysql+pymysql://clerk:s3cret@127.0.0.1/fd",
                         "--home", tmp_path, "company", "show")
    assert_refused(code, err, "driver", "not installed", "127.0.0.1")
    _no_password(err)


def test_a_bad_factor_desk_db_variable_is_a_usage_error_naming_it(capsys, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("FACTOR_DESK_DB", "nonsense")
    code, out, err = run(capsys, "--home", tmp_path, "company", "show")
    assert code == 2, err
    assert "FACTOR_DESK_DB" in err and "postgresql+psycopg://" in err


# ------------------------------------------------------------- a vanished database


def test_a_vanished_database_beside_its_documents_is_reported_not_replaced(tmp_path, capsys):
    home = made_home(tmp_path)
    stored = home / "documents" / "ab" / "abcdef.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"%PDF-1.4 a scanned POD")
    (home / DB_FILE_NAME).unlink()
    for extra in (home / (DB_FILE_NAME + "-wal"), home / (DB_FILE_NAME + "-shm")):
        extra.unlink(missing_ok=True)
    code, out, err = run(capsys, "--home", home, "demo", "--json")
    assert_refused(code, err, str(home / DB_FILE_NAME), str(home / "documents"),
                   "restore a backup")
    assert json.loads(out)["ok"] is False
    assert not (home / DB_FILE_NAME).exists()


def test_a_data_folder_that_cannot_be_made_is_refused_naming_it(tmp_path, capsys):
    taken = tmp_path / "Factor Desk"
    taken.write_text("a file where the data folder should be", encoding="utf-8")
    code, out, err = run(capsys, "--home", taken, "company", "show")
    assert_refused(code, err, f"data folder {taken} cannot be made")


def test_a_new_empty_folder_still_gets_a_new_database(tmp_path, capsys):
    home = tmp_path / "new"
    assert run(capsys, "--home", home, "demo", "--loads", "2")[0] == 0
    assert "loads" in table_names(home / DB_FILE_NAME)
    again = tmp_path / "with_empty_documents"
    (again / "documents").mkdir(parents=True)
    assert run(capsys, "--home", again, "company", "show")[0] == 0


# ------------------------------------------------------------- files and disks


@pytest.mark.parametrize(("code_", "needle"), [
    (errno.EACCES, "close it"), (errno.EBUSY, "in use"), (errno.EROFS, "read-only"),
    (errno.ENOSPC, "full"), (errno.EPERM, "close it")])
def test_a_locked_or_full_disk_anywhere_is_a_refusal_naming_the_file(
        code_, needle, tmp_path, capsys, monkeypatch):
    import factor_desk.services.company as company_service

    path = r"C:\Users\clerk\Factor Desk\documents\ab\abcdef.pdf"

    def locked(*args, **kwargs):
        raise OSError(code_, os.strerror(code_), path)

    monkeypatch.setattr(company_service, "get_profile", locked)
    code, out, err = run(capsys, "--home", made_home(tmp_path), "company", "show", "--json")
    assert_refused(code, err, path, needle)
    assert json.loads(out)["ok"] is False and path in json.loads(out)["error"]


def test_an_os_error_that_is_not_about_the_environment_stays_a_bug(tmp_path, capsys,
                                                                  monkeypatch):
    import factor_desk.services.company as company_service

    def broken(*args, **kwargs):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(company_service, "get_profile", broken)
    code, out, err = run(capsys, "--home", made_home(tmp_path), "company", "show")
    assert code == 1 and "hit a bug" in err


@pytest.mark.parametrize("kind", ["loads", "purchase"])
def test_save_a_template_into_a_read_only_folder_is_a_refusal(shared_tmp, kind):
    folder = shared_tmp / "Read only"
    folder.mkdir(mode=0o555)
    folder.chmod(0o555)
    target = folder / "Template.csv"
    args = (["loads", "template", "--to", str(target)] if kind == "loads" else
            ["reports", "template", "purchase", "--to", str(target)])
    result = _run_cli_unprivileged(["--home", str(shared_tmp / "home"), *args], shared_tmp)
    assert_refused(result.returncode, result.stderr, str(target))
    assert not target.exists()


# ------------------------------------------------------------- output encoding


@pytest.mark.slow
def test_output_is_utf8_through_a_cp1252_pipe(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "factor_desk", "--home", str(home),
                               *args], capture_output=True, env=env, timeout=120)

    assert cli("demo", "--loads", "3").returncode == 0
    loads_file = write_loads_csv(tmp_path / "Loads.csv", [
        load_row("77001", Customer="Łódź Cargo → East", **{"Customer MC": "MC-990011"})],
        LOAD_HEADER)
    done = cli("loads", "import", str(loads_file), "--subsidiary", "Blue Ridge Freight LLC")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    listed = cli("loads", "list", "--json")
    assert listed.returncode == 0, listed.stderr.decode("utf-8", "replace")
    rows = json.loads(listed.stdout.decode("utf-8"))
    assert "Łódź Cargo → East" in {r["customer"] for r in rows}
    eligible = json.loads(cli("loads", "list", "--subsidiary", "Blue Ridge Freight LLC",
                              "--eligible", "--json").stdout.decode("utf-8"))
    submitted = cli("batch", "submit", "--subsidiary", "Blue Ridge Freight LLC", "--loads",
                    ",".join(r["load_number"] for r in eligible if r["load_number"] != "77001"),
                    "--json")
    assert submitted.returncode == 0, submitted.stderr.decode("utf-8", "replace")
    batch = json.loads(submitted.stdout.decode("utf-8"))["batch"]
    shown = cli("batch", "show", batch)
    assert shown.returncode == 0, shown.stderr.decode("utf-8", "replace")
    assert "→" in shown.stdout.decode("utf-8")
    refused = cli("loads", "history", "Ł-404")
    assert refused.returncode == 3
    assert "Ł-404" in refused.stderr.decode("utf-8")


# ------------------------------------------------------------- the refusal itself


def test_an_environment_refusal_is_an_input_refusal_that_survives_a_worker_process():
    import pickle

    from factor_desk.domain.errors import InputRefused

    refusal = EnvironmentRefused("The database file X is in use by another program.")
    assert isinstance(refusal, InputRefused)
    copy = pickle.loads(pickle.dumps(refusal))
    assert type(copy) is EnvironmentRefused and str(copy) == str(refusal)

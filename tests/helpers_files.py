"""A SQLite file replaced under an open desk (db/file_guard.py): a desk on a copy of the
template, what a file holds read by a Database of its own, and ``replaced_office``, the
fixture the file-replaced tests share (tests/services/conftest.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from helpers import dump, make_carrier

from factor_desk.db.database import DB_FILE_NAME, Database, Location
from factor_desk.services import company
from factor_desk.services.desk import Desk


def sqlite_desk(home: Path, template: Path) -> Desk:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, home / DB_FILE_NAME)
    return Desk.open(Location.resolve(home))


def subsidiaries(desk: Desk) -> list[str]:
    return [s.name for s in desk.profile().subsidiaries]


def file_dump(path: Path) -> dict:
    """Every row of the database file at ``path``, read by a Database of its own."""
    db = Database(Location(url=f"sqlite:///{path.as_posix()}", home=path.parent),
                  migrate=False)
    try:
        return dump(db)
    finally:
        db.dispose()


def replaced_office(tmp_path: Path, template: Path) -> Iterator[tuple[Desk, Path, Path, Path]]:
    """``mine``: the clerk's desk on home/, Acme Group (Acme Freight, Beta Haulers), with
    its last writes still in the -wal; ``other``: another valid database file (Zeta
    Lines), closed, to be moved over mine; ``old``: a hard link to mine's file, which
    keeps the old file readable after it left the path."""
    mine = sqlite_desk(tmp_path / "home", template)
    make_carrier(mine.db, required=())
    theirs = sqlite_desk(tmp_path / "other", template)
    with theirs.db.write() as work:
        company.ensure_company(work, "Zeta Group")
        company.add_subsidiary(work, "Zeta Lines", code="ZETA")
    theirs.close()
    path = tmp_path / "home" / DB_FILE_NAME
    old = tmp_path / "old.sqlite3"
    os.link(path, old)
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # mine's writes are in its -wal
    yield mine, path, tmp_path / "other" / DB_FILE_NAME, old
    mine.close()

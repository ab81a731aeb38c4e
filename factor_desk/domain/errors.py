"""Errors a user can cause. Each carries a message a billing clerk understands.

Anything else that escapes is a bug and is shown as such.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from factor_desk.domain.text import excerpt


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input: where it is and what was expected."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {excerpt(self.column)}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _rebuild(cls: type[FactorDeskError], state: dict[str, Any]) -> FactorDeskError:
    error = Exception.__new__(cls)
    error.__dict__.update(state["attrs"])
    error.args = state["args"]
    return error


class FactorDeskError(Exception):
    """Base of every error the user can cause; the database is left as it was."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than they store: pickle the state itself, so an
        # error raised in a worker process reaches the window whole.
        return _rebuild, (self.__class__, {"attrs": dict(self.__dict__), "args": self.args})


class InputRefused(FactorDeskError):
    """The request was refused and nothing was changed. Holds every reason found."""

    def __init__(self, problems: Iterable[Problem | str], summary: str | None = None):
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        self.summary = summary or (
            self.problems[0].message if len(self.problems) == 1 else
            f"{len(self.problems)} problems found; nothing was changed."
        )
        super().__init__(self.summary)

    def __str__(self) -> str:
        if len(self.problems) == 1 and self.summary == self.problems[0].message:
            return str(self.problems[0])
        lines = [self.summary] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class NotFound(InputRefused):
    """A thing the user named does not exist."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])


class LifecycleError(InputRefused):
    """A billing status move that the lifecycle does not allow."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])


class EnvironmentRefused(InputRefused):
    """The computer around Factor Desk, not the clerk's input, stops the work: a file in use
    by another program, a read-only folder, a full disk, a damaged or newer database, a
    server that does not answer. The message names the file or server and what to do;
    nothing was changed."""

    def __init__(self, message: str):
        super().__init__([Problem(message)])


class BadDatabaseUrl(FactorDeskError):
    """The --db URL (or FACTOR_DESK_DB) is no database URL: a usage error (exit 2)."""

    EXAMPLES = ("postgresql+psycopg://clerk@dbserver/factor_desk for a PostgreSQL server, "
                "or sqlite:///C:/Users/clerk/factor_desk.sqlite3 for a SQLite file")

    def __init__(self, url: str, source: str, reason: str = ""):
        self.url, self.source, self.reason = url, source, reason
        super().__init__(f"{source} {_quote(url)} is not a database URL"
                         f"{f' ({reason})' if reason else ''}. A URL looks like "
                         f"{self.EXAMPLES}.")


def _quote(url: str) -> str:
    # An unparsable URL may still carry a password: never repeat it.
    return excerpt(re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url), limit=80)


# errno values that mean "something outside Factor Desk holds or blocks the file". On
# Windows a file open in Excel or Acrobat (a sharing violation) arrives as EACCES.
_LOCKED = {errno.EACCES, errno.EPERM}
_BUSY = {errno.EBUSY, getattr(errno, "ETXTBSY", errno.EBUSY)}
_READ_ONLY = {errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def refusal_for_os_error(exc: BaseException) -> EnvironmentRefused | None:
    """The refusal for a file that is locked, read-only or on a full disk, or None when
    ``exc`` is no such error (then it is a bug, shown as one). A last resort for the CLI and
    the window's job runner; call sites that know better say more."""
    if not isinstance(exc, OSError) or isinstance(exc, FactorDeskError):
        return None
    name = exc.filename2 if exc.filename is None else exc.filename
    if exc.errno in _FULL:
        where = f" holding {_name(name)}" if name is not None else ""
        return EnvironmentRefused(f"The disk{where} is full; free some space, or choose "
                                  "another place, and try again.")
    if name is None:
        return None
    if exc.errno in _LOCKED:
        return EnvironmentRefused(
            f"Factor Desk cannot open or write {_name(name)}: another program (Excel, a PDF "
            "viewer) has it open, or you lack permission there; close it, or choose another "
            "place, and try again.")
    if exc.errno in _BUSY:
        return EnvironmentRefused(
            f"{_name(name)} is in use by another program; close it and try again.")
    if exc.errno in _READ_ONLY:
        return EnvironmentRefused(
            f"{_name(name)} is on a read-only disk; choose another place and try again.")
    return None


def _name(filename: object) -> str:
    return os.fsdecode(filename) if isinstance(filename, (str, bytes, os.PathLike)) \
        else str(filename)


class DatabaseFileReplaced(EnvironmentRefused):
    """The SQLite database file at the data folder's path is no longer the file Factor Desk
    opened: another file took its place (a copy over it, a sync program, a restore by hand)
    or it is gone. Refused before anything reached the old file (db/file_guard.py)."""

    def __init__(self, message: str, file: str = "", *, gone: bool = False,
                 notice: str | None = None):
        """``notice``: what the window tells of it once the action's own refusal was
        shown (the words without "Nothing was saved from this action")."""
        super().__init__(message)
        self.file = file
        self.gone = gone
        self.notice = notice if notice is not None else message

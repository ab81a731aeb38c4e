"""Putting a download in place, and the errors a clerk can fix: renames tried again while a
file is briefly in use, the old download set aside and never lost, leftovers of a download
that was killed, and the clerk's words for a destination in use, read-only or full."""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from factor_desk.domain.errors import InputRefused, Problem

PARTIAL = ".partial-"
# An old download moved aside while the new one goes in; a name a clerk can read. A
# download that could not finish leaves it, and the next download removes it.
LEFTOVER = " (old, being replaced)"
# Seconds between tries of a rename that failed because a file was in use.
RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)


def retrying(op: Callable[..., Any], *args: Any) -> Any:
    """``op(*args)``, tried again for a moment when the file is in use: on Windows an
    antivirus, the search indexer or OneDrive opens a new file for a few hundred
    milliseconds, and a rename then fails."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return op(*args)
        except OSError as exc:
            if delay is None or not _in_use(exc):
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _leftover_name(folder: str, n: int) -> str:
    return f"{folder}{LEFTOVER}" if n == 1 else f"{folder}{LEFTOVER[:-1]} {n})"


def leftovers(to_dir: Path, folder: str) -> list[Path]:
    """The old downloads of this batch set aside by a download that could not finish."""
    pattern = re.compile(re.escape(folder + LEFTOVER[:-1]) + r"(?: \d+)?\)")
    try:
        entries = list(os.scandir(to_dir))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries
                  if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False))


def swap_into_place(work: Path, target: Path, folder: str) -> Path | None:
    """Put the new download at ``target``; an old one (already checked to be ours) is set
    aside as '<batch> (old, being replaced)' first. Whatever fails, ``target`` ends up
    holding the old download or the new one; returns where the old one was set aside."""
    if not os.path.lexists(target):
        retrying(os.replace, work, target)
        return None
    n = 1
    while os.path.lexists(target.with_name(_leftover_name(folder, n))):
        n += 1
    aside = target.with_name(_leftover_name(folder, n))
    retrying(os.replace, target, aside)  # refused: the old download stays where it was
    try:
        retrying(os.replace, work, target)
        return aside
    except OSError as exc:
        failure = exc
    try:
        retrying(os.replace, aside, target)  # the old download goes back
    except OSError:
        pass
    else:
        raise failure
    # Neither rename is allowed: a copy of the new download takes the path instead.
    if not os.path.lexists(target):
        try:
            shutil.copytree(work, target)
            return aside
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
    raise _SetAside(failure, aside)


class _SetAside(OSError):
    """The old download could neither stay nor go back: it is kept under ``aside``."""

    def __init__(self, cause: OSError, aside: Path):
        super().__init__(cause.errno, cause.strerror, cause.filename)
        self.cause = cause
        self.aside = aside


# ------------------------------------------------------------------ errors a clerk can fix

_IN_USE_WINERRORS = {5, 32, 33}  # access denied, sharing violation, lock violation


def _in_use(exc: OSError) -> bool:
    return (isinstance(exc, PermissionError)
            or exc.errno in (errno.EBUSY, getattr(errno, "ETXTBSY", errno.EBUSY))
            or getattr(exc, "winerror", None) in _IN_USE_WINERRORS)


def _what_to_close(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "Close it in Acrobat (or the PDF viewer showing it)"
    if suffix in (".xlsx", ".csv"):
        return "Close it in Excel"
    if suffix == ".zip":
        return "Close the window or program showing it"
    return ("Close the packets in Acrobat, the schedule in Excel and any window showing "
            "the folder")


def clerks_words(exc: OSError, default: Path, shown: dict[Path, Path],
                  to_dir: Path) -> tuple[Path, str] | None:
    """Which file or folder, and what the clerk can do about it, for a destination in
    use, read-only, full or changed under us; None for an error that is a bug."""
    raw = exc.filename or default
    path = Path(os.fsdecode(raw)) if isinstance(raw, str | bytes | os.PathLike) else default
    for hidden, visible in shown.items():  # name what the clerk sees, not our temp folder
        if path == hidden or hidden in path.parents:
            path = visible / path.relative_to(hidden)
            break
    if _in_use(exc):
        return path, (f"it is open in another program, or Factor Desk may not write there. "
                      f"{_what_to_close(path)}, then download again; if nothing has it open, "
                      "choose a folder you may write to.")
    if exc.errno == errno.EROFS:
        return path, "the disk is read-only: choose another folder and download again."
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return path, ("the disk is full: free some space or choose another folder, and "
                      "download again.")
    if exc.errno == errno.ENAMETOOLONG:
        return path, ("the path is too long: choose a folder nearer the top of the drive "
                      "and download again.")
    if exc.errno == errno.EIO:
        return path, ("the disk could not be written (a disconnected drive?): download "
                      "again.")
    inside = path == to_dir or to_dir in path.parents
    if inside and exc.errno in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
        return path, ("it was changed by another program while the batch was being saved "
                      "(a sync or backup program?): download again.")
    return None


def refusal(exc: OSError, default: Path, shown: dict[Path, Path],
             to_dir: Path) -> InputRefused | None:
    """The clerk's message for ``exc``, naming the path; None for an error that is a bug."""
    if isinstance(exc, _SetAside):
        words = clerks_words(exc.cause, default, shown, to_dir)
        path, sentence = words or (default, f"it could not be replaced ({exc.strerror}).")
        return InputRefused([Problem(
            f"{sentence} The new download could not be put in its place, nor the earlier "
            f"one back: the earlier download is kept, whole, in '{exc.aside.name}' beside "
            "it.", file=str(path))])
    words = clerks_words(exc, default, shown, to_dir)
    if words is None:
        return None
    path, sentence = words
    return InputRefused([Problem(f"{sentence} Nothing was replaced.", file=str(path))])


def remove_stale_partials(to_dir: Path, folder_name: str) -> None:
    """Folders left by an export that was killed (its process is gone)."""
    for path in to_dir.glob(f".{glob.escape(folder_name)}*{PARTIAL}*"):
        pid = path.name.rsplit(PARTIAL, 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would end the process there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
            return True
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

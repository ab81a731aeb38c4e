"""Writing a file the clerk named, whole or not at all: into a hidden file beside it, then
moved into place, refused in the clerk's words when it cannot be (the aging report, the
journal)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from factor_desk.domain.errors import (
    EnvironmentRefused,
    InputRefused,
    Problem,
    refusal_for_os_error,
)


def _refused(path: Path, message: str) -> InputRefused:
    return InputRefused([Problem(message, file=str(path))])


def write_new_file(path: str | os.PathLike[str], data: bytes, *, replace: bool = False
                   ) -> Path:
    """Write ``data`` to ``path`` whole or not at all: into a hidden file beside it, then
    moved into place. Refused (nothing written) when a file is there already and
    ``replace`` is false, when the path is a folder, when its folder does not exist, and
    when the disk will not take it (a file open in Excel, a read-only place, a full disk)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise _refused(target, "is a folder; give the name of the file to write")
    if target.exists() and not replace:
        raise _refused(target, "already exists; choose another name (or replace it)")
    if not target.parent.is_dir():
        raise _refused(target, "cannot be written: its folder does not exist")
    part = target.with_name(f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        try:
            with part.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if target.exists() and not replace:  # made meanwhile by someone else
                raise _refused(target, "already exists; choose another name (or replace it)")
            os.replace(part, target)
        except OSError as exc:
            exc.filename, exc.filename2 = str(target), None  # the clerk's name, not ours
            refusal = refusal_for_os_error(exc)
            if refusal is not None:
                raise refusal from None
            raise EnvironmentRefused(f"{target} cannot be written "
                                     f"({exc.strerror or exc}).") from None
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return target

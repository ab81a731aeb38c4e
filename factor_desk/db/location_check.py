"""Is the SQLite file in a synced folder or on a network share? SQLite's write-ahead log
relies on file locks and shared memory that OneDrive, iCloud Drive, Dropbox, Google Drive,
Box and network file systems (SMB, NFS, AFP, SSHFS) do not give it: the database is then
corrupted sooner or later (a sync that copies the file mid-write, two machines that each
think they hold the lock). Found from the path (the folder names those services use), the
drive type on Windows, and the mount table elsewhere; cheap enough to run at every open.
Not a refusal: the clerk is warned and told how to move, or to use PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from factor_desk.location import Location

DRIVE_REMOTE = 4  # GetDriveTypeW: a network (mapped) drive
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afpfs", "afs", "ncpfs",
    "fuse.sshfs", "sshfs", "osxfuse", "macfuse", "webdav", "davfs", "fuse.davfs2",
    "fuse.rclone", "9p", "ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs",
})
SYNCED = "a synced folder"

Mounts = Callable[[], list[tuple[str, str]]]  # (mount point, file system type)


def _cloud_storage_service(name: str) -> str:
    """The service of a macOS ~/Library/CloudStorage/<name> folder."""
    key = name.casefold()
    for prefix, service in (("onedrive", "OneDrive"), ("googledrive", "Google Drive"),
                            ("dropbox", "Dropbox"), ("box", "Box")):
        if key.startswith(prefix):
            return f"{service}, {SYNCED}"
    return f"{SYNCED} ({name})"


def _synced_service(parts: tuple[str, ...], windows: bool) -> str | None:
    keys = [p.casefold() for p in parts]
    if windows and len(keys) > 1 and keys[1] in ("my drive", "shared drives"):
        return f"Google Drive, {SYNCED}"  # Google Drive for desktop's own drive letter
    for i, key in enumerate(keys):
        following = keys[i + 1] if i + 1 < len(keys) else None
        if key == "library" and following == "mobile documents":
            return f"iCloud Drive, {SYNCED}"
        if key == "library" and following == "cloudstorage":
            return (_cloud_storage_service(parts[i + 2]) if i + 2 < len(parts)
                    else SYNCED)
        if key == "onedrive" or key.startswith("onedrive - "):
            return f"OneDrive, {SYNCED}"
        if key == "dropbox" or key.startswith("dropbox ("):
            return f"Dropbox, {SYNCED}"
        if key in ("google drive", "googledrive"):
            return f"Google Drive, {SYNCED}"
        if key in ("box", "box sync"):
            return f"Box, {SYNCED}"
        if key in ("iclouddrive", "icloud drive"):
            return f"iCloud Drive, {SYNCED}"
    return None


def _windows_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def _unescape(field: str) -> str:
    # /proc/mounts writes a space as \040, a tab as \011...
    return field.encode("latin-1", "backslashreplace").decode("unicode_escape")


def system_mounts() -> list[tuple[str, str]]:
    """The mount table: /proc/mounts on Linux, ``mount``'s output on macOS."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/mounts", encoding="utf-8", errors="replace") as fh:
                return [(_unescape(f[1]), f[2]) for f in (line.split() for line in fh)
                        if len(f) >= 3]
        if sys.platform == "darwin":  # pragma: no cover - macOS only
            out = subprocess.run(["/sbin/mount"], capture_output=True, text=True,
                                 encoding="utf-8", errors="replace", timeout=5).stdout
            mounts = []
            for line in out.splitlines():  # "//u@server/share on /Volumes/share (smbfs, ..."
                if " on " in line and " (" in line:
                    rest = line.split(" on ", 1)[1]
                    point, _, opts = rest.rpartition(" (")
                    mounts.append((point, opts.split(",")[0].strip(" )")))
            return mounts
    except (OSError, subprocess.SubprocessError):
        return []
    return []


def risky_place(path: str | os.PathLike[str], *, windows: bool | None = None,
                drive_type: Callable[[str], int] | None = None,
                mounts: Mounts | None = None) -> str | None:
    """What makes ``path`` (an absolute path) unsafe for SQLite, in words ("OneDrive, a
    synced folder", "a network share (\\\\server\\share)"), or None for a local folder.
    ``drive_type`` and ``mounts`` stand in for the system's (tests)."""
    windows = sys.platform == "win32" if windows is None else windows
    text = os.fspath(path)
    pure: PurePath
    if windows:
        pure = PureWindowsPath(text)
        drive = pure.drive
        if drive.upper().startswith("\\\\?\\UNC\\"):
            return f"a network share (\\\\{drive[8:]})"
        if drive.startswith("\\\\?\\"):  # a long-path prefix of a local path
            pure = PureWindowsPath(text[4:])
            drive = pure.drive
        if drive.startswith("\\\\") and not drive.startswith("\\\\.\\"):
            return f"a network share ({drive})"
        if len(drive) == 2 and drive[1] == ":":
            probe = drive_type or _windows_drive_type
            if probe(drive.upper() + "\\") == DRIVE_REMOTE:
                return f"a network drive ({drive.upper()})"
    else:
        pure = PurePosixPath(text)
        best: tuple[str, str] | None = None
        for point, fstype in (mounts or system_mounts)():
            mount = PurePosixPath(point)
            if (pure == mount or pure.is_relative_to(mount)) and (
                    best is None or len(point) > len(best[0])):
                best = (point, fstype)
        if best is not None and best[1].casefold() in NETWORK_FILE_SYSTEMS:
            return f"a network file system ({best[1]} at {best[0]})"
    return _synced_service(pure.parts, windows)


def data_folder_warning(location: Location, **probes: Any) -> str | None:
    """The warning for a SQLite database in a synced folder or on a network share (the
    place named, and how to move); None when the place is local or the data is on a
    server."""
    if not location.is_sqlite:
        return None
    database = make_url(location.url).database
    if not database or database == ":memory:":
        return None
    shown = os.path.abspath(database)
    place = None
    for candidate in dict.fromkeys((shown, os.path.realpath(database))):
        place = risky_place(candidate, **probes)
        if place:
            break
    if place is None:
        return None
    return (f"Warning: Factor Desk's database {shown} is in {place}. A SQLite database "
            "there can be corrupted when the folder syncs or the network drops while "
            "Factor Desk writes to it. Keep the data in a local folder (start Factor Desk "
            "with --home DIR, a folder on this computer outside any synced folder), or, for "
            "a team, on a PostgreSQL server: factor-desk --db "
            "postgresql+psycopg://USER@SERVER/factor_desk")


def check_data_folder(location: Location, warn: Callable[[str], None]) -> None:
    """Calls ``warn`` with the warning when the data's place is risky."""
    warning = data_folder_warning(location)
    if warning:
        warn(warning)

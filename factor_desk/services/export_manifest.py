"""What a download holds and whether what is in its way is ours: the zip, ``manifest.json``
(every file with its size and SHA-256), and the check that a download never deletes or
hides a file it did not make."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Set
from pathlib import Path

from factor_desk.documents.schedule import FILE_ATTRIBUTES
from factor_desk.domain.errors import InputRefused, Problem

MANIFEST = "manifest.json"
MADE_BY = "Factor Desk"
_SYSTEM_FILES = {".DS_Store", "Thumbs.db", "desktop.ini", "thumbs.db", ".localized"}


def zip_folder(work: Path, zip_path: Path, folder: str, files: list[str],
         created: dt.datetime) -> None:
    stamp = max(created, dt.datetime(1980, 1, 1)).timetuple()[:6]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # The same bytes on every system: zipfile records the host (0 on Windows, 3
            # elsewhere) and Unix permissions unless told otherwise.
            info.create_system = 0
            info.external_attr = FILE_ATTRIBUTES
            with (work / rel).open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


# ------------------------------------------------------------------ the manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_bytes(label: str, digests: dict[str, tuple[int, str]]) -> bytes:
    """JSON, one line per file, so that it reads in a text editor too."""
    head = {"made_by": MADE_BY,
            "what": f"Batch {label} as downloaded: every file, its size in bytes and SHA-256",
            "batch": label}
    lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    entries = [json.dumps({"path": rel, "bytes": size, "sha256": sha}, ensure_ascii=False)
               for rel, (size, sha) in sorted(digests.items())]
    text = "{\n" + "\n".join(lines) + '\n "files": [\n  ' + ",\n  ".join(entries) + "\n ]\n}\n"
    return text.encode("utf-8")


def write_manifest(work: Path, label: str) -> dict[str, tuple[int, str]]:
    """Write ``manifest.json`` (every file with its size and SHA-256: the factor can check
    what it received, and the next download knows the folder is ours and unchanged).
    Returns every file of the download, the manifest included, with its size and hash."""
    files = [path for path in work.rglob("*") if path.is_file()]
    # Two threads: hashlib and file reads let go of the GIL, so the hashing of a batch's
    # hundreds of MB runs on two cores (it was a sixth of a single-process download).
    with cf.ThreadPoolExecutor(max_workers=2) as hashing:
        hashes = list(hashing.map(_sha256, files))
    digests = {path.relative_to(work).as_posix(): (path.stat().st_size, sha)
               for path, sha in zip(files, hashes, strict=True)}
    data = _manifest_bytes(label, digests)
    (work / MANIFEST).write_bytes(data)
    digests[MANIFEST] = (len(data), hashlib.sha256(data).hexdigest())
    return digests


def _parse_manifest(data: bytes) -> dict[str, tuple[int, str]] | None:
    """The files a manifest lists, or None unless it is one this program wrote, unedited."""
    try:
        doc = json.loads(data)
        if doc.get("made_by") != MADE_BY or not isinstance(doc.get("batch"), str):
            return None
        listed = {f["path"]: (f["bytes"], f["sha256"]) for f in doc["files"]}
        if not all(isinstance(p, str) and type(n) is int and isinstance(h, str)
                   for p, (n, h) in listed.items()):
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return listed if _manifest_bytes(doc["batch"], listed) == data else None


# ------------------------------------------------------------------ never destroy a user's file


def _made_by_the_system(name: str) -> bool:
    """Files Finder, Explorer, Excel or LibreOffice put in a folder the clerk opened."""
    return (name in _SYSTEM_FILES or name.startswith(("._", "~$", ".~lock."))
            or name.casefold() in _SYSTEM_FILES)


def foreign_files(folder: Path, new: dict[str, tuple[int, str]] | None,
                   planned: Set[str] = frozenset()) -> list[str]:
    """What in ``folder`` an export did not make, or what changed since: every file that
    matches neither the folder's own manifest nor the file this download writes at the
    same place (``new``; before it is written, any ``planned`` path passes unread)."""
    try:
        own = _parse_manifest((folder / MANIFEST).read_bytes()) \
            if (folder / MANIFEST).is_file() else None
    except OSError:
        own = None
    foreign = []
    for root, dirs, file_names in os.walk(folder):
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)):  # a shortcut to elsewhere: not ours
                foreign.append(Path(root, d).relative_to(folder).as_posix())
                dirs.remove(d)
        for name in file_names:
            path = Path(root, name)
            rel = path.relative_to(folder).as_posix()
            if _made_by_the_system(name) or (rel == MANIFEST and own is not None):
                continue
            if not _is_ours(path, rel, own, new, planned):
                foreign.append(rel)
    return sorted(foreign)


def _is_ours(path: Path, rel: str, own: dict[str, tuple[int, str]] | None,
             new: dict[str, tuple[int, str]] | None, planned: Set[str]) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if new is None and rel in planned:
        return True
    expected = {x for x in ((own or {}).get(rel), (new or {}).get(rel)) if x}
    if not any(size == info.st_size for size, _ in expected):
        return False
    try:
        sha = _sha256(path)
    except OSError:
        return False
    return (info.st_size, sha) in expected


def _foreign_entries(zip_path: Path, folder: str, new: dict[str, tuple[int, str]] | None,
                     planned: Set[str]) -> list[str] | None:
    """Like ``foreign_files`` for a zip; None when it is no zip at all."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            prefix = folder + "/"
            try:
                own = _parse_manifest(zf.read(prefix + MANIFEST))
            except (KeyError, zipfile.BadZipFile, OSError, ValueError):
                own = None
            foreign = []
            for info in zf.infolist():
                if info.is_dir() and info.filename.startswith(prefix):
                    continue
                rel = info.filename[len(prefix):] if info.filename.startswith(prefix) \
                    else None
                if rel is None:
                    foreign.append(info.filename)
                elif rel == MANIFEST and own is not None:
                    continue
                elif new is None:
                    if rel not in planned:
                        foreign.append(info.filename)
                else:
                    expected = {x for x in ((own or {}).get(rel), new.get(rel)) if x}
                    if not any(size == info.file_size for size, _ in expected):
                        foreign.append(info.filename)
                        continue
                    digest = hashlib.sha256()
                    with zf.open(info) as fh:
                        for chunk in iter(lambda: fh.read(1 << 20), b""):
                            digest.update(chunk)
                    if (info.file_size, digest.hexdigest()) not in expected:
                        foreign.append(info.filename)
            return foreign
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError,
            RuntimeError):
        return None


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def refuse_if_in_the_way(target: Path, zip_target: Path | None, folder: str,
                          planned: Set[str], new: dict[str, tuple[int, str]] | None) -> None:
    """Refuse, naming the path, unless what is at ``target`` (and ``zip_target``) is an
    earlier download of this batch that nobody changed or added to: a download never
    deletes or hides a file it did not make."""
    problems = []
    if os.path.islink(target) or (os.path.lexists(target) and not target.is_dir()):
        problems.append(Problem(
            "this is a file or a shortcut, not a download of this batch; Factor Desk "
            "will not replace it. Rename or move it, or choose another folder, and "
            "download again.", file=str(target)))
    elif target.is_dir():
        foreign = foreign_files(target, new, planned)
        if foreign:
            problems.append(Problem(
                "this folder holds files Factor Desk did not make, or that were changed "
                f"since it made them: {_listing(foreign)}. Nothing was replaced: move "
                "them out of the folder (or rename the folder) and download again.",
                file=str(target)))
    if zip_target is not None and os.path.lexists(zip_target):
        if os.path.islink(zip_target) or not zip_target.is_file():
            problems.append(Problem(
                "this is a folder or a shortcut, not the batch's zip; Factor Desk will "
                "not replace it. Rename or move it, or choose another folder, and "
                "download again.", file=str(zip_target)))
        else:
            entries = _foreign_entries(zip_target, folder, new, planned)
            if entries is None or entries:
                problems.append(Problem(
                    "this is not a zip Factor Desk made for this batch, or it was "
                    "changed since"
                    + (f" ({_listing(entries)})" if entries else "")
                    + ". Nothing was replaced: rename or move it and download again.",
                    file=str(zip_target)))
    if problems:
        raise InputRefused(problems, summary=(
            f"Batch {folder} was not downloaded: nothing was replaced."
            if len(problems) > 1 else None))


"""Windows and macOS without a window: a SQLite data folder on a synced folder or a network
share is named with a warning (CLI: on stderr, the command still runs), and the program's
mutex the Windows installer waits for."""

from __future__ import annotations

import sys

import pytest

from factor_desk.db.location_check import DRIVE_REMOTE, data_folder_warning, risky_place

WINDOWS_SYNCED = [
    (r"C:\Users\ana\OneDrive\Factor Desk", "OneDrive"),
    (r"C:\Users\ana\OneDrive - Blue Ridge Freight LLC\Documents\Factor Desk", "OneDrive"),
    (r"c:\users\ana\onedrive\factor desk", "OneDrive"),
    (r"C:\Users\ana\Dropbox\Billing", "Dropbox"),
    (r"C:\Users\ana\Dropbox (Blue Ridge)\Billing", "Dropbox"),
    (r"C:\Users\ana\Google Drive\Factor Desk", "Google Drive"),
    (r"G:\My Drive\Factor Desk", "Google Drive"),
    (r"G:\Shared drives\Billing\Factor Desk", "Google Drive"),
    (r"C:\Users\ana\Box\Factor Desk", "Box"),
    (r"C:\Users\ana\iCloudDrive\Factor Desk", "iCloud Drive"),
]
MAC_SYNCED = [
    ("/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/Factor Desk", "iCloud Drive"),
    ("/Users/ana/Library/CloudStorage/OneDrive-BlueRidgeFreight/Factor Desk", "OneDrive"),
    ("/Users/ana/Library/CloudStorage/OneDrive-Personal/Factor Desk", "OneDrive"),
    ("/Users/ana/Library/CloudStorage/GoogleDrive-ana@example.com/My Drive/FD",
     "Google Drive"),
    ("/Users/ana/Library/CloudStorage/Dropbox/Factor Desk", "Dropbox"),
    ("/Users/ana/Library/CloudStorage/Box-Box/Factor Desk", "Box"),
    ("/Users/ana/Library/CloudStorage/pCloudDrive/Factor Desk", "a synced folder"),
    ("/Users/ana/Dropbox/Factor Desk", "Dropbox"),
    ("/home/ana/Dropbox/Factor Desk", "Dropbox"),
    ("/home/ana/OneDrive/Factor Desk", "OneDrive"),
]
LOCAL = [
    (r"C:\Users\ana\AppData\Local\Factor Desk", True),
    (r"D:\Billing\Boxes\Factor Desk", True),
    (r"C:\Users\ana\Documents\Dropbox export\Factor Desk", True),
    (r"\\?\C:\Users\ana\AppData\Local\Factor Desk", True),
    ("/home/ana/.local/share/Factor Desk", False),
    ("/Users/ana/Library/Application Support/Factor Desk", False),
    ("/Users/ana/Documents/Factor Desk", False),
]


def local_drive(root: str) -> int:
    return 3  # DRIVE_FIXED


@pytest.mark.parametrize(("path", "service"), WINDOWS_SYNCED)
def test_synced_folders_on_windows_are_named(path, service):
    assert service in risky_place(path, windows=True, drive_type=local_drive, mounts=list)


@pytest.mark.parametrize(("path", "service"), MAC_SYNCED)
def test_synced_folders_on_macos_and_linux_are_named(path, service):
    assert service in risky_place(path, windows=False, mounts=list)


@pytest.mark.parametrize(("path", "windows"), LOCAL)
def test_local_folders_are_not_flagged(path, windows):
    assert risky_place(path, windows=windows, drive_type=local_drive, mounts=list) is None


@pytest.mark.parametrize("path", [r"\\fileserver\billing\Factor Desk",
                                  r"//fileserver/billing/Factor Desk",
                                  r"\\?\UNC\fileserver\billing\Factor Desk"])
def test_a_unc_path_is_a_network_share(path):
    place = risky_place(path, windows=True, drive_type=local_drive, mounts=list)
    assert "network share" in place and "fileserver" in place.lower()


def test_a_mapped_network_drive_is_found_by_its_drive_type():
    asked = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root.upper() == "Z:\\" else 3

    assert "Z:" in risky_place(r"Z:\Billing\Factor Desk", windows=True,
                               drive_type=drive_type, mounts=list)
    assert risky_place(r"C:\Billing\Factor Desk", windows=True, drive_type=drive_type,
                       mounts=list) is None
    assert asked == ["Z:\\", "C:\\"]


@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3", "smbfs", "afpfs",
                                    "fuse.sshfs", "webdav"])
def test_a_network_mount_is_found_by_its_file_system(fstype):
    mounts = [("/", "ext4"), ("/mnt", "ext4"), ("/mnt/billing", fstype),
              ("/mnt/billing-local", "ext4")]
    place = risky_place("/mnt/billing/Factor Desk", windows=False, mounts=lambda: mounts)
    assert place and fstype in place
    assert risky_place("/mnt/billing-local/Factor Desk", windows=False,
                       mounts=lambda: mounts) is None
    assert risky_place("/home/ana/Factor Desk", windows=False, mounts=lambda: mounts) is None


def test_the_warning_names_the_place_and_offers_postgresql(tmp_path):
    from factor_desk.db.database import Location

    home = tmp_path / "OneDrive - Blue Ridge Freight LLC" / "Factor Desk"
    text = data_folder_warning(Location.resolve(home))
    assert "OneDrive" in text and str(home) in text
    assert "--db postgresql+psycopg://" in text and "--home" in text
    assert data_folder_warning(Location.resolve(tmp_path / "local")) is None
    assert data_folder_warning(Location.resolve(
        home, "postgresql+psycopg://clerk@dbserver/factor_desk")) is None  # not SQLite


def test_the_command_line_warns_on_stderr_and_still_runs(tmp_path, capsys):
    from factor_desk.cli import main

    home = tmp_path / "Dropbox" / "Factor Desk"
    assert main(["--home", str(home), "demo", "--loads", "2"]) == 0
    err = capsys.readouterr().err
    assert "Warning" in err and "Dropbox" in err and "postgresql+psycopg://" in err
    assert main(["--home", str(tmp_path / "local"), "batch", "list"]) == 0
    assert "Warning" not in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "win32", reason="Windows: the installer's AppMutex")
def test_the_running_program_holds_the_mutex_the_installer_waits_for():  # pragma: no cover
    import ctypes

    from factor_desk import app_mutex

    app_mutex.hold_app_mutex()
    handle = ctypes.windll.kernel32.OpenMutexW(0x00100000, False, app_mutex.MUTEX_NAMES[0])
    assert handle, "the mutex is not there"
    ctypes.windll.kernel32.CloseHandle(handle)

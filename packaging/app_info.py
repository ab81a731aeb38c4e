"""Names and numbers the spec, the installers and their tests share."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "Factor Desk"
BUNDLE_ID = "com.factordesk.FactorDesk"
BUNDLE_DIR = "factor-desk"  # dist/<this>/
CONSOLE_NAME = "factor-desk-console"
CONTENTS_DIR = "_internal"  # PyInstaller 6's folder beside the executables
# The oldest macOS the bundled Qt runs on: Qt 6.11 (pyproject pins PySide6 6.11) needs
# macOS 13 Ventura. build_app.sh checks it against QtCore's own minimum.
MACOS_MINIMUM = "13.0"


def version() -> str:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(pyproject)["project"]["version"]


def info_plist() -> dict:
    """The macOS Info.plist keys of Factor Desk.app (PyInstaller adds the rest)."""
    v = version()
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": v,
        "CFBundleVersion": v,
        "NSHighResolutionCapable": True,
        "LSMinimumSystemVersion": MACOS_MINIMUM,
        "NSRequiresAquaSystemAppearance": False,  # follows light and dark mode
    }

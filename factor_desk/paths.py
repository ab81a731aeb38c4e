"""Files that ship with Factor Desk (templates, icons), found the same way from a source
checkout, an installed wheel or a PyInstaller bundle."""

from __future__ import annotations

import sys
from importlib.resources import as_file, files
from pathlib import Path


def resource(relative: str) -> Path:
    """The path of a shipped file, e.g. ``resource("icons/factor_desk.png")``."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # inside the PyInstaller bundle: packaging/factor_desk.spec puts them here
        return Path(bundle) / "factor_desk" / "resources" / relative
    ref = files("factor_desk.resources").joinpath(relative)
    with as_file(ref) as path:  # a real file already in every layout Factor Desk ships in
        return Path(path)

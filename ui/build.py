"""Compile the Qt Designer forms: every ui/NAME.ui becomes factor_desk/gui/forms/ui_NAME.py
through pyside6-uic (the one of the Python that runs this script).

    python ui/build.py           # rewrite the forms that differ from their .ui
    python ui/build.py --check   # change nothing; exit 1 if a form is out of date or
                                 # missing, or has no .ui (tests/gui/test_forms.py)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

UI = Path(__file__).resolve().parent
FORMS = UI.parent / "factor_desk" / "gui" / "forms"
# Not forms: the package's own file.
KEEP = {"__init__.py"}
# The one line that names the uic's version: a PySide6 update that compiles the same
# form is no reason to call it out of date.
VERSION_LINE = "## Created by: Qt User Interface Compiler version"


def uic() -> str:
    """pyside6-uic next to this Python (a virtual environment's), else on the PATH."""
    scripts = Path(sys.executable).parent
    found = shutil.which("pyside6-uic", path=str(scripts)) or shutil.which("pyside6-uic")
    if found is None:
        raise SystemExit("pyside6-uic not found: install PySide6 (pip install -e .)")
    return found


def form_path(ui: Path, forms: Path = FORMS) -> Path:
    return forms / f"ui_{ui.stem}.py"


def compile_form(ui: Path) -> str:
    """What pyside6-uic makes of ``ui``, with Unix line endings."""
    out = subprocess.run([uic(), str(ui)], capture_output=True, check=True)
    return out.stdout.decode("utf-8").replace("\r\n", "\n")


def _same(a: str, b: str) -> bool:
    def strip(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith(VERSION_LINE)]
    return strip(a) == strip(b)


def problems(ui_dir: Path = UI, forms: Path = FORMS) -> list[str]:
    """Every form that is out of date, missing, or left over from a .ui that is gone."""
    found = []
    uis = sorted(ui_dir.glob("*.ui"))
    for ui in uis:
        form = form_path(ui, forms)
        if not form.exists():
            found.append(f"{ui.name}: no form {form.name}")
        elif not _same(form.read_text(encoding="utf-8"), compile_form(ui)):
            found.append(f"{ui.name}: {form.name} differs from what pyside6-uic makes of it")
    wanted = {form_path(ui).name for ui in uis} | KEEP
    for path in sorted(forms.iterdir()):
        if path.is_file() and path.name not in wanted:
            found.append(f"{path.name}: a form without a .ui in ui/")
    return found


def build() -> list[str]:
    """Write the forms that differ from their .ui; return the names written."""
    written = []
    for ui in sorted(UI.glob("*.ui")):
        form, text = form_path(ui), compile_form(ui)
        if not form.exists() or not _same(form.read_text(encoding="utf-8"), text):
            form.write_text(text, encoding="utf-8", newline="\n")
            written.append(form.name)
    return written


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        found = problems()
        for problem in found:
            print(problem)
        if found:
            print("Run: python ui/build.py")
        return 1 if found else 0
    if argv:
        print(__doc__)
        return 2
    for name in build():
        print(f"wrote {FORMS.relative_to(UI.parent) / name}")
    leftover = [p for p in problems() if p.endswith("without a .ui in ui/")]
    for problem in leftover:
        print(problem, "(delete it)")
    return 1 if leftover else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

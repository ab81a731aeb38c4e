"""The two faces (the window, the command line) reach the data only through the Desk:
neither imports anything from factor_desk.db."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "factor_desk"
FACES = ("gui", "cli")


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(source: str, module: str, is_package: bool = False
              ) -> Iterator[tuple[int, list[str]]]:
    """Each import statement of ``source`` (the module ``module``): its line and the
    absolute names it imports (a ``from`` gives its module and each module.name), at the
    top, inside functions, under TYPE_CHECKING, relative or absolute."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[:len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            yield node.lineno, [base, *(f"{base}.{alias.name}" for alias in node.names)]


def db_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import of factor_desk.db (or a module in it) in ``source``."""
    found = []
    for line, names in _imported(source, module, is_package):
        db = [n for n in names if _in_db(n)]
        if db:
            found.append(f"line {line}: {db[0]}")
    return found


def _in_db(name: str) -> bool:
    return name == "factor_desk.db" or name.startswith("factor_desk.db.")


@pytest.mark.parametrize("face", FACES)
def test_a_face_never_imports_the_database(face):
    files = sorted((PACKAGE / face).rglob("*.py"))
    assert files, f"no modules under factor_desk/{face}"
    offending = {}
    for path in files:
        found = db_imports(path.read_text(encoding="utf-8"), _module_of(path),
                           path.name == "__init__.py")
        if found:
            offending[str(path.relative_to(PACKAGE.parent))] = found
    assert not offending, ("the window and the command line go through the Desk "
                           f"(factor_desk.services.desk), not factor_desk.db: {offending}")


@pytest.mark.parametrize("source", [
    "import factor_desk.db.database",
    "from factor_desk.db.database import Location",
    "from factor_desk.db import models",
    "from factor_desk import db",
    "def f():\n    from factor_desk.db.location_check import check_data_folder",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import factor_desk.db",
    "from ..db.work import Work",
    "from .. import db",
])
def test_the_check_sees_every_way_of_importing_it(source):
    assert db_imports(source, "factor_desk.cli.loads")


@pytest.mark.parametrize("source", [
    "from factor_desk.location import Location",
    "from factor_desk.services.desk import Desk",
    "from factor_desk import dbx",
    "from . import printing",
    "import factor_desk.domain.errors",
])
def test_the_check_lets_the_rest_through(source):
    assert not db_imports(source, "factor_desk.cli.loads")


def imports_of(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module (or name in a module) ``source`` imports, absolute."""
    return {n for _, names in _imported(source, module, is_package) for n in names}


# The floors under the Desk: what each may never import (README's house drawing).
FORBIDDEN = {
    "domain": ("sqlalchemy", "PySide6", "factor_desk.db", "factor_desk.services",
               "factor_desk.documents", "factor_desk.gui", "factor_desk.cli"),
    "documents": ("sqlalchemy", "PySide6", "factor_desk.db", "factor_desk.services",
                  "factor_desk.gui", "factor_desk.cli"),
    "db": ("PySide6", "factor_desk.services", "factor_desk.gui", "factor_desk.cli"),
    "services": ("PySide6", "factor_desk.gui", "factor_desk.cli"),
}


@pytest.mark.parametrize("floor", sorted(FORBIDDEN))
def test_a_floor_never_imports_what_is_above_it(floor):
    offending = {}
    for path in sorted((PACKAGE / floor).rglob("*.py")):
        names = imports_of(path.read_text(encoding="utf-8"), _module_of(path),
                           path.name == "__init__.py")
        bad = sorted(n for n in names for f in FORBIDDEN[floor] if n == f or n.startswith(f + "."))
        if bad:
            offending[str(path.relative_to(PACKAGE.parent))] = bad
    assert not offending, f"factor_desk/{floor} reaches up or sideways: {offending}"


def test_the_floor_check_sees_a_relative_import_upwards():
    names = imports_of("from ..services import desk", "factor_desk.db.database")
    assert "factor_desk.services" in names


def test_a_command_that_draws_no_pdf_does_not_load_the_pdf_libraries():
    """Every command opens the Desk and builds the parser: the PDF libraries (reportlab,
    pypdf: ~160 ms) load only for the jobs that draw or read a PDF, e.g. not for ``loads
    list`` (a door of the Desk importing the download at its top undid it once)."""
    import subprocess
    import sys

    code = ("import sys, factor_desk.services.desk, factor_desk.cli.parser; "
            "print(sorted(m for m in ('reportlab', 'pypdf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         encoding="utf-8", check=True).stdout.strip()
    assert out == "[]", f"loaded at start: {out}"

"""The Designer forms: every ui/NAME.ui has its compiled factor_desk/gui/forms/ui_NAME.py,
exactly what pyside6-uic makes of it today (edit a .ui, forget `python ui/build.py`, and
this fails), and no compiled form is left without its .ui."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _build():
    spec = importlib.util.spec_from_file_location("ui_build", ROOT / "ui" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_form_is_compiled_from_its_ui_as_it_is_now():
    build = _build()
    assert sorted(p.name for p in (ROOT / "ui").glob("*.ui")), "no Designer forms found"
    assert build.problems() == [], "run: python ui/build.py"


def test_the_check_finds_a_stale_a_missing_and_a_stray_form(tmp_path):
    build = _build()
    ui_dir, forms = tmp_path / "ui", tmp_path / "forms"
    shutil.copytree(ROOT / "ui", ui_dir)
    shutil.copytree(ROOT / "factor_desk" / "gui" / "forms", forms,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert build.problems(ui_dir, forms) == []
    preview = ui_dir / "preview.ui"  # a text changed in Designer, the form not rebuilt
    preview.write_text(preview.read_text(encoding="utf-8").replace(
        "<string>Preview</string>", "<string>Check</string>"), encoding="utf-8")
    (forms / "ui_important_info.py").unlink()  # a form never built
    (forms / "ui_gone.py").write_text("", encoding="utf-8")  # its .ui deleted
    assert build.problems(ui_dir, forms) == [
        "important_info.ui: no form ui_important_info.py",
        "preview.ui: ui_preview.py differs from what pyside6-uic makes of it",
        "ui_gone.py: a form without a .ui in ui/",
    ]


def test_the_new_subsidiary_form_asks_for_every_general_field_in_order(qtbot):
    from PySide6.QtWidgets import QFormLayout

    from factor_desk.gui.new_subsidiary import NewSubsidiaryDialog
    from factor_desk.services.company import GENERAL_FIELDS

    dialog = NewSubsidiaryDialog(None)
    qtbot.addWidget(dialog)
    layout = dialog.form.form
    rows = []
    for row in range(layout.rowCount()):
        label = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is not None and field is not None:
            rows.append((label.widget().text(), field.widget()))
    assert [text for text, _ in rows] == [*GENERAL_FIELDS.values(), "Factoring company"]
    assert [field for _, field in rows[:-1]] == [dialog.fields[k] for k in GENERAL_FIELDS]
    dialog.fields["name"].setText("Shenandoah Haulers LLC")
    assert dialog.values()["name"] == "Shenandoah Haulers LLC"

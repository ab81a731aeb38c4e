"""New subsidiary…: the general info of a new carrier (ui/new_subsidiary.ui, a field_KEY line
for each KEY of GENERAL_FIELDS) and its factoring company (issue #14: as the CLI's
``company add-subsidiary --factor``, it then starts with that factor's default Notice of
Assignment). Opened window-modal from the Company profile; added through the Desk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QWidget

from factor_desk.gui.forms.ui_new_subsidiary import Ui_newSubsidiary
from factor_desk.gui.jobs import Job
from factor_desk.services.company import GENERAL_FIELDS

if TYPE_CHECKING:
    from factor_desk.gui.company_page import CompanyPage

NO_FACTOR = "(none)"


class NewSubsidiaryDialog(QDialog):
    """The general fields, then "Factoring company": the factors known, or (none)."""

    def __init__(self, parent: QWidget | None, factors: list[str] | None = None,
                 current: str | None = None):
        super().__init__(parent)
        self.form = Ui_newSubsidiary()
        self.form.setupUi(self)
        self.fields: dict[str, QLineEdit] = {
            key: getattr(self.form, f"field_{key}") for key in GENERAL_FIELDS}
        self.factor = QComboBox()
        self.factor.setObjectName("newSubsidiaryFactor")
        self.factor.addItems([NO_FACTOR, *(factors or [])])
        if current and current in (factors or []):
            self.factor.setCurrentText(current)
        self.factor.setToolTip("Its factoring company; it starts with that factor's default "
                               "Notice of Assignment, if the factor has one")
        self.form.form.insertRow(len(GENERAL_FIELDS), "Factoring company", self.factor)

    def values(self) -> dict:
        """The general fields by key, and ``factor`` when one is chosen."""
        values: dict = {k: w.text() for k, w in self.fields.items()}
        if self.factor.currentText() != NO_FACTOR:
            values["factor"] = self.factor.currentText()
        return values


def new_subsidiary(page: CompanyPage) -> NewSubsidiaryDialog:
    """Open the dialog over the page (the factor of the subsidiary shown comes chosen);
    OK adds the subsidiary through the Desk and shows it."""
    current = page.factor.currentText() if page.current is not None else None
    dialog = NewSubsidiaryDialog(page, sorted(page.terms_box.terms), current)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        values = dialog.values()
        name = values.pop("name")
        page.run(Job("Adding a subsidiary", lambda: page.desk.add_subsidiary(name, **values),
                     done=lambda sub: page.refresh(select=sub.name)))

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog

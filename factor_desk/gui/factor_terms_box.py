"""The Company profile's Factoring company box: the remit-to, email and integration
(issue #14) and the advance, fee, reserve and recourse (issue #13) of the subsidiary's
factoring company, saved together by their own button through the Desk."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from factor_desk.domain.trade import Integration
from factor_desk.gui.jobs import Job
from factor_desk.gui.schedule_layout_dialog import schedule_button
from factor_desk.gui.stale import offer_reload
from factor_desk.services.factors import FactorTerms

if TYPE_CHECKING:
    from factor_desk.gui.company_page import CompanyPage


class FactorTermsBox(QGroupBox):
    """The factoring company chosen in the Factoring box: its remit-to (where debtors pay),
    email (where batches are emailed), integration, and terms: advance, fee (a percent,
    "3%", or a flat amount per invoice, "25.00"), reserve, recourse and its days; saved
    together by their own button through the Desk (a refusal says why, nothing saved)."""

    def __init__(self, page: CompanyPage):
        super().__init__("Factoring company: profile and terms")
        self.setObjectName("factorTerms")
        self.page = page
        self.terms: dict[str, FactorTerms] = {}
        self.name: str | None = None
        form = QFormLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.remit_to = QPlainTextEdit()
        self.remit_to.setObjectName("remitTo")
        self.remit_to.setTabChangesFocus(True)
        self.remit_to.setPlaceholderText("Name\nP.O. Box or street\nCity, ST ZIP")
        self.remit_to.setMaximumHeight(self.remit_to.fontMetrics().lineSpacing() * 4 + 12)
        self.email = QLineEdit()
        self.email.setObjectName("factorEmail")
        self.email.setPlaceholderText("schedules@factor.com")
        # issue #14: the NOA a new subsidiary of this factor starts with (factors set
        # --noa-text); a subsidiary's own NOA is edited in Document configuration below
        self.default_noa = QPlainTextEdit()
        self.default_noa.setObjectName("defaultNoa")
        self.default_noa.setTabChangesFocus(True)
        self.default_noa.setPlaceholderText("The Notice of Assignment this factor gave you: "
                                            "a new subsidiary of this factor starts with it")
        self.default_noa.setMaximumHeight(self.default_noa.fontMetrics().lineSpacing() * 4
                                          + 12)
        self.integration = QComboBox()
        self.integration.setObjectName("integration")
        for kind in Integration:
            self.integration.addItem(kind.label, kind.value)
        self.advance = self._percent_box("advance")
        self.fee = QLineEdit()
        self.fee.setObjectName("fee")
        self.fee.setPlaceholderText("3% or 25.00")
        self.fee.setToolTip("With %: a percent of the invoice. Without: a flat amount per "
                            "invoice, taken from the advance.")
        self.fee.setMaximumWidth(120)
        self.reserve = self._percent_box("reserve")
        self.recourse = QCheckBox("Recourse, charged back after")
        self.recourse.setToolTip("The factor charges back what the debtor has not paid "
                                 "this many days after the purchase")
        self.recourse_days = QSpinBox()
        self.recourse_days.setObjectName("recourseDays")
        self.recourse_days.setRange(1, 365)
        self.recourse_days.setSuffix(" days")
        self.recourse.toggled.connect(self.recourse_days.setEnabled)
        recourse = QHBoxLayout()
        recourse.addWidget(self.recourse)
        recourse.addWidget(self.recourse_days)
        recourse.addStretch(1)
        self.save = QPushButton("Save factor")
        self.save.setObjectName("saveTerms")
        self.save.clicked.connect(self.save_terms)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save)
        form.addRow(self.note)
        form.addRow("Remit to", self.remit_to)
        form.addRow("Email", self.email)
        form.addRow("Default NOA", self.default_noa)
        form.addRow("Batches", self.integration)
        form.addRow("Advance", self.advance)
        form.addRow("Fee", self.fee)
        form.addRow("Reserve", self.reserve)
        form.addRow(recourse)
        form.addRow(save_row)
        form.addRow(schedule_button(self))  # issue #14: gui/schedule_layout_dialog.py
        self.show_factor(None)

    @staticmethod
    def _percent_box(name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setObjectName(name)
        box.setRange(0, 100)
        box.setDecimals(2)
        box.setSuffix(" %")
        box.setMaximumWidth(120)
        return box

    def editors(self) -> list[QWidget]:
        """The boxes Save factor saves (read-only for a login that may not: #15)."""
        return [self.remit_to, self.email, self.default_noa, self.integration, self.advance,
                self.fee, self.reserve, self.recourse, self.recourse_days]

    def set_terms(self, factors: list) -> None:
        self.terms = {t.name: t for t in factors}
        self.show_factor(self.name)

    def show_factor(self, name: str | None) -> None:
        """Show the terms of factor ``name`` (None or "(none)": nothing to edit)."""
        terms = self.terms.get(name or "")
        self.name = name if terms is not None else None
        for widget in (self.remit_to, self.email, self.default_noa, self.integration,
                       self.advance, self.fee, self.reserve, self.recourse,
                       self.recourse_days, self.save):
            widget.setEnabled(terms is not None)
        if terms is None:
            self.note.setText("Choose the subsidiary's factoring company above to see and "
                              "edit its remit-to, email, default NOA and terms.")
            return
        self.note.setText(f"{terms.name}'s profile and terms, for every subsidiary that "
                          "factors with it. A purchase report whose advance, fee or reserve "
                          "disagree with them is shown with a warning.")
        self.remit_to.setPlainText(terms.remit_to)
        self.email.setText(terms.email)
        self.default_noa.setPlainText(terms.default_noa)
        self.integration.setCurrentIndex(self.integration.findData(terms.integration.value))
        self.advance.setValue(float(terms.advance_percent))
        self.reserve.setValue(float(terms.reserve_percent))
        self.fee.setText(terms.fee)
        self.recourse.setChecked(terms.recourse)
        self.recourse_days.setValue(terms.recourse_days)
        self.recourse_days.setEnabled(terms.recourse)

    def changed(self) -> bool:
        """Whether the boxes differ from the terms they show (edits not saved yet)."""
        terms = self.terms.get(self.name or "")
        if terms is None:
            return False
        v = self.values()
        remit = "\n".join(line.strip() for line in v["remit_to"].splitlines() if line.strip())
        return (remit != terms.remit_to or v["email"].strip() != terms.email
                or v["default_noa"].strip() != terms.default_noa
                or v["integration"] != terms.integration.value
                or v["advance"] != terms.advance_percent or v["reserve"] != terms.reserve_percent
                or v["fee"].strip() != terms.fee or self.recourse.isChecked() != terms.recourse
                or (terms.recourse and v["recourse_days"] != terms.recourse_days))

    def values(self) -> dict:
        """What Save factor sends to the Desk."""
        return dict(remit_to=self.remit_to.toPlainText(), email=self.email.text(),
                    default_noa=self.default_noa.toPlainText(),
                    integration=self.integration.currentData(),
                    advance=Decimal(f"{self.advance.value():.2f}"),
                    fee=self.fee.text(), reserve=Decimal(f"{self.reserve.value():.2f}"),
                    recourse_days=self.recourse_days.value() if self.recourse.isChecked()
                    else None, non_recourse=not self.recourse.isChecked())

    def save_terms(self) -> None:
        name = self.name
        if name is None:
            return
        values = self.values()
        version = self.terms[name].version  # the one the box shows (#15)
        self.save.setEnabled(False)

        def saved(profile) -> None:
            self.save.setEnabled(True)
            self.page.status.emit(f"{profile.name} saved: remit-to, email, default NOA and "
                                 "terms.")
            self.page.refresh()

        def failed(exc) -> None:
            self.save.setEnabled(True)  # Cancel keeps the clerk's text in the boxes
            if not offer_reload(self.page.asker, exc, self.reload):
                self.page.asker.problem(exc)

        self.page.run(Job(f"Saving the terms of {name}",
                          lambda: self.page.desk.set_factor(name, **values, version=version),
                          done=saved, error=failed))

    def reload(self) -> None:
        """Read every factor's profile and terms again and show them (the rest of the page
        keeps what the clerk typed)."""
        self.page.run(Job("Reading the factors", self.page.desk.factors,
                          done=self.set_terms))

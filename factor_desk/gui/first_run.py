"""The first run, without a terminal: a window opened on data without a company offers
**Start with your company** (a wizard saved in one transaction) or **Try the demo** (demo
data in a folder of its own, the clerk's data left untouched)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from factor_desk.domain.trade import DEFAULT_REQUIRED_DOCUMENTS, DocumentKind
from factor_desk.gui.common import Asker, heading, primary_button
from factor_desk.location import DB_FILE_NAME, DOCUMENTS_DIR_NAME, Location
from factor_desk.services.company import GENERAL_FIELDS, SubsidiaryProfile
from factor_desk.services.desk import Desk

DEMO_LOADS = 40


def demo_home() -> Path:
    """The demo's own data folder, beside the clerk's: never the data they work on."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("Factor Desk", appauthor=False)) / "Demo"


def demo_location(home: Path) -> Location:
    """Always a SQLite file in ``home``: FACTOR_DESK_DB (the clerk's server) is not asked."""
    return Location(url=f"sqlite:///{(home / DB_FILE_NAME).as_posix()}", home=home)


def open_fresh_demo(home: Path) -> Desk:
    """A Desk on new demo data in ``home``: the last demo's database and documents go
    first (a demo still open elsewhere keeps its data, and the demo is loaded over it)."""
    home.mkdir(parents=True, exist_ok=True)
    for name in (DB_FILE_NAME, f"{DB_FILE_NAME}-wal", f"{DB_FILE_NAME}-shm",
                 f"{DB_FILE_NAME}-journal"):
        with contextlib.suppress(OSError):
            (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / DOCUMENTS_DIR_NAME, ignore_errors=True)
    desk = Desk.open(demo_location(home))
    try:
        desk.load_demo(loads=DEMO_LOADS)
    except BaseException:
        desk.close()
        raise
    return desk


class FirstRunPanel(QWidget):
    """What the window shows while its data holds no company."""

    start_requested = Signal()
    demo_requested = Signal()

    def __init__(self, location: str, parent=None):
        super().__init__(parent)
        self.setObjectName("firstRun")
        title = heading("Welcome to Factor Desk")
        text = QLabel(
            "There is no company in this data yet. Start with your own: your company and "
            "first subsidiary, the factoring company, its Notice of Assignment and the "
            "documents a load needs. Everything can be changed later in Company profile."
            "<br><br>Or try Factor Desk on a demo carrier first: the demo opens in a folder "
            "of its own and leaves this data as it is.")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.start = primary_button("Start with your company")
        self.start.setObjectName("startCompany")
        self.start.setMinimumHeight(40)
        self.start.clicked.connect(self.start_requested)
        self.demo = QPushButton("Try the demo")
        self.demo.setObjectName("tryDemo")
        self.demo.setMinimumHeight(40)
        self.demo.clicked.connect(self.demo_requested)
        where = QLabel(f"Data: {location}")
        where.setWordWrap(True)
        where.setStyleSheet("color: #5b6b80;")

        box = QWidget()
        box.setMinimumWidth(420)
        box.setMaximumWidth(560)
        inner = QVBoxLayout(box)
        inner.setSpacing(14)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addSpacing(8)
        inner.addWidget(self.start)
        inner.addWidget(self.demo)
        inner.addSpacing(8)
        inner.addWidget(where)
        outer = QGridLayout(self)
        outer.addWidget(box, 1, 1)
        outer.setRowStretch(0, 1)
        outer.setRowStretch(2, 2)
        outer.setColumnStretch(0, 1)
        outer.setColumnStretch(2, 1)


# ---------------------------------------------------------------------- the wizard


def _form(page: QWizardPage) -> QFormLayout:
    """A form at the top of the page (the page's spare height below it, not between
    its rows)."""
    column = QVBoxLayout(page)
    form = QFormLayout()
    column.addLayout(form)
    column.addStretch(1)
    return form


class _CompanyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your company and its first subsidiary")
        self.setSubTitle("The subsidiary is the carrier whose invoices are factored; its "
                         "code numbers the batches (CODE-0001). More subsidiaries can be "
                         "added later in Company profile.")
        form = _form(self)
        self.company = QLineEdit()
        self.company.setObjectName("companyName")
        form.addRow("Company name *", self.company)
        self.registerField("company*", self.company)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in GENERAL_FIELDS.items():
            edit = QLineEdit()
            edit.setObjectName(f"sub_{key}")
            self.fields[key] = edit
            form.addRow("Subsidiary name *" if key == "name" else label, edit)
            if key == "name":
                self.registerField("subsidiary*", edit)
                self.code = QLineEdit()
                self.code.setObjectName("sub_code")
                self.code.setMaxLength(6)
                self.code.setPlaceholderText("made from the name when left empty")
                form.addRow("Code", self.code)
        # The subsidiary is usually named as the company.
        self.company.textEdited.connect(self._follow_company)

    def _follow_company(self, text: str) -> None:
        name = self.fields["name"]
        if not name.isModified():
            name.setText(text)
        legal = self.fields["legal_name"]
        if not legal.isModified():
            legal.setText(text)


class _FactorPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your factoring company")
        self.setSubTitle("Who buys the invoices, where the debtors pay them, and the terms "
                         "(as percents of an invoice).")
        form = _form(self)
        self.name = QLineEdit()
        self.name.setObjectName("factorName")
        self.registerField("factor*", self.name)
        self.remit_to = QPlainTextEdit()
        self.remit_to.setObjectName("remitTo")
        self.remit_to.setPlaceholderText("Name\nP.O. Box\nCity, ST ZIP")
        self.remit_to.setTabChangesFocus(True)
        self.remit_to.setFixedHeight(90)
        self.fee = QLineEdit("0")
        self.advance = QLineEdit()
        # blank: what the fee and the reserve leave, so that the terms add up to 100%
        self.advance.setPlaceholderText("the rest")
        self.reserve = QLineEdit("0")
        for edit in (self.fee, self.advance, self.reserve):
            edit.setMaximumWidth(90)
        form.addRow("Name *", self.name)
        form.addRow("Remit to", self.remit_to)
        form.addRow("Fee %", self.fee)
        form.addRow("Advance %", self.advance)
        form.addRow("Reserve %", self.reserve)


class _NoticePage(QWizardPage):
    def __init__(self, factor: _FactorPage) -> None:
        super().__init__()
        self.factor = factor
        self.setTitle("Notice of Assignment")
        self.setSubTitle("Printed on every invoice of a batch. Paste the text your "
                         "factoring company gave you, or check this template against it.")
        self.text = QPlainTextEdit()
        self.text.setObjectName("noticeText")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self._template: str | None = None

    def initializePage(self) -> None:
        # Filled from the factor on the last page, unless the clerk wrote their own.
        if self._template is None or self.text.toPlainText() == self._template:
            self._template = Desk.notice_template(self.factor.name.text(),
                                                  self.factor.remit_to.toPlainText())
            self.text.setPlainText(self._template)


class _DocumentsPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Documents required before factoring")
        self.setSubTitle("A load goes into a batch only with these attached.")
        layout = QVBoxLayout(self)
        self.boxes: dict[str, QCheckBox] = {}
        for kind in DocumentKind:
            box = QCheckBox(kind.label)
            box.setChecked(kind in DEFAULT_REQUIRED_DOCUMENTS)
            self.boxes[kind.value] = box
            layout.addWidget(box)
        layout.addStretch(1)


class StartWizard(QWizard):
    """Start with your company: four pages, saved by one Desk call when Finish is clicked.
    A refusal shows the clerk's message and keeps the wizard open with what was typed."""

    def __init__(self, desk: Desk, asker: Asker, parent=None):
        super().__init__(parent)
        self.setObjectName("startWizard")
        self.setWindowTitle("Start with your company")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.desk = desk
        # The window's own Asker would put its messages behind this dialog; a stand-in
        # (the tests') is kept.
        self.asker = Asker(self) if type(asker) is Asker else asker
        self.saved: SubsidiaryProfile | None = None
        self.company_page = _CompanyPage()
        self.factor_page = _FactorPage()
        self.notice_page = _NoticePage(self.factor_page)
        self.documents_page = _DocumentsPage()
        for page in (self.company_page, self.factor_page, self.notice_page,
                     self.documents_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        self.resize(640, 560)

    def accept(self) -> None:
        c, f = self.company_page, self.factor_page
        subsidiary = {k: e.text() for k, e in c.fields.items()}
        subsidiary["code"] = c.code.text().strip()
        try:
            self.saved = self.desk.start_company(
                c.company.text(), subsidiary,
                factor={"name": f.name.text(), "remit_to": f.remit_to.toPlainText(),
                        "fee_percent": f.fee.text(), "advance_percent": f.advance.text(),
                        "reserve_percent": f.reserve.text()},
                notice_of_assignment=self.notice_page.text.toPlainText(),
                required_documents=[k for k, b in self.documents_page.boxes.items()
                                    if b.isChecked()])
        except Exception as exc:
            self.asker.problem(exc)
            return
        super().accept()

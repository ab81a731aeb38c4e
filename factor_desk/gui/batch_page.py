"""Accounting Tools → Factoring Batch: the subsidiary's Queued factoring loads; tick the
ones to send and Submit Batch."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from factor_desk.domain.money import format_money
from factor_desk.gui.common import Banner, heading, primary_button, table_view
from factor_desk.gui.jobs import Call, Job
from factor_desk.gui.models import CheckableRowModel, Column, documents_column
from factor_desk.gui.page import Page


class BatchPage(Page):
    title = "Factoring Batch"
    model: CheckableRowModel

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = None
        self.subsidiary = QComboBox()
        self.subsidiary.setMinimumWidth(260)
        self.subsidiary.currentTextChanged.connect(self._subsidiary_chosen)
        self.banner = Banner()
        self.banner.link_clicked.connect(self.navigate)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search load, invoice, customer, PO…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self.model.set_filter(text))
        select_all = QPushButton("Select all")
        select_all.clicked.connect(lambda: self.model.check_all())
        select_visible = QPushButton("Select visible")
        select_visible.clicked.connect(lambda: self.model.check_visible())
        clear = QPushButton("Clear")
        clear.clicked.connect(lambda: self.model.clear_checks())

        self.model = CheckableRowModel(
            [Column("Load #", lambda ld: ld.load_number),
             Column("Invoice #", lambda ld: ld.invoice_number),
             Column("Customer", lambda ld: ld.customer),
             Column("Delivered", lambda ld: ld.delivery_date),
             Column("Amount", lambda ld: ld.amount, align_right=True),
             documents_column("Supporting documents")],
            row_id=lambda ld: ld.load_number, amount=lambda ld: ld.amount,
            search_text=lambda ld: " ".join((ld.load_number, ld.invoice_number, ld.customer,
                                             ld.po_number, ld.delivery_location)))
        self.model.selection_changed.connect(self._update_footer)
        self.view = table_view(self.model, name="batchGrid", select="rows",
                               sort=(1, Qt.SortOrder.AscendingOrder), stretch=(3, 6),
                               widths={0: 34, 1: 110, 2: 110, 4: 100, 5: 110})
        self.view.clicked.connect(self._toggle_clicked_row)

        self.footer = QLabel()
        self.footer.setObjectName("batchFooter")
        self.submit = primary_button("Submit Batch")
        self.submit.clicked.connect(self.submit_batch)

        top = QHBoxLayout()
        top.addWidget(QLabel("Subsidiary"))
        top.addWidget(self.subsidiary)
        top.addStretch(1)
        tools = QHBoxLayout()
        tools.addWidget(self.search, 1)
        tools.addWidget(select_all)
        tools.addWidget(select_visible)
        tools.addWidget(clear)
        bottom = QHBoxLayout()
        bottom.addWidget(self.footer, 1)
        bottom.addWidget(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Factoring Batch"))
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self._update_footer()

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        # the subsidiary chosen last, here or elsewhere (Home's "ready to factor" line)
        wanted = str(self.settings.value("subsidiary", "", str)) or self.subsidiary.currentText()
        self.run(Job("Loading subsidiaries", lambda: self.desk.profile(),
                     done=lambda p: self._profile_loaded(p, wanted), user=False))

    def _profile_loaded(self, profile, wanted: str) -> None:
        self.profile = profile
        self.subsidiary.blockSignals(True)
        self.subsidiary.clear()
        for s in profile.subsidiaries:
            self.subsidiary.addItem(s.name)
        index = self.subsidiary.findText(wanted)
        self.subsidiary.setCurrentIndex(max(index, 0))
        self.subsidiary.blockSignals(False)
        self._load_grid()

    def _subsidiary_chosen(self, name: str) -> None:
        if name:
            self.settings.setValue("subsidiary", name)
            self.model.clear_checks()
            self._load_grid()

    def current_profile(self):
        name = self.subsidiary.currentText()
        if not self.profile:
            return None
        return next((s for s in self.profile.subsidiaries if s.name == name), None)

    def _load_grid(self) -> None:
        sub = self.current_profile()
        if sub is None:
            self.model.set_rows([])
            self.banner.show_message("No subsidiary yet. Add one in "
                                     "<a href='company'>Company profile</a>.")
            return
        problems = []
        if not sub.notice_of_assignment:
            problems.append(f"{sub.name} has no Notice of Assignment, so no batch can be "
                            "submitted. Set it in <a href='company'>Company profile → Document "
                            "configuration → Manage Important Info</a>.")
        if not sub.factoring_company:
            problems.append(f"{sub.name} has no factoring company. Choose one in "
                            "<a href='company'>Company profile</a>.")
        if problems:
            self.banner.show_message("<br>".join(problems))
        else:
            self.banner.hide()
        name = sub.name
        def work():
            loads = self.desk.eligible_loads(name)
            return self.model.prepare(loads)

        # a late result for the subsidiary chosen before is dropped, never shown under
        # another subsidiary's name (a later job loads the one chosen now)
        self.run(Job(f"Loading the loads of {name}", work, user=False,
                     done=lambda p: self._grid_loaded(p) if self.subsidiary.currentText()
                     == name else None))

    def _grid_loaded(self, prepared) -> None:
        self.model.set_rows(prepared)
        self._update_footer()

    # ------------------------------------------------------------------ selecting

    def _toggle_clicked_row(self, index) -> None:
        if index.column() == 0:
            return  # the check box toggles itself
        check = self.model.index(index.row(), 0)
        state = self.model.data(check, Qt.ItemDataRole.CheckStateRole)
        self.model.setData(check, Qt.CheckState.Unchecked if state == Qt.CheckState.Checked
                           else Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)

    def _update_footer(self) -> None:
        count = len(self.model.checked)
        total = self.model.checked_total
        shown = self.model.rowCount()
        self.footer.setText(f"{count} selected · {format_money(total)}   "
                            f"({shown} of {self.model.total_count} loads shown)")
        sub = self.current_profile()
        ready = bool(sub and sub.notice_of_assignment and sub.factoring_company)
        self.submit.setEnabled(count > 0 and ready)

    # ------------------------------------------------------------------ submitting

    def submit_batch(self) -> None:
        sub = self.current_profile()
        chosen = self.model.checked_rows()
        if sub is None or not chosen:
            return
        lacking = [ld.load_number for ld in chosen if ld.missing_documents]
        if lacking:
            self.asker.info("Submit Batch", f"{len(lacking)} selected load(s) lack required "
                            f"documents: {', '.join(lacking[:10])}. Attach them on the Loads "
                            "page, or untick those loads.")
            return
        total = sum((ld.amount for ld in chosen), Decimal(0))
        if not self.asker.confirm(
                "Submit Batch",
                f"Submit {len(chosen)} load(s), {format_money(total)}, from {sub.name} to "
                f"{sub.factoring_company} as one batch?\n\nThe loads become Invoiced and "
                "their invoices are stamped with the Notice of Assignment.", "Submit Batch"):
            return
        numbers = [ld.load_number for ld in chosen]
        name = sub.name
        self.submit.setEnabled(False)

        def done(batch):
            self.model.clear_checks()
            self._load_grid()
            self.status.emit(f"Batch {batch.batch} submitted: {batch.invoices} invoices, "
                             f"{format_money(batch.total)}.")
            if self.asker.confirm("Batch submitted",
                                  f"Batch {batch.batch} was submitted: {batch.invoices} "
                                  f"invoices, {format_money(batch.total)}. The loads are now "
                                  "Invoiced.\n\nOpen Factoring Reports to download it?",
                                  "Open Factoring Reports"):
                self.navigate.emit("reports")

        def failed(exc):
            self._update_footer()
            self.asker.problem(exc)
            self._load_grid()

        self.run(Job("Submitting the batch",
                     Call(self.desk.submit_batch, name, numbers),
                     done=done, error=failed))

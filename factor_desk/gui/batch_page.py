"""Accounting Tools → Factoring Batch: the subsidiary's Queued factoring loads; tick the
ones to send and Submit Batch."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from factor_desk.domain.money import format_money
from factor_desk.gui.common import Banner, fit_columns, heading, primary_button, table_view
from factor_desk.gui.jobs import Call, Job
from factor_desk.gui.models import CheckableRowModel, Column, cents_column, documents_column
from factor_desk.gui.page import Page
from factor_desk.gui.permissions import allow


def why_not_batched(load) -> str | None:
    """Why a load cannot go in a batch (its tick box is off), or None."""
    if not load.missing_documents:
        return None
    from factor_desk.domain.trade import DocumentKind

    missing = ", ".join(DocumentKind(k).label for k in load.missing_documents)
    return (f"Cannot be batched: missing {missing}. Attach it on the Loads page "
            "(drop the file on the load).")


class SpaceTicks(QObject):
    """Space ticks the selected rows (or unticks them when all are ticked already): a
    click on a row selects it, only its tick box ticks it."""

    def __init__(self, view, model: CheckableRowModel):
        super().__init__(view)
        self.view, self.model = view, model
        view.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space:
            rows = {ix.row() for ix in self.view.selectionModel().selectedRows()}
            if not rows and self.view.currentIndex().isValid():
                rows = {self.view.currentIndex().row()}
            self.model.toggle_rows(sorted(rows))
            return True
        return False


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
             cents_column("Amount", lambda ld: ld.cents),
             documents_column("Supporting documents")],
            row_id=lambda ld: ld.load_number, amount=lambda ld: ld.amount,
            why_not=why_not_batched,
            search_text=lambda ld: " ".join((ld.load_number, ld.invoice_number, ld.customer,
                                             ld.po_number, ld.delivery_location)))
        self.model.selection_changed.connect(self._update_footer)
        self._generation = 0  # of the grid's loading: a result of an older one is stale
        self.view = table_view(self.model, name="batchGrid", select="rows",
                               sort=(1, Qt.SortOrder.AscendingOrder), stretch=(3, 6),
                               widths={0: 34, 1: 110, 2: 110, 4: 100, 5: 110},
                               empty=self._empty_text)
        self.space_ticks = SpaceTicks(self.view, self.model)

        self.footer = QLabel()
        self.footer.setObjectName("batchFooter")
        self.model.layoutChanged.connect(self._update_footer)  # a search shows fewer
        self.submit = primary_button("Submit Batch")
        self.submit.clicked.connect(self.submit_batch)
        allow(self.submit, self.desk, "submit_batch")  # a viewer's stays off, saying why

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

    def _empty_text(self) -> str:
        if self.model.total_count:
            return "No load matches the search."
        if self.current_profile() is None:
            return "No subsidiary yet — add one in Company profile."
        return ("No loads ready to factor — import loads on the Loads page; loads whose "
                "status is Queued and invoicing method Factoring appear here.")

    def refresh(self) -> None:
        self.run(Job("Loading subsidiaries", lambda: self.desk.profile(),
                     done=self._profile_loaded, user=False))

    def _profile_loaded(self, profile) -> None:
        # the subsidiary chosen last, here or elsewhere (Home's "ready to factor" line),
        # read now: the clerk may have chosen another while the profile was loading
        wanted = str(self.settings.value("subsidiary", "", str)) or self.subsidiary.currentText()
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
        self._generation += 1
        generation = self._generation

        def work():
            loads = self.desk.eligible_loads(name)
            return self.model.prepare(loads)

        self.run(Job(f"Loading the loads of {name}", work, user=False,
                     done=lambda p: self._grid_loaded(p, name, generation)))

    def _grid_loaded(self, prepared, name: str, generation: int) -> None:
        """Show the loads of ``name``, unless they are stale: a later loading is on its
        way, or the subsidiary chosen now is another (then its loads are loaded now).
        Never another subsidiary's loads under the name in the box."""
        if generation != self._generation:
            return  # a later loading follows, for the subsidiary chosen since
        if self.subsidiary.currentText() != name:
            self._load_grid()
            return
        self.model.set_rows(prepared)
        fit_columns(self.view, 200)  # the numbers narrow, the customer's name the room
        self._update_footer()

    def _update_footer(self) -> None:
        count = len(self.model.checked)
        total = self.model.checked_total
        shown, every = self.model.rowCount(), self.model.total_count
        self.footer.setText(f"{count} selected · {format_money(total)}   ("
                            + (f"{shown} of {every} loads" if shown != every
                               else f"{every} loads") + ")")
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

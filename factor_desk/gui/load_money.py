"""Loads: the selected load's money (each payment with the import that brought it, and any
short pay or overpay), and its documents opened in the system's viewer on a double-click
or removed before the load is batched."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QTableView, QVBoxLayout

from factor_desk.domain.money import format_money
from factor_desk.domain.trade import DocumentKind
from factor_desk.gui.common import Asker, fit_columns, table_view
from factor_desk.gui.jobs import Job
from factor_desk.gui.models import Column, RowTableModel, on_selection_moved, selected_row
from factor_desk.services.batch_money import LoadMoney
from factor_desk.services.desk import Desk

OPENED_FOLDER = "factor-desk-documents"


class PaymentsModel(RowTableModel):
    """A load's payments (PaymentLine rows), oldest first."""

    def __init__(self, parent=None):
        super().__init__([
            Column("Date", lambda p: p.payment_date),
            Column("Amount", lambda p: p.amount, align_right=True),
            Column("Reference", lambda p: p.reference or p.check_number,
                   tooltip=lambda p: f"Check {p.check_number}" if p.check_number else ""),
            Column("Import", lambda p: p.import_id, text=lambda p: f"#{p.import_id} "
                   f"{p.import_file}"),
            Column("Short pay reason", lambda p: p.short_pay_reason),
        ], parent=parent)


def money_summary(money: LoadMoney) -> str:
    """The invoice's figures in a line or two; what a load not yet batched has instead."""
    inv = money.invoice
    if inv is None:
        return "Not batched yet: no invoice has gone to the factor."
    parts = [f"Invoice {inv.invoice_number} in batch {money.batch}: "
             f"{format_money(inv.invoiced)}", f"paid {format_money(inv.paid)}"]
    if inv.short_pay:
        parts.append(f"<b style='color:#a4262c'>short paid {format_money(inv.short_pay)}</b>")
    if inv.overpay:
        parts.append(f"<b>overpaid {format_money(inv.overpay)}</b>")
    if inv.open_balance:
        parts.append(f"open {format_money(inv.open_balance)}")
    if inv.advance or inv.fee:
        parts.append(f"advance {format_money(inv.advance)}, fee {format_money(inv.fee)}")
    return ", ".join(parts) + "."


def write_copy(file_name: str, data: bytes, document_id: int) -> Path:
    """A copy of a document in the temporary folder, to hand to the system's viewer (one
    folder per document: two files of the same name do not overwrite each other)."""
    folder = Path(tempfile.gettempdir()) / OPENED_FOLDER / str(document_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(file_name).name or "document")
    path.write_bytes(data)
    return path


class LoadMoneyPanel(QGroupBox):
    """The money of the load ``show_load`` was last given, loaded on a worker thread; a
    result for a load no longer shown is dropped. Also serves the page's documents table
    (``documents_view``, of DocumentInfo rows): a double-click opens the document, the
    ``remove_button`` removes the selected one after asking; ``changed`` then says which
    load changed."""

    changed = Signal(str)  # a load number whose documents changed
    status = Signal(str)

    def __init__(self, desk: Desk, run: Callable[[Job], bool], asker: Asker,
                 documents_view: QTableView, parent=None):
        super().__init__("Money", parent)
        self.setObjectName("loadMoney")
        self.desk = desk
        self._run = run
        self.asker = asker
        self.load: str | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.payments = PaymentsModel(self)
        self.payments_view = table_view(self.payments, name="loadPaymentsTable",
                                        stretch_last=True)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.payments_view, 100)
        box.addStretch(1)  # keeps the summary at the top when there is no payment to list

        self.documents_view = documents_view
        documents_view.setToolTip("Double-click a document to open it.")
        documents_view.doubleClicked.connect(self._open_clicked)
        self.remove_button = QPushButton("Remove document…")
        self.remove_button.setObjectName("removeDocument")
        self.remove_button.clicked.connect(self.remove_selected)
        on_selection_moved(documents_view, self._documents_moved)
        self._documents_moved()

    # ------------------------------------------------------------------ money

    def show_load(self, load_number: str | None) -> None:
        self.load = load_number
        if load_number is None:
            self.summary.setText("")
            self.payments.set_rows([])
            return
        self._run(Job(f"Loading the money of load {load_number}",
                      lambda: self.desk.load_money(load_number),
                      done=lambda money: self._loaded(load_number, money), user=False))

    def _loaded(self, load_number: str, money: LoadMoney) -> None:
        if load_number != self.load:
            return  # another load was chosen since
        self.summary.setText(money_summary(money))
        self.payments.set_rows(money.invoice.payments if money.invoice else [])
        self.payments_view.setVisible(bool(money.invoice and money.invoice.payments))
        fit_columns(self.payments_view)

    # ------------------------------------------------------------------ documents

    def _documents_moved(self) -> None:
        self.remove_button.setEnabled(selected_row(self.documents_view) is not None)

    def _open_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            model = self.documents_view.model()
            self.open_document(model.row_at(index.row()))  # type: ignore[attr-defined]

    def open_document(self, doc) -> None:
        """Open a copy of ``doc`` (a DocumentInfo) in the system's viewer."""
        def copy() -> Path:
            name, data = self.desk.document_file(doc.id)
            return write_copy(name, data, doc.id)

        def done(path: Path) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.asker.info("Open document", f"No program opened {path.name}. The copy "
                                f"is at {path}.")

        self._run(Job(f"Opening {doc.file_name}", copy, done=done))

    def remove_selected(self) -> None:
        doc = selected_row(self.documents_view)  # the document selected now
        if doc is None:
            self.asker.info("Remove document", "Select the document to remove first.")
            return
        kind = DocumentKind(doc.kind).label
        if not self.asker.confirm(
                "Remove document",
                f"Remove {kind} {doc.file_name} from load {doc.load_number}? The load's "
                "status history will say it was removed.", "Remove"):
            return

        def done(info) -> None:
            self.status.emit(f"{info.file_name} removed from load {info.load_number}.")
            self.changed.emit(info.load_number)

        self._run(Job(f"Removing {doc.file_name}", lambda: self.desk.remove_document(doc.id),
                      done=done))

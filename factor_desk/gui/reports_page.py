"""Reports → Factoring Reports: the batches; Download a batch to a folder; the factor's
purchase and payment reports uploaded by button or by dropping the file on the page, with
a preview before anything changes (the upload flow: gui/report_upload.py); the import
history with Undo; the reconciliation; Column mappings… (each factor's saved columns, #14:
gui/mapping_dialog.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from factor_desk.documents.text_files import write_text_file
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.factor_reports import ImportStatus, ReportKind
from factor_desk.domain.money import from_cents
from factor_desk.gui.batch_invoices import (
    BatchInvoices,
    recall_from,
    reverse,
    status_colour,
    status_filter,
    status_key,
)
from factor_desk.gui.common import (
    DropFilter,
    fit_columns,
    heading,
    primary_button,
    table_view,
    when_text,
)
from factor_desk.gui.jobs import Call, Job
from factor_desk.gui.mapping_dialog import MappingsDialog, kind_words
from factor_desk.gui.models import (
    Column,
    RowTableModel,
    on_selection_moved,
    select_record,
    selected_row,
)
from factor_desk.gui.month_chart import MONTHS, MonthChart
from factor_desk.gui.permissions import allow
from factor_desk.gui.preview_dialog import PreviewDialog, plural
from factor_desk.gui.report_upload import ReportUpload
from factor_desk.gui.send_dialog import email_batch
from factor_desk.gui.tones import tone_style
from factor_desk.services import reports

RECON_LABELS = {
    "invoiced": "Invoiced", "purchased": "Purchased", "not_purchased": "Not yet purchased",
    "factor_amount": "Factor's amount", "amount_difference": "Difference (factor - invoice)",
    "not_itemised": "Not itemised by the factor",
    "advance": "Advances", "fee": "Fees", "reserve": "Reserve", "paid": "Paid",
    "short_pay": "Short pays", "overpay": "Overpays", "open_balance": "Open balance",
    # issue #13, below Open balance so that it stays in sight
    "charged_back": "  of it charged back (yours to collect)",
    "direct_paid": "Paid to you directly (in Paid)",
}
NEWEST_FIRST = Qt.SortOrder.DescendingOrder
FACTOR_COLUMN = 2  # of the batches list: the factor each batch was submitted to
# what an undo does, by the kind of report, for the question before it
UNDO_WORDS = {
    ReportKind.PURCHASE: "Its purchase records are removed and the loads it financed go back "
                         "to Invoiced.",
    ReportKind.PAYMENTS: "Its payments and short pays are removed and the loads it completed "
                         "go back to Financed.",
    ReportKind.RESERVE: "Its releases, chargebacks, fees and adjustments are removed and the "
                        "loads it charged back go back to the factor (Financed).",
    "": "Its records are removed and its loads move back a step.",
}


class ReportsPage(ReportUpload):
    title = "Factoring Reports"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setObjectName("reportsPage")
        self.preview_dialog: PreviewDialog | None = None
        self.progress: QProgressDialog | None = None
        self.last_export = None
        self.mappings_dialog: MappingsDialog | None = None
        self._target: str | None = None  # the batch to select at the next refresh (Audit)

        self.batches = RowTableModel([
            Column("Batch", lambda o: o.batch.batch),
            Column("Subsidiary", lambda o: o.batch.subsidiary),
            Column("Factor", lambda o: o.batch.factoring_company),  # it was sent to (#14)
            Column("Submitted", lambda o: o.batch.submitted_at,
                   text=lambda o: when_text(o.batch.submitted_at)),
            Column("Invoices", lambda o: o.batch.invoices, align_right=True),
            Column("Total", lambda o: o.batch.total, align_right=True),
            Column("Status", lambda o: o.batch.status,
                   foreground=lambda o: status_colour(o.batch.status)),
            Column("Purchased", lambda o: o.purchased, align_right=True),
            Column("Paid", lambda o: o.paid, align_right=True),
            Column("Open balance", lambda o: o.open_balance, align_right=True),
        ], row_key=lambda o: o.batch.batch, search_text=lambda o: status_key(o.batch.status))
        self.batch_view = table_view(self.batches, name="batchesTable",
                                     sort=(3, NEWEST_FIRST),  # by when submitted
                                     stretch=(1,),  # the subsidiary's name takes the room
                                     empty="No batches yet — submit one from Factoring "
                                           "Batch." if self.desk.may("submit_batch") is None
                                     else "No batches yet.")  # not to a viewer (#15)
        self.batch_view.selectionModel().selectionChanged.connect(self._batch_selected)
        on_selection_moved(self.batch_view, self._selection_moved)
        self.invoices = BatchInvoices(self.run, self.desk.batch_invoices)
        self.invoices.open_load.connect(lambda number: self.navigate.emit(f"loads:{number}"))
        self.invoices.recall_asked.connect(lambda b, numbers: recall_from(self, b, numbers))
        self.reverse_button = QPushButton("Reverse batch…")
        self.reverse_button.setObjectName("reverseBatch")
        self.reverse_button.setToolTip("Every load of the selected batch back to Queued, "
                                       "before the factor bought any of it")
        self.reverse_button.clicked.connect(lambda: reverse(self, self.selected_batch()))

        self.download = primary_button("Download…")
        self.download.clicked.connect(self.download_selected)
        upload_purchase = QPushButton("Upload Purchase Report…")
        upload_purchase.clicked.connect(lambda: self.choose_report(ReportKind.PURCHASE))
        upload_payments = QPushButton("Upload Payment Report…")
        upload_payments.clicked.connect(lambda: self.choose_report(ReportKind.PAYMENTS))
        upload_reserve = QPushButton("Upload Reserve Report…")  # releases, chargebacks (#13)
        upload_reserve.setObjectName("uploadReserve")
        upload_reserve.clicked.connect(lambda: self.choose_report(ReportKind.RESERVE))
        purchase_template = QPushButton("Purchase template…")
        purchase_template.setToolTip("Save a blank Purchase_Report.csv to fill in")
        purchase_template.clicked.connect(lambda: self.save_template(ReportKind.PURCHASE))
        payments_template = QPushButton("Payments template…")
        payments_template.setToolTip("Save a blank Payments_Report.csv to fill in")
        payments_template.clicked.connect(lambda: self.save_template(ReportKind.PAYMENTS))
        actions = QHBoxLayout()
        actions.addWidget(self.download)
        actions.addWidget(upload_purchase)
        actions.addWidget(upload_payments)
        actions.addStretch(1)
        self.status_filter = status_filter(self.batches)
        self.invoices.buttons.addWidget(self.reverse_button)
        # issue #14: the selected batch emailed to its factor (gui/send_dialog.py); here, as
        # the row of Download… has no room left at 1024 px
        self.email = QPushButton("Email to factor…")
        self.email.setObjectName("emailBatch")
        self.email.setToolTip("The selected batch's schedule and packet by email to its "
                              "factor")
        self.email.clicked.connect(lambda: email_batch(self, self.selected_batch()))
        self.invoices.buttons.addWidget(self.email)
        self.invoices.buttons.addStretch(1)
        self.invoices.buttons.addWidget(self.status_filter)
        actions.addWidget(purchase_template)
        actions.addWidget(payments_template)

        self.recon = RowTableModel([
            Column("", lambda r: r[0], tooltip=lambda r: r[0].strip()),  # elided at 1024
            Column("Amount", lambda r: r[1], align_right=True)], row_key=lambda r: r[0])
        self.recon_view = table_view(self.recon, stretch=(0,),
                                     empty="Select a batch to see its reconciliation.")
        self.recon_box = QGroupBox("Reconciliation")
        box = QVBoxLayout(self.recon_box)
        box.addWidget(self.recon_view)

        self.history = RowTableModel([
            Column("Import", lambda h: h.id, text=lambda h: f"#{h.id}"),
            Column("Kind", lambda h: f"{h.kind.capitalize()} report"
                   if h.kind != ReportKind.PAYMENTS else "Payment report"),
            Column("File", lambda h: h.file_name),
            Column("Batch", lambda h: h.batch or ""),
            Column("When", lambda h: h.imported_at, text=lambda h: when_text(h.imported_at)),
            Column("By", lambda h: h.imported_by),
            Column("Rows", lambda h: h.rows, align_right=True),
            Column("Status", lambda h: h.status.title() + (
                f" {when_text(h.undone_at)}" if h.undone_at else "")),
        ], row_key=lambda h: h.id)
        self.history_view = table_view(
            self.history, name="historyTable", sort=(0, NEWEST_FIRST),  # by import number
            stretch=(2,), empty="No reports imported yet — upload the factor's "
                                     "purchase, payment or reserve report, or drop it on "
                                     "this page." if self.desk.may("apply_report") is None
            else "No reports imported yet.")
        self.undo = QPushButton("Undo import…")
        self.undo.clicked.connect(self.undo_selected)
        on_selection_moved(self.history_view, self._selection_moved)
        self._selection_moved()
        history_box = QGroupBox("Import history")
        hb = QVBoxLayout(history_box)
        hb.addWidget(self.history_view)
        undo_row = QHBoxLayout()
        undo_row.addWidget(upload_reserve)  # here, the row above has no room at 1024 px
        mappings = QPushButton("Column mappings…")  # #14: the factors' columns, saved
        mappings.setObjectName("columnMappings")
        mappings.setToolTip("The columns saved for each factor's files; forget one to "
                            "match them again")
        mappings.clicked.connect(self.show_mappings)
        undo_row.addWidget(mappings)
        undo_row.addStretch(1)
        undo_row.addWidget(self.undo)
        hb.addLayout(undo_row)

        lower = QSplitter()
        lower.addWidget(self.recon_box)
        # #13: invoiced / purchased / paid by month, a tab beside the import history (the
        # window still shrinks to 1024x640)
        self.months = MonthChart()
        self.history_tabs = QTabWidget()
        self.history_tabs.setObjectName("historyTabs")
        history_box.setTitle("")  # the tab says it
        self.history_tabs.addTab(history_box, "Import history")
        self.history_tabs.addTab(self.months, "By month")
        lower.addWidget(self.history_tabs)
        lower.setSizes([380, 620])  # at 1280 px every label of the reconciliation whole
        self.recon_box.setMinimumWidth(290)  # at 1024 px the longest elided (tool tip whole)
        # a wider window widens the import history most; a narrower one narrows the
        # reconciliation too (down to its minimum), not the import history alone
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 2)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        batch_split = QSplitter(Qt.Orientation.Vertical)  # the batches over its invoices
        batch_split.addWidget(self.batch_view)
        batch_split.addWidget(self.invoices)
        batch_split.setSizes([130, 290])
        ul.addWidget(batch_split, 1)
        ul.addLayout(actions)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([290, 390])  # the reconciliation whole, down to Open balance

        self.hint = QLabel("Drop a purchase, payment or reserve report (.csv or .xlsx) "
                           "anywhere on this page to upload it.")
        self.hint.setStyleSheet(tone_style(self.hint, "note"))  # palette(mid) was too faint
        self.hint.setWordWrap(True)  # a viewer's longer reason must not widen the window
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Factoring Reports"))
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        # what the login may not do stays off, its tool tip saying why (#15)
        if not allow([upload_purchase, upload_payments, upload_reserve], self.desk,
                     "apply_report"):
            self.hint.setText(self.desk.may("apply_report") or "")  # not "drop a report"
        for button, job in ((self.undo, "undo_import"), (self.reverse_button, "reverse_batch"),
                            (self.invoices.recall_button, "recall_invoices"),
                            (self.email, "send_batch")):
            allow(button, self.desk, job)
        self.drops = DropFilter(self, (".csv", ".xlsx"))
        self.drops.dropped.connect(lambda paths: self.upload(paths[0]))

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        selected = self.selected_batch()
        self.run(Job("Loading batches", lambda: (self.desk.batches_overview(),
                                                      self.desk.import_history()),
                     done=lambda result: self._loaded(result[0], result[1], selected), user=False))
        self.run(Job("Adding up the months", lambda: self.desk.money_by_month(MONTHS),
                     done=self.months.show_months, user=False))

    def _loaded(self, overview, history, selected) -> None:
        # The tables keep the selection on the same batch and import (by their keys), or
        # drop it when the record is gone: never on the row that took its place.
        self.batches.set_rows(overview)
        self.history.set_rows(history)
        fit_columns(self.batch_view)
        # The Factor column once the batches went to more than one factor (a carrier that
        # switched): with one, it would only push Paid and Open balance off at 1024 px.
        self.batch_view.setColumnHidden(
            FACTOR_COLUMN, len({o.batch.factoring_company for o in overview}) < 2)
        fit_columns(self.history_view, 200)  # a long file name elides (its tip: whole)
        target, self._target = self._target, None
        if target is not None and select_record(self.batch_view, target):
            self.batch_view.scrollTo(self.batch_view.currentIndex())
        elif selected is None and self.selected_batch() is None and overview:
            self.batch_view.selectRow(0)  # nothing chosen yet: the newest batch
        else:
            self._batch_selected()  # its figures may have changed
        self._selection_moved()

    def show_target(self, target: str) -> None:
        """Select batch ``target`` once loaded (a double-click on the Audit page)."""
        self._target = target

    def selected_batch(self) -> str | None:
        overview = selected_row(self.batch_view)
        return overview.batch.batch if overview is not None else None

    def _selection_moved(self) -> None:
        """The buttons act on the selected records only; with none, they are off."""
        batch = self.selected_batch()
        self.download.setEnabled(batch is not None)
        self.email.setEnabled(batch is not None)
        self.undo.setEnabled(self.selected_import() is not None)
        if batch is None:
            self.recon.set_rows([])
            self.invoices.show_batch(None)
            self.recon_box.setTitle("Reconciliation")

    def _batch_selected(self, *_args) -> None:
        batch = self.selected_batch()
        if not batch:
            return
        self.invoices.show_batch(batch)
        self.run(Job("Reconciling", lambda: self.desk.reconcile(batch, rows=False),
                     done=lambda r: self._show_recon(batch, r), user=False))

    def _show_recon(self, batch: str, recon) -> None:
        if batch != self.selected_batch():
            return  # the clerk chose another batch since
        self.recon_box.setTitle(f"Reconciliation of batch {batch}")
        totals = recon.batches[0].totals if recon.batches else {}
        self.recon.set_rows([(label, totals.get(key, from_cents(0)))
                             for key, label in RECON_LABELS.items()])

    # ------------------------------------------------------------------ download

    def download_selected(self) -> None:
        batch = self.selected_batch()  # the batch selected now, whatever row it is on
        if not batch:
            self.asker.info("Download", "Select the batch to download first.")
            return
        start = str(self.settings.value("folders/download", str(Path.home()), str))
        folder = self.asker.folder(f"Download batch {batch} to…", start)
        if not folder:
            return
        self.settings.setValue("folders/download", folder)
        self.progress = QProgressDialog(f"Downloading batch {batch}…", "Cancel", 0, 100, self)
        self.progress.setWindowTitle("Download")
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.runner.cancel)
        self.progress.setValue(0)

        def progress(done, total, message):
            if self.progress is not None:
                self.progress.setMaximum(total)
                self.progress.setValue(done)
                self.progress.setLabelText(message)

        def finished(result):
            self._close_progress()
            if result is None:
                self.status.emit(f"Download of batch {batch} cancelled; nothing was written.")
                return
            self.last_export = result
            self.status.emit(f"Batch {batch} saved to {result.folder}.")
            if self.asker.confirm("Download", f"Batch {batch} was saved to {result.folder}: "
                                  f"{result.invoices} invoices, {result.pages} pages.",
                                  "Open folder"):
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.folder)))

        def failed(exc):
            self._close_progress()
            from factor_desk.services.export import ExportCancelled

            if isinstance(exc, ExportCancelled):
                self.status.emit(str(exc))
                return
            self.asker.problem(exc)

        if not self.run(Job(f"Downloading batch {batch}",
                            Call(self.desk.export, batch, folder),
                            done=finished, error=failed, progress=progress)):
            self._close_progress()

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def save_template(self, kind: str) -> None:
        name = {ReportKind.PURCHASE: "Purchase_Report.csv",
                ReportKind.RESERVE: "Reserve_Report.csv"}.get(ReportKind(kind),
                                                              "Payments_Report.csv")
        start = str(self.settings.value("folders/templates", str(Path.home()), str))
        target = self.asker.save_file("Save template", str(Path(start) / name),
                                      "CSV (*.csv)")
        if not target:
            return
        self.settings.setValue("folders/templates", str(Path(target).parent))
        try:
            write_text_file(target, self.desk.report_template(kind))
        except InputRefused as exc:  # a folder gone, a file open in Excel, a full disk
            self.asker.problem(exc)
            return
        self.status.emit(f"Template saved to {target}.")

    # ------------------------------------------------------------------ upload

    def selected_import(self):
        return selected_row(self.history_view)

    def undo_selected(self) -> None:
        imp = self.selected_import()  # the import selected now, whatever row it is on
        if imp is None:
            self.asker.info("Undo import", "Select the import to undo first.")
            return
        if imp.status == ImportStatus.UNDONE:
            self.asker.info("Undo import", f"Import #{imp.id} was already undone.")
            return
        if not self.asker.confirm("Undo import",
                                  f"Undo import #{imp.id} ({imp.file_name})? "
                                  f"{UNDO_WORDS.get(imp.kind, UNDO_WORDS[''])} The file can "
                                  "be uploaded again afterwards.", "Undo import"):
            return

        def undone(r: reports.UndoResult) -> None:
            self.status.emit(f"Import #{r.import_id} undone: "
                             f"{plural(r.records_removed, 'record')} removed, "
                             f"{plural(r.loads_moved_back, 'load')} moved back.")
            self.refresh()

        self.run(Job(f"Undoing import #{imp.id}", lambda: self.desk.undo_import(imp.id),
                     done=undone))



    # ------------------------------------------------------------------ column mappings

    def show_mappings(self) -> None:
        """Column mappings…: each factor's saved columns (#14), with Forget."""
        self.mappings_dialog = MappingsDialog(
            self, forget=self._forget_mapping,
            titles=lambda kind: {f.name: f.title for f in self.desk.report_fields(kind)})
        allow(self.mappings_dialog.forget, self.desk, "forget_mapping")
        self._load_mappings()
        self.mappings_dialog.open()

    def _load_mappings(self) -> None:
        desk = self.desk

        def load() -> list:
            return [m for f in desk.factors()
                    for k in (ReportKind.PURCHASE, ReportKind.PAYMENTS, ReportKind.RESERVE)
                    if (m := desk.saved_mapping(f.name, k)) is not None]

        dialog = self.mappings_dialog
        if dialog is not None:
            self.run(Job("Reading the column mappings", load, done=dialog.show_mappings))

    def _forget_mapping(self, mapping) -> None:
        whose = f"{mapping.factor}'s {kind_words(mapping.kind)} reports"
        if not self.asker.confirm("Forget column mapping",
                                  f"Forget the columns saved for {whose}? The next such file "
                                  "is read by the usual column names, or opens the "
                                  "assistant again.", "Forget"):
            return

        def forgotten(_: object) -> None:
            self.status.emit(f"The columns saved for {whose} were forgotten.")
            self._load_mappings()

        self.run(Job("Forgetting the column mapping",
                     lambda: self.desk.forget_mapping(mapping.factor, mapping.kind),
                     done=forgotten))

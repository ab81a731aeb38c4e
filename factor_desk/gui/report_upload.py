"""The upload of a factor's report on Factoring Reports: choose or drop the file, take its
batch (the one its Batch Number column names, else ask) or, for a reserve report, its
factor (asked when there are several), check it on a worker, show the preview, apply it.
A file whose columns cannot be placed goes through the column-mapping assistant first
(gui/mapping_dialog.py, issue #14). ReportsPage (gui/reports_page.py) is built on it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from factor_desk.domain.factor_reports import ReportKind
from factor_desk.domain.money import format_money
from factor_desk.gui.common import ask_for_sheet
from factor_desk.gui.jobs import Call, Job
from factor_desk.gui.mapping_dialog import MappingDialog, can_be_matched
from factor_desk.gui.page import Page
from factor_desk.gui.permissions import refused
from factor_desk.gui.preview_dialog import (
    PreviewDialog,
    PreviewRow,
    plural,
    reserve_what,
    row_amounts,
)
from factor_desk.services import reports
from factor_desk.services.reports.mapping import ColumnsNotPlaced

REPORT_FILES = "Spreadsheets (*.csv *.xlsx);;All files (*)"
PURCHASE_AMOUNTS = ("Invoice amount", "Advance", "Fee", "Reserve")
PAYMENT_AMOUNTS = ("Paid", "Short pay", "Over pay", "Stays open")
RESERVE_AMOUNTS = ("Amount",)
TITLES = {ReportKind.PURCHASE: "Upload Purchase Report",
          ReportKind.PAYMENTS: "Upload Payment Report",
          ReportKind.RESERVE: "Upload Reserve Report"}
WHAT = {ReportKind.PURCHASE: "purchase report", ReportKind.PAYMENTS: "payment report",
        ReportKind.RESERVE: "reserve report"}
CHOICES = {"Purchase Report": ReportKind.PURCHASE, "Payment Report": ReportKind.PAYMENTS,
           "Reserve Report": ReportKind.RESERVE}
NO_BATCH = ("No batch has been submitted yet. Submit a batch (Accounting Tools → Factoring "
            "Batch) first; its purchase report can be uploaded here afterwards.")


@dataclass(frozen=True)
class Upload:
    """One upload as it goes from the file to the preview and Apply."""

    path: str
    kind: str
    batch: str | None = None  # a purchase report's
    sheet: str | None = None  # of a workbook
    factor: str | None = None  # a reserve report's (asked when there are several)
    mapping: dict[str, str] | None = None  # the columns matched in the assistant
    remember: bool = True  # applying saves ``mapping`` for the factor (the service does)

    @property
    def name(self) -> str:
        return Path(self.path).name


def remember(up: Upload) -> dict[str, bool]:
    """``remember=`` for preview_report and apply_report: whether applying by the mapping
    matched in the assistant saves it for the factor."""
    return {"remember": up.remember} if up.mapping else {}


class ReportUpload(Page):
    """Choose, check, preview and apply a factor's report: the upload flow of ReportsPage,
    which subclasses this and gives the batches and the selected one."""

    batches: Any  # the batches table's model, of ReportsPage
    preview_dialog: PreviewDialog | None
    mapping_dialog: MappingDialog | None = None

    def selected_batch(self) -> str | None:
        raise NotImplementedError

    def choose_report(self, kind: str) -> None:
        if refused(self.desk, self.asker, "apply_report"):
            return  # before the file dialog, not after it
        start = str(self.settings.value("folders/reports", str(Path.home()), str))
        title = TITLES[ReportKind(kind)]
        if kind == ReportKind.PURCHASE and not self.batches.rows():
            self.asker.info(title, NO_BATCH)  # said before the file dialog, not after it
            return
        path = self.asker.open_file(title, start, REPORT_FILES)
        if path:
            self.upload(path, kind)

    def upload(self, path: str, kind: str | None = None) -> None:
        """Preview an uploaded report; Apply in the preview applies it."""
        if refused(self.desk, self.asker, "apply_report"):
            return  # a file dropped by a login that may not upload: nothing is read
        self.settings.setValue("folders/reports", str(Path(path).parent))
        if kind is None:  # a dropped file: its columns say what it is (read off the GUI thread)
            self.run(Job(f"Reading {Path(path).name}",
                         lambda: self.desk.report_kind(path),
                         done=lambda found: self._upload_as(path, found)))
            return
        self._upload_as(path, kind)

    def _upload_as(self, path: str, kind: str | None, sheet: str | None = None) -> None:
        if kind is None:
            answer = self.asker.choice("Upload", f"Is {Path(path).name} a purchase report, "
                                       "a payment report or a reserve report?",
                                       list(CHOICES))
            if answer is None:
                return
            kind = CHOICES[answer]
        what = WHAT[ReportKind(kind)]

        def failed(exc: BaseException) -> None:
            chosen = ask_for_sheet(self.asker, exc, what)
            if chosen:
                self._upload_as(path, kind, chosen)

        if kind == ReportKind.PURCHASE:  # its Batch Number column may name its batch

            def unread(exc: BaseException) -> None:
                if isinstance(exc, ColumnsNotPlaced) and can_be_matched(exc.look):
                    # the batch is asked first; then the columns, by the batch's factor
                    self._check_purchase(path, [], sheet)
                else:
                    failed(exc)

            self.run(Job(f"Reading {Path(path).name}",  # placed by a saved mapping too
                         Call(self.desk.named_batches, path, sheet=sheet),
                         done=lambda named: self._check_purchase(path, named, sheet),
                         error=unread))
            return
        if kind == ReportKind.RESERVE:  # whose reserve: asked when there are several
            self.run(Job("Reading the factoring companies", self.desk.factors,
                         done=lambda found: self._check_reserve(path, found, sheet, failed)))
            return
        self._check(Upload(path, kind, sheet=sheet), failed)

    def _check_reserve(self, path: str, factors: list, sheet: str | None, failed) -> None:
        factor = None
        if len(factors) > 1:
            factor = self.asker.item(
                TITLES[ReportKind.RESERVE], f"Whose reserve report is {Path(path).name}? "
                "(Rows that name an invoice go to the factor of its batch.)",
                [f.name for f in factors])
            if factor is None:
                return
        self._check(Upload(path, ReportKind.RESERVE, sheet=sheet, factor=factor), failed)

    def _check_purchase(self, path: str, named: list[str], sheet: str | None) -> None:
        batch = self._batch_for(Path(path).name, named)
        if batch is None:
            return

        def failed(exc: BaseException) -> None:
            self.asker.problem(exc)

        self._check(Upload(path, ReportKind.PURCHASE, batch=batch, sheet=sheet), failed)

    def _batch_for(self, file_name: str, named: list[str]) -> str | None:
        """The batch a purchase report is for: the one its rows name; else the clerk says
        (the batch selected, when the file names none)."""
        title = "Upload Purchase Report"
        if len(named) == 1:
            return named[0]
        if named:
            return self.asker.item(title, f"{file_name} names {len(named)} batches: "
                                   f"{', '.join(named)}. Which batch is this purchase "
                                   "report for?", named)
        selected = self.selected_batch()
        if selected is not None:
            return selected
        known = [o.batch.batch for o in self.batches.rows()]
        if not known:
            self.asker.info(title, NO_BATCH)
            return None
        return self.asker.item(title, f"{file_name} names no batch (it has no Batch Number "
                               "column, or leaves it blank). Which batch is this purchase "
                               "report for?", known)

    def _check(self, up: Upload, failed) -> None:
        """Preview ``up`` on the worker; a file whose columns cannot be placed opens the
        column-mapping assistant, and is previewed again with what the clerk matched."""

        def refused(exc: BaseException) -> None:
            if isinstance(exc, ColumnsNotPlaced) and can_be_matched(exc.look):
                self._match_columns(up, exc.look, failed)
            else:
                failed(exc)

        self.run(Job(f"Checking {up.name}",
                     Call(self.desk.preview_report, up.kind, up.path, batch=up.batch,
                          sheet=up.sheet, factor=up.factor, mapping=up.mapping,
                          **remember(up)),
                     done=lambda preview: self._show_preview(up, preview, failed),
                     error=refused))

    # ------------------------------------------------------------------ columns (#14)

    def _match_columns(self, up: Upload, look, failed, preview: PreviewDialog | None = None
                       ) -> None:
        """The assistant for ``up``'s file (its FileLook ``look``); OK previews the file
        again with the columns matched. "Remember" is kept as the services keep a mapping
        given: applying the file saves it for the factor, in the same transaction (the
        preview says so; nothing changes until Apply, as the preview promises)."""
        factor = up.factor or self._factor_of(up.batch)
        if factor is None:  # a payment report: its factor, when the carrier has one only
            self.run(Job("Reading the factoring companies", self.desk.factors,
                         done=lambda found: self._open_assistant(
                             up, look, failed, preview,
                             found[0].name if len(found) == 1 else None)))
            return
        self._open_assistant(up, look, failed, preview, factor)

    def _open_assistant(self, up: Upload, look, failed, preview: PreviewDialog | None,
                        factor: str | None) -> None:
        dialog = MappingDialog(self, look, factor=factor)
        dialog.accepted.connect(lambda: self._columns_matched(up, dialog, failed, preview))
        self.mapping_dialog = dialog
        dialog.open()

    def _columns_matched(self, up: Upload, dialog: MappingDialog, failed,
                         preview: PreviewDialog | None) -> None:
        if preview is not None:
            preview.reject()  # the preview by the columns before; a new one follows
        self._check(replace(up, mapping=dialog.mapping(), remember=dialog.remembers()),
                    failed)

    def _edit_columns(self, up: Upload, preview: PreviewDialog, failed) -> None:
        """Columns… in the preview: the assistant again for this file, as it is read now."""
        self.run(Job(f"Reading {up.name}",
                     Call(self.desk.look_at_report, up.kind, up.path, factor=up.factor,
                          batch=up.batch, sheet=up.sheet, mapping=up.mapping),
                     done=lambda look: self._match_columns(up, look, failed, preview)))

    def _factor_of(self, batch: str | None) -> str | None:
        for o in self.batches.rows() if batch else ():
            if o.batch.batch == batch:
                return str(o.batch.factoring_company)
        return None

    @staticmethod
    def _mapping_note(up: Upload, preview) -> str:
        """Which columns the preview read, for its line beside Columns…"""
        if up.mapping and not up.remember:
            return "Columns: as you matched them, for this file only."
        if up.mapping:
            saves = preview.mapping_saved
            return ("Columns: as you matched them; " + saves + "." if saves else
                    "Columns: as you matched them (not saved: the rows name no one "
                    "factor).")
        if preview.mapping_note:
            return f"Columns: {preview.mapping_note}."
        return "Columns: found by their titles in the file."

    # ------------------------------------------------------------------ preview

    def _show_preview(self, up: Upload, preview, failed) -> None:
        if preview is None:
            return
        kind, batch, factor = up.kind, up.batch, up.factor
        counts = preview.counts
        what = (f"Purchase report for batch {preview.batch or batch}"
                if kind == ReportKind.PURCHASE
                else "Reserve report" + (f" of {factor}" if factor else "")
                if kind == ReportKind.RESERVE
                else "Payment report")
        summary = (f"<b>{what}: {preview.file_name}</b><br>"
                   f"{plural(len(preview.rows), 'row')}: {counts['applies']:,} "
                   f"{'applies' if counts['applies'] == 1 else 'apply'}, "
                   f"{plural(counts['warning'], 'warning')}, "
                   f"{plural(counts['error'], 'error')}"
                   + (f", {counts['already_applied']:,} already applied"
                      if counts.get("already_applied") else "")
                   + ". Nothing changes until you press "
                   "Apply.")
        if kind == ReportKind.PURCHASE:
            t = preview.totals
            totals = (f"Purchased {format_money(t['purchased'])} · advances "
                      f"{format_money(t['advance'])} · fees "
                      f"{format_money(t['fee'])} · reserve "
                      f"{format_money(t['reserve'])}")
            if t["amount_difference"]:
                totals += (f" · the factor's amount {format_money(t['factor_amount'])}"
                           f" (difference {format_money(t['amount_difference'])})")
            if preview.missing_invoices:
                totals += (f"<br><b>Not in the report ({len(preview.missing_invoices)}):</b> "
                           + ", ".join(preview.missing_invoices))
        elif kind == ReportKind.RESERVE:
            t = preview.totals
            totals = (f"Released {format_money(t['released'])} · charged back "
                      f"{format_money(t['charged_back'])} on "
                      f"{plural(int(t['chargebacks']), 'invoice')} · fees "
                      f"{format_money(t['fees'])} · adjustments "
                      f"{format_money(t['adjustments'])}")
        else:
            t = preview.totals
            totals = (f"Paid {format_money(t['paid'])} on "
                      f"{plural(int(t['invoices']), 'invoice')} · short pays "
                      f"{format_money(t['short_pay'])} · overpays "
                      f"{format_money(t['overpay'])} · stays open (partial payments) "
                      f"{format_money(t['stays_open'])}")
        blockers = [str(p.message) for p in reports.refusals(preview, allow_missing=True)]
        if len(blockers) > 3:
            blockers = blockers[:3] + [f"and {len(blockers) - 3} more; see the rows above"]
        confirmation = None
        if preview.missing_invoices:
            missing = len(preview.missing_invoices)
            confirmation = (f"Leave the {plural(missing, 'invoice')} missing from the report "
                            "Invoiced, and apply the rest")
        amounts = row_amounts(preview)
        rows = []
        for i, r in enumerate(preview.rows):
            does = reserve_what(r.values, r.load_number) if kind == ReportKind.RESERVE \
                else None
            reasons = [does, *r.reasons] if does else list(r.reasons)
            rows.append(PreviewRow(r.row, r.invoice_number, r.load_number, r.outcome,
                                   "; ".join(reasons), amounts[i], reasons))
        dialog = PreviewDialog(self, title=what, summary=summary, rows=rows,
                               headers=("Invoice #", "Load #"), totals=totals,
                               blockers=blockers, confirmation=confirmation,
                               sheet=preview.sheet,
                               amounts=PURCHASE_AMOUNTS if kind == ReportKind.PURCHASE
                               else RESERVE_AMOUNTS if kind == ReportKind.RESERVE
                               else PAYMENT_AMOUNTS,
                               mapping_note=self._mapping_note(up, preview))
        previewed = replace(up, sheet=preview.sheet)  # applied as previewed: sheet, columns
        dialog.apply_requested.connect(
            lambda confirmed: self._apply(dialog, previewed, confirmed))
        dialog.columns_requested.connect(lambda: self._edit_columns(previewed, dialog, failed))
        self.preview_dialog = dialog
        dialog.open()

    def _apply(self, dialog: PreviewDialog, up: Upload, confirmed: bool) -> None:
        dialog.busy(True)

        def done(result):
            dialog.accept()
            saved = result.preview.mapping_saved
            self.status.emit(f"{result.file_name} applied as import #{result.import_id}: "
                             f"{plural(result.rows_applied, 'row')}."
                             + (f" {saved[:1].upper()}{saved[1:]}." if saved else ""))
            self.refresh()

        def failed(exc):
            dialog.busy(False)
            self.asker.problem(exc)

        self.run(Job(f"Applying {up.name}",
                     Call(self.desk.apply_report, up.kind, up.path, batch=up.batch,
                          allow_missing=confirmed, sheet=up.sheet, factor=up.factor,
                          mapping=up.mapping, **remember(up)),
                     done=done, error=failed))

    # ------------------------------------------------------------------ undo

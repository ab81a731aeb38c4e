"""The preview of an upload: every row in the file's order with its outcome, its amounts
and why (all of it in the pane below the table), the totals, the missing invoices; Apply
and Cancel. Nothing changes until Apply. Drawn in ui/preview.ui."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton

from factor_desk.domain.factor_reports import Outcome, ReportKind
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.money import format_money, from_cents
from factor_desk.domain.text import excerpt
from factor_desk.gui.common import primary_button, table_view
from factor_desk.gui.forms.ui_preview import Ui_previewDialog
from factor_desk.gui.models import Column, RowTableModel, on_selection_moved, selected_row
from factor_desk.services.reports import PaymentValues, Preview, PurchaseValues, ReserveValues

COLORS = {Outcome.APPLIES: QColor("#e6f4ea"), Outcome.WARNING: QColor("#fff4ce"),
          Outcome.ERROR: QColor("#fde7e9"), Outcome.ALREADY_APPLIED: QColor("#eef1f5")}
# An outcome as the clerk reads it (else its value, capitalised).
WORDS = {Outcome.ALREADY_APPLIED.value: "Already applied"}


def outcome_word(outcome: str) -> str:
    return WORDS.get(outcome) or outcome.title()


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``0 errors``: a count with its word as a clerk writes it."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


@dataclass
class PreviewRow:
    row: int
    first: str  # invoice number (reports) or load number (loads)
    second: str
    outcome: str
    why: str
    # the row's amounts, one for each of the dialog's ``amounts`` headers (None: blank)
    amounts: tuple[Decimal | None, ...] = ()
    # each reason apart, for the detail pane (else ``why``)
    reasons: list[str] = field(default_factory=list)

    @property
    def detail(self) -> str:
        return "\n".join(f"• {r}" for r in self.reasons) if self.reasons else self.why


def _amount_column(title: str, i: int) -> Column:
    return Column(title, lambda r: r.amounts[i] if i < len(r.amounts) else None,
                  align_right=True)


class PreviewDialog(QDialog):
    """``apply_requested(confirmed)`` when the clerk presses Apply; ``confirmed`` is the
    state of the confirmation box (missing invoices, or good rows only). With ``mapping_note``
    (a factor's report: which columns were read, e.g. "using the mapping saved for RTS on
    11/28/2026"; "" when the built-in spellings placed them) a line says it beside a
    Columns… button, which emits ``columns_requested`` (the mapping assistant, issue
    #14)."""

    apply_requested = Signal(bool)
    columns_requested = Signal()

    def __init__(self, parent, *, title: str, summary: str, rows: list[PreviewRow],
                 headers: tuple[str, str], totals: str, blockers: list[str],
                 confirmation: str | None, apply_text: str = "Apply",
                 sheet: str | None = None, amounts: tuple[str, ...] = (),
                 mapping_note: str | None = None):
        super().__init__(parent)
        self.form = form = Ui_previewDialog()
        form.setupUi(self)
        self.setWindowTitle(title)
        self.summary, self.sheet, self.view = form.summary, form.sheet, form.view
        self.totals, self.blockers, self.confirm = form.totals, form.blockers, form.confirm
        self.detail = form.detail
        # Normal-size buttons at the right: Cancel, and the blue Apply (or Import).
        self.cancel = form.buttonBox.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setIcon(QIcon())  # a plain button beside Apply, not a red cross
        self.apply = primary_button(apply_text)
        form.buttonBox.addButton(self.apply, QDialogButtonBox.ButtonRole.ApplyRole)
        self.summary.setText(summary)
        # Which sheet of a workbook was read, so that the clerk sees it is the one meant.
        self.sheet.setText(f"Read from the sheet {excerpt(sheet)} of the workbook."
                           if sheet else "")
        self.sheet.setVisible(bool(sheet))
        self.columns_note = QLabel(mapping_note or "")
        self.columns_note.setObjectName("columnsNote")
        self.columns_note.setWordWrap(True)
        self.columns = QPushButton("Columns…")
        self.columns.setObjectName("columnsButton")
        self.columns.setToolTip("Which column of the file holds what: change it, or save it "
                                "for this factor")
        self.columns.clicked.connect(self.columns_requested)
        columns_row = QHBoxLayout()
        columns_row.addWidget(self.columns_note, 1)
        columns_row.addWidget(self.columns)
        form.layout.insertLayout(2, columns_row)
        self.columns_note.setVisible(bool(mapping_note))
        self.columns.setVisible(mapping_note is not None)
        columns = [Column("Row", lambda r: r.row), Column(headers[0], lambda r: r.first)]
        if headers[1] or any(r.second for r in rows):  # no empty column
            columns.append(Column(headers[1], lambda r: r.second))
        columns.append(Column("Outcome", lambda r: outcome_word(r.outcome)))
        columns += [_amount_column(t, i) for i, t in enumerate(amounts)]
        why = len(columns)
        columns.append(Column("Why", lambda r: r.why, tooltip=lambda r: r.detail))
        self.model = RowTableModel(columns, row_background=lambda r: COLORS.get(r.outcome))
        self.model.set_rows(rows)
        # In the file's order, row 1 first; a click on a header sorts by it. No arrow
        # until then (styles disagree on which way an arrow means ascending): the rows
        # are simply in the file's order, as the Row column says.
        widths = {0: 48, 1: 96}
        widths.update({i: 90 for i in range(2, why - len(amounts))})
        table_view(self.model, view=self.view, select="row", dense=False,
                   sort=(0, Qt.SortOrder.AscendingOrder), stretch=(why,), widths=widths)
        header = self.view.horizontalHeader()
        for i in range(why - len(amounts), why):  # each amount and its title in full
            header.resizeSection(i, max(90, header.sectionSizeHint(i),
                                        self.view.sizeHintForColumn(i)))
        header.setSortIndicatorShown(False)
        header.sectionClicked.connect(lambda _: header.setSortIndicatorShown(True))
        self.view.setWordWrap(False)  # one line a row; all of why is in the pane below
        on_selection_moved(self.view, self._show_detail)
        if rows:
            self.view.selectRow(0)
        self._show_detail()
        self.totals.setText(totals)
        self.totals.setVisible(bool(totals))
        self.blockers.setText("<br>".join(f"<b>Cannot apply:</b> {b}" for b in blockers))
        self.blockers.setVisible(bool(blockers))
        self.confirm.setText(confirmation or "")
        self.confirm.setVisible(confirmation is not None)
        self.apply.clicked.connect(lambda: self.apply_requested.emit(self.confirm.isChecked()))
        self._blocked = bool(blockers)
        self._needs_confirm = confirmation is not None
        self.confirm.toggled.connect(self._update)
        self._update()

    def _show_detail(self) -> None:
        row: PreviewRow | None = selected_row(self.view)
        if row is None:
            self.detail.setPlainText("")
            return
        self.detail.setPlainText(f"Row {row.row} ({outcome_word(row.outcome)}):\n{row.detail}")

    def can_apply(self) -> bool:
        return not self._blocked and (not self._needs_confirm or self.confirm.isChecked())

    def _update(self) -> None:
        self.apply.setEnabled(self.can_apply())

    def busy(self, on: bool) -> None:
        self.apply.setEnabled(not on and self.can_apply())


def row_amounts(preview: Preview) -> list[tuple[Decimal | None, ...]]:
    """Each row's amounts as the preview shows them beside its outcome: a purchase row's
    invoice amount, advance, fee and reserve; a payment row's amount paid, the short pay it
    writes off, the overpay after it, or what stays open after it (as its reasons say)."""
    if preview.kind == ReportKind.PURCHASE:
        return [(from_cents(v.invoice_amount_cents), _dollars(v.advance_cents),
                 _dollars(v.fee_cents), _dollars(v.reserve_cents))
                if isinstance(v := r.values, PurchaseValues) else
                (r.amount, None, None, None) for r in preview.rows]
    out: list[tuple[Decimal | None, ...]] = []
    for r in preview.rows:
        v = r.values
        if not isinstance(v, PaymentValues) or r.outcome == Outcome.ERROR:
            out.append((r.amount, None, None, None))
            continue
        # what the row does (services/reports/payments.py worked it out in the file's
        # order): the short pay it writes off, the overpay, or the rest it leaves open
        out.append((r.amount, _dollars(v.short_pay_cents or None),
                    from_cents(-v.open_after_cents) if v.open_after_cents < 0 else None,
                    from_cents(v.open_after_cents)
                    if v.open_after_cents > 0 and not v.completes else None))
    return out


def reserve_what(values: object, load_number: str) -> str | None:
    """What a reserve report row does, in the clerk's words (the preview's Why column says
    it first: without it a release, a fee and an adjustment look alike)."""
    if not isinstance(values, ReserveValues):
        return None
    amount = format_money(from_cents(abs(values.amount_cents)))
    if values.kind == EntryKind.CHARGEBACK:
        return (f"chargeback: the factor takes {amount} back out of the reserve; load "
                f"{load_number} becomes Charged back and the carrier collects it")
    if values.kind == EntryKind.RELEASE:
        return f"release: the factor pays {amount} of the reserve out to the carrier"
    if values.kind == EntryKind.FEE:
        return f"fee: the factor takes {amount} from the reserve"
    return (f"adjustment: {amount} "
            + ("added to the reserve" if values.amount_cents >= 0 else "taken from the reserve"))


def _dollars(cents: int | None) -> Decimal | None:
    return None if cents is None else from_cents(cents)

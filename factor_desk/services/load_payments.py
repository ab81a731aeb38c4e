"""A load's money moved by the clerk, after the factor bought it (#13): the open rest written
off as a short pay (``loads close``), and the debtor's direct payment of a load the factor
charged back (``loads pay``). Each is one transaction with a ledger entry and a history
row; the figures are those of services/ledger.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from factor_desk.db.models import (
    Batch,
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    ReportImport,
    utcnow,
)
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.factor_reports import ImportStatus
from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.lifecycle import BillingStatus, HistoryAction
from factor_desk.domain.money import (
    MoneyError,
    format_money,
    from_cents,
    parse_money,
    to_cents,
)
from factor_desk.domain.text import clip
from factor_desk.services.common import current_user
from factor_desk.services.ledger import invoice_balance
from factor_desk.services.lifecycle import move_loads, record_change
from factor_desk.services.loads.queries import find_load


@dataclass
class LoadMoneyMove:
    """What a close or a direct payment did to a load."""

    load_number: str
    invoice_number: str
    kind: EntryKind  # short_pay or direct_payment
    amount: Decimal  # written off, or paid
    entry_date: dt.date
    reference: str
    reason: str
    status: str  # the load's billing status after it
    open_balance: Decimal  # what the debtor still owes (negative: overpaid)
    completed: bool  # the load became Completed


def _money(cents: int) -> str:
    return format_money(from_cents(cents))


def _open_invoice(work: Work, load: Load) -> tuple[Invoice, int]:
    """The load's invoice (not recalled) and its factor."""
    found = work.execute(
        select(Invoice, Batch.factoring_company_id).join(Batch, Batch.id == Invoice.batch_id)
        .where(Invoice.load_id == load.id, Invoice.recalled_at.is_(None))).one_or_none()
    if found is None:  # a Financed or Charged back load always has one
        raise InputRefused([f"Load {load.load_number} has no invoice with the factor."])
    return found[0], found[1]


def _locked_load(work: Work, load_number: str) -> Load:
    """The load, its row locked until commit: two clerks closing or paying it at once take
    turns, and the second sees what the first did."""
    load = find_load(work, load_number)
    work.execute(select(Load.id).where(Load.id == load.id).with_for_update())
    work.refresh(load)
    return load


_WHY_NOT_CLOSED = {
    BillingStatus.COMPLETED: "it is Completed already: nothing is left open to write off",
    BillingStatus.INVOICED: "the factor has not bought it yet (it is Invoiced): only the "
                            "factor's purchase report makes it Financed",
}


def close_load(work: Work, load_number: str, reason: str, *, today: dt.date | None = None,
               user: str | None = None) -> LoadMoneyMove:
    """Write off the open rest of a Financed (or Charged back) load as a short pay, with
    ``reason``: a short pay ledger entry, and the load becomes Completed with a history row
    that says why. Refused for a load with nothing open, or in another status."""
    user = user or current_user(work)
    reason = " ".join(reason.split())
    if not reason:
        raise InputRefused(["Give the reason for the short pay (e.g. what the debtor "
                            "deducted and why)."])
    load = _locked_load(work, load_number)
    status = BillingStatus(load.status)
    if status not in (BillingStatus.FINANCED, BillingStatus.CHARGED_BACK):
        why = _WHY_NOT_CLOSED.get(
            status, f"it is {status}; only a Financed or Charged back load has an open "
                    "balance to write off")
        raise InputRefused([f"Load {load.load_number} cannot be closed with a short pay: "
                            f"{why}."])
    invoice, factor_id = _open_invoice(work, load)
    money = invoice_balance(work, invoice.id)
    if money.balance <= 0:
        raise InputRefused([
            f"Load {load.load_number} cannot be closed with a short pay: nothing is open "
            f"({_money(money.paid)} paid of {_money(money.invoiced)}"
            + (f", overpaid by {_money(-money.balance)}" if money.balance < 0 else "")
            + ")."])
    day = today or dt.date.today()
    work.add(LedgerEntry(
        kind=EntryKind.SHORT_PAY.value, invoice_id=invoice.id, load_id=load.id,
        factoring_company_id=factor_id, entry_date=day, amount_cents=money.balance,
        reference="", reason=reason, at=utcnow(), by=user))
    work.flush()
    move_loads(work, [(load.id, load.load_number)], status, BillingStatus.COMPLETED,
               by=user, reason=f"Closed with a short pay of {_money(money.balance)}: "
                               f"{reason}",
               exception=status == BillingStatus.CHARGED_BACK,
               action=HistoryAction.SHORT_PAY_CLOSE)
    return LoadMoneyMove(load.load_number, invoice.invoice_number, EntryKind.SHORT_PAY,
                         from_cents(money.balance), day, "", reason,
                         BillingStatus.COMPLETED.value, from_cents(0), True)


_WHY_NOT_PAID = {
    BillingStatus.FINANCED: "it is Financed: the factor owns the invoice and collects it, "
                            "and its payments come in the factor's payment report",
    BillingStatus.COMPLETED: "it is Completed: it was paid already",
    BillingStatus.INVOICED: "it is Invoiced: the factor has not bought it yet",
}


def pay_load(work: Work, load_number: str, amount: Decimal, reference: str,
             day: dt.date | None = None, *, user: str | None = None) -> LoadMoneyMove:
    """Record the debtor's direct payment of a Charged back load: a direct payment ledger
    entry, and a history row; the load becomes Completed when nothing is left open (else it
    stays Charged back with the rest open). Refused: an amount not above zero, a reference
    already recorded, a load in another status.

    On PostgreSQL two clerks recording the same reference at once both pass the check; the
    unique index stops the later one, whose work raises IntegrityError (the Desk says so
    with ``reference_taken``)."""
    user = user or current_user(work)
    reference = reference.strip()
    try:
        cents = to_cents(amount)
        parse_money(amount)  # not too large for the books
    except MoneyError as exc:
        raise InputRefused([f"The amount of a direct payment: {exc}."]) from None
    if cents <= 0:
        raise InputRefused([f"The amount of a direct payment must be more than zero, found "
                            f"{format_money(amount)}."])
    if not reference:
        raise InputRefused(["Give the payment's reference (the check or ACH number): it "
                            "is how the same payment is recognised if it is entered again."])
    if len(reference) > REFERENCE_LIMIT:
        raise InputRefused([f"The payment's reference is longer than {REFERENCE_LIMIT} "
                            f"characters ({clip(reference)})."])
    load = _locked_load(work, load_number)
    status = BillingStatus(load.status)
    if status != BillingStatus.CHARGED_BACK:
        why = _WHY_NOT_PAID.get(status, f"it is {status}")
        raise InputRefused([f"Load {load.load_number} cannot take a direct payment: {why}. "
                            "Only a load the factor charged back is paid to the carrier "
                            "directly."])
    taken = reference_taken(work, reference)
    if taken is not None:
        raise taken
    invoice, factor_id = _open_invoice(work, load)
    before = invoice_balance(work, invoice.id)
    day = day or dt.date.today()
    work.add(LedgerEntry(
        kind=EntryKind.DIRECT_PAYMENT.value, invoice_id=invoice.id, load_id=load.id,
        factoring_company_id=factor_id, entry_date=day, amount_cents=cents,
        reference=reference, reason="", at=utcnow(), by=user))
    work.flush()
    rest = before.balance - cents
    what = f"Direct payment of {_money(cents)} ({reference}) on {day:%m/%d/%Y}"
    if rest <= 0:
        move_loads(work, [(load.id, load.load_number)], BillingStatus.CHARGED_BACK,
                   BillingStatus.COMPLETED, by=user, exception=True,
                   action=HistoryAction.DIRECT_PAYMENT,
                   reason=what + (f": overpaid by {_money(-rest)}" if rest < 0 else
                                  ": paid in full"))
        status = BillingStatus.COMPLETED
    else:
        record_change(work, load.id, BillingStatus.CHARGED_BACK, by=user,
                      reason=f"{what}: {_money(rest)} stays open",
                      action=HistoryAction.DIRECT_PAYMENT)
    return LoadMoneyMove(load.load_number, invoice.invoice_number, EntryKind.DIRECT_PAYMENT,
                         from_cents(cents), day, reference, "", status.value,
                         from_cents(rest), status == BillingStatus.COMPLETED)


REFERENCE_LIMIT = 100  # ledger_entries.reference


def reference_taken(work: Work, reference: str) -> InputRefused | None:
    """The refusal of a direct payment whose reference is recorded already (as a direct
    payment, or as a payment of an applied payment report: the same money counted twice);
    None when it is not."""
    paid = work.execute(
        select(Payment.payment_date, ReportImport.id, ReportImport.file_name,
               Invoice.invoice_number)
        .join(ReportImport, ReportImport.id == Payment.import_id)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.reference_number == reference.strip(),
               ReportImport.status == ImportStatus.APPLIED.value)).first()
    if paid is not None:
        day, import_id, file_name, invoice_number = paid
        return InputRefused([
            f"Reference {clip(reference.strip())} is a payment the factor reported already "
            f"(invoice {invoice_number}, {day:%m/%d/%Y}, payment report {file_name}, import "
            f"#{import_id}): the same payment cannot also be a direct payment; nothing was "
            "changed. Check the reference on the debtor's check or remittance."])
    found = work.execute(
        select(LedgerEntry.entry_date, LedgerEntry.by, Load.load_number)
        .outerjoin(Load, Load.id == LedgerEntry.load_id)
        .where(LedgerEntry.kind == EntryKind.DIRECT_PAYMENT.value,
               LedgerEntry.reference == reference.strip())).first()
    if found is None:
        return None
    day, by, load_number = found
    return InputRefused([f"A direct payment with reference {clip(reference.strip())} was "
                         f"recorded already (load {load_number}, {day:%m/%d/%Y}, by {by}); "
                         "nothing was changed."])



def take_back(work: Work, load_number: str, reason: str, *, user: str | None = None
              ) -> LoadMoneyMove:
    """Take back the clerk's last close or direct payment of a load (a mistyped amount, the
    wrong load): its ledger entry goes, and a load it completed goes back to what it was
    (Charged back when the factor charged it back, else Financed), with a history row that
    says why. Refused when something was recorded on the load's money after it (take that
    back first), or when the load's last entry is not a clerk's close or direct payment."""
    user = user or current_user(work)
    reason = " ".join(reason.split())
    if not reason:
        raise InputRefused(["Give the reason for taking it back (e.g. the amount was typed "
                            "wrong)."])
    load = _locked_load(work, load_number)
    invoice, _factor = _open_invoice(work, load)
    last = work.execute(
        select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id)
        .order_by(LedgerEntry.id.desc()).limit(1)).scalar_one_or_none()
    clerks = (EntryKind.SHORT_PAY.value, EntryKind.DIRECT_PAYMENT.value)
    if last is None or last.import_id is not None or last.kind not in clerks:
        raise InputRefused([
            f"Load {load.load_number} has no close or direct payment of a clerk to take "
            "back" + ("." if last is None else
                      f": the last movement of its money came from import #{last.import_id}"
                      " (undo that import instead)." if last.import_id is not None else
                      ".")])
    kind = EntryKind(last.kind)
    what = "short pay" if kind == EntryKind.SHORT_PAY else "direct payment"
    status = BillingStatus(load.status)
    charged = work.execute(
        select(LedgerEntry.id).where(LedgerEntry.invoice_id == invoice.id,
                                     LedgerEntry.kind == EntryKind.CHARGEBACK.value)
    ).first() is not None
    back_to = BillingStatus.CHARGED_BACK if charged else BillingStatus.FINANCED
    cents, day, reference = last.amount_cents, last.entry_date, last.reference
    work.delete(last)
    work.flush()
    words = (f"Took back the {what} of {_money(cents)}"
             + (f" ({reference})" if reference else "") + f" of {day:%m/%d/%Y}: {reason}")
    after = invoice_balance(work, invoice.id)
    if status == BillingStatus.COMPLETED and after.balance > 0:
        move_loads(work, [(load.id, load.load_number)], status, back_to, by=user,
                   reason=words, undo=back_to == BillingStatus.FINANCED,
                   exception=back_to == BillingStatus.CHARGED_BACK,
                   action=HistoryAction.TOOK_BACK)
        status = back_to
    else:
        record_change(work, load.id, status, by=user, reason=words,
                      action=HistoryAction.TOOK_BACK)
    return LoadMoneyMove(load.load_number, invoice.invoice_number, kind, from_cents(cents),
                         day, reference, reason, status.value, from_cents(after.balance),
                         False)

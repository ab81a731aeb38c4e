"""The Desk's door to the money after the purchase (issue #13): aging, the journal for the
bookkeeper, the factors' terms, and a load's money moved by the clerk (close, direct
payment, take back). ``Desk`` (services/desk.py) inherits it: one door, two rooms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from factor_desk.domain.journal import Journal
from factor_desk.services import aging as aging_service
from factor_desk.services import factors as factor_terms
from factor_desk.services import journal as bookkeeping
from factor_desk.services import load_payments

if TYPE_CHECKING:
    from factor_desk.db.database import Database
    from factor_desk.services.company import CompanyProfile


class MoneyDoor:
    """The money after the purchase, through the Desk's database."""

    db: Database

    if TYPE_CHECKING:
        def profile(self) -> CompanyProfile: ...

    # --- aging (#13)
    # What the debtors still owe by how long past due (services/aging.py), as a table, a
    # file (documents/aging_files.py) and the money of the last months.

    def aging(self, as_of: dt.date | None = None, by: str = "debtor") -> aging_service.Aging:
        """Every open invoice's balance in buckets by days past due on ``as_of`` (today
        when None), per debtor, subsidiary or batch."""
        with self.db.read() as work:
            return aging_service.aging(work, as_of or dt.date.today(), by)

    def money_by_month(self, months: int = 12, today: dt.date | None = None
                       ) -> list[aging_service.MonthFigures]:
        """Invoiced, purchased and paid per month, the last ``months`` up to this one."""
        with self.db.read() as work:
            return aging_service.money_by_month(work, months, today or dt.date.today())

    def save_aging(self, to: str | Path, *, as_of: dt.date | None = None,
                   by: str = "debtor", replace: bool = False) -> Path:
        """The aging as .xlsx (with a chart), .pdf (with a chart) or .csv, by the name's
        ending, written whole or not at all; an existing file is refused unless
        ``replace``."""
        from factor_desk.documents.aging_files import aging_bytes, save_report

        report = self.aging(as_of, by)
        data = aging_bytes(aging_service.aging_table(report, self.profile().name or ""), to)
        return save_report(to, data, replace=replace)

    # --- journal for the bookkeeper (#13)
    # The purchases, payments, short pays, direct payments, chargebacks and reserve
    # movements of a period as balanced double-entry lines (services/journal.py), and the
    # names of its accounts (the settings table).

    def journal(self, since: dt.date, until: dt.date) -> Journal:
        """The journal of the entries dated ``since`` to ``until`` (both included)."""
        with self.db.read() as work:
            return bookkeeping.journal(work, since, until)

    def save_journal(self, since: dt.date, until: dt.date, to: str | Path, *,
                     file_format: str | None = None, replace: bool = False
                     ) -> bookkeeping.JournalFile:
        """Write the journal of a period to ``to`` as CSV or QuickBooks IIF (None: .iif
        names IIF, anything else CSV); an existing file is refused unless ``replace``."""
        bookkeeping.check_period(since, until)
        with self.db.read() as work:
            book = bookkeeping.journal(work, since, until)
        return bookkeeping.write_journal(book, to, file_format, replace=replace)

    def journal_accounts(self) -> list[bookkeeping.JournalAccount]:
        with self.db.read() as work:
            return bookkeeping.journal_accounts(work)

    def set_journal_account(self, key: str, name: str) -> list[bookkeeping.JournalAccount]:
        """Name the journal's account ``key`` (``cash``...); an empty name is the default."""
        return self.set_journal_accounts({key: name})

    def set_journal_accounts(self, names: dict[str, str]) -> list[bookkeeping.JournalAccount]:
        """Name several accounts, all or nothing."""
        with self.db.write() as work:
            return bookkeeping.set_journal_accounts(work, names)

    # --- reserve (#13)
    # The factoring companies' terms (services/factors.py); the reserve report goes through
    # preview_report / apply_report / undo_import / report_template with kind "reserve".

    def factors(self) -> list[factor_terms.FactorTerms]:
        """Every factoring company's terms, by name."""
        with self.db.read() as work:
            return factor_terms.list_factors(work)

    def set_factor_terms(self, name: str, *, advance: Decimal | None = None,
                         fee: str | None = None, reserve: Decimal | None = None,
                         recourse_days: int | None = None, non_recourse: bool = False,
                         version: int | None = None) -> factor_terms.FactorTerms:
        """Change a factor's terms (those given); refused, naming each problem, when they
        do not add up. ``fee``: "3%" a percent of the invoice, "25.00" a flat amount per
        invoice."""
        with self.db.write() as work:
            return factor_terms.set_factor_terms(work, name, advance=advance, fee=fee,
                                                 reserve=reserve, recourse_days=recourse_days,
                                                 non_recourse=non_recourse, version=version)

    # --- payments over time (#13): a load's open rest written off, a direct payment
    # (services/load_payments.py). Each one transaction with a ledger entry and a history row.

    def close_load(self, load_number: str, reason: str) -> load_payments.LoadMoneyMove:
        """Write off the open rest of a Financed (or Charged back) load as a short pay; the
        load becomes Completed."""
        with self.db.write() as work:
            return load_payments.close_load(work, load_number, reason)

    def take_back_payment(self, load_number: str, reason: str
                          ) -> load_payments.LoadMoneyMove:
        """Take back the clerk's last close or direct payment of a load (a slip): its
        entry goes, and the load goes back to Financed or Charged back if it completed it."""
        with self.db.write() as work:
            return load_payments.take_back(work, load_number, reason)

    def pay_load(self, load_number: str, amount: Decimal, reference: str,
                 date: dt.date | None = None) -> load_payments.LoadMoneyMove:
        """The debtor's direct payment of a Charged back load; it becomes Completed when
        nothing is left open. A reference recorded at the same moment by another clerk is
        refused as one recorded before."""
        try:
            with self.db.write() as work:
                return load_payments.pay_load(work, load_number, amount, reference, date)
        except IntegrityError:  # the unique index: another clerk took the reference
            with self.db.read() as work:
                taken = load_payments.reference_taken(work, reference)
            if taken is None:
                raise
            raise taken from None

"""The journal for the bookkeeper: every entry balances, the accounts tie to the ledger's
own figures (services/ledger.py) and the purchase records to the cent, the period and the
account names are the bookkeeper's, and the CSV and IIF files read back as written."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from helpers import dump
from helpers_journal import ALL_TIME, DEBTOR, add_entry, factoring_story
from sqlalchemy import func, select

from factor_desk.db.models import PurchaseRecord
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.journal import Account, EntryType
from factor_desk.domain.ledger import EntryKind
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_money, reserve_figures

D = dt.date


def cents(journal) -> dict[Account, tuple[int, int]]:
    return journal.cents_by_role()


def ledger_sums(db) -> dict[str, int]:
    """What services/ledger.py and the purchase records say, in cents."""
    m = invoice_money()
    bought = PurchaseRecord.status == "purchased"
    with db.read() as work:
        paid, factor_paid, direct, short, charged = (int(v) for v in work.execute(select(
            func.sum(m.c.paid), func.sum(m.c.factor_paid), func.sum(m.c.direct_paid),
            func.sum(m.c.short_pay), func.sum(m.c.charged_back))).one())
        factor_amount, advance, fee, reserve = (int(v or 0) for v in work.execute(select(
            func.sum(PurchaseRecord.invoice_amount_cents), func.sum(PurchaseRecord.advance_cents),
            func.sum(PurchaseRecord.fee_cents), func.sum(PurchaseRecord.reserve_cents))
            .where(bought)).one())
        figures = reserve_figures(work)
    return {"paid": paid, "factor_paid": factor_paid, "direct": direct, "short": short,
            "charged": charged, "factor_amount": factor_amount, "advance": advance,
            "fee": fee, "reserve": reserve, "held": figures.held,
            "released": figures.released, "reserve_fees": figures.fees,
            "adjustments": figures.adjustments, "reserve_charged": figures.charged_back}


def test_every_entry_balances_and_the_accounts_tie_to_the_ledger(db, tmp_path):
    factoring_story(db, tmp_path)
    journal = Desk(db).journal(*ALL_TIME)
    assert journal.entries and all(e.balances for e in journal.entries)
    assert journal.debit == journal.credit
    s = ledger_sums(db)
    c = cents(journal)
    # the figures of the story, so that the ties below are not 0 == 0
    assert (s["advance"], s["paid"], s["short"], s["held"]) == (350500, 294000, 6000, 7300)
    assert c[Account.CASH] == (s["advance"] + s["released"] + s["direct"], 0)
    assert c[Account.ACCOUNTS_RECEIVABLE] == (0, s["paid"] + s["short"])
    reserve_debit, reserve_credit = c[Account.RESERVE_RECEIVABLE]
    assert reserve_debit - reserve_credit == s["held"]
    assert c[Account.FACTORING_LIABILITY] == (s["factor_paid"] + s["charged"],
                                              s["factor_amount"])
    assert c[Account.FACTORING_FEES] == (s["fee"] + s["reserve_fees"], 0)
    assert c[Account.SHORT_PAYS] == (s["short"], 0)
    diff_debit, diff_credit = c[Account.FACTORING_DIFFERENCES]
    not_itemised = s["factor_amount"] - s["advance"] - s["fee"] - s["reserve"]
    assert diff_debit - diff_credit == not_itemised - s["adjustments"]
    assert s["charged"] == s["reserve_charged"]


def test_each_kind_is_booked_as_the_loan_model_says(db, tmp_path):
    batch = factoring_story(db, tmp_path)
    journal = Desk(db).journal(*ALL_TIME)

    def booked(kind, invoice=""):
        entry = next(e for e in journal.entries if e.type == kind and e.invoice_number == invoice)
        return entry, {(ln.account.value, ln.debit, ln.credit) for ln in entry.lines}

    entry, lines = booked(EntryType.PURCHASE, "1")
    assert lines == {("cash", Decimal("875.00"), 0), ("factoring_fees", Decimal("25.00"), 0),
                     ("reserve_receivable", Decimal("100.00"), 0),
                     ("factoring_liability", 0, Decimal("1000.00"))}
    assert entry.date == D(2026, 11, 28)
    assert entry.memo.startswith("Purchased by the factor")
    assert "invoice 1" in entry.memo and "Summit Brokerage" in entry.memo
    assert "Capital Depot" in entry.memo
    assert entry.reference.startswith("import #") and entry.reference.endswith("purchase1.csv")
    # advance, fee and reserve not itemised: the whole amount is a difference
    _, lines = booked(EntryType.PURCHASE, "4")
    assert lines == {("factoring_differences", Decimal("1000.00"), 0),
                     ("factoring_liability", 0, Decimal("1000.00"))}
    _, lines = booked(EntryType.PURCHASE, "5")  # the factor bought it at $990.00
    assert ("factoring_liability", 0, Decimal("990.00")) in lines
    entry, lines = booked(EntryType.PAYMENT, "1")
    assert lines == {("factoring_liability", Decimal("1000.00"), 0),
                     ("accounts_receivable", 0, Decimal("1000.00"))}
    assert entry.reference == "ACH-1" and entry.date == D(2026, 12, 28)
    ar = next(ln for ln in entry.lines if ln.account is Account.ACCOUNTS_RECEIVABLE)
    assert ar.name == "Summit Brokerage"  # QuickBooks wants the customer on an A/R line
    entry, lines = booked(EntryType.SHORT_PAY, "2")
    assert lines == {("short_pays", Decimal("60.00"), 0),
                     ("accounts_receivable", 0, Decimal("60.00"))}
    assert "lumper not paid" in entry.memo
    _, lines = booked(EntryType.DIRECT_PAYMENT, "3")
    assert lines == {("cash", Decimal("1000.00"), 0),
                     ("accounts_receivable", 0, Decimal("1000.00"))}
    _, lines = booked(EntryType.CHARGEBACK, "3")
    assert lines == {("factoring_liability", Decimal("250.00"), 0),
                     ("reserve_receivable", 0, Decimal("250.00"))}
    entry, lines = booked(EntryType.RELEASE)
    assert lines == {("cash", Decimal("50.00"), 0),
                     ("reserve_receivable", 0, Decimal("50.00"))}
    assert entry.memo == "Reserve released: Capital Depot" and entry.reference == "REL-1"
    _, lines = booked(EntryType.FEE)
    assert lines == {("factoring_fees", Decimal("15.00"), 0),
                     ("reserve_receivable", 0, Decimal("15.00"))}
    adjustments = [e for e in journal.entries if e.type == EntryType.ADJUSTMENT]
    assert [{(ln.account.value, ln.debit, ln.credit) for ln in e.lines}
            for e in adjustments] == [
        {("factoring_differences", Decimal("5.00"), 0),
         ("reserve_receivable", 0, Decimal("5.00"))},
        {("reserve_receivable", Decimal("3.00"), 0),
         ("factoring_differences", 0, Decimal("3.00"))}]
    assert not any(e.invoice_number == "6" for e in journal.entries)  # held, never bought
    assert batch == "ACME-0001"


def test_the_period_takes_both_ends_and_entries_come_in_order(db, tmp_path):
    factoring_story(db, tmp_path)
    desk = Desk(db)
    december = desk.journal(D(2026, 12, 1), D(2026, 12, 30))
    assert [(e.date, e.type, e.invoice_number) for e in december.entries] == [
        (D(2026, 12, 1), EntryType.PURCHASE, "4"),
        (D(2026, 12, 28), EntryType.PAYMENT, "1"),
        (D(2026, 12, 29), EntryType.PAYMENT, "2"),
        (D(2026, 12, 30), EntryType.SHORT_PAY, "2")]
    one_day = desk.journal(D(2026, 11, 28), D(2026, 11, 28))
    assert [e.invoice_number for e in one_day.entries] == ["1", "2", "3", "5"]
    january = desk.journal(D(2027, 1, 15), D(2027, 1, 31))
    assert [e.type for e in january.entries] == [
        EntryType.RELEASE, EntryType.FEE, EntryType.ADJUSTMENT, EntryType.ADJUSTMENT]
    assert desk.journal(D(2030, 1, 1), D(2030, 12, 31)).entries == []
    whole = desk.journal(*ALL_TIME).entries
    assert whole == sorted(whole, key=lambda e: (e.date, list(EntryType).index(e.type)))


def test_a_period_that_ends_before_it_starts_is_refused(db, tmp_path):
    factoring_story(db, tmp_path)
    with pytest.raises(InputRefused, match="starts on 2026-12-31, after it ends on 2026-12-01"):
        Desk(db).journal(D(2026, 12, 31), D(2026, 12, 1))
    with pytest.raises(InputRefused, match="after it ends"):
        Desk(db).save_journal(D(2026, 12, 31), D(2026, 12, 1), tmp_path / "j.csv")
    assert not (tmp_path / "j.csv").exists()


def test_a_recalled_invoice_counts_in_nothing(db, tmp_path):
    batch = factoring_story(db, tmp_path)
    desk = Desk(db)
    desk.recall_invoices(batch, ["6"], "held: missing POD")
    add_entry(db, EntryKind.SHORT_PAY, 1234, D(2026, 12, 30), reason="on a recalled one")
    with db.write() as work:  # the entry points at the recalled invoice
        from factor_desk.db.models import Invoice, LedgerEntry
        recalled = work.scalars(select(Invoice.id).where(Invoice.invoice_number == "6")).one()
        entry = work.scalars(select(LedgerEntry).where(LedgerEntry.amount_cents == 1234)).one()
        entry.invoice_id = recalled
    journal = desk.journal(*ALL_TIME)
    assert not any("recalled one" in e.memo for e in journal.entries)


def test_account_names_are_the_bookkeepers(db, tmp_path):
    factoring_story(db, tmp_path)
    desk = Desk(db)
    accounts = {a.key: a for a in desk.journal_accounts()}
    assert accounts["cash"].name == "Checking" and accounts["cash"].is_default
    assert accounts["reserve_receivable"].name == "Factor Reserve Receivable"
    desk.set_journal_account("cash", "  Operating Checking ")
    desk.set_journal_account("journal.account.short-pays", "Bad Debt")
    accounts = {a.key: a.name for a in desk.journal_accounts()}
    assert accounts["cash"] == "Operating Checking" and accounts["short_pays"] == "Bad Debt"
    journal = desk.journal(*ALL_TIME)
    assert {t.account for t in journal.totals()} >= {"Operating Checking", "Bad Debt"}
    assert "Checking" not in {t.account for t in journal.totals()}
    desk.set_journal_account("cash", "")  # back to the default
    assert {a.key: a.name for a in desk.journal_accounts()}["cash"] == "Checking"
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        desk.set_journal_accounts({"fees": "X", "cash": "Two\tcolumns"})
    assert "there is no journal account 'fees'" in str(err.value)
    assert "tab or a line break" in str(err.value)
    assert dump(db) == before, "a refused change changes nothing"


def test_the_csv_opens_in_excel_as_written(db, tmp_path):
    factoring_story(db, tmp_path)
    desk = Desk(db)
    saved = desk.save_journal(*ALL_TIME, tmp_path / "journal.csv")
    data = saved.path.read_bytes()
    assert saved.file_format == "csv"
    assert data.startswith(b"\xef\xbb\xbf"), "Excel on Windows reads UTF-8 only with a BOM"
    text = data[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["Date", "Account", "Debit", "Credit", "Memo", "Reference", "Entry"]
    body = rows[1:]
    assert len(body) == desk.journal(*ALL_TIME).line_count
    first = body[0]
    assert first[0] == "2026-11-28" and first[1:4] == ["Checking", "875.00", ""]
    assert any(DEBTOR in r[4] for r in body)
    by_entry: dict[str, int] = {}
    for r in body:
        amount = int(Decimal(r[2] or "0") * 100) - int(Decimal(r[3] or "0") * 100)
        by_entry[r[6]] = by_entry.get(r[6], 0) + amount
    assert by_entry and set(by_entry.values()) == {0}


def test_the_iif_reads_back_balanced_for_quickbooks(db, tmp_path):
    factoring_story(db, tmp_path)
    desk = Desk(db)
    desk.set_journal_account("factoring_fees", "Bank Service Charges:Factoring")
    saved = desk.save_journal(*ALL_TIME, tmp_path / "journal.iif")
    assert saved.file_format == "iif"
    data = saved.path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("cp1252")
    lines = [ln.split("\t") for ln in text.split("\r\n")[:-1]]
    header = ["TRNSTYPE", "DATE", "ACCNT", "NAME", "AMOUNT", "MEMO"]
    assert lines[:3] == [["!TRNS", *header], ["!SPL", *header], ["!ENDTRNS"]]
    blocks, current = [], None
    for fields in lines[3:]:
        if fields[0] == "TRNS":
            assert current is None
            current = [fields]
        elif fields[0] == "SPL":
            assert current is not None
            current.append(fields)
        else:
            assert fields == ["ENDTRNS"] and current
            blocks.append(current)
            current = None
    assert current is None
    assert len(blocks) == len(desk.journal(*ALL_TIME).entries)
    for block in blocks:
        assert all(f[1] == "GENERAL JOURNAL" and len(f) == 7 for f in block)
        assert sum(Decimal(f[5]) for f in block) == 0, block
        assert len({f[2] for f in block}) == 1
    first = blocks[0]
    assert first[0][2] == "11/28/2026" and first[0][3:6] == ["Checking", "", "875.00"]
    assert first[1][3:6] == ["Bank Service Charges:Factoring", "", "25.00"]
    assert first[3][3:6] == ["Factoring Liability", "", "-1000.00"]
    # the debtor on the A/R line; in ANSI, Łódź loses what cp1252 lacks, and no more
    ar = [f for b in blocks for f in b if f[3] == "Accounts Receivable"]
    assert {f[4] for f in ar} == {"Summit Brokerage"}
    assert any("Lódz Logistics" in f[6] for b in blocks for f in b)
    payment = next(b for b in blocks if "Paid to the factor" in b[0][6])
    assert payment[0][6].endswith("; ref ACH-1")


def test_a_file_in_the_way_is_refused_unless_replaced(db, tmp_path):
    factoring_story(db, tmp_path)
    desk = Desk(db)
    target = tmp_path / "journal.csv"
    target.write_bytes(b"the bookkeeper's own file")
    with pytest.raises(InputRefused, match="already exists"):
        desk.save_journal(*ALL_TIME, target)
    assert target.read_bytes() == b"the bookkeeper's own file"
    desk.save_journal(*ALL_TIME, target, replace=True)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(InputRefused, match="folder does not exist"):
        desk.save_journal(*ALL_TIME, tmp_path / "nowhere" / "j.csv")
    with pytest.raises(InputRefused, match="is a folder"):
        desk.save_journal(*ALL_TIME, tmp_path)
    with pytest.raises(InputRefused, match="csv or iif"):
        desk.save_journal(*ALL_TIME, tmp_path / "j.qbo", file_format="qbo")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_purchases_tie_to_reports_reconcile(db, tmp_path):
    """The purchase entries against the reconciliation's own totals (the figures whose
    meaning #13 keeps: the factor's amount, advance, fee, reserve, the part not itemised)."""
    factoring_story(db, tmp_path)
    desk = Desk(db)
    totals = desk.reconcile().totals
    purchases = [e for e in desk.journal(*ALL_TIME).entries if e.type == EntryType.PURCHASE]

    def booked(account: Account, side: str) -> Decimal:
        return sum((getattr(ln, side) for e in purchases for ln in e.lines
                    if ln.account is account), Decimal("0.00"))

    assert booked(Account.FACTORING_LIABILITY, "credit") == totals["factor_amount"] \
        == Decimal("4990.00")
    assert booked(Account.CASH, "debit") == totals["advance"]
    assert booked(Account.FACTORING_FEES, "debit") == totals["fee"]
    assert booked(Account.RESERVE_RECEIVABLE, "debit") == totals["reserve"]
    assert booked(Account.FACTORING_DIFFERENCES, "debit") == totals["not_itemised"]


def test_the_whole_journal_ties_to_reports_reconcile(db, batch, tmp_path):
    """Every account against the reconciliation, with the money made the way a clerk makes
    it (issue #13): a purchase with a reserve, a partial payment then a final one with a
    short pay, a chargeback and a release from the reserve report, a direct payment."""
    from test_reports import (
        PAYMENT_HEADER,
        PURCHASE_HEADER,
        apply,
        payment_row,
        purchase_row,
        write_csv,
    )

    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [
        purchase_row(n, **{"Advance Amount": "875.00", "Reserve Amount": "100.00"})
        for n in "123"]), batch, allow_missing=True)
    apply(db, "payments", write_csv(tmp_path / "pay1.csv", PAYMENT_HEADER, [
        payment_row("1", "400.00", ref="A-1"), payment_row("2", "1000.00", ref="A-2")]))
    apply(db, "payments", write_csv(tmp_path / "pay2.csv", [*PAYMENT_HEADER, "Final"], [
        {**payment_row("1", "500.00", ref="A-3"), "Final": "yes"}]))
    apply(db, "reserve", write_csv(tmp_path / "r.csv",
                                   ["Date", "Type", "Invoice Number", "Amount", "Reference"], [
        {"Date": "2027-01-15", "Type": "chargeback", "Invoice Number": "3",
         "Amount": "1000.00", "Reference": "CB-3"},
        {"Date": "2027-01-31", "Type": "release", "Amount": "120.00", "Reference": "REL-1"},
        {"Date": "2027-01-31", "Type": "fee", "Amount": "7.50", "Reference": "FEE-1"}]))
    desk = Desk(db)
    desk.pay_load("3", Decimal("1000.00"), "CHK-3", dt.date(2027, 2, 1))
    recon = desk.reconcile()
    t, r = recon.totals, recon.reserve_totals
    booked = {a: (Decimal(d) / 100, Decimal(c) / 100)
              for a, (d, c) in desk.journal(*ALL_TIME).cents_by_role().items()}
    assert booked[Account.CASH][0] == t["advance"] + r["released"] + t["direct_paid"]
    assert booked[Account.ACCOUNTS_RECEIVABLE][1] == t["paid"] + t["short_pay"] \
        == Decimal("3000.00")
    assert booked[Account.SHORT_PAYS][0] == t["short_pay"] == Decimal("100.00")
    assert booked[Account.FACTORING_LIABILITY] == (
        t["paid"] - t["direct_paid"] + r["charged_back"], t["factor_amount"])
    assert booked[Account.RESERVE_RECEIVABLE] == (
        r["reserve"], r["released"] + r["charged_back"] + r["fees"])
    assert booked[Account.RESERVE_RECEIVABLE][0] - booked[Account.RESERVE_RECEIVABLE][1] \
        == r["held"]
    assert booked[Account.FACTORING_FEES][0] == t["fee"] + r["fees"]

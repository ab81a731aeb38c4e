"""The Home page's figures, after what a clerk does: import loads, attach documents, submit
a batch, apply the factor's purchase and payment reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import attach_required, load_row, make_carrier, write_loads_csv

from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.overview import WEEKS, week_start

TODAY = dt.date.today()
PURCHASE_HEADER = ["Invoice Number", "Invoice Amount", "Purchase Date", "Advance Amount",
                   "Fee Amount", "Reserve Amount", "Status", "Reason"]
PAYMENT_HEADER = ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"]


def write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    path.write_bytes(out.getvalue().encode("utf-8"))
    return path


@pytest.fixture
def desk(db):
    return Desk(db)


@pytest.fixture
def carrier(db, desk, tmp_path):
    """Acme Freight (needs a rate confirmation and a POD): loads 1-4 at $1,000.00 with
    their documents, 5 and 6 at $500.00 without, 7 billed directly; Beta Haulers
    (no factor, no NOA): load 8 with its documents."""
    make_carrier(db)
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in (1, 2, 3, 4)]
    rows += [load_row(str(n), Linehaul="500.00", Accessorials="", Total="500.00")
             for n in (5, 6)]
    rows.append(load_row("7", **{"Invoicing Method": "Direct"}))
    desk.import_loads(write_loads_csv(tmp_path / "acme.csv", rows), "Acme Freight",
                      only_valid=False)
    desk.import_loads(write_loads_csv(tmp_path / "beta.csv", [load_row("8")]),
                      "Beta Haulers", only_valid=False)
    attach_required(db, tmp_path, ["1", "2", "3", "4", "8"])


def test_an_empty_database_has_nothing_to_do(desk):
    home = desk.home(TODAY)
    assert (home.ready, home.waiting, home.flagged, home.past_due) == ([], [], [], [])
    assert (home.ready_loads, home.ready_total, home.blocked_loads) == (0, 0, 0)
    assert (home.flagged_count, home.past_due_count) == (0, 0)
    assert home.subsidiaries == 0  # the company profile comes first
    assert home.money.open_balance == 0 and home.money.open_batches == 0
    assert len(home.weeks) == WEEKS
    assert home.weeks[-1].start == week_start(TODAY) and home.weeks[-1].start.weekday() == 0
    assert all(w.invoiced == w.purchased == w.paid == 0 for w in home.weeks)


def test_ready_to_factor_is_what_the_batch_page_offers(desk, carrier):
    home = desk.home(TODAY)
    acme, beta = home.ready
    assert (acme.subsidiary, acme.ready, acme.ready_total) == ("Acme Freight", 4,
                                                                Decimal("4000.00"))
    assert (acme.blocked, acme.blocked_total) == (2, Decimal("1000.00"))
    assert acme.can_submit and acme.factoring_company == "Capital Depot"
    assert (beta.subsidiary, beta.ready, beta.blocked) == ("Beta Haulers", 1, 0)
    assert not beta.can_submit  # no factoring company, no Notice of Assignment
    # the same loads as the Factoring Batch page, load by load
    offered = [ld for ld in desk.eligible_loads("Acme Freight") if not ld.missing_documents]
    assert acme.ready == len(offered)
    assert acme.ready_total == sum((ld.amount for ld in offered), Decimal(0))
    assert acme.blocked == len(desk.eligible_loads("Acme Freight")) - len(offered)
    assert (home.ready_loads, home.blocked_loads) == (5, 2)
    assert home.subsidiaries == 2
    assert home.waiting == [] and home.money.open_balance == 0


def test_a_batch_waits_for_its_purchase_report_then_is_bought_held_and_paid(
        desk, carrier, tmp_path):
    batch = desk.submit_batch("Acme Freight", ["1", "2", "3"])
    home = desk.home(TODAY + dt.timedelta(days=5))
    (waiting,) = home.waiting
    assert (waiting.batch, waiting.subsidiary, waiting.invoices, waiting.total) == (
        batch.batch, "Acme Freight", 3, Decimal("3000.00"))
    assert waiting.age_days == 5
    assert home.ready[0].ready == 1  # load 4 is left
    assert home.money.open_balance == Decimal("3000.00") and home.money.open_batches == 1

    today = f"{TODAY:%m/%d/%Y}"
    purchase = write_csv(tmp_path / "purchase.csv", PURCHASE_HEADER, [
        {"Invoice Number": "1", "Invoice Amount": "1000.00", "Purchase Date": today,
         "Advance Amount": "975.00", "Fee Amount": "25.00", "Reserve Amount": "0",
         "Status": "Purchased"},
        {"Invoice Number": "2", "Invoice Amount": "1000.00", "Purchase Date": today,
         "Status": "Held", "Reason": "POD is not signed"}])
    run_to_end(desk.apply_report("purchase", purchase, batch=batch.batch,
                                 allow_missing=True))
    home = desk.home(TODAY)
    (waiting,) = home.waiting  # invoice 3: the report did not name it
    assert (waiting.invoices, waiting.total) == (1, Decimal("1000.00"))
    assert home.flagged_count == 1 and home.flagged_total == Decimal("1000.00")
    (held,) = home.flagged
    assert (held.invoice_number, held.batch, held.flag) == ("2", batch.batch,
                                                            "Held: POD is not signed")

    payments = write_csv(tmp_path / "payments.csv", PAYMENT_HEADER, [
        {"Invoice Number": "1", "Payment Date": today, "Amount Paid": "1000.00",
         "Reference Number": "ACH-1"}])
    run_to_end(desk.apply_report("payments", payments))
    home = desk.home(TODAY)
    money = desk.reconcile().totals
    assert home.money.open_balance == money["open_balance"] == Decimal("2000.00")
    assert (home.money.invoiced, home.money.purchased, home.money.paid) == (
        Decimal("3000.00"), Decimal("1000.00"), Decimal("1000.00"))
    this_week = home.weeks[-1]
    assert (this_week.invoiced, this_week.purchased, this_week.paid) == (
        Decimal("3000.00"), Decimal("1000.00"), Decimal("1000.00"))
    assert all(w.invoiced == w.purchased == w.paid == 0 for w in home.weeks[:-1])
    # twelve weeks on, this week's figures have left the chart
    later = desk.home(TODAY + dt.timedelta(weeks=WEEKS))
    assert all(w.invoiced == w.purchased == w.paid == 0 for w in later.weeks)


def test_invoices_past_due_are_the_unpaid_ones_past_their_terms(desk, carrier, tmp_path):
    batch = desk.submit_batch("Acme Freight", ["1", "2", "3"])
    due = TODAY + dt.timedelta(days=30)  # the customer's terms: 30 days
    assert desk.home(due).past_due_count == 0  # due today is not late
    today = f"{TODAY:%m/%d/%Y}"
    run_to_end(desk.apply_report("purchase", write_csv(
        tmp_path / "purchase.csv", PURCHASE_HEADER,
        [{"Invoice Number": n, "Invoice Amount": "1000.00", "Purchase Date": today,
          "Status": "Purchased"} for n in ("1", "2", "3")]), batch=batch.batch))
    run_to_end(desk.apply_report("payments", write_csv(
        tmp_path / "payments.csv", PAYMENT_HEADER,
        [{"Invoice Number": "2", "Payment Date": today, "Amount Paid": "1000.00",
          "Reference Number": "ACH-2"},
         {"Invoice Number": "3", "Payment Date": today, "Amount Paid": "400.00",
          "Reference Number": "ACH-3"}])))
    home = desk.home(due + dt.timedelta(days=4))
    # what is still owed: invoice 3 was paid in part (issue #13)
    assert (home.past_due_count, home.past_due_total) == (2, Decimal("1600.00"))
    assert [p.amount for p in home.past_due] == [Decimal("1000.00"), Decimal("600.00")]
    # the aging's past-due buckets, invoice by invoice
    aging = desk.aging(due + dt.timedelta(days=4))
    assert aging.total - aging.totals.amounts["current"] == home.past_due_total
    assert [(p.invoice_number, p.days_late, p.status, p.customer) for p in home.past_due] \
        == [("1", 4, "Financed", "Summit Brokerage"), ("3", 4, "Financed",
                                                       "Summit Brokerage")]
    assert batch.batch  # the batch is no longer waiting: every invoice was answered
    assert home.waiting == []


def test_an_undone_purchase_report_puts_the_batch_back_to_waiting(desk, carrier, tmp_path):
    batch = desk.submit_batch("Acme Freight", ["1", "2"])
    run_to_end(desk.apply_report("purchase", write_csv(
        tmp_path / "purchase.csv", PURCHASE_HEADER,
        [{"Invoice Number": "1", "Invoice Amount": "1000.00",
          "Purchase Date": f"{TODAY:%m/%d/%Y}", "Status": "Rejected",
          "Reason": "debtor over limit"}]), batch=batch.batch,
        allow_missing=True))
    home = desk.home(TODAY)
    assert home.flagged[0].flag == "Rejected: debtor over limit"
    assert home.waiting[0].invoices == 1
    (imported,) = desk.import_history()
    desk.undo_import(imported.id)
    home = desk.home(TODAY)
    assert home.flagged == [] and home.waiting[0].invoices == 2

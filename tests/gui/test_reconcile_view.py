"""Factoring Reports: the selected batch's reconciliation shows what became of the money
after the purchase (issue #13): the open balance, the part of it charged back to the
carrier, and what the debtors paid the carrier directly."""

from __future__ import annotations

from decimal import Decimal

from helpers import settle, write_csv_file
from helpers_money import chargeback, pay_load

from factor_desk.services.common import run_to_end

FREIGHT = "Blue Ridge Freight LLC"


def test_the_batch_shows_charged_back_and_direct_payments(qtbot, window, desk, tmp_path):
    numbers = sorted(ld.load_number for ld in desk.eligible_loads(FREIGHT))[:2]
    batch = desk.submit_batch(FREIGHT, numbers).batch
    amounts = {r.load_number: r.amounts["invoiced"]
               for r in desk.reconcile(batch).batches[0].rows}
    report = write_csv_file(tmp_path / "purchase.csv", [
        ["Load Number", "Invoice Amount", "Purchase Date", "Status"],
        *([n, str(amounts[n]), "11/28/2026", "Purchased"] for n in numbers)])
    run_to_end(desk.apply_report("purchase", report, batch=batch, allow_missing=True))
    first, second = numbers
    chargeback(desk.db, first, "100.00", "CB-1")
    pay_load(desk.db, first, "40.00", "CHK-1")
    window.show_page("reports")
    settle(qtbot, window)
    page = window.pages["reports"]
    page.batch_view.selectRow(next(i for i, o in enumerate(page.batches.rows())
                                   if o.batch.batch == batch))
    qtbot.waitUntil(lambda: page.recon_box.title().endswith(batch))
    recon = dict(page.recon.rows())
    assert recon["  of it charged back (yours to collect)"] == amounts[first] - Decimal("40")
    assert recon["Paid to you directly (in Paid)"] == recon["Paid"] == Decimal("40.00")
    assert recon["Open balance"] == amounts[first] + amounts[second] - Decimal("40")

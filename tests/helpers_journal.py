"""A factoring story for the journal's tests, built the way a clerk builds it: loads
imported, a batch submitted, the factor's purchase and payment reports applied through the
Desk; the short pays, direct payments and reserve movements (which other parts of #13
write) inserted as ledger rows directly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers import import_loads, load_row, make_carrier, write_csv_file, write_loads_csv
from sqlalchemy import select

from factor_desk.db.models import FactoringCompany, Invoice, LedgerEntry
from factor_desk.domain.ledger import EntryKind
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk

PURCHASE = ["Invoice Number", "Batch Number", "Invoice Amount", "Purchase Date",
            "Advance Amount", "Fee Amount", "Reserve Amount", "Status"]
PAYMENT = ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number",
           "Payment Method"]
DEBTOR = "Łódź Logistics"  # not ASCII: the files must carry it


def add_entry(db, kind: EntryKind, cents: int, date: dt.date, *, invoice: str | None = None,
              reference: str = "", reason: str = "") -> None:
    """One ledger entry, as PAY's and RESERVE's services will write it."""
    with db.write() as work:
        factor = work.scalars(select(FactoringCompany.id)).first()
        inv = (work.execute(select(Invoice.id, Invoice.load_id)
                            .where(Invoice.invoice_number == invoice,
                                   Invoice.recalled_at.is_(None))).one()
               if invoice else None)
        work.add(LedgerEntry(kind=kind.value, invoice_id=inv[0] if inv else None,
                             load_id=inv[1] if inv else None, factoring_company_id=factor,
                             entry_date=date, amount_cents=cents, reference=reference,
                             reason=reason, by="test-clerk"))


def factoring_story(db, folder: Path) -> str:
    """Batch ACME-0001 of invoices 1..6 at $1,000.00 (5 billed to Łódź Logistics):
    - bought 11/28/2026: 1, 2, 3 (advance 875, fee 25, reserve 100) and 5 at $990.00
      (advance 880, fee 20, reserve 90); bought 12/01/2026: 4, advance not itemised;
      6 held;
    - the factor's payment report: 1 paid 1000.00 (ACH-1) on 12/28/2026, 2 paid 940.00
      (ACH-2) on 12/29/2026;
    - ledger: short pay 60.00 on 2 (12/30/2026), chargeback 250.00 of 3 (01/05/2027),
      direct payment 1000.00 of 3 (01/10/2027, CHK-77), reserve release 50.00
      (01/15/2027, REL-1, no invoice), fee 15.00 (01/15/2027), adjustments -5.00 and
      +3.00 (01/20/2027).
    Returns the batch."""
    make_carrier(db, required=())
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00",
                     **({"Customer": DEBTOR, "Customer MC": "MC-777001"} if n == 5 else {}))
            for n in range(1, 7)]
    import_loads(db, write_loads_csv(folder / "loads.csv", rows), "Acme Freight")
    desk = Desk(db)
    batch = desk.submit_batch("Acme Freight", [str(n) for n in range(1, 7)]).batch

    def report(kind: str, name: str, header: list[str], lines: list[list[str]]) -> None:
        path = write_csv_file(folder / name, [header, *lines])
        run_to_end(desk.apply_report(kind, path, batch=batch if kind == "purchase" else None,
                                     allow_missing=True))

    report("purchase", "purchase1.csv", PURCHASE, [
        [n, batch, "1000.00", "11/28/2026", "875.00", "25.00", "100.00", "Purchased"]
        for n in "123"] + [
        ["5", batch, "990.00", "11/28/2026", "880.00", "20.00", "90.00", "Purchased"],
        ["6", batch, "1000.00", "", "", "", "", "Held - missing POD"]])
    report("purchase", "purchase2.csv", PURCHASE, [
        ["4", batch, "1000.00", "12/01/2026", "", "", "", "Purchased"]])
    report("payments", "payments.csv", PAYMENT, [
        ["1", "2026-12-28", "1000.00", "ACH-1", "ACH"],
        ["2", "2026-12-29", "940.00", "ACH-2", "ACH"]])
    add_entry(db, EntryKind.SHORT_PAY, 6000, dt.date(2026, 12, 30), invoice="2",
              reference="ACH-2", reason="lumper not paid")
    add_entry(db, EntryKind.CHARGEBACK, 25000, dt.date(2027, 1, 5), invoice="3",
              reference="CB-3")
    add_entry(db, EntryKind.DIRECT_PAYMENT, 100000, dt.date(2027, 1, 10), invoice="3",
              reference="CHK-77")
    add_entry(db, EntryKind.RELEASE, 5000, dt.date(2027, 1, 15), reference="REL-1")
    add_entry(db, EntryKind.FEE, 1500, dt.date(2027, 1, 15), reference="FEE-1")
    add_entry(db, EntryKind.ADJUSTMENT, -500, dt.date(2027, 1, 20), reference="ADJ-1")
    add_entry(db, EntryKind.ADJUSTMENT, 300, dt.date(2027, 1, 20), reference="ADJ-2")
    return batch


ALL_TIME = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))

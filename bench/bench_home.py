"""Home page speed: the overview of a database holding 100,000 loads.

    python bench/bench_home.py [--loads 100000] [--db URL]

The loads come from bench_core's CSV (one subsidiary needing a rate confirmation and a
POD); two thirds get both documents (rows written straight into the table: the bytes do
not matter here), 30,000 go into three batches, and a purchase report (held rows among
them) and a payment report are applied to the first batch.

Prints the service alone (``overview.home_overview`` without the reconciliation), the
reconciliation it is given (``reports.reconcile``, the Factoring Reports page's figures),
and ``Desk.home`` end to end; median of three. Target: the service well under 0.5 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).parent))
from bench_core import write_csv  # noqa: E402


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def report_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=100_000)
    ap.add_argument("--db", help="a SQLAlchemy URL (default: a SQLite file in a temp folder)")
    ap.add_argument("--keep", help="build the data in this (new) folder and keep it")
    args = ap.parse_args()

    from factor_desk.db.database import Database, Location
    from factor_desk.db.models import Load, SupportingDocument
    from factor_desk.domain.trade import InfoKind
    from factor_desk.services import company, overview, reports
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.keep or tmp)
        db = Database(Location.resolve(home, args.db))
        desk = Desk(db)
        with db.write() as s:
            company.add_factoring_company(s, "Capital Depot", remit_to="P.O. Box 1")
            company.add_subsidiary(s, "Bench Freight", code="BF")
            company.set_factoring_company(s, "Bench Freight", "Capital Depot")
            company.set_important_info(s, "Bench Freight", InfoKind.NOTICE_OF_ASSIGNMENT,
                                       "Pay Capital Depot only.")
        path = home / "loads.csv"
        write_csv(path, args.loads, 1)
        t = time.perf_counter()
        desk.import_loads(path, "Bench Freight", only_valid=False)
        print(f"set-up: {args.loads:,} loads imported in {time.perf_counter() - t:.1f} s")
        with db.write() as s:
            ids = list(s.scalars(select(Load.id).order_by(Load.id)))
            with_docs = [i for n, i in enumerate(ids) if n % 3]
            s.execute(insert(SupportingDocument), [
                dict(load_id=i, kind=kind, file_name=f"{kind}.pdf",
                     content_type="application/pdf", sha256="0" * 64, size=1)
                for i in with_docs for kind in ("rate_confirmation", "pod")])
        batched = [f"L{n}" for n in range(2, args.loads + 1, 3)][:30_000]
        labels = [desk.submit_batch("Bench Freight", batched[i:i + 10_000]).batch
                  for i in range(0, len(batched), 10_000)]
        first = batched[:10_000]
        today = f"{dt.date.today():%m/%d/%Y}"
        with db.read() as s:
            amounts = {number: cents for number, cents in s.execute(
                select(Load.load_number, Load.total_cents).where(
                    Load.load_number.in_(first)))}
        purchase = report_csv(
            home / "purchase.csv",
            ["Load Number", "Invoice Amount", "Purchase Date", "Status", "Reason"],
            [[n, f"{amounts[n] / 100:.2f}", today, "Held" if k % 50 == 0 else "Purchased",
              "POD unsigned" if k % 50 == 0 else ""] for k, n in enumerate(first)])
        run_to_end(desk.apply_report("purchase", purchase, batch=labels[0]))
        payments = report_csv(
            home / "payments.csv",
            ["Load Number", "Payment Date", "Amount Paid", "Reference Number"],
            [[n, today, f"{amounts[n] / 100:.2f}", f"ACH-{n}"]
             for k, n in enumerate(first) if k % 50 and k % 2])
        run_to_end(desk.apply_report("payments", payments))

        def service():
            with db.read() as work:
                recon = reports.Reconciliation(batches=[], totals=dict.fromkeys(
                    reports.RECON_FIELDS, 0))
                return overview.home_overview(work, dt.date.today(), recon)

        def reconcile():
            with db.read() as work:
                return reports.reconcile(work)

        s_time, result = timed(service)
        r_time, _ = timed(reconcile)
        d_time, home_result = timed(desk.home)
        h = home_result
        print(f"home_overview (the service, without the reconciliation): {s_time:.3f} s "
              "median of 3 (target well under 0.5 s)")
        print(f"reports.reconcile (the open money, as Factoring Reports): {r_time:.3f} s")
        print(f"Desk.home end to end: {d_time:.3f} s")
        print(f"  ready {h.ready_loads:,} ({h.ready_total}), blocked {h.blocked_loads:,}; "
              f"waiting {len(h.waiting)} batches / {h.waiting_invoices:,} invoices; held "
              f"{h.flagged_count:,}; open {h.money.open_balance}; past due "
              f"{h.past_due_count:,}")
        assert result is not None
        db.dispose()


if __name__ == "__main__":
    main()

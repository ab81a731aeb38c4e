"""Reserve report speed (issue #13): preview and apply a 50,000-row reserve report, CSV.

    python bench/bench_reserve.py [--rows 50000]

The database: a batch of N invoices, bought by a purchase report. The reserve report has a
row per invoice: a tenth of them chargebacks (their loads become Charged back), half fees
naming their invoice, three tenths releases naming no invoice, a tenth adjustments (half of
them negative); every row with its own reference. Preview and apply run in a fresh process
on the prepared database (as bench_reports.py does), and are printed with their ratio to a
floor measured in the same run on the same file: a fresh process that only parses it
(``csv.reader``).

Measured 2026-11-29, 50,000 rows (5,000 chargebacks), SQLite, 2 cores shared with other
jobs (load average 6.5): preview 1.46 s + apply 2.06 s = 3.52 s, 124x the bare parse
(0.028 s); peak memory 165 MB. The payment report of bench_reports.py measured 3.39 s,
130-196x, on the same kind of machine: the reserve report is "like the others".
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from bench_reports import parse_floor, run_job
from carrier import make_carrier, submit_all, write_loads


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    args = ap.parse_args()
    measure(args.rows)


def _row(i: int, number: str, amount: str) -> list[str]:
    kind = i % 10
    if kind == 0:
        return ["01/15/2027", "Chargeback", number, amount, f"CB-{i:08d}"]
    if kind <= 5:
        return ["01/15/2027", "Fee", number, "5.00", f"FEE-{i:08d}"]
    if kind <= 8:
        return ["01/31/2027", "Release", "", "10.00", f"REL-{i:08d}"]
    return ["01/31/2027", "Adjustment", "", "-1.00" if i % 20 == 9 else "1.00",
            f"ADJ-{i:08d}"]


def measure(n: int, show=print) -> float:
    """Run the bench; print the figures; return the ratio to the bare parse."""
    from factor_desk.db.database import Database, Location
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "base"
        db = Database(Location.resolve(base))
        make_carrier(db, required_documents=[])
        loads = write_loads(tmp / "loads.csv", ["Load Number", "Customer", "Total"],
                            ([f"R{i}", f"Broker {i % 300}", f"{1000 + i % 997}.{i % 100:02d}"]
                             for i in range(n)))
        t = time.perf_counter()
        desk = Desk(db)
        desk.import_loads(loads, "Bench Freight", only_valid=False)
        batch = submit_all(db)
        amounts = {f"R{i}": f"{1000 + i % 997}.{i % 100:02d}" for i in range(n)}
        purchase = tmp / "purchase.csv"
        with purchase.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Invoice Number", "Invoice Amount", "Purchase Date", "Status"])
            for number, amount in amounts.items():
                w.writerow([number, amount, "11/28/2026", "Purchased"])
        run_to_end(desk.apply_report("purchase", purchase, batch=batch))
        db.dispose()
        show(f"setup: {n:,} loads imported, submitted and bought in "
             f"{time.perf_counter() - t:.1f} s")

        reserve = tmp / "reserve.csv"
        with reserve.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Date", "Type", "Invoice Number", "Amount", "Reference"])
            for i, (number, amount) in enumerate(amounts.items()):
                w.writerow(_row(i, number, amount))
        pre, app, mem = run_job(base, "reserve", reserve)
        floor = min(parse_floor(reserve) for _ in range(3))
        ratio = (pre + app) / floor
        show(f"reserve report, {n:,} rows CSV ({n // 10:,} chargebacks): preview {pre:.2f} s "
             f"+ apply {app:.2f} s = {pre + app:.2f} s; bare parse {floor:.3f} s: "
             f"{ratio:.1f}x; peak memory {mem:.0f} MB")
    return ratio


if __name__ == "__main__":
    main()

"""Core speed: importing loads from CSV, listing a subsidiary's eligible loads.

    python bench/bench_core.py [--rows 50000] [--eligible 100000] [--db URL]

Prints figures; targets (2 cores): import >= 25,000 rows/s end to end; eligible list of a
subsidiary holding 100,000 loads <= 0.5 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from factor_desk.db.database import Database, Location
from factor_desk.services import company
from factor_desk.services.loads import eligible_loads, import_loads


def write_csv(path: Path, rows: int, start: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    customers = [(f"Broker {i}", f"MC-{600000 + i}") for i in range(200)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Load Number", "Invoice Number", "Customer", "Customer MC", "PO Number",
                    "Pickup Date", "Pickup Location", "Delivery Date", "Delivery Location",
                    "Linehaul", "Accessorials", "Total", "Invoicing Method", "Status"])
        for n in range(start, start + rows):
            name, mc = rng.choice(customers)
            linehaul = rng.randrange(80000, 500000)
            acc = rng.choice([0, 0, 7500, 15000])
            w.writerow([f"L{n}", "", name, mc, f"PO-{n}", "11/20/2026", "Dallas, TX",
                        "2026-11-22", "Atlanta, GA", f"${linehaul // 100:,}.{linehaul % 100:02d}",
                        f"{acc // 100}.{acc % 100:02d}",
                        f"{(linehaul + acc) // 100}.{(linehaul + acc) % 100:02d}", "", "Queued"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--eligible", type=int, default=100_000)
    ap.add_argument("--db", help="a SQLAlchemy URL (default: a SQLite file in a temp folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = Database(Location.resolve(home, args.db))
        with db.write() as s:
            company.add_subsidiary(s, "Bench Freight", code="BF")
        path = home / "loads.csv"
        write_csv(path, args.rows, 1)
        t = time.perf_counter()
        result = import_loads(db, path, "Bench Freight")
        dt_import = time.perf_counter() - t
        print(f"import {result.imported:,} loads from CSV: {dt_import:.2f} s = "
              f"{result.imported / dt_import:,.0f} rows/s (target >= 25,000 rows/s)")

        extra = args.eligible - args.rows
        if extra > 0:
            write_csv(path, extra, args.rows + 1, seed=2)
            import_loads(db, path, "Bench Freight")
        timings = []
        for _ in range(3):
            t = time.perf_counter()
            with db.read() as s:
                loads = eligible_loads(s, "Bench Freight")
            timings.append(time.perf_counter() - t)
        print(f"eligible loads of a subsidiary holding {args.eligible:,}: {len(loads):,} rows "
              f"in {min(timings):.3f} s best / {max(timings):.3f} s worst of 3 "
              f"(target <= 0.5 s)")
        db.dispose()


if __name__ == "__main__":
    main()

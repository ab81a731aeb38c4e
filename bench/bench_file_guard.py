"""What the replaced-file check costs (db/file_guard.py): one ``os.stat`` of the database
file as each unit of work begins and again before each commit.

    python bench/bench_file_guard.py [--n 20000]

Prints the check alone (FileGuard.changed), and a small write unit of work (one settings
row, BEGIN IMMEDIATE ... COMMIT, synchronous=NORMAL in WAL) with the check and with it
switched off, in the same run on the same file.

Measured 2026-11-29 (Linux, local disk, 2 cores shared with other jobs), three runs: the
check 2.2-2.4 µs; a write unit 163-224 µs with or without it, the difference (+26, -28,
-0.4 µs) within the noise of the runs: two checks, about 5 µs, are ~2-3% of the smallest
write unit and nothing beside a clerk's real ones (milliseconds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from factor_desk.db.database import Database, Location


def per_call(fn, n: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - started) / n)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Location.resolve(Path(folder)))
        guard = db.guard
        assert guard is not None and guard.current is not None
        check = per_call(guard.changed, n)
        print(f"check (one stat of the file): {check * 1e6:.2f} µs")

        counter = iter(range(10**9))

        def write() -> None:
            with db.write() as work:
                work.execute(text("INSERT INTO settings (key, value) VALUES (:k, 'v')"),
                             {"k": f"b{next(counter)}"})

        writes = max(200, n // 20)
        with_check = per_call(write, writes)
        current, guard.current = guard.current, None  # unwatched: no stat at all
        without = per_call(write, writes)
        guard.current = current
        print(f"write unit with the check:    {with_check * 1e6:.1f} µs")
        print(f"write unit without the check: {without * 1e6:.1f} µs "
              f"(difference {(with_check - without) * 1e6:+.1f} µs, two checks a write)")
        db.dispose()


if __name__ == "__main__":
    main()

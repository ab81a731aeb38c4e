"""The CI speed guard: the quick mode of each bench, failing when a ratio to its floor goes
past its limit (the limits and today's measured ratios are written next to each bench, in
its LIMITS). Ratios, not seconds: a floor measured in the same run on the same data makes
the figure travel across machines.

    python bench/guard.py

Exit 0 when every ratio is within its limit, 1 otherwise. About 30-45 s on 2 cores.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_aging  # noqa: E402
import bench_core  # noqa: E402
import bench_export  # noqa: E402
import bench_recon  # noqa: E402
import bench_reports  # noqa: E402


def main() -> int:
    start = time.perf_counter()
    ratios: dict[str, float] = {}
    limits: dict[str, float] = {}

    def show(line: str) -> None:
        print(f"  {line}", flush=True)

    ratios.update(bench_core.measure(**bench_core.QUICK, show=show))
    limits.update(bench_core.LIMITS)
    ratios.update(bench_reports.measure(bench_reports.QUICK["rows"], overview=False, show=show))
    limits.update(bench_reports.LIMITS)
    ratios.update(bench_export.measure(bench_export.QUICK["invoices"], show=show))
    limits.update(bench_export.LIMITS)
    ratios.update(bench_aging.measure(bench_aging.QUICK["invoices"], show=show))
    limits.update(bench_aging.LIMITS)
    ratios.update(bench_recon.measure(**bench_recon.QUICK, show=show))
    limits.update(bench_recon.LIMITS)

    failed = []
    for name, limit in limits.items():
        ratio = ratios.get(name)
        if ratio is None:
            failed.append(f"{name}: not measured")
            continue
        verdict = "ok" if ratio <= limit else "TOO SLOW"
        print(f"{name:14} {ratio:7.2f}x  (limit {limit:g}x)  {verdict}")
        if ratio > limit:
            failed.append(f"{name}: {ratio:.2f}x its floor, limit {limit:g}x")
    print(f"speed guard: {time.perf_counter() - start:.0f} s")
    if failed:
        print("speed guard FAILED: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``reports aging``: what the debtors owe by how long past due, printed, as JSON, or saved
as .xlsx / .pdf / .csv."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import money, print_json, table


def cmd_reports_aging(args: argparse.Namespace) -> int:
    from factor_desk.domain.dates import parse_date
    from factor_desk.services.aging import BUCKET_TITLES, GROUPINGS

    as_of = None
    if args.as_of:
        try:
            as_of = parse_date(args.as_of)
        except ValueError as exc:
            raise Usage(f"--as-of: {exc}") from None
    with open_desk(args) as desk:
        if args.to:
            written = desk.save_aging(args.to, as_of=as_of, by=args.by, replace=args.replace)
            report = None
        else:
            report = desk.aging(as_of, args.by)
    if report is None:
        print(f"Aging by {args.by} saved to {written}")
        return EXIT_OK
    if args.json:
        print_json(report)
        return EXIT_OK
    print(f"Aging by {report.by} as of {report.as_of.isoformat()} (days past due)")
    headers = [GROUPINGS[report.by], *BUCKET_TITLES, "Total"]
    rows = [[r.name, *(money(v) for v in r.amounts.values())]
            for r in [*report.rows, report.totals]]
    table(headers, rows, right=set(range(1, len(headers))))
    return EXIT_OK

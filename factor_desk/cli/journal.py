"""The journal for the bookkeeper (#13): ``reports journal`` writes a period's double-entry
lines to a CSV or QuickBooks IIF file; ``reports journal-accounts`` lists and names the
accounts they post to."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import money, print_json, table


def _date(option: str, value: str):  # -> dt.date
    from factor_desk.domain.dates import DateError, parse_date

    try:
        return parse_date(value)
    except DateError as exc:
        raise Usage(f"{option}: {exc}") from None


def cmd_reports_journal(args: argparse.Namespace) -> int:
    since, until = _date("--since", args.since), _date("--until", args.until)
    with open_desk(args) as desk:
        saved = desk.save_journal(since, until, args.to, file_format=args.format,
                                  replace=args.replace)
    if args.json:
        print_json(saved)
        return EXIT_OK
    book = saved.journal
    what = "QuickBooks IIF" if saved.file_format == "iif" else "CSV"
    print(f"Journal {since.isoformat()} to {until.isoformat()} written to {saved.path} "
          f"({what}): {len(book.entries)} entries, {book.line_count} lines.")
    totals = book.totals()
    if totals:
        table(["Account", "Debit", "Credit"],
              [[t.account, money(t.debit), money(t.credit)] for t in totals]
              + [["Total", money(book.debit), money(book.credit)]], right={1, 2})
    return EXIT_OK


def cmd_reports_journal_accounts(args: argparse.Namespace) -> int:
    changes: dict[str, str] = {}
    for item in args.set or []:
        key, sep, name = item.partition("=")
        if not sep or not key.strip():
            raise Usage(f"--set: expected KEY=NAME (e.g. cash=Operating Checking), found "
                        f"{item!r}")
        changes[key.strip()] = name
    with open_desk(args) as desk:
        accounts = (desk.set_journal_accounts(changes) if changes
                    else desk.journal_accounts())
    if args.json:
        print_json(accounts)
        return EXIT_OK
    table(["Key", "Account name", "Holds"],
          [[a.key, a.name + ("" if a.is_default else f"  (default: {a.default})"),
            a.purpose] for a in accounts])
    return EXIT_OK

"""``audit``: who did what, when, to which loads and batches, from which file (issue #15),
newest first, as a table or JSON."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table


def cmd_audit(args: argparse.Namespace) -> int:
    from factor_desk.domain.dates import DateError, format_when, parse_date

    since = None
    if args.since:
        try:
            since = parse_date(args.since)
        except DateError as exc:
            raise Usage(f"--since: {exc}") from None
    if args.limit < 1:
        raise Usage("--limit: give a number of entries, 1 or more")
    with open_desk(args) as desk:
        log = desk.audit(user=args.user, since=since, limit=args.limit)
    if args.json:
        print_json(log)
        return EXIT_OK
    whose = f" by {log.user}" if log.user else ""  # as the service read it (trimmed)
    after = f" since {since:%m/%d/%Y}" if since else ""
    if not log.entries:
        print(f"Nothing was done{whose}{after}.")
        return EXIT_OK
    table(["When (UTC)", "Who", "What", "Loads", "Batch", "File", "Detail"],
          [[format_when(e.when), e.user, e.what, e.loads_text(), e.batch or "",
            e.file_name or "", e.detail] for e in log.entries])
    if log.more:
        print(f"\nThe newest {log.limit:,} entries{whose}{after}; older ones were left out "
              "(--limit N shows more, --since D fewer).")
    return EXIT_OK


def add_audit_command(command, sub) -> None:
    """``audit`` (called by cli/parser.py)."""
    p = command(sub, "audit", cmd_audit,
                "who did what, when, to which loads and batches, from which file (newest "
                "first)")
    p.add_argument("--user", metavar="U", help="only what this login did (any case)")
    p.add_argument("--since", metavar="D",
                   help="only from this day on (UTC), e.g. 2026-11-01 or 11/01/2026")
    p.add_argument("--limit", type=int, default=200, metavar="N",
                   help="the newest N entries (default 200)")

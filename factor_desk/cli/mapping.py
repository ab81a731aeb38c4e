"""Column mappings of the factor's files (issue #14): ``--map`` on the uploads and on
``loads import``, and ``factors mapping FACTOR KIND`` (show, set, forget the saved one)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from factor_desk.cli.common import EXIT_OK, EXIT_REFUSED, open_desk
from factor_desk.cli.printing import print_json, table

# The fields --map takes, per kind, for --help (which does not wait for the services to be
# imported). tests/test_cli_mapping.py holds them equal to Desk.report_fields(kind).
FIELDS = {
    "purchase": ("invoice_number", "load_number", "batch_number", "debtor", "invoice_amount",
                 "purchase_date", "advance_amount", "fee_amount", "reserve_amount", "status",
                 "reason"),
    "payments": ("invoice_number", "load_number", "debtor", "payment_date", "amount_paid",
                 "reference_number", "check_number", "payment_method", "final",
                 "short_pay_reason", "note"),
    "reserve": ("date", "type", "invoice_number", "load_number", "amount", "reference",
                "note"),
    "loads": ("load_number", "invoice_number", "customer", "customer_mc", "po_number",
              "pickup_date", "pickup_location", "delivery_date", "delivery_location",
              "linehaul", "accessorials", "total", "invoicing_method", "status"),
}
_EXAMPLE = {"purchase": "invoice_number=Inv No,invoice_amount=Face Value",
            "payments": "invoice_number=Inv No,amount_paid=Paid Amt",
            "reserve": "date=Posted,type=Activity,amount=Amt",
            "loads": "load_number=Pro #,customer=Bill To Name"}


def map_help(kind: str, saved: bool = True) -> str:
    """The help of ``--map`` on a command reading a ``kind`` file."""
    # argparse formats help with %: a literal percent sign would be doubled
    return (f'which column holds each field, as FIELD=COLUMN pairs, e.g. --map '
            f'"{_EXAMPLE[kind]}" (a column holding a comma or "=" is quoted, as in '
            f"--map 'note=\"Memo, Remarks\"'); the other fields are found by their usual "
            f'names. Fields: {", ".join(FIELDS[kind])}'
            + (". Applied with a known factor, the mapping is saved for that factor and "
               "used by itself next time" if saved else ""))


def mapping_of(args: argparse.Namespace) -> dict[str, str] | None:
    """The ``--map`` of the command, as {field: header}; None when not given."""
    text = getattr(args, "map", None)
    if text is None:
        return None
    from factor_desk.services.desk import Desk

    return Desk.parse_map(text)


def print_not_placed(args: argparse.Namespace, exc: Any) -> int:
    """A ColumnsNotPlaced refusal: the message on stderr (and, with --json, the file's
    headers and the fields still missing on stdout); exit 3."""
    print(str(exc), file=sys.stderr)
    if getattr(args, "json", False):
        look = exc.look
        print_json({"ok": False, "error": exc.summary, "headers": look.headers,
                    "missing": [f.name for f in look.missing], "placed": look.placed,
                    "fields": [f.name for f in look.fields]})
    return EXIT_REFUSED


def cmd_factors_mapping(args: argparse.Namespace) -> int:
    saved: Any
    with open_desk(args) as desk:
        if args.set is not None:
            saved = desk.save_mapping(args.factor, args.kind, desk.parse_map(args.set))
            verb = "Saved"
        elif args.forget:
            forgot = desk.forget_mapping(args.factor, args.kind)
            if args.json:
                print_json({"ok": True, "forgotten": forgot})
            else:
                print(f"Forgot the {args.kind} mapping saved for {args.factor}." if forgot
                      else f"{args.factor} has no saved {args.kind} mapping: nothing to "
                           "forget.")
            return EXIT_OK
        else:
            saved = desk.saved_mapping(args.factor, args.kind)
            verb = "Saved"
    if args.json:
        print_json(saved)
        return EXIT_OK
    if saved is None:
        print(f"{args.factor} has no saved {args.kind} mapping: its files are read by the "
              "usual column names (set one with --set, or upload with --map).")
        return EXIT_OK
    print(f"{verb} on {saved.saved_at:%m/%d/%Y} by {saved.saved_by}: the {args.kind} "
          f"mapping of {saved.factor}")
    table(["Field", "Column"], [[name, header] for name, header in saved.columns.items()])
    return EXIT_OK


def add_mapping_command(factors: Any, command: Any) -> None:
    """``factors mapping FACTOR KIND [--show] [--json] | --set SPEC | --forget``
    (registered by cli/parser.py)."""
    p = command(factors, "mapping", cmd_factors_mapping,
                "show, set or forget the column mapping saved for a factor's purchase, "
                "payment or reserve files (used by itself for that factor's next file)")
    p.add_argument("factor", metavar="FACTOR")
    p.add_argument("kind", choices=["purchase", "payments", "reserve"], metavar="KIND",
                   help="purchase, payments or reserve")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--show", action="store_true", help="show the saved mapping (default)")
    g.add_argument("--set", metavar="SPEC",
                   help='save a mapping, e.g. --set "invoice_number=Inv No,invoice_amount='
                        'Face Value" (replaces the one saved before). Fields: purchase: '
                        f'{", ".join(FIELDS["purchase"])}; payments: '
                        f'{", ".join(FIELDS["payments"])}; reserve: '
                        f'{", ".join(FIELDS["reserve"])}')
    g.add_argument("--forget", action="store_true", help="forget the saved mapping")

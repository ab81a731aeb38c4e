"""``factors schedule``: the schedule of accounts a factor wants (issue #14), its columns in
order with their titles, the carrier's MC in the header, the debtor's MC, the signature
block; shown, set, or reset to Capital Depot's (the default)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table
from factor_desk.domain.schedule_layout import ScheduleField, ScheduleLayout, parse_columns


def fields_help() -> str:
    """The fields a column can show, with their default titles, for --help."""
    width = max(len(f.value) for f in ScheduleField)
    titles = max(len(f.default_title) for f in ScheduleField)
    lines = [f"  {f.value.ljust(width)}  {f.default_title.ljust(titles)}  {f.meaning}"
             for f in ScheduleField]
    return ("fields a column can show, their default titles, and what they hold\n"
            "(invoice_number and amount are required; a title is at most 40 characters;\n"
            "a field given without =TITLE keeps its default title):\n"
            + "\n".join(lines)
            + "\n\nexample:\n  factor-desk factors schedule RTS --no-signature --columns \\\n"
              '    "invoice_number=Invoice #,debtor=Account Debtor,amount=Face Amount,due_date"')


def add_schedule_command(factors: Any, command: Callable[..., argparse.ArgumentParser]
                         ) -> None:
    """Register ``factors schedule`` under ``factors`` (cli/parser.py calls it)."""
    p = command(factors, "schedule", cmd_factors_schedule,
                "show or set the schedule of accounts a factor wants: its columns, their "
                "order and titles, the MCs and the signature block")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = fields_help()
    p.add_argument("name", metavar="FACTOR")
    p.add_argument("--columns", metavar="SPEC",
                   help='the columns in order, e.g. "invoice_number=Invoice #,debtor=Account '
                        'Debtor,amount=Face Amount" (the fields are listed below)')
    p.add_argument("--carrier-mc", action=argparse.BooleanOptionalAction, default=None,
                   help="the carrier's MC in the header line, or not")
    p.add_argument("--debtor-mc", action=argparse.BooleanOptionalAction, default=None,
                   help="the debtor's MC as a column (after the debtor), or not")
    p.add_argument("--signature", action=argparse.BooleanOptionalAction, default=None,
                   help="a carrier signature and date line at the end of the PDF, or not")
    p.add_argument("--reset", action="store_true",
                   help="back to Capital Depot's schedule, the default")


def cmd_factors_schedule(args: argparse.Namespace) -> int:
    changes = [args.columns, args.carrier_mc, args.debtor_mc, args.signature]
    changing = any(c is not None for c in changes)
    if args.reset and changing:
        raise Usage("--reset goes back to the default; give it alone, without --columns or "
                    "the MC and signature options")
    with open_desk(args) as desk:
        if args.reset:
            layout = desk.set_schedule_layout(args.name, None)
        elif changing:
            layout = desk.set_schedule_layout(
                args.name, _changed(desk.schedule_layout(args.name), args))
        else:
            layout = desk.schedule_layout(args.name)
    if args.json:
        print_json(_plain(args.name, layout))
        return EXIT_OK
    if args.reset or changing:
        print(f"{args.name}'s schedule of accounts is now:")
    _show(args.name, layout)
    return EXIT_OK


def _changed(current: ScheduleLayout, args: argparse.Namespace) -> ScheduleLayout:
    layout = current
    if args.columns is not None:
        columns = parse_columns(args.columns)
        if args.debtor_mc is False and any(
                name.strip().lower() == ScheduleField.DEBTOR_MC.value for name, _ in columns):
            raise Usage("--columns names debtor_mc and --no-debtor-mc leaves it out; give "
                        "one of them")
        layout = ScheduleLayout.make(columns, carrier_mc=current.carrier_mc,
                                     signature=current.signature)
    if args.debtor_mc is not None:
        layout = layout.with_debtor_mc(args.debtor_mc)
    return layout.with_options(carrier_mc=args.carrier_mc, signature=args.signature)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _show(name: str, layout: ScheduleLayout) -> None:
    if layout.is_default:
        print(f"{name}: Capital Depot's schedule of accounts (the default).")
    table(["#", "Field", "Title"],
          [[i, c.field.value, c.title] for i, c in enumerate(layout.columns, start=1)],
          right={0})
    print(f"Carrier's MC in the header: {_yes(layout.carrier_mc)}. Debtor's MC column: "
          f"{_yes(layout.debtor_mc)}. Signature block: {_yes(layout.signature)}.")
    print(f'As --columns: "{layout.spec()}"')


def _plain(name: str, layout: ScheduleLayout) -> dict[str, Any]:
    return {"factor": name, "default": layout.is_default,
            "columns": [{"field": c.field.value, "title": c.title} for c in layout.columns],
            "carrier_mc": layout.carrier_mc, "debtor_mc": layout.debtor_mc,
            "signature": layout.signature, "spec": layout.spec()}

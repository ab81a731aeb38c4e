"""Commands about loads: the template, importing, attaching documents, listing, history,
and the moves before a batch (queue, unqueue, void, edit)."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import TYPE_CHECKING

from factor_desk.cli.common import EXIT_OK, EXIT_REFUSED, Usage, open_desk
from factor_desk.cli.mapping import mapping_of, print_not_placed
from factor_desk.cli.printing import (
    money,
    plain,
    print_json,
    print_loads_json,
    sheet_note,
    table,
)

if TYPE_CHECKING:
    from factor_desk.services.batch_money import LoadMoney
    from factor_desk.services.load_payments import LoadMoneyMove
    from factor_desk.services.loads import LoadSummary, MovedLoad, RowCustomer


def cmd_loads_template(args: argparse.Namespace) -> int:
    from factor_desk.documents.text_files import write_text_file
    from factor_desk.services.desk import Desk

    write_text_file(args.to, Desk.loads_template())
    print(f"Loads template written to {args.to}")
    return EXIT_OK


def cmd_loads_import(args: argparse.Namespace) -> int:
    from factor_desk.services.reports import ColumnsNotPlaced

    mapping = mapping_of(args)
    try:
        with open_desk(args) as desk:
            if args.dry_run:
                result = desk.check_loads_file(args.file, args.subsidiary, sheet=args.sheet,
                                               mapping=mapping)
            else:
                result = desk.import_loads(args.file, args.subsidiary,
                                           only_valid=args.only_valid, sheet=args.sheet,
                                           mapping=mapping)
    except ColumnsNotPlaced as exc:
        return print_not_placed(args, exc)
    refused = bool(result.problems) and not args.only_valid
    if args.json:
        out = plain(result)
        out["rows_bad"] = result.rows_bad
        out["ok"] = not refused
        print_json(out)
    else:
        verb = "would import" if args.dry_run else "imported"
        count = result.rows_valid if args.dry_run else result.imported
        print(f"{result.file_name}{sheet_note(result.sheet)}: {result.rows_total} rows; "
              f"{verb} {count} loads into "
              f"{result.subsidiary}" + (f"; {result.rows_bad} rows with problems"
                                        if result.problems else "") + ".")
        if result.new_customers:
            print(f"New customers: {', '.join(result.new_customers)}")
        _print_customer_notes(result.row_customers)
    for p in result.problems:
        print(f"  {p}", file=sys.stderr)
    if refused:  # only a dry run reaches here with problems: the real import would refuse
        print("Nothing would be imported until these rows are fixed (or use --only-valid).",
              file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _print_customer_notes(row_customers: list[RowCustomer]) -> None:
    """Each reason a row is billed to another customer than its name or MC says, once,
    with the rows it concerns."""
    rows_of: dict[str, list[int]] = {}
    for r in row_customers:
        if r.note:
            rows_of.setdefault(r.note, []).append(r.row)
    for note, rows in rows_of.items():
        shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more"
                                                 if len(rows) > 5 else "")
        print(f"  Row{'s' if len(rows) > 1 else ''} {shown}: {note}")


def cmd_loads_attach(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        info = desk.attach(args.load_number, args.file, args.kind)
    if args.json:
        print_json(info)
    elif info.already_attached:
        print(f"{info.file_name} was already attached to load {info.load_number}; "
              "nothing changed.")
    else:
        print(f"Attached {info.file_name} to load {info.load_number} as {info.kind}.")
    return EXIT_OK


def _print_loads(loads: list[LoadSummary]) -> None:
    table(
        ["Load", "Invoice", "Subsidiary", "Customer", "Delivered", "Amount", "Status", "Method",
         "Documents"],
        [[ld.load_number, ld.invoice_number, ld.subsidiary, ld.customer,
          ld.delivery_date, money(ld.amount), ld.status_text, ld.invoicing_method,
          ", ".join(ld.documents) + (f"  (missing: {', '.join(ld.missing_documents)})"
                                     if ld.missing_documents else "")]
         for ld in loads],
        right={5},
    )
    total = sum((ld.amount for ld in loads), Decimal(0))
    print(f"{len(loads)} loads · {money(total)}")


def cmd_loads_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        if args.eligible:
            if not args.subsidiary:
                raise Usage("--eligible needs --subsidiary")
            loads = desk.eligible_loads(args.subsidiary)
        else:
            loads = desk.list_loads(subsidiary=args.subsidiary, status=args.status,
                                    search=args.search)
    if args.json:
        print_loads_json(loads)
    else:
        _print_loads(loads)
    return EXIT_OK


def cmd_loads_history(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        entries = desk.load_history(args.load_number)
        money_of = desk.load_money(args.load_number)
    if args.json:
        print_json({"load_number": money_of.load_number, "status": money_of.status,
                    "history": entries, "money": _money_json(money_of)})
        return EXIT_OK
    table(["When (UTC)", "From", "To", "By", "Why"],
          [[e.at, e.from_status or "-", e.to_status, e.by, e.reason] for e in entries])
    print()
    print(_money_line(money_of))
    if money_of.lines:
        table(["Date", "What", "Amount", "Reference", "From", "Detail"],
              [[ln.date, ln.what, money(ln.amount), ln.reference, ln.source, ln.detail]
               for ln in money_of.lines], right={2})
    return EXIT_OK


_FIGURES = ("invoiced", "paid", "short_pay", "overpay", "open_balance")


def _money_json(m: LoadMoney) -> dict[str, object]:
    inv = m.invoice
    return {"batch": m.batch,
            "invoice": None if inv is None else {
                "invoice_number": inv.invoice_number,
                **{k: getattr(inv, k) for k in _FIGURES},
                "partially_paid": inv.partially_paid},
            "lines": [{"date": ln.date, "kind": ln.kind, "what": ln.what,
                       "amount": ln.amount, "reference": ln.reference, "source": ln.source,
                       "import_id": ln.import_id, "detail": ln.detail} for ln in m.lines]}


def _money_line(m: LoadMoney) -> str:
    """The load's money in one line: what was invoiced, paid, written off, and is open."""
    inv = m.invoice
    if inv is None:
        return f"Load {m.load_number} is {m.status}: not batched yet, nothing invoiced."
    parts = [f"Invoice {inv.invoice_number} (batch {m.batch}): {money(inv.invoiced)}",
             f"paid {money(inv.paid)}"]
    if inv.short_pay:
        parts.append(f"short pay {money(inv.short_pay)}")
    if inv.overpay:
        parts.append(f"overpaid {money(inv.overpay)}")
    parts.append(f"open {money(inv.open_balance)}")
    state = f"{m.status} (partially paid)" if inv.partially_paid else m.status
    return f"{', '.join(parts)}. Load {m.load_number} is {state}."


# ---------------------------------------------------------- load moves (issue #12)

def _print_moved(args: argparse.Namespace, moved: list[MovedLoad], verb: str) -> int:
    if args.json:
        print_json(moved)
        return EXIT_OK
    for m in moved:
        print(f"Load {m.load_number} {verb}; it is {m.status} now.")
    return EXIT_OK


def cmd_loads_queue(args: argparse.Namespace) -> int:
    from factor_desk.domain.dates import parse_date

    invoice_date = None
    if args.invoice_date:
        try:
            invoice_date = parse_date(args.invoice_date)
        except ValueError as exc:
            raise Usage(f"--invoice-date: {exc}") from None
    with open_desk(args) as desk:
        moved = desk.queue_loads(args.load_numbers, invoice_number=args.invoice_number,
                                 invoice_date=invoice_date)
    return _print_moved(args, moved, f"invoice {moved[0].invoice_number} created"
                        if len(moved) == 1 else "invoice created")


def cmd_loads_unqueue(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        moved = desk.unqueue_loads(args.load_numbers, args.reason)
    return _print_moved(args, moved, "taken back")


def cmd_loads_void(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        moved = desk.void_loads([args.load_number], args.reason)
    return _print_moved(args, moved, "voided (its number stays taken)")


def cmd_loads_edit(args: argparse.Namespace) -> int:
    changes = {name: getattr(args, name) for name in
               ("customer", "amount", "po_number", "invoice_number", "pickup_date",
                "delivery_date", "invoicing_method") if getattr(args, name) is not None}
    if not changes:
        raise Usage("name at least one field to change (see loads edit --help)")
    with open_desk(args) as desk:
        edited = desk.edit_load(args.load_number, changes)
    if args.json:
        print_json([edited])
    elif not edited.changes:
        print(f"Load {edited.load_number}: nothing changed.")
    else:
        print(f"Load {edited.load_number} edited ({edited.status}):")
        for c in edited.changes:
            print(f"  {c.field}: {c.old} → {c.new}")
    return EXIT_OK


# ---------------------------------------------------------- payments over time (#13)

def _print_money_move(args: argparse.Namespace, move: LoadMoneyMove) -> int:
    if args.json:
        print_json(move)
        return EXIT_OK
    if move.kind == "short_pay":
        print(f"Load {move.load_number} closed: a short pay of {money(move.amount)} written "
              f"off ({move.reason}); it is {move.status} now.")
        return EXIT_OK
    rest = (f"{money(move.open_balance)} stays open" if move.open_balance > 0 else
            f"overpaid by {money(-move.open_balance)}" if move.open_balance < 0 else
            "paid in full")
    print(f"Load {move.load_number}: direct payment of {money(move.amount)} "
          f"({move.reference}, {move.entry_date:%m/%d/%Y}) recorded; {rest}; it is "
          f"{move.status} now.")
    return EXIT_OK


def cmd_loads_close(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        move = desk.close_load(args.load_number, args.short_pay_reason)
    return _print_money_move(args, move)


def cmd_loads_pay(args: argparse.Namespace) -> int:
    from factor_desk.domain.dates import parse_date
    from factor_desk.domain.money import MoneyError, parse_money

    try:
        amount = parse_money(args.amount)
    except MoneyError as exc:
        raise Usage(f"--amount: {exc}") from None
    day = None
    if args.date:
        try:
            day = parse_date(args.date)
        except ValueError as exc:
            raise Usage(f"--date: {exc}") from None
    with open_desk(args) as desk:
        move = desk.pay_load(args.load_number, amount, args.reference, day)
    return _print_money_move(args, move)


def cmd_loads_take_back(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        move = desk.take_back_payment(args.load_number, args.reason)
    if args.json:
        print_json(move)
        return EXIT_OK
    what = "short pay" if move.kind == "short_pay" else "direct payment"
    print(f"Load {move.load_number}: the {what} of {money(move.amount)} of "
          f"{move.entry_date:%m/%d/%Y} taken back; {money(move.open_balance)} is open; it is "
          f"{move.status} now.")
    return EXIT_OK

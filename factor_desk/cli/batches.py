"""Commands about factoring batches: submit, list, show, download, recall, reverse."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import money, print_json, table, text, with_progress

if TYPE_CHECKING:
    from factor_desk.services.recall import RecallResult


def cmd_batch_submit(args: argparse.Namespace) -> int:
    if bool(args.loads) == bool(args.all_eligible):
        raise Usage("give --loads N1,N2,... or --all-eligible")
    numbers = [n for n in (args.loads or "").split(",") if n.strip()]
    if args.loads is not None and not numbers:
        raise Usage("--loads needs at least one load number")
    with open_desk(args) as desk:
        summary = (desk.submit_all_eligible(args.subsidiary) if args.all_eligible
                   else desk.submit_batch(args.subsidiary, numbers))
    if args.json:
        print_json(summary)
    else:
        print(f"Batch {summary.batch} submitted for {summary.subsidiary}: "
              f"{summary.invoices} invoices, {money(summary.total)}. "
              "The loads are now Invoiced.")
    return EXIT_OK


def cmd_batch_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        batches = desk.list_batches(subsidiary=args.subsidiary)
    if args.json:
        print_json(batches)
        return EXIT_OK
    table(["Batch", "Subsidiary", "Factor", "Submitted (UTC)", "By", "Invoices", "Total",
           "Status"],
          [[b.batch, b.subsidiary, b.factoring_company, b.submitted_at, b.submitted_by,
            b.invoices, money(b.total), b.status] for b in batches], right={5, 6})
    return EXIT_OK


def cmd_batch_show(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        detail = desk.show_batch(args.batch)
    if args.json:
        print_json(detail)
        return EXIT_OK
    print(f"Batch {detail.batch} · {detail.subsidiary} → {detail.factoring_company} · "
          f"submitted {text(detail.submitted_at)} by {detail.submitted_by} · {detail.status}")
    table(["Invoice", "Load", "Date", "Debtor", "MC", "PO", "Amount", "Due", "Status"],
          [[i.invoice_number, i.load_number, i.invoice_date, i.debtor, i.debtor_mc,
            i.po_number, money(i.amount), i.due_date, i.status]
           for i in detail.invoice_lines], right={6})
    print(f"{detail.invoices} invoices · {money(detail.total)}")
    for i in detail.invoice_lines:
        if i.recall_reason:
            print(f"Invoice {i.invoice_number} (load {i.load_number}) recalled: "
                  f"{i.recall_reason}")
    if detail.reverse_reason:
        print(f"Reversed: {detail.reverse_reason}. The batch stays as it was sent.")
    return EXIT_OK


def cmd_batch_export(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise Usage("--workers must be 1 or more")
    with open_desk(args) as desk:
        result = with_progress(desk.export(args.batch, args.to, make_zip=args.zip,
                                           workers=args.workers))
    if args.json:
        print_json(result)
    else:
        print(f"Batch {result.batch}: {result.invoices} invoices, {result.pages} pages, "
              f"saved to {result.folder}" + (f" and {result.zip_path}" if result.zip_path
                                             else ""))
    return EXIT_OK


def _print_moved(args: argparse.Namespace, result: RecallResult, done: str) -> None:
    if args.json:
        print_json(result)
        return
    n = len(result.loads)
    print(f"{done}: {n} load{'s' if n != 1 else ''} back to Queued "
          f"({', '.join(m.load_number for m in result.loads)}). Batch {result.batch} is "
          f"{result.batch_status} and stays as it was sent.")


def cmd_batch_recall(args: argparse.Namespace) -> int:
    numbers = [n for n in args.loads if n.strip()]
    if not numbers:
        raise Usage("give at least one load number")
    with open_desk(args) as desk:
        result = desk.recall_invoices(args.batch, numbers, args.reason)
    _print_moved(args, result, f"Recalled from batch {result.batch}")
    return EXIT_OK


def cmd_batch_reverse(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        result = desk.reverse_batch(args.batch, args.reason)
    _print_moved(args, result, f"Batch {result.batch} reversed")
    return EXIT_OK

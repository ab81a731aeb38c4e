"""Commands about the factor's reports: templates, purchase and payment uploads, their
history and undo, and the reconciliation."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from factor_desk.cli.common import EXIT_OK, EXIT_REFUSED, open_desk
from factor_desk.cli.mapping import mapping_of, print_not_placed
from factor_desk.cli.printing import money, print_json, sheet_note, table, text, with_progress


def cmd_reports_template(args: argparse.Namespace) -> int:
    from factor_desk.documents.text_files import write_text_file
    from factor_desk.services.desk import Desk

    write_text_file(args.to, Desk.report_template(args.kind))
    print(f"{args.kind.capitalize()} report template written to {args.to}")
    return EXIT_OK


def _print_preview(preview: Any) -> None:
    counts = preview.counts
    what = f"batch {preview.batch}" if preview.batch else str(preview.kind)
    for note in (preview.mapping_note, preview.mapping_saved):
        if note:  # the column mapping used, or saved (issue #14)
            print(note[0].upper() + note[1:] + ".")
    print(f"{preview.file_name}{sheet_note(getattr(preview, 'sheet', None))} ({what}): "
          f"{len(preview.rows)} rows: {counts['applies']} apply, "
          f"{counts['warning']} with warnings, {counts['error']} errors.")
    shown = [r for r in preview.rows if r.outcome != "applies"]
    if shown:
        table(["Row", "Invoice", "Load", "Outcome", "Why"],
              [[r.row, r.invoice_number, r.load_number, r.outcome, "; ".join(r.reasons)]
               for r in shown])
    totals = ", ".join(f"{k.replace('_', ' ')} {text(v)}" for k, v in preview.totals.items())
    print(f"Totals: {totals}")
    if preview.missing_invoices:
        print(f"Not in the report ({len(preview.missing_invoices)}): "
              f"{', '.join(preview.missing_invoices)}")
    if preview.already_imported:
        print(f"This file was already imported as {preview.already_imported}.")


def _report_upload(args: argparse.Namespace, kind: str, batch: str | None,
                   mapping: dict[str, str] | None) -> int:
    from factor_desk.services.desk import Desk
    from factor_desk.services.reports import ColumnsNotPlaced

    allow_missing = getattr(args, "allow_missing", False)
    factor = getattr(args, "factor", None)  # whose saved mapping; a reserve report's
    remember = not getattr(args, "map_once", False)  # --map saved for the factor
    try:
        with open_desk(args) as desk:
            result = with_progress(
                desk.preview_report(kind, args.file, batch=batch, sheet=args.sheet,
                                    factor=factor, mapping=mapping, remember=remember)
                if args.dry_run
                else desk.apply_report(kind, args.file, batch=batch, sheet=args.sheet,
                                       allow_missing=allow_missing, factor=factor,
                                       mapping=mapping, remember=remember))
    except ColumnsNotPlaced as exc:
        return print_not_placed(args, exc)
    if args.dry_run:
        problems = Desk.report_refusals(result, allow_missing)
        if args.json:
            out = result.to_dict()
            out["ok"] = not problems
            out["problems"] = [p.to_dict() for p in problems]
            print_json(out)
        else:
            _print_preview(result)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_REFUSED if problems else EXIT_OK
    if args.json:
        print_json(result)
    else:
        _print_preview(result.preview)
        print(f"Applied as import #{result.import_id}: {result.rows_applied} rows.")
    return EXIT_OK


def cmd_reports_purchase(args: argparse.Namespace) -> int:
    batch = args.batch
    mapping = mapping_of(args)
    if batch is None:  # the batch the file names itself, as the window takes it
        from factor_desk.domain.errors import InputRefused, Problem
        from factor_desk.services.reports import ColumnsNotPlaced

        try:
            with open_desk(args) as desk:
                named = desk.named_batches(args.file, sheet=args.sheet, mapping=mapping,
                                           factor=args.factor)
        except ColumnsNotPlaced as exc:
            return print_not_placed(args, exc)
        if len(named) != 1:
            why = (f"names {len(named)} batches ({', '.join(named)})" if named
                   else "names no batch (it has no Batch Number column, or it is empty)")
            raise InputRefused([Problem(
                f"The purchase report {why}: give the batch it is for, as in "
                f"reports purchase BATCH FILE.", file=Path(args.file).name)])
        batch = named[0]
    return _report_upload(args, "purchase", batch, mapping)


def cmd_reports_payments(args: argparse.Namespace) -> int:
    return _report_upload(args, "payments", None, mapping_of(args))


def cmd_reports_reserve(args: argparse.Namespace) -> int:
    return _report_upload(args, "reserve", None, mapping_of(args))


def cmd_reports_history(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        history = desk.import_history()
    if args.json:
        print_json(history)
        return EXIT_OK
    table(["Import", "Kind", "File", "Batch", "When (UTC)", "By", "Rows", "Status"],
          [[f"#{h.id}", h.kind, h.file_name, h.batch or "", h.imported_at, h.imported_by,
            h.rows, text(h.status) + (f" {text(h.undone_at)} by {h.undone_by}"
                                      if h.undone_at else "")] for h in history])
    return EXIT_OK


def cmd_reports_undo(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        result = desk.undo_import(args.import_id)
    if args.json:
        print_json(result)
    else:
        print(f"Import #{result.import_id} undone: {result.loads_moved_back} loads moved back, "
              f"{result.records_removed} records removed.")
    return EXIT_OK


def _dollars(amount: Decimal | int) -> str:
    """A reconciliation's figure: dollars, or a whole number of cents."""
    from factor_desk.domain.money import from_cents

    return money(amount if isinstance(amount, Decimal) else from_cents(amount))


# The reserve's figures as a clerk reads them (a chargeback here is what the factor took
# from the reserve, not the open balance of the Charged back loads in the table above).
_RESERVE_HEADERS = {"reserve": "Set Aside", "charged_back": "Taken By Chargebacks",
                    "fees": "Taken By Fees"}


def cmd_reports_reconcile(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        recon = desk.reconcile(args.batch, rows=args.json)  # the table shows no rows
    if args.json:
        print_json(recon)
        return EXIT_OK
    fields = list(recon.totals)  # every figure of the reconciliation, in its order
    headers = ["Batch", "Status", *[f.replace("_", " ").title() for f in fields]]
    rows = [[b.batch, b.status, *[_dollars(b.totals[f]) for f in fields]]
            for b in recon.batches]
    if not args.batch:
        rows.append(["All", "", *[_dollars(recon.totals[f]) for f in fields]])
    table(headers, rows, right=set(range(2, len(headers))))
    if recon.reserve_totals:  # the whole: the reserve with each factor
        names = list(recon.reserve_totals)
        print()
        table(["Reserve with", *[_RESERVE_HEADERS.get(n, n.title()) for n in names]],
              [*([f.factor, *[_dollars(f.figures[n]) for n in names]] for f in recon.reserve),
               ["All factors", *[_dollars(recon.reserve_totals[n]) for n in names]]],
              right=set(range(1, len(names) + 1)))
    return EXIT_OK

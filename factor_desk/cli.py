"""The command line: a thin shell over the services, for automation and tests.

Exit status: 0 done; 2 usage; 3 input refused with nothing changed (reasons on stderr and,
with --json, in the JSON on stdout); 1 a bug.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING

from factor_desk import __version__
from factor_desk.domain.errors import (
    BadDatabaseUrl,
    FactorDeskError,
    InputRefused,
    Problem,
    refusal_for_os_error,
)

if TYPE_CHECKING:
    from factor_desk.services.loads import RowCustomer

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class _Usage(Exception):
    """A usage error found after parsing (exit 2)."""


# ------------------------------------------------------------------ output


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return _plain(value.to_dict())
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _print_json(value) -> None:
    json.dump(_plain(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _print_json_rows(rows: list[dict[str, object]]) -> None:
    """Print a list of flat dicts (values text, None or lists of text) exactly as
    ``_print_json`` does, without json's pure-Python indenting encoder (10x slower than
    this on 100,000 loads); anything else goes through ``_print_json``."""
    enc = json.encoder.encode_basestring  # what json uses with ensure_ascii=False
    out = sys.stdout
    parts: list[str] = []
    for row in rows:
        fields = []
        for key, value in row.items():
            if isinstance(value, str):
                text = enc(value)
            elif value is None:
                text = "null"
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                text = ("[\n      " + ",\n      ".join(map(enc, value)) + "\n    ]"
                        if value else "[]")
            else:
                _print_json(rows)
                return
            fields.append(f"    {enc(key)}: {text}")
        parts.append("  {\n" + ",\n".join(fields) + "\n  }")
    out.write("[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n")


_LOAD_KEYS = ["load_number", "invoice_number", "subsidiary", "customer", "customer_mc",
              "po_number", "pickup_date", "pickup_location", "delivery_date",
              "delivery_location", "amount", "status", "invoicing_method", "documents",
              "missing_documents"]


def _print_loads_json(loads: list) -> None:
    """``_print_json([ld.to_dict() for ld in loads])``, byte for byte, in one pass without
    the dict per load (100,000 loads: to_dict and the walk over the dicts took 2.6 s, this
    0.8 s). The keys are to_dict's: if they change, this falls back to it."""
    if not loads or list(loads[0].to_dict()) != _LOAD_KEYS:
        _print_json_rows([ld.to_dict() for ld in loads])
        return
    enc = json.encoder.encode_basestring
    dates: dict[object, str] = {None: "null"}
    lists: dict[tuple[str, ...], str] = {(): "[]"}

    def date(value: object) -> str:
        text = dates.get(value)
        if text is None:
            text = dates[value] = enc(value.isoformat())  # type: ignore[attr-defined]
        return text

    def names(value: tuple[str, ...]) -> str:
        text = lists.get(value)
        if text is None:
            text = lists[value] = "[\n      " + ",\n      ".join(map(enc, value)) + "\n    ]"
        return text

    sys.stdout.write("[\n" + ",\n".join(
        f'  {{\n    "load_number": {enc(ld.load_number)},\n'
        f'    "invoice_number": {enc(ld.invoice_number)},\n'
        f'    "subsidiary": {enc(ld.subsidiary)},\n    "customer": {enc(ld.customer)},\n'
        f'    "customer_mc": {enc(ld.customer_mc)},\n    "po_number": {enc(ld.po_number)},\n'
        f'    "pickup_date": {date(ld.pickup_date)},\n'
        f'    "pickup_location": {enc(ld.pickup_location)},\n'
        f'    "delivery_date": {date(ld.delivery_date)},\n'
        f'    "delivery_location": {enc(ld.delivery_location)},\n'
        f'    "amount": {enc(str(ld.amount))},\n    "status": {enc(ld.status)},\n'
        f'    "invoicing_method": {enc(ld.invoicing_method)},\n'
        f'    "documents": {names(ld.documents)},\n'
        f'    "missing_documents": {names(ld.missing_documents)}\n  }}'
        for ld in loads) + "\n]\n")


def _table(headers: list[str], rows: list[list[str]], right: AbstractSet[int] = frozenset()
           ) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells):
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))


def _money(amount: Decimal) -> str:
    from factor_desk.domain.money import format_money

    return format_money(amount)


# ------------------------------------------------------------------ commands


def _db(args):
    from factor_desk.db.database import Database

    db = Database.open(args.home, args.db)
    args.opened.append(db)  # closed by main() when the command ends
    from factor_desk.db.location_check import check_data_folder

    check_data_folder(db.location, lambda warning: print(warning, file=sys.stderr))
    return db


def cmd_demo(args) -> int:
    from factor_desk.services.demo import load_demo

    if args.loads < 0:
        raise _Usage("--loads must be zero or more")
    result = load_demo(_db(args), loads=args.loads, seed=args.seed)
    if args.json:
        _print_json(result)
    else:
        print(result.message)
    return EXIT_OK


def cmd_company_show(args) -> int:
    from factor_desk.services.company import get_profile

    db = _db(args)
    with db.read() as session:
        profile = get_profile(session)
    if args.json:
        _print_json(profile)
        return EXIT_OK
    print(f"Company: {profile.name or '(none yet: run factor-desk demo, or add one)'}")
    for s in profile.subsidiaries:
        print()
        print(f"{s.name}  [{s.code}]  MC {s.mc_number or '-'}  DOT {s.dot_number or '-'}")
        addr = ", ".join(x for x in (s.address, s.city, f"{s.state} {s.zip_code}".strip()) if x)
        if addr:
            print(f"  {addr}")
        print(f"  Factoring company: {s.factoring_company or '(none)'}")
        print(f"  Default invoicing method: {s.default_invoicing_method}")
        print(f"  Documents required before factoring: "
              f"{', '.join(s.required_documents) or 'none'}")
        if not s.important_info:
            print("  Document configuration: (no important info)")
        for entry in s.important_info:
            print(f"  {entry.label}: {entry.text}")
    if profile.factoring_companies:
        print()
        for f in profile.factoring_companies:
            remit = f.remit_to.replace("\n", ", ")
            print(f"Factoring company {f.name} ({f.integration}): fee {f.fee_percent}%, "
                  f"advance {f.advance_percent}%, reserve {f.reserve_percent}%. Remit to {remit}")
    return EXIT_OK


NOA_FILE_LIMIT = 1024 * 1024  # a Notice of Assignment is a paragraph


def _read_text_file(path: str) -> str:
    # One decoder for every text file: BOMs (Notepad "Unicode", PowerShell 5.1), UTF-8,
    # then cp1252; what is not text is refused.
    from factor_desk.documents.text_files import read_text_file

    return read_text_file(path, limit=NOA_FILE_LIMIT, kind="Notice of Assignment files")


def cmd_company_set_noa(args) -> int:
    from factor_desk.domain.trade import InfoKind
    from factor_desk.services.company import set_important_info

    text = args.text if args.text is not None else _read_text_file(args.file)
    db = _db(args)
    with db.write() as session:
        profile = set_important_info(
            session, args.subsidiary, InfoKind.NOTICE_OF_ASSIGNMENT, text)
    if args.json:
        _print_json(profile)
    else:
        print(f"Notice of Assignment saved for {profile.name}.")
    return EXIT_OK


def cmd_company_set_required_docs(args) -> int:
    from factor_desk.services.company import set_required_documents

    if args.none and args.kinds:
        raise _Usage("give document kinds or --none, not both")
    if not args.none and not args.kinds:
        raise _Usage("give the document kinds, or --none")
    db = _db(args)
    with db.write() as session:
        profile = set_required_documents(session, args.subsidiary, [] if args.none else args.kinds)
    if args.json:
        _print_json(profile)
    else:
        needed = ", ".join(profile.required_documents) or "no documents"
        print(f"{profile.name} now needs {needed} before a load is factored.")
    return EXIT_OK


def cmd_loads_template(args) -> int:
    from factor_desk.documents.text_files import write_text_file
    from factor_desk.services.loads import loads_template

    write_text_file(args.to, loads_template())
    print(f"Loads template written to {args.to}")
    return EXIT_OK


def cmd_loads_import(args) -> int:
    from factor_desk.services.loads import import_loads

    db = _db(args)
    result = import_loads(db, args.file, args.subsidiary, dry_run=args.dry_run,
                          only_valid=args.only_valid, sheet=args.sheet)
    refused = bool(result.problems) and not args.only_valid
    if args.json:
        out = _plain(result)
        out["rows_bad"] = result.rows_bad
        out["ok"] = not refused
        _print_json(out)
    else:
        verb = "would import" if args.dry_run else "imported"
        count = result.rows_valid if args.dry_run else result.imported
        print(f"{result.file_name}{_sheet_note(result.sheet)}: {result.rows_total} rows; "
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


def cmd_loads_attach(args) -> int:
    from factor_desk.services.loads import attach_document

    info = attach_document(_db(args), args.load_number, args.file, args.kind)
    if args.json:
        _print_json(info)
    elif info.already_attached:
        print(f"{info.file_name} was already attached to load {info.load_number}; "
              "nothing changed.")
    else:
        print(f"Attached {info.file_name} to load {info.load_number} as {info.kind}.")
    return EXIT_OK


def _print_loads(loads) -> None:
    _table(
        ["Load", "Invoice", "Subsidiary", "Customer", "Delivered", "Amount", "Status", "Method",
         "Documents"],
        [[ld.load_number, ld.invoice_number, ld.subsidiary, ld.customer,
          ld.delivery_date.isoformat() if ld.delivery_date else "", _money(ld.amount),
          ld.status, ld.invoicing_method,
          ", ".join(ld.documents) + (f"  (missing: {', '.join(ld.missing_documents)})"
                                     if ld.missing_documents else "")]
         for ld in loads],
        right={5},
    )
    total = sum((ld.amount for ld in loads), Decimal(0))
    print(f"{len(loads)} loads · {_money(total)}")


def cmd_loads_list(args) -> int:
    from factor_desk.services.loads import eligible_loads, list_loads

    db = _db(args)
    with db.read() as session:
        if args.eligible:
            if not args.subsidiary:
                raise _Usage("--eligible needs --subsidiary")
            loads = eligible_loads(session, args.subsidiary)
        else:
            loads = list_loads(session, subsidiary=args.subsidiary, status=args.status,
                               search=args.search)
    if args.json:
        _print_loads_json(loads)
    else:
        _print_loads(loads)
    return EXIT_OK


def cmd_loads_history(args) -> int:
    from factor_desk.services.loads import load_history

    db = _db(args)
    with db.read() as session:
        entries = load_history(session, args.load_number)
    if args.json:
        _print_json(entries)
        return EXIT_OK
    _table(["When (UTC)", "From", "To", "By", "Why"],
           [[e.at, e.from_status or "-", e.to_status, e.by, e.reason] for e in entries])
    return EXIT_OK


def cmd_batch_submit(args) -> int:
    from factor_desk.services.batches import submit_batch

    if bool(args.loads) == bool(args.all_eligible):
        raise _Usage("give --loads N1,N2,... or --all-eligible")
    numbers = [n for n in (args.loads or "").split(",") if n.strip()]
    if args.loads is not None and not numbers:
        raise _Usage("--loads needs at least one load number")
    summary = submit_batch(_db(args), args.subsidiary, numbers,
                           all_eligible=args.all_eligible)
    if args.json:
        _print_json(summary)
    else:
        print(f"Batch {summary.batch} submitted for {summary.subsidiary}: "
              f"{summary.invoices} invoices, {_money(summary.total)}. "
              "The loads are now Invoiced.")
    return EXIT_OK


def cmd_batch_list(args) -> int:
    from factor_desk.services.batches import list_batches

    db = _db(args)
    with db.read() as session:
        batches = list_batches(session, subsidiary=args.subsidiary)
    if args.json:
        _print_json(batches)
        return EXIT_OK
    _table(["Batch", "Subsidiary", "Factor", "Submitted (UTC)", "By", "Invoices", "Total",
            "Status"],
           [[b.batch, b.subsidiary, b.factoring_company, b.submitted_at, b.submitted_by,
             str(b.invoices), _money(b.total), b.status] for b in batches], right={5, 6})
    return EXIT_OK


def cmd_batch_show(args) -> int:
    from factor_desk.services.batches import show_batch

    db = _db(args)
    with db.read() as session:
        detail = show_batch(session, args.batch)
    if args.json:
        _print_json(detail)
        return EXIT_OK
    print(f"Batch {detail.batch} · {detail.subsidiary} → {detail.factoring_company} · "
          f"submitted {detail.submitted_at} by {detail.submitted_by} · {detail.status}")
    _table(["Invoice", "Load", "Date", "Debtor", "MC", "PO", "Amount", "Due", "Status"],
           [[i.invoice_number, i.load_number, i.invoice_date, i.debtor, i.debtor_mc,
             i.po_number, _money(i.amount), i.due_date, i.status]
            for i in detail.invoice_lines], right={6})
    print(f"{detail.invoices} invoices · {_money(detail.total)}")
    return EXIT_OK


def cmd_customers_list(args) -> int:
    from factor_desk.services.customers import list_customers

    db = _db(args)
    with db.read() as session:
        found = list_customers(session)
    if args.json:
        _print_json(found)
        return EXIT_OK
    _table(["Customer", "MC", "City", "Terms", "Invoicing method"],
           [[c.name, c.mc_number, ", ".join(x for x in (c.city, c.state) if x), c.terms,
             c.invoicing_method or "(subsidiary's)"] for c in found])
    return EXIT_OK


def cmd_customers_set(args) -> int:
    from factor_desk.services.customers import update_customer

    changes = {k: v for k, v in (("mc_number", args.mc), ("terms_days", args.terms),
                                 ("address", args.address), ("city", args.city),
                                 ("state", args.state), ("zip_code", args.zip),
                                 ("email", args.email), ("invoicing_method", args.method))
               if v is not None}
    if not changes:
        raise _Usage("nothing to change: give at least one of the options")
    db = _db(args)
    with db.write() as session:
        info = update_customer(session, args.customer, **changes)
    if args.json:
        _print_json(info)
    else:
        print(f"Customer {info.name} saved.")
    return EXIT_OK


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when stderr is not one."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def show(self, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                         f"{message[:40]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _with_progress(steps):
    """Run a job's steps with a progress bar on the terminal; return its result."""
    bar = _ProgressBar()
    result = None
    try:
        for step in steps:
            bar.show(step.done, step.total, step.message)
            result = step.result or result
    finally:
        bar.close()
    return result


def cmd_batch_export(args) -> int:
    from factor_desk.services.export import export_batch

    if args.workers is not None and args.workers < 1:
        raise _Usage("--workers must be 1 or more")
    result = _with_progress(export_batch(_db(args), args.batch, args.to, make_zip=args.zip,
                                         workers=args.workers))
    if args.json:
        _print_json(result)
    else:
        print(f"Batch {result.batch}: {result.invoices} invoices, {result.pages} pages, "
              f"saved to {result.folder}" + (f" and {result.zip_path}" if result.zip_path
                                             else ""))
    return EXIT_OK


def cmd_reports_template(args) -> int:
    from factor_desk.documents.text_files import write_text_file
    from factor_desk.services.reports import report_template

    write_text_file(args.to, report_template(args.kind))
    print(f"{'Purchase' if args.kind == 'purchase' else 'Payments'} report template written "
          f"to {args.to}")
    return EXIT_OK


def _sheet_note(sheet: str | None) -> str:
    """`` (sheet 'Loads')`` after a file's name when a workbook's sheet was read."""
    from factor_desk.domain.text import excerpt

    return f" (sheet {excerpt(sheet)})" if sheet else ""


def _print_preview(preview) -> None:
    counts = preview.counts
    what = f"batch {preview.batch}" if preview.batch else "payments"
    print(f"{preview.file_name}{_sheet_note(getattr(preview, 'sheet', None))} ({what}): "
          f"{len(preview.rows)} rows: {counts['applies']} apply, "
          f"{counts['warning']} with warnings, {counts['error']} errors.")
    shown = [r for r in preview.rows if r.outcome != "applies"]
    if shown:
        _table(["Row", "Invoice", "Load", "Outcome", "Why"],
               [[str(r.row), r.invoice_number, r.load_number, r.outcome, "; ".join(r.reasons)]
                for r in shown])
    totals = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in preview.totals.items())
    print(f"Totals: {totals}")
    if preview.missing_invoices:
        print(f"Not in the report ({len(preview.missing_invoices)}): "
              f"{', '.join(preview.missing_invoices)}")
    if preview.already_imported:
        print(f"This file was already imported as {preview.already_imported}.")


def _report_upload(args, kind: str, batch: str | None) -> int:
    from factor_desk.services.desk import Desk
    from factor_desk.services.reports import refusals

    desk = Desk(_db(args))
    result = _with_progress(
        desk.preview_report(kind, args.file, batch=batch, sheet=args.sheet) if args.dry_run
        else desk.apply_report(kind, args.file, batch=batch, sheet=args.sheet,
                               allow_missing=getattr(args, "allow_missing", False)))
    if args.dry_run:
        problems = refusals(result, getattr(args, "allow_missing", False))
        if args.json:
            out = result.to_dict()
            out["ok"] = not problems
            out["problems"] = [p.to_dict() for p in problems]
            _print_json(out)
        else:
            _print_preview(result)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_REFUSED if problems else EXIT_OK
    if args.json:
        _print_json(result)
    else:
        _print_preview(result.preview)
        print(f"Applied as import #{result.import_id}: {result.rows_applied} rows.")
    return EXIT_OK


def cmd_reports_purchase(args) -> int:
    return _report_upload(args, "purchase", args.batch)


def cmd_reports_payments(args) -> int:
    return _report_upload(args, "payments", None)


def cmd_reports_history(args) -> int:
    from factor_desk.services.reports import import_history

    db = _db(args)
    with db.read() as session:
        history = import_history(session)
    if args.json:
        _print_json(history)
        return EXIT_OK
    _table(["Import", "Kind", "File", "Batch", "When (UTC)", "By", "Rows", "Status"],
           [[f"#{h.id}", h.kind, h.file_name, h.batch or "",
             h.imported_at.isoformat(timespec="seconds"), h.imported_by, str(h.rows),
             h.status + (f" {h.undone_at.isoformat(timespec='seconds')} by {h.undone_by}"
                         if h.undone_at else "")] for h in history])
    return EXIT_OK


def cmd_reports_undo(args) -> int:
    from factor_desk.services.desk import Desk

    result = Desk(_db(args)).undo_import(args.import_id)
    if args.json:
        _print_json(result)
    else:
        print(f"Import #{result.import_id} undone: {result.loads_moved_back} loads moved back, "
              f"{result.records_removed} records removed.")
    return EXIT_OK


def cmd_reports_reconcile(args) -> int:
    from factor_desk.services.reports import RECON_FIELDS, reconcile

    db = _db(args)
    with db.read() as session:
        recon = reconcile(session, args.batch)
    if args.json:
        _print_json(recon)
        return EXIT_OK
    headers = ["Batch", "Status", *[f.replace("_", " ").title() for f in RECON_FIELDS]]
    rows = [[b.batch, b.status, *[_money(b.totals[f]) for f in RECON_FIELDS]]
            for b in recon.batches]
    if not args.batch:
        rows.append(["All", "", *[_money(recon.totals[f]) for f in RECON_FIELDS]])
    _table(headers, rows, right=set(range(2, len(headers))))
    return EXIT_OK


def cmd_backup(args) -> int:
    from factor_desk.db.database import Location
    from factor_desk.services.backup import backup

    result = _with_progress(backup(Location.resolve(args.home, args.db), args.to,
                                   replace=args.replace))
    if args.json:
        _print_json(result)
    else:
        print(f"Backed up to {result.path}: the database and {result.documents} documents "
              f"({result.size:,} bytes).")
    return EXIT_OK


def cmd_restore(args) -> int:
    from factor_desk.db.database import Location
    from factor_desk.services.backup import restore

    location = Location.resolve(args.home, args.db)
    if not location.is_sqlite:
        raise InputRefused([Problem(
            f"restore makes a SQLite data folder, not a server database "
            f"({location.describe()}); give --home NEW_FOLDER without --db (a server is "
            "restored with its own tools: pg_restore)")])
    result = _with_progress(restore(args.file, location.home))
    if args.json:
        _print_json(result)
    else:
        home = str(result.home)
        shown = f'"{home}"' if " " in home else home
        print(f"Restored the backup of {result.made} ({result.documents} documents) "
              f"into {home}.\nOpen it with: factor-desk --home {shown}")
    return EXIT_OK


def cmd_window(args) -> int:
    from factor_desk.db.database import Location
    from factor_desk.gui.app import run_gui

    return run_gui(Location.resolve(args.home, args.db))


# ------------------------------------------------------------------ parser


_SHEET_HELP = ("the sheet of an .xlsx workbook to read (needed when several sheets hold "
               "data and more than one, or none, has the expected columns)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factor-desk",
        description="Factor a carrier's invoices through a non-API factoring company.",
    )
    parser.add_argument("--version", action="version", version=f"Factor Desk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="run the whole round trip in a temporary folder and report")
    parser.add_argument("--home", metavar="DIR",
                        help="data folder (default: FACTOR_DESK_HOME or the user's data folder)")
    parser.add_argument("--db", metavar="URL",
                        help="database URL (default: FACTOR_DESK_DB or the SQLite file in the "
                             "data folder), e.g. postgresql+psycopg://user@host/factor_desk")
    parser.set_defaults(func=cmd_window, json=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(parent, name, func, help_text, json_flag=True):
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON on stdout")
        return p

    p = command(sub, "demo", cmd_demo, "load a demo carrier into an empty database")
    p.add_argument("--loads", type=int, default=40, metavar="N",
                   help="Queued factoring loads to make (default 40)")
    p.add_argument("--seed", type=int, default=7, metavar="S")

    company = sub.add_parser("company", help="the company profile").add_subparsers(
        dest="company_command", metavar="COMMAND", required=True)
    command(company, "show", cmd_company_show, "show the company profile")
    p = command(company, "set-noa", cmd_company_set_noa,
                "save a subsidiary's Notice of Assignment text")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--text", metavar="TEXT")
    g.add_argument("--file", metavar="F", help="a text file holding the factor's NOA text")
    p = command(company, "set-required-docs", cmd_company_set_required_docs,
                "documents a load needs before it can be factored")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    p.add_argument("kinds", nargs="*", metavar="KIND",
                   help="rate_confirmation, bol, pod, lumper, other")
    p.add_argument("--none", action="store_true", help="no documents are required")

    loads = sub.add_parser("loads", help="loads").add_subparsers(
        dest="loads_command", metavar="COMMAND", required=True)
    p = command(loads, "template", cmd_loads_template, "write the Loads.csv template",
                json_flag=False)
    p.add_argument("--to", required=True, metavar="FILE")
    p = command(loads, "import", cmd_loads_import, "import loads from a CSV or XLSX file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    p.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
    p.add_argument("--only-valid", action="store_true",
                   help="import the good rows and skip the bad ones")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    p = command(loads, "attach", cmd_loads_attach, "attach a supporting document to a load")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--kind", required=True,
                   choices=["rate_confirmation", "bol", "pod", "lumper", "other"])
    p = command(loads, "list", cmd_loads_list, "list loads")
    p.add_argument("--subsidiary", metavar="NAME")
    p.add_argument("--status", metavar="STATUS",
                   help="Released, Queued, Invoiced, Financed or Completed")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--eligible", action="store_true",
                   help="only the loads Submit Batch can take (needs --subsidiary)")
    p = command(loads, "history", cmd_loads_history, "a load's status history")
    p.add_argument("load_number", metavar="LOAD_NUMBER")

    customers = sub.add_parser("customers", help="customers (debtors)").add_subparsers(
        dest="customers_command", metavar="COMMAND", required=True)
    command(customers, "list", cmd_customers_list, "list the customers")
    p = command(customers, "set", cmd_customers_set, "edit a customer")
    p.add_argument("customer", metavar="NAME")
    p.add_argument("--mc", metavar="MC")
    p.add_argument("--terms", type=int, metavar="DAYS", help="payment terms, e.g. 30 for Net 30")
    p.add_argument("--address")
    p.add_argument("--city")
    p.add_argument("--state")
    p.add_argument("--zip")
    p.add_argument("--email")
    p.add_argument("--method", metavar="METHOD",
                   help="Factoring or Direct; an empty string removes the override")

    batch = sub.add_parser("batch", help="factoring batches").add_subparsers(
        dest="batch_command", metavar="COMMAND", required=True)
    p = command(batch, "submit", cmd_batch_submit, "Submit Batch: the loads become Invoiced")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    p.add_argument("--loads", metavar="N1,N2,...")
    p.add_argument("--all-eligible", action="store_true")
    p = command(batch, "list", cmd_batch_list, "list the batches")
    p.add_argument("--subsidiary", metavar="NAME")
    p = command(batch, "show", cmd_batch_show, "a batch and its invoices")
    p.add_argument("batch", metavar="BATCH")
    p = command(batch, "export", cmd_batch_export,
                "download a batch to a folder: invoice packets and schedule of accounts")
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("--to", required=True, metavar="DIR")
    p.add_argument("--zip", action="store_true", help="also write BATCH.zip beside the folder")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes that draw pages (default: up to 4 for a large batch)")

    reports = sub.add_parser("reports", help="the factor's purchase and payment reports"
                             ).add_subparsers(dest="reports_command", metavar="COMMAND",
                                              required=True)
    p = command(reports, "template", cmd_reports_template, "write a report template",
                json_flag=False)
    p.add_argument("kind", choices=["purchase", "payments"])
    p.add_argument("--to", required=True, metavar="FILE")
    p = command(reports, "purchase", cmd_reports_purchase,
                "Upload Purchase Report: the batch's purchased invoices become Financed")
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="preview only, change nothing")
    p.add_argument("--allow-missing", action="store_true",
                   help="apply even though some invoices of the batch are not in the report")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    p = command(reports, "payments", cmd_reports_payments,
                "Upload Payment Report: paid invoices become Completed")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="preview only, change nothing")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    command(reports, "history", cmd_reports_history, "every upload, newest first")
    p = command(reports, "undo", cmd_reports_undo, "undo an import exactly")
    p.add_argument("import_id", type=int, metavar="IMPORT_ID")
    p = command(reports, "reconcile", cmd_reports_reconcile,
                "invoiced, purchased, advances, fees, reserve, paid, short pays, open balance")
    p.add_argument("--batch", metavar="BATCH")

    p = command(sub, "backup", cmd_backup,
                "back up the database and documents into one .zip (SQLite only)")
    p.add_argument("--to", required=True, metavar="FILE", help="the .zip to write")
    p.add_argument("--replace", action="store_true",
                   help="replace FILE if it exists (otherwise an existing file is refused)")
    p = command(sub, "restore", cmd_restore,
                "restore a backup into a new, empty data folder (give it with --home)")
    p.add_argument("file", metavar="FILE", help="a .zip made by factor-desk backup")
    return parser


def _utf8_output() -> None:
    """Print UTF-8 whatever the console: redirected to a file or a pipe, Windows would
    otherwise encode with its ANSI code page (cp1252) and die half way through a customer
    named with an "Ł", or on the "→" of batch show."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(encoding="utf-8", errors=stream.errors)


def _refused(args: argparse.Namespace, exc: InputRefused) -> int:
    print(str(exc), file=sys.stderr)
    if getattr(args, "json", False):
        _print_json({"ok": False, "error": exc.summary,
                     "problems": [p.to_dict() for p in exc.problems]})
    return EXIT_REFUSED


def main(argv: list[str] | None = None) -> int:
    # Worker processes of a frozen (installed) Factor Desk start through this entry point.
    import multiprocessing

    multiprocessing.freeze_support()
    _utf8_output()
    from factor_desk.app_mutex import hold_app_mutex

    hold_app_mutex()  # Windows: the installer waits while Factor Desk runs
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or usage (2)
        return int(exc.code or 0)
    args.opened = []
    if args.self_test:
        from factor_desk.selftest import run_self_test

        return EXIT_OK if run_self_test(lambda line: print(line, flush=True)) else EXIT_BUG
    try:
        return args.func(args)
    except _Usage as exc:
        parser.print_usage(sys.stderr)
        print(f"factor-desk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BadDatabaseUrl as exc:
        parser.print_usage(sys.stderr)
        print(f"factor-desk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputRefused as exc:
        return _refused(args, exc)
    except FactorDeskError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # the reader (head, less) went away; nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except Exception as exc:
        # A file locked by another program, a read-only folder, a full disk: whatever
        # command met it, that is the computer's refusal, not a bug.
        refusal = refusal_for_os_error(exc)
        if refusal is not None:
            return _refused(args, refusal)
        print("Factor Desk hit a bug; nothing was left half done. Details:", file=sys.stderr)
        traceback.print_exc()
        return EXIT_BUG
    finally:
        for db in args.opened:
            db.dispose()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

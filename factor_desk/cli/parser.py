"""The command line's grammar: every command, its options, and the function that runs it."""

from __future__ import annotations

import argparse

from factor_desk import __version__
from factor_desk.cli.aging import cmd_reports_aging
from factor_desk.cli.audit import add_audit_command
from factor_desk.cli.batches import (
    cmd_batch_export,
    cmd_batch_list,
    cmd_batch_recall,
    cmd_batch_reverse,
    cmd_batch_show,
    cmd_batch_submit,
)
from factor_desk.cli.company import (
    cmd_company_set_noa,
    cmd_company_set_required_docs,
    cmd_company_show,
    cmd_customers_list,
    cmd_customers_set,
    cmd_demo,
)
from factor_desk.cli.data import cmd_backup, cmd_restore, cmd_window
from factor_desk.cli.factor_schedule import add_schedule_command
from factor_desk.cli.factors import (
    cmd_factors_add,
    cmd_factors_list,
    cmd_factors_set,
    cmd_factors_show,
)
from factor_desk.cli.journal import cmd_reports_journal, cmd_reports_journal_accounts
from factor_desk.cli.loads import (
    cmd_loads_attach,
    cmd_loads_close,
    cmd_loads_edit,
    cmd_loads_history,
    cmd_loads_import,
    cmd_loads_list,
    cmd_loads_pay,
    cmd_loads_queue,
    cmd_loads_take_back,
    cmd_loads_template,
    cmd_loads_unqueue,
    cmd_loads_void,
)
from factor_desk.cli.mapping import add_mapping_command, map_help
from factor_desk.cli.reports import (
    cmd_reports_history,
    cmd_reports_payments,
    cmd_reports_purchase,
    cmd_reports_reconcile,
    cmd_reports_reserve,
    cmd_reports_template,
    cmd_reports_undo,
)
from factor_desk.cli.send import add_send_commands
from factor_desk.cli.subsidiaries import (
    add_general_options,
    cmd_company_add_subsidiary,
    cmd_company_remove_noa,
    cmd_company_set,
    cmd_company_set_factor,
)
from factor_desk.cli.users import add_users_commands
from factor_desk.domain.journal import Account as JournalAccount

_FACTOR_HELP = ("the factoring company the file comes from: its saved column mapping "
                "places the columns, and a --map given is saved for it (default: the "
                "batch's factor, else the one whose saved mapping fits the file)")
_MAP_ONCE_HELP = ("use --map for this file only: do not save it for the factor")
_SHEET_HELP = ("the sheet of an .xlsx workbook to read (needed when several sheets hold "
               "data and more than one, or none, has the expected columns)")


def _factor_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    """The options factors add and factors set share: email, default NOA, integration and
    the terms."""
    p.add_argument("--email", metavar="ADDR", help="where the batch is emailed"
                   + ("" if adding else ' ("" removes it)'))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--noa-text", metavar="TEXT", help="the default Notice of Assignment: "
                   "the text a new subsidiary of this factor starts with")
    g.add_argument("--noa-file", metavar="F", help="a text file holding the default NOA")
    p.add_argument("--integration", choices=["non_api", "email"],
                   help="non_api: files sent by hand; email: the batch is emailed")
    p.add_argument("--advance", metavar="PCT", help="advance, a percent of the invoice"
                   + (" (default: what the fee and the reserve leave)" if adding else ""))
    p.add_argument("--fee", metavar="FEE",
                   help="3%% (a percent of the invoice) or 25.00 (a flat amount per invoice)")
    p.add_argument("--reserve", metavar="PCT", help="reserve, a percent of the invoice")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--recourse-days", type=int, metavar="N",
                   help="recourse: the days the factor waits before charging back (1-365)")
    g.add_argument("--non-recourse", action="store_true", help="the factor takes the risk")


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
    p = command(company, "add-subsidiary", cmd_company_add_subsidiary,
                "add a subsidiary (a carrier of the company)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--code", metavar="C", help="prefix of its batch numbers, e.g. ACME "
                   "(ACME-0001); default: its initials")
    p.add_argument("--factor", metavar="F", help="its factoring company (it starts with "
                   "that factor's default Notice of Assignment, if any)")
    add_general_options(p)
    p = command(company, "set", cmd_company_set,
                "change a subsidiary's general info or default invoicing method")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    p.add_argument("--name", metavar="NEW_NAME", help="rename it")
    add_general_options(p)
    p = command(company, "set-factor", cmd_company_set_factor,
                "the factoring company a subsidiary factors with from now on (batches "
                "submitted before keep theirs); warns when its Notice of Assignment names "
                "another")
    p.add_argument("--subsidiary", required=True, metavar="NAME")
    p.add_argument("factor", nargs="?", metavar="FACTOR")
    p.add_argument("--none", action="store_true", help="it factors with no one")
    p = command(company, "remove-noa", cmd_company_remove_noa,
                "remove a subsidiary's Notice of Assignment")
    p.add_argument("--subsidiary", required=True, metavar="NAME")

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
    p.add_argument("--map", metavar="SPEC", help=map_help("loads", saved=False))
    p = command(loads, "attach", cmd_loads_attach, "attach a supporting document to a load")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--kind", required=True,
                   choices=["rate_confirmation", "bol", "pod", "lumper", "other"])
    p = command(loads, "list", cmd_loads_list, "list loads")
    p.add_argument("--subsidiary", metavar="NAME")
    p.add_argument("--status", metavar="STATUS",
                   help="Released, Queued, Invoiced, Financed, Completed or Void "
                        "(Void loads are listed only when asked for)")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--eligible", action="store_true",
                   help="only the loads Submit Batch can take (needs --subsidiary)")
    p = command(loads, "history", cmd_loads_history,
                "a load's status history and every movement of its money")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p = command(loads, "close", cmd_loads_close, "write off the open rest of a Financed or "
                "Charged back load as a short pay: it becomes Completed")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("--short-pay-reason", required=True, metavar="TEXT")
    p = command(loads, "take-back", cmd_loads_take_back, "take back the last close or "
                "direct payment recorded by a clerk (a slip): the load goes back to what it "
                "was")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(loads, "pay", cmd_loads_pay, "record the debtor's direct payment of a "
                "Charged back load (Completed once nothing is left open)")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("--amount", required=True, metavar="MONEY", help="e.g. 600.00")
    p.add_argument("--reference", required=True, metavar="REF",
                   help="the check or ACH number (recorded once)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the payment's date (default today)")
    p = command(loads, "queue", cmd_loads_queue,
                "Create invoice: Released loads become Queued (eligible for a batch)")
    p.add_argument("load_numbers", nargs="+", metavar="LOAD_NUMBER")
    p.add_argument("--invoice-number", metavar="N",
                   help="the invoice's number (one load; default: as imported)")
    p.add_argument("--invoice-date", metavar="YYYY-MM-DD",
                   help="the date its batch issues the invoice with (default: the day the "
                        "batch is submitted)")
    p = command(loads, "unqueue", cmd_loads_unqueue, "Queued loads go back to Released")
    p.add_argument("load_numbers", nargs="+", metavar="LOAD_NUMBER")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(loads, "void", cmd_loads_void,
                "a Released or Queued load becomes Void: never billed, its number stays taken")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(loads, "edit", cmd_loads_edit,
                "change a Released or Queued load (checked as the import checks)")
    p.add_argument("load_number", metavar="LOAD_NUMBER")
    p.add_argument("--customer", metavar="NAME")
    p.add_argument("--amount", metavar="MONEY", help="the invoice total, e.g. 2550.00")
    p.add_argument("--po", dest="po_number", metavar="TEXT")
    p.add_argument("--invoice-number", metavar="N")
    p.add_argument("--pickup-date", metavar="D")
    p.add_argument("--delivery-date", metavar="D")
    p.add_argument("--method", dest="invoicing_method", metavar="METHOD",
                   help='Factoring or Direct; "" removes the load\'s own method')

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
    p.add_argument("--if-version", type=int, metavar="N",
                   help="save only if the customer is still at version N (customers list "
                        "--json shows it): refused, naming who changed it, otherwise")

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
    p = command(batch, "recall", cmd_batch_recall,
                "recall invoices the factor has not bought: their loads go back to Queued")
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("loads", nargs="+", metavar="LOAD")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = command(batch, "reverse", cmd_batch_reverse,
                "reverse a batch nothing was purchased from: every load goes back to Queued")
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("--reason", required=True, metavar="TEXT")

    add_send_commands(command, batch, sub)

    reports = sub.add_parser("reports", help="the factor's purchase and payment reports"
                             ).add_subparsers(dest="reports_command", metavar="COMMAND",
                                              required=True)
    p = command(reports, "template", cmd_reports_template, "write a report template",
                json_flag=False)
    p.add_argument("kind", choices=["purchase", "payments", "reserve"])
    p.add_argument("--to", required=True, metavar="FILE")
    p = command(reports, "purchase", cmd_reports_purchase,
                "Upload Purchase Report: the batch's purchased invoices become Financed")
    p.add_argument("batch", metavar="BATCH", nargs="?",
                   help="the batch (default: the one the file's Batch Number column names)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="preview only, change nothing")
    p.add_argument("--allow-missing", action="store_true",
                   help="apply even though some invoices of the batch are not in the report")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    p.add_argument("--map", metavar="SPEC", help=map_help("purchase"))
    p.add_argument("--map-once", action="store_true", help=_MAP_ONCE_HELP)
    p.add_argument("--factor", metavar="NAME", help=_FACTOR_HELP)
    p = command(reports, "payments", cmd_reports_payments,
                "Upload Payment Report: paid invoices become Completed")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="preview only, change nothing")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    p.add_argument("--map", metavar="SPEC", help=map_help("payments"))
    p.add_argument("--map-once", action="store_true", help=_MAP_ONCE_HELP)
    p.add_argument("--factor", metavar="NAME", help=_FACTOR_HELP)
    p = command(reports, "reserve", cmd_reports_reserve,
                "Upload Reserve Report: releases, chargebacks (Financed invoices become "
                "Charged back), fees and adjustments of the factor's reserve")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="preview only, change nothing")
    p.add_argument("--factor", metavar="NAME",
                   help="whose reserve it is (needed when rows name no invoice and there "
                        "are several factoring companies); its saved column mapping is used")
    p.add_argument("--sheet", metavar="NAME", help=_SHEET_HELP)
    p.add_argument("--map", metavar="SPEC", help=map_help("reserve"))
    p.add_argument("--map-once", action="store_true", help=_MAP_ONCE_HELP)
    command(reports, "history", cmd_reports_history, "every upload, newest first")
    p = command(reports, "undo", cmd_reports_undo, "undo an import exactly")
    p.add_argument("import_id", type=int, metavar="IMPORT_ID")
    p = command(reports, "reconcile", cmd_reports_reconcile,
                "invoiced, purchased, advances, fees, reserve, paid, short pays, charged "
                "back, open balance; the reserve held by each factor")
    p.add_argument("--batch", metavar="BATCH")
    p = command(reports, "aging", cmd_reports_aging,
                "open invoices by days past due (current, 1-30, 31-60, 61-90, over 90)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to age to (default: today)")
    p.add_argument("--by", choices=["debtor", "subsidiary", "batch"], default="debtor",
                   help="one row per debtor (default), subsidiary or batch")
    p.add_argument("--to", metavar="FILE", help="save it as FILE.xlsx, FILE.pdf or FILE.csv")
    p.add_argument("--replace", action="store_true",
                   help="replace FILE if it exists (otherwise an existing file is refused)")
    p = command(reports, "journal", cmd_reports_journal,
                "the journal for the bookkeeper: a period's purchases, payments, short pays, "
                "direct payments, chargebacks and reserve movements as double-entry lines")
    p.add_argument("--since", required=True, metavar="DATE", help="first day, e.g. 2026-11-01")
    p.add_argument("--until", required=True, metavar="DATE", help="last day, e.g. 2026-11-30")
    p.add_argument("--to", required=True, metavar="FILE", help="the .csv or .iif to write")
    p.add_argument("--format", choices=["csv", "iif"],
                   help="csv (Excel, any ledger) or iif (QuickBooks Desktop); default: iif "
                        "for a FILE ending in .iif, else csv")
    p.add_argument("--replace", action="store_true",
                   help="replace FILE if it exists (otherwise an existing file is refused)")
    p = command(reports, "journal-accounts", cmd_reports_journal_accounts,
                "the accounts the journal posts to, and their names in your books")
    p.add_argument("--set", action="append", metavar="KEY=NAME",
                   help="name an account, e.g. --set cash=\"Operating Checking\" (repeat for "
                        "more; KEY= goes back to the default). KEY is one of "
                        + ", ".join(a.value for a in JournalAccount))

    factors = sub.add_parser("factors", help="the factoring companies: terms and profiles"
                             ).add_subparsers(dest="factors_command", metavar="COMMAND",
                                              required=True)
    command(factors, "list", cmd_factors_list,
            "every factoring company's terms, remit-to, email and integration")
    p = command(factors, "show", cmd_factors_show, "a factoring company's whole profile")
    p.add_argument("name", metavar="NAME")
    p = command(factors, "add", cmd_factors_add, "add a factoring company")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--remit-to", required=True, metavar="TEXT",
                   help="where debtors pay: its name and address, ; between lines")
    _factor_options(p, adding=True)
    p = command(factors, "set", cmd_factors_set,
                "change a factoring company's profile or terms (the others stay as they are)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--remit-to", metavar="TEXT",
                   help="where debtors pay: its name and address, ; between lines")
    _factor_options(p, adding=False)
    add_schedule_command(factors, command)  # factors schedule (issue #14)
    add_mapping_command(factors, command)  # factors mapping (issue #14)

    add_users_commands(command, sub)  # users (issue #15)

    p = command(sub, "backup", cmd_backup,
                "back up the database and documents into one .zip (SQLite only)")
    p.add_argument("--to", required=True, metavar="FILE", help="the .zip to write")
    p.add_argument("--replace", action="store_true",
                   help="replace FILE if it exists (otherwise an existing file is refused)")
    p = command(sub, "restore", cmd_restore,
                "restore a backup into a new, empty data folder (give it with --home)")
    p.add_argument("file", metavar="FILE", help="a .zip made by factor-desk backup")
    add_audit_command(command, sub)  # audit (issue #15)
    return parser

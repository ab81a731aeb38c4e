"""The command line's twins of the Company profile's subsidiary form (issue #14): add a
subsidiary, change its general info and invoicing method, its factoring company (with a
warning when its Notice of Assignment names another), remove its Notice of Assignment."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import plain, print_json

# option (argparse dest) -> the subsidiary's field (services/company.GENERAL_FIELDS)
GENERAL_OPTIONS = {"legal_name": "legal_name", "mc": "mc_number", "dot": "dot_number",
                   "address": "address", "city": "city", "state": "state", "zip": "zip_code",
                   "phone": "phone", "email": "email"}


def add_general_options(p: argparse.ArgumentParser) -> None:
    """--legal-name, --mc, --dot, --address, --city, --state, --zip, --phone, --email,
    --method: the options add-subsidiary and set share."""
    p.add_argument("--legal-name", metavar="TEXT")
    p.add_argument("--mc", metavar="MC", help="MC number")
    p.add_argument("--dot", metavar="DOT", help="DOT number")
    p.add_argument("--address", metavar="TEXT")
    p.add_argument("--city", metavar="TEXT")
    p.add_argument("--state", metavar="ST")
    p.add_argument("--zip", metavar="ZIP")
    p.add_argument("--phone", metavar="TEXT")
    p.add_argument("--email", metavar="ADDR")
    p.add_argument("--method", metavar="METHOD",
                   help="default invoicing method: Factoring or Direct")


def _general(args: argparse.Namespace) -> dict[str, str]:
    return {field: getattr(args, option) for option, field in GENERAL_OPTIONS.items()
            if getattr(args, option) is not None}


def warn(warnings: list[str]) -> None:
    """Warnings go to stderr; the command still did what it was asked (exit 0)."""
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)


def print_with_warnings(value: Any, warnings: list[str]) -> None:
    """``value`` as JSON with a "warnings" list beside its own keys."""
    body = plain(value)
    print_json({**body, "warnings": warnings} if isinstance(body, dict)
               else {"result": body, "warnings": warnings})


def cmd_company_add_subsidiary(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = _general(args)
    if args.code is not None:
        fields["code"] = args.code
    if args.method is not None:
        fields["default_invoicing_method"] = args.method
    if args.factor is not None:
        fields["factor"] = args.factor
    with open_desk(args) as desk:
        sub = desk.add_subsidiary(args.name, **fields)
        warning = desk.subsidiary_noa_warning(sub.name) if sub.factoring_company else None
    warnings = [warning] if warning else []
    if args.json:
        print_with_warnings(sub, warnings)
    else:
        print(f"Subsidiary {sub.name} added: batches are numbered {sub.code}-0001 on; "
              f"factoring company {sub.factoring_company or '(none)'}; Notice of Assignment "
              f"{'set from its factor' if sub.notice_of_assignment else 'not set yet'}.")
    warn(warnings)
    return EXIT_OK


def cmd_company_set(args: argparse.Namespace) -> int:
    general = _general(args)
    if args.name is not None:
        general["name"] = args.name
    if not general and args.method is None:
        raise Usage("nothing to change: give at least one of the options")
    with open_desk(args) as desk:
        # The command line reads and writes at once: no version of a form to check.
        sub = desk.edit_subsidiary(args.subsidiary, method=args.method, version=None,
                                   **general)
    if args.json:
        print_json(sub)
    else:
        print(f"Subsidiary {sub.name} saved.")
    return EXIT_OK


def cmd_company_set_factor(args: argparse.Namespace) -> int:
    if args.none == (args.factor is not None):
        raise Usage("give the factoring company, or --none")
    with open_desk(args) as desk:
        change = desk.set_subsidiary_factor(args.subsidiary, args.factor)
    sub = change.profile
    if args.json:
        print_with_warnings(sub, change.warnings)
    else:
        print(f"{sub.name} now factors with {sub.factoring_company}; its batches submitted "
              "before keep their factor." if sub.factoring_company else
              f"{sub.name} now factors with no factoring company.")
    warn(change.warnings)
    return EXIT_OK


def cmd_company_remove_noa(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        sub = desk.remove_noa(args.subsidiary)
    if args.json:
        print_json(sub)
    else:
        print(f"Notice of Assignment removed from {sub.name}: its batches are refused until "
              "a new one is saved (company set-noa).")
    return EXIT_OK

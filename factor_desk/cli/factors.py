"""Commands about the factoring companies' terms (issue #13): advance, fee, reserve,
recourse."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table


def _percent(text: str | None, option: str) -> Decimal | None:
    """``97.5`` or ``97.5%`` as a Decimal; the Desk checks its range."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise Usage(f"{option} takes a percent like 97.5, not {text!r}") from None
    if not value.is_finite():
        raise Usage(f"{option} takes a percent like 97.5, not {text!r}")
    return value


def _recourse(terms: Any) -> str:
    return f"recourse, {terms.recourse_days} days" if terms.recourse else "non-recourse"


def cmd_factors_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        found = desk.factors()
    if args.json:
        print_json(found)
        return EXIT_OK
    if not found:
        print("No factoring company yet: add one in Company profile (or factor-desk demo).")
        return EXIT_OK
    table(["Factoring company", "Advance", "Fee", "Reserve", "Recourse"],
          [[t.name, f"{t.advance_percent}%",
            f"{t.fee_flat} per invoice" if t.fee_flat is not None else f"{t.fee_percent}%",
            f"{t.reserve_percent}%", _recourse(t)] for t in found],
          right={1, 3})
    return EXIT_OK


def cmd_factors_set(args: argparse.Namespace) -> int:
    advance = _percent(args.advance, "--advance")
    reserve = _percent(args.reserve, "--reserve")
    if advance is None and reserve is None and args.fee is None and \
            args.recourse_days is None and not args.non_recourse:
        raise Usage("nothing to change: give --advance, --fee, --reserve, --recourse-days "
                    "or --non-recourse")
    with open_desk(args) as desk:
        terms = desk.set_factor_terms(args.name, advance=advance, fee=args.fee,
                                      reserve=reserve, recourse_days=args.recourse_days,
                                      non_recourse=args.non_recourse)
    if args.json:
        print_json(terms)
    else:
        fee = (f"{terms.fee_flat} per invoice" if terms.fee_flat is not None
               else f"{terms.fee_percent}%")
        print(f"{terms.name}: advance {terms.advance_percent}%, fee {fee}, reserve "
              f"{terms.reserve_percent}%, {_recourse(terms)}.")
    return EXIT_OK

"""Commands about the factoring companies: their terms (issue #13: advance, fee, reserve,
recourse) and their profiles (issue #14: remit-to, email, default NOA, integration)."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table

NOA_FILE_LIMIT = 1024 * 1024  # a Notice of Assignment is a paragraph


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


def _fee(terms: Any) -> str:
    return (f"{terms.fee_flat} per invoice" if terms.fee_flat is not None
            else f"{terms.fee_percent}%")


def _remit(text: str | None) -> str | None:
    """The remit-to as typed on one line: ``;`` (or a new line) between its lines."""
    return None if text is None else "\n".join(p.strip() for p in text.split(";"))


def _noa(args: argparse.Namespace) -> str | None:
    if args.noa_file is None:
        return str(args.noa_text) if args.noa_text is not None else None
    from factor_desk.documents.text_files import read_text_file

    return read_text_file(args.noa_file, limit=NOA_FILE_LIMIT,
                          kind="Notice of Assignment files")


def _terms(args: argparse.Namespace) -> dict[str, Any]:
    """The terms options given (those not given are left out: they stay)."""
    given = dict(advance=_percent(args.advance, "--advance"), fee=args.fee,
                 reserve=_percent(args.reserve, "--reserve"),
                 recourse_days=args.recourse_days)
    found = {k: v for k, v in given.items() if v is not None}
    if args.non_recourse:
        found["non_recourse"] = True
    return found


def cmd_factors_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        found = desk.factors()
    if args.json:
        print_json(found)
        return EXIT_OK
    if not found:
        print("No factoring company yet: add one with factors add (or in Company profile, "
              "or factor-desk demo).")
        return EXIT_OK
    table(["Factoring company", "Advance", "Fee", "Reserve", "Recourse", "Remit to", "Email",
           "Integration"],
          [[t.name, f"{t.advance_percent}%", _fee(t), f"{t.reserve_percent}%", _recourse(t),
            t.remit_to.replace("\n", ", "), t.email or "-", t.integration.value]
           for t in found],
          right={1, 3})
    return EXIT_OK


def _print_profile(p: Any) -> None:
    t = p.terms
    print(f"{p.name}")
    print(f"  Remit to: {p.remit_to.replace(chr(10), ', ') or '-'}")
    print(f"  Email: {p.email or '-'}")
    print(f"  Integration: {p.integration.value} ({p.integration.label.lower()})")
    print(f"  Terms: advance {t.advance_percent}%, fee {_fee(t)}, reserve "
          f"{t.reserve_percent}%, {_recourse(t)}")
    print(f"  Subsidiaries: {', '.join(p.subsidiaries) or 'none'}")
    if p.default_noa:
        print(f"  Default Notice of Assignment: {p.default_noa}")
    else:
        print("  Default Notice of Assignment: none (set one with factors set --noa-text)")


def cmd_factors_show(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        profile = desk.factor_profile(args.name)
    if args.json:
        print_json(profile)
    else:
        _print_profile(profile)
    return EXIT_OK


def cmd_factors_add(args: argparse.Namespace) -> int:
    terms = _terms(args)
    noa = _noa(args)
    with open_desk(args) as desk:
        profile = desk.add_factor(args.name, _remit(args.remit_to) or "", args.email or "",
                                  default_noa=noa or "",
                                  integration=args.integration or "non_api", **terms)
    if args.json:
        print_json(profile)
    else:
        print(f"Factoring company {profile.name} added.")
        _print_profile(profile)
    return EXIT_OK


def cmd_factors_set(args: argparse.Namespace) -> int:
    terms = _terms(args)
    noa = _noa(args)
    given = (("remit_to", _remit(args.remit_to)), ("email", args.email),
             ("default_noa", noa), ("integration", args.integration))
    changes: dict[str, Any] = {k: v for k, v in given if v is not None}
    if not terms and not changes:
        raise Usage("nothing to change: give --advance, --fee, --reserve, --recourse-days, "
                    "--non-recourse, --remit-to, --email, --noa-text, --noa-file or "
                    "--integration")
    with open_desk(args) as desk:
        profile = desk.set_factor(args.name, **changes, **terms)
    if args.json:
        print_json(profile)
    elif not changes:
        t = profile.terms
        print(f"{t.name}: advance {t.advance_percent}%, fee {_fee(t)}, reserve "
              f"{t.reserve_percent}%, {_recourse(t)}.")
    else:
        print(f"Factoring company {profile.name} saved.")
        _print_profile(profile)
    return EXIT_OK

"""Commands about the carrier: the demo data, the company profile, the customers."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table
from factor_desk.cli.subsidiaries import print_with_warnings, warn

NOA_FILE_LIMIT = 1024 * 1024  # a Notice of Assignment is a paragraph


def cmd_demo(args: argparse.Namespace) -> int:
    if args.loads < 0:
        raise Usage("--loads must be zero or more")
    with open_desk(args) as desk:
        result = desk.load_demo(loads=args.loads, seed=args.seed)
    if args.json:
        print_json(result)
    else:
        print(result.message)
    return EXIT_OK


def cmd_company_show(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        profile = desk.profile()
    if args.json:
        print_json(profile)
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
                  f"advance {f.advance_percent}%, reserve {f.reserve_percent}%. Remit to {remit}"
                  + (f". Email {f.email}" if f.email else ""))
    return EXIT_OK


def _read_text_file(path: str) -> str:
    # One decoder for every text file: BOMs (Notepad "Unicode", PowerShell 5.1), UTF-8,
    # then cp1252; what is not text is refused.
    from factor_desk.documents.text_files import read_text_file

    return read_text_file(path, limit=NOA_FILE_LIMIT, kind="Notice of Assignment files")


def cmd_company_set_noa(args: argparse.Namespace) -> int:
    from factor_desk.domain.trade import InfoKind

    text = args.text if args.text is not None else _read_text_file(args.file)
    with open_desk(args) as desk:
        profile = desk.save_important_info(args.subsidiary, InfoKind.NOTICE_OF_ASSIGNMENT, text)
        warning = desk.subsidiary_noa_warning(profile.name)  # names another factor
    warnings = [warning] if warning else []
    if args.json:
        print_with_warnings(profile, warnings)
    else:
        print(f"Notice of Assignment saved for {profile.name}.")
    warn(warnings)
    return EXIT_OK


def cmd_company_set_required_docs(args: argparse.Namespace) -> int:
    if args.none and args.kinds:
        raise Usage("give document kinds or --none, not both")
    if not args.none and not args.kinds:
        raise Usage("give the document kinds, or --none")
    with open_desk(args) as desk:
        profile = desk.set_required_documents(args.subsidiary, [] if args.none else args.kinds)
    if args.json:
        print_json(profile)
    else:
        needed = ", ".join(profile.required_documents) or "no documents"
        print(f"{profile.name} now needs {needed} before a load is factored.")
    return EXIT_OK


def cmd_customers_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        found = desk.list_customers()
    if args.json:
        print_json(found)
        return EXIT_OK
    table(["Customer", "MC", "City", "Terms", "Invoicing method"],
          [[c.name, c.mc_number, ", ".join(x for x in (c.city, c.state) if x), c.terms,
            c.invoicing_method or "(subsidiary's)"] for c in found])
    return EXIT_OK


def cmd_customers_set(args: argparse.Namespace) -> int:
    changes = {k: v for k, v in (("mc_number", args.mc), ("terms_days", args.terms),
                                 ("address", args.address), ("city", args.city),
                                 ("state", args.state), ("zip_code", args.zip),
                                 ("email", args.email), ("invoicing_method", args.method))
               if v is not None}
    if not changes:
        raise Usage("nothing to change: give at least one of the options")
    with open_desk(args) as desk:
        info = desk.update_customer(args.customer, version=args.if_version, **changes)
    if args.json:
        print_json(info)
    else:
        print(f"Customer {info.name} saved.")
    return EXIT_OK

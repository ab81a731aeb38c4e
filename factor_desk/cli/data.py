"""Commands about the data as a whole: back it up, restore it, open the window on it."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, location_of
from factor_desk.cli.printing import print_json, with_progress
from factor_desk.domain.errors import InputRefused, Problem


def cmd_backup(args: argparse.Namespace) -> int:
    from factor_desk.services.desk import Desk

    # Backed up where it lies, without opening it: nothing is migrated or made there.
    result = with_progress(Desk.back_up_at(location_of(args), args.to, replace=args.replace))
    if args.json:
        print_json(result)
    else:
        print(f"Backed up to {result.path}: the database and {result.documents} documents "
              f"({result.size:,} bytes).")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from factor_desk.services.desk import Desk

    location = location_of(args)
    if not location.is_sqlite:
        raise InputRefused([Problem(
            f"restore makes a SQLite data folder, not a server database "
            f"({location.describe()}); give --home NEW_FOLDER without --db (a server is "
            "restored with its own tools: pg_restore)")])
    result = with_progress(Desk.restore_backup(args.file, location.home))
    if args.json:
        print_json(result)
    else:
        home = str(result.home)
        shown = f'"{home}"' if " " in home else home
        print(f"Restored the backup of {result.made} ({result.documents} documents) "
              f"into {home}.\nOpen it with: factor-desk --home {shown}")
    return EXIT_OK


def cmd_window(args: argparse.Namespace) -> int:
    from factor_desk.gui.app import run_gui

    return run_gui(location_of(args))

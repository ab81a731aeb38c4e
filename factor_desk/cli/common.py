"""What every command shares: the exit statuses, the usage error, and the desk a command
works through."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_desk.location import Location
    from factor_desk.services.desk import Desk

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class Usage(Exception):
    """A usage error found after parsing (exit 2)."""


def location_of(args: argparse.Namespace) -> Location:
    """The data the command names (--home, --db, or their environment variables); a usage
    error (BadDatabaseUrl) when the URL is not a database URL."""
    from factor_desk.location import Location  # imported when needed: --help stays quick

    return Location.resolve(args.home, args.db)


def open_desk(args: argparse.Namespace) -> Desk:
    """The desk of the command's data, opened (and migrated); a warning on stderr when the
    data is in a synced folder or on a network share. ``with open_desk(args) as desk:``
    closes it at the end."""
    from factor_desk.services.desk import Desk

    desk = Desk.open(location_of(args))
    warning = desk.data_folder_warning()
    if warning:
        print(warning, file=sys.stderr)
    return desk

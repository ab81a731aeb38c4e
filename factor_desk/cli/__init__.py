"""The command line: argument parsing and printing over the Desk, for automation and tests.

Exit status: 0 done; 2 usage; 3 input refused with nothing changed (reasons on stderr and,
with --json, in the JSON on stdout); 1 a bug.

The package, by job: ``parser`` (the commands and their options), ``printing`` (JSON,
tables, money, progress), ``common`` (exit statuses, the desk of a command), and one module
of commands per area: ``company`` (demo, profile, customers), ``loads``, ``batches``,
``reports``, ``data`` (backup, restore, the window).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from factor_desk.cli.common import EXIT_BUG, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Usage
from factor_desk.cli.parser import build_parser
from factor_desk.cli.printing import plain, print_json
from factor_desk.domain.errors import (
    BadDatabaseUrl,
    FactorDeskError,
    InputRefused,
    refusal_for_os_error,
)

__all__ = ["EXIT_BUG", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "_plain", "build_parser",
           "main"]

_plain = plain  # the name tests and older callers import


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
        print_json({"ok": False, "error": exc.summary,
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
    if args.self_test:
        from factor_desk.gui.selftest import run_self_test

        return EXIT_OK if run_self_test(lambda line: print(line, flush=True)) else EXIT_BUG
    try:
        return args.func(args)
    except Usage as exc:
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

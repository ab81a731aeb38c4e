"""Commands about emailing a batch to its factor (issue #14): send it (or write it as an
.eml draft), list what was sent, and the mail settings (the password in the keychain)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from factor_desk.cli.common import EXIT_OK, Usage, open_desk
from factor_desk.cli.printing import print_json, table, text, with_progress


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100_000 else f"{size / 1024:.0f} KB"


def cmd_batch_send(args: argparse.Namespace) -> int:
    eml = Path(args.eml) if args.eml else None
    with open_desk(args) as desk:
        result = with_progress(desk.send_batch(args.batch, to=args.to, eml=eml,
                                               again=args.again))
    if args.json:
        print_json(result)
        return EXIT_OK
    parts = len(result.records)
    if result.eml_paths:
        print(f"Batch {result.batch}: the email to {result.to} was written to "
              + ", ".join(str(p) for p in result.eml_paths)
              + ". Open it in your mail program and send it.")
    else:
        print(f"Batch {result.batch} was emailed to {result.to}"
              + (f" in {parts} parts" if parts > 1 else "") + ".")
    print("Attached: " + ", ".join(result.files))
    for warning in result.warnings:  # e.g. invoices recalled after submission
        print(f"Warning: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_batch_sends(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        records = desk.batch_sends(args.batch)
    if args.json:
        print_json(records)
        return EXIT_OK
    if not records:
        print(f"Batch {args.batch} was not emailed yet (batch send {args.batch}).")
        return EXIT_OK
    table(["Sent (UTC)", "By", "How", "To", "Part", "Size", "Message-ID"],
          [[text(r.sent_at), r.sent_by, "email" if r.via == "smtp" else ".eml draft", r.to,
            f"{r.part} of {r.parts}", _size(r.size_bytes), r.message_id] for r in records],
          right={5})
    return EXIT_OK


def _show(settings) -> None:
    print(f"Mail server: {settings.host or '(not set)'}, port {settings.port}, "
          f"security {settings.security.value}")
    print(f"User: {settings.user or '(no login)'}; password in the keychain: "
          f"{'yes' if settings.has_password else 'no'}")
    print(f"Sender: {settings.from_address or '(not set)'}; size limit "
          f"{settings.size_limit_mb} MB per message")


def cmd_settings_mail(args: argparse.Namespace) -> int:
    changes = {k: v for k, v in (("host", args.host), ("port", args.port),
                                 ("security", args.security), ("user", args.user),
                                 ("from_address", args.from_address),
                                 ("size_limit_mb", args.size_limit_mb)) if v is not None}
    with open_desk(args) as desk:
        settings = desk.mail_settings()
        if changes or args.password_prompt or args.forget_password:
            values = {"host": settings.host, "port": settings.port,
                      "security": settings.security, "user": settings.user,
                      "from_address": settings.from_address,
                      "size_limit_mb": settings.size_limit_mb, **changes}
            password = None
            if args.forget_password:
                password = ""
            elif args.password_prompt:
                if not values["user"] or not values["host"]:
                    raise Usage("a password needs --host and --user (given now or before)")
                password = getpass.getpass(
                    f"Mail password for {values['user']} at {values['host']}: ")
                if not password:
                    raise Usage("no password was typed; nothing was changed")
            if changes:
                settings = desk.save_mail_settings(password=password, **values)
            else:  # the password alone: this computer's keychain (a billing clerk's too)
                settings = desk.keep_mail_password(password or "")
    if args.json:
        print_json(settings)
    else:
        _show(settings)
    return EXIT_OK


def add_send_commands(command, batch, sub) -> None:
    """``batch send``, ``batch sends`` and ``settings mail`` (called by cli/parser.py)."""
    p = command(batch, "send", cmd_batch_send,
                "email a batch to its factor: the schedule (PDF, XLSX) and the batch packet")
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("--to", metavar="ADDR", help="the address (default: the factor's email)")
    p.add_argument("--eml", metavar="FILE",
                   help="write the email as an .eml draft to open in a mail program, instead "
                        "of sending it (a big batch: FILE, FILE-part2.eml, ...)")
    p.add_argument("--again", action="store_true",
                   help="send a batch that was emailed before")
    p = command(batch, "sends", cmd_batch_sends,
                "the emails of a batch: when, to whom, the message id, the parts")
    p.add_argument("batch", metavar="BATCH")

    settings = sub.add_parser("settings", help="settings of this data folder").add_subparsers(
        dest="settings_command", metavar="COMMAND", required=True)
    p = command(settings, "mail", cmd_settings_mail,
                "the mail server batches are emailed through (no option: show them); the "
                "password is kept in the computer's keychain")
    p.add_argument("--host", metavar="H", help="the mail server, e.g. smtp.office365.com")
    p.add_argument("--port", type=int, metavar="N", help="e.g. 587 (STARTTLS) or 465 (SSL)")
    p.add_argument("--security", choices=["ssl", "starttls", "none"],
                   help="ssl, starttls, or none (only for a relay on this network)")
    p.add_argument("--user", metavar="U", help="the login (empty: the server needs none)")
    p.add_argument("--from", dest="from_address", metavar="ADDR",
                   help="the sender's address")
    p.add_argument("--size-limit-mb", type=int, metavar="N",
                   help="the biggest message the server takes (default 20); a bigger batch "
                        "goes in numbered parts")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--password-prompt", action="store_true",
                   help="ask for the password (never given on the command line) and keep it "
                        "in the keychain")
    g.add_argument("--forget-password", action="store_true",
                   help="remove the password from the keychain")

"""Commands about the team on a PostgreSQL server (issue #15): the logins and their roles.
On SQLite there is one clerk, who may do everything: the commands say so (exit 3)."""

from __future__ import annotations

import argparse

from factor_desk.cli.common import EXIT_OK, open_desk
from factor_desk.cli.printing import print_json, table

_ROLES = ["viewer", "billing", "admin"]


def cmd_users_list(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        users = desk.users()
    if args.json:
        print_json(users)
        return EXIT_OK
    table(["Login", "Permission", "Can log in", "Why"],
          [[u.login, u.permission.label, "yes" if u.can_log_in else "no", u.how]
           for u in users])
    return EXIT_OK


def _print_user(args: argparse.Namespace, user, done: str) -> int:
    if args.json:
        print_json(user)
        return EXIT_OK
    why = {"database owner": " (the database's owner)", "superuser": " (a superuser)"}
    print(f"{done} {user.login} has {user.permission.label} permission"
          f"{why.get(user.how, '')}."
          + ("" if user.can_log_in else f" Note: {user.login} cannot log in."))
    return EXIT_OK


def cmd_users_grant(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        user = desk.grant_user(args.login, args.role)
    return _print_user(args, user, "Granted:")


def cmd_users_revoke(args: argparse.Namespace) -> int:
    with open_desk(args) as desk:
        user = desk.revoke_user(args.login, args.role)
    return _print_user(args, user, "Revoked:")


def add_users_commands(command, sub) -> None:
    """``users list``, ``users grant`` and ``users revoke`` (called by cli/parser.py)."""
    users = sub.add_parser(
        "users", help="the team's logins and their roles (PostgreSQL; admin only)"
    ).add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    command(users, "list", cmd_users_list,
            "every login with a Factor Desk role on the server: its permission, and "
            "whether it can log in")
    p = command(users, "grant", cmd_users_grant,
                "grant a login viewer (read, download), billing (plus submit, uploads, "
                "undo, recall, load edits, payments) or admin (plus company, factors, "
                "customers' terms, users)")
    p.add_argument("login", metavar="LOGIN", help="a login the server has (CREATE ROLE "
                   "... LOGIN, made by whoever runs the server)")
    p.add_argument("role", choices=_ROLES, metavar="ROLE", help="viewer, billing or admin")
    p = command(users, "revoke", cmd_users_revoke,
                "take a role (and any higher one) from a login: revoking billing leaves "
                "viewer")
    p.add_argument("login", metavar="LOGIN")
    p.add_argument("role", choices=_ROLES, metavar="ROLE", help="viewer, billing or admin")

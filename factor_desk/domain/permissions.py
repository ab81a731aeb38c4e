"""Who may do what (issue #15): three permissions, each including the one below it.

On PostgreSQL the permission of a login is its membership of the group roles the
migrations create (``factor_desk_viewer``, ``factor_desk_billing``, ``factor_desk_admin``),
and the server's grants enforce it; on SQLite one clerk may do everything."""

from __future__ import annotations

import enum

from factor_desk.domain.errors import InputRefused


class Permission(enum.IntEnum):
    NONE = 0      # a login with none of the group roles: may not even read
    VIEWER = 1    # read, download, reports' previews
    BILLING = 2   # plus submit, uploads, undo, recall, load edits, payments
    ADMIN = 3     # plus company profile, NOA, factors, customers' terms, users

    @property
    def label(self) -> str:
        return {0: "no", 1: "Viewer", 2: "Billing", 3: "Admin"}[self.value]

    @property
    def role(self) -> str:
        """The PostgreSQL group role that gives this permission."""
        return f"factor_desk_{self.name.lower()}"


ROLE_NAMES = {p.name.lower(): p for p in (Permission.VIEWER, Permission.BILLING,
                                          Permission.ADMIN)}


class PermissionRefused(InputRefused):
    """The login may not do this; nothing was changed (exit 3)."""

    def __init__(self, needed: Permission, user: str, what: str = "This",
                 has: Permission | None = None):
        self.needed, self.user, self.what = needed, user, what
        having = f" {user} has {has.label} permission." if has is not None else ""
        super().__init__([
            f"{what} needs the {needed.label} permission.{having} Ask an administrator "
            f"to run: factor-desk users grant {user} {needed.name.lower()}"])

"""The Desk's team door (issue #15): who works at this desk, what the login may do, the
logins of the team; and the one table of which job needs which permission, which both
faces read (the command line refuses with it, the window greys out with it)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from factor_desk.domain.errors import InputRefused
from factor_desk.domain.permissions import Permission, PermissionRefused

if TYPE_CHECKING:
    from factor_desk.db.database import Database
    from factor_desk.db.team import TeamUser

_ONE_CLERK = ("A SQLite database has one clerk, who may do everything: there are no users "
              "to list or grant. Users and roles are for a database on a PostgreSQL server "
              "(README: Team on PostgreSQL).")

# What each Desk job needs; a job not named here needs Viewer (reading, downloading,
# previews, saving a report to a file).
NEEDS: dict[str, Permission] = {
    # Billing: the round trip and the money
    **dict.fromkeys((
        "attach", "import_loads", "submit_batch", "submit_all_eligible", "undo_import",
        "remove_document", "recall_invoices", "reverse_batch", "queue_loads",
        "unqueue_loads", "void_loads", "edit_load", "close_load", "take_back_payment",
        "pay_load", "save_mapping", "forget_mapping", "apply_report", "send_batch",
        "keep_mail_password",  # this computer's keychain only: whoever sends keeps it
    ), Permission.BILLING),
    # Admin: the company, its factors, NOAs, customers' terms, accounts, users
    **dict.fromkeys((
        "add_subsidiary", "add_factoring_company", "load_demo", "save_subsidiary",
        "save_important_info", "remove_important_info", "set_required_documents",
        "update_customer", "start_company", "set_journal_account", "set_journal_accounts",
        "set_factor_terms", "add_factor", "set_factor", "set_subsidiary_factor",
        "edit_subsidiary", "remove_noa", "set_schedule_layout", "save_mail_settings",
        "users", "grant_user", "revoke_user",
    ), Permission.ADMIN),
}

# What a refusal calls each job, in the words of the window's buttons ("Create invoice"
# is queue_loads): the tool tip of a greyed button then names what the clerk clicks.
_WHAT = {"apply_report": "Uploading a report", "import_loads": "Importing loads",
         "undo_import": "Undoing an import", "send_batch": "Sending a batch",
         "submit_batch": "Submitting a batch", "submit_all_eligible": "Submitting a batch",
         "attach": "Attaching a document", "remove_document": "Removing a document",
         "recall_invoices": "Recalling invoices", "reverse_batch": "Reversing a batch",
         "queue_loads": "Creating an invoice", "unqueue_loads": "Moving a load back to "
         "Released", "void_loads": "Voiding loads", "edit_load": "Editing a load",
         "close_load": "Closing a load with a short pay",
         "take_back_payment": "Taking back a payment or close",
         "pay_load": "Recording a direct payment", "save_mapping": "Saving a column mapping",
         "forget_mapping": "Forgetting a column mapping",
         "add_subsidiary": "Adding a subsidiary",
         "add_factoring_company": "Adding a factoring company",
         "add_factor": "Adding a factoring company", "load_demo": "Loading the demo",
         "save_subsidiary": "Changing the company profile",
         "edit_subsidiary": "Changing the company profile",
         "save_important_info": "Changing important info",
         "remove_important_info": "Removing important info",
         "set_required_documents": "Changing the documents required",
         "update_customer": "Changing a customer's terms",
         "start_company": "Starting your company",
         "set_journal_account": "Changing the journal's accounts",
         "set_journal_accounts": "Changing the journal's accounts",
         "set_factor_terms": "Changing a factor's terms",
         "set_factor": "Changing a factor's profile",
         "set_subsidiary_factor": "Changing a subsidiary's factor",
         "remove_noa": "Removing an NOA",
         "set_schedule_layout": "Changing the schedule's columns",
         "save_mail_settings": "Changing the mail settings",
         "users": "Listing the users", "grant_user": "Granting a role",
         "revoke_user": "Revoking a role"}

F = TypeVar("F", bound=Callable[..., Any])


def job_name(job: str) -> str:
    return _WHAT.get(job) or job.replace("_", " ").capitalize()


def _guarded(job: str, needed: Permission, method: F) -> F:
    @functools.wraps(method)
    def guarded(self: TeamDoor, *args: Any, **kwargs: Any) -> Any:
        self.check_may(job)
        return method(self, *args, **kwargs)

    guarded.needs = needed  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def guard(cls: type[T]) -> type[T]:
    """Refuse each job of ``NEEDS`` to a login without its permission, before it starts."""
    for job, needed in NEEDS.items():
        method = getattr(cls, job, None)
        if method is None:
            continue  # a job of a door not built yet
        setattr(cls, job, _guarded(job, needed, method))
    return cls


T = TypeVar("T")


class TeamDoor:
    db: Database

    def user(self) -> str:
        """Who works at this desk, as the history rows name them."""
        return self.db.user

    def signed_in(self) -> str:
        """Who and where, as the title bar shows it: "clerk2 @ dbserver/factor_desk"; on
        SQLite "mary @ this computer"."""
        location = self.db.location
        if location.is_sqlite:
            return f"{self.user()} @ this computer"
        from sqlalchemy.engine import make_url

        url = make_url(location.url)
        return f"{self.user()} @ {url.host or 'localhost'}/{url.database or ''}"

    @property
    def permission(self) -> Permission:
        return self.db.permission

    @staticmethod
    def needs(job: str) -> Permission:
        return NEEDS.get(job, Permission.VIEWER)

    def may(self, job: str) -> str | None:
        """None when this login may do ``job``; else why not, as a tooltip says it
        ("Submitting a batch needs the Billing permission")."""
        needed = self.needs(job)
        if self.permission >= needed:
            return None
        return str(PermissionRefused(needed, self.user(), job_name(job), self.permission))

    def check_may(self, job: str) -> None:
        needed = self.needs(job)
        if self.permission < needed:
            raise PermissionRefused(needed, self.user(), job_name(job), self.permission)

    # ------------------------------------------------------------ the team's logins

    def users(self) -> list[TeamUser]:
        """Every login with a Factor Desk role on the server, the database's owner and the
        superusers: what each may do and whether it can log in. Refused on SQLite."""
        from factor_desk.db import team

        self._refuse_on_sqlite()
        return team.team_users(self.db.engine)

    def grant_user(self, login: str, role: str | Permission) -> TeamUser:
        """Grant ``login`` viewer, billing or admin (making the group roles when missing);
        refused for a login the server does not have (logins and their passwords are the
        server's: ``CREATE ROLE clerk2 LOGIN PASSWORD '...'``)."""
        from factor_desk.db import team

        self._refuse_on_sqlite()
        permission = role if isinstance(role, Permission) else team.role_permission(role)
        return team.grant(self.db.engine, login.strip(), permission)

    def revoke_user(self, login: str, role: str | Permission) -> TeamUser:
        """Take ``role`` (and any higher one) from ``login``; a lower one stays (revoking
        billing leaves viewer)."""
        from factor_desk.db import team

        self._refuse_on_sqlite()
        permission = role if isinstance(role, Permission) else team.role_permission(role)
        return team.revoke(self.db.engine, login.strip(), permission)

    def _refuse_on_sqlite(self) -> None:
        if self.db.location.is_sqlite:
            raise InputRefused([_ONE_CLERK])

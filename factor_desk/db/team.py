"""The team on PostgreSQL (issue #15): the group roles, what a login may do, the server's
grants, and the history's users set by the server. SQLite has one clerk, who may do
everything.

The three group roles (``factor_desk_viewer``, ``factor_desk_billing``,
``factor_desk_admin``) belong to the whole server, not to one database: a login granted
Billing is a billing clerk in every Factor Desk database of that server. Each database
grants the roles its own tables (:func:`grant_team`, called by migration 0009).

Who may hand out the roles without being a superuser: ``factor_desk_admin`` holds the
viewer and billing roles WITH ADMIN OPTION, and a login granted Admin is granted
``factor_desk_admin`` WITH ADMIN OPTION (a role cannot hold that option on itself). Tested on
PostgreSQL 15: a member of factor_desk_admin that is neither superuser nor CREATEROLE can
grant and revoke all three (``SECURITY DEFINER`` functions are not needed)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy import exc as sa_exc

from factor_desk.domain.errors import InputRefused
from factor_desk.domain.permissions import ROLE_NAMES, Permission, PermissionRefused

GROUPS = (Permission.VIEWER, Permission.BILLING, Permission.ADMIN)
GROUP_NAMES = tuple(p.role for p in GROUPS)

# The tables at migration 0009 (alembic_version is read by every login and written by the
# database's owner only, who upgrades it).
TABLES_0009 = (
    "alembic_version", "companies", "factoring_companies", "subsidiaries", "important_info",
    "customers", "loads", "load_charges", "supporting_documents", "document_blobs",
    "batches", "invoices", "report_imports", "purchase_records", "payments",
    "ledger_entries", "column_mappings", "batch_sends", "settings", "status_history",
)

# What Billing may write, beyond reading every table (found by running the billing jobs
# as a billing login: tests/services/test_team_roles.py). A table not named here is read
# only for Billing; Admin writes every table but alembic_version (and only adds to the
# history). Column lists are PostgreSQL's column privileges.
INVOICE_RECALL_COLUMNS = ("recalled_at", "recalled_by", "recall_reason")
IMPORT_UNDO_COLUMNS = ("status", "undone_at", "undone_by")
BILLING_WRITES: dict[str, str] = {
    "loads": "INSERT, UPDATE",                   # import, edits, moves (never deleted)
    "load_charges": "INSERT, UPDATE, DELETE",    # a load's lines, as its edit changes them
    "supporting_documents": "INSERT, DELETE",    # attach, remove
    "document_blobs": "INSERT",                  # the bytes, kept (ON CONFLICT DO NOTHING)
    "batches": "INSERT, UPDATE",                 # submit, reverse (never deleted)
    # submit, recall: an invoice sent is never rewritten (its id, load, batch and amounts
    # stay as sent; the history's guard, migration 0015, pairs a recall's rows by id)
    "invoices": f"INSERT, UPDATE ({', '.join(INVOICE_RECALL_COLUMNS)})",
    # upload, undo (kept as undone): the undo's columns only (migration 0016: the guard
    # pairs an import's old and new rows by id; a file's sha256 rewritten would free it)
    "report_imports": f"INSERT, UPDATE ({', '.join(IMPORT_UNDO_COLUMNS)})",
    "purchase_records": "INSERT, DELETE",        # upload, undo
    "payments": "INSERT, DELETE",                # upload, undo
    "ledger_entries": "INSERT, DELETE",          # close, direct payment, reserve, undo
    "column_mappings": "INSERT, UPDATE, DELETE", # a factor's saved mapping
    "batch_sends": "INSERT",
    "status_history": "INSERT",                  # the history is only ever added to
    # Admin's tables: the loads import and a load's edit add the debtors they name; the
    # batch number is the subsidiary's counter (and its lock); saving a mapping locks its
    # factor's row (SELECT ... FOR UPDATE needs UPDATE on some column: the id, which the
    # foreign keys keep from changing while anything refers to it).
    "customers": "INSERT",
    "subsidiaries": "UPDATE (last_batch_number)",
    "factoring_companies": "UPDATE (id)",
}
ADMIN_WRITES = "INSERT, UPDATE, DELETE"
# The tables Admin too only adds to: the history is never rewritten or deleted by a login
# of the team (no job does; the database's owner, who owns the table, still can).
ADMIN_ONLY_ADDS = {"status_history": "INSERT"}


class Stamp(enum.Enum):
    """When the server writes the login into a user column."""

    CHANGED = "changed"  # who did it (submitted_by, recalled_by): on an insert naming
    #                      anyone, and on an update that changes the column, even to NULL
    #                      (a name is never erased: its eraser is named)
    EVERY = "every"      # who changed the row last (updated_by): on every insert and update
    EDITED = "edited"    # who saved the row's version last (changed_by, migration 0010): on
    #                      an insert naming anyone (a new load of an import keeps the
    #                      default '': no call per imported row), and on an update that
    #                      changes the column (even to '') or the row's ``version``


# The user columns of the history at migration 0009: the server writes session_user into
# them (a BEFORE INSERT OR UPDATE trigger), whatever the statement says.
USER_COLUMNS_0009: dict[str, dict[str, Stamp]] = {
    "status_history": {"by": Stamp.CHANGED},
    "report_imports": {"imported_by": Stamp.CHANGED, "undone_by": Stamp.CHANGED},
    "batches": {"submitted_by": Stamp.CHANGED, "reversed_by": Stamp.CHANGED},
    "invoices": {"recalled_by": Stamp.CHANGED},
    "ledger_entries": {"by": Stamp.CHANGED},
    "column_mappings": {"saved_by": Stamp.EVERY},
    "batch_sends": {"sent_by": Stamp.CHANGED},
    "supporting_documents": {"added_by": Stamp.CHANGED},
    "important_info": {"updated_by": Stamp.EVERY},
}
STAMP_FUNCTION = "factor_desk_stamp_user"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------- the migrations' part

def create_group_roles(conn: Connection) -> bool:
    """Make the three group roles when missing (NOLOGIN; billing a member of viewer, admin
    of billing, so grants accumulate; admin holding viewer and billing WITH ADMIN OPTION).
    Tolerates roles made by another database of the server and a concurrent run. False
    when some are missing and this login may not make them (not superuser or CREATEROLE)."""
    statements = [f"CREATE ROLE {role} NOLOGIN" for role in GROUP_NAMES]
    blocks = [
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
        f"BEGIN {stmt}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "
        "END; END IF;" for role, stmt in zip(GROUP_NAMES, statements, strict=True)]
    for member, role, admin in (("factor_desk_billing", "factor_desk_viewer", False),
                                ("factor_desk_admin", "factor_desk_billing", True),
                                ("factor_desk_admin", "factor_desk_viewer", True)):
        option = " WITH ADMIN OPTION" if admin else ""
        blocks.append(
            "IF NOT EXISTS (SELECT 1 FROM pg_auth_members a JOIN pg_roles r ON r.oid = "
            f"a.roleid JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = '{role}' AND "
            f"m.rolname = '{member}'{' AND a.admin_option' if admin else ''}) THEN "
            f"BEGIN GRANT {role} TO {member}{option}; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;")
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("DO $$ BEGIN " + " ".join(blocks) + " END $$")
    except sa_exc.DBAPIError as exc:
        if _sqlstate(exc) != "42501":
            raise
        return False
    return True


def group_roles_exist(conn: Connection) -> bool:
    found = conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:n)"),
                         {"n": list(GROUP_NAMES)}).scalar_one()
    return bool(found == len(GROUP_NAMES))


def grant_team(conn: Connection, tables: Iterable[str],
               billing_writes: Mapping[str, str] = BILLING_WRITES) -> None:
    """Grant the group roles ``tables`` (and the sequences of their ids): Viewer reads
    every table, Billing writes ``billing_writes``, Admin writes every table (the history:
    adds to it only); PUBLIC gets nothing. Migration 0009 calls it with the tables of that
    revision; a later migration that adds tables calls it again with its new tables (and,
    if Billing writes them, a ``billing_writes`` naming them). Needs the tables' owner;
    the roles must exist."""
    tables = list(tables)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {_q(_schema(conn))} TO "
                         + ", ".join(GROUP_NAMES))
    for table in tables:
        t = _q(table)
        conn.exec_driver_sql(f"REVOKE ALL ON {t} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT SELECT ON {t} TO factor_desk_viewer")
        if table == "alembic_version":
            continue
        if table in billing_writes:
            conn.exec_driver_sql(f"GRANT {billing_writes[table]} ON {t} TO factor_desk_billing")
        conn.exec_driver_sql(f"GRANT {ADMIN_ONLY_ADDS.get(table, ADMIN_WRITES)} ON {t} "
                             "TO factor_desk_admin")
    for sequence in _sequences(conn, tables):
        conn.exec_driver_sql(f"REVOKE ALL ON SEQUENCE {_q(sequence)} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON SEQUENCE {_q(sequence)} TO "
                             "factor_desk_billing, factor_desk_admin")


def revoke_team(conn: Connection, tables: Iterable[str]) -> None:
    """Take back what :func:`grant_team` granted on ``tables`` (the roles stay)."""
    tables = list(tables)
    for table in tables:
        conn.exec_driver_sql(f"REVOKE ALL ON {_q(table)} FROM " + ", ".join(GROUP_NAMES))
    for sequence in _sequences(conn, tables):
        conn.exec_driver_sql(f"REVOKE ALL ON SEQUENCE {_q(sequence)} FROM "
                             + ", ".join(GROUP_NAMES))


def install_user_stamps(conn: Connection, columns: Mapping[str, Mapping[str, Stamp]]) -> None:
    """The server writes the login (session_user) into the user columns ``columns``: one
    plpgsql function for them all, called by a BEFORE INSERT and a BEFORE UPDATE trigger
    per table. The triggers' WHEN skips the call when the row already names the login (as
    the application's rows do), so only a row naming someone else pays for it. A later
    migration adding user columns calls it again with every column (the function is
    replaced)."""
    branches = []
    for table, stamps in columns.items():
        sets = []
        for column, stamp in stamps.items():
            c = _q(column)
            if stamp is Stamp.EVERY:
                sets.append(f"NEW.{c} := session_user;")
            else:
                sets.append(f"IF (CASE WHEN TG_OP = 'INSERT' THEN {_named(column, stamp)} "
                            f"ELSE {_changed(column, stamp)} END) THEN "
                            f"NEW.{c} := session_user; END IF;")
        branches.append(f"WHEN '{table}' THEN " + " ".join(sets))
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {STAMP_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN CASE TG_TABLE_NAME " + " ".join(branches)
        + " ELSE NULL; END CASE; RETURN NEW; END $$")
    for table, stamps in columns.items():
        for event, when in (("INSERT", _when(stamps, update=False)),
                            ("UPDATE", _when(stamps, update=True))):
            trigger = _q(f"{table}_stamp_user_{event.lower()}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {_q(table)}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {_q(table)} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION {STAMP_FUNCTION}()")


def _when(stamps: Mapping[str, Stamp], *, update: bool) -> str:
    """When the function has something to write: a user column naming someone else, on
    an insert one that names anyone, on an update one the update changes."""
    tests = []
    for column, stamp in stamps.items():
        test = f"NEW.{_q(column)} IS DISTINCT FROM session_user"
        if stamp is not Stamp.EVERY:
            test += " AND " + (_changed(column, stamp) if update else _named(column, stamp))
        tests.append(f"({test})")
    return " OR ".join(tests)


def _named(column: str, stamp: Stamp) -> str:
    """An inserted row names someone (an imported load's '' and a NULL name no one)."""
    new = f"NEW.{_q(column)}"
    return f"{new} <> ''" if stamp is Stamp.EDITED else f"{new} IS NOT NULL"


def _changed(column: str, stamp: Stamp) -> str:
    """An update changes who the row names (to anything: NULL and '' too), or, for a
    ``Stamp.EDITED`` column, the row's version."""
    c = _q(column)
    test = f"NEW.{c} IS DISTINCT FROM OLD.{c}"
    if stamp is Stamp.EDITED:
        test = f"({test} OR NEW.version IS DISTINCT FROM OLD.version)"
    return test


def drop_user_stamps(conn: Connection, tables: Iterable[str]) -> None:
    for table in tables:
        for event in ("insert", "update"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_q(f'{table}_stamp_user_{event}')} "
                                 f"ON {_q(table)}")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {STAMP_FUNCTION}()")


def _schema(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT current_schema()").scalar_one())


def _sequences(conn: Connection, tables: list[str]) -> list[str]:
    """The sequences owned by (the id columns of) ``tables``."""
    return list(conn.execute(text(
        "SELECT DISTINCT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
        "AND d.deptype IN ('a', 'i') JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE s.relkind = 'S' AND t.relname = ANY(:t) "
        "AND t.relnamespace = current_schema()::regnamespace ORDER BY 1"),
        {"t": tables}).scalars())


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


# ---------------------------------------------------------------- who may do what

def login_permission(engine: Engine) -> Permission:
    """The permission of the engine's login: Admin on SQLite; on a server, Admin for a
    superuser or the database's owner, else the highest group role the login is in."""
    if engine.dialect.name == "sqlite":
        return Permission.ADMIN
    with engine.connect() as conn:
        return _permission_of(conn, "session_user")


def _permission_of(conn: Connection, who: str) -> Permission:
    """``who``: an SQL expression of a role name (session_user, or :login)."""
    row = conn.execute(text(
        "SELECT r.rolsuper, d.datdba = r.oid, "
        "ARRAY(SELECT g.rolname FROM pg_roles g WHERE g.rolname = ANY(:groups) "
        "AND pg_has_role(r.oid, g.oid, 'MEMBER')) "
        f"FROM pg_roles r, pg_database d WHERE r.rolname = {who} "
        "AND d.datname = current_database()"), {"groups": list(GROUP_NAMES)}).first()
    if row is None:
        return Permission.NONE
    superuser, owner, groups = row
    if superuser or owner:
        return Permission.ADMIN
    return max((p for p in GROUPS if p.role in groups), default=Permission.NONE)


@dataclass(frozen=True)
class TeamUser:
    """A login of the team: what it may do and why."""

    login: str
    permission: Permission
    can_log_in: bool
    how: str  # "database owner", "superuser", "factor_desk_billing"

    def to_dict(self) -> dict[str, object]:
        return {"login": self.login, "permission": self.permission.name.lower(),
                "can_log_in": self.can_log_in, "how": self.how}


_USERS = (
    "SELECT r.rolname, r.rolcanlogin, r.rolsuper, d.datdba = r.oid, "
    "ARRAY(SELECT g.rolname FROM pg_roles g WHERE g.rolname = ANY(:groups) "
    "AND pg_has_role(r.oid, g.oid, 'MEMBER')) AS groups "
    "FROM pg_roles r, pg_database d WHERE d.datname = current_database() "
    "AND NOT r.rolname = ANY(:groups) AND r.rolname NOT LIKE 'pg\\_%' {where} "
    "ORDER BY r.rolname")


def _team_user(row: tuple[str, bool, bool, bool, list[str]]) -> TeamUser:
    login, can_log_in, superuser, owner, groups = row
    permission = max((p for p in GROUPS if p.role in groups), default=Permission.NONE)
    if owner:
        return TeamUser(login, Permission.ADMIN, can_log_in, "database owner")
    if superuser:
        return TeamUser(login, Permission.ADMIN, can_log_in, "superuser")
    return TeamUser(login, permission, can_log_in, permission.role if permission else "")


def team_users(engine: Engine) -> list[TeamUser]:
    """Every login with a Factor Desk role on the server (the roles are the server's), the
    database's owner, and the superusers: what each may do, and whether it can log in."""
    with engine.connect() as conn:
        rows = conn.execute(text(_USERS.format(
            where="AND (r.rolsuper OR d.datdba = r.oid OR EXISTS (SELECT 1 FROM pg_roles g "
                  "WHERE g.rolname = ANY(:groups) AND pg_has_role(r.oid, g.oid, 'MEMBER')))")),
            {"groups": list(GROUP_NAMES)}).all()
    return [_team_user(tuple(r)) for r in rows]


def _user(conn: Connection, login: str) -> TeamUser:
    rows = conn.execute(text(_USERS.format(where="AND r.rolname = :login")),
                        {"groups": list(GROUP_NAMES), "login": login}).all()
    return _team_user(tuple(rows[0]))


def role_permission(role: str) -> Permission:
    """viewer, billing or admin (or its group role's name) as a Permission."""
    key = role.strip().lower().removeprefix("factor_desk_")
    if key not in ROLE_NAMES:
        raise InputRefused([f"No role named {role!r}: the roles are viewer, billing and "
                            "admin."])
    return ROLE_NAMES[key]


def _server(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT current_database()").scalar_one())


def _refuse_unknown_login(conn: Connection, login: str) -> None:
    found = conn.execute(text("SELECT rolname = ANY(:groups) FROM pg_roles "
                              "WHERE rolname = :login"),
                         {"login": login, "groups": list(GROUP_NAMES)}).first()
    if found is None:
        alike = conn.execute(text(
            "SELECT rolname FROM pg_roles WHERE lower(rolname) = lower(:login) "
            "AND rolcanlogin ORDER BY rolname"), {"login": login}).scalars().all()
        if alike:  # psql folds CREATE ROLE Clerk2 to clerk2: not a login to make again
            raise InputRefused([
                f"There is no login {login!r} on this database server; did you mean "
                f"{' or '.join(alike)}? Its logins' names are case-sensitive."])
        raise InputRefused([
            f"There is no login {login!r} on this database server. Whoever runs the server "
            f"makes it first (psql: CREATE ROLE \"{login}\" LOGIN PASSWORD '...';), then "
            "grant it a role again. Factor Desk does not make logins or set passwords."])
    if found[0]:
        raise InputRefused([f"{login} is one of Factor Desk's group roles, not a login."])


def grant(engine: Engine, login: str, permission: Permission) -> TeamUser:
    """Grant ``login`` the group role of ``permission`` (Admin WITH ADMIN OPTION, so that
    it can grant in turn); the group roles are made first when missing (and granted this
    database's tables). Refused for a login that does not exist."""
    with engine.begin() as conn:
        _refuse_unknown_login(conn, login)
        if not group_roles_exist(conn):
            if not create_group_roles(conn):
                raise InputRefused([
                    "Factor Desk's group roles (factor_desk_viewer, factor_desk_billing, "
                    "factor_desk_admin) do not exist on this server yet, and your login may "
                    "not make roles. Run this once as a superuser or a login with CREATEROLE."])
            _grant_tables(conn)
        option = " WITH ADMIN OPTION" if permission is Permission.ADMIN else ""
        _as_admin(conn, f"GRANT {permission.role} TO {_q(login)}{option}", "Granting a role")
        return _user(conn, login)


def revoke(engine: Engine, login: str, permission: Permission) -> TeamUser:
    """Take ``permission`` (and any higher one) from ``login``: revoking Billing from a
    billing clerk leaves Viewer, revoking Viewer leaves nothing. The database's owner and
    superusers keep Admin whatever their roles: revoking from them is refused, saying so,
    and nothing is revoked."""
    with engine.begin() as conn:
        _refuse_unknown_login(conn, login)
        before = _user(conn, login)
        if before.how in ("database owner", "superuser"):
            _refuse_revoking_the_owner(conn, before)
        held = conn.execute(text(
            "SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = :login "
            "AND r.rolname = ANY(:groups)"),
            {"login": login, "groups": list(GROUP_NAMES)}).scalars().all()
        for p in GROUPS:
            if p >= permission and p.role in held:
                _as_admin(conn, f"REVOKE {p.role} FROM {_q(login)}", "Revoking a role")
        lower = Permission(permission - 1)
        if before.permission >= permission and lower is not Permission.NONE:
            option = " WITH ADMIN OPTION" if lower is Permission.ADMIN else ""
            _as_admin(conn, f"GRANT {lower.role} TO {_q(login)}{option}", "Revoking a role")
        return _user(conn, login)


def _refuse_revoking_the_owner(conn: Connection, user: TeamUser) -> None:
    """Revoking a role from the database's owner or a superuser would change nothing they
    may do (the server gives them everything): say so instead of "Revoked"."""
    if user.how == "superuser":
        why = f"{user.login} is a superuser of this database server"
        how = f"ALTER ROLE \"{user.login}\" NOSUPERUSER;"
    else:
        why = f"{user.login} owns the database {_server(conn)}"
        how = f"ALTER DATABASE \"{_server(conn)}\" OWNER TO another_login;"
    raise InputRefused([
        f"{why}, so it keeps the Admin permission whatever roles it holds: revoking one "
        f"would change nothing, and nothing was revoked. To take its rights away, whoever "
        f"runs the server runs (psql, as a superuser): {how}"])


def _as_admin(conn: Connection, statement: str, what: str) -> None:
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(statement)
    except sa_exc.DBAPIError as exc:
        if _sqlstate(exc) != "42501":
            raise
        who = str(conn.exec_driver_sql("SELECT session_user").scalar_one())
        has = _permission_of(conn, "session_user")
        if has is Permission.ADMIN:  # the database's owner, not a member of the roles
            raise InputRefused([
                f"{who} owns this database but may not hand out the server's roles. Once, a "
                f"superuser (or a login with CREATEROLE) runs: factor-desk users grant {who} "
                f"admin; then {who} can grant and revoke them."]) from exc
        raise PermissionRefused(Permission.ADMIN, who, what, has) from exc


def _grant_tables(conn: Connection) -> None:
    """Grant the new group roles this database's tables (the owner's job)."""
    tables = list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    try:
        with conn.begin_nested():
            grant_team(conn, tables)
    except sa_exc.DBAPIError as exc:
        if _sqlstate(exc) != "42501":
            raise
        raise InputRefused([
            f"The group roles were made, but only the owner of the database "
            f"{_server(conn)} can grant them its tables: run factor-desk users grant as "
            "the owner."]) from exc

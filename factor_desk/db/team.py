"""The team on PostgreSQL (issue #15): the group roles, what a login may do, and the
server's grants. SQLite has one clerk, who may do everything."""

from __future__ import annotations

from sqlalchemy import Engine

from factor_desk.domain.permissions import Permission


def login_permission(engine: Engine) -> Permission:
    """The permission of the engine's login: Admin on SQLite; on a server, Admin for a
    superuser or the database's owner, else the highest group role the login is in."""
    if engine.dialect.name == "sqlite":
        return Permission.ADMIN
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT r.rolsuper OR d.datdba = r.oid FROM pg_roles r, pg_database d "
            "WHERE r.rolname = session_user AND d.datname = current_database()").first()
        if row is not None and row[0]:
            return Permission.ADMIN
        for permission in (Permission.ADMIN, Permission.BILLING, Permission.VIEWER):
            member = conn.exec_driver_sql(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %(r)s) "
                "AND pg_has_role(session_user, "
                "(SELECT oid FROM pg_roles WHERE rolname = %(r)s), 'MEMBER')",
                {"r": permission.role}).scalar()
            if member:
                return permission
    return Permission.NONE

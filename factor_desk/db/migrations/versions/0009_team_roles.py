"""team roles: the group roles (viewer, billing, admin), the server's grants, and the
history's users set by the server (issue #15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 08:00:00

PostgreSQL only (on SQLite one clerk may do everything; nothing to do). The group roles are
made when missing and when this login may make roles (superuser or CREATEROLE); otherwise
the first ``factor-desk users grant`` by such a login makes them and grants the tables. The
grants are db/team.py's, for the tables of this revision; a later migration adding tables
calls team.grant_team with them. Downgrade drops the triggers and the grants, not the roles
(other databases of the server may use them).
"""

from __future__ import annotations

from alembic import op

from factor_desk.db import team

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen at this revision: later changes of db/team.py's lists do not change what this
# migration did.
TABLES = team.TABLES_0009
USER_COLUMNS = team.USER_COLUMNS_0009


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    if team.create_group_roles(conn) or team.group_roles_exist(conn):
        team.grant_team(conn, TABLES)
    team.install_user_stamps(conn, USER_COLUMNS)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    team.drop_user_stamps(conn, USER_COLUMNS)
    if team.group_roles_exist(conn):
        team.revoke_team(conn, TABLES)

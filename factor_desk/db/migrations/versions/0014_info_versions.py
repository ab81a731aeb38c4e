"""info versions: an important-info entry removed and added again never comes back at a
version an open form showed (issue #15)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:30:00

An entry's version (0010) started at 1 when it was added, so a Notice of Assignment removed
and added again by one clerk was at version 1 once more, and another clerk's form still
showing the first one (at version 1) saved over the new text without a word. Now each
subsidiary counts the saves of its entries (``info_versions``) and every save of an entry
takes the next number as the entry's version: a version is never handed out twice for one
subsidiary, whatever was removed between. The count starts at the highest version of the
subsidiary's entries there now, so the versions forms hold today stay what they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subsidiaries") as batch:
        batch.add_column(sa.Column("info_versions", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute("UPDATE subsidiaries SET info_versions = COALESCE((SELECT max(i.version) "
               "FROM important_info i WHERE i.subsidiary_id = subsidiaries.id), 0)")


def downgrade() -> None:
    with op.batch_alter_table("subsidiaries") as batch:
        batch.drop_column("info_versions")

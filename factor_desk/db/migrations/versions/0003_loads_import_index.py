"""loads by import: an index on loads.import_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 23:00:00

After each loads import the status history of its loads is written with one
``INSERT ... SELECT ... FROM loads WHERE import_id = ?``; without this index that reads
every load there is, so each import cost more the more loads the database held.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_loads_import_id", "loads", ["import_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_loads_import_id", table_name="loads")

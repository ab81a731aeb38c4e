"""a load's invoice date: the date Create invoice gave it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 23:50:00

``loads queue --invoice-date`` (the window's Create invoice) dates the load's invoice; its
batch then issues the invoice with that date (and its due date from it) instead of the day
of submission. Empty for every load until then: no row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("loads", sa.Column("invoice_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loads", schema=None) as batch_op:
        batch_op.drop_column("invoice_date")

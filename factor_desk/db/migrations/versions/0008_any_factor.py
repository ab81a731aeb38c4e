"""any factor: the factor's profile (email, default NOA, schedule layout), column mappings
saved per factor and report kind, and the batch's emails to its factor (issue #14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:00:00

New columns and tables only: no row changes. A factor with no schedule layout keeps
Capital Depot's schedule, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("factoring_companies") as t:
        t.add_column(sa.Column("email", sa.String(200), nullable=False, server_default=""))
        t.add_column(sa.Column("default_noa", sa.Text(), nullable=False, server_default=""))
        t.add_column(sa.Column("schedule_layout", sa.JSON(), nullable=True))
    op.create_table(
        "column_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("factoring_company_id", sa.Integer(),
                  sa.ForeignKey("factoring_companies.id",
                                name="fk_column_mappings_factoring_company_id_"
                                     "factoring_companies"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("saved_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("factoring_company_id", "kind",
                            name="uq_column_mappings_factoring_company_id"),
    )
    op.create_table(
        "batch_sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(),
                  sa.ForeignKey("batches.id", name="fk_batch_sends_batch_id_batches"),
                  nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_batch_sends_batch_id", "batch_sends", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_batch_sends_batch_id", table_name="batch_sends")
    op.drop_table("batch_sends")
    op.drop_table("column_mappings")
    with op.batch_alter_table("factoring_companies") as t:
        t.drop_column("schedule_layout")
        t.drop_column("default_noa")
        t.drop_column("email")

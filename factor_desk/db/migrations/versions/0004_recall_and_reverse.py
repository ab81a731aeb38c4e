"""recall and reverse: an invoice can be recalled from its batch, a batch reversed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 23:30:00

invoices gains recalled_at/recalled_by/recall_reason and batches reversed_at/reversed_by/
reverse_reason. A load's invoice and an invoice number were unique over all invoices; now
only over the open ones (not recalled), so a recalled load can be batched again with its
invoice number while the first batch keeps the invoice as it was sent. No row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN_INVOICE = "recalled_at IS NULL"


def upgrade() -> None:
    op.add_column("batches", sa.Column("reversed_at", sa.DateTime(), nullable=True))
    op.add_column("batches", sa.Column("reversed_by", sa.String(length=100), nullable=True))
    op.add_column("batches", sa.Column("reverse_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recalled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("recalled_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("recall_reason", sa.Text(), nullable=True))
        batch_op.drop_constraint("uq_invoices_invoice_number", type_="unique")
        batch_op.drop_constraint("uq_invoices_load_id", type_="unique")
    op.create_index("uq_invoices_open_load_id", "invoices", ["load_id"], unique=True,
                    postgresql_where=sa.text(OPEN_INVOICE), sqlite_where=sa.text(OPEN_INVOICE))
    op.create_index("uq_invoices_open_invoice_number", "invoices", ["invoice_number"],
                    unique=True, postgresql_where=sa.text(OPEN_INVOICE),
                    sqlite_where=sa.text(OPEN_INVOICE))


def downgrade() -> None:
    op.drop_index("uq_invoices_open_invoice_number", table_name="invoices")
    op.drop_index("uq_invoices_open_load_id", table_name="invoices")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_invoices_load_id", ["load_id"])
        batch_op.create_unique_constraint("uq_invoices_invoice_number", ["invoice_number"])
        batch_op.drop_column("recall_reason")
        batch_op.drop_column("recalled_by")
        batch_op.drop_column("recalled_at")
    op.drop_column("batches", "reverse_reason")
    op.drop_column("batches", "reversed_by")
    op.drop_column("batches", "reversed_at")

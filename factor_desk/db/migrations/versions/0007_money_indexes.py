"""money indexes: the reconciliation, the overview and the aging read indexes only

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:00:00

services/ledger.py ``invoice_money()`` adds up every payment and ledger entry per invoice
and reads a few columns of every invoice. The invoices' rows are wide (the frozen
snapshot), and the sums read each payment and entry row through its invoice_id index;
these indexes hold what the sums read, so the tables' rows are not read at all (bench/
bench_recon.py: the overview of 10,000 batches and the totals of 100,000 invoices).
Each holds the columns of an index that was already there first, so no query gets a way
in that it did not have (a plain index on invoices.load_id, tried for the load page, made
SQLite walk the loads of each debtor and look up their invoices: a join of invoices to
loads grouped by debtor 0.02 -> 0.14 s). Indexes only: no data changes.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_money", "invoices",
                    ["batch_id", "recalled_at", "id", "load_id", "amount_cents"])
    op.create_index("ix_payments_money", "payments", ["invoice_id", "amount_cents"])
    op.create_index("ix_ledger_entries_money", "ledger_entries",
                    ["invoice_id", "kind", "amount_cents"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_money", table_name="ledger_entries")
    op.drop_index("ix_payments_money", table_name="payments")
    op.drop_index("ix_invoices_money", table_name="invoices")

"""money after the purchase: factor terms, final payments, the ledger, settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:45:00

Issue #13. factoring_companies gains a flat fee and the recourse days; payments a ``final``
flag (the report's Final column); ``ledger_entries`` keeps short pays, direct payments and
the reserve report's movements; ``settings`` keeps the journal's account names. A reserve
report's file is applied once, like the other two reports.

Rows that change: until now a Completed invoice paid less than its amount counted the rest
as a short pay without a record of it. Each such invoice gets its short pay entry now (the
date of its last payment, from the import of that payment), so the figures stay the same.
And a factor's advance was 100% whatever its fee and reserve (no terms could be entered):
it is now what the fee and the reserve leave, so that the terms add up (advance + fee +
reserve = the invoice) and the purchase report's figures can be checked against them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_FILE_WHERE = "status = 'applied' AND kind IN ('purchase', 'payments')"
FILE_WHERE = "status = 'applied' AND kind IN ('purchase', 'payments', 'reserve')"
REFERENCE_WHERE = "reference <> '' AND kind <> 'short_pay'"


def upgrade() -> None:
    with op.batch_alter_table("factoring_companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_flat_cents", sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("recourse_days", sa.Integer(), nullable=False,
                                      server_default="90"))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("final", sa.Boolean(), nullable=False,
                                      server_default=sa.text("false")))
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("factoring_company_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["factoring_company_id"], ["factoring_companies.id"],
                                name=op.f("fk_ledger_entries_factoring_company_id_factoring_companies")),
        sa.ForeignKeyConstraint(["import_id"], ["report_imports.id"],
                                name=op.f("fk_ledger_entries_import_id_report_imports")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_ledger_entries_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["load_id"], ["loads.id"],
                                name=op.f("fk_ledger_entries_load_id_loads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    for column in ("invoice_id", "load_id", "factoring_company_id", "import_id"):
        op.create_index(op.f(f"ix_ledger_entries_{column}"), "ledger_entries", [column])
    op.create_index("uq_ledger_entries_kind_reference", "ledger_entries",
                    ["kind", "reference"], unique=True,
                    postgresql_where=sa.text(REFERENCE_WHERE),
                    sqlite_where=sa.text(REFERENCE_WHERE))
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.drop_index("uq_report_imports_applied_file", table_name="report_imports")
    op.create_index("uq_report_imports_applied_file", "report_imports", ["kind", "sha256"],
                    unique=True, postgresql_where=sa.text(FILE_WHERE),
                    sqlite_where=sa.text(FILE_WHERE))
    _record_short_pays()
    op.execute(sa.text(
        "UPDATE factoring_companies SET advance_basis_points = "
        "10000 - fee_basis_points - reserve_basis_points "
        "WHERE advance_basis_points = 10000 AND fee_basis_points + reserve_basis_points "
        "BETWEEN 1 AND 10000"))


def _record_short_pays() -> None:
    """A short pay entry for each Completed invoice (not recalled) paid less than its
    amount: the rest, dated and sourced by its last payment."""
    op.execute(sa.text("""
        INSERT INTO ledger_entries (kind, invoice_id, load_id, factoring_company_id,
                                    import_id, row_number, entry_date, amount_cents,
                                    reference, reason, at, by)
        SELECT 'short_pay', i.id, i.load_id, b.factoring_company_id, last.import_id, NULL,
               last.payment_date, i.amount_cents - paid.total, '',
               COALESCE((SELECT MAX(p.short_pay_reason) FROM payments p
                         WHERE p.invoice_id = i.id), ''),
               r.imported_at, r.imported_by
        FROM invoices i
        JOIN loads l ON l.id = i.load_id
        JOIN batches b ON b.id = i.batch_id
        JOIN (SELECT invoice_id, SUM(amount_cents) AS total, MAX(id) AS last_id
              FROM payments GROUP BY invoice_id) paid ON paid.invoice_id = i.id
        JOIN payments last ON last.id = paid.last_id
        JOIN report_imports r ON r.id = last.import_id
        WHERE l.status = 'Completed' AND i.recalled_at IS NULL
          AND paid.total < i.amount_cents
    """))


def downgrade() -> None:
    op.drop_index("uq_report_imports_applied_file", table_name="report_imports")
    op.create_index("uq_report_imports_applied_file", "report_imports", ["kind", "sha256"],
                    unique=True, postgresql_where=sa.text(OLD_FILE_WHERE),
                    sqlite_where=sa.text(OLD_FILE_WHERE))
    op.drop_table("settings")
    op.drop_index("uq_ledger_entries_kind_reference", table_name="ledger_entries")
    for column in ("invoice_id", "load_id", "factoring_company_id", "import_id"):
        op.drop_index(op.f(f"ix_ledger_entries_{column}"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("final")
    with op.batch_alter_table("factoring_companies", schema=None) as batch_op:
        batch_op.drop_column("recourse_days")
        batch_op.drop_column("fee_flat_cents")

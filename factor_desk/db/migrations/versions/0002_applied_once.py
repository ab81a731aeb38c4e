"""applied once: the database refuses a report file, a payment reference or an invoice's
purchase applied a second time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:30:00

Before this revision only a check before the write kept them out, and on PostgreSQL two
clerks uploading at the same moment both passed it. What such a race left behind is
resolved first: the first import is kept and each later import that repeats it (the same
file, a payment reference, an invoice bought again) is undone whole, exactly as Undo would
do it: its records are removed, the loads it moved step back with a history row that says
why, and it is marked undone by "Factor Desk upgrade". Its file stays kept with it. Only
when a later import cannot be undone exactly (a payment import depends on it) the upgrade
is refused, saying which imports to undo first, and the database is left as it was.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from factor_desk.domain.errors import InputRefused

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE_USER = "Factor Desk upgrade"

FILE_WHERE = "status = 'applied' AND kind IN ('purchase', 'payments')"
PURCHASED_WHERE = "status = 'purchased'"
REFERENCE_WHERE = "reference_number <> ''"

# The tables as this revision knows them (the models may change later).
imports = sa.table("report_imports", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                   sa.column("file_name", sa.String), sa.column("sha256", sa.String),
                   sa.column("status", sa.String), sa.column("undone_at", sa.DateTime),
                   sa.column("undone_by", sa.String))
payments = sa.table("payments", sa.column("id", sa.Integer), sa.column("import_id", sa.Integer),
                    sa.column("invoice_id", sa.Integer),
                    sa.column("reference_number", sa.String))
records = sa.table("purchase_records", sa.column("id", sa.Integer),
                   sa.column("import_id", sa.Integer), sa.column("invoice_id", sa.Integer),
                   sa.column("status", sa.String))
invoices = sa.table("invoices", sa.column("id", sa.Integer), sa.column("load_id", sa.Integer),
                    sa.column("invoice_number", sa.String))
loads = sa.table("loads", sa.column("id", sa.Integer), sa.column("load_number", sa.String),
                 sa.column("status", sa.String))
history = sa.table("status_history", sa.column("load_id", sa.Integer),
                   sa.column("from_status", sa.String), sa.column("to_status", sa.String),
                   sa.column("at", sa.DateTime), sa.column("by", sa.String),
                   sa.column("reason", sa.Text), sa.column("import_id", sa.Integer))

APPLIED = imports.c.status == "applied"


def upgrade() -> None:
    conn = op.get_bind()
    while (repeat := _first_repeat(conn)) is not None:
        _undo(conn, *repeat)
    op.create_index("uq_report_imports_applied_file", "report_imports", ["kind", "sha256"],
                    unique=True, postgresql_where=sa.text(FILE_WHERE),
                    sqlite_where=sa.text(FILE_WHERE))
    op.create_index("uq_purchase_records_purchased_invoice", "purchase_records",
                    ["invoice_id"], unique=True, postgresql_where=sa.text(PURCHASED_WHERE),
                    sqlite_where=sa.text(PURCHASED_WHERE))
    op.create_index("uq_payments_reference_number", "payments", ["reference_number"],
                    unique=True, postgresql_where=sa.text(REFERENCE_WHERE),
                    sqlite_where=sa.text(REFERENCE_WHERE))


def downgrade() -> None:
    op.drop_index("uq_payments_reference_number", table_name="payments")
    op.drop_index("uq_purchase_records_purchased_invoice", table_name="purchase_records")
    op.drop_index("uq_report_imports_applied_file", table_name="report_imports")


def _first_repeat(conn: sa.Connection) -> tuple[int, int, str] | None:
    """The oldest applied import that repeats an earlier one: (its id, the earlier id, what
    it repeats), or None. Undoing them oldest first keeps, of each key, the first import."""
    found: list[tuple[int, int, str]] = []
    # the same file, applied twice
    rows = conn.execute(
        sa.select(imports.c.id, imports.c.kind, imports.c.sha256)
        .where(APPLIED, imports.c.kind.in_(["purchase", "payments"]))
        .order_by(imports.c.id)).all()
    first_of_file: dict[tuple[str, str], int] = {}
    for imp, kind, sha in rows:
        first = first_of_file.setdefault((kind, sha), imp)
        if first != imp:
            found.append((imp, first, f"the same file was already applied as import #{first}"))
    # a payment reference applied by two imports
    first_of_ref: dict[str, int] = {}
    for ref, imp in conn.execute(
            sa.select(payments.c.reference_number, payments.c.import_id)
            .join(imports, imports.c.id == payments.c.import_id)
            .where(APPLIED, payments.c.reference_number != "")
            .order_by(payments.c.import_id, payments.c.id)):
        first = first_of_ref.setdefault(ref, imp)
        if first != imp:
            found.append((imp, first, f"reference number {ref} was already applied by "
                                      f"import #{first}"))
    # an invoice bought by two imports
    first_buyer: dict[int, int] = {}
    for number, imp in conn.execute(
            sa.select(invoices.c.invoice_number, records.c.import_id)
            .join(invoices, invoices.c.id == records.c.invoice_id)
            .join(imports, imports.c.id == records.c.import_id)
            .where(APPLIED, records.c.status == "purchased")
            .order_by(records.c.import_id, records.c.id)):
        first = first_buyer.setdefault(number, imp)
        if first != imp:
            found.append((imp, first, f"invoice {number} was already bought by import "
                                      f"#{first}"))
    return min(found) if found else None


def _undo(conn: sa.Connection, import_id: int, first: int, why: str) -> None:
    kind, file_name = conn.execute(sa.select(imports.c.kind, imports.c.file_name)
                                   .where(imports.c.id == import_id)).one()
    reason = (f"Undo of import #{import_id} ({file_name}) when the database was upgraded: "
              f"{why}")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if kind == "payments":
        model, back = payments, ("Completed", "Financed")
        mine = sa.select(payments.c.invoice_id).where(payments.c.import_id == import_id)
    else:
        model, back = records, ("Financed", "Invoiced")
        mine = sa.select(records.c.invoice_id).where(records.c.import_id == import_id,
                                                     records.c.status == "purchased")
    # Loads whose step only this import made; another applied import keeps the others.
    others = (sa.select(model.c.invoice_id).join(imports, imports.c.id == model.c.import_id)
              .where(APPLIED, model.c.import_id != import_id))
    if kind == "purchase":
        others = others.where(model.c.status == "purchased")
    moved = conn.execute(
        sa.select(loads.c.id, loads.c.load_number, loads.c.status)
        .join(invoices, invoices.c.load_id == loads.c.id)
        .where(invoices.c.id.in_(mine), invoices.c.id.not_in(others))).all()
    stuck = [number for _, number, status in moved if status != back[0]]
    if stuck:
        raise InputRefused([
            f"The database cannot be upgraded: import #{import_id} ({file_name}) repeats "
            f"import #{first} ({why}), and load {', '.join(sorted(stuck))} has moved on since. "
            f"Open the database with the previous Factor Desk, undo the imports that depend "
            f"on import #{import_id}, then import #{import_id} itself, and open it again. "
            "Nothing was changed."])
    conn.execute(sa.delete(model).where(model.c.import_id == import_id))
    for load_id, _, _ in moved:
        conn.execute(sa.update(loads).where(loads.c.id == load_id).values(status=back[1]))
        conn.execute(sa.insert(history).values(
            load_id=load_id, from_status=back[0], to_status=back[1], at=now, by=UPGRADE_USER,
            reason=reason, import_id=import_id))
    conn.execute(sa.update(imports).where(imports.c.id == import_id).values(
        status="undone", undone_at=now, undone_by=UPGRADE_USER))

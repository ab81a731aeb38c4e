"""history action: what the clerk did, on a history row whose statuses do not say it alone
(issue #15, the audit)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 08:40:00

``status_history.action`` (domain.lifecycle.HistoryAction): an edit, a removed document, a
direct payment, a close with a short pay, a take-back, a recall, a batch reversed. Rows
whose from and to statuses say what happened (an import, Create invoice, submit, the
factor's reports, Void) carry none. The audit reads the action; it never reads back the
words of a reason.

Rows written before this revision are given their action here, once, from the reasons the
services wrote for them (services/loads/moves.py, loads/documents.py, load_payments.py,
recall.py): the only place that reads those words.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# (action, the reason's first words, the move: None = from and to the same status)
_OLD_ROWS = (
    ("edited", "Edited:", None),
    ("removed_document", "Document removed:", None),
    ("direct_payment", "Direct payment", None),
    ("took_back", "Took back", None),
    ("direct_payment", "Direct payment", ("Charged back", "Completed")),
    ("short_pay_close", "Closed with a short pay", None),
    ("short_pay_close", "Closed with a short pay", ("Financed", "Completed")),
    ("short_pay_close", "Closed with a short pay", ("Charged back", "Completed")),
    ("took_back", "Took back", ("Completed", "Financed")),
    ("took_back", "Took back", ("Completed", "Charged back")),
    ("recalled", "Recalled from batch ", ("Invoiced", "Queued")),
)


def upgrade() -> None:
    with op.batch_alter_table("status_history") as t:
        t.add_column(sa.Column("action", sa.String(30), nullable=True))
    history = sa.table("status_history", sa.column("action"), sa.column("reason"),
                       sa.column("from_status"), sa.column("to_status"))
    for action, words, move in _OLD_ROWS:
        same = (history.c.from_status == history.c.to_status if move is None else
                sa.and_(history.c.from_status == move[0], history.c.to_status == move[1]))
        op.execute(history.update()
                   .where(history.c.action.is_(None), same,
                          history.c.reason.startswith(words, autoescape=True))
                   .values(action=action))
    # a batch reversed: "Batch LABEL reversed: why", moved Invoiced -> Queued
    op.execute(history.update()
               .where(history.c.action.is_(None), history.c.from_status == "Invoiced",
                      history.c.to_status == "Queued",
                      history.c.reason.startswith("Batch ", autoescape=True),
                      history.c.reason.contains(" reversed: ", autoescape=True))
               .values(action="reversed"))


def downgrade() -> None:
    with op.batch_alter_table("status_history") as t:
        t.drop_column("action")

"""The money of an invoice after its purchase, added up in SQL (services/ledger.py), and the
upgrade to 0006 that writes down the short pays the program used to only infer."""

from __future__ import annotations

from alembic import command
from helpers import submitted_batch
from sqlalchemy import create_engine, delete, select
from test_migrations import fresh_url  # noqa: F401 (a fixture)
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.db.database import Database, Location
from factor_desk.db.migrate import alembic_config
from factor_desk.db.models import Invoice, LedgerEntry
from factor_desk.services.ledger import invoice_balance, reserve_figures


def _step(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
    engine.dispose()


def test_upgrading_writes_down_each_short_pay_once(fresh_url, tmp_path):  # noqa: F811
    db = Database(Location(url=fresh_url, home=tmp_path))
    batch = submitted_batch(db, tmp_path, (1, 2, 3), ("1", "2", "3"))
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [
        purchase_row(n, **{"Advance Amount": "875.00", "Reserve Amount": "100.00"})
        for n in "123"]), batch)
    apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("1", "940.00", **{"Short Pay Reason": "lumper"}),
        payment_row("2", "1000.00")]))
    db.dispose()
    # as a database written before 0006 holds it (from 0016 on, the server refuses an
    # applied import's entries deleted without its undo)
    _step(fresh_url, "0015", down=True)
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(delete(LedgerEntry))
    engine.dispose()
    _step(fresh_url, "0005", down=True)
    _step(fresh_url, "head")
    db = Database(Location(url=fresh_url, home=tmp_path))
    try:
        with db.read() as work:
            ids = dict(work.execute(select(Invoice.invoice_number, Invoice.id)).all())
            entries = work.execute(select(LedgerEntry.invoice_id, LedgerEntry.kind,
                                          LedgerEntry.amount_cents, LedgerEntry.reason)).all()
            assert [tuple(e) for e in entries] == [(ids["1"], "short_pay", 6000, "lumper")]
            one, two, three = (invoice_balance(work, ids[n]) for n in "123")
            assert (one.paid, one.short_pay, one.balance) == (94000, 6000, 0)
            assert (two.paid, two.short_pay, two.balance) == (100000, 0, 0)
            assert (three.paid, three.balance) == (0, 100000)
            reserve = reserve_figures(work)
            assert (reserve.reserve, reserve.held) == (30000, 30000)
    finally:
        db.dispose()

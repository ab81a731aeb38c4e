"""A clerk's undos in the orders a clerk makes them, with what happened to the loads in
between (a second report of the same loads, a partial payment, a chargeback, a direct
payment taken back, a close, the same file applied again, a row skipped): on PostgreSQL
the server's check of an undo at commit (migration 0016, db/undo_guard.py) takes every
undo Factor Desk takes on SQLite, and refuses none the app lets through. Each sequence
gives the same loads and the same answers on both databases."""

from __future__ import annotations

from decimal import Decimal

from helpers_money import chargeback, close_load, partial_payment
from test_migrations import fresh_url  # noqa: F401 (a fixture)
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    statuses,
    undo,
    write_csv,
)

from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk


def _apply(db, tmp_path, kind, name, header, rows, batch=None):
    return apply(db, kind, write_csv(tmp_path / name, header, rows), batch,
                 allow_missing=True).import_id


def _undo(db, import_id) -> str:
    """'ok', or the first words of the app's refusal (the server's is shown alike)."""
    try:
        undo(db, import_id)
    except InputRefused as refused:
        return str(refused)[:60]
    return "ok"


def _loads(db) -> str:
    return " ".join(f"{n}={s}" for n, s in sorted(statuses(db).items()))


def test_two_purchase_reports_of_one_load_undone_in_either_order(db, batch, tmp_path):
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2")], batch)
    b = _apply(db, tmp_path, "purchase", "b.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("3")], batch)
    assert [_undo(db, a), _undo(db, b)] == ["ok", "ok"]
    assert _loads(db) == "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued"


def test_two_purchase_reports_of_one_load_the_later_undone_first(db, batch, tmp_path):
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2")], batch)
    b = _apply(db, tmp_path, "purchase", "b.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("3")], batch)
    outcome = [_undo(db, b), _loads(db)]
    outcome += [_undo(db, a), _loads(db)]
    assert outcome == ["ok", "1=Financed 2=Financed 3=Invoiced 4=Invoiced 9=Queued",
                       "ok", "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued"]


def test_partial_payments_then_the_rest_undone_back_to_the_purchase(db, batch, tmp_path):
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2"), purchase_row("3", Status="Held")],
               batch)
    p = _apply(db, tmp_path, "payments", "p.csv", PAYMENT_HEADER,
               [payment_row("1", "400.00"), payment_row("2", "1000.00")])
    q = _apply(db, tmp_path, "payments", "q.csv", PAYMENT_HEADER,
               [payment_row("1", "600.00", "ACH-1b")])
    assert _loads(db) == "1=Completed 2=Completed 3=Invoiced 4=Invoiced 9=Queued"
    assert [_undo(db, i) for i in (q, p, a)] == ["ok", "ok", "ok"]
    assert _loads(db) == "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued"


def test_a_payment_file_applied_again_after_its_undo_is_undone_again(db, batch, tmp_path):
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2")], batch)
    rows = [payment_row("1"), payment_row("2", "900.00", **{"Short Pay Reason": "lumper"})]
    p = _apply(db, tmp_path, "payments", "p.csv", PAYMENT_HEADER, rows)
    assert _undo(db, p) == "ok"
    again = _apply(db, tmp_path, "payments", "p.csv", PAYMENT_HEADER, rows)
    assert _loads(db) == "1=Completed 2=Completed 3=Invoiced 4=Invoiced 9=Queued"
    assert [_undo(db, again), _undo(db, a)] == ["ok", "ok"]
    assert _loads(db) == "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued"


def test_a_chargeback_paid_directly_taken_back_then_undone(db, batch, tmp_path):
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2")], batch)
    partial_payment(db, "2", "100.00", "PART-1")
    chargeback(db, "1", "1000.00", "CB-1")
    desk = Desk(db)
    desk.pay_load("1", Decimal("1000.00"), "DIRECT-1")
    outcome = [_loads(db)]
    desk.take_back_payment("1", "slip")
    outcome += [_loads(db)]
    close_load(db, "2", "written off")
    desk.take_back_payment("2", "slip")
    ids = [r.id for r in desk.import_history()]
    outcome += [_undo(db, i) for i in sorted(ids, reverse=True) if i not in (min(ids), a)]
    outcome += [_loads(db)]
    assert outcome == ["1=Completed 2=Financed 3=Invoiced 4=Invoiced 9=Queued",
                       "1=Charged back 2=Financed 3=Invoiced 4=Invoiced 9=Queued",
                       "ok", "ok",  # the chargeback's reserve report, the partial payment
                       "1=Financed 2=Financed 3=Invoiced 4=Invoiced 9=Queued"]
    assert _undo(db, a) == "ok"
    assert _loads(db) == "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued"


def test_a_database_upgraded_to_0016_with_imports_applied_and_undone_undoes_the_rest(
        fresh_url, tmp_path):  # noqa: F811
    """Imports applied and undone under 0015, the database upgraded: the undo of those
    still applied, and of one applied after, go through; the undone stay undone."""
    from helpers import submitted_batch
    from test_ledger import _step

    from factor_desk.db.database import Database, Location

    db = Database(Location(url=fresh_url, home=tmp_path))
    batch = submitted_batch(db, tmp_path, (1, 2, 3), ("1", "2", "3"))
    db.dispose()
    _step(fresh_url, "0015", down=True)
    db = Database(Location(url=fresh_url, home=tmp_path))
    a = _apply(db, tmp_path, "purchase", "a.csv", PURCHASE_HEADER,
               [purchase_row("1"), purchase_row("2"), purchase_row("3")], batch)
    p = _apply(db, tmp_path, "payments", "p.csv", PAYMENT_HEADER, [payment_row("1")])
    q = _apply(db, tmp_path, "payments", "q.csv", PAYMENT_HEADER,
               [payment_row("2", "400.00")])
    assert _undo(db, p) == "ok"
    db.dispose()
    _step(fresh_url, "head")
    db = Database(Location(url=fresh_url, home=tmp_path))
    r = _apply(db, tmp_path, "payments", "p.csv", PAYMENT_HEADER, [payment_row("1")])
    assert [_undo(db, i) for i in (r, q, a)] == ["ok", "ok", "ok"]
    assert _undo(db, p).startswith(f"Import #{p} was already undone on ")
    assert _loads(db) == "1=Invoiced 2=Invoiced 3=Invoiced"
    db.dispose()

"""Races of the exceptions (issue #12) on PostgreSQL: a recall or a reverse while a purchase
report of the same batch is applied, an edit or a void while a batch is submitted with the
load. One clerk's transaction is held open; the other runs in a thread and waits for it.
The outcome is one or the other whole: never a recalled invoice that is also bought (or
held), never an import applied to a reversed batch, never a batched Void load."""

import threading
from collections.abc import Callable

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import func, select

from factor_desk.db.models import Invoice, PurchaseRecord, ReportImport
from factor_desk.domain.errors import InputRefused
from factor_desk.services import reports
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads
from factor_desk.services.loads.moves import edit_load, void_loads
from factor_desk.services.recall import recall_invoices, reverse_batch

PURCHASE = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing interleaves")


def _waiting_on_a_lock(db) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()").scalar())


def _while_held(db, hold: Callable[[object], object], other: Callable[[], object]) -> object:
    """Run ``hold(work)`` in a write left open until ``other`` (in a thread) waits on a
    lock, then commit it; return what ``other`` returned or raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(other())
        except Exception as exc:  # the refusal, or a bug: the caller looks
            outcome.append(exc)

    thread = threading.Thread(target=run)
    with db.write() as work:
        hold(work)
        thread.start()
        waited = threading.Event()
        for _ in range(1000):  # 20 s at most
            if _waiting_on_a_lock(db) or not thread.is_alive():
                break
            waited.wait(0.02)
        else:
            pytest.fail("the other clerk never waited")
    thread.join(30)
    (result,) = outcome
    return result


def _statuses(db):
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def _purchase_file(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join([PURCHASE, *lines]) + "\n", encoding="utf-8")
    return path


def _apply_in(work, path, batch):
    upload = reports.read_report(path, "purchase", None)
    steps = reports.apply_report(work, upload, batch=batch, allow_missing=True)
    while True:
        try:
            next(steps)
        except StopIteration as done:  # the generator returns the ImportResult
            return done.value


def _bought(n):
    return f"{n},1000.00,2025-03-03,900.00,100.00,Purchased"


def _imports(db):
    with db.read() as s:
        return s.execute(select(func.count()).select_from(ReportImport)
                         .where(ReportImport.status == "applied",
                                ReportImport.kind == "purchase")).scalar()


def test_a_recall_while_a_purchase_report_buys_the_invoice_is_refused(db, batch, tmp_path):
    path = _purchase_file(tmp_path, "p.csv", [_bought(n) for n in (1, 2, 3, 4)])
    result = _while_held(db, lambda work: _apply_in(work, path, batch),
                         lambda: Desk(db).recall_invoices(batch, ["2"], "held"))
    assert isinstance(result, InputRefused), result
    assert "Financed" in str(result)
    assert _statuses(db)["2"] == "Financed"
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Invoice)
                         .where(Invoice.recalled_at.is_not(None))).scalar() == 0


def test_a_purchase_report_while_its_invoice_is_recalled_is_refused(db, batch, tmp_path):
    path = _purchase_file(tmp_path, "p.csv", [_bought(n) for n in (1, 2, 3, 4)])
    result = _while_held(
        db, lambda work: recall_invoices(work, batch, ["2"], reason="held"),
        lambda: run_to_end(Desk(db).apply_report("purchase", path, batch=batch,
                                                 allow_missing=True)))
    assert isinstance(result, InputRefused), result
    assert _statuses(db) == {"1": "Invoiced", "2": "Queued", "3": "Invoiced",
                             "4": "Invoiced", "9": "Queued"}
    assert _imports(db) == 0


@pytest.mark.parametrize("status", ["Held", "Purchased"])
def test_a_purchase_report_while_the_batch_is_reversed_is_refused(db, batch, tmp_path, status):
    path = _purchase_file(tmp_path, "p.csv", [
        f"{n},1000.00,2025-03-03,900.00,100.00,{status}" for n in (1, 2, 3, 4)])
    result = _while_held(
        db, lambda work: reverse_batch(work, batch, reason="wrong factor"),
        lambda: run_to_end(Desk(db).apply_report("purchase", path, batch=batch,
                                                 allow_missing=True)))
    assert isinstance(result, InputRefused), result
    assert _imports(db) == 0
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PurchaseRecord)).scalar() == 0
    assert Desk(db).show_batch(batch).status == "Reversed"


@pytest.mark.parametrize("status", ["Held", "Purchased"])
def test_a_reverse_while_a_purchase_report_is_applied_is_refused(db, batch, tmp_path, status):
    path = _purchase_file(tmp_path, "p.csv", [
        f"{n},1000.00,2025-03-03,900.00,100.00,{status}" for n in (1, 2, 3, 4)])
    result = _while_held(db, lambda work: _apply_in(work, path, batch),
                         lambda: Desk(db).reverse_batch(batch, "wrong factor"))
    assert isinstance(result, InputRefused), result
    assert "cannot be reversed" in str(result)
    assert _imports(db) == 1
    assert Desk(db).show_batch(batch).status != "Reversed"


def test_a_held_report_while_its_invoice_is_recalled_is_refused(db, batch, tmp_path):
    """A held row for an invoice recalled at that moment: the report is checked again after
    the recall and names it as no longer in the batch."""
    path = _purchase_file(tmp_path, "p.csv", [
        f"{n},1000.00,,,,Held" for n in (1, 2, 3, 4)])
    result = _while_held(
        db, lambda work: recall_invoices(work, batch, ["2"], reason="pulled"),
        lambda: run_to_end(Desk(db).apply_report("purchase", path, batch=batch,
                                                 allow_missing=True)))
    assert isinstance(result, InputRefused), result
    assert _imports(db) == 0


def _new_loads(db, tmp_path):
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [
        load_row("7", Linehaul="1000.00", Accessorials="", Total="1000.00")]),
        "Acme Freight")


def test_an_edit_while_the_load_is_batched_is_refused(db, tmp_path):
    _new_loads(db, tmp_path)
    result = _while_held(
        db, lambda work: _submit_in(db, work),
        lambda: Desk(db).edit_load("7", {"amount": "5000.00"}))
    assert isinstance(result, InputRefused), result
    assert "recall it first" in str(result)
    assert _statuses(db)["7"] == "Invoiced"
    with db.read() as s:
        assert s.execute(select(Invoice.amount_cents)).scalar() == 100000


def test_a_batch_while_the_load_is_edited_invoices_the_new_amount(db, tmp_path):
    _new_loads(db, tmp_path)
    result = _while_held(
        db, lambda work: edit_load(work, "7", {"amount": "5000.00"}),
        lambda: Desk(db).submit_batch("Acme Freight", ["7"]))
    assert not isinstance(result, Exception), result
    with db.read() as s:
        assert s.execute(select(Invoice.amount_cents)).scalar() == 500000


def test_a_batch_while_the_load_is_voided_leaves_it_out(db, tmp_path):
    _new_loads(db, tmp_path)
    result = _while_held(
        db, lambda work: void_loads(work, ["7"], reason="cancelled"),
        lambda: Desk(db).submit_batch("Acme Freight", ["7"]))
    assert isinstance(result, InputRefused), result
    assert _statuses(db).get("7", "Void") == "Void"
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Invoice)).scalar() == 0


def test_a_void_while_the_load_is_batched_is_refused(db, tmp_path):
    _new_loads(db, tmp_path)
    result = _while_held(db, lambda work: _submit_in(db, work),
                         lambda: Desk(db).void_loads(["7"], "cancelled"))
    assert isinstance(result, InputRefused), result
    assert _statuses(db)["7"] == "Invoiced"


def _submit_in(db, work):
    from factor_desk.services.batches import submit_batch
    return submit_batch(work, "Acme Freight", ["7"])

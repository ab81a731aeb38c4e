"""Undo a purchase import after one of its invoices was recalled, or after its batch was
reversed (issue #12): the money and the statuses stay consistent, on both databases."""

import pytest
from sqlalchemy import func, select

from factor_desk.db.models import PurchaseRecord, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads

PURCHASE = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"


def _statuses(db):
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def _apply(db, tmp_path, batch, name, lines):
    path = tmp_path / name
    path.write_text("\n".join([PURCHASE, *lines]) + "\n", encoding="utf-8")
    return run_to_end(Desk(db).apply_report("purchase", path, batch=batch,
                                            allow_missing=True))


def test_undo_of_a_report_that_held_an_invoice_since_recalled_leaves_the_recall(
        db, batch, tmp_path):
    desk = Desk(db)
    done = _apply(db, tmp_path, batch, "p.csv", [
        "1,1000.00,2025-03-03,900.00,100.00,Purchased", "2,1000.00,,,,Held"])
    desk.recall_invoices(batch, ["2"], "held: missing POD")
    with db.read() as s:
        history = s.execute(select(func.count()).select_from(StatusHistory)).scalar()
    undone = desk.undo_import(done.import_id)
    assert (undone.loads_moved_back, undone.records_removed) == (1, 2)
    assert _statuses(db) == {"1": "Invoiced", "2": "Queued", "3": "Invoiced",
                             "4": "Invoiced", "9": "Queued"}
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PurchaseRecord)).scalar() == 0
        # one history row: load 1 back to Invoiced; the recalled load 2 is not touched
        assert s.execute(select(func.count()).select_from(StatusHistory)).scalar() \
            == history + 1
    detail = desk.show_batch(batch)
    assert [(i.load_number, i.status) for i in detail.invoice_lines] == [
        ("1", "Invoiced"), ("2", "Recalled"), ("3", "Invoiced"), ("4", "Invoiced")]
    assert detail.status == "Submitted"
    # now nothing was applied to the batch: it may be reversed
    desk.reverse_batch(batch, "wrong factor")
    assert set(_statuses(db).values()) == {"Queued"}


def test_a_batch_with_a_held_report_is_reversed_only_after_the_undo(db, batch, tmp_path):
    desk = Desk(db)
    done = _apply(db, tmp_path, batch, "p.csv", [
        f"{n},1000.00,,,,Held" for n in (1, 2, 3, 4)])
    with pytest.raises(InputRefused, match="cannot be reversed"):
        desk.reverse_batch(batch, "wrong factor")
    desk.undo_import(done.import_id)
    desk.reverse_batch(batch, "wrong factor")
    assert desk.show_batch(batch).status == "Reversed"
    with pytest.raises(InputRefused, match="already undone"):
        desk.undo_import(done.import_id)
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PurchaseRecord)).scalar() == 0


def test_undo_after_the_recalled_load_was_bought_in_a_new_batch(db, batch, tmp_path):
    """Load 2 held in batch 1 and recalled, batched again and bought in batch 2: undoing the
    first report moves back only what it bought (load 1), not load 2's new purchase."""
    desk = Desk(db)
    first = _apply(db, tmp_path, batch, "p1.csv", [
        "1,1000.00,2025-03-03,900.00,100.00,Purchased", "2,1000.00,,,,Held"])
    desk.recall_invoices(batch, ["2"], "held")
    second_batch = desk.submit_batch("Acme Freight", ["2"]).batch
    _apply(db, tmp_path, second_batch, "p2.csv", ["2,1000.00,2025-03-09,900.00,100.00,"
                                                  "Purchased"])
    desk.undo_import(first.import_id)
    assert _statuses(db) == {"1": "Invoiced", "2": "Financed", "3": "Invoiced",
                             "4": "Invoiced", "9": "Queued"}
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(PurchaseRecord)).scalar() == 1


def test_a_purchase_report_for_a_reversed_batch_says_so(db, batch, tmp_path):
    """Not "unknown invoice 1: no batch sent it": the batch sent it, then was reversed."""
    Desk(db).reverse_batch(batch, "wrong factor")
    with pytest.raises(InputRefused) as refused:
        _apply(db, tmp_path, batch, "p.csv", ["1,1000.00,,,,Held"])
    assert str(refused.value).startswith(f"Batch {batch} was reversed")
    assert "wrong factor" in str(refused.value)

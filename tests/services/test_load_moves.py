"""The moves of a load before its batch (issue #12): Create invoice, back to Released, Void,
Edit; on both databases, all or nothing, each with a history row."""

import datetime as dt
from decimal import Decimal

import pytest
from helpers import dump, import_loads, load_row, make_carrier, write_loads_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk


@pytest.fixture
def desk(db, tmp_path):
    """Loads R1, R2 Released; Q1, Q2 Queued; B1 batched (Invoiced) in ACME-0001."""
    make_carrier(db, required=())
    rows = [load_row(n, Status="Released") for n in ("R1", "R2")]
    rows += [load_row(n, Status="Queued") for n in ("Q1", "Q2", "B1")]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    d = Desk(db)
    d.submit_batch("Acme Freight", ["B1"])
    return d


def _status(desk, number):
    return {ld.load_number: ld.status for ld in desk.list_loads(status=None)} | {
        ld.load_number: ld.status for ld in desk.list_loads(status="Void")}


def _last(desk, number):
    return desk.load_history(number)[-1]


def test_create_invoice_moves_released_loads_to_queued_with_history(desk):
    moved = desk.queue_loads(["R1", "R2"])
    assert [(m.load_number, m.status) for m in moved] == [("R1", "Queued"), ("R2", "Queued")]
    assert _status(desk, None)["R1"] == "Queued"
    h = _last(desk, "R1")
    assert (h.from_status, h.to_status, h.by) == ("Released", "Queued", "test-clerk")
    assert "Invoice created" in h.reason
    assert {ld.load_number for ld in desk.eligible_loads("Acme Freight")} >= {"R1", "R2"}


def test_create_invoice_keeps_or_sets_the_invoice_number_and_records_the_date(desk):
    moved = desk.queue_loads(["R1"], invoice_number="INV-77",
                             invoice_date=dt.date(2026, 11, 27))
    assert moved[0].invoice_number == "INV-77"
    history = desk.load_history("R1")
    assert any("invoice number R1 → INV-77" in h.reason for h in history)
    assert "2026-11-27" in history[-1].reason
    assert desk.queue_loads(["R2"])[0].invoice_number == "R2"


def test_the_invoice_date_create_invoice_gave_is_the_date_its_batch_issues(desk):
    desk.queue_loads(["R1"], invoice_date=dt.date(2026, 11, 20))
    desk.queue_loads(["R2"])  # no date: dated the day the batch is sent
    batch = desk.submit_batch("Acme Freight", ["R1", "R2"]).batch
    lines = {i.load_number: i for i in desk.show_batch(batch).invoice_lines}
    assert lines["R1"].invoice_date == dt.date(2026, 11, 20)
    assert lines["R1"].due_date == dt.date(2026, 11, 20) + dt.timedelta(days=30)
    assert lines["R2"].invoice_date == dt.date.today()


@pytest.mark.parametrize("number, status", [("Q1", "Queued"), ("B1", "Invoiced")])
def test_create_invoice_is_refused_for_other_statuses_naming_load_and_status(
        desk, db, number, status):
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        desk.queue_loads(["R1", number])
    assert f"Load {number} is {status}" in str(err.value)
    assert dump(db) == before  # R1, which could move, did not: all or nothing


def test_unqueue_takes_queued_loads_back_to_released_with_the_reason(desk, db):
    moved = desk.unqueue_loads(["Q1", "Q2"], "customer asked to hold")
    assert {m.status for m in moved} == {"Released"}
    h = _last(desk, "Q2")
    assert (h.from_status, h.to_status, h.reason, h.by) == (
        "Queued", "Released", "customer asked to hold", "test-clerk")
    before = dump(db)
    for wrong in (["R1"], ["Q1"], ["B1"]):  # Q1 is Released now
        with pytest.raises(InputRefused) as err:
            desk.unqueue_loads(wrong, "why")
        assert f"Load {wrong[0]} is" in str(err.value)
    assert dump(db) == before
    with pytest.raises(InputRefused, match="reason"):
        desk.unqueue_loads(["R1"], "  ")


def test_void_hides_the_load_never_eligible_and_keeps_its_number(desk, db, tmp_path):
    desk.void_loads(["R1"], "duplicate of R2")
    desk.void_loads(["Q1"], "cancelled by the shipper")
    listed = {ld.load_number for ld in desk.list_loads()}
    assert "R1" not in listed and "Q1" not in listed and "R2" in listed
    assert {ld.load_number for ld in desk.list_loads(status="Void")} == {"R1", "Q1"}
    assert "Q1" not in {ld.load_number for ld in desk.eligible_loads("Acme Freight")}
    h = _last(desk, "Q1")
    assert (h.from_status, h.to_status, h.reason) == ("Queued", "Void",
                                                      "cancelled by the shipper")
    for move in (lambda: desk.queue_loads(["R1"]), lambda: desk.unqueue_loads(["Q1"], "x"),
                 lambda: desk.void_loads(["B1"], "x"), lambda: desk.void_loads(["Q1"], "x"),
                 lambda: desk.edit_load("R1", {"po_number": "X"})):
        with pytest.raises(InputRefused, match="is (Void|Invoiced)"):
            move()
    with pytest.raises(InputRefused, match="R1"):
        desk.submit_batch("Acme Freight", ["R1"])
    before = dump(db)
    with pytest.raises(InputRefused, match="load 'R1' is already in Factor Desk"):
        import_loads(db, write_loads_csv(tmp_path / "again.csv", [load_row("R1")]),
                     "Acme Freight")
    assert dump(db) == before


def test_a_failed_void_of_several_loads_changes_nothing(desk, db):
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        desk.void_loads(["R1", "Q1", "B1", "NOPE"], "cleanup")
    assert "NOPE" in str(err.value)
    with pytest.raises(InputRefused) as err:
        desk.void_loads(["R1", "Q1", "B1"], "cleanup")
    assert "Load B1 is Invoiced" in str(err.value)
    assert dump(db) == before


def test_edit_changes_fields_checked_as_the_import_checks_them(desk):
    moved = desk.edit_load("Q1", {"customer": "Northwind Brokers", "amount": "$1,999.50",
                                  "po_number": "PO-NEW", "pickup_date": "11/21/2026",
                                  "delivery_date": "2026-11-23", "invoicing_method": "direct",
                                  "invoice_number": "INV-Q1"})
    ld = next(x for x in desk.list_loads() if x.load_number == "Q1")
    assert (ld.customer, ld.amount, ld.po_number, ld.pickup_date, ld.delivery_date,
            ld.invoicing_method, ld.invoice_number, ld.status) == (
        "Northwind Brokers", Decimal("1999.50"), "PO-NEW", dt.date(2026, 11, 21),
        dt.date(2026, 11, 23), "Direct", "INV-Q1", "Queued")
    assert {c.field for c in moved.changes} == {"customer", "amount", "PO", "pickup date",
                                                "delivery date", "method", "invoice number"}
    h = _last(desk, "Q1")
    assert (h.from_status, h.to_status, h.by) == ("Queued", "Queued", "test-clerk")
    assert "amount 2550.00 → 1999.50" in h.reason
    assert "PO PO-Q1 → PO-NEW" in h.reason
    assert "customer Summit Brokerage → Northwind Brokers" in h.reason
    # The same customer's name, spelt otherwise, is the same customer (as on import).
    desk.edit_load("Q2", {"customer": "summit  brokerage"})
    assert next(x for x in desk.list_loads() if x.load_number == "Q2"
                ).customer == "Summit Brokerage"
    desk.edit_load("Q1", {"invoicing_method": ""})
    assert "method Direct → (none)" in _last(desk, "Q1").reason


def test_bad_values_are_refused_each_named_and_nothing_changes(desk, db):
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        desk.edit_load("R1", {"amount": "12.345", "pickup_date": "11/31/2026",
                              "invoicing_method": "barter", "invoice_number": "Q1"})
    text = str(err.value)
    for column in ("amount", "pickup date", "method", "invoice number"):
        assert f"column '{column}'" in text or f"column {column}" in text
    assert "already used by another load" in text
    with pytest.raises(InputRefused, match="delivery date is before the pickup date"):
        desk.edit_load("R1", {"delivery_date": "2026-11-01"})
    with pytest.raises(InputRefused, match="more than zero"):
        desk.edit_load("R1", {"amount": "0"})
    assert dump(db) == before


def test_an_invoiced_load_is_refused_naming_its_batch(desk, db):
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        desk.edit_load("B1", {"po_number": "X"})
    assert str(err.value) == ("Load B1 is Invoiced; its invoice was sent in ACME-0001; "
                              "recall it first.")
    assert dump(db) == before


def test_an_edit_that_changes_nothing_leaves_no_history_row(desk):
    count = len(desk.load_history("R1"))
    moved = desk.edit_load("R1", {"po_number": "PO-R1"})
    assert moved.changes == [] and len(desk.load_history("R1")) == count

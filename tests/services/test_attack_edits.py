"""Edit a load (issue #12) with values a careful clerk would not type: each is refused with
a message naming the field, and nothing changes (the load's row, its history)."""

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import func, select, update

from factor_desk.db.models import Customer, Load, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk


@pytest.fixture
def loads(db, tmp_path):
    make_carrier(db, required=())
    rows = [load_row("1", Linehaul="900.00", Accessorials="100.00", Total="1000.00"),
            load_row("2", **{"Invoice Number": "INV-2"}),
            load_row("3", Customer="Twin Freight", **{"Customer MC": "MC-111111"}),
            load_row("4", Customer="Twin Freight", **{"Customer MC": "MC-222222"})]
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", rows), "Acme Freight")
    # Two customers whose names differ only in case: the Customers page refuses that now,
    # a database kept from before the rule (or written by hand) has them; load 4 bills the
    # second. Load 3 was imported with MC-222222 but billed, by name, to the first.
    with db.write() as s:
        first = s.execute(select(Customer).where(Customer.name == "Twin Freight")).scalar_one()
        twin = Customer(name="TWIN FREIGHT", mc_number="MC-222222", address="", city="",
                        state="", zip_code="", email="", terms_days=30, invoicing_method=None)
        s.add(twin)
        s.flush()
        assert first.mc_number == "MC-111111"
        s.execute(update(Load).where(Load.load_number == "4").values(customer_id=twin.id))
    return db


def _state(db):
    with db.read() as s:
        loads = [tuple(r) for r in s.execute(
            select(Load.load_number, Load.customer_id, Load.total_cents, Load.linehaul_cents,
                   Load.accessorials_cents, Load.po_number, Load.invoice_number,
                   Load.pickup_date, Load.delivery_date, Load.invoicing_method, Load.status)
            .order_by(Load.load_number))]
        history = s.execute(select(func.count()).select_from(StatusHistory)).scalar()
        customers = s.execute(select(func.count()).select_from(Customer)).scalar()
    return loads, history, customers


@pytest.mark.parametrize(("changes", "says"), [
    ({"amount": "99999999999999999999"}, "too large"),
    ({"amount": "10000000000.00"}, "too large"),
    ({"amount": "-5.00"}, "more than zero"),
    ({"amount": "(12.00)"}, "more than zero"),
    ({"amount": "0"}, "more than zero"),
    ({"amount": "0.00"}, "more than zero"),
    ({"amount": "99.99"}, "accessorials"),  # below the load's accessorials of 100.00
    ({"amount": "1000.005"}, "whole cents"),
    ({"amount": "NaN"}, "expected an amount"),
    ({"amount": "   "}, "amount"),
    ({"pickup_date": "2026-02-30"}, "date"),
    ({"pickup_date": "99999-01-01"}, "date"),
    ({"delivery_date": "1900-01-01"}, "before the pickup date"),
    ({"invoice_number": "INV-2"}, "already used by another load"),
    ({"invoice_number": "   "}, "empty"),
    ({"invoice_number": "X" * 500}, "longer than"),
    ({"po_number": "P" * 500}, "longer than"),
    ({"customer": "   "}, "empty"),
    ({"customer": "C" * 500}, "longer than"),
    ({"invoicing_method": "Carrier pigeon"}, "method"),
    ({"colour": "red"}, "cannot edit colour"),
])
def test_a_hostile_edit_is_refused_and_changes_nothing(loads, changes, says):
    db = loads
    before = _state(db)
    with pytest.raises(InputRefused) as refused:
        Desk(db).edit_load("1", changes)
    assert says.lower() in str(refused.value).lower(), str(refused.value)
    assert _state(db) == before


def test_several_bad_values_are_all_named_and_nothing_changes(loads):
    db = loads
    before = _state(db)
    with pytest.raises(InputRefused) as refused:
        Desk(db).edit_load("1", {"amount": "-1", "po_number": "ok", "customer": " ",
                                 "invoice_number": "INV-2"})
    assert len(refused.value.problems) == 3
    assert _state(db) == before


def test_dates_far_away_are_kept_as_typed(loads):
    """A far date is a date: it is kept (the import keeps it too), and shown in history."""
    db = loads
    Desk(db).edit_load("1", {"pickup_date": "1999-01-01", "delivery_date": "2199-12-31"})
    with db.read() as s:
        pickup, delivery = s.execute(select(Load.pickup_date, Load.delivery_date)
                                     .where(Load.load_number == "1")).one()
    assert (pickup.year, delivery.year) == (1999, 2199)


def test_a_customer_name_two_customers_share_is_refused(loads):
    """Twin Freight (MC-111111) and TWIN FREIGHT (MC-222222): a name typed in neither
    spelling does not say which one to bill; picking one would bill the wrong debtor."""
    db = loads
    before = _state(db)
    with pytest.raises(InputRefused) as refused:
        Desk(db).edit_load("1", {"customer": "twin freight"})
    assert "Twin Freight" in str(refused.value)
    assert _state(db) == before


def test_editing_another_field_keeps_the_twin_customer_the_load_is_billed_to(loads):
    """The window's Edit dialog sends the customer's name with the other fields: load 4 is
    billed to Twin Freight MC-222222 and must stay so, not move to the older Twin Freight."""
    db = loads
    Desk(db).edit_load("4", {"customer": "TWIN FREIGHT", "amount": "2000.00"})
    with db.read() as s:
        mc, total = s.execute(select(Customer.mc_number, Load.total_cents)
                              .join(Load, Load.customer_id == Customer.id)
                              .where(Load.load_number == "4")).one()
    assert (mc, total) == ("MC-222222", 200000)


def test_the_exact_spelling_of_one_of_two_customers_bills_that_one(loads):
    db = loads
    Desk(db).edit_load("1", {"customer": "TWIN FREIGHT"})
    with db.read() as s:
        mc = s.execute(select(Customer.mc_number).join(Load, Load.customer_id == Customer.id)
                       .where(Load.load_number == "1")).scalar_one()
    assert mc == "MC-222222"

import pytest
from helpers import load_row, make_carrier, write_loads_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services import customers
from factor_desk.services.loads import eligible_loads, import_loads


def test_customers_carry_mc_address_terms_and_an_override(db):
    with db.write() as s:
        customers.add_customer(s, "Summit Brokerage", mc_number="MC-1", address="1 Main St",
                               city="Atlanta", state="GA", zip_code="30303", terms_days=45)
        customers.add_customer(s, "Direct Co", invoicing_method="direct billing")
    with db.read() as s:
        direct, summit = customers.list_customers(s)
    assert (summit.mc_number, summit.terms, summit.invoicing_method) == ("MC-1", "Net 45", None)
    assert direct.invoicing_method == "Direct"


def test_changing_the_override_changes_which_loads_can_be_factored(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    with db.write() as s:
        customers.update_customer(s, "Summit Brokerage", invoicing_method="Direct")
    with db.read() as s:
        assert eligible_loads(s, "Acme Freight") == []
    with db.write() as s:
        customers.update_customer(s, "summit brokerage", invoicing_method=None)
    with db.read() as s:
        assert [ld.load_number for ld in eligible_loads(s, "Acme Freight")] == ["1"]


def test_bad_customer_edits_are_refused(db):
    with db.write() as s:
        customers.add_customer(s, "A")
        customers.add_customer(s, "B")
    with pytest.raises(InputRefused, match="already exists"), db.write() as s:
        customers.update_customer(s, "B", name="a")
    with pytest.raises(InputRefused, match="0 to 365 days"), db.write() as s:
        customers.update_customer(s, "B", terms_days=-1)
    with pytest.raises(InputRefused, match="Factoring or Direct"), db.write() as s:
        customers.update_customer(s, "B", invoicing_method="barter")

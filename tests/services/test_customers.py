import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services import customers
from factor_desk.services.loads import eligible_loads


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


@pytest.mark.parametrize("placeholder", ["N/A", "none", "TBD", "-", "0", "00000", "pending",
                                         "MC 000", "", "  n/a  "])
def test_a_placeholder_mc_is_saved_as_no_mc(db, placeholder):
    with db.write() as s:
        customers.add_customer(s, "Summit Brokerage", mc_number="MC-612044")
        customers.add_customer(s, "Lone Star", mc_number=placeholder)
    with db.write() as s:
        info = customers.update_customer(s, "Summit Brokerage", mc_number=placeholder)
    assert info.mc_number == ""
    with db.read() as s:
        assert {c.name: c.mc_number for c in customers.list_customers(s)} == {
            "Summit Brokerage": "", "Lone Star": ""}


def test_a_real_mc_is_kept_as_typed_and_anything_else_is_refused(db):
    with db.write() as s:
        customers.add_customer(s, "Summit Brokerage")
    for mc in ("MC# 612044", "612044", "USDOT 1234567"):
        with db.write() as s:
            assert customers.update_customer(s, "Summit Brokerage", mc_number=f" {mc} "
                                             ).mc_number == mc
    garbage = "12x45\u202e" * 3
    with pytest.raises(InputRefused) as err, db.write() as s:
        customers.update_customer(s, "Summit Brokerage", mc_number=garbage)
    message = str(err.value)
    assert "MC" in message and "12x45" in message and "\u202e" not in message
    with db.read() as s:
        assert customers.list_customers(s)[0].mc_number == "USDOT 1234567"


def test_the_same_name_spelled_another_way_is_the_same_customer(db):
    with db.write() as s:
        customers.add_customer(s, "Summit Brokerage Inc.")
    for other in ("summit  brokerage inc", "SUMMIT BROKERAGE, INC."):
        with pytest.raises(InputRefused, match="already exists"), db.write() as s:
            customers.add_customer(s, other)


def test_user_text_is_quoted_short(db):
    long_name = "\u202eX" * 2500
    with pytest.raises(InputRefused) as err, db.write() as s:
        customers.update_customer(s, long_name, terms_days=5)
    assert len(str(err.value)) < 200 and "\u202e" not in str(err.value)
    with db.write() as s:
        customers.add_customer(s, "A" * 150)
    with pytest.raises(InputRefused) as err, db.write() as s:
        customers.add_customer(s, "a" * 150)
    assert len(str(err.value)) < 200

"""The factoring companies' terms (issue #13): entered and checked, new factors' defaults
that add up, and a purchase report whose figures disagree with them warned about."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import dump, make_carrier
from test_reports import PURCHASE_HEADER, apply, outcomes, preview, purchase_row, write_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services import company
from factor_desk.services.desk import Desk


def test_a_new_factor_s_advance_is_what_its_fee_and_reserve_leave(db):
    make_carrier(db)  # Capital Depot: a 2.5% fee, no advance given
    with db.write() as work:
        company.add_factoring_company(work, "RTS", fee_percent="3", reserve_percent="10")
        company.add_factoring_company(work, "OTR", fee_percent="2", advance_percent="90",
                                      reserve_percent="5")
    terms = {t.name: t for t in Desk(db).factors()}
    assert (terms["Capital Depot"].advance_percent, terms["Capital Depot"].fee) == (
        Decimal("97.5"), "2.5%")
    assert (terms["RTS"].advance_percent, terms["RTS"].reserve_percent) == (87, 10)
    assert terms["OTR"].advance_percent == 90
    assert not terms["RTS"].recourse
    with pytest.raises(InputRefused, match="add up to more than the invoice"), \
            db.write() as work:
        company.add_factoring_company(work, "Greedy", fee_percent="3", advance_percent="100")


def test_terms_are_set_one_at_a_time_and_the_others_stay(db):
    make_carrier(db)
    desk = Desk(db)
    t = desk.set_factor_terms("capital depot", advance=Decimal("87.5"), reserve=Decimal(10),
                              recourse_days=90)
    assert (t.name, t.advance_percent, t.fee_percent, t.fee_flat, t.reserve_percent,
            t.recourse, t.recourse_days) == ("Capital Depot", Decimal("87.5"),
                                             Decimal("2.5"), None, 10, True, 90)
    t = desk.set_factor_terms("Capital Depot", fee="$25", advance=Decimal(90))
    assert (t.fee_percent, t.fee_flat, t.fee, t.advance_percent, t.reserve_percent) == (
        None, Decimal("25.00"), "25.00", 90, 10)
    t = desk.set_factor_terms("Capital Depot", fee="2.5 %", advance=Decimal("87.5"),
                              non_recourse=True)
    assert (t.fee_percent, t.fee_flat, t.recourse, t.recourse_days) == (
        Decimal("2.5"), None, False, 90)
    assert desk.factors() == [t]
    assert t.to_dict() == {"name": "Capital Depot", "advance_percent": "87.50",
                           "fee": "2.5%", "fee_percent": "2.50", "fee_flat": None,
                           "reserve_percent": "10.00", "recourse": False,
                           "recourse_days": None, "remit_to": t.remit_to, "email": "",
                           "default_noa": "", "integration": "non_api"}


@pytest.mark.parametrize("change, message", [
    (dict(advance=Decimal(99)), "advance 99% + reserve 0% + fee 2.5% = 101.5%. Lower the "
                                "advance to 97.5%"),
    (dict(reserve=Decimal(101)), "Reserve is 101%; give a percent from 0 to 100"),
    (dict(advance=Decimal("-1")), "Advance is -1%; give a percent from 0 to 100"),
    (dict(advance=Decimal("97.125")), "give at most two decimals"),
    (dict(fee="3.5% off"), "Fee is '3.5% off'"),
    (dict(fee="lots"), "Fee is 'lots'"),
    (dict(fee=""), "Fee is empty; give a percent like 3% (0% for no fee)"),
    (dict(fee="  "), "Fee is empty"),
    (dict(fee="-25"), "a fee is zero or more"),
    (dict(fee="101%"), "Fee is 101%"),
    (dict(recourse_days=0), "Recourse days is 0; give 1 to 365 days"),
    (dict(recourse_days=366), "Recourse days is 366"),
    (dict(recourse_days=30, non_recourse=True), "not both"),
])
def test_terms_that_cannot_be_a_factor_s_are_refused_and_change_nothing(db, change, message):
    make_carrier(db)
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        Desk(db).set_factor_terms("Capital Depot", **change)
    assert message in str(err.value)
    assert dump(db) == before


def test_an_unknown_factor_is_named_with_the_known_ones(db):
    make_carrier(db)
    with pytest.raises(InputRefused, match="No factoring company named 'Triumph'; known: "
                                           "Capital Depot"):
        Desk(db).set_factor_terms("Triumph", advance=Decimal(90))


def test_a_flat_fee_comes_out_of_the_advance(db):
    make_carrier(db)
    t = Desk(db).set_factor_terms("Capital Depot", advance=Decimal(100), fee="25.00")
    assert t.expected(Decimal("1000.00")) == (Decimal("975.00"), Decimal("25.00"), 0)
    assert t.describe("advance") == "100% less the $25.00 fee"


# ------------------------------------------------------------------ the purchase report


def test_purchase_figures_that_disagree_with_the_terms_are_warnings_naming_both(
        db, batch, tmp_path):
    rows = [
        purchase_row("1"),  # 975.00 + 25.00: the terms (97.5%, 2.5%)
        purchase_row("2", **{"Advance Amount": "970.00", "Fee Amount": "30.00"}),
        purchase_row("3", **{"Advance Amount": "875.00", "Reserve Amount": "100.00"}),
        # only the figures the row gives are checked
        {"Invoice Number": "4", "Invoice Amount": "1000.00", "Purchase Date": "11/28/2026",
         "Advance Amount": "975.00"},
    ]
    p = preview(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows), batch)
    found = outcomes(p)
    assert found[2] == ("applies", "")
    assert found[3] == ("warning", "advance 970.00, Capital Depot's terms (97.5%) expect "
                                   "975.00; fee 30.00, Capital Depot's terms (2.5%) expect "
                                   "25.00")
    assert found[4] == ("warning", "advance 875.00, Capital Depot's terms (97.5%) expect "
                                   "975.00; reserve 100.00, Capital Depot's terms (0%) "
                                   "expect 0.00")
    assert found[5] == ("applies", "")
    result = apply(db, "purchase", tmp_path / "p.csv", batch)  # warnings do not stop it
    assert result.rows_applied == 4


def test_terms_round_half_up_and_a_factor_paying_out_the_rest_agrees(db, batch, tmp_path):
    # 2.5% of 100.20 is 2.505: half up, 2.51; 97.5% is 97.695: 97.70; the rest 97.69
    rows = [purchase_row("1", "100.20", **{"Advance Amount": "97.69", "Fee Amount": "2.51"}),
            purchase_row("2", "100.20", **{"Advance Amount": "97.70", "Fee Amount": "2.50"})]
    p = preview(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows), batch)
    found = outcomes(p)
    reasons = {row: why.split("; ") for row, (_, why) in found.items()}
    assert not [r for r in reasons[2] if "terms" in r]
    assert [r for r in reasons[3] if "terms" in r] == [
        "fee 2.50, Capital Depot's terms (2.5%) expect 2.51"]


def test_a_flat_fee_factor_s_purchase(db, batch, tmp_path):
    Desk(db).set_factor_terms("Capital Depot", advance=Decimal(100), fee="25")
    rows = [purchase_row("1", **{"Advance Amount": "975.00", "Fee Amount": "25.00"}),
            purchase_row("2", **{"Advance Amount": "980.00", "Fee Amount": "20.00"})]
    p = preview(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows), batch)
    found = outcomes(p)
    assert found[2] == ("applies", "")
    assert found[3] == ("warning", "advance 980.00, Capital Depot's terms (100% less the "
                                   "$25.00 fee) expect 975.00; fee 20.00, Capital Depot's "
                                   "terms ($25.00 per invoice) expect 25.00")

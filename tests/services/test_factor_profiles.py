"""Factoring companies as first-class records (issue #14): a factor's profile (remit-to,
email, default NOA, integration) beside its terms; a subsidiary's factor changed with a
warning when its Notice of Assignment names another; batches keep their factor."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from helpers import NOA, dump, make_carrier

from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.trade import Integration
from factor_desk.services.desk import Desk

RTS_REMIT = "RTS Financial Service, Inc.\nP.O. Box 840267\nDallas, TX 75284-0267"
RTS_NOA = ("NOTICE OF ASSIGNMENT: This account has been assigned to RTS FINANCIAL "
           "SERVICE, INC. Remit payment to P.O. Box 840267, Dallas, TX 75284-0267.")


def test_a_factor_is_added_with_its_profile_and_terms_and_read_back(db):
    make_carrier(db)
    desk = Desk(db)
    rts = desk.add_factor("RTS Financial", RTS_REMIT + "\n\n", "  schedules@rtsfinancial.com ",
                          fee="3%", reserve=Decimal(10))
    assert (rts.name, rts.remit_to, rts.email, rts.integration, rts.default_noa) == (
        "RTS Financial", RTS_REMIT, "schedules@rtsfinancial.com", Integration.NON_API, "")
    assert (rts.terms.advance_percent, rts.terms.fee, rts.terms.reserve_percent) == (
        87, "3%", 10)  # the advance is what the fee and the reserve leave
    assert rts.subsidiaries == ()
    assert desk.factor_profile("rts financial") == rts
    listed = {t.name: t for t in desk.factors()}
    assert (listed["RTS Financial"].email, listed["RTS Financial"].remit_to) == (
        "schedules@rtsfinancial.com", RTS_REMIT)
    assert listed["Capital Depot"].integration == "non_api"  # as the DB had it
    flat = desk.add_factor("OTR", "OTR Capital\nRoswell, GA", fee="25.00", advance=Decimal(95))
    assert (flat.terms.fee_flat, flat.terms.advance_percent) == (Decimal(25), 95)
    body = rts.to_dict()
    assert body["email"] == "schedules@rtsfinancial.com" and body["subsidiaries"] == []
    assert body["integration"] == "non_api" and body["fee"] == "3%"


@pytest.mark.parametrize("name, remit, email, terms, message", [
    ("capital DEPOT", "x", "", {}, "A factoring company named 'Capital Depot' already exists"),
    ("  ", "x", "", {}, "needs a name"),
    ("RTS", "  \n ", "", {}, "Give the remit-to of RTS"),
    ("RTS", "x", "rts at rts.com", {}, "Email is 'rts at rts.com'; give an address like"),
    ("RTS", "x", "a@b@rts.com", {}, "one @"),
    ("RTS", "x", "ops@localhost", {}, "a dot in the part after it"),
    ("RTS", "x", "ops @rts.com", {}, "no spaces"),
    # what a mail server would refuse as one address: refused when the factor is saved
    ("RTS", "x", "<ops@rts.com>", {}, "Email is '<ops@rts.com>'"),
    ("RTS", "x", "ops,billing@rts.com", {}, "Email is 'ops,billing@rts.com'"),
    ("RTS", "x", "ops@rts.com; b@rts.com", {}, "give an address like"),
    ("RTS", "x", "", dict(fee="3%", advance=Decimal(99)), "add up to more than the invoice"),
    ("RTS", "x", "", dict(fee="three"), "Fee is 'three'"),
])
def test_a_bad_new_factor_is_refused_and_changes_nothing(db, name, remit, email, terms,
                                                         message):
    make_carrier(db)
    before = dump(db)
    with pytest.raises(InputRefused) as refused:
        Desk(db).add_factor(name, remit, email, **terms)
    assert message in str(refused.value)
    assert dump(db) == before


def test_the_window_s_new_factor_refuses_a_name_taken_in_another_case(db):
    make_carrier(db)
    with pytest.raises(InputRefused, match="already exists"):
        Desk(db).add_factoring_company("CAPITAL depot", "x")


def test_a_factor_s_profile_is_changed_piece_by_piece_all_or_nothing(db):
    make_carrier(db)
    desk = Desk(db)
    p = desk.set_factor("capital depot", email="ops@capitaldepot.com",
                        default_noa="  PAY CAPITAL DEPOT ONLY  ")
    assert (p.email, p.default_noa, p.integration) == (
        "ops@capitaldepot.com", "PAY CAPITAL DEPOT ONLY", Integration.NON_API)
    assert p.subsidiaries == ("Acme Freight",)
    p = desk.set_factor("Capital Depot", integration="email", remit_to="Capital Depot\nBox 1",
                        fee="3%", advance=Decimal(97))
    assert (p.integration, p.remit_to, p.terms.fee, p.email) == (
        Integration.EMAIL, "Capital Depot\nBox 1", "3%", "ops@capitaldepot.com")
    before = dump(db)
    for change, message in [
        (dict(email=""), "has no email address"),  # its batches are emailed
        (dict(email="nobody"), "Email is 'nobody'"),
        (dict(remit_to=" "), "remit-to of Capital Depot cannot be empty"),
        (dict(integration="fax"), "expected non_api (files sent by hand) or email"),
        (dict(default_noa="X" * 2001), "at most 2000 fit on an invoice"),
        (dict(email="a@b.com", advance=Decimal(99)), "add up to more than the invoice"),
    ]:
        with pytest.raises(InputRefused, match=re.escape(message)):
            desk.set_factor("Capital Depot", **change)
        assert dump(db) == before, change
    with pytest.raises(NotFound, match="known: Capital Depot"):
        desk.set_factor("Nobody", email="a@b.com")
    p = desk.set_factor("Capital Depot", integration="non_api", email="", default_noa="")
    assert (p.email, p.default_noa, p.integration) == ("", "", Integration.NON_API)


def test_changing_a_subsidiary_s_factor_warns_when_its_noa_names_another(db):
    make_carrier(db)  # Acme Freight: Capital Depot, with Capital Depot's NOA
    desk = Desk(db)
    desk.add_factor("RTS Financial", RTS_REMIT)
    change = desk.set_subsidiary_factor("ACME", "rts financial")
    assert change.profile.factoring_company == "RTS Financial"
    (warning,) = change.warnings
    assert warning.startswith("The Notice of Assignment of Acme Freight does not name RTS "
                              "Financial nor 'RTS Financial Service, Inc.' (its remit-to)")
    assert desk.subsidiary_noa_warning("Acme Freight") == warning
    # The remit-to's first line, whatever its case and line breaks, is a name too.
    desk.save_important_info("Acme Freight", "noa", RTS_NOA.replace(" SERVICE, ", "\n"
                                                                      "SERVICE,\n  "))
    assert desk.subsidiary_noa_warning("Acme Freight") is None
    assert desk.set_subsidiary_factor("Acme Freight", "Capital Depot").warnings == [
        desk.subsidiary_noa_warning("Acme Freight")]
    assert desk.set_subsidiary_factor("Acme Freight", None).warnings == []
    (none,) = desk.set_subsidiary_factor("Beta Haulers", "RTS Financial").warnings
    assert none.startswith("Beta Haulers has no Notice of Assignment yet: save the one RTS "
                           "Financial gave you")
    with pytest.raises(NotFound, match="No factoring company named 'Triumph'"):
        desk.set_subsidiary_factor("Beta Haulers", "Triumph")


def test_the_noa_warning_is_one_function_for_the_editor(db):
    make_carrier(db)
    desk = Desk(db)
    assert desk.noa_warning("Acme Freight", NOA, "Capital Depot", "anything") is None
    assert desk.noa_warning("Acme Freight", "pay   capital\n depot", "Capital Depot",
                            "") is None
    assert desk.noa_warning("Acme Freight", "PAY RTS", "Capital Depot",
                            "Capital Depot, Inc.\nDallas") is not None
    # the text not saved yet, against the subsidiary's factor or another one
    assert desk.subsidiary_noa_warning("Acme Freight", text="PAY RTS") is not None
    assert desk.subsidiary_noa_warning("Acme Freight", text="PAY RTS FINANCIAL",
                                       factor="Capital Depot") is not None
    assert desk.subsidiary_noa_warning("Beta Haulers", text="PAY RTS") is None  # no factor


def test_a_new_subsidiary_starts_with_its_factor_s_default_noa(db):
    make_carrier(db)
    desk = Desk(db)
    desk.add_factor("RTS Financial", RTS_REMIT, default_noa=RTS_NOA)
    sub = desk.add_subsidiary("Gamma Lines", code="gam", factor="RTS Financial",
                              mc_number="MC-9", default_invoicing_method="direct")
    assert (sub.code, sub.factoring_company, sub.notice_of_assignment, sub.mc_number,
            sub.default_invoicing_method) == ("GAM", "RTS Financial", RTS_NOA, "MC-9",
                                              "Direct")
    plain = desk.add_subsidiary("Delta Lines", factor="Capital Depot")  # no default NOA
    assert (plain.factoring_company, plain.notice_of_assignment) == ("Capital Depot", None)
    before = dump(db)
    for fields, message in [
        (dict(code="ACME"), "The code 'ACME' is taken"),
        (dict(default_invoicing_method="fax"), "expected Factoring or Direct"),
        (dict(factor="Nobody"), "No factoring company named 'Nobody'"),
        (dict(state="X" * 21), "State is longer than 20 characters"),
    ]:
        with pytest.raises(InputRefused, match=message):
            desk.add_subsidiary("Epsilon Lines", **fields)
        assert dump(db) == before, fields


def test_a_subsidiary_is_edited_and_its_noa_removed(db):
    make_carrier(db)
    desk = Desk(db)
    sub = desk.edit_subsidiary("ACME", mc_number=" MC-777 ", city="Tulsa", method="Direct")
    assert (sub.mc_number, sub.city, sub.dot_number, sub.default_invoicing_method) == (
        "MC-777", "Tulsa", "222", "Direct")
    before = dump(db)
    with pytest.raises(InputRefused, match="expected Factoring or Direct"):
        desk.edit_subsidiary("ACME", city="Reno", method="barter")
    assert dump(db) == before  # the city was not kept either
    assert desk.remove_noa("Acme Freight").notice_of_assignment is None
    with pytest.raises(NotFound, match="Acme Freight has no Notice of Assignment"):
        desk.remove_noa("Acme Freight")


def test_batches_keep_the_factor_they_were_submitted_to(batch, db, tmp_path):
    desk = Desk(db)
    desk.add_factor("RTS Financial", RTS_REMIT)
    assert desk.show_batch(batch).factoring_company == "Capital Depot"
    change = desk.set_subsidiary_factor("Acme Freight", "RTS Financial")
    assert change.warnings  # Capital Depot's NOA
    desk.save_important_info("Acme Freight", "noa", RTS_NOA)
    new = desk.submit_batch("Acme Freight", ["9"]).batch
    assert desk.show_batch(batch).factoring_company == "Capital Depot"
    assert desk.show_batch(new).factoring_company == "RTS Financial"
    listed = {b.batch: b.factoring_company for b in desk.list_batches()}
    assert listed == {batch: "Capital Depot", new: "RTS Financial"}
    assert desk.factor_profile("Capital Depot").subsidiaries == ()

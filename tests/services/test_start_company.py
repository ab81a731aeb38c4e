"""The first run's wizard, saved by one Desk call: all of it or none of it."""

import pytest
from helpers import dump

from factor_desk.domain.errors import InputRefused
from factor_desk.services.desk import Desk

SUBSIDIARY = {"name": "Red Oak Freight LLC", "code": "ROF", "mc_number": "MC-778899",
              "dot_number": "4455667", "address": "12 Depot St", "city": "Tulsa",
              "state": "OK", "zip_code": "74103", "phone": "(918) 555-0100",
              "email": "billing@redoak.example", "legal_name": "Red Oak Freight LLC"}
FACTOR = {"name": "Triumph Pay", "remit_to": "Triumph Pay\nP.O. Box 610028\nDallas, TX 75261",
          "fee_percent": "3", "advance_percent": "97", "reserve_percent": "0"}


def start(desk: Desk, **changes):
    args = dict(company_name="Red Oak Transport", subsidiary=dict(SUBSIDIARY),
                factor=dict(FACTOR),
                notice_of_assignment=Desk.notice_template(FACTOR["name"], FACTOR["remit_to"]),
                required_documents=["rate_confirmation", "pod"])
    args.update(changes)
    name = args.pop("company_name")
    return desk.start_company(name, **args)


def test_the_wizard_saves_company_subsidiary_factor_and_notice_in_one_go(db):
    desk = Desk(db)
    assert not desk.has_company()
    sub = start(desk)
    profile = desk.profile()
    assert profile.name == "Red Oak Transport" and desk.has_company()
    assert [s.name for s in profile.subsidiaries] == ["Red Oak Freight LLC"]
    assert (sub.code, sub.mc_number, sub.city, sub.factoring_company) == (
        "ROF", "MC-778899", "Tulsa", "Triumph Pay")
    assert sub.notice_of_assignment.startswith("NOTICE OF ASSIGNMENT")
    assert "TO TRIUMPH PAY, P.O. BOX 610028, DALLAS, TX 75261." in sub.notice_of_assignment
    assert sub.required_documents == ["rate_confirmation", "pod"]
    factor = profile.factoring_companies[0]
    assert (factor.name, factor.fee_percent, factor.advance_percent) == ("Triumph Pay", "3",
                                                                        "97")
    assert factor.remit_to == FACTOR["remit_to"]


@pytest.mark.parametrize("changes, message", [
    (dict(notice_of_assignment="  "), "Notice of Assignment text is empty"),
    (dict(factor=dict(FACTOR, fee_percent="lots")), "Fee is"),
    (dict(subsidiary=dict(SUBSIDIARY, name="")), "subsidiary needs a name"),
    (dict(company_name=" "), "company needs a name"),
    (dict(required_documents=["photo of the truck"]), "photo of the truck"),
])
def test_a_refused_step_writes_nothing(db, changes, message):
    desk = Desk(db)
    before = dump(db)
    with pytest.raises((InputRefused, ValueError), match=message):
        start(desk, **changes)
    assert dump(db) == before
    assert not desk.has_company()


def test_data_that_holds_a_company_is_refused(db):
    desk = Desk(db)
    start(desk)
    before = dump(db)
    with pytest.raises(InputRefused, match="already holds a company"):
        start(desk, subsidiary=dict(SUBSIDIARY, name="Other", code="OTH"))
    assert dump(db) == before

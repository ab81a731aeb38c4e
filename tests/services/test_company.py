import pytest
from helpers import NOA, make_carrier

from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.trade import InfoKind
from factor_desk.services import company


def test_profile_lists_subsidiaries_with_their_document_configuration(db):
    make_carrier(db)
    with db.read() as s:
        profile = company.get_profile(s)
    assert profile.name == "Acme Group"
    acme, beta = profile.subsidiaries
    assert (acme.name, acme.code, acme.factoring_company) == ("Acme Freight", "ACME",
                                                              "Capital Depot")
    assert acme.notice_of_assignment == NOA
    assert acme.important_info[0].label == "Notice of Assignment"
    assert acme.important_info[0].updated_by == "test-clerk"
    assert acme.required_documents == ["rate_confirmation", "pod"]
    assert beta.notice_of_assignment is None
    assert profile.factoring_companies[0].fee_percent == "2.5"


def test_important_info_is_one_entry_per_kind_edited_in_place_and_removable(db):
    make_carrier(db, noa=None)
    with db.write() as s:
        company.set_important_info(s, "acme freight", "Notice of Assignment", "  first text \n")
        company.set_important_info(s, "ACME", InfoKind.PAYMENT_INSTRUCTIONS, "Pay by ACH")
        profile = company.set_important_info(s, "Acme Freight", "noa", "second text")
    assert [(e.kind, e.text) for e in profile.important_info] == [
        ("notice_of_assignment", "second text"),
        ("payment_instructions", "Pay by ACH"),
    ]
    with db.write() as s:
        profile = company.remove_important_info(s, "Acme Freight", "notice_of_assignment")
    assert profile.notice_of_assignment is None
    with pytest.raises(NotFound), db.write() as s:
        company.remove_important_info(s, "Acme Freight", "notice_of_assignment")


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_notice_is_refused(db, text):
    make_carrier(db)
    with pytest.raises(InputRefused, match="Notice of Assignment text is empty"), \
            db.write() as s:
        company.set_important_info(s, "Acme Freight", "noa", text)
    with db.read() as s:
        assert company.get_subsidiary(s, "Acme Freight").notice_of_assignment == NOA


def test_unknown_subsidiary_names_the_known_ones(db):
    make_carrier(db)
    with pytest.raises(NotFound, match="Subsidiaries: Acme Freight, Beta Haulers"), \
            db.read() as s:
        company.get_subsidiary(s, "Gamma")


def test_required_documents_can_be_changed_or_emptied(db):
    make_carrier(db)
    with db.write() as s:
        assert company.set_required_documents(s, "Acme Freight", ["bol", "Rate Confirmation",
                                                                  "bol"]).required_documents \
            == ["bol", "rate_confirmation"]
        assert company.set_required_documents(s, "Acme Freight", []).required_documents == []
    with pytest.raises(InputRefused, match="expected one of"), db.write() as s:
        company.set_required_documents(s, "Acme Freight", ["invoice"])


def test_general_info_factor_and_invoicing_method_are_editable(db):
    make_carrier(db)
    with db.write() as s:
        company.update_subsidiary(s, "Beta Haulers", mc_number="MC-999", city="Reno")
        company.set_factoring_company(s, "Beta Haulers", "capital depot")
        profile = company.set_default_invoicing_method(s, "Beta Haulers", "direct")
    assert (profile.mc_number, profile.city, profile.factoring_company,
            profile.default_invoicing_method) == ("MC-999", "Reno", "Capital Depot", "Direct")
    with pytest.raises(InputRefused, match="already exists"), db.write() as s:
        company.update_subsidiary(s, "Beta Haulers", name="acme freight")
    with pytest.raises(InputRefused, match="Factoring or Direct"), db.write() as s:
        company.set_default_invoicing_method(s, "Beta Haulers", "cash")


def test_subsidiary_codes_are_made_unique(db):
    with db.write() as s:
        a = company.add_subsidiary(s, "Summit Transport LLC")
        b = company.add_subsidiary(s, "Summit Trucking")
    assert a.code == "ST" and b.code == "ST2"

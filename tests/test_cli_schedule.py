"""``factors schedule``: show a factor's schedule of accounts, set its columns, titles, MCs
and signature, reset it; a refusal exits 3 and changes nothing."""

from __future__ import annotations

import json

import pytest
from helpers import dump, make_carrier

from factor_desk.domain.schedule_layout import ScheduleLayout
from factor_desk.services.desk import Desk


@pytest.fixture
def factor(db, cli):
    make_carrier(db, required=())
    return cli


def test_a_factor_without_a_layout_shows_capital_depots(factor):
    code, out, _ = factor("factors", "schedule", "Capital Depot")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Capital Depot: Capital Depot's schedule of accounts (the default)."
    assert lines[1].split() == ["#", "Field", "Title"]
    assert lines[3].split() == ["1", "invoice_date", "Invoice", "Date"]
    assert "Carrier's MC in the header: yes. Debtor's MC column: yes. Signature block: " \
           "yes." in out
    code, out, _ = factor("factors", "schedule", "Capital Depot", "--json")
    shown = json.loads(out)
    assert shown["default"] is True and shown["signature"] is True
    assert [c["title"] for c in shown["columns"]] == ScheduleLayout.default().titles


def test_columns_titles_and_toggles_are_set_and_kept(db, factor):
    code, out, err = factor(
        "factors", "schedule", "capital depot", "--columns",
        "invoice_number=Invoice #,debtor=Account Debtor,amount=Face Amount,due_date",
        "--debtor-mc", "--no-carrier-mc", "--no-signature", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert [(c["field"], c["title"]) for c in shown["columns"]] == [
        ("invoice_number", "Invoice #"), ("debtor", "Account Debtor"),
        ("debtor_mc", "Debtor MC"), ("amount", "Face Amount"), ("due_date", "Due Date")]
    assert (shown["default"], shown["carrier_mc"], shown["signature"]) == (False, False, False)
    kept = Desk(db).schedule_layout("Capital Depot")
    assert kept.titles == ["Invoice #", "Account Debtor", "Debtor MC", "Face Amount",
                           "Due Date"]
    # A toggle alone changes only itself.
    code, out, _ = factor("factors", "schedule", "Capital Depot", "--signature",
                          "--no-debtor-mc")
    assert code == 0
    assert "Signature block: yes" in out and "Debtor's MC column: no" in out
    assert Desk(db).schedule_layout("Capital Depot").titles == [
        "Invoice #", "Account Debtor", "Face Amount", "Due Date"]
    code, out, _ = factor("factors", "schedule", "Capital Depot", "--reset")
    assert code == 0 and "(the default)" in out
    assert Desk(db).schedule_layout("Capital Depot").is_default


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--columns", "invoice_number,debtor"], 3, "needs the amount column"),
    (["--columns", "invoice_number,amount,shipper"], 3,
     "'shipper' is not a field of the schedule"),
    (["--columns", "invoice_number,amount,amount=Again"], 3, "amount is already a column"),
    (["--columns", "invoice_number,amount,debtor_mc", "--no-debtor-mc"], 2,
     "give one of them"),
    (["--reset", "--no-signature"], 2, "--reset goes back to the default"),
])
def test_a_bad_layout_is_refused_and_changes_nothing(db, factor, args, code, words):
    before = dump(db)
    got, out, err = factor("factors", "schedule", "Capital Depot", *args)
    assert (got, out) == (code, "")
    assert words in err
    assert dump(db) == before


def test_an_unknown_factor_is_refused(factor):
    code, _, err = factor("factors", "schedule", "Triumph", "--no-signature")
    assert code == 3 and "No factoring company named 'Triumph'" in err


def test_help_lists_the_fields(factor, capsys):
    code, out, _ = factor("factors", "schedule", "--help")
    assert code == 0
    for field in ("invoice_date", "debtor_mc", "terms_days", "carrier_mc", "batch"):
        assert f"\n  {field} " in out

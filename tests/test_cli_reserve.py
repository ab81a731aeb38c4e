"""The command line of issue #13's factor terms and reserve report: factors list/set,
reports template reserve, reports reserve (dry run, apply, refusals), undo."""

from __future__ import annotations

import csv
import json

import pytest


def _json(out):
    return json.loads(out)


def test_factors_list_and_set(cli):
    cli("demo", "--loads", "1")
    code, out, _ = cli("factors", "list", "--json")
    assert code == 0
    assert _json(out) == [{"name": "Capital Depot", "advance_percent": "97.50", "fee": "2.5%",
                           "fee_percent": "2.50", "fee_flat": None, "reserve_percent": "0.00",
                           "recourse": False, "recourse_days": None,
                           "remit_to": "Capital Depot, Inc.\nP.O. Box 207431\n"
                                       "Dallas, TX 75320-7431",
                           "email": "", "default_noa": "", "integration": "non_api"}]
    code, out, _ = cli("factors", "set", "capital depot", "--advance", "87.5%", "--reserve",
                       "10", "--recourse-days", "60", "--json")
    assert code == 0
    assert {k: _json(out)[k] for k in ("advance_percent", "reserve_percent", "recourse",
                                       "recourse_days")} == {
        "advance_percent": "87.50", "reserve_percent": "10.00", "recourse": True,
        "recourse_days": 60}
    code, out, _ = cli("factors", "set", "Capital Depot", "--fee", "$25", "--advance", "90",
                       "--non-recourse")
    assert code == 0
    assert out.strip() == ("Capital Depot: advance 90.00%, fee 25.00 per invoice, reserve "
                           "10.00%, non-recourse.")
    code, out, _ = cli("factors", "list")
    assert code == 0 and "25.00 per invoice" in out and "non-recourse" in out


def test_terms_that_do_not_add_up_are_refused_with_exit_3(cli):
    cli("demo", "--loads", "1")
    code, out, err = cli("factors", "set", "Capital Depot", "--advance", "99", "--json")
    assert code == 3
    assert _json(out)["ok"] is False
    assert "advance 99% + reserve 0% + fee 2.5% = 101.5%" in err
    assert cli("factors", "set", "Nobody", "--advance", "90")[0] == 3
    assert cli("factors", "set", "Capital Depot", "--recourse-days", "400")[0] == 3
    assert _json(cli("factors", "list", "--json")[1])[0]["advance_percent"] == "97.50"


@pytest.mark.parametrize("args", [
    ("factors", "set", "Capital Depot"),  # nothing to change
    ("factors", "set", "Capital Depot", "--advance", "ninety"),
    ("factors", "set", "Capital Depot", "--recourse-days", "30", "--non-recourse"),
    ("reports", "reserve"),
])
def test_usage_errors_exit_2(cli, args):
    cli("demo", "--loads", "1")
    assert cli(*args)[0] == 2


def test_a_reserve_report_on_the_command_line(cli, tmp_path):
    cli("demo", "--loads", "2")
    batch = _json(cli("batch", "submit", "--subsidiary", "BRF", "--all-eligible",
                      "--json")[1])["batch"]
    lines = _json(cli("batch", "show", batch, "--json")[1])["invoice_lines"]
    purchase = tmp_path / "purchase.csv"
    with purchase.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Invoice Number", "Invoice Amount", "Purchase Date"])
        for line in lines:
            w.writerow([line["invoice_number"], line["amount"], "11/28/2026"])
    assert cli("reports", "purchase", batch, purchase)[0] == 0
    template = tmp_path / "Reserve_Report.csv"
    assert cli("reports", "template", "reserve", "--to", template)[0] == 0
    assert template.read_text(encoding="utf-8").splitlines()[0] == \
        "Date,Type,Invoice Number,Amount,Reference"
    first = lines[0]
    reserve = tmp_path / "reserve.csv"
    with reserve.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Date", "Type", "Invoice Number", "Amount", "Reference"])
        w.writerow(["2027-01-15", "chargeback", first["invoice_number"], first["amount"],
                    "CB-1"])
        w.writerow(["2027-01-31", "release", "", "12.50", "REL-1"])
    code, out, _ = cli("reports", "reserve", reserve, "--dry-run", "--json")
    preview = _json(out)
    assert code == 0 and preview["ok"] is True and preview["kind"] == "reserve"
    assert preview["counts"]["applies"] == 2
    assert preview["totals"]["released"] == "12.50"
    assert preview["totals"]["charged_back"] == first["amount"]
    code, out, _ = cli("reports", "reserve", reserve)
    assert code == 0 and "Applied as import #" in out
    code, out, _ = cli("loads", "list", "--status", "Charged back", "--json")
    assert [ld["load_number"] for ld in _json(out)] == [first["load_number"]]
    code, _, err = cli("reports", "reserve", reserve)
    assert code == 3 and "already imported as import #" in err
    history = _json(cli("reports", "history", "--json")[1])
    assert history[0]["kind"] == "reserve"
    code, out, _ = cli("reports", "undo", str(history[0]["id"]), "--json")
    assert code == 0
    assert (_json(out)["loads_moved_back"], _json(out)["records_removed"]) == (1, 2)
    code, out, _ = cli("loads", "list", "--status", "Financed", "--json")
    assert first["load_number"] in [ld["load_number"] for ld in _json(out)]

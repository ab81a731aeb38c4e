"""``reports journal`` and ``reports journal-accounts`` as a bookkeeper's clerk runs them."""

from __future__ import annotations

import json

from helpers_journal import factoring_story


def test_journal_to_csv_and_iif_with_totals(cli, db, tmp_path):
    factoring_story(db, tmp_path)
    target = tmp_path / "November.csv"
    code, out, err = cli("reports", "journal", "--since", "2026-11-01", "--until",
                         "11/30/2026", "--to", target)
    assert code == 0, err
    assert f"Journal 2026-11-01 to 2026-11-30 written to {target} (CSV): 4 entries, " \
           "16 lines." in out
    assert "Checking" in out and "$3,505.00" in out  # the advances of November
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")

    code, out, err = cli("reports", "journal", "--since", "2026-11-01", "--until",
                         "2027-01-31", "--to", tmp_path / "all.iif", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["format"] == "iif" and result["entries"] == 14
    assert result["debit"] == result["credit"] == "8313.00"
    cash = next(a for a in result["accounts"] if a["account"] == "Checking")
    assert cash == {"account": "Checking", "debit": "4555.00", "credit": "0.00"}
    assert (tmp_path / "all.iif").read_bytes().startswith(b"!TRNS\t")


def test_journal_refusals_exit_3_and_usage_2(cli, db, tmp_path):
    factoring_story(db, tmp_path)
    target = tmp_path / "j.csv"
    target.write_text("mine", encoding="utf-8")
    code, _out, err = cli("reports", "journal", "--since", "2026-11-01", "--until",
                          "2026-11-30", "--to", target)
    assert code == 3 and "already exists" in err
    assert target.read_text(encoding="utf-8") == "mine"
    code, _out, err = cli("reports", "journal", "--since", "2026-11-01", "--until",
                          "2026-11-30", "--to", target, "--replace", "--format", "iif")
    assert code == 0 and target.read_bytes().startswith(b"!TRNS")
    code, out, err = cli("reports", "journal", "--since", "2026-12-01", "--until",
                         "2026-11-01", "--to", tmp_path / "x.csv", "--json")
    assert code == 3 and "after it ends" in err and json.loads(out)["ok"] is False
    code, _out, err = cli("reports", "journal", "--since", "someday", "--until",
                          "2026-11-01", "--to", tmp_path / "x.csv")
    assert code == 2 and "--since: expected a date" in err


def test_journal_accounts_list_and_set(cli, db, tmp_path):
    factoring_story(db, tmp_path)
    code, out, _ = cli("reports", "journal-accounts", "--json")
    assert code == 0
    accounts = {a["key"]: a for a in json.loads(out)}
    assert accounts["cash"]["name"] == "Checking" and accounts["cash"]["is_default"]
    assert len(accounts) == 7
    code, out, err = cli("reports", "journal-accounts", "--set", "cash=Operating Checking",
                         "--set", "reserve-receivable=Reserve w/ Capital Depot")
    assert code == 0, err
    assert "Operating Checking  (default: Checking)" in out
    code, out, _ = cli("reports", "journal", "--since", "2026-11-28", "--until",
                       "2026-11-28", "--to", tmp_path / "day.csv")
    assert "Operating Checking" in out and "Reserve w/ Capital Depot" in out
    code, _out, err = cli("reports", "journal-accounts", "--set", "cash=Petty",
                          "--set", "bank=Other")
    assert code == 3 and "there is no journal account 'bank'" in err
    code, out, _ = cli("reports", "journal-accounts", "--json")
    assert {a["key"]: a["name"] for a in json.loads(out)}["cash"] == "Operating Checking"
    code, _out, err = cli("reports", "journal-accounts", "--set", "cash")
    assert code == 2 and "expected KEY=NAME" in err
    code, out, _ = cli("reports", "journal-accounts", "--set", "cash=", "--json")
    assert {a["key"]: a["name"] for a in json.loads(out)}["cash"] == "Checking"

"""The command line of column mappings (issue #14): --map on the uploads and loads import,
--help listing each kind's fields, factors mapping FACTOR KIND (show, set, forget), and
a file that cannot be placed refused with exit 3 naming its headers and what is missing."""

from __future__ import annotations

import json

import pytest
from helpers import write_csv_file

from factor_desk.cli.mapping import FIELDS
from factor_desk.cli.parser import build_parser
from factor_desk.services.desk import Desk


def _json(out):
    return json.loads(out)


@pytest.mark.parametrize("kind", ["purchase", "payments", "reserve", "loads"])
def test_help_lists_the_fields_of_each_kind(kind, capsys):
    assert list(FIELDS[kind]) == [f.name for f in Desk.report_fields(kind)]
    command = ["loads", "import"] if kind == "loads" else ["reports", kind]
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # as wrapped, joined again
    assert "--map SPEC" in shown
    assert "Fields: " + ", ".join(FIELDS[kind]) in shown


def test_factors_mapping_set_show_forget(cli):
    cli("demo", "--loads", "0")
    code, out, _ = cli("factors", "mapping", "Capital Depot", "payments")
    assert code == 0 and "Capital Depot has no saved payments mapping" in out
    code, out, err = cli("factors", "mapping", "Capital Depot", "payments", "--set",
                         'invoice_number=Inv,payment_date=Paid On,amount_paid=Amt,'
                         'reference_number="Ref, ACH"')
    assert code == 0, err
    assert "the payments mapping of Capital Depot" in out and "Ref, ACH" in out
    shown = _json(cli("factors", "mapping", "capital depot", "payments", "--json")[1])
    assert shown["factor"] == "Capital Depot" and shown["kind"] == "payments"
    assert shown["columns"] == {"invoice_number": "Inv", "payment_date": "Paid On",
                                "amount_paid": "Amt", "reference_number": "Ref, ACH"}
    code, out, _ = cli("factors", "mapping", "Capital Depot", "payments", "--show")
    assert code == 0 and "reference_number" in out and "Paid On" in out
    assert cli("factors", "mapping", "Capital Depot", "purchase", "--json")[1].strip() == "null"
    code, out, _ = cli("factors", "mapping", "Capital Depot", "payments", "--forget")
    assert code == 0 and "Forgot the payments mapping saved for Capital Depot" in out
    code, out, _ = cli("factors", "mapping", "Capital Depot", "payments", "--forget", "--json")
    assert code == 0 and _json(out) == {"ok": True, "forgotten": False}


@pytest.mark.parametrize(("args", "why"), [
    (("Capital Depot", "payments", "--set", "invoice_number=Inv"),
     "a mapping needs a column for payment_date, amount_paid"),
    (("Capital Depot", "payments", "--set", "amount=Amt"),
     "'amount' is not a field of a payments file; its fields are invoice_number"),
    (("Capital Depot", "payments", "--set", "note=a,note=b"), "gives the field note twice"),
    (("Nobody", "payments"), "No factoring company named 'Nobody'"),
])
def test_factors_mapping_refusals_exit_3(cli, args, why):
    cli("demo", "--loads", "0")
    code, _, err = cli("factors", "mapping", *args)
    assert code == 3 and why in err


def test_factors_mapping_usage(cli):
    code, _, err = cli("factors", "mapping", "Capital Depot", "loads")
    assert code == 2 and "invalid choice" in err
    code, _, err = cli("factors", "mapping", "Capital Depot", "payments", "--set", "x=y",
                       "--forget")
    assert code == 2 and "not allowed with" in err


def test_an_unplaceable_upload_exits_3_naming_headers_and_fields_missing(cli, tmp_path):
    cli("demo", "--loads", "0")
    path = write_csv_file(tmp_path / "odd.csv", [["Client Inv", "Rcvd", "Pd Amt"],
                                                 ["10001", "12/28/2026", "100.00"]])
    code, out, err = cli("reports", "payments", path, "--json")
    assert code == 3
    assert "no column for 'Payment Date', 'Amount Paid', 'Invoice Number' or 'Load " \
           "Number'" in err
    assert "Columns found: 'Client Inv', 'Rcvd', 'Pd Amt'" in err
    assert _json(out)["missing"] == ["payment_date", "amount_paid", "invoice_number",
                                     "load_number"]
    code, _, err = cli("reports", "payments", path, "--dry-run", "--map",
                       "invoice_number=Client Inv,payment_date=Rcvd,amount_paid=Paid")
    assert code == 3 and "the file has no column 'Paid'; its columns are 'Client Inv'" in err
    code, out, err = cli("reports", "payments", path, "--dry-run", "--map",
                         "invoice_number=Client Inv,payment_date=Rcvd,amount_paid=Pd Amt")
    # placed: now the row itself is checked (no such invoice in the demo's data)
    assert "odd.csv (payments): 1 rows" in out and "Columns found" not in err
    code, _, err = cli("reports", "reserve", path, "--dry-run")
    assert code == 3 and "no column for 'Date', 'Type', 'Amount'" in err


PORTAL_MAP = "invoice_number=Client Inv,invoice_amount=Face,purchase_date=Bought,batch_number=Lot"


def _portal_purchase(cli, tmp_path):
    """The demo's first batch and a purchase report of it in a portal's own columns."""
    cli("demo", "--loads", "2")
    batch = _json(cli("batch", "submit", "--subsidiary", "BRF", "--all-eligible",
                      "--json")[1])["batch"]
    lines = _json(cli("batch", "show", batch, "--json")[1])["invoice_lines"]
    path = write_csv_file(tmp_path / "p.csv", [
        ["Client Inv", "Face", "Bought", "Lot"],
        *([ln["invoice_number"], ln["amount"], "11/28/2026", batch] for ln in lines)])
    return batch, lines, path


def test_purchase_without_a_batch_reads_the_batch_column_by_the_map(cli, tmp_path):
    batch, lines, path = _portal_purchase(cli, tmp_path)
    code, _, err = cli("reports", "purchase", path, "--dry-run")
    assert code == 3 and "Columns found: 'Client Inv', 'Face', 'Bought', 'Lot'" in err
    spec = PORTAL_MAP
    code, out, err = cli("reports", "purchase", path, "--map", spec, "--factor",
                         "Capital Depot", "--json")
    assert code == 0, err
    result = _json(out)
    assert result["batch"] == batch and result["rows_applied"] == len(lines)
    assert result["mapping_saved"].startswith("the mapping was saved for Capital Depot")
    saved = _json(cli("factors", "mapping", "Capital Depot", "purchase", "--json")[1])
    assert saved["columns"]["batch_number"] == "Lot"


def test_map_once_reads_the_file_and_saves_nothing(cli, tmp_path):
    batch, lines, path = _portal_purchase(cli, tmp_path)
    spec = PORTAL_MAP
    code, out, err = cli("reports", "purchase", path, "--map", spec, "--map-once",
                         "--factor", "Capital Depot", "--json")
    assert code == 0, err
    result = _json(out)
    assert result["rows_applied"] == len(lines) and not result["mapping_saved"]
    code, out, err = cli("factors", "mapping", "Capital Depot", "purchase", "--json")
    assert code == 0, err
    assert _json(out) is None, out  # no mapping saved for Capital Depot's purchases

"""The command line and the files clerks bring: a Notice of Assignment saved by Notepad or
PowerShell, a workbook of several sheets (--sheet), and which sheet was read."""

import json

import pytest
from helpers import LOAD_HEADER, load_row, save_workbook

from factor_desk.cli import main

PURCHASE_HEADER = ["Invoice Number", "Invoice Amount", "Purchase Date", "Advance Amount",
                   "Fee Amount", "Status"]
PAYMENT_HEADER = ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"]

NOA = "NOTICE OF ASSIGNMENT: PAY CAFÉ CAPITAL, INC. ONLY, P.O. BOX 207431, DALLAS, TX"


def _noa_of(cli, code: str) -> str:
    profile = json.loads(cli("company", "show", "--json")[1])
    sub = next(s for s in profile["subsidiaries"] if s["code"] == code)
    return next(i["text"] for i in sub["important_info"]
                if i["kind"] == "notice_of_assignment")


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + (NOA + "\r\n").encode("utf-16-le"),  # Notepad "Unicode", PowerShell 5.1 >
    b"\xfe\xff" + (NOA + "\r\n").encode("utf-16-be"),
    b"\xef\xbb\xbf" + (NOA + "\n").encode("utf-8"),
    (NOA + "\r\n").encode("cp1252"),  # Notepad "ANSI"
], ids=["utf-16-le-bom", "utf-16-be-bom", "utf-8-bom", "cp1252"])
def test_set_noa_reads_the_file_as_the_text_it_is(cli, tmp_path, data):
    cli("demo", "--loads", "0")
    path = tmp_path / "noa.txt"
    path.write_bytes(data)
    code, _, err = cli("company", "set-noa", "--subsidiary", "BRL", "--file", path)
    assert code == 0, err
    assert _noa_of(cli, "BRL") == NOA


@pytest.mark.parametrize("data,message", [
    ((NOA + "\r\n").encode("utf-16-le"), "noa.txt: this is not a text file: line 1 holds a "
                                         "NUL character"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00", "noa.txt: this is not a text "
                                                             "file"),
])
def test_set_noa_refuses_a_file_that_is_not_text(cli, tmp_path, data, message):
    cli("demo", "--loads", "0")
    before = _noa_of(cli, "BRF")
    path = tmp_path / "noa.txt"
    path.write_bytes(data)
    code, _, err = cli("company", "set-noa", "--subsidiary", "BRF", "--file", path)
    assert code == 3 and message in err
    assert _noa_of(cli, "BRF") == before


def test_loads_import_says_which_sheet_and_takes_sheet(cli, tmp_path):
    cli("demo", "--loads", "0")
    path = save_workbook(tmp_path / "loads.xlsx", {
        "Nov": [LOAD_HEADER, [load_row("T1")[h] for h in LOAD_HEADER]],
        "Dec": [LOAD_HEADER, [load_row("T2")[h] for h in LOAD_HEADER],
                [load_row("T3")[h] for h in LOAD_HEADER]],
        "Sheet3": []})
    code, out, err = cli("loads", "import", path, "--subsidiary", "BRF", "--json")
    assert code == 3
    assert "the workbook has 2 sheets with data ('Nov', 'Dec')" in err
    assert "--sheet" in json.loads(out)["problems"][0]["message"]
    code, out, err = cli("loads", "import", path, "--subsidiary", "BRF", "--sheet", "Jan")
    assert code == 3 and "no sheet named 'Jan'; its sheets are 'Nov', 'Dec', 'Sheet3'" in err
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--sheet", "Dec",
                       "--dry-run")
    assert code == 0 and out.startswith("loads.xlsx (sheet 'Dec'): 2 rows; would import 2")
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--sheet", "Dec",
                       "--dry-run", "--json")
    assert code == 0 and json.loads(out)["sheet"] == "Dec"
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--sheet", "Nov",
                       "--json")
    assert code == 0 and json.loads(out)["load_numbers"] == ["T1"]


def test_reports_say_which_sheet_and_take_sheet(cli, tmp_path):
    cli("demo", "--loads", "2")
    batch = json.loads(cli("batch", "submit", "--subsidiary", "BRF", "--all-eligible",
                           "--json")[1])["batch"]
    lines = json.loads(cli("batch", "show", batch, "--json")[1])["invoice_lines"]
    purchase = [[ln["invoice_number"], ln["amount"], "11/28/2026", "", "", "Purchased"]
                for ln in lines]
    payments = [[ln["invoice_number"], "2026-12-28", ln["amount"], f"ACH-{n}"]
                for n, ln in enumerate(lines)]
    path = save_workbook(tmp_path / "portal.xlsx", {
        "Notes": [["Call the factor on Monday"]],
        "Funded": [PURCHASE_HEADER, *purchase],
        "Old funded": [PURCHASE_HEADER, *purchase[:1]],
        "Paid": [PAYMENT_HEADER, *payments]})
    code, _, err = cli("reports", "purchase", batch, path, "--dry-run")
    assert code == 3 and ("2 of them ('Funded', 'Old funded') look like a purchase report"
                          in err)
    code, out, _ = cli("reports", "purchase", batch, path, "--sheet", "Funded", "--dry-run")
    assert code == 0 and out.startswith(f"portal.xlsx (sheet 'Funded') (batch {batch}): 2 rows")
    code, out, _ = cli("reports", "purchase", batch, path, "--sheet", "Funded", "--json")
    assert code == 0 and json.loads(out)["sheet"] == "Funded"
    code, out, _ = cli("reports", "payments", path, "--dry-run", "--json")  # one has its columns
    assert code == 0 and json.loads(out)["sheet"] == "Paid"
    code, _, err = cli("reports", "payments", path, "--sheet", "Nope")
    assert code == 3 and "no sheet named 'Nope'" in err
    code, out, _ = cli("reports", "payments", path, "--sheet", "paid")
    assert code == 0 and "(sheet 'Paid')" in out and "Applied as import" in out


@pytest.mark.parametrize("command", [["loads", "template"], ["reports", "template", "purchase"],
                                     ["reports", "template", "payments"]])
@pytest.mark.parametrize("where", ["missing folder", "a folder", "through a file"])
def test_a_template_that_cannot_go_where_asked_is_a_refusal_naming_the_place(
        tmp_path, capsys, command, where):
    (tmp_path / "a file").write_text("x", encoding="utf-8")
    target = {"missing folder": tmp_path / "no such folder" / "T.csv",
              "a folder": tmp_path,
              "through a file": tmp_path / "a file" / "T.csv"}[where]
    code = main(["--home", str(tmp_path / "home"), *command, "--to", str(target)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "Traceback" not in err and "bug" not in err
    named = target if where == "a folder" else target.parent
    assert str(named) in err
    assert (tmp_path / "a file").read_text(encoding="utf-8") == "x"

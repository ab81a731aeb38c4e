"""The command line contract: commands, --json, exit codes (0 done, 2 usage, 3 refused)."""

import json
import subprocess
import sys

import pytest
from helpers import LOAD_HEADER, load_row, tiny_pdf, write_loads_csv

from factor_desk import __version__
from factor_desk.cli import main


def _json(out):
    return json.loads(out)


def test_demo_then_submit_all_eligible_invoices_every_demo_load(cli):
    assert cli("demo", "--loads", "12")[0] == 0
    code, out, _ = cli("loads", "list", "--subsidiary", "Blue Ridge Freight LLC", "--status",
                       "Queued", "--json")
    listed = _json(out)
    assert code == 0
    eligible = [ld for ld in listed if ld["invoicing_method"] == "Factoring"]
    assert len(eligible) == 12
    assert set(eligible[0]) >= {"load_number", "invoice_number", "subsidiary", "customer",
                                "status", "invoicing_method", "amount"}
    code, out, _ = cli("batch", "submit", "--subsidiary", "Blue Ridge Freight LLC",
                       "--all-eligible", "--json")
    batch = _json(out)
    assert code == 0
    assert sorted(batch["loads"]) == sorted(ld["load_number"] for ld in eligible)
    assert batch["total"] == str(sum(__import__("decimal").Decimal(ld["amount"])
                                     for ld in eligible))
    code, out, _ = cli("loads", "list", "--status", "Invoiced", "--json")
    assert sorted(ld["load_number"] for ld in _json(out)) == sorted(batch["loads"])
    code, out, _ = cli("loads", "history", batch["loads"][0], "--json")
    history = _json(out)["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "Queued"), ("Queued", "Invoiced")]
    assert history[1]["batch"] == batch["batch"]
    code, out, _ = cli("batch", "list", "--json")
    assert [b["batch"] for b in _json(out)] == [batch["batch"]]
    code, out, _ = cli("batch", "show", batch["batch"], "--json")
    assert len(_json(out)["invoice_lines"]) == 12
    # human-readable forms print without error
    for args in (("company", "show"), ("batch", "list"), ("batch", "show", batch["batch"]),
                 ("loads", "list"), ("loads", "history", batch["loads"][0])):
        code, out, _ = cli(*args)
        assert code == 0 and out.strip()


def test_demo_twice_adds_nothing_the_second_time(cli):
    cli("demo", "--loads", "3")
    code, out, _ = cli("demo", "--loads", "3")
    assert code == 0 and "already holds a company" in out
    assert len(_json(cli("loads", "list", "--json")[1])) == 3 + 6


def test_a_refused_submit_exits_3_with_reasons_on_stderr_and_in_json(cli):
    cli("demo", "--loads", "2")
    code, out, err = cli("batch", "submit", "--subsidiary", "Blue Ridge Logistics Inc",
                         "--all-eligible", "--json")
    assert code == 3
    body = _json(out)
    assert body["ok"] is False
    assert any("no Notice of Assignment" in p["message"] for p in body["problems"])
    assert "no Notice of Assignment" in err


def test_noa_from_text_or_file_and_required_docs(cli, tmp_path):
    cli("demo", "--loads", "1")
    noa = tmp_path / "noa.txt"
    noa.write_text("\ufeffNOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY\n", encoding="utf-8")
    assert cli("company", "set-noa", "--subsidiary", "BRL", "--file", noa)[0] == 0
    assert cli("company", "set-required-docs", "--subsidiary", "BRL", "--none")[0] == 0
    profile = _json(cli("company", "show", "--json")[1])
    brl = next(s for s in profile["subsidiaries"] if s["code"] == "BRL")
    assert brl["important_info"][0]["text"] == "NOTICE OF ASSIGNMENT: PAY RTS FINANCIAL ONLY"
    assert brl["required_documents"] == []
    code, _, err = cli("company", "set-noa", "--subsidiary", "BRL", "--text", " ")
    assert code == 3 and "empty" in err


def test_loads_import_dry_run_and_refusal_name_row_and_column(cli, tmp_path):
    cli("demo", "--loads", "0")
    good = write_loads_csv(tmp_path / "ok.csv", [load_row("T1"), load_row("T2")])
    bad = write_loads_csv(tmp_path / "bad.csv", [load_row("T3"), load_row("T4", Total="abc")])
    code, out, err = cli("loads", "import", bad, "--subsidiary", "BRF", "--json")
    assert code == 3
    assert _json(out)["problems"][0] == {
        "message": "expected an amount like 1234.50, found 'abc'", "file": "bad.csv",
        "row": 3, "column": "Total"}
    assert "bad.csv, row 3, column 'Total'" in err
    code, out, _ = cli("loads", "import", bad, "--subsidiary", "BRF", "--dry-run", "--json")
    assert code == 3 and _json(out)["rows_valid"] == 1
    code, out, _ = cli("loads", "import", good, "--subsidiary", "BRF", "--dry-run")
    assert code == 0 and "would import 2 loads" in out
    code, out, _ = cli("loads", "import", good, "--subsidiary", "BRF", "--json")
    assert code == 0 and _json(out)["imported"] == 2
    code, out, _ = cli("loads", "import", bad, "--subsidiary", "BRF", "--only-valid", "--json")
    assert code == 0 and _json(out)["load_numbers"] == ["T3"]


def test_template_and_attach(cli, tmp_path):
    cli("demo", "--loads", "1")
    target = tmp_path / "Loads.csv"
    assert cli("loads", "template", "--to", target)[0] == 0
    assert target.read_text(encoding="utf-8").splitlines()[0] == ",".join(LOAD_HEADER)
    pdf = tmp_path / "lumper.pdf"
    pdf.write_bytes(tiny_pdf())
    code, out, _ = cli("loads", "attach", "10001", pdf, "--kind", "lumper", "--json")
    assert code == 0 and _json(out)["kind"] == "lumper"
    txt = tmp_path / "x.txt"
    txt.write_text("hello", encoding="utf-8")
    code, _, err = cli("loads", "attach", "10001", txt, "--kind", "pod")
    assert code == 3 and "only PDF, JPEG and PNG" in err


@pytest.mark.parametrize("args", [
    ("batch", "submit", "--subsidiary", "BRF"),
    ("batch", "submit", "--subsidiary", "BRF", "--loads", "1", "--all-eligible"),
    ("loads", "attach", "1", "f.pdf", "--kind", "invoice"),
    ("company", "set-required-docs", "--subsidiary", "BRF"),
    ("nonsense",),
])
def test_usage_errors_exit_2(cli, args):
    assert cli(*args)[0] == 2


def test_unknown_things_are_refused_with_exit_3(cli):
    cli("demo", "--loads", "1")
    assert cli("loads", "history", "nope")[0] == 3
    assert cli("batch", "show", "XYZ-0009")[0] == 3
    assert cli("loads", "list", "--subsidiary", "Nobody")[0] == 3


def test_the_installed_console_script_runs(tmp_path):
    out = subprocess.run([sys.executable, "-m", "factor_desk", "--version"],
                         capture_output=True, text=True, encoding="utf-8", check=True)
    assert out.stdout.strip() == f"Factor Desk {__version__}"


def test_home_and_environment_choose_the_sqlite_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACTOR_DESK_HOME", str(tmp_path / "envhome"))
    monkeypatch.delenv("FACTOR_DESK_DB", raising=False)
    assert main(["demo", "--loads", "1"]) == 0
    assert (tmp_path / "envhome" / "factor_desk.sqlite3").exists()
    assert (tmp_path / "envhome" / "documents").is_dir()
    assert main(["--home", str(tmp_path / "other"), "loads", "list", "--json"]) == 0
    capsys.readouterr()
    assert (tmp_path / "other" / "factor_desk.sqlite3").exists()


def test_customers_list_and_set(cli):
    cli("demo", "--loads", "1")
    code, out, _ = cli("customers", "set", "Summit Freight Brokerage", "--terms", "45",
                       "--method", "Direct", "--json")
    assert code == 0 and _json(out)["terms_days"] == 45
    listed = {c["name"]: c for c in _json(cli("customers", "list", "--json")[1])}
    assert listed["Summit Freight Brokerage"]["invoicing_method"] == "Direct"
    assert cli("customers", "set", "Summit Freight Brokerage", "--method", "")[0] == 0
    listed = {c["name"]: c for c in _json(cli("customers", "list", "--json")[1])}
    assert listed["Summit Freight Brokerage"]["invoicing_method"] is None
    assert cli("customers", "set", "Nobody", "--terms", "5")[0] == 3
    assert cli("customers", "set", "Summit Freight Brokerage")[0] == 2


def _batch_lines(cli, batch):
    return _json(cli("batch", "show", batch, "--json")[1])["invoice_lines"]


def test_reports_round_trip_on_the_command_line(cli, tmp_path):
    import csv

    cli("demo", "--loads", "3")
    batch = _json(cli("batch", "submit", "--subsidiary", "BRF", "--all-eligible",
                      "--json")[1])["batch"]
    lines = _batch_lines(cli, batch)
    assert cli("reports", "template", "purchase", "--to", tmp_path / "P.csv")[0] == 0
    assert cli("reports", "template", "payments", "--to", tmp_path / "Pay.csv")[0] == 0
    purchase = tmp_path / "purchase.csv"
    with purchase.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Invoice #", "Invoice Amount", "Purchase Date"])
        for line in lines[:2]:
            w.writerow([line["invoice_number"], line["amount"], "11/28/2026"])
    code, out, err = cli("reports", "purchase", batch, purchase, "--json")
    assert code == 3 and "not in the report" in err
    assert _json(out)["ok"] is False
    code, out, _ = cli("reports", "purchase", batch, purchase, "--dry-run", "--json")
    preview = _json(out)
    assert code == 3 and preview["missing_invoices"] == [lines[2]["invoice_number"]]
    code, out, _ = cli("reports", "purchase", batch, purchase, "--allow-missing", "--json")
    applied = _json(out)
    assert code == 0 and applied["rows_applied"] == 2 and applied["import_id"]
    payments = tmp_path / "payments.csv"
    with payments.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"])
        w.writerow([lines[0]["invoice_number"], "2026-12-28", lines[0]["amount"], "ACH-1"])
    code, out, _ = cli("reports", "payments", payments, "--json")
    pay_import = _json(out)["import_id"]
    assert code == 0
    code, _, err = cli("reports", "payments", payments)
    assert code == 3 and f"already imported as import #{pay_import}" in err
    history = _json(cli("reports", "history", "--json")[1])
    assert [(h["id"], h["kind"], h["file_name"], h["status"], h["rows"]) for h in history] == [
        (pay_import, "payments", "payments.csv", "applied", 1),
        (applied["import_id"], "purchase", "purchase.csv", "applied", 2)]
    recon = _json(cli("reports", "reconcile", "--batch", batch, "--json")[1])
    assert recon["batches"][0]["status"] == "Partially purchased"
    assert recon["totals"]["paid"] == lines[0]["amount"]
    assert cli("reports", "undo", str(applied["import_id"]))[0] == 3  # payments depend on it
    assert cli("reports", "undo", str(pay_import))[0] == 0
    assert cli("reports", "undo", str(applied["import_id"]))[0] == 0
    statuses = {ld["status"] for ld in _json(cli("loads", "list", "--status", "Invoiced",
                                                 "--json")[1])}
    assert statuses == {"Invoiced"}
    for args in (("reports", "history"), ("reports", "reconcile")):
        assert cli(*args)[0] == 0


def test_loads_import_names_each_rows_customer_and_says_when_the_mc_decided(cli, tmp_path):
    cli("demo", "--loads", "0")
    rows = [load_row("T1", Customer="Alpha Logistics", **{"Customer MC": "N/A"}),
            load_row("T2", Customer="Bravo Transport", **{"Customer MC": "N/A"}),
            load_row("T3", Customer="Charlie Freight", **{"Customer MC": "MC-700001"}),
            load_row("T4", Customer="Delta Carriers", **{"Customer MC": "700001"})]
    path = write_loads_csv(tmp_path / "c.csv", rows)
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--dry-run", "--json")
    dry = _json(out)
    assert code == 0
    assert [(r["load_number"], r["customer"]) for r in dry["row_customers"]] == [
        ("T1", "Alpha Logistics"), ("T2", "Bravo Transport"), ("T3", "Charlie Freight"),
        ("T4", "Charlie Freight")]
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--dry-run")
    assert code == 0 and "Delta Carriers" in out and "Charlie Freight" in out
    code, out, _ = cli("loads", "import", path, "--subsidiary", "BRF", "--json")
    assert code == 0 and _json(out)["row_customers"] == dry["row_customers"]
    listed = {ld["load_number"]: ld["customer"]
              for ld in _json(cli("loads", "list", "--json")[1])}
    assert {n: c for n, c in listed.items() if n.startswith("T")} == {
        r["load_number"]: r["customer"] for r in dry["row_customers"]}


def test_customers_set_mc_placeholder_saves_no_mc(cli, tmp_path):
    cli("demo", "--loads", "1")
    code, out, _ = cli("customers", "set", "Summit Freight Brokerage", "--mc", "N/A", "--json")
    assert code == 0 and _json(out)["mc_number"] == ""
    code, _, err = cli("customers", "set", "Summit Freight Brokerage", "--mc", "12x45")
    assert code == 3 and "MC" in err
    path = write_loads_csv(tmp_path / "n.csv", [
        load_row("N1", Customer="New Broker", **{"Customer MC": "n/a"})])
    assert cli("loads", "import", path, "--subsidiary", "BRF")[0] == 0
    listed = {ld["load_number"]: ld["customer"]
              for ld in _json(cli("loads", "list", "--json")[1])}
    assert listed["N1"] == "New Broker"


def test_loads_list_search_is_literal(cli, tmp_path):
    cli("demo", "--loads", "0")
    path = write_loads_csv(tmp_path / "s.csv", [
        load_row("S1", **{"PO Number": "50% OFF"}), load_row("S2", **{"PO Number": "50X OFF"}),
        load_row("S3", **{"PO Number": "A_B"}), load_row("S4", **{"PO Number": "AXB"})])
    assert cli("loads", "import", path, "--subsidiary", "BRF")[0] == 0
    for text, expected in (("50%", ["S1"]), ("a_b", ["S3"]), ("_", ["S3"])):
        code, out, _ = cli("loads", "list", "--search", text, "--json")
        assert code == 0 and [ld["load_number"] for ld in _json(out)] == expected


def test_loads_list_json_is_the_same_indented_json_as_every_command(cli, tmp_path):
    # The listing writes its JSON without json's slow indenting encoder: byte for byte what
    # json.dump(indent=2, ensure_ascii=False) writes, quotes, backslashes, non-ASCII,
    # empty and full lists, nulls included.
    cli("demo", "--loads", "2")
    path = write_loads_csv(tmp_path / "q.csv", [
        load_row("Q1", **{"PO Number": 'say "hi" \\ café ✓', "Delivery Date": ""})])
    assert cli("loads", "import", path, "--subsidiary", "BRF")[0] == 0
    pdf = tmp_path / "pod.pdf"
    pdf.write_bytes(tiny_pdf())
    assert cli("loads", "attach", "Q1", pdf, "--kind", "pod")[0] == 0
    for args in (("--json",), ("--search", "nothing matches this", "--json"),
                 ("--eligible", "--subsidiary", "BRF", "--json")):
        code, out, _ = cli("loads", "list", *args)
        listed = _json(out)
        assert code == 0
        assert out == json.dumps(listed, indent=2, ensure_ascii=False) + "\n"
    assert any(ld["documents"] == ["pod"] and ld["missing_documents"] for ld in listed)
    assert any(ld["delivery_date"] is None for ld in listed)


def test_a_purchase_report_without_a_batch_takes_the_one_its_rows_name(cli, tmp_path):
    import csv

    cli("demo", "--loads", "4")
    first = _json(cli("batch", "submit", "--subsidiary", "BRF", "--loads", "10001,10002",
                      "--json")[1])["batch"]
    second = _json(cli("batch", "submit", "--subsidiary", "BRF", "--loads", "10003",
                       "--json")[1])["batch"]
    lines = {b: _batch_lines(cli, b) for b in (first, second)}

    def report(name, rows):
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Invoice Number", "Batch Number", "Invoice Amount", "Purchase Date"])
            w.writerows(rows)
        return path

    two = report("two.csv", [[ln["invoice_number"], b, ln["amount"], "11/28/2026"]
                             for b in (first, second) for ln in lines[b]])
    code, _, err = cli("reports", "purchase", two, "--dry-run")
    assert code == 3 and f"names 2 batches ({first}, {second})" in err and "two.csv" in err
    none = report("none.csv", [[ln["invoice_number"], "", ln["amount"], "11/28/2026"]
                               for ln in lines[second]])
    code, _, err = cli("reports", "purchase", none, "--dry-run")
    assert code == 3 and "names no batch" in err
    one = report("one.csv", [[ln["invoice_number"], second.lower(), ln["amount"], "11/28/2026"]
                             for ln in lines[second]])
    code, out, _ = cli("reports", "purchase", one, "--json")
    assert code == 0 and _json(out)["batch"] == second and _json(out)["rows_applied"] == 1

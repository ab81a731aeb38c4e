"""batch recall and batch reverse on the command line (issue #12)."""

import json


def _json(out):
    return json.loads(out)


def _submitted(cli):
    assert cli("demo", "--loads", "4")[0] == 0
    code, out, _ = cli("batch", "submit", "--subsidiary", "Blue Ridge Freight LLC",
                       "--all-eligible", "--json")
    assert code == 0
    return _json(out)


def test_recall_then_reverse_print_the_loads_moved(cli):
    batch = _submitted(cli)
    label, first, second = batch["batch"], batch["loads"][0], batch["loads"][1]
    code, out, _ = cli("batch", "recall", label, first, "--reason", "held: no POD", "--json")
    assert code == 0
    body = _json(out)
    assert body["batch"] == label and body["reason"] == "held: no POD"
    assert [(m["load_number"], m["status"]) for m in body["loads"]] == [(first, "Queued")]
    code, out, _ = cli("batch", "show", label, "--json")
    lines = {i["load_number"]: i for i in _json(out)["invoice_lines"]}
    assert (lines[first]["status"], lines[first]["recall_reason"]) == ("Recalled",
                                                                       "held: no POD")
    code, out, _ = cli("batch", "show", label)
    assert code == 0 and "recalled: held: no POD" in out
    code, out, _ = cli("reports", "reconcile", "--batch", label, "--json")
    assert code == 0 and "Recalled: held: no POD" in out
    # refused for a load already recalled: exit 3, naming it
    code, out, err = cli("batch", "recall", label, first, "--reason", "again")
    assert code == 3 and f"Load {first} was already recalled" in err
    code, out, _ = cli("batch", "reverse", label, "--reason", "wrong factor")
    assert code == 0
    assert f"Batch {label} reversed: " in out and "back to Queued" in out
    assert first not in out.split("(")[1] and second in out
    code, out, _ = cli("batch", "list", "--json")
    assert {b["batch"]: b["status"] for b in _json(out)}[label] == "Reversed"


def test_recall_of_a_financed_load_exits_3_naming_it(cli, tmp_path):
    batch = _submitted(cli)
    label, first = batch["batch"], batch["loads"][0]
    code, out, _ = cli("batch", "show", label, "--json")
    number = {i["load_number"]: i["invoice_number"]
              for i in _json(out)["invoice_lines"]}[first]
    report = tmp_path / "buy.csv"
    amount = batch_amount(cli, label, first)
    report.write_text("Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,"
                      f"Status\n{number},{amount},2026-11-28,{amount},0,Purchased\n",
                      encoding="utf-8")
    code, _, err = cli("reports", "purchase", label, str(report), "--allow-missing")
    assert code == 0, err
    code, out, err = cli("batch", "recall", label, first, "--reason", "no", "--json")
    assert code == 3
    assert f"Load {first} is Financed" in err
    code, out, err = cli("batch", "reverse", label, "--reason", "no")
    assert code == 3 and "purchase report was applied" in err


def batch_amount(cli, label, load):
    out = cli("batch", "show", label, "--json")[1]
    return {i["load_number"]: i["amount"] for i in _json(out)["invoice_lines"]}[load]

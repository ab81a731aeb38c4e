"""The command line's load moves (issue #12): loads queue, unqueue, void, edit; their text,
--json and exit codes (0 done, 2 usage, 3 refused)."""

import json

import pytest
from helpers import load_row, write_loads_csv


def _json(out):
    return json.loads(out)


@pytest.fixture
def loads_in(cli, tmp_path):
    """Demo company; loads R1, R2 Released, Q1 Queued, imported into BRF."""
    cli("demo", "--loads", "0")
    rows = [load_row("R1", Status="Released"), load_row("R2", Status="Released"),
            load_row("Q1")]
    code, _, err = cli("loads", "import", write_loads_csv(tmp_path / "l.csv", rows),
                       "--subsidiary", "BRF")
    assert code == 0, err
    return cli


def _statuses(cli, *extra):
    return {ld["load_number"]: ld["status"]
            for ld in _json(cli("loads", "list", "--json", *extra)[1])}


def test_queue_creates_the_invoice_and_json_lists_the_loads_moved(loads_in):
    cli = loads_in
    code, out, _ = cli("loads", "queue", "R1", "R2", "--json")
    assert code == 0
    assert [(m["load_number"], m["status"]) for m in _json(out)] == [
        ("R1", "Queued"), ("R2", "Queued")]
    code, out, err = cli("loads", "queue", "R1")
    assert code == 3 and "Load R1 is Queued" in err and out == ""


def test_queue_with_an_invoice_number_and_date(loads_in):
    cli = loads_in
    code, out, _ = cli("loads", "queue", "R1", "--invoice-number", "INV-9",
                       "--invoice-date", "2026-11-27")
    assert code == 0 and out == "Load R1 invoice INV-9 created; it is Queued now.\n"
    history = _json(cli("loads", "history", "R1", "--json")[1])["history"]
    assert "2026-11-27" in history[-1]["reason"]
    assert cli("loads", "queue", "R2", "--invoice-date", "someday")[0] == 2


def test_a_refusal_of_several_loads_names_each_and_moves_none(loads_in):
    cli = loads_in
    code, out, err = cli("loads", "queue", "R1", "Q1", "--json")
    assert code == 3 and "Load Q1 is Queued" in err
    assert _json(out)["ok"] is False
    assert _statuses(cli)["R1"] == "Released"


def test_unqueue_needs_a_reason_and_goes_back_to_released(loads_in):
    cli = loads_in
    assert cli("loads", "unqueue", "Q1")[0] == 2
    code, out, _ = cli("loads", "unqueue", "Q1", "--reason", "rate dispute")
    assert code == 0 and "Load Q1 taken back; it is Released now." in out
    assert _statuses(cli)["Q1"] == "Released"
    assert _json(cli("loads", "history", "Q1", "--json")[1])["history"][-1]["reason"] == \
        "rate dispute"


def test_void_hides_the_load_unless_asked_and_keeps_the_list_keys(loads_in, tmp_path):
    cli = loads_in
    keys = set(_json(cli("loads", "list", "--json")[1])[0])
    code, out, _ = cli("loads", "void", "R1", "--reason", "duplicate", "--json")
    assert code == 0 and _json(out) == [
        {"load_number": "R1", "status": "Void", "invoice_number": "R1", "changes": []}]
    assert "R1" not in _statuses(cli)
    void = _json(cli("loads", "list", "--status", "Void", "--json")[1])
    assert [ld["load_number"] for ld in void] == ["R1"] and set(void[0]) == keys
    code, _, err = cli("loads", "import", write_loads_csv(tmp_path / "a.csv", [load_row("R1")]),
                       "--subsidiary", "BRF")
    assert code == 3 and "already in Factor Desk" in err
    code, _, err = cli("loads", "void", "R1", "--reason", "again")
    assert code == 3 and "Load R1 is Void" in err


def test_edit_prints_each_change_and_refuses_a_batched_load(loads_in):
    cli = loads_in
    code, out, err = cli("loads", "edit", "Q1", "--amount", "1,000.00", "--po", "PO-9",
                         "--method", "")
    assert code == 0, err
    assert "  amount: 2550.00 → 1000.00" in out and "  PO: PO-Q1 → PO-9" in out
    code, out, _ = cli("loads", "edit", "Q1", "--po", "PO-9", "--json")
    assert code == 0 and _json(out)[0]["changes"] == []
    assert cli("loads", "edit", "Q1")[0] == 2
    code, _, err = cli("loads", "edit", "Q1", "--pickup-date", "2026-13-01")
    assert code == 3 and "pickup date" in err
    assert cli("company", "set-required-docs", "--subsidiary", "BRF", "--none")[0] == 0
    code, out, _ = cli("batch", "submit", "--subsidiary", "BRF", "--loads", "Q1", "--json")
    assert code == 0, out
    label = _json(out)["batch"]
    code, _, err = cli("loads", "edit", "Q1", "--po", "X")
    assert code == 3
    assert f"Load Q1 is Invoiced; its invoice was sent in {label}; recall it first." in err

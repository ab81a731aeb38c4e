"""Issue #14, "Done when": two factors with different column layouts both round-trip (batch,
download, purchase, payments) in one data folder, on the command line. Capital Depot's
files have the template's columns; RTS Financial's have headers the usual spellings do
not place: its first file goes through --map (and the mapping is saved for RTS), its next
files are placed by themselves ("using the mapping saved for RTS Financial on ...")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from helpers import write_csv_file

from factor_desk.services import company

RTS_PURCHASE = ["Client Inv", "Gross", "Buy Dt", "Adv Paid", "Disc Fee", "Sched Ref"]
RTS_PURCHASE_MAP = ("invoice_number=Client Inv,invoice_amount=Gross,purchase_date=Buy Dt,"
                    "advance_amount=Adv Paid,fee_amount=Disc Fee,batch_number=Sched Ref")
RTS_PAYMENTS = ["Client Inv", "Rcvd", "Pd Amt", "Check, ACH"]
RTS_PAYMENTS_MAP = ('invoice_number=Client Inv,payment_date=Rcvd,amount_paid=Pd Amt,'
                    'reference_number="Check, ACH"')


def _json(out):
    return json.loads(out)


def _lines(cli, batch):
    return _json(cli("batch", "show", batch, "--json")[1])["invoice_lines"]


@pytest.fixture
def two_factors(cli, db, tmp_path):
    """The demo (Blue Ridge Freight LLC, factoring with Capital Depot, 4 loads ready) and a
    second carrier, Red Mesa Trucking, factoring with RTS Financial, whose 4 loads come
    from its TMS's file (its own headers, through --map)."""
    assert cli("demo", "--loads", "4")[0] == 0
    with db.write() as work:  # the factors helper brings the commands for these
        company.add_factoring_company(work, "RTS Financial",
                                      remit_to="RTS Financial Service\nP.O. Box 840267\n"
                                               "Dallas, TX 75284-0267", fee_percent="2")
        company.add_subsidiary(work, "Red Mesa Trucking", code="RMT", mc_number="MC-777",
                               required_documents=[])
        company.set_factoring_company(work, "Red Mesa Trucking", "RTS Financial")
    assert cli("company", "set-noa", "--subsidiary", "RMT", "--text",
               "NOTICE OF ASSIGNMENT: pay RTS Financial Service only.")[0] == 0
    tms = write_csv_file(tmp_path / "tms.csv", [
        ["Pro #", "Bill To", "Broker MC", "PU", "DEL", "Amt", "Stat"],
        *([f"RM-{n}", "Summit Brokerage", "MC-612044", "2026-11-20", "2026-11-22",
           f"{1000 + n}.00", "Queued"] for n in range(1, 5))])
    code, _, err = cli("loads", "import", tms, "--subsidiary", "RMT")
    assert code == 3 and "'Pro #', 'Bill To'" in err and "no column for 'Load Number'" in err
    code, out, err = cli("loads", "import", tms, "--subsidiary", "RMT", "--map",
                         "load_number=Pro #,customer=Bill To,total=Amt,status=Stat,"
                         "pickup_date=PU,delivery_date=DEL")
    assert code == 0, err
    return tmp_path


def _purchase_cd(path, batch, lines):
    return write_csv_file(path, [
        ["Invoice Number", "Batch Number", "Invoice Amount", "Purchase Date", "Status"],
        *([ln["invoice_number"], batch, ln["amount"], "11/28/2026", "Purchased"]
          for ln in lines)])


def _purchase_rts(path, batch, lines):
    rows = []
    for ln in lines:
        amount = Decimal(ln["amount"])
        fee = (amount * Decimal("0.02")).quantize(Decimal("0.01"))
        rows.append([ln["invoice_number"], ln["amount"], "11/28/2026", str(amount - fee),
                     str(fee), batch])
    return write_csv_file(path, [RTS_PURCHASE, *rows])


def _payments_rts(path, lines, ref):
    return write_csv_file(path, [RTS_PAYMENTS, *(
        [ln["invoice_number"], "12/28/2026", ln["amount"], f"{ref}-{ln['invoice_number']}"]
        for ln in lines)])


@pytest.mark.slow  # four downloads of PDF packets
def test_two_factors_with_their_own_columns_round_trip_in_one_data_folder(cli, two_factors):
    tmp = two_factors
    today = dt.datetime.now(dt.UTC).strftime("%m/%d/%Y")
    cd = _json(cli("batch", "submit", "--subsidiary", "BRF", "--all-eligible", "--json")[1])
    rts1 = _json(cli("batch", "submit", "--subsidiary", "RMT", "--loads", "RM-1,RM-2",
                     "--json")[1])
    rts2 = _json(cli("batch", "submit", "--subsidiary", "RMT", "--loads", "RM-3,RM-4",
                     "--json")[1])
    batches = {b["batch"]: b for b in (cd, rts1, rts2)}
    for name in batches:
        code, out, err = cli("batch", "export", name, "--to", tmp / "out", "--workers", "1")
        assert code == 0 and f"Batch {name}" in out, err
        assert any((tmp / "out" / name).iterdir())
    lines = {name: _lines(cli, name) for name in batches}

    # Capital Depot: the template's columns, placed as always
    name = cd["batch"]
    code, out, err = cli("reports", "purchase", _purchase_cd(tmp / "cd-p.csv", name,
                                                             lines[name]))
    assert code == 0 and "mapping" not in out.lower(), err
    pay = write_csv_file(tmp / "cd-pay.csv", [
        ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number"],
        *([ln["invoice_number"], "12/28/2026", ln["amount"], f"CD-{ln['invoice_number']}"]
          for ln in lines[name])])
    assert cli("reports", "payments", pay)[0] == 0

    # RTS Financial, first batch: not placed; then --map, saved for RTS with the apply
    first = _purchase_rts(tmp / "rts-p1.csv", rts1["batch"], lines[rts1["batch"]])
    code, out, err = cli("reports", "purchase", first, "--dry-run", "--json")
    refusal = _json(out)
    assert code == 3 and refusal["headers"] == RTS_PURCHASE
    assert refusal["missing"] == ["invoice_amount", "purchase_date", "invoice_number",
                                  "load_number"]
    assert "'Client Inv', 'Gross', 'Buy Dt'" in err and "--map" in err
    code, out, err = cli("reports", "purchase", first, "--map", RTS_PURCHASE_MAP)
    assert code == 0, err
    assert "The mapping was saved for RTS Financial" in out
    saved = _json(cli("factors", "mapping", "RTS Financial", "purchase", "--json")[1])
    assert saved["columns"]["invoice_amount"] == "Gross" and saved["saved_by"] == "test-clerk"
    assert _json(cli("factors", "mapping", "Capital Depot", "purchase", "--json")[1]) is None

    # RTS Financial, second batch: the file names its batch; the saved mapping places it
    second = _purchase_rts(tmp / "rts-p2.csv", rts2["batch"], lines[rts2["batch"]])
    code, out, err = cli("reports", "purchase", second, "--dry-run")
    assert code == 0, err
    assert f"Using the mapping saved for RTS Financial on {today}." in out
    code, out, err = cli("reports", "purchase", second, "--json")
    assert code == 0 and _json(out)["batch"] == rts2["batch"], err
    assert _json(out)["mapping_note"] == f"using the mapping saved for RTS Financial on {today}"

    # RTS payments: the first through --map (its factor known from its invoices), saved;
    # the second placed by itself
    both = lines[rts1["batch"]] + lines[rts2["batch"]]
    pay1 = _payments_rts(tmp / "rts-pay1.csv", both[:2], "ACH")
    code, out, err = cli("reports", "payments", pay1, "--map", RTS_PAYMENTS_MAP)
    assert code == 0 and "The mapping was saved for RTS Financial" in out, err
    pay2 = _payments_rts(tmp / "rts-pay2.csv", both[2:], "ACH")
    code, out, err = cli("reports", "payments", pay2)
    assert code == 0, err
    assert f"Using the mapping saved for RTS Financial on {today}." in out

    # every load Completed, the money right
    batched = {ln["load_number"] for its_lines in lines.values() for ln in its_lines}
    assert len(batched) == 8 and {"RM-1", "RM-4"} <= batched
    loads = _json(cli("loads", "list", "--json")[1])
    assert {ld["load_number"]: ld["status"] for ld in loads if ld["load_number"] in batched} \
        == dict.fromkeys(batched, "Completed")
    recon = _json(cli("reports", "reconcile", "--json")[1])
    by_batch = {b["batch"]: b["totals"] for b in recon["batches"]}
    for name, its_lines in lines.items():
        total = sum(Decimal(ln["amount"]) for ln in its_lines)
        assert Decimal(by_batch[name]["purchased"]) == total
        assert Decimal(by_batch[name]["paid"]) == total
        assert Decimal(by_batch[name]["open_balance"]) == 0
    rts_fee = sum((Decimal(ln["amount"]) * Decimal("0.02")).quantize(Decimal("0.01"))
                  for ln in both)
    assert sum(Decimal(by_batch[b]["fee"]) for b in (rts1["batch"], rts2["batch"])) == rts_fee

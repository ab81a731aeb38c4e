"""The reconciliation after the purchase (issue #13): partial, short, over and direct
payments, chargebacks and the reserve, added up by the database. Each identity of
services/reports/reconciliation.py holds to the cent per invoice, per batch and overall,
and the figures are the ones a clerk works out by hand. The money after the purchase is
made by tests/helpers_money.py (the payment and reserve reports, loads close and loads pay)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from helpers import import_loads, load_row, make_carrier, write_loads_csv
from helpers_money import chargeback, close_load, partial_payment, pay_load, reserve_move
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.domain.ledger import EntryKind
from factor_desk.domain.trade import InfoKind
from factor_desk.services import company, reports
from factor_desk.services.desk import Desk

D = Decimal


def _loads(db, tmp_path, name: str, subsidiary: str, amounts: dict[str, str]) -> None:
    import_loads(db, write_loads_csv(tmp_path / name, [
        load_row(n, Linehaul=a, Accessorials="", Total=a) for n, a in amounts.items()]),
        subsidiary)


@pytest.fixture
def money(db, tmp_path):
    """Three batches after every kind of money movement (the expected figures are in the
    tests below, worked out by hand):

    ACME-0001 (Acme Freight, Capital Depot), loads 1-7 at $1,000.00, load 5 at $1,234.56:
      1 bought, paid $400.00 of it (still Financed, $600.00 open);
      2 bought by the factor for $990.00, paid $1,000.00;
      3 bought with a $100.00 reserve, paid $940.00 with a short pay reason ($60.00);
      4 bought without advance and fee (not itemised), paid $1,025.00 (overpaid $25.00);
      5 held by the factor: not bought, open;
      6 bought with a $100.00 reserve, charged back ($875.00 taken from the reserve), the
        debtor paid the carrier $300.00 of it: Charged back, $700.00 open;
      7 bought, charged back ($975.00), the debtor paid the carrier $1,010.00: Completed,
        overpaid $10.00.
    ACME-0002: load 8 recalled (counts in nothing), load 9 Invoiced.
    BETA-0001 (Beta Haulers, Triumph Capital): load 11 at $2,000.00 bought with a $100.00
      reserve, paid $500.00 of it, then closed by hand (short pay $1,500.00).
    Reserve: Capital Depot released $150.00, took a $10.00 fee (on invoice 3), adjusted
    -$5.00 and +$2.50; Triumph Capital released $20.00."""
    make_carrier(db, required=())
    with db.write() as work:
        company.add_factoring_company(work, "Triumph Capital", remit_to="Triumph Capital\n"
                                      "P.O. Box 610028\nDallas, TX 75261")
        company.set_factoring_company(work, "Beta Haulers", "Triumph Capital")
        company.set_required_documents(work, "Beta Haulers", [])
        company.set_important_info(work, "Beta Haulers", InfoKind.NOTICE_OF_ASSIGNMENT,
                                   "NOTICE OF ASSIGNMENT: PAY TRIUMPH CAPITAL")
    _loads(db, tmp_path, "acme.csv", "Acme Freight",
           {n: "1234.56" if n == "5" else "1000.00" for n in [*"123456789", "10"]})
    _loads(db, tmp_path, "beta.csv", "Beta Haulers", {"11": "2000.00"})
    desk = Desk(db)
    first = desk.submit_batch("Acme Freight", list("1234567")).batch
    second = desk.submit_batch("Acme Freight", ["8", "9"]).batch
    beta = desk.submit_batch("Beta Haulers", ["11"]).batch
    desk.recall_invoices(second, ["8"], "wrong rate")
    reserve = {"Advance Amount": "875.00", "Fee Amount": "25.00", "Reserve Amount": "100.00"}
    apply(db, "purchase", write_csv(tmp_path / "p1.csv", PURCHASE_HEADER, [
        purchase_row("1"), purchase_row("2", "990.00"), purchase_row("3", **reserve),
        purchase_row("4", **{"Advance Amount": "", "Fee Amount": ""}),
        purchase_row("5", "1234.56", Status="Held"),
        purchase_row("6", **reserve), purchase_row("7")]), first, allow_missing=True)
    apply(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [
        purchase_row("11", "2000.00", **{"Advance Amount": "1850.00", "Fee Amount": "50.00",
                                         "Reserve Amount": "100.00"})]), beta)
    partial_payment(db, "1", "400.00", "ACH-P1")
    apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("2", "1000.00"),
        payment_row("3", "940.00", **{"Short Pay Reason": "lumper not reimbursed"}),
        payment_row("4", "1025.00")]))
    chargeback(db, "6", "875.00", "CB-6")
    pay_load(db, "6", "300.00", "CHK-6")
    chargeback(db, "7", "975.00", "CB-7")
    pay_load(db, "7", "1010.00", "CHK-7")
    partial_payment(db, "11", "500.00", "ACH-P11")
    assert close_load(db, "11", "debtor out of business") == 150000
    reserve_move(db, EntryKind.RELEASE, "150.00", "REL-1")
    reserve_move(db, EntryKind.FEE, "10.00", "FEE-3", load_number="3")
    reserve_move(db, EntryKind.ADJUSTMENT, "-5.00", "ADJ-1")
    reserve_move(db, EntryKind.ADJUSTMENT, "2.50", "ADJ-2")
    reserve_move(db, EntryKind.RELEASE, "20.00", "REL-T", factor="Triumph Capital")
    return first, second, beta


def holds(c: dict[str, Decimal]) -> None:
    """The identities of one invoice, batch or whole, to the cent."""
    assert c["invoiced"] == c["purchased"] + c["not_purchased"]
    assert c["invoiced"] == c["paid"] + c["short_pay"] + c["charged_back"] + \
        (c["open_balance"] - c["charged_back"]) - c["overpay"]
    assert c["purchased"] + c["amount_difference"] == c["factor_amount"] == \
        c["advance"] + c["fee"] + c["reserve"] + c["not_itemised"]
    assert 0 <= c["direct_paid"] <= c["paid"]
    assert 0 <= c["charged_back"] <= c["open_balance"]


def test_every_figure_by_hand_and_every_identity_to_the_cent(db, money):
    first, second, beta = money
    with db.read() as work:
        recon = reports.reconcile(work)
    by_batch = {b.batch: b for b in recon.batches}
    a = by_batch[first].totals
    assert {k: str(v) for k, v in a.items()} == {
        "invoiced": "7234.56", "purchased": "6000.00", "not_purchased": "1234.56",
        "factor_amount": "5990.00", "amount_difference": "-10.00",
        "advance": "4665.25", "fee": "124.75", "reserve": "200.00", "not_itemised": "1000.00",
        "paid": "4675.00", "direct_paid": "1310.00", "short_pay": "60.00", "overpay": "35.00",
        "charged_back": "700.00", "open_balance": "2534.56"}
    rows = {r.load_number: r for r in by_batch[first].rows}
    assert {n: (r.status, str(r.amounts["paid"]), str(r.amounts["open_balance"]))
            for n, r in rows.items()} == {
        "1": ("Financed", "400.00", "600.00"), "2": ("Completed", "1000.00", "0.00"),
        "3": ("Completed", "940.00", "0.00"), "4": ("Completed", "1025.00", "0.00"),
        "5": ("Invoiced", "0.00", "1234.56"), "6": ("Charged back", "300.00", "700.00"),
        "7": ("Completed", "1010.00", "0.00")}
    assert rows["5"].flag.startswith("Held") and rows["1"].flag == ""
    assert (rows["3"].amounts["short_pay"], rows["4"].amounts["overpay"],
            rows["7"].amounts["overpay"], rows["7"].amounts["direct_paid"]) == (
        D("60.00"), D("25.00"), D("10.00"), D("1010.00"))
    # a recalled invoice is listed with its reason and counts in nothing
    recalled = next(r for r in by_batch[second].rows if r.load_number == "8")
    assert (recalled.status, recalled.flag) == ("Recalled", "Recalled: wrong rate")
    assert set(recalled.amounts.values()) == {D(0)}
    assert (by_batch[second].totals["invoiced"], by_batch[second].totals["open_balance"]) \
        == (D("1000.00"), D("1000.00"))
    b = by_batch[beta].totals
    assert (b["paid"], b["short_pay"], b["open_balance"], b["reserve"]) == (
        D("500.00"), D("1500.00"), D(0), D("100.00"))
    for batch in recon.batches:
        for field in reports.RECON_FIELDS:
            assert batch.totals[field] == sum(r.amounts[field] for r in batch.rows), field
        for c in [batch.totals, *(r.amounts for r in batch.rows)]:
            holds(c)
    for field in reports.RECON_FIELDS:
        assert recon.totals[field] == sum(b.totals[field] for b in recon.batches), field
    holds(recon.totals)
    assert (recon.totals["invoiced"], recon.totals["open_balance"]) == (
        D("10234.56"), D("3534.56"))


def test_the_reserve_per_factor_adds_up(db, money):
    with db.read() as work:
        recon = reports.reconcile(work)
    per = {f.factor: {k: str(v) for k, v in f.figures.items()} for f in recon.reserve}
    assert per == {
        "Capital Depot": {"reserve": "200.00", "released": "150.00",
                          "charged_back": "1850.00", "fees": "10.00", "adjustments": "-2.50",
                          "held": "-1812.50"},
        "Triumph Capital": {"reserve": "100.00", "released": "20.00", "charged_back": "0.00",
                            "fees": "0.00", "adjustments": "0.00", "held": "80.00"}}
    for figures in [*(f.figures for f in recon.reserve), recon.reserve_totals]:
        assert figures["held"] == figures["reserve"] - figures["released"] - \
            figures["charged_back"] - figures["fees"] + figures["adjustments"]
    for key, total in recon.reserve_totals.items():
        assert total == sum(f.figures[key] for f in recon.reserve)
    # what the purchase reports set aside is the batches' reserve
    assert recon.reserve_totals["reserve"] == recon.totals["reserve"]


def test_totals_without_rows_are_the_same_and_feed_the_overview(db, money):
    """The totals come from the database's GROUP BY whether or not the rows are read; the
    batches overview and a batch's reconciliation show the same figures."""
    first, *_ = money
    desk = Desk(db)
    whole = desk.reconcile(rows=True)
    bare = desk.reconcile()
    assert all(not b.rows for b in bare.batches)
    assert bare.totals == whole.totals and bare.reserve_totals == whole.reserve_totals
    assert [(b.batch, b.status, b.totals) for b in bare.batches] == \
        [(b.batch, b.status, b.totals) for b in whole.batches]
    one = desk.reconcile(first)
    assert [b.batch for b in one.batches] == [first] and one.reserve == []
    assert one.batches[0].totals == next(b for b in whole.batches if b.batch == first).totals
    assert len(one.batches[0].rows) == 7
    # the batch's status is the one the batch list shows
    statuses = {b.batch: b.status for b in desk.list_batches()}
    assert {b.batch: b.status for b in whole.batches} == statuses
    listed = desk.batches_overview()
    assert [o.batch for o in listed] == desk.list_batches()  # each batch as the list has it
    overview = {o.batch.batch: (o.purchased, o.paid, o.open_balance) for o in listed}
    assert overview == {b.batch: (b.totals["purchased"], b.totals["paid"],
                                  b.totals["open_balance"]) for b in whole.batches}


def test_undoing_the_payment_report_takes_its_short_pay_back(db, money):
    desk = Desk(db)
    payments = next(i for i in desk.import_history() if i.file_name == "pay.csv")
    before = desk.reconcile().totals
    desk.undo_import(payments.id)
    after = desk.reconcile().totals
    # loads 2, 3 and 4 are Financed again, wholly open; invoice 3's short pay is gone
    assert after["short_pay"] == before["short_pay"] - D("60.00")
    assert after["paid"] == before["paid"] - D("2965.00")
    assert after["overpay"] == before["overpay"] - D("25.00")
    assert after["open_balance"] == before["open_balance"] + D("3000.00")
    holds(after)


def test_the_command_line_shows_the_new_figures(db, money, capsys):
    from factor_desk.cli import main

    first, *_ = money
    argv = ["--db", db.location.url, "--home", str(db.location.home), "reports", "reconcile"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    t = out["totals"]
    assert (t["direct_paid"], t["charged_back"], t["short_pay"], t["open_balance"]) == (
        "1310.00", "700.00", "1560.00", "3534.56")
    assert out["reserve"]["totals"]["held"] == "-1732.50"
    assert [f["factor"] for f in out["reserve"]["factors"]] == ["Capital Depot",
                                                               "Triumph Capital"]
    rows = {r["load_number"]: r for b in out["batches"] for r in b["rows"]}
    assert (rows["6"]["status"], rows["6"]["charged_back"], rows["6"]["direct_paid"]) == (
        "Charged back", "700.00", "300.00")
    assert main([*argv, "--batch", first, "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert "reserve" not in one and len(one["batches"][0]["rows"]) == 7
    assert main(argv) == 0
    table = capsys.readouterr().out
    for words in ("Direct Paid", "Charged Back", "Open Balance", "$2,534.56",
                  "Reserve with", "Taken By Chargebacks", "Capital Depot", "-$1,812.50",
                  "All factors"):
        assert words in table, words


def test_a_reversed_batch_is_listed_and_counts_in_nothing(db, money):
    desk = Desk(db)
    before = desk.reconcile().totals
    label = desk.submit_batch("Acme Freight", ["10"]).batch
    desk.reverse_batch(label, "sent twice")
    recon = desk.reconcile(rows=True)
    reversed_ = next(b for b in recon.batches if b.batch == label)
    assert reversed_.status == "Reversed" == next(
        b.status for b in desk.list_batches() if b.batch == label)
    assert set(reversed_.totals.values()) == {D(0)} and recon.totals == before
    assert [(r.load_number, r.status) for r in reversed_.rows] == [("10", "Recalled")]
    shown = next(o for o in desk.batches_overview() if o.batch.batch == label)
    assert (shown.batch.status, shown.purchased, shown.paid, shown.open_balance) == (
        "Reversed", 0, 0, 0)


def test_with_one_factor_a_movement_of_no_factor_still_counts_in_the_whole(db, batch,
                                                                           tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [purchase_row(
        "1", **{"Advance Amount": "875.00", "Fee Amount": "25.00",
                "Reserve Amount": "100.00"})]), batch, allow_missing=True)
    reserve_move(db, EntryKind.RELEASE, "30.00", "REL-1")
    with db.read() as work:
        one = reports.reconcile(work).reserve_totals
    assert (one["reserve"], one["released"], one["held"]) == (D("100.00"), D("30.00"),
                                                              D("70.00"))
    reserve_move(db, EntryKind.FEE, "5.00", "FEE-X", factor=None)
    with db.read() as work:
        recon = reports.reconcile(work)
    assert [(f.factor, f.figures["held"]) for f in recon.reserve] == [
        ("Capital Depot", D("70.00"))]
    assert (recon.reserve_totals["fees"], recon.reserve_totals["held"]) == (D("5.00"),
                                                                            D("65.00"))

"""The command line of payments over time (#13): a partial payment report, loads history
with the load's money, loads close --short-pay-reason, loads pay of a Charged back load;
--json money as strings, refusals exit 3 and name the reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import write_csv_file
from sqlalchemy import select

from factor_desk.db.models import Batch, Invoice, LedgerEntry, Load
from factor_desk.domain.lifecycle import BillingStatus
from factor_desk.services.lifecycle import move_loads


def _json(out):
    return json.loads(out)


@pytest.fixture
def financed(cli, tmp_path):
    """The demo's 12 factoring loads batched and bought; {load number: amount}."""
    cli("demo", "--loads", "12")
    batch = _json(cli("batch", "submit", "--subsidiary", "Blue Ridge Freight LLC",
                      "--all-eligible", "--json")[1])
    lines = _json(cli("batch", "show", batch["batch"], "--json")[1])["invoice_lines"]
    amounts = {x["load_number"]: x["amount"] for x in lines}
    purchase = write_csv_file(tmp_path / "p.csv", [
        ["Invoice Number", "Invoice Amount", "Purchase Date", "Status"],
        *([x["invoice_number"], x["amount"], "11/28/2026", "Purchased"] for x in lines)])
    code, _, err = cli("reports", "purchase", batch["batch"], purchase)
    assert code == 0, err
    return amounts


def _charge_back(db, load_number: str) -> None:
    with db.write() as work:
        load_id, invoice_id, amount, factor_id = work.execute(
            select(Load.id, Invoice.id, Invoice.amount_cents, Batch.factoring_company_id)
            .join(Invoice, Invoice.load_id == Load.id)
            .join(Batch, Batch.id == Invoice.batch_id)
            .where(Load.load_number == load_number)).one()
        work.add(LedgerEntry(kind="chargeback", invoice_id=invoice_id, load_id=load_id,
                             factoring_company_id=factor_id, entry_date=dt.date(2027, 2, 1),
                             amount_cents=amount, reference=f"CB-{load_number}", by="test"))
        move_loads(work, [(load_id, load_number)], BillingStatus.FINANCED,
                   BillingStatus.CHARGED_BACK, by="test", reason="charged back",
                   exception=True)


def test_a_partial_payment_then_close_with_a_short_pay(cli, financed, tmp_path):
    first = sorted(financed)[0]
    path = write_csv_file(tmp_path / "pay.csv", [
        ["Invoice Number", "Payment Date", "Amount Paid", "Reference Number", "Final"],
        [first, "12/20/2026", "400.00", "ACH-1", "no"]])
    code, out, _ = cli("reports", "payments", path, "--dry-run")
    assert code == 0 and "partial payment: $400.00 of $" in out
    assert "stays open" in out and f"load {first} stays Financed" in out
    assert cli("reports", "payments", path)[0] == 0
    code, out, _ = cli("loads", "history", first)
    assert code == 0 and f"Load {first} is Financed (partially paid)." in out
    assert "Payment (factor's report)" in out and "ACH-1" in out
    money = _json(cli("loads", "history", first, "--json")[1])["money"]
    assert money["invoice"]["paid"] == "400.00" and money["invoice"]["partially_paid"]
    rest = money["invoice"]["open_balance"]

    code, out, _ = cli("loads", "close", first, "--short-pay-reason", "debtor disputes",
                       "--json")
    move = _json(out)
    assert code == 0 and (move["kind"], move["amount"], move["status"]) == (
        "short_pay", rest, "Completed")
    history = _json(cli("loads", "history", first, "--json")[1])
    assert history["status"] == "Completed"
    short = [ln for ln in history["money"]["lines"] if ln["kind"] == "short_pay"]
    assert [(ln["amount"], ln["source"], ln["detail"]) for ln in short] == [
        (rest, "by test-clerk", "debtor disputes")]
    assert history["history"][-1]["reason"].endswith("debtor disputes")
    code, _, err = cli("loads", "close", first, "--short-pay-reason", "again")
    assert code == 3 and "it is Completed already" in err


def test_loads_pay_a_charged_back_load(cli, db, financed):
    first, second = sorted(financed)[:2]
    code, _, err = cli("loads", "pay", first, "--amount", "10.00", "--reference", "CHK-1")
    assert code == 3 and f"Load {first} cannot take a direct payment: it is Financed" in err
    _charge_back(db, first)
    code, out, _ = cli("loads", "pay", first, "--amount", "$100.00", "--reference", "CHK-1",
                       "--date", "02/10/2027")
    assert code == 0 and "direct payment of $100.00 (CHK-1, 02/10/2027) recorded" in out
    assert "stays open; it is Charged back now." in out
    code, out, _ = cli("loads", "list", "--status", "Charged back")  # the list says so
    assert code == 0 and "Charged back (partially paid)" in out
    code, _, err = cli("loads", "pay", first, "--amount", "1", "--reference", "CHK-1")
    assert code == 3 and "CHK-1 was recorded already" in err
    assert cli("loads", "pay", first, "--amount", "abc", "--reference", "X")[0] == 2
    assert cli("loads", "pay", first, "--amount", "1", "--reference", "X",
               "--date", "someday")[0] == 2
    rest = _json(cli("loads", "history", first, "--json")[1])["money"]["invoice"][
        "open_balance"]
    code, out, _ = cli("loads", "pay", first, "--amount", rest, "--reference", "CHK-2",
                       "--json")
    move = _json(out)
    assert code == 0 and (move["status"], move["open_balance"], move["completed"]) == (
        "Completed", "0.00", True)
    assert second  # untouched: still Financed
    assert _json(cli("loads", "history", second, "--json")[1])["status"] == "Financed"
    # the last payment was a slip: taken back, the load is Charged back again
    code, out, _ = cli("loads", "take-back", first, "--reason", "the check bounced")
    assert code == 0 and f"Load {first}: the direct payment of ${rest} of" in out.replace(
        ",", "")
    assert "it is Charged back now." in out
    code, _, err = cli("loads", "take-back", second, "--reason", "x")
    assert code == 3 and "no close or direct payment of a clerk to take back" in err
    assert cli("loads", "take-back", first)[0] == 2  # --reason is required

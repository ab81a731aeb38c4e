"""Recall invoices from a batch and reverse a batch (issue #12), on both databases."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from factor_desk.db.models import Invoice, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.services import reports
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads

PURCHASE = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"
PAYMENT = "Invoice Number,Payment Date,Amount Paid,Reference Number"


def _statuses(db):
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def _apply(db, tmp_path, kind, batch, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run_to_end(Desk(db).apply_report(kind, path, batch=batch, allow_missing=True))


def _download(db, batch, to):
    result = run_to_end(Desk(db).export(batch, to))
    return {p.relative_to(result.folder).as_posix(): p.read_bytes()
            for p in sorted(result.folder.rglob("*")) if p.is_file()
            and p.name != "manifest.json"}


def test_recall_moves_unbought_invoices_back_and_keeps_the_batch_as_sent(db, batch, tmp_path):
    desk = Desk(db)
    before = _download(db, batch, tmp_path / "before")
    result = desk.recall_invoices(batch, ["2", "3"], "factor held: missing POD")
    assert [(m.load_number, m.status) for m in result.loads] == [("2", "Queued"),
                                                                  ("3", "Queued")]
    assert result.to_dict()["loads"][0] == {"load_number": "2", "invoice_number": "2",
                                            "status": "Queued"}
    assert _statuses(db) == {"1": "Invoiced", "2": "Queued", "3": "Queued", "4": "Invoiced",
                             "9": "Queued"}
    assert _download(db, batch, tmp_path / "after") == before  # what was sent, byte for byte
    detail = desk.show_batch(batch)
    assert [(i.load_number, i.status, i.recall_reason) for i in detail.invoice_lines] == [
        ("1", "Invoiced", ""), ("2", "Recalled", "factor held: missing POD"),
        ("3", "Recalled", "factor held: missing POD"), ("4", "Invoiced", "")]
    assert detail.status == "Submitted" and detail.invoices == 4
    with db.read() as s:
        history = s.execute(select(StatusHistory).where(
            StatusHistory.to_status == "Queued", StatusHistory.from_status == "Invoiced")
        ).scalars().all()
        recon = reports.reconcile(s, batch)
    assert len(history) == 2
    assert all(h.batch_id == detail.id and h.reason == f"Recalled from batch {batch}: "
               "factor held: missing POD" for h in history)
    rows = {r.load_number: r for r in recon.batches[0].rows}
    assert rows["2"].status == "Recalled"
    assert rows["2"].flag == "Recalled: factor held: missing POD"
    assert all(v == 0 for v in rows["2"].amounts.values())  # counts in no money
    assert recon.batches[0].totals["open_balance"] == Decimal("2000.00")
    assert recon.batches[0].totals["invoiced"] == Decimal("2000.00")


def test_recall_is_all_or_nothing_and_only_for_invoices_not_bought(db, batch, tmp_path):
    desk = Desk(db)
    _apply(db, tmp_path, "purchase", batch, "buy.csv",
           [PURCHASE, "1,1000,2026-11-28,975,25,Purchased"])
    with pytest.raises(InputRefused) as refused:
        desk.recall_invoices(batch, ["1", "2", "9", "77"], "pull them")
    messages = [p.message for p in refused.value.problems]
    assert messages == [
        "Load 1 is Financed; only Invoiced loads can be recalled from its batch.",
        f"Load 9 is not in batch {batch}.", f"Load 77 is not in batch {batch}."]
    assert _statuses(db)["2"] == "Invoiced"  # nothing moved
    with pytest.raises(InputRefused, match="reason"):
        desk.recall_invoices(batch, ["2"], "  ")
    desk.recall_invoices(batch, ["2"], "pulled")
    with pytest.raises(InputRefused, match="already recalled"):
        desk.recall_invoices(batch, ["2"], "again")


def test_a_recalled_load_is_batched_again_with_its_invoice_number(db, batch, tmp_path):
    desk = Desk(db)
    _apply(db, tmp_path, "purchase", batch, "held.csv",
           [PURCHASE, "4,1000,,,,Held - wrong rate"])
    with db.read() as s:
        assert list(reports.factor_flags(s).values()) == ["Held: wrong rate"]
    desk.recall_invoices(batch, ["4"], "wrong rate")
    second = desk.submit_batch("Acme Freight", ["4"])
    with db.read() as s:
        assert reports.factor_flags(s) == {}  # what was said of the recalled invoice
    money = desk.load_money("4")
    assert (money.batch, money.invoice.status) == ("ACME-0002", "Invoiced")
    assert second.batch == "ACME-0002"
    with db.read() as s:
        numbers = [(i.batch_id, i.invoice_number, i.recalled_at is not None) for i in
                   s.execute(select(Invoice).where(Invoice.invoice_number == "4")
                             .order_by(Invoice.id)).scalars()]
    assert [(n, r) for _, n, r in numbers] == [("4", True), ("4", False)]
    assert _statuses(db)["4"] == "Invoiced"
    # only the first recalled it: the same load cannot be in two open batches
    with pytest.raises(InputRefused):
        desk.submit_batch("Acme Freight", ["4"])
    # the factor buys it from the new batch
    _apply(db, tmp_path, "purchase", "ACME-0002", "buy.csv",
           [PURCHASE, "4,1000,2026-11-30,975,25,Purchased"])
    assert _statuses(db)["4"] == "Financed"
    with db.read() as s:
        recon = {b.batch: b for b in reports.reconcile(s).batches}
    assert recon["ACME-0002"].totals["purchased"] == Decimal("1000.00")
    assert recon[batch].totals["purchased"] == 0


def test_reverse_moves_every_load_back_until_a_purchase_report_names_the_batch(
        db, batch, tmp_path):
    desk = Desk(db)
    before = _download(db, batch, tmp_path / "before")
    result = desk.reverse_batch(batch, "sent to the wrong factor")
    assert result.batch_status == "Reversed"
    assert sorted(m.load_number for m in result.loads) == ["1", "2", "3", "4"]
    assert set(_statuses(db).values()) == {"Queued"}
    detail = desk.show_batch(batch)
    assert detail.status == "Reversed"
    assert detail.reverse_reason == "sent to the wrong factor"
    after = _download(db, batch, tmp_path / "after")
    assert after.keys() == before.keys()
    schedule = f"Schedule_of_Accounts_{batch}.pdf"
    first_page = PdfReader(io.BytesIO(after[schedule])).pages[0].extract_text()
    assert "REVERSED" in first_page and "sent to the wrong factor" in first_page
    assert "REVERSED" not in PdfReader(io.BytesIO(before[schedule])).pages[0].extract_text()
    # only the schedule changes (alone, and at the head of the whole packet)
    assert [n for n in after if after[n] != before[n]] == [f"{batch}_packet.pdf", schedule]
    assert [b.status for b in desk.list_batches()] == ["Reversed"]
    with pytest.raises(InputRefused, match="reversed"):
        desk.reverse_batch(batch, "again")
    # its number is never reused
    assert desk.submit_batch("Acme Freight", ["1"]).batch == "ACME-0002"
    _apply(db, tmp_path, "purchase", "ACME-0002", "held.csv",
           [PURCHASE, "1,1000,,,,Held - missing POD"])
    with pytest.raises(InputRefused, match="purchase report was applied"):
        desk.reverse_batch("ACME-0002", "no")
    assert _statuses(db)["1"] == "Invoiced"


def test_batch_status_through_a_whole_round_trip(db, batch, tmp_path):
    desk = Desk(db)

    def status():
        return {b.batch: b.status for b in desk.list_batches()}[batch]

    assert status() == "Submitted"
    _apply(db, tmp_path, "purchase", batch, "buy1.csv",
           [PURCHASE] + [f"{n},1000,2026-11-28,975,25,Purchased" for n in "12"]
           + ["3,1000,,,,Held - missing POD"])
    assert status() == "Partially purchased"
    desk.recall_invoices(batch, ["3"], "held by the factor")
    _apply(db, tmp_path, "purchase", batch, "buy2.csv",
           [PURCHASE, "4,1000,2026-11-29,975,25,Purchased"])
    assert status() == "Purchased"
    _apply(db, tmp_path, "payments", batch, "pay1.csv", [PAYMENT, "1,2026-12-28,1000,R-1"])
    assert status() == "Partially paid"
    _apply(db, tmp_path, "payments", batch, "pay2.csv",
           [PAYMENT, "2,2026-12-28,1000,R-2", "4,2026-12-28,1000,R-4"])
    assert status() == "Closed"  # the recalled invoice 3 does not keep it open
    with db.read() as s:
        recon = reports.reconcile(s, batch).batches[0]
    assert recon.status == "Closed"
    assert recon.totals["open_balance"] == 0


def test_an_invoice_recalled_and_batched_again_is_not_missing_from_its_first_batch(
        db, batch, tmp_path):
    desk = Desk(db)
    desk.recall_invoices(batch, ["4"], "wrong rate")
    desk.submit_batch("Acme Freight", ["4"])  # Invoiced again, in ACME-0002
    path = tmp_path / "first.csv"
    path.write_text("\n".join([PURCHASE] + [f"{n},1000,2026-11-30,975,25,Purchased"
                                            for n in "123"]) + "\n", encoding="utf-8")
    preview = run_to_end(desk.preview_report("purchase", path, batch=batch))
    assert preview.missing_invoices == []
    assert run_to_end(desk.apply_report("purchase", path, batch=batch)).rows_applied == 3

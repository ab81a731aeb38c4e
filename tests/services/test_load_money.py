"""A load's money (its payments, short pay or overpay) and its documents: opened from the
store, and removed only before the load is batched, with a history row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import attach_document, dump, tiny_pdf
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.services.desk import Desk


def _pay(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)
    first = apply(db, "payments", write_csv(tmp_path / "pay1.csv", PAYMENT_HEADER, [
        payment_row("1", "600.00", **{"Payment Date": "2026-12-20"}),
        payment_row("1", "340.00", ref="ACH-1b", **{"Short Pay Reason": "lumper"})]))
    apply(db, "payments", write_csv(tmp_path / "pay2.csv", PAYMENT_HEADER, [
        payment_row("2", "1025.00")]))
    return first


def test_each_payment_with_its_import_and_the_short_pay(db, batch, tmp_path):
    first = _pay(db, batch, tmp_path)
    money = Desk(db).load_money("1")
    assert money.batch == batch
    inv = money.invoice
    assert inv is not None
    assert [(p.payment_date.isoformat(), p.amount, p.reference, p.import_file)
            for p in inv.payments] == [
        ("2026-12-20", Decimal("600.00"), "ACH-1", "pay1.csv"),
        ("2026-12-28", Decimal("340.00"), "ACH-1b", "pay1.csv")]
    assert inv.payments[1].import_id == first.import_id
    assert (inv.paid, inv.short_pay, inv.overpay) == (
        Decimal("940.00"), Decimal("60.00"), Decimal("0.00"))
    overpaid = Desk(db).load_money("2").invoice
    assert overpaid is not None and overpaid.overpay == Decimal("25.00")


def test_a_load_not_batched_has_no_invoice_money(db, batch):
    money = Desk(db).load_money("9")
    assert (money.batch, money.invoice) == (None, None)
    with pytest.raises(NotFound):
        Desk(db).load_money("nope")


def test_a_document_opens_with_its_bytes(db, batch, tmp_path):
    data = tiny_pdf("pod 9")
    info = attach_document(db, "9", _file(tmp_path, "pod 9.pdf", data), "pod")
    assert Desk(db).document_file(info.id) == ("pod 9.pdf", data)


def test_a_queued_loads_document_is_removed_with_a_history_row(db, batch, tmp_path):
    desk = Desk(db)
    keep = attach_document(db, "9", _file(tmp_path, "rc.pdf", tiny_pdf("rc")),
                           "rate_confirmation")
    gone = attach_document(db, "9", _file(tmp_path, "pod.pdf", tiny_pdf("pod")), "pod")
    removed = desk.remove_document(gone.id)
    assert removed.file_name == "pod.pdf"
    _history, documents, _flag = desk.load_detail("9")
    assert [d.id for d in documents] == [keep.id]
    last = desk.load_history("9")[-1]
    assert (last.from_status, last.to_status) == ("Queued", "Queued")
    assert last.reason.startswith("Document removed: Proof of delivery pod.pdf")
    assert last.by
    with pytest.raises(NotFound, match="removed a moment ago"):
        desk.remove_document(gone.id)


def test_a_batched_loads_documents_cannot_be_removed(db, batch, tmp_path):
    info = attach_document(db, "1", _file(tmp_path, "late.pdf", tiny_pdf("late")), "pod")
    before = dump(db)
    with pytest.raises(InputRefused, match="Load 1 is Invoiced.*cannot be removed"):
        Desk(db).remove_document(info.id)
    assert dump(db) == before


def _file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path

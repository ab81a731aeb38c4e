"""The audit (issue #15): each kind of action a clerk takes shows up once, with who, when,
its loads, its batch and its file; the filters by clerk and by day; an import of thousands
of loads is one entry; the window's limit says when older entries were left out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import (
    import_loads,
    load_row,
    times_kept,
    tiny_pdf,
    users_not_stamped,
    write_loads_csv,
)
from helpers_money import chargeback
from sqlalchemy import select, update
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.db.models import Batch, BatchSend, ReportImport, StatusHistory, utcnow
from factor_desk.services import loads as load_service
from factor_desk.services.audit import AuditAction as A
from factor_desk.services.audit import AuditEntry
from factor_desk.services.desk import Desk

CLERK = "test-clerk"


def by_action(desk: Desk, **kw) -> dict[A, list[AuditEntry]]:
    found: dict[A, list[AuditEntry]] = {}
    for entry in desk.audit(**kw).entries:
        found.setdefault(entry.action, []).append(entry)
    return found


def one(found: dict[A, list[AuditEntry]], action: A) -> AuditEntry:
    (entry,) = found[action]
    return entry


@pytest.fixture
def story(db, batch, tmp_path):
    """Batch ACME-0001 (loads 1-4, from loads.csv) and, after it, one of each thing a
    clerk does: documents, load moves and edits, recall, reverse, the factor's reports,
    an undo, a close and its take-back, a chargeback paid directly, a mapping, an email."""
    desk = Desk(db)
    import_loads(db, write_loads_csv(tmp_path / "more loads.csv",
                                     [load_row("10"), load_row("11")]), "Acme Freight")
    rc = tmp_path / "rc 9.pdf"
    rc.write_bytes(tiny_pdf("rc"))
    doc = desk.attach("9", rc, "rate_confirmation")
    pod = tmp_path / "pod 9.pdf"
    pod.write_bytes(tiny_pdf("pod"))
    desk.attach("9", pod, "pod")
    desk.remove_document(doc.id)
    desk.edit_load("9", {"po_number": "PO-NEW"})
    desk.unqueue_loads(["9"], "waiting for the lumper receipt")
    desk.queue_loads(["9"])
    desk.void_loads(["10"], "cancelled by the shipper")
    desk.recall_invoices(batch, ["4"], "wrong rate")
    second = desk.submit_batch("Acme Freight", ["4", "9"]).batch
    desk.reverse_batch(second, "sent by mistake")
    apply(db, "purchase", write_csv(tmp_path / "purchase.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "123"]), batch=batch)
    paid = apply(db, "payments", write_csv(tmp_path / "payments.csv", PAYMENT_HEADER,
                                           [payment_row("1")]))
    desk.undo_import(paid.import_id)
    desk.close_load("2", "debtor deducted a pallet")
    desk.take_back_payment("2", "typed on the wrong load")
    chargeback(db, "3", "1000.00", "CB-3")
    desk.pay_load("3", Decimal("1000.00"), "CHK-77", dt.date(2026, 12, 30))
    desk.save_mapping("Capital Depot", "payments", {
        "invoice_number": "Inv No", "payment_date": "Paid On", "amount_paid": "Paid"})
    with db.write() as work:  # as services/sending.py records an email of two parts
        batch_id = work.execute(select(Batch.id).where(Batch.label == batch)).scalar_one()
        now = utcnow()
        work.add_all([BatchSend(batch_id=batch_id, via="smtp", to_address="f@factor.test",
                                part=p, parts=2, sent_at=now, sent_by=CLERK) for p in (1, 2)])
    return desk, batch, second


def test_each_kind_of_action_shows_once_with_who_loads_batch_and_file(story):
    desk, batch, second = story
    log = desk.audit()
    assert not log.more and {e.user for e in log.entries} == {CLERK}
    whens = [e.when for e in log.entries]
    assert whens == sorted(whens, reverse=True)  # newest first
    found = by_action(desk)

    first, more = sorted(found[A.IMPORTED_LOADS], key=lambda e: e.when)
    assert (first.file_name, first.load_count, first.loads) == ("loads.csv", 5,
                                                                ["1", "2", "3", "4", "9"])
    assert first.detail.endswith(": 5 rows") and first.loads_text(2) == "5 loads: 1, 2…"
    assert (more.file_name, more.loads) == ("more loads.csv", ["10", "11"])

    submits = {e.batch: e for e in found[A.SUBMITTED_BATCH]}
    assert submits[batch].loads == ["1", "2", "3", "4"]
    assert submits[batch].detail == "4 invoices, $4,000.00"
    assert submits[batch].what == "Submitted a batch"
    assert submits[second].loads == ["4", "9"]
    # the rate confirmation was removed: its row went, the removal's history row says it
    attached = one(found, A.ATTACHED)
    assert (attached.loads, attached.file_name, attached.detail) == (
        ["9"], "pod 9.pdf", "Proof of delivery")
    removed = one(found, A.REMOVED_DOCUMENT)
    assert removed.loads == ["9"] and "rc 9.pdf" in removed.detail
    assert one(found, A.EDITED).loads == ["9"] and "PO-NEW" in one(found, A.EDITED).detail
    back = one(found, A.BACK_TO_RELEASED)
    assert (back.loads, back.detail) == (["9"], "waiting for the lumper receipt")
    assert one(found, A.CREATED_INVOICES).loads == ["9"]
    voided = one(found, A.VOIDED)
    assert (voided.loads, voided.detail, voided.what) == (
        ["10"], "cancelled by the shipper", "Voided a load")
    recalled = one(found, A.RECALLED)
    assert (recalled.loads, recalled.batch, recalled.detail) == (
        ["4"], batch, f"Recalled from batch {batch}: wrong rate")
    reversed_ = one(found, A.REVERSED_BATCH)
    assert (reversed_.loads, reversed_.batch, reversed_.detail) == (
        ["4", "9"], second, "sent by mistake")

    purchase = one(found, A.PURCHASE_REPORT)
    assert (purchase.file_name, purchase.batch, purchase.loads) == (
        "purchase.csv", batch, ["1", "2", "3"])
    assert "3 rows, 3 applied" in purchase.detail
    payments = one(found, A.PAYMENT_REPORT)
    assert (payments.file_name, payments.loads) == ("payments.csv", ["1"])
    assert f"(undone {dt.date.today():%m/%d/%Y} by {CLERK})" in payments.detail
    undo = one(found, A.UNDID_IMPORT)
    assert (undo.file_name, undo.loads, undo.import_id) == ("payments.csv", ["1"],
                                                            payments.import_id)
    assert undo.when > payments.when
    closed = one(found, A.CLOSED_SHORT_PAY)
    assert closed.loads == ["2"] and "debtor deducted a pallet" in closed.detail
    took = one(found, A.TOOK_BACK)
    assert took.loads == ["2"] and "typed on the wrong load" in took.detail
    reserve = one(found, A.RESERVE_REPORT)
    assert reserve.loads == ["3"] and reserve.file_name.startswith("reserve-")
    direct = one(found, A.DIRECT_PAYMENT)
    assert direct.loads == ["3"] and "CHK-77" in direct.detail
    mapping = one(found, A.SAVED_MAPPING)
    assert mapping.detail == "payment report columns of Capital Depot"
    assert one(found, A.SAVED_INFO).detail == "Notice of Assignment of Acme Freight"
    sent = one(found, A.EMAILED_BATCH)
    assert (sent.batch, sent.detail, sent.load_count) == (
        batch, "emailed to f@factor.test in 2 parts", 0)
    assert A.CHANGED not in found and A.ADDED_LOADS not in found


def test_a_clerk_and_a_day_choose_the_entries(story, db):
    desk, batch, _second = story
    with db.write() as work, users_not_stamped(work):  # another clerk, on the same data
        work.user = "Clerk2"
        load_service.void_loads(work, ["11"], reason="duplicate")
    theirs = desk.audit(user="clerk2")  # a login, in any case
    assert [(e.user, e.action, e.loads) for e in theirs.entries] == [
        ("Clerk2", A.VOIDED, ["11"])]
    assert "Clerk2" not in {e.user for e in desk.audit(user=CLERK).entries}
    assert desk.audit(user="nobody").entries == []
    assert desk.audit_users() == ["Clerk2", CLERK]

    # the first import happened back in January
    with db.write() as work, times_kept(work, "report_imports"):
        old = dt.datetime(2026, 1, 5, 9, 30)
        work.execute(update(ReportImport).where(ReportImport.file_name == "loads.csv")
                     .values(imported_at=old))
    since = {e.file_name for e in desk.audit(since=dt.date(2026, 2, 1)).entries}
    assert "more loads.csv" in since and "loads.csv" not in since
    assert "loads.csv" in {e.file_name for e in desk.audit(since=dt.date(2026, 1, 5)).entries}
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert desk.audit(since=tomorrow).entries == []
    both = desk.audit(user="CLERK2", since=dt.date.today()).entries
    assert [e.action for e in both] == [A.VOIDED]


def test_the_window_says_when_older_entries_were_left_out(story):
    desk, _batch, _second = story
    every = desk.audit().entries
    window = desk.audit(limit=3)
    assert window.more and window.entries == every[:3]
    assert not desk.audit(limit=len(every)).more
    with pytest.raises(ValueError):
        desk.audit(limit=0)


def test_an_import_of_thousands_of_loads_is_one_entry(db, tmp_path):
    from helpers import make_carrier

    make_carrier(db, required=())
    rows = [load_row(f"L{n:05d}") for n in range(3_000)]
    import_loads(db, write_loads_csv(tmp_path / "big week.csv", rows), "Acme Freight")
    desk = Desk(db)
    desk.submit_batch("Acme Freight", [f"L{n:05d}" for n in range(100, 2_600)])
    found = by_action(desk)
    assert sum(len(v) for v in found.values()) == 3  # with the NOA saved and the submit
    imported = one(found, A.IMPORTED_LOADS)
    assert (imported.load_count, imported.file_name) == (3_000, "big week.csv")
    assert imported.loads == ["L00000", "L00001", "L00002", "L00003", "L00004"]
    assert imported.loads_text() == "3,000 loads: L00000, L00001, L00002, L00003, L00004…"
    submitted = one(found, A.SUBMITTED_BATCH)
    assert (submitted.load_count, submitted.loads[0], submitted.batch) == (
        2_500, "L00100", "ACME-0001")
    assert submitted.detail == "2,500 invoices, $6,375,000.00"


def test_history_rows_without_a_clerk_are_not_lost(db, batch):
    """Rows written before logins were kept (an older database) say no one; they show."""
    with db.write() as work, users_not_stamped(work):  # as an older database had them
        work.execute(update(StatusHistory).values(by=""))
    found = by_action(Desk(db))
    assert one(found, A.SUBMITTED_BATCH).user == ""
    assert Desk(db).audit_users() == [CLERK]


def test_a_batch_reversed_with_every_invoice_recalled_before_shows_once(db, batch):
    desk = Desk(db)
    desk.recall_invoices(batch, ["1", "2", "3", "4"], "the factor lost them")
    desk.reverse_batch(batch, "start over")
    found = by_action(desk)
    reversed_ = one(found, A.REVERSED_BATCH)
    assert (reversed_.batch, reversed_.detail, reversed_.loads, reversed_.user) == (
        batch, "start over", [], CLERK)
    assert one(found, A.RECALLED).loads == ["1", "2", "3", "4"]

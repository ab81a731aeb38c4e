"""A batch invoice by invoice: each invoice's money as the reconciliation counts it, the
factor's flag and reason, and the references of the payments that came in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    undo,
    write_csv,
)

from factor_desk.domain.errors import NotFound
from factor_desk.services.desk import Desk


def _applied(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [
        purchase_row("1"), purchase_row("2"), purchase_row("3"),
        purchase_row("4", Status="Held - missing signed POD")]), batch)
    return apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, [
        payment_row("1", "940.00", **{"Short Pay Reason": "detention disputed"}),
        payment_row("2", "1010.00", **{"Check Number": "55012"}, ref="")]))


def test_every_invoice_in_schedule_order_with_its_money(db, batch, tmp_path):
    _applied(db, batch, tmp_path)
    rows = Desk(db).batch_invoices(batch)
    assert [(r.invoice_number, r.load_number, r.status) for r in rows] == [
        ("1", "1", "Completed"), ("2", "2", "Completed"), ("3", "3", "Financed"),
        ("4", "4", "Invoiced")]
    one, two, three, four = rows
    assert (one.invoiced, one.advance, one.fee, one.reserve) == (
        Decimal("1000.00"), Decimal("975.00"), Decimal("25.00"), Decimal("0.00"))
    assert (one.paid, one.short_pay, one.overpay, one.open_balance) == (
        Decimal("940.00"), Decimal("60.00"), Decimal("0.00"), Decimal("0.00"))
    assert (two.paid, two.short_pay, two.overpay) == (
        Decimal("1010.00"), Decimal("0.00"), Decimal("10.00"))
    assert (three.paid, three.open_balance, three.flag) == (
        Decimal("0.00"), Decimal("1000.00"), "")
    assert four.flag == "Held: missing signed POD"
    assert (four.advance, four.fee) == (Decimal("0.00"), Decimal("0.00"))
    # the payments: reference (else the check number), date, and which import
    assert one.references == ["ACH-1"] and two.references == ["55012"]
    assert one.payments[0].short_pay_reason == "detention disputed"
    assert one.payments[0].payment_date.isoformat() == "2026-12-28"
    assert one.payments[0].import_file == "pay.csv"
    assert three.payments == [] and three.references == []


def test_the_figures_are_the_reconciliations(db, batch, tmp_path):
    _applied(db, batch, tmp_path)
    desk = Desk(db)
    recon = desk.reconcile(batch).batches[0]
    rows = desk.batch_invoices(batch)
    for field in ("invoiced", "advance", "fee", "reserve", "paid", "short_pay", "overpay",
                  "open_balance"):
        assert sum((getattr(r, field) for r in rows), Decimal(0)) == recon.totals[field], field


def test_an_undone_payment_report_no_longer_counts(db, batch, tmp_path):
    result = _applied(db, batch, tmp_path)
    undo(db, result.import_id)
    rows = Desk(db).batch_invoices(batch)
    assert all(r.payments == [] and r.paid == 0 for r in rows)
    assert [r.status for r in rows] == ["Financed", "Financed", "Financed", "Invoiced"]


def test_a_few_queries_whatever_the_batch_size(db, batch, tmp_path):
    _applied(db, batch, tmp_path)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        Desk(db).batch_invoices(batch)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 8  # not one per invoice


def test_an_unknown_batch_is_refused_by_name(db, batch):
    with pytest.raises(NotFound):
        Desk(db).batch_invoices("ACME-0099")

"""services/ledger.py ``invoice_money()`` picked out by invoice, batch or load (the one
batch's reconciliation, the load page, the reports' checks) gives exactly those invoices'
rows of the whole: the payments and entries of the others are left out of the sums, never
those of the invoices asked for."""

from __future__ import annotations

from sqlalchemy import select
from test_reconcile_money import money  # noqa: F401 (a fixture)

from factor_desk.db.models import Invoice
from factor_desk.services.desk import Desk
from factor_desk.services.ledger import invoice_money


def _rows(work, **picked) -> list[tuple]:
    m = invoice_money(**picked)
    return [tuple(r) for r in work.execute(select(m).order_by(m.c.invoice_id)).all()]


def test_the_money_of_a_batch_a_load_or_some_invoices_is_their_part_of_the_whole(
        db, money):  # noqa: F811
    with db.read() as work:
        whole = _rows(work)
        recalled = work.execute(select(Invoice.id, Invoice.batch_id, Invoice.load_id)
                                .where(Invoice.recalled_at.is_not(None))).all()
    assert len(whole) == 9 and recalled  # every kind of money movement, and a recall
    assert sum(r[5] for r in whole) > 0 and sum(r[7] for r in whole) > 0  # paid, short pay
    with db.read() as work:
        for batch_id in {r[2] for r in whole} | {b for _, b, _ in recalled}:
            assert _rows(work, batch_id=batch_id) == [r for r in whole if r[2] == batch_id]
        for load_id in {r[1] for r in whole} | {ld for _, _, ld in recalled}:
            assert _rows(work, load_id=load_id) == [r for r in whole if r[1] == load_id]
        some = [r[0] for r in whole[::2]] + [i for i, _, _ in recalled]
        assert _rows(work, invoice_ids=some) == whole[::2]  # a recalled one counts in nothing
        assert _rows(work, invoice_ids=[]) == []
        first = whole[0]
        assert _rows(work, batch_id=first[2], load_id=first[1]) == [first]
        assert _rows(work, batch_id=first[2] + 999) == []


def test_one_batch_reconciled_alone_has_its_figures_in_the_whole(db, money):  # noqa: F811
    desk = Desk(db)
    every = {b.batch: b for b in desk.reconcile(rows=True).batches}
    assert len(every) == 3
    for label, whole in every.items():
        alone = desk.reconcile(label).batches[0]
        assert (alone.status, alone.totals) == (whole.status, whole.totals)
        assert [r.to_dict() for r in alone.rows] == [r.to_dict() for r in whole.rows]


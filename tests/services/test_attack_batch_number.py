"""Attack: a subsidiary's batch counter set back by hand (psql, or a billing login, which
may write that column to number its batches): the next submit still takes a number no
batch has, instead of failing on the label's uniqueness."""

from __future__ import annotations

from sqlalchemy import text

from factor_desk.services.desk import Desk


def test_a_batch_counter_set_back_by_hand_does_not_block_the_next_submit(db, batch):
    with db.write() as work:
        work.execute(text("UPDATE subsidiaries SET last_batch_number = 0"))
    desk = Desk(db)
    assert desk.submit_batch("Acme Freight", ["9"]).batch == "ACME-0002"
    assert sorted(b.batch for b in desk.list_batches()) == [batch, "ACME-0002"]

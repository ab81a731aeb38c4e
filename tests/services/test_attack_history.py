"""Attacks on the history (issue #15, migration 0015): a billing login's psql changes a
load's status without a history row, or writes a history row dated last month. The server
refuses the one at commit (nothing changes) and dates the other itself. Three real logins
on the test server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers_team import one_row, three_loads
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from factor_desk.db.database import Database, Location
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.permissions import Permission

MOVE = "UPDATE loads SET status = 'Void' WHERE load_number = '1'"
HISTORY = ("INSERT INTO status_history (load_id, from_status, to_status, at, by, reason) "
           "SELECT id, 'Queued', 'Void', {at}, '', 'by hand' FROM loads "
           "WHERE load_number = '1'")
NOW = "(now() AT TIME ZONE 'UTC')"


@pytest.fixture
def carrier(db, tmp_path):
    three_loads(db, tmp_path)


_one = one_row


def _history_count(db):
    return _one(db, "SELECT count(*) FROM status_history")[0]


def _refused(engine, *statements):
    with pytest.raises(ProgrammingError) as refused, engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    assert refused.value.orig.sqlstate == "42501"
    assert refused.value.orig.diag.constraint_name == "factor_desk_history_required"
    return str(refused.value.orig).splitlines()[0]


def test_a_status_changed_without_its_history_row_is_refused_at_commit(db, team, carrier):
    before = _history_count(db)
    billing = team.raw(Permission.BILLING)
    message = _refused(billing, MOVE)
    assert message.startswith("Load 1 went from Queued to Void without its row in the "
                              "status history.")
    assert "nothing was changed" in message
    # a history row of another load, or to another status, does not stand for it
    _refused(billing, MOVE, HISTORY.format(at=NOW).replace("'1'", "'2'"))
    _refused(billing, MOVE, HISTORY.format(at=NOW).replace("'Void'", "'Released'"))
    assert _one(db, "SELECT status FROM loads WHERE load_number = '1'")[0] == "Queued"
    assert _history_count(db) == before


def test_with_its_history_row_in_the_same_transaction_the_change_goes_through(
        db, team, carrier):
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:  # the history after the move, as Factor Desk writes it
        conn.execute(text(MOVE))
        conn.execute(text(HISTORY.format(at=NOW)))
    with billing.begin() as conn:  # or before it, under a savepoint (psql's
        #                             ON_ERROR_ROLLBACK makes one per statement)
        with conn.begin_nested():
            conn.execute(text(HISTORY.format(at=NOW).replace("'1'", "'2'")))
        with conn.begin_nested():
            conn.execute(text(MOVE.replace("'1'", "'2'")))
    assert [r[0] for r in _all(db, "SELECT status FROM loads ORDER BY load_number")] == [
        "Void", "Void", "Queued"]


def test_a_history_row_rolled_back_with_its_savepoint_stands_for_nothing(
        db, team, carrier):
    billing = team.raw(Permission.BILLING)
    with pytest.raises(ProgrammingError, match="Load 1 went from Queued to Void"), \
            billing.begin() as conn:
        conn.execute(text(MOVE))
        saved = conn.begin_nested()
        conn.execute(text(HISTORY.format(at=NOW)))
        saved.rollback()
    assert _one(db, "SELECT status FROM loads WHERE load_number = '1'")[0] == "Queued"


def test_a_load_added_or_an_invoice_recalled_by_hand_needs_its_history_row(
        db, team, carrier):
    billing = team.raw(Permission.BILLING)
    add = ("INSERT INTO loads (load_number, invoice_number, subsidiary_id, customer_id, "
           "po_number, pickup_location, delivery_location, linehaul_cents, "
           "accessorials_cents, total_cents, status, created_at) SELECT 'X1', 'X1', "
           "subsidiary_id, customer_id, '', '', '', 100, 0, 100, 'Queued', now() "
           "FROM loads WHERE load_number = '1'")
    assert _refused(billing, add).startswith("Load X1 was added as Queued without")
    label = team.desk(Permission.BILLING).submit_batch("Acme Freight", ["1", "2"]).batch
    recall = ("UPDATE invoices SET recalled_at = now(), recall_reason = 'psql' "
              "WHERE load_id = (SELECT id FROM loads WHERE load_number = '2')")
    assert _refused(billing, recall).startswith(
        f"The invoice of load 2 was recalled from batch {label} without")
    # the load's row of another batch does not stand for the invoice's
    moved_back = "UPDATE loads SET status = 'Queued' WHERE load_number = '2'"
    other = ("INSERT INTO status_history (load_id, from_status, to_status, at, by, "
             f"reason) SELECT id, 'Invoiced', 'Queued', {NOW}, '', 'psql' FROM loads "
             "WHERE load_number = '2'")
    _refused(billing, recall, moved_back, other)
    with billing.begin() as conn:  # as Factor Desk recalls: the load, its row, the invoice
        conn.execute(text(moved_back))
        conn.execute(text(other.replace("reason)", "reason, batch_id)").replace(
            "'psql' FROM", "'psql', (SELECT id FROM batches) FROM")))
        conn.execute(text(recall))
    assert _one(db, "SELECT count(*) FROM invoices WHERE recalled_at IS NOT NULL")[0] == 1


def test_a_backdated_history_row_gets_the_servers_time_an_honest_one_keeps_its_own(
        db, team, carrier):
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:
        server_now = conn.execute(text(f"SELECT {NOW}")).scalar_one()
        conn.execute(text(MOVE))
        conn.execute(text(HISTORY.format(at="TIMESTAMP '2026-10-01 09:00'")))
        conn.execute(text(MOVE.replace("'1'", "'2'")))
        conn.execute(text(HISTORY.format(at=f"{NOW} - interval '1 minute'").replace(
            "'1'", "'2'")))
        conn.execute(text(HISTORY.format(at=f"{NOW} + interval '2 days'").replace(
            "'Queued', 'Void'", "'Queued', 'Queued'").replace("'1'", "'3'")))
    rows = dict(_all(db, "SELECT l.load_number, h.at FROM status_history h JOIN loads l "
                         "ON l.id = h.load_id WHERE h.reason = 'by hand'"))
    assert rows["1"] == server_now  # its transaction's time, not October's
    assert rows["2"] == server_now - dt.timedelta(minutes=1)  # a clock a minute off
    assert rows["3"] == server_now  # nor the day after tomorrow's


def test_the_app_tells_a_clerk_what_the_server_refused(team, carrier, home):
    billing = Database(Location(url=team.url(Permission.BILLING), home=home))
    try:
        with pytest.raises(InputRefused, match="Load 1 went from Queued to Void without"
                           ) as refused, billing.write() as work:
            work.execute(text(MOVE))
    finally:
        billing.dispose()
    assert "nothing was changed" in str(refused.value)


def _all(db, sql):
    with db.read() as work:
        return [tuple(r) for r in work.execute(text(sql))]


def _permission_refused(engine, sql):
    with pytest.raises(ProgrammingError) as refused, engine.begin() as conn:
        conn.execute(text(sql))
    assert refused.value.orig.sqlstate == "42501"


def test_an_invoice_sent_is_not_rewritten_by_billings_own_sql(db, team, carrier):
    """A recall hidden by a new id in the same UPDATE, an open invoice moved to another
    load or batch: Billing may update only a recall's columns of an invoice."""
    label = team.desk(Permission.BILLING).submit_batch("Acme Freight", ["1", "2"]).batch
    billing = team.raw(Permission.BILLING)
    load_2 = "(SELECT id FROM loads WHERE load_number = '2')"
    before = _one(db, "SELECT count(*), sum(id), sum(load_id) FROM invoices")
    for sql in (
            "UPDATE invoices SET id = id + 1000, recalled_at = now() WHERE load_id = "
            + load_2,
            "UPDATE invoices SET load_id = (SELECT id FROM loads WHERE load_number = '3') "
            "WHERE load_id = " + load_2,
            "UPDATE invoices SET batch_id = batch_id, amount_cents = 1 WHERE load_id = "
            + load_2):
        _permission_refused(billing, sql)
    assert _one(db, "SELECT count(*), sum(id), sum(load_id) FROM invoices") == before
    # the recall itself is still Billing's (with its history row: above)
    assert _refused(billing, "UPDATE invoices SET recalled_at = now() WHERE load_id = "
                    + load_2).startswith(f"The invoice of load 2 was recalled from batch "
                                         f"{label}")


def test_one_history_row_does_not_stand_for_the_same_move_made_twice(db, team, carrier):
    billing = team.raw(Permission.BILLING)
    back = HISTORY.format(at=NOW).replace("'Queued', 'Void'", "'Void', 'Queued'")
    _refused(billing, MOVE, HISTORY.format(at=NOW),
             "UPDATE loads SET status = 'Queued' WHERE load_number = '1'", back,
             MOVE)  # Void again, with no row of its own
    assert _one(db, "SELECT status FROM loads WHERE load_number = '1'")[0] == "Queued"
    with billing.begin() as conn:  # each move with its row: goes through
        for sql in (MOVE, HISTORY.format(at=NOW),
                    "UPDATE loads SET status = 'Queued' WHERE load_number = '1'", back,
                    MOVE, HISTORY.format(at=NOW)):
            conn.execute(text(sql))
    assert _one(db, "SELECT status FROM loads WHERE load_number = '1'")[0] == "Void"


def test_a_recall_taken_back_by_hand_is_told_as_such_and_needs_its_row(db, team, carrier):
    desk = team.desk(Permission.BILLING)
    label = desk.submit_batch("Acme Freight", ["1", "2"]).batch
    desk.recall_invoices(label, ["2"], reason="wrong rate")
    billing = team.raw(Permission.BILLING)
    unrecall = ("UPDATE invoices SET recalled_at = NULL WHERE load_id = "
                "(SELECT id FROM loads WHERE load_number = '2')")
    assert _refused(billing, unrecall).startswith(f"Load 2 was put in batch {label} without")
    assert _one(db, "SELECT count(*) FROM invoices WHERE recalled_at IS NOT NULL")[0] == 1

"""Attacks on the times the client gives (issue #15, migration 0016): a billing login's psql
backdates a recall, an undo or a ledger entry, or dates it next week; a clerk's PC clock is
off. A time of when something happened more than 5 minutes from the server's clock gets
the server's time (of the transaction), on an insert and on an update that changes it; an
honest time, and a time an update leaves alone, keep their own. Three real logins on the
test server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers_team import one_row
from sqlalchemy import text

from factor_desk.db.server_times import COLUMNS
from factor_desk.domain.permissions import Permission
from factor_desk.services import batches, recall

NOW = "(now() AT TIME ZONE 'UTC')"
OFF = {"backdated": "TIMESTAMP '2026-10-01 09:00'", "future": f"{NOW} + interval '2 days'"}
HONEST = f"{NOW} - interval '1 minute'"
# the columns a billing login may update (db/team.py); Admin updates the others
BILLING_UPDATES = {("loads", "created_at"), ("loads", "changed_at"),
                   ("batches", "submitted_at"), ("batches", "reversed_at"),
                   ("report_imports", "undone_at"), ("column_mappings", "saved_at")}
# an invoice's recalled_at needs its history row (migration 0015): its own test below;
# an import's undone_at is written only by its undo (0016: test_attack_undo_records)
UPDATED = sorted((t, c) for t, columns in COLUMNS.items() for c in columns
                 if t != "invoices" and (t, c) != ("report_imports", "undone_at"))


@pytest.fixture
def rows(db, team, batch):
    """A row in every table of COLUMNS: the batch's (services/conftest.py), and a
    document, a ledger entry, a mapping and a send written by the database's owner."""
    with db.write() as work:
        for sql in (
                "INSERT INTO supporting_documents (load_id, kind, file_name, content_type, "
                "sha256, size, added_at, added_by) SELECT min(id), 'pod', 'a.pdf', "
                "'application/pdf', repeat('0', 64), 1, {now}, '' FROM loads",
                "INSERT INTO ledger_entries (kind, entry_date, amount_cents, reference, "
                "reason, at, by) VALUES ('fee', DATE '2026-11-28', 500, 'F-1', '', {now}, '')",
                "INSERT INTO column_mappings (factoring_company_id, kind, columns, saved_at, "
                "saved_by) SELECT min(id), 'payments', '{{}}', {now}, '' "
                "FROM factoring_companies",
                "INSERT INTO batch_sends (batch_id, via, to_address, message_id, part, "
                "parts, size_bytes, sent_at, sent_by) SELECT min(id), 'eml', '', '', 1, 1, "
                "0, {now}, '' FROM batches"):
            work.execute(text(sql.format(now=NOW)))
    return batch


def _set(engine, table, column, value):
    """Update the first row's ``column`` to ``value`` in one transaction; what the row then
    holds, and the server's time of that transaction."""
    with engine.begin() as conn:
        server_now = conn.execute(text(f"SELECT {NOW}")).scalar_one()
        conn.execute(text(f"UPDATE {table} SET {column} = {value} "
                          f"WHERE id = (SELECT min(id) FROM {table})"))
        held = conn.execute(text(f"SELECT {column} FROM {table} "
                                 f"WHERE id = (SELECT min(id) FROM {table})")).scalar_one()
    return held, server_now


@pytest.mark.parametrize(("table", "column"), UPDATED, ids=[f"{t}.{c}" for t, c in UPDATED])
def test_a_time_set_far_from_the_servers_clock_gets_the_servers_an_honest_one_stays(
        db, team, rows, table, column):
    who = Permission.BILLING if (table, column) in BILLING_UPDATES else Permission.ADMIN
    engine = team.raw(who)
    for off in OFF.values():
        held, server_now = _set(engine, table, column, off)
        assert held == server_now
    held, server_now = _set(engine, table, column, HONEST)
    assert held == server_now - dt.timedelta(minutes=1)  # a clock a minute off


def test_a_row_added_with_a_time_far_from_the_servers_clock_gets_the_servers(
        db, team, rows):
    billing = team.raw(Permission.BILLING)
    adds = {
        "ledger_entries": "INSERT INTO ledger_entries (kind, entry_date, amount_cents, "
                          "reference, reason, at, by) VALUES ('fee', DATE '2026-10-01', 100, "
                          "'{name}', '', {at}, '') RETURNING at",
        "batch_sends": "INSERT INTO batch_sends (batch_id, via, to_address, message_id, "
                       "part, parts, size_bytes, sent_at, sent_by) SELECT min(id), 'eml', "
                       "'{name}', '', 1, 1, 0, {at}, '' FROM batches RETURNING sent_at",
        "supporting_documents": "INSERT INTO supporting_documents (load_id, kind, file_name, "
                                "content_type, sha256, size, added_at, added_by) SELECT "
                                "min(id), 'pod', '{name}', 'application/pdf', repeat('1', "
                                "64), 1, {at}, '' FROM loads RETURNING added_at",
        "customers": "INSERT INTO customers (name, mc_number, address, city, state, "
                     "zip_code, email, terms_days, changed_at) VALUES ('{name}', '', '', "
                     "'', '', '', '', 30, {at}) RETURNING changed_at",
        "report_imports": "INSERT INTO report_imports (kind, file_name, sha256, imported_at, "
                          "imported_by, rows_total, rows_applied, rows_skipped, status) "
                          "VALUES ('payments', '{name}', md5('{name}'), {at}, '', 0, 0, 0, "
                          "'applied') RETURNING imported_at"}
    for table, sql in adds.items():
        with billing.begin() as conn:
            server_now = conn.execute(text(f"SELECT {NOW}")).scalar_one()
            for name, at in OFF.items():
                held = conn.execute(text(sql.format(name=name, at=at))).scalar_one()
                assert held == server_now, (table, name)
            held = conn.execute(text(sql.format(name="honest", at=HONEST))).scalar_one()
            assert held == server_now - dt.timedelta(minutes=1), table


def test_a_recall_backdated_by_hand_is_dated_by_the_server(db, team, rows):
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:  # a recall as Factor Desk writes it, but dated October
        server_now = conn.execute(text(f"SELECT {NOW}")).scalar_one()
        conn.execute(text("UPDATE loads SET status = 'Queued' WHERE load_number = '2'"))
        conn.execute(text(
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason, "
            f"batch_id) SELECT id, 'Invoiced', 'Queued', {NOW}, '', 'psql', "
            "(SELECT id FROM batches) FROM loads WHERE load_number = '2'"))
        conn.execute(text(
            f"UPDATE invoices SET recalled_at = {OFF['backdated']}, recall_reason = 'psql' "
            "WHERE load_id = (SELECT id FROM loads WHERE load_number = '2')"))
    assert one_row(db, "SELECT recalled_at FROM invoices WHERE recalled_at IS NOT NULL"
                   )[0] == server_now


def test_an_update_that_leaves_a_time_alone_keeps_it_however_old(db, team, rows):
    """A load imported in October (before 0016, or by the database's owner with the
    trigger off) keeps its created_at when it is moved or edited today."""
    with db.write() as work:
        work.execute(text("ALTER TABLE loads DISABLE TRIGGER loads_server_time_update"))
        work.execute(text("UPDATE loads SET created_at = TIMESTAMP '2026-10-01 09:00', "
                          "changed_at = TIMESTAMP '2026-10-02 09:00' WHERE load_number = '9'"))
        work.execute(text("ALTER TABLE loads ENABLE TRIGGER loads_server_time_update"))
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:
        conn.execute(text("UPDATE loads SET status = 'Void', po_number = 'PO-9' "
                          "WHERE load_number = '9'"))
        conn.execute(text(
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason) "
            f"SELECT id, 'Queued', 'Void', {NOW}, '', 'psql' FROM loads "
            "WHERE load_number = '9'"))
    assert one_row(db, "SELECT created_at, changed_at FROM loads WHERE load_number = '9'") \
        == (dt.datetime(2026, 10, 1, 9), dt.datetime(2026, 10, 2, 9))


def test_a_clerks_pc_clock_off_by_hours_writes_the_servers_time(
        db, team, rows, monkeypatch):
    """Factor Desk itself, on a PC whose clock is three hours behind: a batch submitted,
    an invoice recalled and the batch reversed are dated by the server."""
    def late() -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=3)

    for module in (batches, recall):
        monkeypatch.setattr(module, "utcnow", late)
    desk = team.desk(Permission.BILLING)
    start = one_row(db, f"SELECT {NOW}")[0]
    label = desk.submit_batch("Acme Freight", ["9"]).batch
    desk.recall_invoices(label, ["9"], reason="wrong rate")
    assert one_row(db, f"SELECT submitted_at >= '{start}' FROM batches "
                       f"WHERE label = '{label}'")[0]
    assert one_row(db, f"SELECT count(*) FROM invoices WHERE recalled_at >= '{start}'")[0] == 1
    desk.reverse_batch(rows, "wrong factor")
    assert one_row(db, f"SELECT reversed_at >= '{start}' FROM batches "
                       f"WHERE label = '{rows}'")[0]

"""Attacks on an import's undo (issue #15, migration 0016): a billing login's psql marks a
report import undone with one UPDATE, which took its payments or purchase out of some
money figures (those that read applied imports only) and left them in the others (which
count every row), its loads in the statuses it gave them, and its file free to be applied
again. The server refuses it at commit, nothing changed, unless the transaction did all of
what Factor Desk's Undo does; the app's own Undo of each kind still goes through as
billing. Three real logins on the test server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

import pytest
from helpers_money import chargeback, partial_payment
from helpers_team import one_row
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from test_reports import PAYMENT_HEADER, PURCHASE_HEADER, payment_row, purchase_row, write_csv

from factor_desk.db.database import Database, Location
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.permissions import Permission
from factor_desk.services.common import run_to_end

_one = one_row
UNDONE = ("UPDATE report_imports SET status = 'undone', undone_at = now(), undone_by = '' "
          "WHERE id = {id}")  # the server writes the login into undone_by


def _apply(desk, tmp_path, kind, name, header, rows, batch=None):
    path = write_csv(tmp_path / name, header, rows)
    return run_to_end(desk.apply_report(kind, path, batch=batch, allow_missing=True)
                      ).import_id


def _purchase(team, tmp_path, batch, name="p.csv"):
    return _apply(team.desk(Permission.BILLING), tmp_path, "purchase", name,
                  PURCHASE_HEADER, [purchase_row("1"), purchase_row("2"),
                                    purchase_row("3", Status="Held")], batch)


def _refused(engine, *statements, **values):
    with pytest.raises(ProgrammingError) as refused, engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql.format(**values)))
    assert refused.value.orig.sqlstate == "42501"
    assert refused.value.orig.diag.constraint_name == "factor_desk_history_required"
    return str(refused.value.orig).splitlines()[0]


def _state(db, import_id):
    """What an undo changes: the import's status, its records, the loads' statuses, the
    history's length, and the balance the ledger gives load 1's invoice."""
    return (_one(db, f"SELECT status FROM report_imports WHERE id = {import_id}")[0],
            _one(db, "SELECT (SELECT count(*) FROM purchase_records), "
                     "(SELECT count(*) FROM payments), (SELECT count(*) FROM ledger_entries), "
                     "(SELECT count(*) FROM status_history)"),
            _one(db, "SELECT string_agg(load_number || '=' || status, ' ' ORDER BY "
                     "load_number) FROM loads")[0])


def test_a_purchase_marked_undone_by_hand_is_refused_and_nothing_changes(
        db, team, billing_batch, tmp_path):
    imp = _purchase(team, tmp_path, billing_batch)
    before = _state(db, imp)
    billing = team.raw(Permission.BILLING)
    message = _refused(billing, UNDONE, id=imp)
    assert message == (
        f"Import #{imp} (p.csv) was marked undone without deleting its purchase records, "
        "which the money figures would still count. The database takes an import's undo "
        "only whole, in one transaction: its records deleted, each load it moved moved back "
        "with its history row naming it; nothing was changed.")
    # its records deleted, but its loads left Financed
    delete = f"DELETE FROM purchase_records WHERE import_id = {imp}"
    assert _refused(billing, delete, UNDONE, id=imp).startswith(
        f"Import #{imp} (p.csv) was marked undone without moving load 1 back from Financed "
        "to Invoiced.")
    # moved back, with history rows, but rows that do not name the import
    back = ("UPDATE loads SET status = 'Invoiced' WHERE load_number IN ('1', '2')",
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason"
            "{named}) SELECT id, 'Financed', 'Invoiced', now(), '', 'by hand'{value} FROM "
            "loads WHERE load_number IN ('1', '2')")
    message = _refused(billing, delete, *back, UNDONE, id=imp, named="", value="")
    assert message.startswith(
        f"Import #{imp} (p.csv) was marked undone without its row in the status history "
        "moving load 1 back from Financed to Invoiced, naming the import.")
    # one load of the two moved back
    _refused(billing, delete, back[0].replace("('1', '2')", "('1')"),
             back[1].replace("('1', '2')", "('1')"), UNDONE, id=imp, named=", import_id",
             value=f", {imp}")
    assert _state(db, imp) == before
    # all of it, as Factor Desk does it: taken, even from a psql
    with billing.begin() as conn:
        for sql in (delete, *back, UNDONE):
            conn.execute(text(sql.format(id=imp, named=", import_id", value=f", {imp}")))
    status, counts, loads = _state(db, imp)
    assert (status, counts[0], loads) == ("undone", 0, "1=Invoiced 2=Invoiced 3=Invoiced "
                                                      "4=Invoiced 9=Queued")


def test_the_undo_written_under_a_savepoint_rolled_back_stands_for_nothing(
        db, team, billing_batch, tmp_path):
    imp = _purchase(team, tmp_path, billing_batch)
    before = _state(db, imp)
    billing = team.raw(Permission.BILLING)
    with pytest.raises(ProgrammingError, match="without moving load 1 back"), \
            billing.begin() as conn:
        conn.execute(text(f"DELETE FROM purchase_records WHERE import_id = {imp}"))
        saved = conn.begin_nested()
        conn.execute(text("UPDATE loads SET status = 'Invoiced' WHERE load_number IN "
                          "('1', '2')"))
        conn.execute(text(
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason, "
            f"import_id) SELECT id, 'Financed', 'Invoiced', now(), '', 'x', {imp} FROM "
            "loads WHERE load_number IN ('1', '2')"))
        saved.rollback()
        conn.execute(text(UNDONE.format(id=imp)))
    assert _state(db, imp) == before


def test_an_import_undone_stays_undone_and_a_loads_import_is_never_undone(
        db, team, billing_batch, tmp_path):
    desk = team.desk(Permission.BILLING)
    imp = _purchase(team, tmp_path, billing_batch)
    desk.undo_import(imp)
    billing = team.raw(Permission.BILLING)
    assert _refused(billing, f"UPDATE report_imports SET status = 'applied' WHERE id = {imp}"
                    ) == (f"Import #{imp} (p.csv) was put back to applied: an import undone "
                          "stays undone (its file is applied again as a new import); nothing "
                          "was changed.")
    loads_import = _one(db, "SELECT id FROM report_imports WHERE kind = 'loads'")[0]
    assert _refused(billing, UNDONE, id=loads_import) == (
        f"Import #{loads_import} (loads.csv) was marked undone: a loads import is not undone "
        "(its loads are removed one by one); nothing was changed.")
    assert "was marked 'hidden': an import is applied or undone" in _refused(
        billing, f"UPDATE report_imports SET status = 'hidden' WHERE id = {loads_import}")
    assert _one(db, "SELECT string_agg(status, ' ' ORDER BY id) FROM report_imports")[0] \
        == "applied undone"
    # nor does a billing login rewrite an import (its file's hash: applied again)
    with pytest.raises(ProgrammingError) as denied, billing.begin() as conn:
        conn.execute(text(f"UPDATE report_imports SET sha256 = 'x' WHERE id = {loads_import}"))
    assert denied.value.orig.sqlstate == "42501"
    assert "permission denied" in str(denied.value.orig)


def test_factor_desks_undo_of_each_report_kind_goes_through_as_billing(
        db, team, billing_batch, tmp_path):
    """Purchase, payments (one completing its load, one partial that moved none) and
    reserve, applied and undone by the billing login through the services."""
    desk = team.desk(Permission.BILLING)
    purchase = _purchase(team, tmp_path, billing_batch)
    paid = _apply(desk, tmp_path, "payments", "pay.csv", PAYMENT_HEADER,
                  [payment_row("1"), payment_row("2", "400.00")])
    partial_payment(desk.db, "2", "100.00", "PART-1")  # a report of its own, moves none
    partial = _one(db, "SELECT max(id) FROM report_imports")[0]
    chargeback(desk.db, "2", "500.00", "CB-1")  # Financed -> Charged back
    reserve = _one(db, "SELECT max(id) FROM report_imports")[0]
    assert _one(db, "SELECT string_agg(load_number || '=' || status, ' ' ORDER BY "
                    "load_number) FROM loads")[0] == (
        "1=Completed 2=Charged back 3=Invoiced 4=Invoiced 9=Queued")
    moved = [desk.undo_import(i).loads_moved_back for i in (reserve, partial, paid, purchase)]
    assert moved == [1, 0, 1, 2]
    assert _one(db, "SELECT string_agg(status, ' ' ORDER BY id) FROM report_imports")[0] \
        == "applied undone undone undone undone"
    assert _one(db, "SELECT (SELECT count(*) FROM purchase_records), (SELECT count(*) FROM "
                    "payments), (SELECT count(*) FROM ledger_entries)") == (0, 0, 0)
    assert _one(db, "SELECT string_agg(load_number || '=' || status, ' ' ORDER BY "
                    "load_number) FROM loads")[0] == (
        "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued")


def test_a_payment_report_of_partial_payments_undone_by_hand_needs_its_payments_gone(
        db, team, billing_batch, tmp_path):
    """An import that moved no load: its undo is its records gone and its mark."""
    _purchase(team, tmp_path, billing_batch)
    desk = team.desk(Permission.BILLING)
    partial_payment(desk.db, "1", "100.00", "PART-1")
    imp = _one(db, "SELECT max(id) FROM report_imports")[0]
    billing = team.raw(Permission.BILLING)
    assert "without deleting its payments" in _refused(billing, UNDONE, id=imp)
    with billing.begin() as conn:
        conn.execute(text(f"DELETE FROM payments WHERE import_id = {imp}"))
        conn.execute(text(UNDONE.format(id=imp)))
    assert _one(db, f"SELECT status FROM report_imports WHERE id = {imp}")[0] == "undone"


def test_the_app_tells_a_clerk_what_the_server_refused_of_an_undo(
        db, team, billing_batch, tmp_path, home):
    imp = _purchase(team, tmp_path, billing_batch)
    billing = Database(Location(url=team.url(Permission.BILLING), home=home))
    try:
        with pytest.raises(InputRefused, match=f"Import #{imp} \\(p.csv\\) was marked undone "
                           "without deleting its purchase records"), billing.write() as work:
            work.execute(text(UNDONE.format(id=imp)))
    finally:
        billing.dispose()


def test_an_imports_records_deleted_by_hand_while_it_stays_applied_are_refused(
        db, team, billing_batch, tmp_path):
    """The other half: its payments gone from the ledger's figures, the import still
    applied (the aging, the overview and a batch's money lines still read them)."""
    purchase = _purchase(team, tmp_path, billing_batch)
    desk = team.desk(Permission.BILLING)
    paid = _apply(desk, tmp_path, "payments", "pay.csv", PAYMENT_HEADER,
                  [payment_row("1"), payment_row("2", "400.00")])
    before = _state(db, paid)
    billing = team.raw(Permission.BILLING)
    assert _refused(billing, "DELETE FROM payments WHERE invoice_id = (SELECT min(id) "
                    "FROM invoices)") == (
        f"Import #{paid} (pay.csv): its payments were deleted without its undo. The records "
        "of an import go only with all of its undo, which marks it undone and moves its "
        "loads back; nothing was changed.")
    assert _refused(billing, f"DELETE FROM purchase_records WHERE import_id = {purchase}"
                    ).startswith(f"Import #{purchase} (p.csv): its purchase records were")
    assert _state(db, paid) == before
    # a clerk's own entry (no import) is the clerk's to take back, as Factor Desk does
    with billing.begin() as conn:
        conn.execute(text("INSERT INTO ledger_entries (kind, entry_date, amount_cents, "
                          "reference, reason, at, by) VALUES ('fee', DATE '2026-11-28', 5, "
                          "'F-1', '', now(), '')"))
    with billing.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE reference = 'F-1'"))
    assert _one(db, "SELECT count(*) FROM ledger_entries")[0] == 0

"""Attacks on an import's records after its undo (migration 0016, db/undo_guard.py): the
money figures read an import's rows two ways (the ledger counts every payment, purchase
record and ledger entry; the aging, the overview and a batch's money lines only those of
an import still applied), so a record written under an import that is not applied, by a
billing login's psql, is the undo-by-hand's hole again from the other side: a payment the
load's balance counts and the aging does not. The server refuses it at commit, nothing
changed; Factor Desk's own writes (each under the import it has just applied) go through.
Three real logins on the test server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

from helpers_team import one_row
from sqlalchemy import text
from test_attack_undo_by_hand import _apply, _purchase, _refused
from test_reports import PAYMENT_HEADER, payment_row

from factor_desk.domain.permissions import Permission

_one = one_row
PAYMENT = ("INSERT INTO payments (import_id, invoice_id, row_number, payment_date, "
           "amount_cents, reference_number, check_number, payment_method, payer, "
           "short_pay_reason, note, final) SELECT {id}, min(id), 1, DATE '2026-11-28', "
           "100000, 'BYHAND', '', '', '', '', '', false FROM invoices")
ENTRY = ("INSERT INTO ledger_entries (kind, entry_date, amount_cents, reference, reason, at, "
         "by, import_id) VALUES ('fee', DATE '2026-11-28', 5, 'F-1', '', now(), '', {id})")


def _money(db):
    return _one(db, "SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM "
                    "ledger_entries), (SELECT count(*) FROM report_imports)")


def test_a_payment_written_under_an_import_undone_is_refused(db, team, billing_batch,
                                                              tmp_path):
    desk = team.desk(Permission.BILLING)
    _purchase(team, tmp_path, billing_batch)
    paid = _apply(desk, tmp_path, "payments", "pay.csv", PAYMENT_HEADER,
                  [payment_row("1")])
    desk.undo_import(paid)
    before = _money(db)
    billing = team.raw(Permission.BILLING)
    assert _refused(billing, PAYMENT, id=paid) == (
        f"Import #{paid} (pay.csv) is undone: payments written under it would count in the "
        "ledger's figures and not in the aging's; nothing was changed.")
    assert _refused(billing, ENTRY, id=paid).startswith(
        f"Import #{paid} (pay.csv) is undone: ledger entries written under it")
    # nor under an import written undone from the start
    made = ("INSERT INTO report_imports (kind, file_name, sha256, imported_at, imported_by, "
            "rows_total, rows_applied, rows_skipped, status) VALUES ('payments', 'x.csv', "
            "'x', now(), '', 1, 1, 0, 'undone')")
    message = _refused(billing, made, PAYMENT.replace(
        "{id}", "(SELECT max(id) FROM report_imports)"))
    assert "(x.csv) is undone: payments written under it" in message
    assert _money(db) == before
    # under a payment report applied, as its apply writes them: taken
    again = _apply(desk, tmp_path, "payments", "pay2.csv", PAYMENT_HEADER,
                   [payment_row("2", "400.00")])
    with billing.begin() as conn:
        conn.execute(text(ENTRY.format(id=again)))
    assert _one(db, f"SELECT count(*) FROM ledger_entries WHERE import_id = {again}")[0] == 1


def test_an_imports_undo_is_dated_and_signed_once_by_its_undo(db, team, billing_batch,
                                                              tmp_path):
    """The audit lists an undo by its ``undone_at`` (and who by ``undone_by``): a billing
    login's UPDATE of those alone erased an undo from the audit, or wrote one for an
    import still applied; an undo without them was one the audit never shows."""
    desk = team.desk(Permission.BILLING)
    purchase = _purchase(team, tmp_path, billing_batch)
    paid = _apply(desk, tmp_path, "payments", "pay.csv", PAYMENT_HEADER,
                  [payment_row("1", "400.00")])
    desk.undo_import(paid)
    when = "SELECT undone_at, undone_by FROM report_imports WHERE id = {id}"
    before = [_one(db, when.format(id=i)) for i in (purchase, paid)]
    billing = team.raw(Permission.BILLING)
    assert _refused(billing, f"UPDATE report_imports SET undone_at = NULL WHERE id = {paid}"
                    ) == (f"Import #{paid} (pay.csv): its undo's time or name was changed "
                          "apart from its undo (they are written by the undo, once); nothing "
                          "was changed.")
    assert "(p.csv): its undo's time or name was changed" in _refused(
        billing, f"UPDATE report_imports SET undone_at = now() WHERE id = {purchase}")
    assert "(p.csv): its undo's time or name was changed" in _refused(
        billing, f"UPDATE report_imports SET undone_by = 'someone' WHERE id = {purchase}")
    # an undo, whole but for its time: not one the audit would show
    assert _refused(
        billing, f"DELETE FROM purchase_records WHERE import_id = {purchase}",
        "UPDATE loads SET status = 'Invoiced' WHERE load_number IN ('1', '2')",
        "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason, "
        f"import_id) SELECT id, 'Financed', 'Invoiced', now(), '', 'x', {purchase} FROM "
        "loads WHERE load_number IN ('1', '2')",
        f"UPDATE report_imports SET status = 'undone' WHERE id = {purchase}") == (
        f"Import #{purchase} (p.csv) was marked undone without its time and name (the "
        "audit would not show it); nothing was changed.")
    assert [_one(db, when.format(id=i)) for i in (purchase, paid)] == before
    # the app's undo writes them with the status: taken
    desk.undo_import(purchase)
    assert _one(db, f"SELECT status FROM report_imports WHERE id = {purchase}")[0] == "undone"


def test_an_undo_by_hand_backdated_is_dated_by_the_server(db, team, billing_batch,
                                                          tmp_path):
    purchase = _purchase(team, tmp_path, billing_batch)
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:  # the whole undo, as Factor Desk writes it, dated October
        server_now = conn.execute(text("SELECT now() AT TIME ZONE 'UTC'")).scalar_one()
        for sql in (f"DELETE FROM purchase_records WHERE import_id = {purchase}",
                    "UPDATE loads SET status = 'Invoiced' WHERE load_number IN ('1', '2')",
                    "INSERT INTO status_history (load_id, from_status, to_status, at, by, "
                    f"reason, import_id) SELECT id, 'Financed', 'Invoiced', now(), '', 'x', "
                    f"{purchase} FROM loads WHERE load_number IN ('1', '2')",
                    "UPDATE report_imports SET status = 'undone', undone_at = TIMESTAMP "
                    f"'2026-10-01 09:00', undone_by = '' WHERE id = {purchase}"):
            conn.execute(text(sql))
    assert _one(db, f"SELECT status, undone_at FROM report_imports WHERE id = {purchase}"
                ) == ("undone", server_now)


def test_the_clis_undo_as_billing_goes_through_and_a_second_is_refused_in_words(
        db, team, billing_batch, tmp_path, capsys):
    purchase = _purchase(team, tmp_path, billing_batch)
    paid = _apply(team.desk(Permission.BILLING), tmp_path, "payments", "pay.csv",
                  PAYMENT_HEADER, [payment_row("1"), payment_row("2", "400.00")])
    for imp, said in ((paid, "1 loads moved back, 2 records removed"),
                      (purchase, "2 loads moved back, 3 records removed")):
        code, out, _err = team.cli(Permission.BILLING, "reports", "undo", imp, capsys=capsys)
        assert (code, out.strip()) == (0, f"Import #{imp} undone: {said}.")
    code, out, err = team.cli(Permission.BILLING, "reports", "undo", paid, capsys=capsys)
    assert code != 0 and f"Import #{paid} was already undone on" in out + err
    assert _one(db, "SELECT string_agg(load_number || '=' || status, ' ' ORDER BY "
                    "load_number) FROM loads")[0] == (
        "1=Invoiced 2=Invoiced 3=Invoiced 4=Invoiced 9=Queued")


def test_a_record_written_under_an_import_of_another_kind_is_refused(db, team, billing_batch,
                                                                    tmp_path):
    """A payment under a purchase report (or a purchase record under a payment report):
    its undo deletes the records of its own kind only, so the clerk's Undo would have left
    it behind, and been refused for it."""
    desk = team.desk(Permission.BILLING)
    purchase = _purchase(team, tmp_path, billing_batch)
    paid = _apply(desk, tmp_path, "payments", "pay.csv", PAYMENT_HEADER,
                  [payment_row("1", "400.00")])
    billing = team.raw(Permission.BILLING)
    assert _refused(billing, PAYMENT, id=purchase) == (
        f"Import #{purchase} (p.csv) is a purchase report: payments are not written under "
        "it (its undo would leave them); nothing was changed.")
    assert "is a purchase report: ledger entries are not written" in _refused(
        billing, ENTRY, id=purchase)
    assert "(pay.csv) is a payments report: purchase records are not written" in _refused(
        billing, "INSERT INTO purchase_records (import_id, invoice_id, row_number, "
        "purchase_date, invoice_amount_cents, advance_cents, fee_cents, reserve_cents, "
        "status, reason) SELECT {id}, min(id), 1, DATE '2026-11-28', 0, 0, 0, 0, 'held', "
        "'' FROM invoices", id=paid)
    assert [desk.undo_import(i).loads_moved_back for i in (paid, purchase)] == [0, 2]

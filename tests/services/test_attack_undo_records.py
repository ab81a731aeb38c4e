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
from test_attack_undo_by_hand import _apply, _purchase, _refused, billing_batch  # noqa: F401
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
    # under an import applied, as any report's apply writes them: taken
    with billing.begin() as conn:
        conn.execute(text(ENTRY.format(id=paid - 1)))
    assert _money(db)[1] == before[1] + 1

"""Attacks on the team's server (issue #15): what a billing or admin login can do with its
own SQL (psql) to the history's users and to the history itself. Three real logins on the
test server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

import pytest
from helpers_team import one_row, three_loads
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from factor_desk.domain.permissions import Permission


@pytest.fixture
def carrier(db, tmp_path):
    three_loads(db, tmp_path)


_one = one_row


def test_a_billing_login_cannot_erase_who_recalled_or_reversed(db, team, carrier):
    """A name the server wrote stays a name: set to NULL by psql, it names the login that
    did it (not nobody)."""
    billing = team.desk(Permission.BILLING)
    login = team.logins[Permission.BILLING]
    label = billing.submit_batch("Acme Freight", ["1", "2"]).batch
    billing.recall_invoices(label, ["2"], "wrong amount")
    billing.reverse_batch(label, "wrong date")
    admin = team.desk(Permission.ADMIN)
    label2 = admin.submit_batch("Acme Freight", ["1"]).batch
    admin.reverse_batch(label2, "again")
    raw = team.raw(Permission.BILLING)
    with raw.begin() as conn:
        conn.execute(text("UPDATE invoices SET recalled_by = NULL"))
        conn.execute(text("UPDATE batches SET reversed_by = NULL"))
    assert _one(db, "SELECT count(*) FROM invoices WHERE recalled_at IS NOT NULL "
                    "AND recalled_by IS NULL")[0] == 0
    assert _one(db, f"SELECT reversed_by FROM batches WHERE label = '{label}'")[0] == login
    assert _one(db, f"SELECT reversed_by FROM batches WHERE label = '{label2}'")[0] == login


def test_a_billing_login_cannot_blank_or_keep_another_clerks_name_on_an_edit(
        db, team, carrier):
    """changed_by says who saved the load's version: blanked with psql, or left naming
    the admin while the version moves on, it names the billing login."""
    team.desk(Permission.ADMIN).edit_load("1", {"po_number": "PO-ADMIN"})
    team.desk(Permission.ADMIN).edit_load("2", {"po_number": "PO-ADMIN"})
    login = team.logins[Permission.BILLING]
    with team.raw(Permission.BILLING).begin() as conn:
        conn.execute(text("UPDATE loads SET changed_by = '' WHERE load_number = '1'"))
        conn.execute(text("UPDATE loads SET po_number = 'FORGED', version = version + 1 "
                          "WHERE load_number = '2'"))
    assert _one(db, "SELECT changed_by FROM loads WHERE load_number = '1'")[0] == login
    assert _one(db, "SELECT changed_by, version FROM loads WHERE load_number = '2'") == (
        login, 3)
    # a load as imported still names no one, and a status move leaves the name alone
    assert _one(db, "SELECT changed_by FROM loads WHERE load_number = '3'")[0] == ""
    team.desk(Permission.BILLING).void_loads(["3"], "cancelled")
    assert _one(db, "SELECT changed_by FROM loads WHERE load_number = '3'")[0] == ""


def test_no_login_of_the_team_rewrites_or_deletes_the_history(db, team, carrier):
    """The history is only ever added to: an Admin login's psql may add a row (naming
    itself) but not rewrite or delete one; the database's owner can (it owns the
    table)."""
    admin = team.raw(Permission.ADMIN)
    for sql in ("UPDATE status_history SET reason = 'rewritten'",
                "DELETE FROM status_history",
                "TRUNCATE status_history CASCADE"):
        with pytest.raises(ProgrammingError, match="permission denied") as refused, \
                admin.begin() as conn:
            conn.execute(text(sql))
        assert refused.value.orig.sqlstate == "42501"
    with admin.begin() as conn:
        conn.execute(text(
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason) "
            "SELECT id, status, status, now(), 'x', 'psql' FROM loads "
            "WHERE load_number = '1'"))
    assert _one(db, "SELECT count(*), count(DISTINCT reason) FROM status_history") == (4, 2)
    assert _one(db, "SELECT by FROM status_history WHERE reason = 'psql'")[0] == \
        team.logins[Permission.ADMIN]


def test_a_server_with_no_connection_left_says_so_not_that_it_does_not_answer(team, home):
    """A login at its CONNECTION LIMIT (or a server at max_connections) is told the server
    has no connection left, both when opening the database and in the window's watcher (its
    banner), not that the server is not answering (the network is fine)."""
    from factor_desk.db.database import Database, Location
    from factor_desk.db.watch import PostgresWatcher, ServerLost
    from factor_desk.domain.errors import EnvironmentRefused

    clerk = team.make_login()
    team.desk(Permission.ADMIN).grant_user(clerk, "viewer")
    with team._superuser() as conn:
        conn.execute(text(f'ALTER ROLE "{clerk}" CONNECTION LIMIT 0'))
    location = Location(url=team.url(clerk), home=home)
    with pytest.raises(EnvironmentRefused) as refused:
        Database(location)
    message = str(refused.value)
    assert "no connection left" in message and "too many connections" in message
    assert "did not answer" not in message
    watcher = PostgresWatcher(location)
    with pytest.raises(ServerLost) as lost:
        watcher.wait(0.1)
    assert "no connection left" in str(lost.value)
    assert "not answering" not in str(lost.value)
    watcher.close()


def test_a_login_typed_in_another_case_is_named_not_made_again(team):
    """psql folds CREATE ROLE Clerk2 to clerk2: "users grant Clerk2" names clerk2 rather
    than telling the office manager to make a second login "Clerk2"."""
    from factor_desk.domain.errors import InputRefused

    clerk = team.make_login()  # fd_clerk_<hex>
    admin = team.desk(Permission.ADMIN)
    for job in (admin.grant_user, admin.revoke_user):
        with pytest.raises(InputRefused) as refused:
            job(clerk.upper(), "billing")
        message = str(refused.value)
        assert f"did you mean {clerk}?" in message and "CREATE ROLE" not in message
    assert admin.grant_user(clerk, "billing").permission is Permission.BILLING


def test_a_document_blob_is_kept_only_under_its_own_hash(db, team, carrier, tmp_path):
    """A login's psql cannot plant bytes under another file's SHA-256 (the store keeps the
    first bytes of a hash: a later attach of the real file would get the planted ones)."""
    import hashlib

    from helpers import tiny_pdf
    from sqlalchemy.exc import IntegrityError

    real = tiny_pdf("the real POD")
    digest = hashlib.sha256(real).hexdigest()
    for who in (Permission.BILLING, Permission.ADMIN):
        with pytest.raises(IntegrityError, match="ck_document_blobs_sha256"), \
                team.raw(who).begin() as conn:
            conn.execute(text("INSERT INTO document_blobs (sha256, data) VALUES (:h, :d)"),
                         {"h": digest, "d": b"%PDF-1.4 forged"})
    pod = tmp_path / "pod.pdf"
    pod.write_bytes(real)
    billing = team.desk(Permission.BILLING)
    document = billing.attach("1", pod, "pod")
    assert billing.document_file(document.id)[1] == real

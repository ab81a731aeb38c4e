"""Attacks on the audit (issue #15): odd clerk names and filters; an empty database."""

from __future__ import annotations

import datetime as dt

from helpers import users_not_stamped

from factor_desk.services import loads as load_service
from factor_desk.services.audit import AuditAction as A
from factor_desk.services.desk import Desk


def test_a_clerk_whose_login_has_letters_beyond_ascii_finds_their_own_entries(db, batch):
    """"ÖMER" typed as the login reads, or in any ASCII case, finds what Ömer did (SQLite's
    lower() folds ASCII only: the filter folds both sides the same way)."""
    with db.write() as work, users_not_stamped(work):
        work.user = "ÖMER_Ü"
        load_service.void_loads(work, ["9"], reason="duplicate")
    desk = Desk(db)
    for typed in ("ÖMER_Ü", "ÖmEr_Ü", " Ömer_Ü "):
        found = desk.audit(user=typed).entries
        assert [(e.user, e.action) for e in found] == [("ÖMER_Ü", A.VOIDED)], typed
    assert "ÖMER_Ü" in desk.audit_users()


def test_wildcards_quotes_and_long_names_match_nothing_and_break_nothing(db, batch):
    desk = Desk(db)
    assert desk.audit().entries  # the batch's import and submit
    for typed in ("%", "_", "test-clerk%", "test_clerk", "' OR '1'='1", '"; DROP TABLE x; --',
                  "x" * 10_000, "\x00", "😀"):
        assert desk.audit(user=typed).entries == [], typed
    assert desk.audit(user="  TEST-CLERK  ").entries == desk.audit().entries
    assert desk.audit(since=dt.date(9999, 12, 31)).entries == []
    assert desk.audit(since=dt.date(1, 1, 1)).entries == desk.audit().entries


def test_the_audit_of_an_empty_database_is_empty(db):
    desk = Desk(db)
    log = desk.audit()
    assert (log.entries, log.more) == ([], False)
    assert desk.audit_users() == []

"""The Billing permission enforced twice (issue #15): by the Desk, which refuses a job
before it starts, and by the server, which refuses the login's own SQL; and the history's
"by" written by the server, whatever the statement says. Three real logins on the test
server (tests/helpers_team.py); PostgreSQL only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import import_loads, load_row, make_carrier, tiny_pdf, write_loads_csv
from helpers_team import scratch_database
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from factor_desk.db.models import Batch, ReportImport, StatusHistory
from factor_desk.domain.errors import InputRefused
from factor_desk.domain.permissions import Permission, PermissionRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk

PURCHASE = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"
PAYMENT = "Invoice Number,Payment Date,Amount Paid,Reference Number"
RESERVE = "Date,Type,Load Number,Amount,Reference"


def _loads_file(tmp_path, numbers, name="loads.csv"):
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in numbers]
    return write_loads_csv(tmp_path / name, rows)


def _report(tmp_path, name, header, lines):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _refused_by_server(engine, sql, **params):
    """The login's own SQL, as psql would send it: the server refuses it."""
    with pytest.raises(ProgrammingError, match="permission denied") as refused, \
            engine.begin() as conn:
        conn.execute(text(sql), params)
    assert refused.value.orig.sqlstate == "42501"


@pytest.fixture
def carrier(db, tmp_path):
    make_carrier(db, required=())
    import_loads(db, _loads_file(tmp_path, (1, 2)), "Acme Freight")


def test_each_login_has_its_role_and_a_login_without_one_is_refused_at_opening(
        db, team, carrier):
    for permission in (Permission.VIEWER, Permission.BILLING, Permission.ADMIN):
        desk = team.desk(permission)
        assert desk.permission is permission
        assert desk.user() == team.logins[permission]
        assert [s.load_number for s in desk.list_loads()] == ["1", "2"]  # all read
    assert Desk(db).permission is Permission.ADMIN  # test-clerk owns the database
    stranger = team.make_login()
    with pytest.raises(PermissionRefused) as refused:
        team.desk(stranger)
    message = str(refused.value)
    assert stranger in message and "needs the Viewer permission" in message
    assert make_url_database(team.db_url) in message
    assert f"factor-desk users grant {stranger} viewer" in message


def make_url_database(url):
    from sqlalchemy.engine import make_url

    return make_url(url).database


def test_the_viewer_is_refused_by_the_desk_and_by_the_server(team, carrier, tmp_path):
    viewer = team.desk(Permission.VIEWER)
    before = viewer.list_loads()
    with pytest.raises(PermissionRefused, match="needs the Billing permission"):
        viewer.submit_batch("Acme Freight", ["1"])
    with pytest.raises(PermissionRefused, match="needs the Billing permission"):
        viewer.import_loads(_loads_file(tmp_path, (3,)), "Acme Freight", only_valid=False)
    raw = team.raw(Permission.VIEWER)
    _refused_by_server(raw, "UPDATE loads SET status = 'Void' WHERE load_number = '1'")
    _refused_by_server(raw, "INSERT INTO status_history (load_id, to_status, at, by, reason) "
                            "SELECT id, 'Void', now(), 'x', 'psql' FROM loads")
    _refused_by_server(raw, "DELETE FROM loads")
    # Through the Desk's own connection the server's refusal is a refusal, not a crash.
    with pytest.raises(PermissionRefused) as refused, viewer.db.write() as work:
        work.execute(text("DELETE FROM status_history"))
    assert "needs the Billing permission" in str(refused.value)
    assert team.logins[Permission.VIEWER] in str(refused.value)
    assert viewer.list_loads() == before


def test_billing_does_the_round_trip_and_the_history_names_its_login(team, carrier,
                                                                     tmp_path):
    billing = team.desk(Permission.BILLING)
    login = team.logins[Permission.BILLING]
    billing.import_loads(_loads_file(tmp_path, (3, 4), "more.csv"), "Acme Freight",
                         only_valid=False)
    doc = tmp_path / "pod.pdf"
    doc.write_bytes(tiny_pdf("pod 3"))
    billing.remove_document(billing.attach("3", doc, "pod").id)
    billing.attach("3", doc, "pod")
    billing.edit_load("4", {"po_number": "PO-EDITED", "customer": "New Debtor LLC"})
    label = billing.submit_batch("Acme Freight", ["1", "2", "3", "4"]).batch
    billing.recall_invoices(label, ["4"], "wrong amount")
    run_to_end(billing.send_batch(label, to="funding@capitaldepot.example",
                                  eml=tmp_path / "batch.eml"))
    billing.save_mapping("Capital Depot", "payments", {"invoice_number": "Inv No",
                                                       "payment_date": "Paid On",
                                                       "amount_paid": "Paid"})
    assert billing.forget_mapping("Capital Depot", "payments")
    bought = [f"{n},1000.00,2026-11-25,975.00,25.00,Purchased" for n in (1, 2, 3)]
    run_to_end(billing.apply_report("purchase", _report(tmp_path, "p.csv", PURCHASE, bought),
                                    batch=label))
    run_to_end(billing.apply_report("payments", _report(
        tmp_path, "pay.csv", PAYMENT, ["1,2026-12-01,1000.00,REF-1"])))
    payments = run_to_end(billing.apply_report("payments", _report(
        tmp_path, "pay2.csv", PAYMENT, ["2,2026-12-02,1000.00,REF-2"])))
    billing.undo_import(payments.import_id)
    run_to_end(billing.apply_report("reserve", _report(
        tmp_path, "r.csv", RESERVE, ["2026-12-03,chargeback,3,1000.00,CB-3"])))
    billing.pay_load("3", Decimal("1000.00"), "DIRECT-3")
    assert {s.load_number: s.status for s in billing.list_loads()} == {
        "1": "Completed", "2": "Financed", "3": "Completed", "4": "Queued"}
    with team.raw(Permission.ADMIN).connect() as conn:
        bys = set(conn.execute(select(StatusHistory.by).where(
            StatusHistory.at > select(Batch.submitted_at).scalar_subquery())).scalars())
        submitted_by = conn.execute(select(Batch.submitted_by)).scalar_one()
        importers = set(conn.execute(select(ReportImport.imported_by)).scalars())
        undoers = set(conn.execute(select(ReportImport.undone_by)).scalars())
    assert bys == {login} and submitted_by == login
    assert importers == {"test-clerk", login} and undoers == {None, login}


def test_billing_moves_loads_reverses_a_batch_and_closes_a_load(team, carrier, tmp_path):
    billing = team.desk(Permission.BILLING)
    billing.import_loads(_loads_file(tmp_path, (5, 6, 7), "more.csv"), "Acme Freight",
                         only_valid=False)
    billing.unqueue_loads(["5"], "waiting for the POD")
    billing.queue_loads(["5"], invoice_date=dt.date(2026, 11, 28))
    billing.edit_load("6", {"amount": "1200.00"})
    billing.void_loads(["7"], "cancelled by the broker")
    billing.reverse_batch(billing.submit_batch("Acme Freight", ["5"]).batch, "wrong date")
    label = billing.submit_batch("Acme Freight", ["1", "2"]).batch
    bought = [f"{n},1000.00,2026-11-25,975.00,25.00,Purchased" for n in (1, 2)]
    run_to_end(billing.apply_report("purchase", _report(tmp_path, "p.csv", PURCHASE, bought),
                                    batch=label))
    billing.close_load("1", "short paid by the broker")
    billing.take_back_payment("1", "closed the wrong load")
    billing.close_load("2", "short paid by the broker")
    assert {s.load_number: s.status for s in billing.list_loads()} == {
        "1": "Financed", "2": "Completed", "5": "Queued", "6": "Queued"}  # 7 is Void


def test_billing_is_refused_the_admin_jobs_by_the_desk_and_by_the_server(team, carrier):
    billing = team.desk(Permission.BILLING)
    refused = {
        "company profile": lambda: billing.edit_subsidiary("Acme Freight", phone="555"),
        "NOA": lambda: billing.save_important_info("Acme Freight", "notice_of_assignment",
                                                   "PAY US"),
        "factor terms": lambda: billing.set_factor_terms("Capital Depot", fee="3%"),
        "customer's terms": lambda: billing.update_customer("Summit Brokerage",
                                                            terms_days=60),
        "users": lambda: billing.grant_user(team.logins[Permission.VIEWER], "billing"),
    }
    for job in refused.values():
        with pytest.raises(PermissionRefused, match="needs the Admin permission"):
            job()
    raw = team.raw(Permission.BILLING)
    _refused_by_server(raw, "UPDATE subsidiaries SET phone = '555'")
    _refused_by_server(raw, "UPDATE important_info SET text = 'PAY US'")
    _refused_by_server(raw, "UPDATE factoring_companies SET fee_basis_points = 300")
    _refused_by_server(raw, "UPDATE customers SET terms_days = 60")
    _refused_by_server(raw, "DELETE FROM batches")
    _refused_by_server(raw, "UPDATE status_history SET reason = 'rewritten'")
    with pytest.raises(PermissionRefused, match="needs the Admin permission"), \
            billing.db.write() as work:
        work.execute(text("UPDATE customers SET terms_days = 60"))
    assert {c.terms_days for c in billing.list_customers()} == {30}


def test_the_admin_login_does_the_admin_jobs(team, carrier):
    admin = team.desk(Permission.ADMIN)
    admin.set_factor_terms("Capital Depot", fee="3%", advance=Decimal("97"))
    admin.update_customer("Summit Brokerage", terms_days=45)
    admin.save_important_info("Acme Freight", "notice_of_assignment", "PAY CAPITAL DEPOT")
    assert [c.terms_days for c in admin.list_customers()] == [45]
    with team.raw(Permission.ADMIN).connect() as conn:
        assert conn.execute(text("SELECT updated_by FROM important_info")).scalar_one() \
            == team.logins[Permission.ADMIN]


def test_the_history_names_the_login_even_when_a_raw_insert_names_someone_else(
        db, team, carrier):
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:
        conn.execute(text(
            "INSERT INTO status_history (load_id, from_status, to_status, at, by, reason) "
            "SELECT id, status, status, now(), 'the-boss', 'psql' FROM loads "
            "WHERE load_number = '1'"))
    with db.write() as work:  # the owner, test-clerk, rewriting the history by hand
        work.execute(text("UPDATE status_history SET by = 'someone-else' "
                          "WHERE reason <> 'psql'"))
    with db.read() as work:
        bys = dict(work.execute(select(StatusHistory.reason, StatusHistory.by)).all())
    assert bys["psql"] == team.logins[Permission.BILLING]
    assert set(bys.values()) == {team.logins[Permission.BILLING], "test-clerk"}


def test_who_edited_a_load_is_the_login_and_an_import_leaves_it_blank(db, team, carrier):
    """Migration 0010's changed_by is the server's too: a raw UPDATE naming someone else
    names the login; a load as imported (column default '') names no one."""
    with db.read() as work:
        assert work.execute(text("SELECT changed_by FROM loads WHERE load_number = '1'")
                            ).scalar_one() == ""
    billing = team.raw(Permission.BILLING)
    with billing.begin() as conn:
        conn.execute(text("UPDATE loads SET changed_by = 'the-boss', version = version + 1 "
                          "WHERE load_number = '1'"))
    with db.read() as work:
        assert work.execute(text("SELECT changed_by FROM loads WHERE load_number = '1'")
                            ).scalar_one() == team.logins[Permission.BILLING]


def test_the_admin_grants_and_revokes_and_a_login_must_exist(team, carrier):
    admin = team.desk(Permission.ADMIN)
    clerk = team.make_login()
    assert admin.grant_user(clerk, "billing").permission is Permission.BILLING
    assert team.desk(clerk).permission is Permission.BILLING
    assert admin.grant_user(clerk, "admin").permission is Permission.ADMIN
    # the new admin may grant in turn (it holds the role WITH ADMIN OPTION)
    other = team.make_login()
    assert team.desk(clerk).grant_user(other, "viewer").permission is Permission.VIEWER
    assert admin.revoke_user(clerk, "admin").permission is Permission.BILLING
    assert admin.revoke_user(clerk, "viewer").permission is Permission.NONE
    listed = {u.login: u for u in admin.users()}
    assert clerk not in listed and listed[other].permission is Permission.VIEWER
    assert listed[team.logins[Permission.BILLING]].how == "factor_desk_billing"
    assert listed["test-clerk"].how == "database owner"
    with pytest.raises(InputRefused) as refused:
        admin.grant_user("nobody_" + team.tag, "viewer")
    assert f"There is no login 'nobody_{team.tag}'" in str(refused.value)
    assert "CREATE ROLE" in str(refused.value)


def test_downgrading_0009_drops_its_triggers_and_grants_but_not_the_roles(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("migration 0009 does nothing on SQLite")
    from pathlib import Path

    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from factor_desk.db.database import Database, Location
    from factor_desk.db.migrate import alembic_config

    state = ("SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%stamp_user%'), "
             "has_table_privilege('factor_desk_viewer', 'loads', 'SELECT'), "
             "has_table_privilege('factor_desk_billing', 'payments', 'INSERT'), "
             "(SELECT count(*) FROM pg_roles WHERE rolname LIKE 'factor\\_desk\\_%')")
    with scratch_database() as name:
        url = make_url(db_url).set(database=name).render_as_string(hide_password=False)
        Database(Location(url=url, home=Path("/nonexistent"))).dispose()
        engine = create_engine(url)
        cfg = alembic_config()
        try:
            with engine.begin() as conn:
                # two per table: 9 tables of history (0009), 4 edited ones (changed_by, 0010)
                assert tuple(conn.execute(text(state)).one()) == (26, True, True, 3)
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0009")
                assert tuple(conn.execute(text(state)).one()) == (18, True, True, 3)
                command.downgrade(cfg, "0008")
                assert tuple(conn.execute(text(state)).one()) == (0, False, False, 3)
                command.upgrade(cfg, "head")
                assert tuple(conn.execute(text(state)).one()) == (26, True, True, 3)
                # 0015: Billing updates a recall's columns of an invoice, nothing else of it
                assert tuple(conn.execute(text(
                    "SELECT has_table_privilege('factor_desk_billing', 'invoices', 'UPDATE'), "
                    "has_column_privilege('factor_desk_billing', 'invoices', 'recalled_at', "
                    "'UPDATE'), has_column_privilege('factor_desk_billing', 'invoices', "
                    "'load_id', 'UPDATE')")).one()) == (False, True, False)
                command.downgrade(cfg, "0014")
                assert conn.execute(text("SELECT has_table_privilege('factor_desk_billing', "
                                         "'invoices', 'UPDATE')")).scalar_one()
                command.upgrade(cfg, "head")
        finally:
            engine.dispose()


def test_a_clerk_opening_a_database_its_owner_has_not_upgraded_is_told_so(team, home):
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from factor_desk.db.database import Database, Location
    from factor_desk.db.migrate import alembic_config
    from factor_desk.domain.errors import EnvironmentRefused

    with scratch_database() as name:
        owner_url = make_url(team.db_url).set(database=name)
        clerk_url = make_url(team.url(Permission.BILLING)).set(database=name)
        engine = create_engine(owner_url)
        try:
            cfg = alembic_config()
            with engine.begin() as conn:  # as a Factor Desk before the team's grants left it
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "0008")
        finally:
            engine.dispose()
        with pytest.raises(EnvironmentRefused, match="not yet set up for a team") as refused:
            Database(Location(url=clerk_url.render_as_string(hide_password=False), home=home))
        assert "its owner opens it once" in str(refused.value)
        Database(Location(url=owner_url.render_as_string(hide_password=False),
                          home=home)).dispose()  # the owner upgrades it
        clerk = Database(Location(url=clerk_url.render_as_string(hide_password=False),
                                  home=home))
        assert clerk.permission is Permission.BILLING
        clerk.dispose()


def test_an_owner_without_createrole_migrates_and_is_told_how_to_hand_out_roles(team, home):
    from sqlalchemy.engine import make_url

    from factor_desk.db.database import Database, Location

    owner = team.make_login()
    with scratch_database(owner) as name:
        url = make_url(team.db_url).set(database=name, username=owner).render_as_string(
            hide_password=False)
        desk = Desk(Database(Location(url=url, home=home)))  # migrated by its owner
        assert desk.permission is Permission.ADMIN
        with team.raw(Permission.VIEWER).connect() as conn:
            assert conn.execute(text("SELECT has_database_privilege(current_user, "
                                     ":n, 'CONNECT')"), {"n": name}).scalar()
        with pytest.raises(InputRefused) as refused:
            desk.grant_user(team.logins[Permission.VIEWER], "billing")
        assert f"factor-desk users grant {owner} admin" in str(refused.value)
        desk.close()
        viewer = Desk(Database(Location(url=make_url(url).set(
            username=team.logins[Permission.VIEWER]).render_as_string(hide_password=False),
            home=home)))
        assert viewer.permission is Permission.VIEWER and viewer.list_loads() == []
        viewer.close()

import os
import uuid
from decimal import Decimal

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from factor_desk.db.database import Database, Location
from factor_desk.db.migrate import alembic_config, current_revision, head_revision
from factor_desk.db.models import Base

PG_URL = os.environ.get("FACTOR_DESK_TEST_PG_URL")


def test_a_new_database_is_created_at_the_newest_schema(tmp_path):
    db = Database(Location.resolve(tmp_path))
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


def test_the_migrations_build_exactly_the_models(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_older_database_is_upgraded_when_opened(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # a file from before the first migration: no tables at all
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    engine.dispose()
    db = Database(Location(url=f"sqlite:///{path}", home=tmp_path))
    assert "loads" in inspect(db.engine).get_table_names()
    assert current_revision(db.engine) == head_revision()
    db.dispose()


# ------------------------------------------------------------------ 0002: applied once


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """An empty database of each kind, not migrated, for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'old.sqlite3').as_posix()}"
        return
    if not PG_URL:
        pytest.skip("FACTOR_DESK_TEST_PG_URL is not set (CI sets it)")
    name = f"factor_desk_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Columns that revisions after 0001 add, which today's models write: a test that writes
# with the models into an old schema adds them for the while and drops them before upgrading.
LATER_COLUMNS = {"batches": {"reversed_at": "TIMESTAMP", "reversed_by": "VARCHAR(100)",
                             "reverse_reason": "TEXT"},
                 "invoices": {"recalled_at": "TIMESTAMP", "recalled_by": "VARCHAR(100)",
                              "recall_reason": "TEXT"},
                 "loads": {"invoice_date": "DATE"},
                 "factoring_companies": {"fee_flat_cents": "BIGINT NOT NULL DEFAULT 0",
                                         "recourse_days": "INTEGER NOT NULL DEFAULT 90",
                                         "email": "VARCHAR(200) NOT NULL DEFAULT ''",
                                         "default_noa": "TEXT NOT NULL DEFAULT ''",
                                         "schedule_layout": "JSON"},
                 "payments": {"final": "BOOLEAN NOT NULL DEFAULT false"}}
# 0010: the edit versions of what two clerks may edit at once.
for _table in ("subsidiaries", "customers", "loads", "factoring_companies", "important_info"):
    LATER_COLUMNS.setdefault(_table, {})["version"] = "INTEGER NOT NULL DEFAULT 1"
    if _table != "important_info":
        LATER_COLUMNS[_table].update(changed_by="VARCHAR(100) NOT NULL DEFAULT ''",
                                     changed_at="TIMESTAMP")
# 0012: what the clerk did, on a history row whose statuses do not say it.
LATER_COLUMNS["status_history"] = {"action": "VARCHAR(30)"}
# 0014: the count of a subsidiary's important-info saves.
LATER_COLUMNS["subsidiaries"]["info_versions"] = "INTEGER NOT NULL DEFAULT 0"
# Tables of later revisions that today's models write (the ledger, issue #13; any factor,
# issue #14).
LATER_TABLES = ("ledger_entries", "settings", "column_mappings", "batch_sends")


def _later_columns(url: str, *, add: bool) -> None:
    engine = create_engine(url)
    later = [Base.metadata.tables[name] for name in LATER_TABLES]
    with engine.begin() as conn:
        for table, columns in LATER_COLUMNS.items():
            for name, kind in columns.items():
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}" if add
                                  else f"ALTER TABLE {table} DROP COLUMN {name}"))
        if add:
            Base.metadata.create_all(conn, tables=later)
        else:
            Base.metadata.drop_all(conn, tables=later)
    engine.dispose()


def _migrate(url: str, revision: str) -> None:
    engine = create_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


@pytest.mark.slow
def test_upgrading_keeps_the_first_of_what_two_clerks_applied_at_the_same_moment(
        fresh_url, tmp_path):
    """A database from before 0002 may hold what a race let through: the same held-only file
    applied twice, one payment reference applied by two imports. Upgrading keeps the first
    and undoes the later import, exactly as Undo would (history rows say why), so that the
    money is counted once and the database can enforce it from then on."""
    from helpers import import_loads, load_row, make_carrier, write_loads_csv

    from factor_desk.services import reports
    from factor_desk.services.batches import submit_batch
    from factor_desk.services.common import run_to_end
    from factor_desk.services.desk import Desk
    from factor_desk.services.loads import list_loads, load_history

    _migrate(fresh_url, "0001")
    _later_columns(fresh_url, add=True)  # today's models write them
    db = Database(Location(url=fresh_url, home=tmp_path), migrate=False)
    make_carrier(db, required=())
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [
        load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
        for n in (1, 2, 3, 4)]), "Acme Freight")
    with db.write() as work:
        batch = submit_batch(work, "Acme Freight", ["1", "2", "3", "4"]).batch

    def apply(kind: str, name: str, lines: list[str]):
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return run_to_end(Desk(db).apply_report(kind, path, batch=batch,
                                                allow_missing=True))

    purchase = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"
    payment = "Invoice Number,Payment Date,Amount Paid,Reference Number"
    apply("purchase", "buy.csv", [purchase] + [f"{n},1000,2026-11-28,975,25,Purchased"
                                               for n in "123"])
    first_held = apply("purchase", "held.csv", [purchase, "4,1000,,,,Held - missing POD"])
    first_pay = apply("payments", "a.csv", [payment, "1,2026-12-28,1000,R-1",
                                            "2,2026-12-28,1000,R-2"])
    # What the race let through before 0002: the checks before the write are sidestepped by
    # copying the winner's rows as the loser wrote them.
    with db.engine.begin() as conn:
        late_held = _copy_import(conn, first_held.import_id)
        late_pay = _copy_import(conn, first_pay.import_id, reference="R-1", to_load="3")
    db.dispose()
    _later_columns(fresh_url, add=False)

    db = Database(Location(url=fresh_url, home=tmp_path))  # upgrades to the newest schema
    try:
        assert current_revision(db.engine) == head_revision()
        with db.read() as s:
            history = {h.id: h for h in reports.import_history(s)}
            recon = reports.reconcile(s, batch)
            flags = set(reports.factor_flags(s).values())
            moves = [(h.from_status, h.to_status, h.reason) for h in load_history(s, "3")]
        assert history[first_held.import_id].status == history[first_pay.import_id].status \
            == "applied"
        for late in (late_held, late_pay):
            assert history[late].status == "undone"
            assert history[late].undone_by == "Factor Desk upgrade"
        totals = recon.batches[0].totals
        assert totals["paid"] == Decimal("2000.00")  # R-1 counted once
        assert flags == {"Held: missing POD"}
        assert moves[-1][:2] == ("Completed", "Financed")
        assert f"reference number R-1 was already applied by import #{first_pay.import_id}" \
            in moves[-1][2]
        with db.read() as s:
            assert {ld.load_number: ld.status for ld in list_loads(s)} == {
                "1": "Completed", "2": "Completed", "3": "Financed", "4": "Invoiced"}
        # and from now on the database itself refuses a second R-1
        with pytest.raises(IntegrityError), db.write() as s:
            s.execute(text("INSERT INTO payments (import_id, invoice_id, row_number, "
                           "payment_date, amount_cents, reference_number, check_number, "
                           "payment_method, payer, short_pay_reason, note) SELECT import_id, "
                           "invoice_id, 99, payment_date, 1, reference_number, '', '', '', "
                           "'', '' FROM payments WHERE reference_number = 'R-1'"))
    finally:
        db.dispose()


def _copy_import(conn, import_id: int, *, reference: str | None = None,
                 to_load: str | None = None) -> int:
    """Another applied import of the same kind: the same file, or (``reference``) another
    file paying load ``to_load`` under a reference the first import applied."""
    imports, payments, records = (Base.metadata.tables[t] for t in
                                  ("report_imports", "payments", "purchase_records"))
    loads, invoices, history = (Base.metadata.tables[t] for t in
                                ("loads", "invoices", "status_history"))
    imp = conn.execute(select(imports).where(imports.c.id == import_id)).mappings().one()
    new = dict(imp, id=None)
    if reference:
        new["sha256"] = "f" * 64  # another file
    del new["id"]
    new_id = conn.execute(insert(imports).values(new).returning(imports.c.id)).scalar_one()
    if not reference:
        for rec in conn.execute(select(records).where(records.c.import_id == import_id)
                                ).mappings().all():
            row = {k: v for k, v in rec.items() if k != "id"}
            conn.execute(insert(records).values({**row, "import_id": new_id}))
        return new_id
    load_id, invoice_id = conn.execute(
        select(loads.c.id, invoices.c.id).join(invoices, invoices.c.load_id == loads.c.id)
        .where(loads.c.load_number == to_load)).one()
    pay = conn.execute(select(payments).where(payments.c.import_id == import_id,
                                              payments.c.reference_number == reference)
                       ).mappings().one()
    row = {k: v for k, v in pay.items() if k != "id"}
    conn.execute(insert(payments).values({**row, "import_id": new_id,
                                         "invoice_id": invoice_id}))
    conn.execute(update(loads).where(loads.c.id == load_id).values(status="Completed"))
    conn.execute(insert(history).values(load_id=load_id, from_status="Financed",
                                        to_status="Completed", at=imp["imported_at"],
                                        by="clerk 2", reason="Payment report b.csv",
                                        import_id=new_id))
    return new_id


def test_0012_gives_the_history_written_before_it_its_action(fresh_url):
    """Rows an older Factor Desk wrote get their action from their reasons, once: an edit,
    a removed document, a direct payment, a short pay, a take-back, a recall, a reversal;
    a row the statuses say alone (submitted) gets none."""
    cfg = alembic_config()
    engine = create_engine(fresh_url)
    rows = [("Queued", "Queued", "Edited: rate 1.00 → 2.00"),
            ("Queued", "Queued", "Document removed: POD a.pdf (sha256 0123)"),
            ("Charged back", "Charged back", "Direct payment of $5.00 (CHK) on x"),
            ("Charged back", "Completed", "Direct payment of $5.00 (CHK): paid in full"),
            ("Financed", "Completed", "Closed with a short pay of $1.00: why"),
            ("Completed", "Financed", "Took back the short pay of $1.00: typo"),
            ("Invoiced", "Queued", "Recalled from batch ACME-0001: wrong"),
            ("Invoiced", "Queued", "Batch ACME-0002 reversed: start over"),
            ("Queued", "Invoiced", "Submitted in batch ACME-0001"),
            ("Queued", "Queued", "Took a coffee")]
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011")
            if conn.dialect.name == "postgresql":  # the rows' load is not the point
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for i, (was, to, reason) in enumerate(rows, start=1):
                conn.execute(text(
                    "INSERT INTO status_history (id, load_id, from_status, to_status, at, "
                    "by, reason) VALUES (:i, 1, :w, :t, CURRENT_TIMESTAMP, 'old', :r)"),
                    {"i": i, "w": was, "t": to, "r": reason})
            command.upgrade(cfg, "head")
            got = conn.execute(text(
                "SELECT action FROM status_history ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert got == ["edited", "removed_document", "direct_payment", "direct_payment",
                   "short_pay_close", "took_back", "recalled", "reversed", None, None]


def test_0014_counts_each_subsidiarys_important_info_from_its_highest_version(fresh_url):
    """The versions forms hold today stay as they are; the next save of any entry of the
    subsidiary takes a number above every one of them."""
    cfg = alembic_config()
    engine = create_engine(fresh_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0013")
            if conn.dialect.name == "postgresql":  # the rows' company is not the point
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for sub in (1, 2):
                conn.execute(text(
                    "INSERT INTO subsidiaries (id, company_id, name, code, legal_name, "
                    "mc_number, dot_number, address, city, state, zip_code, phone, email, "
                    "default_invoicing_method, required_documents, last_batch_number) "
                    "VALUES (:i, 1, :n, :n, '', '', '', '', '', '', '', '', '', "
                    "'Factoring', '[]', 0)"), {"i": sub, "n": f"S{sub}"})
            for i, (kind, version) in enumerate((("notice_of_assignment", 3),
                                                 ("invoice_footer", 1)), start=1):
                conn.execute(text(
                    "INSERT INTO important_info (id, subsidiary_id, kind, text, updated_at, "
                    "updated_by, version) VALUES (:i, 1, :k, 'x', CURRENT_TIMESTAMP, 'old', "
                    ":v)"), {"i": i, "k": kind, "v": version})
            command.upgrade(cfg, "head")
            got = conn.execute(text(
                "SELECT info_versions FROM subsidiaries ORDER BY id")).scalars().all()
            versions = conn.execute(text(
                "SELECT version FROM important_info ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert got == [3, 0] and versions == [3, 1]


# ------------------------------------------------------------------ 0016: times, undo

_GUARD_0016 = (
    "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%\\_server\\_time\\_%'), "
    "(SELECT count(*) FROM pg_trigger WHERE tgname = 'report_imports_history_guard_update' "
    "OR tgname LIKE '%\\_history\\_guard\\_delete' "
    "OR tgname LIKE '%\\_records\\_guard\\_insert'), "
    "(SELECT count(*) FROM information_schema.columns WHERE table_schema = "
    "'factor_desk_guard' AND table_name = 'pending' AND column_name = 'import_ids'), "
    "(SELECT count(*) FROM pg_proc WHERE proname = 'check_pending' "
    "AND prosrc LIKE '%report_imports%'), "
    "(SELECT count(*) FROM pg_proc WHERE proname IN ('server_times', 'imports_marked', "
    "'records_deleted', 'records_inserted')), "
    "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'factor_desk_billing') AND NOT "
    "has_table_privilege('factor_desk_billing', 'report_imports', 'UPDATE') AND "
    "has_column_privilege('factor_desk_billing', 'report_imports', 'undone_at', 'UPDATE')")


def test_0016_goes_down_to_the_guard_of_0015_and_up_again(fresh_url):
    """Its triggers (two per table of db/server_times.py), the undo's check and Billing's
    narrower UPDATE of report_imports go, and come back; 0015's guard stays. On SQLite it
    does nothing, both ways."""
    from factor_desk.db.server_times import COLUMNS

    cfg = alembic_config()
    engine = create_engine(fresh_url)
    pg = engine.dialect.name == "postgresql"
    states = []
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for step, revision in ((command.upgrade, "head"), (command.downgrade, "0015"),
                                   (command.upgrade, "head")):
                step(cfg, revision)
                states.append(tuple(conn.execute(text(_GUARD_0016)).one()) if pg else
                              MigrationContext.configure(conn).get_current_revision())
                if pg:  # 0015's guard, whichever: its check and the history's time
                    assert conn.execute(text(
                        "SELECT count(*) FROM pg_trigger WHERE tgname IN "
                        "('factor_desk_history_required', 'status_history_server_time')")
                    ).scalar_one() == 2
    finally:
        engine.dispose()
    if not pg:
        assert states == ["0016", "0015", "0016"]
        return
    # Billing updates only the undo's columns of an import (when the server has the
    # roles: 0009 granted this database's tables to them)
    with engine.connect() as conn:
        roles = conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = "
                                  "'factor_desk_billing'")).scalar_one() == 1
    engine.dispose()
    head = (2 * len(COLUMNS), 7, 1, 1, 4, roles)
    assert states == [head, (0, 0, 0, 0, 0, False), head]

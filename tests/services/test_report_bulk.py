"""Report apply on PostgreSQL writes in one statement per table (issue #15,
services/reports/bulk.py): the same rows and values as the Core path SQLite takes."""

import datetime as dt

import pytest
from helpers import import_loads, load_row, write_loads_csv
from sqlalchemy import select
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    payment_row,
    purchase_row,
    write_csv,
)

from factor_desk.db.models import (
    Invoice,
    LedgerEntry,
    Load,
    Payment,
    PurchaseRecord,
    StatusHistory,
    utcnow,
)
from factor_desk.services import lifecycle
from factor_desk.services.desk import Desk
from factor_desk.services.reports import bulk, payments, upload


@pytest.fixture
def pg(db, batch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("one statement per table is the PostgreSQL path")
    return db


@pytest.fixture
def core_calls(monkeypatch):
    """How many times a write went by the Core path (services.common.insert_rows)."""
    calls: list[int] = []
    real = bulk.insert_rows

    def counted(work, table, keys, rows):
        calls.append(len(rows))
        real(work, table, keys, rows)

    monkeypatch.setattr(bulk, "insert_rows", counted)
    return calls


def _written(db, numbers: list[str]) -> dict[str, list[tuple]]:
    """What the reports wrote for the loads ``numbers``, by each load's place in the list
    (ids, imports and references apart)."""
    place = {n: i for i, n in enumerate(numbers)}
    out: dict[str, list[tuple]] = {}
    with db.read() as work:
        def of(stmt, skip=()):
            rows = []
            for number, *values in work.execute(stmt):
                if number in place:
                    rows.append((place[number], *[v for i, v in enumerate(values)
                                                  if i not in skip]))
            return sorted(rows, key=repr)

        out["purchases"] = of(select(
            Load.load_number, PurchaseRecord.row_number, PurchaseRecord.status,
            PurchaseRecord.reason, PurchaseRecord.purchase_date,
            PurchaseRecord.invoice_amount_cents, PurchaseRecord.advance_cents,
            PurchaseRecord.fee_cents, PurchaseRecord.reserve_cents)
            .join(Invoice, Invoice.id == PurchaseRecord.invoice_id)
            .join(Load, Load.id == Invoice.load_id))
        out["payments"] = of(select(
            Load.load_number, Payment.row_number, Payment.payment_date, Payment.amount_cents,
            Payment.reference_number, Payment.check_number, Payment.payment_method,
            Payment.payer, Payment.short_pay_reason, Payment.note, Payment.final)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Load, Load.id == Invoice.load_id))
        out["payments"] = [(p, r, d, c, ref[2:], *rest)
                           for p, r, d, c, ref, *rest in out["payments"]]
        out["entries"] = of(select(
            Load.load_number, LedgerEntry.kind, LedgerEntry.row_number, LedgerEntry.entry_date,
            LedgerEntry.amount_cents, LedgerEntry.reason, LedgerEntry.at, LedgerEntry.by,
            LedgerEntry.factoring_company_id, LedgerEntry.invoice_id.is_not(None))
            .join(Load, Load.id == LedgerEntry.load_id))
        out["history"] = of(select(
            Load.load_number, StatusHistory.from_status, StatusHistory.to_status,
            StatusHistory.at, StatusHistory.by, StatusHistory.reason, StatusHistory.batch_id)
            .join(Load, Load.id == StatusHistory.load_id)
            # the reports' moves (not the loads' first status, nor the batch's)
            .where(StatusHistory.import_id.is_not(None),
                   StatusHistory.from_status.is_not(None)))
        out["history"] = [(p, f, t, at, by, reason.split(" ")[0], *rest)
                          for p, f, t, at, by, reason, *rest in out["history"]]
        out["status"] = of(select(Load.load_number, Load.status))
    return out


def test_a_report_applied_on_the_server_writes_what_the_core_path_writes(
        pg, batch, tmp_path, monkeypatch, core_calls):
    # the clock's moment: a history row dated more than 5 minutes from the server's clock
    # gets the server's time (migration 0015)
    moment = utcnow().replace(microsecond=345678)
    for module in (bulk, lifecycle, upload):
        monkeypatch.setattr(module, "utcnow", lambda: moment)
    rows = [load_row(str(n), Linehaul="1000.00", Accessorials="", Total="1000.00")
            for n in (11, 12, 13, 14)]
    import_loads(pg, write_loads_csv(tmp_path / "more.csv", rows), "Acme Freight")
    other = Desk(pg).submit_batch("Acme Freight", ["11", "12", "13", "14"]).batch

    def reports(prefix: str, numbers: list[str], label: str) -> None:
        apply(pg, "purchase", write_csv(tmp_path / f"{prefix}-p.csv", PURCHASE_HEADER, [
            purchase_row(numbers[0]), purchase_row(numbers[1], "990.00"),
            purchase_row(numbers[2], **{"Advance Amount": "", "Fee Amount": ""}),
            purchase_row(numbers[3])]), label)
        apply(pg, "payments", write_csv(tmp_path / f"{prefix}-pay.csv", PAYMENT_HEADER, [
            payment_row(numbers[0], ref=f"{prefix}-1", **{"Check Number": "C1"}),
            payment_row(numbers[1], "400.00", ref=f"{prefix}-2"),
            payment_row(numbers[2], "950.00", ref=f"{prefix}-3",
                        **{"Short Pay Reason": "lumper not approved", "Note": "n"}),
            payment_row(numbers[3], "100.00", ref=f"{prefix}-4"),
            payment_row(numbers[1], "300.00", ref=f"{prefix}-5")]))
        # what the two still owe comes from the database: on the server, by their batch
        apply(pg, "payments", write_csv(tmp_path / f"{prefix}-pay2.csv", PAYMENT_HEADER, [
            payment_row(numbers[1], "400.00", ref=f"{prefix}-6"),
            payment_row(numbers[3], "800.00", ref=f"{prefix}-7", Final="yes")]))

    # a batch the file names 2 invoices of is read whole (the threshold, 900 in use)
    monkeypatch.setattr(payments, "CHUNK", 2)
    reports("S1", ["1", "2", "3", "4"], batch)
    assert core_calls == []  # every write went in one statement
    monkeypatch.setattr(bulk, "on_server", lambda work: False)
    reports("C1", ["11", "12", "13", "14"], other)
    assert core_calls  # the second went through Core

    by_server = _written(pg, ["1", "2", "3", "4"])
    by_core = _written(pg, ["11", "12", "13", "14"])
    assert by_server == by_core
    assert [s for _, s in by_server["status"]] == ["Completed"] * 4
    assert len(by_server["entries"]) == 2  # the two short pays
    assert [e[4] for e in sorted(by_server["entries"])] == [5000, 10000]  # 3's, 4's
    assert {e[6] for e in by_server["entries"]} == {moment}
    assert len(by_server["history"]) == 8  # Invoiced -> Financed -> Completed, each load


def test_a_load_moved_meanwhile_is_named_and_nothing_applies(pg, batch, tmp_path, monkeypatch):
    """The server path's one UPDATE finds a load another clerk moved a moment ago: the
    refusal names it, as lifecycle.move_loads does, and the whole apply rolls back."""
    from helpers import dump

    from factor_desk.domain.errors import InputRefused

    real = bulk.move_loads

    def overtaken(work, loads, *args, **kwargs):
        work.execute(Load.__table__.update().where(Load.__table__.c.load_number == "2")
                     .values(status="Financed"))
        real(work, loads, *args, **kwargs)

    monkeypatch.setattr(upload, "move_loads", overtaken)
    before = dump(pg)
    with pytest.raises(InputRefused, match="Load 2 is Financed.*changed a moment ago"):
        apply(pg, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                        [purchase_row(n) for n in "1234"]), batch)
    assert dump(pg) == before


def test_the_arrays_written_as_literals_read_back_as_given(pg):
    """Text with the characters an array literal escapes, and whole numbers, go to the
    server as one array each and come back unchanged."""
    from sqlalchemy import Integer, String, func

    texts = ['a"b', "back\\slash", "x,y", "{z}", "NULL", "", " sp ", "é€", 'both\\"']
    numbers = [0, -5, 2**31 - 1, 7]
    with pg.read() as work:
        got = work.execute(select(func.unnest(bulk.array_of(texts, String())))).scalars().all()
        assert got == texts
        got = work.execute(select(func.unnest(bulk.array_of(numbers, Integer())))).scalars()
        assert list(got) == numbers


def test_a_server_lost_during_copy_is_the_usual_refusal(pg, monkeypatch):
    """COPY runs on the driver's own connection, outside the engine's statements: a server
    that goes away under it is told where it fails, as for any statement, nothing changed
    (not a driver's error that only the closing of the work turns into the refusal)."""
    from factor_desk.domain.errors import EnvironmentRefused

    # the COPY is the first statement after the server went away
    monkeypatch.setattr(bulk, "row_security", lambda work, table: False)
    moment = dt.datetime(2026, 11, 29)
    raised: list[type] = []
    with pytest.raises(EnvironmentRefused, match="was lost; nothing was changed"), \
            pg.write() as work:
        pid = work.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with pg.engine.connect() as other:  # the same login may end its own session
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        try:
            bulk.write_rows(work, StatusHistory.__table__, (
                "load_id", "from_status", "to_status", "at", "by", "reason", "batch_id",
                "import_id"), [(n, "Invoiced", "Financed", moment, "x", "lost", None, None)
                               for n in (1, 2)])
        except Exception as error:
            raised.append(type(error))
            raise
    assert raised == [EnvironmentRefused]
    with pg.read() as work:  # the next action works
        assert work.connection().exec_driver_sql("SELECT 1").scalar() == 1


@pytest.fixture
def payments_row_security(pg):
    """Row-level security on the payments table, for its owner too (undone after)."""
    def run(*statements):
        with pg.engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)

    run("ALTER TABLE payments ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE payments FORCE ROW LEVEL SECURITY",
        "CREATE POLICY everyone ON payments USING (true) WITH CHECK (true)")
    yield
    run("DROP POLICY everyone ON payments", "ALTER TABLE payments NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE payments DISABLE ROW LEVEL SECURITY")


def test_a_table_under_row_level_security_is_written_by_insert(
        pg, batch, tmp_path, core_calls, payments_row_security):
    """COPY FROM refuses a table with row-level security: its rows go by INSERT."""
    apply(pg, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)
    assert core_calls == []
    apply(pg, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                    [payment_row(n) for n in "12"]))
    assert core_calls == [2]  # the payments; their history rows by COPY
    with pg.read() as work:
        assert sorted(work.execute(select(Payment.reference_number)).scalars()) == [
            "ACH-1", "ACH-2"]

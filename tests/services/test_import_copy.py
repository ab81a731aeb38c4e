"""The loads import on PostgreSQL writes the loads by COPY (issue #16): in the import's one
transaction, with the same values the Core path writes."""

import datetime as dt

import pytest
from helpers import dump, import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import select

from factor_desk.db.models import Load, LoadCharge, StatusHistory, utcnow
from factor_desk.domain.errors import InputRefused
from factor_desk.services.loads import importing


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is the PostgreSQL path")
    return db


@pytest.fixture
def copies(monkeypatch):
    """How many times the loads went by COPY."""
    calls: list[int] = []
    real = importing._copy_loads

    def counted(connection, rows, *args):
        calls.append(len(rows))
        real(connection, rows, *args)

    monkeypatch.setattr(importing, "_copy_loads", counted)
    return calls


def _read_back(db, load_number):
    with db.read() as work:
        load = work.scalars(select(Load).where(Load.load_number == load_number)).one()
        charges = [(c.position, c.description, c.amount_cents) for c in load.charges]
        history = [(h.from_status, h.to_status, h.at, h.by) for h in work.scalars(
            select(StatusHistory).where(StatusHistory.load_id == load.id))]
        values = {c.key: getattr(load, c.key) for c in Load.__table__.columns}
    return values, charges, history


def test_a_row_written_by_copy_reads_back_as_one_written_by_core(
        pg, tmp_path, monkeypatch, copies):
    make_carrier(pg)
    # the clock's moment (to the microsecond, the same in both): a history row dated more
    # than 5 minutes from the server's clock gets the server's time (migration 0015)
    moment = utcnow().replace(microsecond=123456)
    monkeypatch.setattr(importing, "utcnow", lambda: moment)
    rows = {n: [load_row(n + "a", **{"Invoicing Method": "Direct"}),
                load_row(n + "b", Accessorials="", Total="2400.00", **{
                    "Pickup Date": "11/03/2026", "Delivery Date": ""})]
            for n in ("copy", "core")}
    import_loads(pg, write_loads_csv(tmp_path / "copy.csv", rows["copy"]), "Acme Freight")
    assert copies == [2]
    monkeypatch.setattr(importing, "_copies", lambda dialect: False)
    import_loads(pg, write_loads_csv(tmp_path / "core.csv", rows["core"]), "Acme Freight")
    assert copies == [2]  # the second file went through Core

    def comparable(number):
        values, charges, history = _read_back(pg, number)
        for key in ("id", "load_number", "invoice_number", "po_number", "import_id"):
            values.pop(key)
        return values, charges, history

    for suffix in ("a", "b"):
        by_copy, by_core = comparable("copy" + suffix), comparable("core" + suffix)
        assert by_copy == by_core
        assert by_copy[0]["created_at"] == moment and by_copy[0]["created_at"].tzinfo is None
    assert comparable("copya")[0]["invoicing_method"] == "Direct"
    assert comparable("copyb")[0]["delivery_date"] is None
    assert comparable("copyb")[0]["pickup_date"] == dt.date(2026, 11, 3)
    assert comparable("copya")[1] == [(1, "Accessorials", 15000)]
    assert comparable("copyb")[1] == []


@pytest.mark.parametrize("column", ["Load Number", "Invoice Number"])
def test_a_unique_clash_during_copy_is_the_clear_refusal_and_leaves_nothing(
        pg, tmp_path, monkeypatch, copies, column):
    make_carrier(pg)
    mine = write_loads_csv(tmp_path / "mine.csv",
                           [load_row(str(n)) for n in range(1, 6)])
    # Another clerk's load 9 takes my load 4's number (or its invoice number).
    theirs = write_loads_csv(tmp_path / "theirs.csv", [
        load_row("4", **{"Invoice Number": "T-4"}) if column == "Load Number"
        else load_row("9", **{"Invoice Number": "4"})])
    checked = importing.ImportPlan.refuse_unless_importable
    raced: list[bool] = []

    def check_then_lose_the_race(plan, **kw):
        checked(plan, **kw)
        if not raced:  # between our check and our write
            raced.append(True)
            import_loads(pg, theirs, "Acme Freight")

    monkeypatch.setattr(importing.ImportPlan, "refuse_unless_importable",
                        check_then_lose_the_race)
    with pytest.raises(InputRefused) as err:
        import_loads(pg, mine, "Acme Freight")
    assert copies == [1, 5]  # theirs, then mine: the clash came during my COPY
    assert "added a moment ago by someone else; nothing was imported" in err.value.summary
    assert [(p.row, p.column) for p in err.value.problems] == [(5, column)]
    after = dump(pg)
    loads = {r[1] for r in after["loads"]}
    assert loads == {repr("4" if column == "Load Number" else "9")}
    assert len(after["load_charges"]) == 1  # theirs alone
    assert len(after["report_imports"]) == 1
    assert len(after["status_history"]) == 1
    assert {r[1] for r in after["customers"]} == {repr("Summit Brokerage")}


def test_a_refusal_after_the_copy_rolls_the_copied_loads_back(pg, tmp_path, monkeypatch,
                                                               copies):
    make_carrier(pg)
    before = dump(pg)

    def refuse(*args, **kw):
        raise InputRefused([], summary="refused after the COPY")

    monkeypatch.setattr(importing, "record_new_loads", refuse)
    path = write_loads_csv(tmp_path / "l.csv", [load_row("1"), load_row("2")])
    with pytest.raises(InputRefused):
        import_loads(pg, path, "Acme Freight")
    assert copies == [2]
    assert dump(pg) == before
    with pg.read() as work:
        assert work.scalars(select(LoadCharge)).all() == []

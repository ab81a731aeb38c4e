"""Upgrade a populated database from revision 0003 to the newest (0004 rebuilds `invoices`
on SQLite with foreign keys off; 0005 adds loads.invoice_date), through `Database(location)`
as the program opens it (with its automatic backup first, on SQLite). Every row survives:
counts and money identical, foreign keys intact, and the unique rules still hold after."""

from decimal import Decimal

import pytest
from helpers import attach_required, import_loads, load_row, make_carrier, write_loads_csv
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from test_migrations import _later_columns, _migrate, fresh_url  # noqa: F401 (a fixture)

from factor_desk.db.database import Database, Location
from factor_desk.db.migrate import current_revision, head_revision
from factor_desk.db.models import Base
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads

pytestmark = pytest.mark.slow

PURCHASE = "Invoice Number,Invoice Amount,Purchase Date,Advance Amount,Fee Amount,Status"
PAYMENT = "Invoice Number,Payment Date,Amount Paid,Reference Number"
MONEY = {"loads": ("total_cents", "linehaul_cents", "accessorials_cents"),
         "invoices": ("amount_cents",), "purchase_records": ("invoice_amount_cents",
                                                             "advance_cents", "fee_cents"),
         "payments": ("amount_cents",)}


# A copy of invoice 3 (open in the first batch) for another load or under another number.
_COPY_INVOICE = (
    "INSERT INTO invoices (batch_id, load_id, position, invoice_number, invoice_date, "
    "terms_days, due_date, amount_cents, noa_text, remit_to, snapshot) "
    "SELECT batch_id, {load}, 99, {number}, invoice_date, terms_days, due_date, "
    "amount_cents, noa_text, remit_to, snapshot FROM invoices WHERE invoice_number = '3'")


def _picture(db) -> dict[str, object]:
    """Every table's row count and every money column's sum, and the rows of the tables
    the upgrade rebuilds."""
    seen: dict[str, object] = {}
    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name not in present:  # a table of a later revision: none of its rows
                seen[table.name] = 0
                continue
            seen[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
            for column in MONEY.get(table.name, ()):
                seen[f"{table.name}.{column}"] = conn.execute(
                    select(func.sum(table.c[column]))).scalar()
        inv = Base.metadata.tables["invoices"]
        keep = [c for c in inv.c if c.name not in ("recalled_at", "recalled_by",
                                                   "recall_reason")]
        seen["invoice rows"] = [tuple(r) for r in conn.execute(
            select(*keep).order_by(inv.c.id))]
    return seen


def test_a_populated_database_at_0003_upgrades_with_every_row(fresh_url, tmp_path):  # noqa: F811
    _migrate(fresh_url, "0003")
    _later_columns(fresh_url, add=True)  # today's models write them
    db = Database(Location(url=fresh_url, home=tmp_path), migrate=False)
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "loads.csv", [
        load_row(str(n), Linehaul="1000.00", Accessorials="234.56", Total="1234.56")
        for n in (1, 2, 3, 4, 5)] + [load_row("6", Status="Released")]), "Acme Freight")
    attach_required(db, tmp_path, ["1", "2", "3", "4", "5"])
    desk = Desk(db)
    batch = desk.submit_batch("Acme Freight", ["1", "2", "3", "4"]).batch

    def apply(kind, name, lines):
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return run_to_end(desk.apply_report(kind, path, batch=batch, allow_missing=True))

    apply("purchase", "buy.csv", [PURCHASE, "1,1234.56,2026-11-28,1200.00,34.56,Purchased",
                                  "2,1234.56,2026-11-28,1200.00,34.56,Purchased",
                                  "3,1234.56,,,,Held - missing POD"])
    apply("payments", "pay.csv", [PAYMENT, "1,2026-12-28,1234.56,R-1"])
    db.dispose()
    _later_columns(fresh_url, add=False)
    db = Database(Location(url=fresh_url, home=tmp_path), migrate=False)
    before = _picture(db)
    db.dispose()

    db = Database(Location(url=fresh_url, home=tmp_path))  # upgrades, backing up first
    try:
        assert current_revision(db.engine) == head_revision()
        after = _picture(db)
        assert after == before
        assert after["loads.total_cents"] == 6 * 123456 - 123456 + 255000
        if fresh_url.startswith("sqlite"):
            assert list((tmp_path / "backups").glob("*.zip")), "no backup before upgrading"
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_key_check")).first() is None
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        desk = Desk(db)
        with db.read() as s:
            assert {ld.load_number: ld.status for ld in list_loads(s)} == {
                "1": "Completed", "2": "Financed", "3": "Invoiced", "4": "Invoiced",
                "5": "Queued", "6": "Released"}
        assert desk.show_batch(batch).status == "Partially purchased"
        # the rules still hold: an invoice number open in one batch cannot open in another
        with pytest.raises(IntegrityError, match="invoice_number"), db.write() as s:
            s.execute(text(_COPY_INVOICE.format(
                load="(SELECT id FROM loads WHERE load_number = '5')", number="invoice_number")))
        with pytest.raises(IntegrityError, match="load_id"), db.write() as s:  # one per load
            s.execute(text(_COPY_INVOICE.format(load="load_id", number="'OTHER'")))
        with pytest.raises(IntegrityError, match="(?i)foreign key"), db.write() as s:
            s.execute(text("UPDATE invoices SET batch_id = 9999 WHERE invoice_number = '4'"))
        # and the new moves work on the upgraded rows: recall 3, batch it again, same number
        desk.recall_invoices(batch, ["3"], "held: missing POD")
        again = desk.submit_batch("Acme Freight", ["3"]).batch
        assert [i.invoice_number for i in desk.show_batch(again).invoice_lines] == ["3"]
        assert _picture(db)["invoices.amount_cents"] == before["invoices.amount_cents"] \
            + 123456
        assert Decimal(after["payments.amount_cents"]) == Decimal(123456)
    finally:
        db.dispose()

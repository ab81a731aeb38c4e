"""A purchase report names its own batch (the Batch Number column); a duplicate row names
the import that really moved its invoice."""

from __future__ import annotations

from helpers import import_loads, load_row, write_loads_csv
from test_reports import (
    PAYMENT_HEADER,
    PURCHASE_HEADER,
    apply,
    outcomes,
    payment_row,
    preview,
    purchase_row,
    write_csv,
)

from factor_desk.services import reports
from factor_desk.services.desk import Desk


def test_a_duplicate_purchase_row_names_the_import_that_completed_the_load(db, batch,
                                                                            tmp_path):
    first = apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                            [purchase_row("1"), purchase_row("2")]),
                  batch, allow_missing=True)
    second = apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                             [payment_row("1")]))
    assert first.import_id < second.import_id
    # a repeat that agrees is already applied (#12); one that disagrees is refused
    again = preview(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER,
                                              [purchase_row("1", "1200.00"),
                                               purchase_row("2", "1200.00")]), batch)
    got = outcomes(again)
    assert got[2][0] == "error"
    assert f"load 1 is already Completed by import #{second.import_id} on " in got[2][1], \
        got[2][1]
    assert f"load 2 is already Financed by import #{first.import_id} on " in got[3][1], \
        got[3][1]


def test_the_batches_a_purchase_report_names(db, batch, tmp_path):
    import_loads_rows = [load_row(str(n), Linehaul="1000.00", Accessorials="",
                                  Total="1000.00") for n in (11, 12)]
    import_loads(db, write_loads_csv(tmp_path / "more.csv", import_loads_rows),
                 "Acme Freight")
    other = Desk(db).submit_batch("Acme Freight", ["11", "12"]).batch
    one = write_csv(tmp_path / "one.csv", PURCHASE_HEADER, [
        purchase_row("1", **{"Batch Number": batch}),
        purchase_row("2", **{"Batch Number": f" {batch.lower()} "}),
        purchase_row("3", **{"Batch Number": ""})])
    assert reports.report_batches(one) == [batch]
    assert Desk.report_batches(one) == [batch]
    none = write_csv(tmp_path / "none.csv", PURCHASE_HEADER, [purchase_row("1")])
    assert Desk.report_batches(none) == []
    several = write_csv(tmp_path / "several.csv", PURCHASE_HEADER, [
        purchase_row("11", **{"Batch Number": other}),
        purchase_row("1", **{"Batch Number": batch})])
    assert Desk.report_batches(several) == [other, batch]  # in the file's order
    no_column = write_csv(tmp_path / "nocol.csv",
                          [h for h in PURCHASE_HEADER if h != "Batch Number"],
                          [purchase_row("1")])
    assert Desk.report_batches(no_column) == []
    # the file's one batch is the batch its preview is for
    assert run_preview(db, one).batch == batch


def run_preview(db, path):
    from factor_desk.services.common import run_to_end

    desk = Desk(db)
    (named,) = desk.report_batches(path)
    return run_to_end(desk.preview_report("purchase", path, batch=named))

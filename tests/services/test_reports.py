"""The factor's purchase and payment reports: reading, preview, apply, no double counting,
undo, reconciliation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from helpers import dump, import_loads, load_row, write_csv_file, write_loads_csv

from factor_desk.domain.errors import InputRefused
from factor_desk.services import reports
from factor_desk.services.batches import list_batches, show_batch, submit_batch
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.loads import list_loads

PURCHASE_HEADER = ["Invoice Number", "Load Number", "Batch Number", "Debtor", "Invoice Amount",
                   "Purchase Date", "Advance Amount", "Fee Amount", "Reserve Amount", "Status"]
PAYMENT_HEADER = ["Invoice Number", "Load Number", "Debtor", "Payment Date", "Amount Paid",
                  "Reference Number", "Check Number", "Payment Method", "Final",
                  "Short Pay Reason", "Note"]
AUDIT_TABLES = {"report_imports", "status_history", "document_blobs"}


def write_csv(path: Path, header: list[str], rows: list[dict], **kw) -> Path:
    return write_csv_file(path, [header, *([r.get(h, "") for h in header] for r in rows)],
                          **kw)


def purchase_row(number: str, amount: str = "1000.00", **kw) -> dict:
    fee = (Decimal(amount) * Decimal("0.025")).quantize(Decimal("0.01"))
    row = {"Invoice Number": number, "Invoice Amount": amount, "Purchase Date": "11/28/2026",
           "Advance Amount": str(Decimal(amount) - fee), "Fee Amount": str(fee),
           "Reserve Amount": "0", "Status": "Purchased"}
    row.update(kw)
    return row


def payment_row(number: str, amount: str = "1000.00", ref: str | None = None, **kw) -> dict:
    row = {"Invoice Number": number, "Payment Date": "2026-12-28", "Amount Paid": amount,
           "Reference Number": ref if ref is not None else f"ACH-{number}",
           "Payment Method": "ACH"}
    row.update(kw)
    return row


def statuses(db) -> dict[str, str]:
    with db.read() as s:
        return {ld.load_number: ld.status for ld in list_loads(s)}


def preview(db, kind, path, batch=None):
    return run_to_end(Desk(db).preview_report(kind, path, batch=batch))


def apply(db, kind, path, batch=None, **kw):
    return run_to_end(Desk(db).apply_report(kind, path, batch=batch, **kw))


def undo(db, import_id):
    return Desk(db).undo_import(import_id)


def refused(db, kind, path, batch=None, **kw) -> str:
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        apply(db, kind, path, batch, **kw)
    assert dump(db) == before, "a refused upload must change nothing"
    return str(err.value)


def outcomes(p) -> dict[int, tuple[str, str]]:
    return {r.row: (r.outcome, "; ".join(r.reasons)) for r in p.rows}


def test_shipped_templates_match_and_apply(db, batch, tmp_path):
    from importlib.resources import files

    for kind, name, header in (("purchase", "Purchase_Report.csv", PURCHASE_HEADER),
                               ("payments", "Payments_Report.csv", PAYMENT_HEADER)):
        shipped = files("factor_desk.resources").joinpath(f"templates/{name}").read_text(
            encoding="utf-8")
        assert shipped.splitlines() == reports.report_template(kind).splitlines()
        assert shipped.splitlines()[0] == ",".join(header)


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("encoding,delimiter,bom", [("utf-8", ",", True), ("cp1252", ";", False),
                                                    ("utf-8", "\t", False)])
def test_reads_portal_spellings_and_excel_habits(db, batch, tmp_path, encoding, delimiter, bom):
    header = ["Inv #", "Load #", "Invoice Amt", "Funded Date", "Advance", "Fee", "Status",
              "Notes"]
    rows = [{"Inv #": "1", "Invoice Amt": "$1,000.00", "Funded Date": "46354",
             "Advance": "975.00", "Fee": "25", "Status": "Funded"},
            {},  # blank row
            {"Load #": "2", "Invoice Amt": "1000", "Funded Date": "11/28/2026",
             "Status": "Hold", "Notes": "Missing POD – résumé"}]
    path = write_csv(tmp_path / "p.csv", header, rows, encoding=encoding, delimiter=delimiter)
    if bom:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    p = preview(db, "purchase", path, batch)
    assert outcomes(p)[2][0] == "applies"
    assert outcomes(p)[4] == ("warning", "held by the factor: Missing POD – résumé; the load "
                                         "stays Invoiced")
    assert p.rows[0].values.purchase_date.isoformat() == "2026-11-28"


def test_reads_xlsx_picking_the_sheet_by_name(db, batch, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active.append(["Nothing to see"])
    ws = wb.create_sheet("Payments Detail")
    ws.append(["Invoice #", "Date Paid", "Paid Amount", "Check #"])
    ws.append([1, 46384, 1000, "C1"])
    path = tmp_path / "pay.xlsx"
    wb.save(path)
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row("1")]), batch, allow_missing=True)
    p = preview(db, "payments", path)
    assert [(r.invoice_number, r.outcome) for r in p.rows] == [("1", "warning")]
    assert p.rows[0].values.payment_date.isoformat() == "2026-12-28"
    assert p.rows[0].values.amount_cents == 100000


@pytest.mark.parametrize("content,message", [
    ("Name,Phone\nBob,555\n", "no column for 'Invoice Amount', 'Purchase Date'"),
    ("Invoice Amount,Purchase Date\n5,2026-01-01\n", "no column for 'Invoice Number' or "
                                                     "'Load Number'"),
    ("Invoice Number,Invoice Amount,Purchase Date\n", "header but no rows"),
])
def test_a_file_that_makes_no_sense_gets_one_clear_message(db, batch, tmp_path, content,
                                                           message):
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputRefused, match=message) as err:
        preview(db, "purchase", path, batch)
    assert "Columns found" in str(err.value) or "no rows" in str(err.value)


# ------------------------------------------------------------------ preview outcomes


def test_preview_explains_every_purchase_row(db, batch, tmp_path):
    other = tmp_path / "o.csv"
    write_loads_csv(other, [load_row("8", Linehaul="500", Accessorials="", Total="500")])
    import_loads(db, other, "Acme Freight")
    with db.write() as work:
        submit_batch(work, "Acme Freight", ["8"])  # ACME-0002
    rows = [purchase_row("1"),
            purchase_row("77"),
            purchase_row("8", "500.00"),
            purchase_row("2", "990.00"),
            purchase_row("1"),
            purchase_row("3", **{"Batch Number": "ACME-0009"}),
            purchase_row("4", **{"Advance Amount": "900.00"}),
            {"Load Number": "9", "Invoice Amount": "1000", "Purchase Date": "2026-11-28"},
            purchase_row("4", **{"Invoice Amount": "(10.00)"})]
    p = preview(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows), batch)
    got = outcomes(p)
    assert got[2] == ("applies", "")
    assert got[3] == ("error", "unknown invoice 77: no batch sent it")
    assert got[4][0] == "error" and "invoice 8 is in batch ACME-0002, not in batch " \
                                    "ACME-0001" in got[4][1]
    assert got[5][0] == "warning" and "the factor's amount $990.00 differs from the invoice " \
                                      "amount $1,000.00 by -$10.00" in got[5][1]
    assert got[6][0] == "error" and "invoice 1 is in the file twice (also row 2)" in got[6][1]
    assert got[7][0] == "error" and "the row says batch ACME-0009" in got[7][1]
    assert got[8][0] == "error" and "advance $900.00 + fee $25.00 + reserve $0.00 = $925.00, " \
                                    "not the invoice amount $1,000.00" in got[8][1]
    assert got[9] == ("error", "load 9 is Queued and has no invoice yet: no batch sent it")
    assert "Invoice Amount: expected zero or more, found -$10.00" in got[10][1]
    # purchased counts our invoices, as the reconciliation does; the factor's amounts apart
    assert (p.totals["purchased"], p.totals["factor_amount"], p.totals["amount_difference"]) \
        == (Decimal("2000.00"), Decimal("1990.00"), Decimal("-10.00"))
    assert p.missing_invoices == []


def test_preview_explains_every_payment_row(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row("1"), purchase_row("2"), purchase_row("3")]),
          batch, allow_missing=True)
    first = apply(db, "payments", write_csv(tmp_path / "pay1.csv", PAYMENT_HEADER,
                                            [payment_row("3", ref="R-3")]))
    rows = [payment_row("1", "950.00", **{"Short Pay Reason": "lumper not approved"}),
            payment_row("2", "600.00", ref="R-2a"),
            payment_row("2", "500.00", ref="R-2b"),
            payment_row("4"),
            payment_row("3", ref="R-new"),
            payment_row("2", "1.00", ref="R-3"),
            payment_row("2", "1.00", ref="R-2a")]
    p = preview(db, "payments", write_csv(tmp_path / "pay2.csv", PAYMENT_HEADER, rows))
    got = outcomes(p)
    assert got[2] == ("warning", "final payment: $950.00 of $1,000.00 open; short pay of "
                                 "$50.00 (lumper not approved) written off; load 1 becomes "
                                 "Completed")
    assert "invoice 2 is also paid in row 4" in got[3][1]
    assert "partial payment: $600.00 of $1,000.00, $400.00 stays open" in got[3][1]
    assert "overpaid by $100.00" in got[4][1]
    assert got[5] == ("error", "load 4 is Invoiced, not Financed: upload the purchase report "
                               "of batch ACME-0001 first")
    on = f"import #{first.import_id} on "
    assert got[6][0] == "error" and f"load 3 is already Completed by {on}" in got[6][1]
    assert got[7][0] == "error" and f"reference number R-3 already applied by {on}" \
        in got[7][1]
    assert got[8][0] == "error" and "reference number R-2a is in the file twice (also row 3)" \
        in got[8][1]
    assert p.totals["short_pay"] == Decimal("50.00") and p.totals["overpay"] == Decimal("100.00")


def test_preview_changes_nothing(db, batch, tmp_path):
    before = dump(db)
    preview(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                      [purchase_row("1")]), batch)
    assert dump(db) == before


# ------------------------------------------------------------------ apply


def test_purchase_report_finances_and_flags_held_or_rejected(db, batch, tmp_path):
    rows = [purchase_row("1"), purchase_row("2"),
            purchase_row("3", Status="Held - missing signed POD"),
            purchase_row("4", Status="Rejected", **{"Purchase Date": ""})]
    result = apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows), batch)
    assert result.rows_applied == 4
    assert statuses(db) == {"1": "Financed", "2": "Financed", "3": "Invoiced", "4": "Invoiced",
                            "9": "Queued"}
    with db.read() as s:
        flags = {ld.load_number: f for ld in list_loads(s)
                 for lid, f in reports.factor_flags(s).items() if lid == ld.id}
        assert flags == {"3": "Held: missing signed POD", "4": "Rejected"}
        assert list_batches(s)[0].status == "Partially purchased"
    # a later report buys the held one: the flag goes
    apply(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER, [purchase_row("3")]),
          batch, allow_missing=True)
    with db.read() as s:
        assert set(reports.factor_flags(s).values()) == {"Rejected"}
    apply(db, "purchase", write_csv(tmp_path / "p3.csv", PURCHASE_HEADER, [purchase_row("4")]),
          batch, allow_missing=True)
    with db.read() as s:
        assert list_batches(s)[0].status == "Purchased"
        detail = show_batch(s, batch)
    assert {i.status for i in detail.invoice_lines} == {"Financed"}


def test_missing_invoices_need_an_explicit_confirmation(db, batch, tmp_path):
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [purchase_row("1"),
                                                           purchase_row("2")])
    assert preview(db, "purchase", path, batch).missing_invoices == ["3", "4"]
    message = refused(db, "purchase", path, batch)
    assert "2 invoice(s) of batch ACME-0001 are not in the report: 3, 4" in message
    apply(db, "purchase", path, batch, allow_missing=True)
    assert statuses(db)["1"] == "Financed"


def test_nothing_applies_if_any_row_is_an_error(db, batch, tmp_path):
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                     [purchase_row("1"), purchase_row("2"), purchase_row("77"),
                      purchase_row("3"), purchase_row("4")])
    message = refused(db, "purchase", path, batch)
    assert "p.csv, row 4: unknown invoice 77" in message
    # fixed and uploaded again: safe, applies once
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                     [purchase_row(n) for n in "1234"])
    apply(db, "purchase", path, batch)
    assert set(statuses(db).values()) == {"Financed", "Queued"}


def test_payments_complete_loads_and_keep_short_pays_visible(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)
    rows = [payment_row("1", "940.00", **{"Short Pay Reason": "detention disputed",
                                          "Check Number": "55012", "Note": "partial"}),
            payment_row("2", "1000.00"),
            payment_row("3", "1010.00")]
    result = apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER, rows))
    assert statuses(db) == {"1": "Completed", "2": "Completed", "3": "Completed",
                            "4": "Financed", "9": "Queued"}
    with db.read() as s:
        from factor_desk.db.models import Payment

        pay = s.query(Payment).filter_by(row_number=2).one()
        assert (pay.amount_cents, pay.check_number, pay.short_pay_reason, pay.note,
                pay.reference_number, pay.import_id) == (94000, "55012", "detention disputed",
                                                         "partial", "ACH-1", result.import_id)
        recon = reports.reconcile(s, batch)
    totals = recon.batches[0].totals
    assert totals["short_pay"] == Decimal("60.00") and totals["overpay"] == Decimal("10.00")
    assert totals["paid"] == Decimal("2950.00") and totals["open_balance"] == Decimal("1000.00")
    row1 = next(r for r in recon.batches[0].rows if r.invoice_number == "1")
    assert row1.amounts["short_pay"] == Decimal("60.00")


def test_one_payment_file_can_pay_several_batches(db, batch, tmp_path):
    import_loads(db, write_loads_csv(tmp_path / "l2.csv", [load_row(
        "5", Linehaul="1000.00", Accessorials="", Total="1000.00")]), "Acme Freight")
    with db.write() as work:
        second = submit_batch(work, "Acme Freight", ["5"]).batch
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [purchase_row("1")]),
          batch, allow_missing=True)
    apply(db, "purchase", write_csv(tmp_path / "p2.csv", PURCHASE_HEADER,
                                    [purchase_row("5")]), second)
    apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                    [payment_row("1"), payment_row("5")]))
    assert statuses(db)["1"] == statuses(db)["5"] == "Completed"


# ------------------------------------------------------------------ double counting


def test_the_same_file_twice_is_refused_until_its_import_is_undone(db, batch, tmp_path):
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [purchase_row(n) for n in "1234"])
    first = apply(db, "purchase", path, batch)
    renamed = tmp_path / "copy of p.csv"
    renamed.write_bytes(path.read_bytes())
    message = refused(db, "purchase", renamed, batch)
    assert f"already imported as import #{first.import_id} on " in message
    undo(db, first.import_id)
    again = apply(db, "purchase", renamed, batch)
    assert again.import_id != first.import_id
    assert set(statuses(db).values()) == {"Financed", "Queued"}


def test_a_payment_reference_already_applied_is_an_error_for_that_row(db, batch, tmp_path):
    apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                    [purchase_row(n) for n in "1234"]), batch)
    apply(db, "payments", write_csv(tmp_path / "a.csv", PAYMENT_HEADER,
                                    [payment_row("1", ref="CHK-77")]))
    message = refused(db, "payments", write_csv(tmp_path / "b.csv", PAYMENT_HEADER,
                                                [payment_row("2", ref="CHK-77")]))
    assert "b.csv, row 2: reference number CHK-77 already applied by import #" in message


# ------------------------------------------------------------------ undo


def _business_rows(db):
    return {k: v for k, v in dump(db).items() if k not in AUDIT_TABLES}


def test_undo_puts_every_row_back_as_it_was(db, batch, tmp_path):
    """Undo leaves the business rows exactly as before the import; the audit trail (the
    import itself, marked undone, and the status history) keeps what happened."""
    before = _business_rows(db)
    purchase = apply(db, "purchase", write_csv(
        tmp_path / "p.csv", PURCHASE_HEADER,
        [purchase_row("1"), purchase_row("2"), purchase_row("3", Status="Held")]),
        batch, allow_missing=True)
    after_purchase = _business_rows(db)
    payments = apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                               [payment_row("1", "900.00", Final="yes")]))
    undo(db, payments.import_id)
    assert _business_rows(db) == after_purchase
    undo(db, purchase.import_id)
    assert _business_rows(db) == before
    with db.read() as s:
        history = reports.import_history(s)
        from factor_desk.services.loads import load_history

        moves = [(h.from_status, h.to_status) for h in load_history(s, "1")]
    assert [(h.id, h.status) for h in history] == [(payments.import_id, "undone"),
                                                   (purchase.import_id, "undone")]
    assert moves == [(None, "Queued"), ("Queued", "Invoiced"), ("Invoiced", "Financed"),
                     ("Financed", "Completed"), ("Completed", "Financed"),
                     ("Financed", "Invoiced")]


def test_undo_is_refused_when_a_later_import_depends_on_it(db, batch, tmp_path):
    purchase = apply(db, "purchase", write_csv(tmp_path / "p.csv", PURCHASE_HEADER,
                                               [purchase_row(n) for n in "1234"]), batch)
    payments = apply(db, "payments", write_csv(tmp_path / "pay.csv", PAYMENT_HEADER,
                                               [payment_row("2")]))
    before = dump(db)
    with pytest.raises(InputRefused, match=f"payment import #{payments.import_id} .* paid "
                                           "load 2.* Undo that import first"):
        undo(db, purchase.import_id)
    assert dump(db) == before
    undo(db, payments.import_id)
    with pytest.raises(InputRefused, match="already undone"):
        undo(db, payments.import_id)
    undo(db, purchase.import_id)
    assert set(statuses(db).values()) == {"Invoiced", "Queued"}


def test_the_original_file_is_kept_with_its_import(db, batch, tmp_path):
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, [purchase_row(n) for n in "1234"])
    result = apply(db, "purchase", path, batch)
    original = path.read_bytes()
    path.unlink()
    assert Desk(db).import_file(result.import_id) == ("p.csv", original)


# ------------------------------------------------------------------ reconciliation


def test_reconciliation_adds_up_when_the_factor_buys_at_another_amount(db, batch, tmp_path,
                                                                       capsys):
    """The factor bought invoice 2 for $990.00 and invoice 3 for $1,012.50, and did not split
    invoice 4 into advance and fee: the factor's amount and the difference are shown, and
    purchased + difference = factor's amount = advance + fee + reserve + not itemised, per
    invoice, per batch and overall, to the cent."""
    import json

    from factor_desk.cli import main

    rows = [purchase_row("1"), purchase_row("2", "990.00"),
            purchase_row("3", "1012.50", **{"Reserve Amount": "100.00",
                                            "Advance Amount": "887.19"}),
            purchase_row("4", "1000.00", **{"Advance Amount": "", "Fee Amount": ""})]
    path = write_csv(tmp_path / "p.csv", PURCHASE_HEADER, rows)
    p = preview(db, "purchase", path, batch)
    assert "the factor's amount $1,012.50 differs from the invoice amount $1,000.00 by " \
           "$12.50" in outcomes(p)[4][1]
    apply(db, "purchase", path, batch)
    with db.read() as s:
        recon = reports.reconcile(s, batch)
    by_invoice = {r.invoice_number: r.amounts for r in recon.batches[0].rows}
    assert {n: tuple(str(c[k]) for k in ("purchased", "factor_amount", "amount_difference",
                                         "not_itemised")) for n, c in by_invoice.items()} == {
        "1": ("1000.00", "1000.00", "0.00", "0.00"), "2": ("1000.00", "990.00", "-10.00", "0.00"),
        "3": ("1000.00", "1012.50", "12.50", "0.00"),
        "4": ("1000.00", "1000.00", "0.00", "1000.00")}

    def holds(c: dict) -> None:
        assert c["purchased"] + c["amount_difference"] == c["factor_amount"] == \
            c["advance"] + c["fee"] + c["reserve"] + c["not_itemised"]

    for c in [*by_invoice.values(), recon.batches[0].totals, recon.totals]:
        holds(c)
    assert recon.totals["amount_difference"] == Decimal("2.50")
    # the command line shows the same: new keys in --json, new columns in the table
    argv = ["--db", db.location.url, "--home", str(db.location.home), "reports", "reconcile"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["totals"]["purchased"], out["totals"]["factor_amount"],
            out["totals"]["amount_difference"], out["totals"]["not_itemised"]) == \
        ("4000.00", "4002.50", "2.50", "1000.00")
    row2 = next(r for r in out["batches"][0]["rows"] if r["invoice_number"] == "2")
    assert (row2["factor_amount"], row2["amount_difference"]) == ("990.00", "-10.00")
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "Factor Amount" in table and "Amount Difference" in table
    assert "$2.50" in table and "$4,002.50" in table


@pytest.mark.parametrize("race", ["same held-only file", "same reference", "same invoice"])
def test_the_database_refuses_what_a_check_at_the_same_moment_let_through(
        db, batch, tmp_path, monkeypatch, race):
    """The loser of a race passed every check before the winner committed, every time here:
    the loser is held between its checks and its write while the winner applies. The
    database's own constraint stops the write, the file is checked again, and the refusal
    names the winner's import. (SQLite takes the write lock before checking: no race.)"""
    import threading

    if db.location.is_sqlite:
        pytest.skip("SQLite serialises the check and the write (BEGIN IMMEDIATE)")
    if race == "same held-only file":
        kind, header = "purchase", PURCHASE_HEADER
        rows = [[purchase_row("1", Status="Held")]] * 2
    elif race == "same reference":
        apply(db, "purchase", write_csv(tmp_path / "b.csv", PURCHASE_HEADER,
                                        [purchase_row(n) for n in "1234"]), batch)
        kind, header = "payments", PAYMENT_HEADER
        rows = [[payment_row("1", ref="R-9")], [payment_row("2", ref="R-9")]]
    else:
        kind, header = "purchase", PURCHASE_HEADER
        rows = [[purchase_row("1")], [purchase_row("1", "990.00")]]
    on = batch if kind == "purchase" else None
    first, late = (write_csv(tmp_path / f"{n}.csv", header, r)
                   for n, r in zip(("first", "late"), rows, strict=True))
    from factor_desk.services.reports import upload

    real = upload.refusals
    checked, winner_done = threading.Event(), threading.Event()
    calls = []

    def held_after_the_check(preview, allow_missing):
        problems = real(preview, allow_missing)
        if preview.file_name != "late.csv":
            return problems
        calls.append(problems)
        if len(calls) == 1:
            checked.set()
            assert winner_done.wait(60)
        return problems

    monkeypatch.setattr(upload, "refusals", held_after_the_check)
    before = dump(db)
    outcome: list = []

    def loser():
        try:
            outcome.append(apply(db, kind, late, on, allow_missing=True))
        except InputRefused as exc:
            outcome.append(exc)

    thread = threading.Thread(target=loser)
    thread.start()
    assert checked.wait(60)
    winner = apply(db, kind, first, on, allow_missing=True)
    winner_done.set()
    thread.join(60)
    assert len(calls) == 2 and calls[0] == [], "checked again after the database refused"
    (error,) = outcome
    assert isinstance(error, InputRefused), error
    assert "at the same moment" in str(error) and f"import #{winner.import_id}" in str(error)
    undo(db, winner.import_id)
    after = dump(db)
    for table in AUDIT_TABLES:  # the winner's audit trail (and kept file) stays
        del before[table], after[table]
    assert after == before


GARBAGE = ("\u202ejunk " * 1000)[:4999] + "\x07"  # bidi overrides, a bell, 5,000 characters


@pytest.mark.parametrize("kind, column", [
    ("purchase", "Invoice Amount"), ("purchase", "Purchase Date"), ("purchase", "Status"),
    ("purchase", "Invoice Number"), ("payments", "Amount Paid"), ("payments", "Payment Date"),
    ("payments", "Invoice Number"), ("payments", GARBAGE)])
def test_a_huge_garbage_cell_or_header_is_quoted_short_and_printable(db, batch, tmp_path,
                                                                      kind, column):
    number = "1"
    if kind == "purchase":
        header, row = list(PURCHASE_HEADER), purchase_row(number)
    else:
        header, row = list(PAYMENT_HEADER), payment_row(number)
    if column in header:
        row[column] = GARBAGE
    else:  # a header of garbage beside the real ones
        header.append(column)
    path = write_csv(tmp_path / "r.csv", header, [row])
    seen = preview(db, kind, path, batch if kind == "purchase" else None)
    texts = [reason for r in seen.rows for reason in r.reasons]
    if column not in PURCHASE_HEADER + PAYMENT_HEADER:
        texts.append(str(seen.to_dict()))
    else:
        texts.append(refused(db, kind, path, batch if kind == "purchase" else None))
    for text in texts:
        assert "\u202e" not in text and "\x07" not in text
    assert all(len(t) < 400 for t in texts[:-1]), texts
    assert len(texts[-1]) < 2_000

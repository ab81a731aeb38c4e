"""Each factor's schedule of accounts (issue #14): a batch downloads with the layout of the
factor it was submitted to; changing a layout is checked and all or nothing."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
from helpers import NOA, attach_required, dump, import_loads, load_row, write_loads_csv
from pypdf import PdfReader

from factor_desk.db.models import FactoringCompany
from factor_desk.domain.errors import InputRefused, NotFound
from factor_desk.domain.schedule_layout import (
    ScheduleColumn,
    ScheduleField,
    ScheduleLayout,
    parse_columns,
)
from factor_desk.domain.trade import InfoKind
from factor_desk.services import company
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk

RTS = ScheduleLayout.make(
    parse_columns("invoice_number=Invoice #,debtor=Account Debtor,amount=Face Amount,"
                  "load_number=Load,terms_days=Terms"), carrier_mc=False, signature=False)


@pytest.fixture
def two_factors(db, batch, tmp_path):
    """ACME-0001 went to Capital Depot; BETA-0001 (loads 21, 22) to RTS."""
    with db.write() as work:
        company.add_factoring_company(work, "RTS", remit_to="RTS Financial\nPO Box 840267\n"
                                                            "Dallas, TX 75284")
        company.update_subsidiary(work, "Beta Haulers", mc_number="MC-333")
        company.set_factoring_company(work, "Beta Haulers", "RTS")
        company.set_important_info(work, "Beta Haulers", InfoKind.NOTICE_OF_ASSIGNMENT,
                                   NOA.replace("CAPITAL DEPOT", "RTS FINANCIAL"))
    rows = [load_row(n, Linehaul="700.00", Accessorials="", Total="700.00")
            for n in ("21", "22")]
    import_loads(db, write_loads_csv(tmp_path / "beta.csv", rows), "Beta Haulers")
    attach_required(db, tmp_path, ["21", "22"])
    Desk(db).submit_batch("Beta Haulers", ["21", "22"])
    return batch, "BETA-0001"


def download(db, batch: str, to) -> dict[str, bytes]:
    result = run_to_end(Desk(db).export(batch, to))
    base = f"Schedule_of_Accounts_{batch}"
    return {kind: (result.folder / f"{base}.{kind}").read_bytes()
            for kind in ("csv", "xlsx", "pdf")}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())


def test_a_batch_downloads_with_its_factors_layout_another_factors_keeps_the_default(
        db, two_factors, tmp_path):
    acme, beta = two_factors
    desk = Desk(db)
    assert desk.set_schedule_layout("rts", RTS) == RTS  # the factor's name in any case
    rts = download(db, beta, tmp_path / "rts")
    rows = csv_rows(rts["csv"])
    assert rows[0] == ["Invoice #", "Account Debtor", "Face Amount", "Load", "Terms"]
    assert rows[1:] == [["21", "Summit Brokerage", "700.00", "21", "30"],
                        ["22", "Summit Brokerage", "700.00", "22", "30"],
                        ["Total", "2 invoices", "1400.00", "", ""]]
    sheet = openpyxl.load_workbook(io.BytesIO(rts["xlsx"])).active
    assert [c.value for c in sheet[7]] == rows[0]
    assert sheet["B2"].value == "Beta Haulers"  # the carrier's MC is not in the header
    text = pdf_text(rts["pdf"])
    assert "Face Amount" in text and "MC-333" not in text
    assert "Carrier signature" not in text

    capital = download(db, acme, tmp_path / "cd")
    assert csv_rows(capital["csv"])[0] == ScheduleLayout.default().titles
    text = pdf_text(capital["pdf"])
    assert "(MC-111)" in text and "Carrier signature" in text


def digests(files: dict[str, bytes]) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


def test_a_batch_with_a_factors_layout_downloads_the_same_twice_and_follows_a_change(
        db, two_factors, tmp_path):
    _acme, beta = two_factors
    desk = Desk(db)
    before = digests(download(db, beta, tmp_path / "default"))
    desk.set_schedule_layout("RTS", RTS)
    first = download(db, beta, tmp_path / "a")
    assert digests(download(db, beta, tmp_path / "b")) == digests(first)
    assert digests(first) != before
    # Back to Capital Depot's: the very files the batch gave before any layout was set.
    assert desk.set_schedule_layout("RTS", None) == ScheduleLayout.default()
    assert digests(download(db, beta, tmp_path / "c")) == before
    with db.read() as work:
        assert work.query(FactoringCompany).filter_by(name="RTS").one().schedule_layout \
            is None


@pytest.mark.parametrize(("layout", "words"), [
    (ScheduleLayout((ScheduleColumn(ScheduleField.INVOICE_NUMBER, "Invoice"),)),
     "needs the amount column"),
    (ScheduleLayout((ScheduleColumn(ScheduleField.INVOICE_NUMBER, "Invoice"),
                     ScheduleColumn(ScheduleField.AMOUNT, "X" * 41))),
     "at most 40"),
    (ScheduleLayout((ScheduleColumn(ScheduleField.INVOICE_NUMBER, "Invoice"),
                     ScheduleColumn(ScheduleField.AMOUNT, "Amount"),
                     ScheduleColumn(ScheduleField.AMOUNT, "Again"))),
     "amount is already a column"),
], ids=["no-amount", "long-title", "twice"])
def test_a_bad_layout_is_refused_and_changes_nothing(db, two_factors, layout, words):
    desk = Desk(db)
    desk.set_schedule_layout("RTS", RTS)
    before = dump(db)
    with pytest.raises(InputRefused, match=words):
        desk.set_schedule_layout("RTS", layout)
    assert dump(db) == before
    assert desk.schedule_layout("RTS") == RTS


def test_an_unknown_factor_is_refused_naming_the_known_ones(db, two_factors):
    before = dump(db)
    with pytest.raises(NotFound, match="known: Capital Depot, RTS"):
        Desk(db).set_schedule_layout("Triumph", RTS)
    assert dump(db) == before


def test_a_layout_kept_broken_in_the_database_is_a_clerks_message(db, two_factors,
                                                                  tmp_path):
    _acme, beta = two_factors
    with db.write() as work:
        work.query(FactoringCompany).filter_by(name="RTS").one().schedule_layout = {
            "columns": [{"field": "invoice_number", "title": "Invoice"}]}
    with pytest.raises(InputRefused, match="The schedule layout kept for RTS cannot be used"):
        download(db, beta, tmp_path / "out")
    assert not (tmp_path / "out" / beta).exists()

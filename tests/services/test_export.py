"""Download a batch to a folder, read back with independent readers (pypdf, pdftotext,
openpyxl, csv)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from helpers import (
    attach_required,
    dump,
    load_row,
    make_carrier,
    needs_tool,
    write_loads_csv,
)
from PIL import Image
from pypdf import PdfReader, PdfWriter

from factor_desk.domain.errors import InputRefused
from factor_desk.services import company
from factor_desk.services.batches import submit_batch
from factor_desk.services.demo import CAPITAL_DEPOT_NOA, load_demo
from factor_desk.services.export import ExportCancelled, export_batch, run_export
from factor_desk.services.loads import attach_document, import_loads

pytestmark = needs_tool("pdftotext", "poppler-utils")


def pdftotext(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def demo_batch(db):
    load_demo(db, loads=6)
    return submit_batch(db, "Blue Ridge Freight LLC", all_eligible=True)


def test_the_download_holds_packets_schedules_and_the_batch_packet(db, demo_batch, tmp_path):
    result = run_export(db, demo_batch.batch, tmp_path / "out")
    folder = tmp_path / "out" / "BRF-0001"
    assert result.folder == folder
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == sorted(["BRF-0001_packet.pdf", "Schedule_of_Accounts_BRF-0001.xlsx",
                   "Schedule_of_Accounts_BRF-0001.pdf", "Schedule_of_Accounts_BRF-0001.csv",
                   "manifest.json"]
                  + [f"invoices/{n}.pdf" for n in demo_batch.loads])
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["BRF-0001"]  # no leftovers

    packet_pages = 0
    for number in demo_batch.loads:
        path = folder / "invoices" / f"{number}.pdf"
        reader = PdfReader(path)
        # the invoice page, then the rate confirmation, then the proof of delivery
        assert len(reader.pages) == 3
        packet_pages += 3
        invoice_text = squash(pdftotext(path, 1))
        assert CAPITAL_DEPOT_NOA in invoice_text
        assert f"Invoice # {number}" in invoice_text
        assert "Page 1 of 1" in invoice_text
        assert "RATE CONFIRMATION" in pdftotext(path, 2)
        assert "BILL OF LADING" in pdftotext(path, 3)

    whole = PdfReader(folder / "BRF-0001_packet.pdf")
    schedule_pages = len(PdfReader(folder / "Schedule_of_Accounts_BRF-0001.pdf").pages)
    assert len(whole.pages) == schedule_pages + packet_pages
    assert "Schedule of Accounts" in pdftotext(folder / "BRF-0001_packet.pdf", 1)
    assert CAPITAL_DEPOT_NOA in squash(pdftotext(folder / "BRF-0001_packet.pdf",
                                                 schedule_pages + 1))
    assert result.pages == packet_pages


def test_the_three_schedules_have_the_same_rows_and_totals(db, demo_batch, tmp_path):
    run_export(db, demo_batch.batch, tmp_path)
    folder = tmp_path / "BRF-0001"
    wb = openpyxl.load_workbook(folder / "Schedule_of_Accounts_BRF-0001.xlsx")
    ws = wb.active
    header = [c.value for c in ws[7]]
    assert header == ["Invoice Date", "Debtor", "Debtor MC", "Invoice Number", "Load Number",
                      "PO Number", "Amount", "Due Date"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=8, max_row=7 + 6)]
    assert [r[4] for r in data] == demo_batch.loads
    assert ws.freeze_panes == "A8"
    assert ws["G14"].number_format == '"$"#,##0.00'
    total_cell = ws.cell(row=14, column=7)
    assert total_cell.value == "=SUM(G8:G13)"
    cached = openpyxl.load_workbook(folder / "Schedule_of_Accounts_BRF-0001.xlsx",
                                    data_only=True).active
    amounts = [Decimal(str(cached.cell(row=r, column=7).value)) for r in range(8, 14)]
    assert Decimal(str(cached["G14"].value)) == sum(amounts) == demo_batch.total

    with open(folder / "Schedule_of_Accounts_BRF-0001.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == header
    assert [r[4] for r in rows[1:-1]] == demo_batch.loads
    assert [Decimal(r[6]) for r in rows[1:-1]] == amounts
    assert rows[-1][0] == "Total" and Decimal(rows[-1][6]) == demo_batch.total

    text = squash(pdftotext(folder / "Schedule_of_Accounts_BRF-0001.pdf"))
    assert f"${demo_batch.total:,.2f}" in text
    assert "Carrier signature" in text and "Date" in text
    for number in demo_batch.loads:
        assert number in text


def test_text_that_looks_like_a_formula_is_neutralised(db, tmp_path):
    make_carrier(db, required=())
    evil = '=HYPERLINK("http://x.example","click")'
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row(
        "1", Customer=evil, **{"PO Number": "+1-555", "Customer MC": "@MC"})]), "Acme Freight")
    batch = submit_batch(db, "Acme Freight", ["1"]).batch
    run_export(db, batch, tmp_path / "out")
    folder = tmp_path / "out" / batch
    ws = openpyxl.load_workbook(folder / f"Schedule_of_Accounts_{batch}.xlsx").active
    assert ws["B8"].value == "'" + evil and ws["B8"].data_type == "s"
    assert ws["F8"].value == "'+1-555" and ws["C8"].value == "'@MC"
    with open(folder / f"Schedule_of_Accounts_{batch}.csv", encoding="utf-8-sig") as fh:
        row = list(csv.reader(fh))[1]
    assert row[1] == "'" + evil and row[5] == "'+1-555"


def test_file_names_are_safe_and_never_overwrite_each_other(db, tmp_path):
    make_carrier(db, required=())
    numbers = ["A/1", "A\\1", "..", "CON", "con.pdf", "x:y", "Inv?*", "CASE", "case",
               "L" * 64, " trailing. "]
    rows = [load_row(str(i), **{"Invoice Number": n}) for i, n in enumerate(numbers, 1)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit_batch(db, "Acme Freight", all_eligible=True).batch
    result = run_export(db, batch, tmp_path / "out")
    invoices = sorted((result.folder / "invoices").iterdir())
    assert len(invoices) == len(numbers)
    names = [p.name for p in invoices]
    assert len({n.casefold() for n in names}) == len(names)
    reserved = {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    for name in names:
        assert not set('<>:"/\\|?*') & set(name)
        assert name.split(".")[0].upper() not in reserved
        assert len(name) <= 104 and not name.startswith((".", " "))
    found = {squash(pdftotext(p, 1)).split("Invoice # ")[1].split(" Invoice date")[0]
             for p in invoices}
    assert found == {n.strip() for n in numbers}


def _image_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (850, 1100), 200).save(buf, fmt)
    return buf.getvalue()


def test_scans_and_protected_or_damaged_pdfs_become_pages_in_order(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1")]), "Acme Freight")
    files = {}
    files["pod.png"] = _image_bytes("PNG")
    files["rc.jpg"] = _image_bytes("JPEG")
    w = PdfWriter()
    w.add_blank_page(612, 792)
    w.add_blank_page(612, 792)
    w.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    w.write(buf)
    files["lumper.pdf"] = buf.getvalue()  # opens with an empty password
    w = PdfWriter()
    w.add_blank_page(300, 400)
    buf = io.BytesIO()
    w.write(buf)
    # damaged: the pointer to its cross-reference table is wrong; pypdf repairs it
    files["other.pdf"] = re.sub(rb"startxref\s+\d+", b"startxref\n999999", buf.getvalue())
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    for name, kind in [("other.pdf", "other"), ("pod.png", "pod"), ("lumper.pdf", "lumper"),
                       ("rc.jpg", "rate_confirmation")]:
        attach_document(db, "1", tmp_path / name, kind)
    batch = submit_batch(db, "Acme Freight", ["1"]).batch
    result = run_export(db, batch, tmp_path / "out")
    reader = PdfReader(result.folder / "invoices" / "1.pdf")
    sizes = [tuple(round(v) for v in p.mediabox[2:]) for p in reader.pages]
    # invoice, rate confirmation (JPEG), POD (PNG), lumper (2 pages), other
    assert sizes == [(612, 792)] * 5 + [(300, 400)]
    assert [len(p.images) for p in reader.pages[1:3]] == [1, 1]
    jpeg = reader.pages[1].images[0]
    assert jpeg.data == files["rc.jpg"]  # embedded as it is, not re-encoded


def _assert_nothing_written(out: Path) -> None:
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_or_unreadable_document_is_named_and_nothing_is_written(db, tmp_path, home):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1"), load_row("2")]),
                 "Acme Freight")
    attach_required(db, tmp_path, ["1"])
    bad = tmp_path / "POD_2.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf at all")
    attach_document(db, "2", bad, "pod")
    rc = tmp_path / "RC_2.pdf"
    rc.write_bytes((tmp_path / "rate_confirmation_1.pdf").read_bytes())  # a fine one
    attach_document(db, "2", rc, "rate_confirmation")
    batch = submit_batch(db, "Acme Freight", ["1", "2"]).batch
    if db.location.is_sqlite:  # the store's copy of load 1's POD vanishes from the folder
        sha = hashlib.sha256((tmp_path / "pod_1.pdf").read_bytes()).hexdigest()
        (home / "documents" / sha[:2] / sha).unlink()
    before = dump(db)
    with pytest.raises(InputRefused) as err:
        run_export(db, batch, tmp_path / "out")
    message = str(err.value)
    assert "Load 2: POD_2.pdf (proof of delivery) cannot be used: it is damaged" in message
    if db.location.is_sqlite:
        assert "Load 1: pod_1.pdf (proof of delivery) cannot be used: its copy is missing" \
            in message
    assert "Nothing was written" in message
    _assert_nothing_written(tmp_path / "out")
    assert dump(db) == before


def test_a_cancelled_download_leaves_no_folder(db, demo_batch, tmp_path):
    steps = []

    def stop() -> bool:
        return len(steps) >= 3

    with pytest.raises(ExportCancelled, match="cancelled; nothing was written"):
        for step in export_batch(db, demo_batch.batch, tmp_path / "out", should_stop=stop):
            steps.append(step)
    _assert_nothing_written(tmp_path / "out")


def test_a_download_abandoned_half_way_leaves_no_folder(db, demo_batch, tmp_path):
    steps = export_batch(db, demo_batch.batch, tmp_path / "out")
    for _ in range(4):
        next(steps)
    steps.close()  # the window closed the progress dialog
    _assert_nothing_written(tmp_path / "out")


def test_a_download_killed_half_way_leaves_no_folder_and_the_next_one_works(db, home,
                                                                             tmp_path):
    make_carrier(db, required=())
    rows = [load_row(str(n)) for n in range(1, 121)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit_batch(db, "Acme Freight", all_eligible=True).batch
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "factor_desk", "--db", db.location.url, "--home", str(home),
         "batch", "export", batch, "--to", str(out), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # wait until it is half way: some packets written into its hidden folder
        while proc.poll() is None:
            partials = list(out.glob(f".{batch}.partial-*/invoices/*.pdf")) \
                if out.exists() else []
            if len(partials) >= 5:
                break
        assert proc.poll() is None, "the export ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert not (out / batch).exists()
    assert not (out / f"{batch}.zip").exists()
    result = run_export(db, batch, out, make_zip=True)
    assert len(list((result.folder / "invoices").iterdir())) == 120
    assert sorted(p.name for p in out.iterdir()) == [batch, f"{batch}.zip"]  # cleaned up


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and p.suffix in (".pdf", ".csv")}


def _workbook(path: Path) -> list:
    return [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]


def test_the_same_batch_exported_twice_gives_the_same_files(db, demo_batch, tmp_path):
    first = run_export(db, demo_batch.batch, tmp_path / "a")
    # a month later: the profile, the NOA and a customer changed; the batch did not
    with db.write() as s:
        company.set_important_info(s, "Blue Ridge Freight LLC", "noa", "SOMETHING ELSE")
        company.update_subsidiary(s, "Blue Ridge Freight LLC", legal_name="Renamed LLC")
    second = run_export(db, demo_batch.batch, tmp_path / "b", workers=2)
    assert _digests(first.folder) == _digests(second.folder)
    name = "Schedule_of_Accounts_BRF-0001.xlsx"
    assert _workbook(first.folder / name) == _workbook(second.folder / name)
    assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes()


def test_exporting_again_replaces_an_unchanged_old_export_whole(db, demo_batch, tmp_path):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out, make_zip=True)
    # what Finder, Explorer and Excel leave in a folder the clerk only looked at
    (first.folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (first.folder / "invoices" / "Thumbs.db").write_bytes(b"thumbs")
    again = run_export(db, demo_batch.batch, out, make_zip=True)
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001", "BRF-0001.zip"]
    assert not (again.folder / ".DS_Store").exists()
    assert sorted(again.files) == sorted(first.files)


def test_the_zip_holds_the_folder(db, demo_batch, tmp_path):
    result = run_export(db, demo_batch.batch, tmp_path, make_zip=True)
    with zipfile.ZipFile(result.zip_path) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"BRF-0001/{f}" for f in result.files)
        assert zf.read("BRF-0001/Schedule_of_Accounts_BRF-0001.csv") == (
            result.folder / "Schedule_of_Accounts_BRF-0001.csv").read_bytes()


def test_the_command_line_downloads_a_batch(db, demo_batch, tmp_path, home, capsys):
    from factor_desk.cli import main

    code = main(["--db", db.location.url, "--home", str(home), "batch", "export",
                 demo_batch.batch, "--to", str(tmp_path), "--zip", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r'"invoices": 6', out)
    assert (tmp_path / "BRF-0001.zip").exists()
    assert main(["--db", db.location.url, "--home", str(home), "batch", "export", "NOPE-1",
                 "--to", str(tmp_path)]) == 3


@needs_tool("soffice", "libreoffice-calc-nogui")
def test_libreoffice_opens_the_workbook_and_computes_the_same_total(db, demo_batch, tmp_path):
    result = run_export(db, demo_batch.batch, tmp_path / "out")
    workbook = result.folder / f"Schedule_of_Accounts_{demo_batch.batch}.xlsx"
    out = tmp_path / "lo"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "csv", "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    with open(out / workbook.with_suffix(".csv").name, encoding="utf-8", errors="replace") as fh:
        rows = list(csv.reader(fh))
    total_row = next(r for r in rows if r and r[0] == "Total")
    assert Decimal(total_row[6]) == demo_batch.total  # LibreOffice's own SUM

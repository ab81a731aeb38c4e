"""Download a batch to a folder, read back with independent readers (pypdf, pdftotext,
openpyxl, csv)."""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from helpers import (
    attach_document,
    attach_required,
    dump,
    import_loads,
    load_row,
    make_carrier,
    needs_tool,
    write_loads_csv,
)
from PIL import Image
from pypdf import PdfReader, PdfWriter

from factor_desk.db.models import Customer
from factor_desk.domain.errors import InputRefused
from factor_desk.services import company, export
from factor_desk.services.batches import submit_batch
from factor_desk.services.common import run_to_end
from factor_desk.services.demo import CAPITAL_DEPOT_NOA
from factor_desk.services.desk import Desk
from factor_desk.services.export import ExportCancelled, ExportResult

pytestmark = needs_tool("pdftotext", "poppler-utils")


def pdftotext(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, encoding="utf-8",
                          check=True).stdout


def squash(text: str) -> str:
    return " ".join(text.split())


def submit(db, subsidiary, load_numbers=None, **kwargs):
    with db.write() as work:
        return submit_batch(work, subsidiary, load_numbers, **kwargs)


def run_export(db, batch, to_dir, *, workers=None, **kwargs) -> ExportResult:
    """A download through the desk, without progress; ``workers``: the export's own steps,
    as the command line takes them."""
    if workers is None:
        return run_to_end(Desk(db).export(batch, to_dir, **kwargs))
    with db.read() as work:
        plan = export.plan_export(work, batch)
    return run_to_end(export.export_batch(plan, to_dir, db.read, workers=workers, **kwargs))


@pytest.fixture
def demo_batch(db):
    Desk(db).load_demo(loads=6)
    return submit(db, "Blue Ridge Freight LLC", all_eligible=True)


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
    with db.write() as s:  # an import saves no MC that is not a number; older data may hold one
        s.query(Customer).filter_by(name=evil).one().mc_number = "@MC"
    batch = submit(db, "Acme Freight", ["1"]).batch
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
    batch = submit(db, "Acme Freight", all_eligible=True).batch
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
    batch = submit(db, "Acme Freight", ["1"]).batch
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
    batch = submit(db, "Acme Freight", ["1", "2"]).batch
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
        for step in Desk(db).export(demo_batch.batch, tmp_path / "out", should_stop=stop):
            steps.append(step)
    _assert_nothing_written(tmp_path / "out")


def test_a_download_abandoned_half_way_leaves_no_folder(db, demo_batch, tmp_path):
    steps = Desk(db).export(demo_batch.batch, tmp_path / "out")
    for _ in range(4):
        next(steps)
    steps.close()  # the window closed the progress dialog
    _assert_nothing_written(tmp_path / "out")


@pytest.mark.slow
def test_a_download_killed_half_way_leaves_no_folder_and_the_next_one_works(db, home,
                                                                             tmp_path):
    make_carrier(db, required=())
    rows = [load_row(str(n)) for n in range(1, 121)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit(db, "Acme Freight", all_eligible=True).batch
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
        capture_output=True, text=True, encoding="utf-8", timeout=180)
    assert done.returncode == 0, done.stderr
    with open(out / workbook.with_suffix(".csv").name, encoding="utf-8", errors="replace") as fh:
        rows = list(csv.reader(fh))
    total_row = next(r for r in rows if r and r[0] == "Total")
    assert Decimal(total_row[6]) == demo_batch.total  # LibreOffice's own SUM


# ---------------------------------------------------------------- #9 §2: never destroy

# What these tests hold happens in the destination folder, after the database was read:
# one kind of database is enough (the reading is tested on both above).
files_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_the_manifest_lists_every_file_with_its_size_and_sha256(db, demo_batch, tmp_path):
    import json

    result = run_export(db, demo_batch.batch, tmp_path, make_zip=True)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch"] == "BRF-0001"
    listed = {f["path"]: (f["bytes"], f["sha256"]) for f in manifest["files"]}
    on_disk = {rel: (len(data), hashlib.sha256(data).hexdigest())
               for rel, data in _tree(result.folder).items() if rel != "manifest.json"}
    assert listed == on_disk and len(listed) == 6 + 4
    with zipfile.ZipFile(result.zip_path) as zf:
        assert zf.read("BRF-0001/manifest.json") == \
            (result.folder / "manifest.json").read_bytes()


@files_only
@pytest.mark.parametrize("change", ["a file added", "a file changed", "a file in invoices/",
                                    "the manifest edited"])
def test_a_download_folder_the_clerk_changed_is_refused_and_kept(db, demo_batch, tmp_path,
                                                                  change):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out)
    folder = first.folder
    if change == "a file added":
        (folder / "notes.txt").write_text("called the broker on Monday", encoding="utf-8")
    elif change == "a file changed":
        (folder / "Schedule_of_Accounts_BRF-0001.csv").write_text("signed copy", encoding="utf-8")
    elif change == "a file in invoices/":
        (folder / "invoices" / "signed POD.pdf").write_bytes(b"%PDF-1.4 the clerk's scan")
    else:
        (folder / "manifest.json").write_text("{}", encoding="utf-8")
    before = _tree(folder)
    with pytest.raises(InputRefused) as err:
        run_export(db, demo_batch.batch, out)
    message = str(err.value)
    assert str(folder) in message and "did not make" in message
    assert _tree(folder) == before  # nothing deleted, nothing renamed
    assert [p.name for p in out.iterdir()] == ["BRF-0001"]  # and nothing hidden beside it


@files_only
def test_a_file_saved_into_the_old_download_while_the_new_one_is_made_is_kept(
        db, demo_batch, tmp_path):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out)
    calls = []

    def clerk_saves_a_file() -> bool:  # called between invoices: the download is under way
        calls.append(1)
        if len(calls) == 4:
            (first.folder / "invoices" / "signed.pdf").write_bytes(b"%PDF-1.4 signed")
        return False

    with pytest.raises(InputRefused, match="signed.pdf"):
        run_export(db, demo_batch.batch, out, should_stop=clerk_saves_a_file)
    assert len(calls) > 4
    assert (first.folder / "invoices" / "signed.pdf").read_bytes() == b"%PDF-1.4 signed"
    assert [p.name for p in out.iterdir()] == ["BRF-0001"]


def test_an_old_download_without_a_manifest_is_replaced_only_when_identical(db, demo_batch,
                                                                           tmp_path):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out)
    (first.folder / "manifest.json").unlink()  # as an earlier version wrote it
    again = run_export(db, demo_batch.batch, out)
    assert (again.folder / "manifest.json").is_file()
    (again.folder / "manifest.json").unlink()
    (again.folder / "BRF-0001_packet.pdf").write_bytes(b"%PDF-1.4 something else")
    with pytest.raises(InputRefused, match="BRF-0001_packet.pdf"):
        run_export(db, demo_batch.batch, out)
    assert (again.folder / "BRF-0001_packet.pdf").read_bytes() == b"%PDF-1.4 something else"


def test_a_file_where_the_download_goes_is_never_renamed_away(db, demo_batch, tmp_path, home,
                                                              capsys):
    from factor_desk.cli import main

    out = tmp_path / "out"
    out.mkdir()
    notes = "the clerk's own notes, saved without an extension"
    (out / "BRF-0001").write_text(notes, encoding="utf-8")
    code = main(["--db", db.location.url, "--home", str(home), "batch", "export",
                 demo_batch.batch, "--to", str(out)])
    assert code == 3
    assert str(out / "BRF-0001") in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["BRF-0001"]
    assert (out / "BRF-0001").read_text(encoding="utf-8") == notes


@files_only
@pytest.mark.parametrize("what", ["a folder", "someone else's zip", "a changed zip"])
def test_a_zip_path_that_is_not_our_zip_is_refused_before_anything_is_replaced(
        db, demo_batch, tmp_path, what):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out, make_zip=what == "a changed zip")
    zip_path = out / "BRF-0001.zip"
    if what == "a folder":
        zip_path.mkdir()
        (zip_path / "keep.txt").write_text("mine", encoding="utf-8")
    elif what == "someone else's zip":
        with zipfile.ZipFile(zip_path, "w") as zf:
            zf.writestr("holiday.jpg", b"not a batch")
    else:
        with zipfile.ZipFile(zip_path, "a") as zf:
            zf.writestr("BRF-0001/notes.txt", b"added by the clerk")
    zip_before = _tree(zip_path) if zip_path.is_dir() else zip_path.read_bytes()
    folder_inode = first.folder.stat().st_ino
    with pytest.raises(InputRefused) as err:
        run_export(db, demo_batch.batch, out, make_zip=True)
    assert str(zip_path) in str(err.value)
    assert (_tree(zip_path) if zip_path.is_dir() else zip_path.read_bytes()) == zip_before
    assert first.folder.stat().st_ino == folder_inode  # the folder was not replaced either
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001", "BRF-0001.zip"]


def test_long_emoji_cjk_and_bidi_invoice_numbers_always_export(db, tmp_path):
    make_carrier(db, required=())
    numbers = ["😀" * 64, "発票番号" * 16, "Ω" * 64, "INV-1\u202efdp.exe", "\u2066x\u2069",
               "👩\u200d👩\u200d👧" * 12, "A" * 64, "COM¹", "LPT²", "CONIN$", "conout$.x"]
    rows = [load_row(str(i), **{"Invoice Number": n}) for i, n in enumerate(numbers, 1)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit(db, "Acme Freight", all_eligible=True).batch
    result = run_export(db, batch, tmp_path / "out", make_zip=True)
    names = [p.name for p in (result.folder / "invoices").iterdir()]
    assert len(names) == len(numbers)
    for name in names:
        assert len(name.encode("utf-8")) <= 255
        assert not set(name) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                   "\u200e\u200f\u061c")
        assert name.split(".")[0].upper() not in {"COM¹", "LPT²", "CONIN$", "CONOUT$"}
    assert "INV-1fdp.exe.pdf" in names


def test_names_windows_or_macos_take_for_one_stay_distinct(db, tmp_path):
    make_carrier(db, required=())
    numbers = ["INV-a", "INV-A", "ı", "I", "Straße", "STRASSE"]
    rows = [load_row(str(i), **{"Invoice Number": n}) for i, n in enumerate(numbers, 1)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit(db, "Acme Freight", all_eligible=True).batch
    result = run_export(db, batch, tmp_path / "out")
    names = [p.name for p in (result.folder / "invoices").iterdir()]
    # NTFS compares names upper-cased with its own table; macOS ignores case and
    # composition: fold each way and no two names may meet
    for fold in (str.upper, str.casefold,
                 lambda n: unicodedata.normalize("NFD", n.casefold()).upper()):
        assert len({fold(n) for n in names}) == len(numbers), names


def test_decomposed_accents_print_as_letters(db, tmp_path):
    make_carrier(db, required=())
    debtor = unicodedata.normalize("NFD", "Café Société Brokerage")
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1", Customer=debtor)]),
                 "Acme Freight")
    batch = submit(db, "Acme Freight", ["1"]).batch
    result = run_export(db, batch, tmp_path / "out")
    for pdf in (result.folder / "invoices" / "1.pdf",
                result.folder / f"Schedule_of_Accounts_{batch}.pdf"):
        text = unicodedata.normalize("NFC", pdftotext(pdf))
        assert "Café Société Brokerage" in text, text


# ---------------------------------------------------------------- #9 §4: active content

_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|AA|OpenAction|EmbeddedFiles?|XFA|URI|"
                     rb"RichMedia|SubmitForm|ImportData|GoToR|GoToE)(?![A-Za-z0-9])")


def _active_content(path: Path) -> set[bytes]:
    """Read the file as bytes, not with the library that wrote it: every stream that
    inflates is searched too (object streams hide dictionaries)."""
    data = path.read_bytes()
    blobs = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(zlib.error):
            blobs.append(zlib.decompress(m.group(1)))
    unescaped = (re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), b)
                 for b in blobs)
    return {m.group(1) for b in unescaped for m in _ACTIVE.finditer(b)}


def _hostile_pdf() -> bytes:
    from pypdf.actions import JavaScript, PageTrigger
    from pypdf.annotations import FreeText, Link
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def action(kind: str, **entries: str) -> DictionaryObject:
        d = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, value in entries.items():
            d[NameObject(f"/{key}")] = TextStringObject(value)
        return d

    w = PdfWriter()
    w.add_blank_page(612, 792)
    w.add_blank_page(612, 792)
    w.add_open_action(JavaScript("app.alert('document-level name tree');"))  # was add_js
    w.root_object[NameObject("/OpenAction")] = action("/JavaScript", JS="app.alert(1)")
    for page in w.pages:
        page.add_action(PageTrigger.OPEN, JavaScript("app.launchURL('http://x.example');"))
    w.add_annotation(0, Link(rect=(10, 10, 200, 40), url="http://phish.example"))
    js_link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 50, 200, 80)]),
        NameObject("/A"): action("/JavaScript", JS="this.exportDataObject({cName:'x'})")})
    w.add_annotation(0, js_link)
    launch = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 90, 200, 120)]),
        NameObject("/A"): action("/Launch", F="cmd.exe")})
    w.add_annotation(1, launch)
    field = DictionaryObject({
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("amount"),
        NameObject("/AA"): DictionaryObject({NameObject("/K"): action("/JavaScript",
                                                                      JS="AFNumber_Keystroke")}),
    })
    widget = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (300, 300, 400, 320)]),
        NameObject("/Parent"): w._add_object(field),
        NameObject("/AA"): DictionaryObject({NameObject("/E"): action("/SubmitForm",
                                                                      F="http://x.example")}),
    })
    w.add_annotation(1, widget)
    w.add_annotation(1, FreeText(text="received in good order", rect=(50, 600, 400, 640)))
    w.add_attachment("invoice.pdf.exe", b"MZ\x90\x00 not a real program")
    w.root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/XFA"): TextStringObject("<xdp:xdp/>"), NameObject("/Fields"): ArrayObject()})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_scripts_actions_links_and_attachments_never_reach_the_factor(db, tmp_path):
    make_carrier(db)
    import_loads(db, write_loads_csv(tmp_path / "l.csv", [load_row("1"), load_row("2")]),
                 "Acme Freight")
    attach_required(db, tmp_path, ["2"])
    hostile = tmp_path / "rate confirmation.pdf"
    hostile.write_bytes(_hostile_pdf())
    assert _active_content(hostile) >= {b"JavaScript", b"JS", b"Launch", b"AA",
                                        b"OpenAction", b"EmbeddedFiles", b"XFA", b"URI"}
    attach_document(db, "1", hostile, "rate_confirmation")
    pod = tmp_path / "pod.pdf"
    pod.write_bytes(_hostile_pdf())
    attach_document(db, "1", pod, "pod")
    batch = submit(db, "Acme Freight", ["1", "2"]).batch
    result = run_export(db, batch, tmp_path / "out")
    packet = result.folder / "invoices" / "1.pdf"
    assert _active_content(packet) == set()
    assert _active_content(result.folder / f"{batch}_packet.pdf") == set()
    reader = PdfReader(packet)
    assert len(reader.pages) == 1 + 2 + 2  # every page is still there
    annotations = [a.get_object() for p in reader.pages for a in p.get("/Annots", [])]
    assert sorted(str(a["/Subtype"]) for a in annotations) == ["/FreeText", "/FreeText",
                                                               "/Widget", "/Widget"]


# ---------------------------------------------------------------- #17: Windows and macOS


def test_every_zip_entry_records_the_same_system_and_permissions(db, demo_batch, tmp_path):
    result = run_export(db, demo_batch.batch, tmp_path, make_zip=True)
    workbook = result.folder / "Schedule_of_Accounts_BRF-0001.xlsx"
    for archive in (result.zip_path, workbook):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
        assert infos
        # zipfile writes 0 (MS-DOS) on Windows and 3 (Unix) elsewhere, unless told
        assert {(i.create_system, i.external_attr) for i in infos} == {(0, 0o644 << 16)}, \
            archive


class _InlinePool:
    """Stands in for the process pool: records its size, runs each packet here."""

    sizes: list[int] = []

    def __init__(self, max_workers: int, **_kwargs):
        if max_workers > 61:  # what ProcessPoolExecutor does on Windows
            raise ValueError("max_workers must be <= 61")
        self.sizes.append(max_workers)

    def submit(self, fn, *args):
        import concurrent.futures as cf

        future: cf.Future = cf.Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, **_kwargs) -> None:
        pass


@files_only
@pytest.mark.parametrize("cores", [2, 32, 64, 128])
def test_the_pool_is_sized_to_the_batch_not_to_the_cores(db, tmp_path, monkeypatch, cores):
    import concurrent.futures as cf

    make_carrier(db, required=())
    rows = [load_row(str(n)) for n in range(1, 31)]
    import_loads(db, write_loads_csv(tmp_path / "l.csv", rows), "Acme Freight")
    batch = submit(db, "Acme Freight", all_eligible=True).batch
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(cf, "ProcessPoolExecutor", _InlinePool)
    _InlinePool.sizes = []
    result = run_export(db, batch, tmp_path / "out")
    assert result.invoices == 30
    # 30 invoices: two workers at most, never one per core
    assert _InlinePool.sizes == [min(2, cores)]


def test_a_small_batch_starts_no_worker_and_a_large_one_at_most_four(monkeypatch):
    from factor_desk.services.export_packets import PacketMaker

    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    sizes = {n: PacketMaker([{}] * n, None).workers for n in (1, 24, 25, 60, 100, 500)}
    assert sizes == {1: 1, 24: 1, 25: 1, 60: 3, 100: 4, 500: 4}
    assert PacketMaker([{}] * 500, 100).workers == 61  # asked for: what Windows allows
    assert PacketMaker([{}] * 3, 8).workers == 3


class _Flaky:
    """os.replace that fails (PermissionError, as Windows does when an antivirus, the
    indexer or OneDrive holds a file) for the chosen steps of putting a download in
    place: 'aside' (old folder moved aside), 'in' (new folder moved in), 'back' (old
    folder moved back), 'zip' (new zip over the old). ``times`` failures each, or always."""

    def __init__(self, monkeypatch, steps: set[str], times: int | None):
        self.real = os.replace
        self.steps, self.times = steps, times
        self.failed: dict[str, int] = {}
        monkeypatch.setattr(os, "replace", self)
        monkeypatch.setattr("factor_desk.services.export_place.RETRY_DELAYS", (0.0,) * 3)

    @staticmethod
    def step(src: Path, dst: Path) -> str:
        if ".partial-" in src.name:
            return "zip" if src.name.startswith(".BRF-0001.zip") else "in"
        return "back" if "(old, being replaced" in src.name else "aside"

    def __call__(self, src, dst):
        step = self.step(Path(src), Path(dst))
        if step in self.steps and (self.times is None or self.failed.get(step, 0) < self.times):
            self.failed[step] = self.failed.get(step, 0) + 1
            raise PermissionError(13, "The process cannot access the file because it is "
                                      "being used by another process", str(src))
        return self.real(src, dst)


@files_only
@pytest.mark.parametrize("steps,times,expect", [
    pytest.param({"aside"}, 1, "new", id="aside-once"),
    pytest.param({"in"}, 1, "new", id="in-once"),
    pytest.param({"zip"}, 1, "new", id="zip-once"),
    pytest.param({"in", "back"}, 2, "new", id="in-and-back-twice"),
    pytest.param({"aside"}, None, "old", id="aside-always"),
    pytest.param({"in"}, None, "old", id="in-always"),
    # neither rename allowed: a copy of the new download goes in
    pytest.param({"in", "back"}, None, "new", id="in-and-back-always"),
    pytest.param({"zip"}, None, "new folder, old zip", id="zip-always"),
])
def test_a_swap_that_fails_half_way_leaves_the_old_download_or_the_new(
        db, demo_batch, tmp_path, monkeypatch, steps, times, expect):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out, make_zip=True)
    old_folder = first.folder.stat().st_ino
    old_zip = first.zip_path.stat().st_ino
    flaky = _Flaky(monkeypatch, steps, times)
    if expect == "new":
        run_export(db, demo_batch.batch, out, make_zip=True)
    else:
        with pytest.raises(InputRefused) as err:
            run_export(db, demo_batch.batch, out, make_zip=True)
        message = str(err.value)
        shown = "BRF-0001.zip" if "zip" in steps else "BRF-0001"
        assert str(out / shown) in message and "Close" in message
        assert ".partial-" not in message  # the clerk never sees our hidden folder's name
    assert flaky.failed  # the failure did happen
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001", "BRF-0001.zip"]
    folder_is_new = first.folder.stat().st_ino != old_folder
    zip_is_new = first.zip_path.stat().st_ino != old_zip
    assert (folder_is_new, zip_is_new) == {"new": (True, True), "old": (False, False),
                                           "new folder, old zip": (True, False)}[expect]
    assert _tree(first.folder).keys() == set(first.files)


@files_only
def test_when_nothing_can_go_in_the_old_download_is_kept_under_a_name_a_clerk_reads(
        db, demo_batch, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out)
    before = _tree(first.folder)
    _Flaky(monkeypatch, {"in", "back"}, None)

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(out / "BRF-0001"))

    monkeypatch.setattr("shutil.copytree", full_disk)
    with pytest.raises(InputRefused) as err:
        run_export(db, demo_batch.batch, out)
    assert "BRF-0001 (old, being replaced)" in str(err.value)
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001 (old, being replaced)"]
    assert _tree(out / "BRF-0001 (old, being replaced)") == before
    monkeypatch.undo()
    again = run_export(db, demo_batch.batch, out)  # the next download cleans up
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001"]
    assert _tree(again.folder) == before


@files_only
def test_an_old_download_that_could_not_be_removed_is_removed_next_time(db, demo_batch,
                                                                          tmp_path,
                                                                          monkeypatch):
    import shutil

    out = tmp_path / "out"
    run_export(db, demo_batch.batch, out)
    real_rmtree = shutil.rmtree

    def held(path, *args, **kwargs):  # a file of the old folder is open somewhere
        if "(old, being replaced)" not in str(path):
            real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", held)
    run_export(db, demo_batch.batch, out)
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001",
                                                     "BRF-0001 (old, being replaced)"]
    monkeypatch.undo()
    # a file the clerk puts in the set-aside folder keeps it from being removed
    leftover = out / "BRF-0001 (old, being replaced)"
    (leftover / "mine.txt").write_text("keep", encoding="utf-8")
    run_export(db, demo_batch.batch, out)
    assert (leftover / "mine.txt").read_text(encoding="utf-8") == "keep"
    (leftover / "mine.txt").unlink()
    run_export(db, demo_batch.batch, out)
    assert sorted(p.name for p in out.iterdir()) == ["BRF-0001"]


@files_only
@pytest.mark.parametrize("err,words", [
    (errno.EACCES, "Close it in Excel"),
    (errno.EROFS, "read-only"),
    (errno.ENOSPC, "disk is full"),
])
def test_a_locked_read_only_or_full_destination_is_a_clerks_message(
        db, demo_batch, tmp_path, home, monkeypatch, capsys, err, words):
    from factor_desk.cli import main

    real = Path.write_bytes

    def write_bytes(self, data):
        if self.suffix == ".xlsx":
            raise (PermissionError if err == errno.EACCES else OSError)(
                err, os.strerror(err), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    out = tmp_path / "out"
    code = main(["--db", db.location.url, "--home", str(home), "batch", "export",
                 demo_batch.batch, "--to", str(out)])
    stderr = capsys.readouterr().err
    assert code == 3, stderr
    assert str(out / "BRF-0001" / "Schedule_of_Accounts_BRF-0001.xlsx") in stderr
    assert words in stderr and "Traceback" not in stderr
    _assert_nothing_written(out)


@files_only
def test_a_folder_open_in_another_program_says_what_to_close(db, demo_batch, tmp_path,
                                                             monkeypatch):
    out = tmp_path / "out"
    first = run_export(db, demo_batch.batch, out)
    _Flaky(monkeypatch, {"aside"}, None)
    with pytest.raises(InputRefused) as err:
        run_export(db, demo_batch.batch, out)
    message = str(err.value)
    assert str(first.folder) in message
    assert "Acrobat" in message and "Excel" in message and "download again" in message

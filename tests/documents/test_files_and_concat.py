import datetime as dt
import io

from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from factor_desk.documents.concat import concatenate
from factor_desk.documents.files import UniqueNames, safe_file_name


@given(st.text(max_size=300))
def test_any_invoice_number_gives_a_usable_file_name(text):
    name = safe_file_name(text)
    assert name and len(name) <= 100
    assert not set('<>:"/\\|?*') & set(name)
    assert not any(ord(ch) < 32 for ch in name)
    assert name == name.strip(" .") or name == "_"
    assert name not in (".", "..")


@given(st.lists(st.text(max_size=20), max_size=30))
def test_unique_names_never_collide_ignoring_case(texts):
    names = UniqueNames()
    taken = [names.take(t, ".pdf") for t in texts]
    assert len({t.casefold() for t in taken}) == len(taken)


def _pdf(sizes) -> bytes:
    w = PdfWriter()
    for width, height in sizes:
        w.add_blank_page(width, height)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_concatenation_keeps_every_page_in_order(tmp_path):
    sources = []
    for i, sizes in enumerate([[(100, 100)], [(200, 200), (300, 300)], [(400, 400)]]):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(_pdf(sizes))
        sources.append(path)
    out = tmp_path / "all.pdf"
    pages = concatenate(sources, out, title="T", created=dt.datetime(2026, 11, 27),
                        producer="P")
    reader = PdfReader(out, strict=True)
    assert pages == 4
    assert [round(p.mediabox.width) for p in reader.pages] == [100, 200, 300, 400]
    assert reader.metadata.title == "T"


def test_the_workbook_carries_the_batch_time_not_the_clock():
    import zipfile
    from decimal import Decimal

    import openpyxl

    from factor_desk.documents.schedule import Schedule, ScheduleRow, schedule_xlsx

    when = dt.datetime(2026, 11, 27, 9, 30)
    s = Schedule("B-1", "Carrier", "MC-1", "Factor", when, "clerk", [ScheduleRow(
        dt.date(2026, 11, 27), "Debtor", "MC-2", "1", "1", "PO", Decimal("10.00"),
        dt.date(2026, 12, 27))])
    data = schedule_xlsx(s)
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert "2026-11-27T09:30:00Z</dcterms:modified>" in core
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.properties.modified == when and wb.properties.created == when

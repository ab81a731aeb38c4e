import io
import re
import zipfile

import openpyxl
import pytest
from helpers import workbook_bytes
from hypothesis import given
from hypothesis import strategies as st

from factor_desk.documents import tabular
from factor_desk.documents.tabular import (
    ColumnSpec,
    SheetChoiceRefused,
    TableError,
    header_fits,
    match_columns,
    normalise_header,
    read_table,
    read_table_bytes,
)

SPECS = [
    ColumnSpec("load_number", "Load Number", ("Load",), required=True),
    ColumnSpec("total", "Total", ("Amount",), required=True),
    ColumnSpec("po", "PO Number"),
]


@pytest.mark.parametrize("header", ["Load #", "load no.", "LOAD_NUMBER", " Load  Number ",
                                    "Load Num", "load"])
def test_headers_match_whatever_spelling_the_tms_uses(header):
    assert normalise_header(header) in SPECS[0].keys


def test_reads_csv_as_excel_saves_it():
    data = "\ufeffLoad #;Amount;Extra\r\n1001;$1.234,00;x\r\n\r\n;;\r\n".encode("utf-8")
    table = read_table_bytes(data, "loads.csv")
    assert table.headers == ["Load #", "Amount", "Extra"]
    assert table.rows == [(2, ["1001", "$1.234,00", "x"])]
    assert match_columns(table, SPECS, what="a loads file") == {"load_number": 0, "total": 1}


def test_reads_cp1252_and_tabs_and_quoted_fields():
    data = 'Load Number\tTotal\tPO Number\r\n"10,01"\t5\t"Caf\xe9 ""A"""\r\n'.encode("cp1252")
    table = read_table_bytes(data, "loads.txt")
    assert table.rows == [(2, ["10,01", "5", 'Café "A"'])]


def test_reads_an_xlsx_even_when_it_is_named_csv(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Load Number", "Total"])
    ws.append([1001, 2550.5])
    ws.append([None, None])
    path = tmp_path / "loads.csv"
    wb.save(path)
    table = read_table(path)
    assert table.rows == [(2, [1001, 2550.5])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls"),
        (b"%PDF-1.4 ...", "this is a PDF"),
        (b"PK\x03\x04broken zip", "the workbook cannot be opened"),
    ],
)
def test_refuses_files_that_are_not_spreadsheets_with_one_clear_message(data, message):
    with pytest.raises(TableError, match=message):
        read_table_bytes(data, "x.csv")


def test_a_missing_required_column_names_it_and_what_was_found():
    table = read_table_bytes(b"Load Number,Rate\n1,2\n", "loads.csv")
    with pytest.raises(TableError) as err:
        match_columns(table, SPECS, what="a loads file")
    assert "no column for 'Total'" in str(err.value)
    assert "Columns found: 'Load Number', 'Rate'" in str(err.value)
    assert "loads.csv" in str(err.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TableError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_xlsx_sheet_is_the_one_whose_header_fits(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("Purchase Report")
    ws.append(["Load Number", "Total"])
    ws.append(["A1", 5])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table_bytes(buf.getvalue(), "r.xlsx", fits=header_fits(SPECS))
    assert table.sheet == "Purchase Report"
    assert table.rows == [(2, ["A1", 5])]


# ------------------------------------------------------------------ workbooks as saved


workbook = workbook_bytes


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with every sheet's <dimension ref=...> rewritten to ``ref``, as some
    programs save it (a tag that understates the rows)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(),
                                  body)
                assert n == 1
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_every_row_and_column_is_read_whatever_the_dimension_tag_says():
    data = with_dimension(workbook({"Loads": [
        ["Load Number", "Total", "PO Number"], [1001, 2, "P1"], [1002, 4, "P2"],
        [None, None, None], [1003, 6, "P3"]]}), "A1:B2")
    # what the tag alone would give: the first two rows, two columns
    naive = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert len(list(naive.active.iter_rows(values_only=True))) == 2
    naive.close()
    table = read_table_bytes(data, "loads.xlsx")
    assert table.headers == ["Load Number", "Total", "PO Number"]
    assert table.rows == [(2, [1001, 2, "P1"]), (3, [1002, 4, "P2"]), (5, [1003, 6, "P3"])]
    assert table.sheet == "Loads"


def test_several_sheets_with_data_are_refused_naming_them():
    data = workbook({"Summary": [["Total", 5]], "Detail": [["Load Number", "Total"], [1, 2]],
                     "Sheet3": []})
    with pytest.raises(SheetChoiceRefused) as err:
        read_table_bytes(data, "r.xlsx")
    message = str(err.value)
    assert "2 sheets with data ('Summary', 'Detail')" in message
    assert "Sheet3" not in message and "--sheet" in message and "r.xlsx" in message
    assert err.value.sheets == ["Summary", "Detail"]


def test_of_several_sheets_the_only_one_with_the_columns_is_read():
    data = workbook({"Summary": [["Batch", "Total"], ["B1", 5]],
                     "Detail": [["Load #", "Amount"], [1, 2]], "Notes": [["call Bob"]]})
    table = read_table_bytes(data, "r.xlsx", fits=header_fits(SPECS))
    assert (table.sheet, table.rows) == ("Detail", [(2, [1, 2])])


def test_two_sheets_with_the_columns_are_refused_naming_both():
    data = workbook({"Nov": [["Load Number", "Total"], [1, 2]],
                     "Dec": [["Load Number", "Total"], [3, 4]], "Notes": [["call Bob"]]})
    with pytest.raises(SheetChoiceRefused) as err:
        read_table_bytes(data, "r.xlsx", fits=header_fits(SPECS), what="a loads file")
    assert ("3 sheets with data ('Nov', 'Dec', 'Notes') and 2 of them ('Nov', 'Dec') look "
            "like a loads file") in str(err.value)
    data = workbook({"A": [["x", "y"], [1, 2]], "B": [["z"], [3]]})
    with pytest.raises(SheetChoiceRefused, match="none of them has the columns of a loads"):
        read_table_bytes(data, "r.xlsx", fits=header_fits(SPECS), what="a loads file")


def test_a_named_sheet_is_read_and_an_unknown_name_is_refused_listing_the_sheets():
    data = workbook({"Nov": [["Load Number", "Total"], [1, 2]],
                     "Dec": [["Load Number", "Total"], [3, 4]], "Empty": []})
    assert read_table_bytes(data, "r.xlsx", sheet="Dec").rows == [(2, [3, 4])]
    assert read_table_bytes(data, "r.xlsx", sheet=" nov ").sheet == "Nov"
    with pytest.raises(SheetChoiceRefused) as err:
        read_table_bytes(data, "r.xlsx", sheet="Jan")
    assert "no sheet named 'Jan'; its sheets are 'Nov', 'Dec', 'Empty'" in str(err.value)
    with pytest.raises(TableError, match="sheet 'Empty' is empty"):
        read_table_bytes(data, "r.xlsx", sheet="Empty")


def test_empty_sheets_do_not_count():
    data = workbook({"Sheet1": [[], ["Load Number", "Rate"], [1, 2]], "Sheet2": [],
                     "Sheet3": [[None, "  "]]})
    table = read_table_bytes(data, "r.xlsx", fits=header_fits(SPECS))
    assert (table.sheet, table.headers, table.rows) == ("Sheet1", ["Load Number", "Rate"],
                                                         [(3, [1, 2])])
    with pytest.raises(TableError, match="every sheet of the workbook is empty"):
        read_table_bytes(workbook({"Sheet1": [], "Sheet2": []}), "r.xlsx")


def test_a_sheet_named_for_a_csv_is_refused():
    with pytest.raises(TableError, match="sheet 'Loads' was asked for, but this is a CSV"):
        read_table_bytes(b"Load Number,Total\n1,2\n", "l.csv", sheet="Loads")


# ------------------------------------------------------------------ limits


def test_a_csv_larger_than_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as fh:  # sparse: costs no disk and is never read
        fh.truncate(180 * 1024 * 1024)
    with pytest.raises(TableError) as err:
        read_table(path)
    assert str(err.value) == ("big.csv: the file is 180 MB; Factor Desk reads CSV files up "
                              "to 100 MB")


def test_limits_hold_for_bytes_as_for_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_CSV_BYTES", 1024)
    monkeypatch.setattr(tabular, "MAX_XLSX_BYTES", 2048)
    data = b"Load Number,Total\n" + b"1,2\n" * 500
    with pytest.raises(TableError, match="the file is 2 KB; Factor Desk reads CSV files up "
                                         "to 1 KB"):
        read_table_bytes(data, "l.csv")
    book = workbook({"S": [["Load Number", "Total"], [1, 2]]})
    (tmp_path / "l.xlsx").write_bytes(book)
    with pytest.raises(TableError, match=r"the file is \d KB; Factor Desk reads .xlsx "
                                         "workbooks up to 2 KB"):
        read_table(tmp_path / "l.xlsx")
    monkeypatch.setattr(tabular, "MAX_XLSX_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 4096)
    with pytest.raises(TableError, match=r"unpacks to \d+ KB; Factor Desk reads workbooks "
                                         "that unpack to at most 4 KB"):
        read_table(tmp_path / "l.xlsx")


def test_a_workbook_packed_far_tighter_than_excel_packs_is_refused():
    data = workbook({"S": [["Load Number", "Note"],
                           *([n, f"{n}" + " " * 30_000] for n in range(100))]})
    with pytest.raises(TableError) as err:
        read_table_bytes(data, "l.xlsx")
    assert "its part 'xl/sharedStrings.xml'" in str(err.value) or \
        "its part 'xl/worksheets/sheet1.xml'" in str(err.value)
    assert "times its size; Factor Desk reads parts that unpack to at most 100 times" in \
        str(err.value)


def test_many_small_parts_packed_tightly_are_refused_as_one_large_one():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(8):  # each under the size at which one part's packing is judged
            archive.writestr(f"xl/worksheets/sheet{n}.xml", b" " * (512 * 1024))
    with pytest.raises(TableError, match="its 8 parts take .* and unpack to 4 MB, .* "
                                         "times their size; Factor Desk reads workbooks "
                                         "that unpack to at most 100 times their size"):
        read_table_bytes(out.getvalue(), "l.xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_and_cells_beyond_the_limits_are_refused(monkeypatch, kind):
    def table(n_rows: int, width: int = 2) -> bytes:
        rows = [[f"C{c}" for c in range(width)]] + [[r] * width for r in range(n_rows)]
        if kind == "xlsx":
            return workbook({"S": rows})
        return "\n".join(",".join(map(str, r)) for r in rows).encode()

    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    assert len(read_table_bytes(table(3), "f").rows) == 3
    with pytest.raises(TableError, match="more than 3 rows; Factor Desk reads up to 3 rows"):
        read_table_bytes(table(4), "f")
    monkeypatch.setattr(tabular, "MAX_ROWS", 1000)
    monkeypatch.setattr(tabular, "MAX_CELLS", 30)
    assert len(read_table_bytes(table(3, width=10), "f").rows) == 3
    with pytest.raises(TableError, match="more than 30 cells"):
        read_table_bytes(table(4, width=10), "f")


def test_the_headers_a_refusal_quotes_are_short_and_at_most_ten():
    headers = ["Load Number", "x" * 500, "bad\u202eheader", *[f"H{n}" for n in range(12)]]
    table = read_table_bytes((",".join(headers) + "\n1,2\n").encode(), "l.csv")
    with pytest.raises(TableError) as err:
        match_columns(table, SPECS, what="a loads file")
    message = str(err.value)
    assert "'Load Number', '" + "x" * 40 + "…', 'bad?header', 'H0'" in message
    assert "'H7', and 5 more" not in message and "'H6' and 5 more." in message
    assert "x" * 41 not in message


# ------------------------------------------------------------------ a zip bomb


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from those of A and B (zlib does not expose it
    to Python, and computing 2 GB of CRC costs seconds)."""
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = [_gf2_times(odd, v) for v in odd]
    odd = [_gf2_times(even, v) for v in even]
    while True:
        even = [_gf2_times(odd, v) for v in odd]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, v) for v in even]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _zip(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already deflated parts: (name, deflated bytes, CRC, unpacked size)."""
    import struct

    out, directory = io.BytesIO(), io.BytesIO()
    for name, packed, crc, size in parts:
        offset, raw = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc,
                              len(packed), size, len(raw), 0) + raw + packed)
        directory.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                    crc, len(packed), size, len(raw), 0, 0, 0, 0, 0, offset)
                        + raw)
    start, body = out.tell(), directory.getvalue()
    out.write(body + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts),
                                 len(body), start, 0))
    return out.getvalue()


def zip_bomb(unpacked_mb: int) -> bytes:
    """A valid .xlsx whose sheet is a header row followed by ``unpacked_mb`` MB of spaces
    (ignorable XML whitespace): about a thousandth of that on disk."""
    import zlib

    template = workbook({"Loads": [["Load Number", "Total"]]})
    parts = []
    with zipfile.ZipFile(io.BytesIO(template)) as src:
        for info in src.infolist():
            body = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                c = zlib.compressobj(9, zlib.DEFLATED, -15)
                parts.append((info.filename, c.compress(body) + c.flush(), zlib.crc32(body),
                              len(body)))
                continue
            head, tail = body.split(b"</sheetData>")
            chunk = b" " * (1024 * 1024)
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
            # after a full flush the deflater starts afresh: every 1 MB of spaces packs
            # to the same bytes, so the packed part is one block repeated
            block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
            last = c.compress(b"</sheetData>" + tail) + c.flush()
            crc = zlib.crc32(head)
            crc_run, run, n = zlib.crc32(chunk), len(chunk), unpacked_mb
            while n:  # the CRC of n MB of spaces, by doubling
                if n & 1:
                    crc = _crc32_combine(crc, crc_run, run)
                crc_run, run, n = _crc32_combine(crc_run, crc_run, run), run * 2, n >> 1
            crc = zlib.crc32(b"</sheetData>" + tail, crc)
            packed = first + block * unpacked_mb + last
            parts.append((info.filename, packed, crc,
                          len(head) + len(chunk) * unpacked_mb + len(tail) + 12))
    return _zip(parts)


def test_the_zip_bomb_builder_makes_a_workbook_openpyxl_reads(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_PACKING_RATIO", 10_000)
    data = zip_bomb(3)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC right
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 3 * 1024 * 1024
    assert read_table_bytes(data, "bomb.xlsx").headers == ["Load Number", "Total"]


_MEASURE = """
import resource, sys, time
try:  # a regression fails, not swaps (macOS may not allow the limit)
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
except (ValueError, OSError):
    pass
from factor_desk.documents.tabular import TableError, read_table
import openpyxl
start = time.perf_counter()
try:
    read_table(sys.argv[1])
    outcome = "read"
except TableError as exc:
    outcome = str(exc)
except MemoryError:
    outcome = "MemoryError"
elapsed = time.perf_counter() - start
try:  # this process's own peak: ru_maxrss keeps the forking parent's across exec on Linux
    status = open("/proc/self/status", encoding="ascii").read()
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
except OSError:
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)  # bytes on macOS
print(f"{elapsed:.3f} {peak_mb:.0f} {outcome}")
"""


def test_a_2_mb_workbook_that_unpacks_to_2_gb_is_refused_at_once(tmp_path):
    import subprocess
    import sys

    if sys.platform == "win32":
        pytest.skip("the peak is measured with the resource module (Linux and macOS)")

    path = tmp_path / "loads.xlsx"
    path.write_bytes(zip_bomb(2048))
    assert path.stat().st_size < 3 * 1024 * 1024
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                          text=True, timeout=120, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    elapsed, peak_mb, outcome = done.stdout.strip().split(" ", 2)
    assert outcome == ("loads.xlsx: the workbook is 2.0 MB but unpacks to 2.0 GB; Factor Desk "
                       "reads workbooks that unpack to at most 1 GB")
    # measured on a busy 2-core machine: 0.01-0.03 s and 47 MB (the interpreter, openpyxl)
    assert float(elapsed) < 2.0
    assert float(peak_mb) < 300


_BLANKS_AND_BREAKS = list("ab ,;\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029\xa0")


@given(st.text(alphabet=st.sampled_from(_BLANKS_AND_BREAKS)))
def test_the_delimiter_is_sniffed_from_the_first_line_that_holds_anything(text):
    # The line splitlines() gives, whatever breaks and blanks come before and after it.
    assert tabular._first_line(text) == next(
        (line for line in text.splitlines() if line.strip()), "")


def test_a_header_below_blank_lines_of_every_kind_sets_the_delimiter():
    data = " \r\n\x0c\n\u2028\tLoad;Total\r\nL1;5\r\n".encode()
    table = read_table_bytes(data, "semi.csv")
    assert (table.headers, [cells for _, cells in table.rows]) == (
        ["Load", "Total"], [["L1", "5"]])

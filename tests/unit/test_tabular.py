import io

import openpyxl
import pytest

from factor_desk.documents.tabular import (
    ColumnSpec,
    TableError,
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


def test_xlsx_sheet_can_be_chosen_by_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("Purchase Report")
    ws.append(["Load Number", "Total"])
    ws.append(["A1", 5])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table_bytes(buf.getvalue(), "r.xlsx", sheet_hint=lambda n: "purchase" in n.lower())
    assert table.sheet == "Purchase Report"
    assert table.rows == [(2, ["A1", 5])]

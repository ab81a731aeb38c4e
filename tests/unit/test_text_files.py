"""One decoder for every text file: what Windows and macOS programs save is read as the
text it is; what is not text is refused, not guessed at."""

import pytest

from factor_desk.documents.tabular import TableError, read_table_bytes
from factor_desk.documents.text_files import FileRefused, decode_text, read_text_file

NOA = "NOTICE OF ASSIGNMENT: PAY CAPITAL DEPOT, INC. — CAFÉ PLAZA, P.O. BOX 207431\r\n"


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + NOA.encode("utf-16-le"),  # Notepad "Unicode", PowerShell 5.1 ">"
    b"\xfe\xff" + NOA.encode("utf-16-be"),  # Notepad "Unicode big endian"
    b"\xef\xbb\xbf" + NOA.encode("utf-8"),  # Notepad "UTF-8 with BOM"
    NOA.encode("utf-8"),
    b"\xff\xfe\x00\x00" + NOA.encode("utf-32-le"),
], ids=["utf-16-le-bom", "utf-16-be-bom", "utf-8-bom", "utf-8", "utf-32-le-bom"])
def test_text_with_or_without_a_byte_order_mark_reads_as_written(data):
    assert decode_text(data, "noa.txt") == NOA


def test_ansi_text_as_excel_and_old_notepad_save_it_is_cp1252():
    assert decode_text("Café “Plaza” – 5 €".encode("cp1252"), "a.csv") == \
        "Café “Plaza” – 5 €"


@pytest.mark.parametrize("data,message", [
    (NOA.encode("utf-16-le"), "line 1 holds a NUL character"),  # UTF-16 without a mark
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a text file"),
    (bytes(range(1, 32)) * 20, "control characters no text file holds"),
    (b"\xff\xfe" + b"A\x00B", r"says it is UTF-16 \(Unicode\) text but byte 5 is not"),
])
def test_what_is_not_text_is_refused_saying_so(data, message):
    with pytest.raises(FileRefused, match=message) as err:
        decode_text(data, "noa.txt")
    assert str(err.value).startswith("noa.txt: ")


def test_a_stray_control_character_in_real_text_is_kept():
    text = "Load Number,Note\r\n1,see\x07 attached\r\n" + "2,ok\r\n" * 20
    assert decode_text(text.encode(), "l.csv") == text


def test_read_text_file_holds_to_its_limit_and_names_the_file(tmp_path):
    path = tmp_path / "noa.txt"
    path.write_bytes(b"\xff\xfe" + NOA.encode("utf-16-le"))
    assert read_text_file(path, limit=1024) == NOA
    with pytest.raises(FileRefused, match="noa.txt: the file is 156 bytes; Factor Desk reads "
                                          "notices up to 100 bytes"):
        read_text_file(path, limit=100, kind="notices")
    with pytest.raises(FileRefused, match="gone.txt: the file does not exist"):
        read_text_file(tmp_path / "gone.txt", limit=1024)


@pytest.mark.parametrize("bom,codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_a_csv_in_utf_16_reads_like_any_other(bom, codec):
    data = bom + "Load #\tCustomer\r\nL1\tCafé Brokers\r\n".encode(codec)
    table = read_table_bytes(data, "loads.txt")
    assert (table.headers, table.rows) == (["Load #", "Customer"], [(2, ["L1", "Café Brokers"])])
    with pytest.raises(TableError, match="NUL character"):
        read_table_bytes(data[2:], "loads.txt")

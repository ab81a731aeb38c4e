"""File names on every file system, and PDFs that carry nothing that runs: read back with
independent means (bytes, zlib, unicodedata), not with the code that wrote them."""

import datetime as dt
import io
import re
import unicodedata
import zlib
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from factor_desk.documents.concat import concatenate
from factor_desk.documents.files import UniqueNames, safe_file_name

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            *(f"{d}{n}" for d in ("COM", "LPT") for n in "123456789¹²³")}
# the characters file systems fold differently: case, dotless i, sharp s, long s, accents
TRICKY = st.text(alphabet="aAiIıİsSßſeéE\u0301 .-😀発", max_size=3)


def _bytes(name: str) -> int:
    return len(name.encode("utf-8"))


@given(st.text(max_size=300), st.sampled_from(["", ".pdf", " (2).pdf", " (123).xlsx"]))
def test_a_name_and_what_follows_fit_in_255_bytes(text, suffix):
    stem = safe_file_name(text, suffix)
    assert stem and _bytes(stem + suffix) <= 255
    assert not BIDI & set(stem)
    assert stem.split(".")[0].rstrip(" ").upper() not in RESERVED


def test_64_emoji_or_cjk_characters_make_a_name_that_fits():
    for text in ("😀" * 64, "発票" * 32, "👩\u200d👩\u200d👧" * 12, "é" * 200,
                 unicodedata.normalize("NFD", "é" * 200)):
        names = UniqueNames()
        taken = [names.take(text, ".pdf") for _ in range(12)]
        assert all(_bytes(n) <= 255 for n in taken)
        assert len(set(taken)) == 12
        # never cut inside a character: no joiner or combining accent left dangling
        for name in taken:
            stem = name.split(" (")[0].removesuffix(".pdf")
            assert not unicodedata.combining(stem[-1]) and stem[-1] != "\u200d"


def test_reserved_device_names_of_windows_11_are_avoided():
    for name in ("COM¹", "lpt²", "LPT³.txt", "CONIN$", "conout$.pdf", "CON .pdf", "Clock$"):
        assert safe_file_name(name).startswith("_"), name
    assert safe_file_name("INV-1\u202efdp.exe") == "INV-1fdp.exe"


@given(st.lists(TRICKY, max_size=30))
@example(["ı", "I"])  # NTFS upper-cases the dotless i to I
@example(["é", "e\u0301"])  # one name on macOS
@example(["ſ", "S"])
def test_names_never_meet_on_ntfs_apfs_or_hfs(texts):
    names = UniqueNames()
    taken = [names.take(t, ".pdf") for t in texts]
    folds = [
        lambda n: n.upper(),  # NTFS: an upper-case table, no composition
        lambda n: unicodedata.normalize("NFD", n).casefold(),  # HFS+: decomposed, no case
        lambda n: unicodedata.normalize("NFC", n).casefold(),  # APFS: neither
    ]
    for fold in folds:
        assert len({fold(n) for n in taken}) == len(taken), taken


# ---------------------------------------------------------------- active content

ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|AA|OpenAction|EmbeddedFiles?|XFA|URI)"
                    rb"(?![A-Za-z0-9])")


def active_content(data: bytes) -> set[bytes]:
    blobs = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            blobs.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return {m.group(1) for b in blobs for m in ACTIVE.finditer(b)}


def _hostile(path: Path) -> Path:
    w = PdfWriter()
    w.add_blank_page(300, 400)
    w.add_open_action(JavaScript("app.alert('open');"))
    w.pages[0].add_action(PageTrigger.CLOSE, JavaScript("app.alert('close');"))
    w.add_annotation(0, Link(rect=(0, 0, 100, 100), url="http://phish.example"))
    w.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/FileAttachment"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (0, 0, 10, 10)]),
        NameObject("/FS"): DictionaryObject({NameObject("/EF"): DictionaryObject()}),
    }))
    w.add_attachment("payload.exe", b"MZ")
    buf = io.BytesIO()
    w.write(buf)
    path.write_bytes(buf.getvalue())
    return path


def test_the_batch_packet_carries_no_active_content_whatever_it_joins(tmp_path):
    source = _hostile(tmp_path / "hostile.pdf")
    assert active_content(source.read_bytes())
    out = tmp_path / "all.pdf"
    concatenate([source, source], out, title="T", created=dt.datetime(2026, 11, 27),
                producer="P")
    assert active_content(out.read_bytes()) == set()
    reader = PdfReader(out, strict=True)
    assert len(reader.pages) == 2 and "/Annots" not in reader.pages[0]

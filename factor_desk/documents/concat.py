"""Join many PDFs into one, streaming: one source file in memory at a time.

pypdf's PdfWriter keeps every object of every source until it writes, which for a
500-invoice batch with scanned pages is over 400 MB. The batch packet only ever joins
whole files page after page, so this writer copies each source's objects straight to the
output, renumbered, and then writes one page tree, the catalog and the cross-reference
table. It reads with pypdf, so whatever pypdf reads (object streams, xref streams,
repaired files) it can join."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

from factor_desk.documents.disarm import clean

_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_PAGES = 2  # object 1 is the catalog, 2 the page tree root


class _Writer:
    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.pos = 0
        self.offsets: dict[int, int] = {}
        self.next_number = _PAGES + 1

    def raw(self, data: bytes) -> None:
        self.fh.write(data)
        self.pos += len(data)

    def obj(self, number: int, obj: PdfObject) -> None:
        self.offsets[number] = self.pos
        self.raw(b"%d 0 obj\n" % number)
        start = self.fh.tell()
        obj.write_to_stream(self.fh)
        self.pos += self.fh.tell() - start
        self.raw(b"\nendobj\n")

    def number(self) -> int:
        n = self.next_number
        self.next_number += 1
        return n


def _inherited(page: DictionaryObject, key: str) -> PdfObject | None:
    node: DictionaryObject | None = page
    while node is not None:
        if key in node:
            value: PdfObject = node.raw_get(key)
            return value
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


class Concatenation:
    """``with Concatenation(out, ...) as joined: joined.add(path)`` writes the pages of each
    added PDF, in order; the page tree and cross-reference table are written on a clean
    exit. Files can be added while others are still being made."""

    def __init__(self, out: Path, *, title: str, created: dt.datetime, producer: str):
        self.out = Path(out)
        self.title, self.created, self.producer = title, created, producer
        self.kids: list[IndirectObject] = []
        self._digest = hashlib.sha256()

    def __enter__(self) -> Concatenation:
        self._fh = open(self.out, "wb")
        self._w = _Writer(self._fh)
        self._w.raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        return self

    def add(self, source: Path) -> None:
        self._digest.update(Path(source).name.encode())
        _copy_pages(PdfReader(source), self._w, self.kids)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._finish()
        finally:
            self._fh.close()

    @property
    def pages(self) -> int:
        return len(self.kids)

    def _finish(self) -> None:
        w = self._w
        w.obj(_PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(self.kids),
            NameObject("/Count"): NumberObject(len(self.kids)),
        }))
        w.obj(1, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(_PAGES, 0, None),
        }))
        stamp = self.created.strftime("D:%Y%m%d%H%M%S+00'00'")
        info_number = w.number()
        w.obj(info_number, DictionaryObject({
            NameObject("/Title"): TextStringObject(self.title),
            NameObject("/Producer"): TextStringObject(self.producer),
            NameObject("/CreationDate"): TextStringObject(stamp),
            NameObject("/ModDate"): TextStringObject(stamp),
        }))
        size = w.next_number
        xref_at = w.pos
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        lines += [b"%010d 00000 n \n" % w.offsets[n] for n in range(1, size)]
        w.raw(b"".join(lines))
        file_id = self._digest.hexdigest()[:32].encode()
        w.raw(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
              b"startxref\n%d\n%%%%EOF\n" % (size, info_number, file_id, file_id, xref_at))


def concatenate(sources: Iterable[Path], out: Path, *, title: str, created: dt.datetime,
                producer: str) -> int:
    """Write the pages of ``sources``, in order, into ``out``. Returns the page count."""
    with Concatenation(out, title=title, created=created, producer=producer) as joined:
        for source in sources:
            joined.add(source)
    return joined.pages


def _copy_pages(reader: PdfReader, w: _Writer, kids: list[IndirectObject]) -> None:
    renumbered: dict[int, int] = {}
    queue: list[tuple[int, PdfObject]] = []

    def ref(original: IndirectObject) -> IndirectObject:
        new = renumbered.get(original.idnum)
        if new is None:
            new = renumbered[original.idnum] = w.number()
            queue.append((new, original))
        return IndirectObject(new, 0, None)

    def rewrite(obj: PdfObject) -> PdfObject:
        """Point every reference inside a direct object at its new number (in place)."""
        if isinstance(obj, IndirectObject):
            # Ours (already renumbered, no reader) stay; the source's get their new number.
            return ref(obj) if obj.pdf is not None else obj
        if isinstance(obj, DictionaryObject | ArrayObject):
            # The packets come disarmed; whatever else is joined loses its scripts,
            # actions and attachments here, as each object is copied.
            clean(obj)
        if isinstance(obj, DictionaryObject):
            for key, value in list(obj.items()):
                obj[key] = rewrite(value)
        elif isinstance(obj, ArrayObject):
            for i, value in enumerate(obj):
                obj[i] = rewrite(value)
        return obj

    for page in reader.pages:
        page_ref = page.indirect_reference
        page_obj = cast(DictionaryObject, page_ref.get_object()) if page_ref is not None else page
        for key in _INHERITABLE:
            if key not in page_obj:
                value = _inherited(page_obj, key)
                if value is not None:
                    page_obj[NameObject(key)] = value
        page_obj[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)
        if page_ref is not None:
            kids.append(ref(page_ref))
        else:  # pragma: no cover - pypdf always gives pages a reference
            number = w.number()
            queue.append((number, page_obj))
            kids.append(IndirectObject(number, 0, None))
        while queue:
            number, original = queue.pop()
            obj = original.get_object() if isinstance(original, IndirectObject) else original
            if obj is None:  # a reference to nothing: PDF reads it as null
                obj = NullObject()
            w.obj(number, rewrite(obj))

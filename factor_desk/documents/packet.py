"""The packet the factor gets for one invoice: the invoice page(s), then the load's
supporting documents in a fixed order (rate confirmation, BOL / POD, lumper, other).

Scans (JPEG, PNG) become Letter pages drawn on the same reportlab document as the invoice,
JPEGs embedded as they are; supporting PDFs are merged with pypdf, without their scripts,
actions, links and attachments (``disarm``). A document that cannot be read is found by
``check_document`` before anything is written."""

from __future__ import annotations

import io
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PasswordType, PdfReader, PdfWriter
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from factor_desk.documents import invoice_pdf
from factor_desk.documents.disarm import disarm
from factor_desk.documents.pdf_common import PRODUCER
from factor_desk.domain.trade import DocumentKind

# pypdf reports what it repairs in a damaged file through logging; a readable file is used.
logging.getLogger("pypdf").setLevel(logging.ERROR)

IMAGE_MARGIN = 0.35 * inch


class UnreadableDocument(Exception):
    """A supporting document that cannot go into the packet; the message says why."""


@dataclass
class SupportingFile:
    kind: str
    file_name: str
    content_type: str
    path: Path  # the stored copy (the document store's file, or one written for the export)

    @property
    def label(self) -> str:
        return f"{self.file_name} ({DocumentKind(self.kind).label.lower()})"


def _open_pdf(doc: SupportingFile) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(doc.path.read_bytes()), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableDocument("it is protected by a password")
        if len(reader.pages) == 0:
            raise UnreadableDocument("it has no pages")
        return reader
    except UnreadableDocument:
        raise
    except FileNotFoundError:
        raise UnreadableDocument("its copy is missing from the document store") from None
    except Exception as exc:
        raise UnreadableDocument(f"it is damaged ({exc})") from None


def _image_size(doc: SupportingFile) -> tuple[int, int]:
    try:
        size: tuple[int, int] = ImageReader(str(doc.path)).getSize()
        return size
    except FileNotFoundError:
        raise UnreadableDocument("its copy is missing from the document store") from None
    except Exception as exc:
        raise UnreadableDocument(f"the image is damaged ({exc})") from None


def check_document(doc: SupportingFile) -> int:
    """Raise UnreadableDocument unless the document can go into a packet; return its pages."""
    if not doc.path.is_file():
        raise UnreadableDocument("its copy is missing from the document store")
    if doc.content_type == "application/pdf":
        return len(_open_pdf(doc).pages)
    w, h = _image_size(doc)
    if w <= 0 or h <= 0:
        raise UnreadableDocument("the image is empty")
    return 1


def _draw_image_pages(c: Canvas, images: list[SupportingFile]) -> None:
    """One Letter page per scan, the image fitted inside the margins."""
    page_w, page_h = invoice_pdf.W, invoice_pdf.H
    for doc in images:
        # The size from the header alone: an ImageReader would read the whole file and
        # open it a second time (check_document has read it already; drawImage reads it).
        with Image.open(doc.path) as header:
            iw, ih = header.size
        scale = min((page_w - 2 * IMAGE_MARGIN) / iw, (page_h - 2 * IMAGE_MARGIN) / ih)
        w, h = iw * scale, ih * scale
        # Given a file name, reportlab embeds a JPEG's bytes as they are; given an
        # ImageReader it would decode every pixel to name the image.
        c.drawImage(str(doc.path), (page_w - w) / 2, (page_h - h) / 2, w, h)
        c.showPage()


def build_packet(inv: dict[str, Any], docs: list[SupportingFile]) -> tuple[bytes, int]:
    """The invoice followed by its supporting documents, as PDF bytes, and its page count.
    ``docs`` come in packet order already."""
    images = [d for d in docs if d.content_type != "application/pdf"]
    invoice_bytes, invoice_pages = _invoice_and_images(inv, images)
    if len(images) == len(docs):
        return invoice_bytes, invoice_pages + len(images)
    # Some supporting PDFs: assemble pages in packet order with pypdf.
    own = PdfReader(io.BytesIO(invoice_bytes))
    writer = PdfWriter()
    first_image_page = len(own.pages) - len(images)
    for i in range(first_image_page):
        writer.add_page(own.pages[i])
    image_index = 0
    for doc in docs:
        if doc.content_type == "application/pdf":
            reader = _open_pdf(doc)
            disarm(reader.pages)  # no script, launch, link or attachment reaches the factor
            for page in reader.pages:
                writer.add_page(page)
        else:
            writer.add_page(own.pages[first_image_page + image_index])
            image_index += 1
    writer.add_metadata({
        "/Title": f"Invoice {inv['invoice_number']}",
        "/Producer": PRODUCER,
        "/CreationDate": inv["created"].strftime("D:%Y%m%d%H%M%S+00'00'"),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _invoice_and_images(inv: dict[str, Any], images: list[SupportingFile]) -> tuple[bytes, int]:
    """The invoice pages, then one page per scan, drawn on one reportlab canvas."""
    out = io.BytesIO()
    pages = invoice_pdf.draw_invoice(out, inv, after=lambda c: _draw_image_pages(c, images))
    return out.getvalue(), pages


def write_packet(task: dict[str, Any]) -> tuple[str, int]:
    """Build one packet and write it to ``task["out"]``; run in a worker process too, so it
    takes and returns plain data. Returns (invoice number, pages)."""
    docs = [SupportingFile(d["kind"], d["file_name"], d["content_type"], Path(d["path"]))
            for d in task["documents"]]
    data, pages = build_packet(task["invoice"], docs)
    Path(task["out"]).write_bytes(data)
    return task["invoice"]["invoice_number"], pages


def lower_priority() -> None:
    """Run a worker process below normal priority, so that the window (and the clerk's
    other programs) stay responsive while a batch is drawn on every core."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)
        elif sys.platform == "win32":  # pragma: no cover - Windows only
            import ctypes

            below_normal = 0x4000
            kernel32 = ctypes.windll.kernel32
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
    except OSError:  # not allowed here: run at normal priority
        pass

"""A load's supporting documents (rate confirmation, proof of delivery, ...): PDF, JPEG or
PNG files copied into the document store and attached to the load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from factor_desk.db.models import Load, SupportingDocument, utcnow
from factor_desk.db.store import sha256_of
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, NotFound, Problem
from factor_desk.domain.lifecycle import BillingStatus, HistoryAction
from factor_desk.domain.text import excerpt
from factor_desk.domain.trade import DocumentKind
from factor_desk.services.common import current_user
from factor_desk.services.lifecycle import FIRST_STATUSES, record_change
from factor_desk.services.loads.queries import find_load

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def sniff_document_type(data: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG by its first bytes; None for anything else."""
    head = data[:1024]
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    # Some scanners write a few bytes of junk before %PDF; readers accept it within 1 KB.
    if b"%PDF-" in head:
        return "application/pdf"
    return None


@dataclass
class DocumentInfo:
    id: int
    load_number: str
    kind: str
    file_name: str
    content_type: str
    sha256: str
    size: int
    added_at: dt.datetime  # UTC
    added_by: str
    already_attached: bool = False


@dataclass
class DocumentFile:
    """A file read and found fit to attach, before any database is asked."""

    kind: DocumentKind
    file_name: str
    content_type: str
    data: bytes
    sha256: str


def read_document(path: str | Path, kind: str, *, file_name: str | None = None
                  ) -> DocumentFile:
    """Read a PDF, JPEG or PNG of at most 50 MB to attach as ``kind``; refused
    (InputRefused) otherwise. ``file_name`` is the name to keep, the file's own if None."""
    path = Path(path)
    name = file_name or path.name
    try:
        doc_kind = DocumentKind.parse(kind)
    except ValueError as exc:
        raise InputRefused([str(exc)]) from None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputRefused([Problem("the file does not exist", file=name)]) from None
    except OSError as exc:
        raise InputRefused([Problem(f"the file cannot be read ({exc.strerror})", file=name)]
                           ) from None
    if not data:
        raise InputRefused([Problem("the file is empty", file=name)])
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputRefused([Problem(
            f"the file is {len(data) // (1024 * 1024)} MB; at most 50 MB can be attached",
            file=name)])
    content_type = sniff_document_type(data)
    if content_type is None:
        suffix = (f"{excerpt(path.suffix.lower(), 12)} file" if path.suffix
                  else "file without an extension")
        raise InputRefused([Problem(
            f"only PDF, JPEG and PNG files can be attached; this is a {suffix} "
            "that is none of them", file=name)])
    return DocumentFile(doc_kind, name, content_type, data, sha256_of(data))


def attach_document(work: Work, load_number: str, document: DocumentFile, *,
                    user: str | None = None) -> DocumentInfo:
    """Copy ``document`` into the document store and attach it to a load, in a write
    transaction. The same file attached again as the same kind is not attached twice."""
    load = find_load(work, load_number)
    existing = work.execute(
        select(SupportingDocument).where(
            SupportingDocument.load_id == load.id,
            SupportingDocument.sha256 == document.sha256,
            SupportingDocument.kind == document.kind.value)
    ).scalar_one_or_none()
    if existing is not None:
        return _doc_info(existing, load.load_number, already=True)
    work.store.put(work, document.data)
    doc = SupportingDocument(
        load_id=load.id, kind=document.kind.value, file_name=document.file_name[:255],
        content_type=document.content_type, sha256=document.sha256, size=len(document.data),
        added_at=utcnow(), added_by=user or current_user(work),
    )
    work.add(doc)
    work.flush()
    return _doc_info(doc, load.load_number)


def load_documents(work: Work, load_number: str) -> list[DocumentInfo]:
    """The documents attached to a load, in the order they were attached."""
    load = find_load(work, load_number)
    return [_doc_info(d, load.load_number) for d in load.documents]


def _doc_info(doc: SupportingDocument, load_number: str, already: bool = False) -> DocumentInfo:
    return DocumentInfo(
        id=doc.id, load_number=load_number, kind=doc.kind, file_name=doc.file_name,
        content_type=doc.content_type, sha256=doc.sha256, size=doc.size,
        added_at=doc.added_at, added_by=doc.added_by, already_attached=already,
    )


def document_file(work: Work, document_id: int) -> tuple[str, bytes]:
    """The file name and the bytes of an attached document, from the document store."""
    doc = _find_document(work, document_id)
    return doc.file_name, work.store.get(work, doc.sha256)


def remove_document(work: Work, document_id: int, *, user: str | None = None
                    ) -> DocumentInfo:
    """Take a document off its load, in a write transaction: only before the load is
    batched (Released or Queued; a batched invoice was sent with its documents). The load's
    status history says which file was removed, when and by whom. The bytes stay in the
    document store (other loads may share them; a backup keeps them)."""
    doc = _find_document(work, document_id)
    # Locked, so a batch cannot take the load between this check and the delete.
    load = work.execute(select(Load).where(Load.id == doc.load_id).with_for_update()
                        ).scalar_one()
    status = BillingStatus(load.status)
    if status not in FIRST_STATUSES:
        raise InputRefused([Problem(
            f"Load {load.load_number} is {status.value}: its documents went to the factor "
            "with its batch and cannot be removed. Only a Released or Queued load's "
            "documents can be removed.")])
    info = _doc_info(doc, load.load_number)
    kind = DocumentKind(doc.kind).label
    work.delete(doc)
    record_change(work, load.id, status, by=user or current_user(work),
                  reason=f"Document removed: {kind} {doc.file_name} (sha256 {doc.sha256[:12]})",
                  action=HistoryAction.REMOVED_DOCUMENT)
    work.flush()
    return info


def _find_document(work: Work, document_id: int) -> SupportingDocument:
    doc = work.get(SupportingDocument, document_id)
    if doc is None:
        raise NotFound(f"No document #{document_id}: it was removed a moment ago, "
                       "probably by another clerk.")
    return doc

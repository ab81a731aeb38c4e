"""The tables. Money is integer cents; statuses are the lifecycle's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from factor_desk.db.model_base import Base as Base
from factor_desk.db.model_base import Cents, Stamp, Versioned, partial_unique
from factor_desk.db.model_base import max_length as max_length
from factor_desk.db.model_base import utcnow as utcnow

OPEN_INVOICE = "recalled_at IS NULL"
# The imports whose file is applied once per kind (not the loads imports).
APPLIED_REPORT = "status = 'applied' AND kind IN ('purchase', 'payments', 'reserve')"


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    subsidiaries: Mapped[list[Subsidiary]] = relationship(back_populates="company")


class FactoringCompany(Versioned, Base):
    __tablename__ = "factoring_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    remit_to: Mapped[str] = mapped_column(Text, default="")
    # "non_api": batches are sent by hand and reports come back as files.
    integration: Mapped[str] = mapped_column(String(20), default="non_api")
    # The factor's terms (issue #13). The fee is a percent of the invoice
    # (fee_basis_points) or a flat amount per invoice (fee_flat_cents), never both.
    fee_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    fee_flat_cents: Mapped[int] = mapped_column(Cents, default=0, server_default="0")
    advance_basis_points: Mapped[int] = mapped_column(Integer, default=10000)
    reserve_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    recourse: Mapped[bool] = mapped_column(default=False)
    # With recourse: the days after purchase the factor waits for the debtor before it
    # charges an unpaid invoice back.
    recourse_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    # The factor's profile (issue #14): where the schedule is emailed, the NOA text a new
    # subsidiary of this factor starts with, and the schedule of accounts' layout (None:
    # Capital Depot's, the default; documents/schedule.py reads it).
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    default_noa: Mapped[str] = mapped_column(Text, default="", server_default="")
    schedule_layout: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Subsidiary(Versioned, Base):
    __tablename__ = "subsidiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Short code that prefixes batch numbers: ACME-0001.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    mc_number: Mapped[str] = mapped_column(String(20), default="")
    dot_number: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="")
    zip_code: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    factoring_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("factoring_companies.id")
    )
    default_invoicing_method: Mapped[str] = mapped_column(String(20), default="Factoring")
    # Document kinds a load needs before it can be factored, e.g. ["rate_confirmation","pod"].
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Batches are numbered per subsidiary; the counter row is also the lock that
    # serialises two clerks submitting for the same subsidiary.
    last_batch_number: Mapped[int] = mapped_column(Integer, default=0)
    # How many saves its important-info entries had (migration 0014): each save takes the
    # next number as the entry's version, so none is handed out twice, even to an entry
    # removed and added again while another clerk's form showed the first one.
    info_versions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    company: Mapped[Company] = relationship(back_populates="subsidiaries")
    factoring_company: Mapped[FactoringCompany | None] = relationship()
    important_info: Mapped[list[ImportantInfo]] = relationship(
        back_populates="subsidiary", cascade="all, delete-orphan", order_by="ImportantInfo.kind"
    )


class ImportantInfo(Base):
    """One entry of a subsidiary's document configuration (Manage Important Info)."""

    __tablename__ = "important_info"
    __table_args__ = (UniqueConstraint("subsidiary_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subsidiary_id: Mapped[int] = mapped_column(ForeignKey("subsidiaries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    # Its version (migration 0010); who saved it and when are updated_by and updated_at,
    # also by the names every versioned row has.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    changed_by: Mapped[str] = synonym("updated_by")
    changed_at: Mapped[dt.datetime] = synonym("updated_at")

    subsidiary: Mapped[Subsidiary] = relationship(back_populates="important_info")


class Customer(Versioned, Base):
    """A debtor: the broker or shipper who owes the invoice."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    mc_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="")
    zip_code: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    terms_days: Mapped[int] = mapped_column(Integer, default=30)
    # Overrides the subsidiary's default invoicing method when set.
    invoicing_method: Mapped[str | None] = mapped_column(String(20))


class Load(Versioned, Base):
    __tablename__ = "loads"
    __table_args__ = (Index("ix_loads_subsidiary_status", "subsidiary_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    load_number: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_number: Mapped[str] = mapped_column(String(64), unique=True)
    subsidiary_id: Mapped[int] = mapped_column(ForeignKey("subsidiaries.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    po_number: Mapped[str] = mapped_column(String(100), default="")
    pickup_date: Mapped[dt.date | None] = mapped_column(Date)
    pickup_location: Mapped[str] = mapped_column(String(200), default="")
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    delivery_location: Mapped[str] = mapped_column(String(200), default="")
    linehaul_cents: Mapped[int] = mapped_column(Cents, default=0)
    accessorials_cents: Mapped[int] = mapped_column(Cents, default=0)
    total_cents: Mapped[int] = mapped_column(Cents)
    status: Mapped[str] = mapped_column(String(20))
    # Set only when the load itself says how it is billed; otherwise the customer's
    # override, else the subsidiary's default, applies (see services.loads).
    invoicing_method: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("report_imports.id"), index=True)
    # The date Create invoice gave the load's invoice (``loads queue --invoice-date``); its
    # batch issues the invoice with it. None: the invoice is dated when the batch is sent.
    invoice_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    subsidiary: Mapped[Subsidiary] = relationship()
    customer: Mapped[Customer] = relationship()
    charges: Mapped[list[LoadCharge]] = relationship(
        back_populates="load", order_by="LoadCharge.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[SupportingDocument]] = relationship(
        back_populates="load", order_by="SupportingDocument.id"
    )


class LoadCharge(Base):
    """An accessorial line of a load: detention, lumper, fuel surcharge..."""

    __tablename__ = "load_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(Cents)

    load: Mapped[Load] = relationship(back_populates="charges")


class SupportingDocument(Base):
    """A file attached to a load. The bytes live in the document store under ``sha256``."""

    __tablename__ = "supporting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(100), default="")

    load: Mapped[Load] = relationship(back_populates="documents")


class DocumentBlob(Base):
    """Document bytes kept inside the database (PostgreSQL), so a whole team sees them."""

    __tablename__ = "document_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Batch(Base):
    """A schedule of accounts: the invoices sent to the factor together."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("subsidiary_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subsidiary_id: Mapped[int] = mapped_column(ForeignKey("subsidiaries.id"))
    factoring_company_id: Mapped[int] = mapped_column(ForeignKey("factoring_companies.id"))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40), unique=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    invoice_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Cents)
    # Set when the clerk reversed the whole batch (issue #12): its loads went back to
    # Queued; the batch and its download stay as sent, its number is never reused.
    reversed_at: Mapped[dt.datetime | None] = mapped_column(Stamp)
    reversed_by: Mapped[str | None] = mapped_column(String(100))
    reverse_reason: Mapped[str | None] = mapped_column(Text)

    subsidiary: Mapped[Subsidiary] = relationship()
    factoring_company: Mapped[FactoringCompany] = relationship()
    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="batch", order_by="Invoice.position"
    )


class Invoice(Base):
    """An invoice as sent to the factor. ``snapshot`` freezes everything the invoice page
    shows at submission (carrier, bill-to, lines, NOA), so a later edit of the profile or
    the load never changes an invoice already sent."""

    __tablename__ = "invoices"
    # A load has one open invoice, and an invoice number is on one open invoice; a
    # recalled invoice stays with its batch as sent but no longer counts, so its load
    # (and its number) can be batched again.
    __table_args__ = (
        partial_unique("uq_invoices_open_load_id", "load_id", where=OPEN_INVOICE),
        partial_unique("uq_invoices_open_invoice_number", "invoice_number",
                        where=OPEN_INVOICE),
        # What services/ledger.py invoice_money() reads of each invoice (migration 0007).
        Index("ix_invoices_money", "batch_id", "recalled_at", "id", "load_id",
              "amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"))
    position: Mapped[int] = mapped_column(Integer)
    invoice_number: Mapped[str] = mapped_column(String(64))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    terms_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    noa_text: Mapped[str] = mapped_column(Text)
    remit_to: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set when the clerk recalled it (or reversed its batch): its load went back to Queued.
    recalled_at: Mapped[dt.datetime | None] = mapped_column(Stamp)
    recalled_by: Mapped[str | None] = mapped_column(String(100))
    recall_reason: Mapped[str | None] = mapped_column(Text)

    batch: Mapped[Batch] = relationship(back_populates="invoices")
    load: Mapped[Load] = relationship()


class ReportImport(Base):
    """One uploaded file (loads, purchase report or payment report) and what it did."""

    __tablename__ = "report_imports"
    # The same file is applied once per kind of report: the database refuses a second
    # applied import of it, even from a clerk who checked at the same moment. An undone
    # import no longer counts, so the file can be applied again.
    __table_args__ = (
        partial_unique("uq_report_imports_applied_file", "kind", "sha256",
                        where=APPLIED_REPORT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # ReportKind
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(100), default="")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_applied: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied | undone
    undone_at: Mapped[dt.datetime | None] = mapped_column(Stamp)
    undone_by: Mapped[str | None] = mapped_column(String(100))


class PurchaseRecord(Base):
    """What the factor's purchase report said of one invoice."""

    __tablename__ = "purchase_records"
    # An invoice is bought once: undo deletes its record, so it can be bought again.
    __table_args__ = (
        partial_unique("uq_purchase_records_purchased_invoice", "invoice_id",
                        where="status = 'purchased'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("report_imports.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # purchased | held | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    purchase_date: Mapped[dt.date | None] = mapped_column(Date)
    invoice_amount_cents: Mapped[int] = mapped_column(Cents)
    advance_cents: Mapped[int | None] = mapped_column(Cents)
    fee_cents: Mapped[int | None] = mapped_column(Cents)
    reserve_cents: Mapped[int | None] = mapped_column(Cents)


class Payment(Base):
    """A debtor's payment of one invoice, from the factor's payment report."""

    __tablename__ = "payments"
    # The reference number is the payment's natural key: applied once, whichever file
    # brings it (undo deletes the row, which frees it). Rows without one cannot be told
    # apart and are not constrained.
    __table_args__ = (
        partial_unique("uq_payments_reference_number", "reference_number",
                        where="reference_number <> ''"),
        # The sums of services/ledger.py read this index only (migration 0007).
        Index("ix_payments_money", "invoice_id", "amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("report_imports.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    payment_date: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    reference_number: Mapped[str] = mapped_column(String(100), default="", index=True)
    check_number: Mapped[str] = mapped_column(String(100), default="")
    payment_method: Mapped[str] = mapped_column(String(50), default="")
    payer: Mapped[str] = mapped_column(String(200), default="")
    short_pay_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The report's Final column said yes: this payment closes the invoice, whatever rest
    # is left (kept as a short pay).
    final: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class LedgerEntry(Base):
    """One movement of money after the purchase that is not a factor's payment
    (domain/ledger.py EntryKind): a short pay, a direct payment, or a reserve report's
    release, chargeback, fee or adjustment. Amounts are positive cents, except an
    adjustment (signed: + adds to the reserve held). An entry from an import goes when the
    import is undone; one made by a clerk has no import."""

    __tablename__ = "ledger_entries"
    # A reference is applied once per kind, whichever file or clerk brings it (a short pay
    # carries its payment's reference and is not constrained).
    __table_args__ = (
        partial_unique("uq_ledger_entries_kind_reference", "kind", "reference",
                        where="reference <> '' AND kind <> 'short_pay'"),
        # The sums of services/ledger.py read this index only (migration 0007).
        Index("ix_ledger_entries_money", "invoice_id", "kind", "amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # EntryKind
    # The invoice it concerns; None for a reserve movement of no one invoice.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"), index=True)
    factoring_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("factoring_companies.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("report_imports.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    reference: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    by: Mapped[str] = mapped_column(String(100), default="")


class ColumnMapping(Base):
    """Which of a factor's file columns holds each field Factor Desk reads (issue #14),
    saved per factor and report kind and applied by itself to the next file of that kind:
    ``columns`` maps a field (``invoice_number``) to the file's header (``Inv No``)."""

    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("factoring_company_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factoring_company_id: Mapped[int] = mapped_column(ForeignKey("factoring_companies.id"))
    kind: Mapped[str] = mapped_column(String(20))  # ReportKind
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(100), default="")


class BatchSend(Base):
    """One email of a batch to its factor (issue #14): sent over SMTP or written as an .eml
    draft; a batch too big for one message is sent as numbered parts, a row each."""

    __tablename__ = "batch_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    via: Mapped[str] = mapped_column(String(10))  # "smtp" or "eml"
    to_address: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(250), default="")
    part: Mapped[int] = mapped_column(Integer, default=1)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sent_at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    sent_by: Mapped[str] = mapped_column(String(100), default="")


class Setting(Base):
    """One setting of the whole database, e.g. the journal's account names: a key and its
    text."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class StatusHistory(Base):
    """Every billing status move of a load: from, to, when, who, and why."""

    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(Stamp, default=utcnow)
    by: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("report_imports.id"))
    # what the clerk did, where the statuses do not say it (domain.lifecycle.HistoryAction)
    action: Mapped[str | None] = mapped_column(String(30))

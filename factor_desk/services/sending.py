"""Sending a batch to its factor by email (issue #14): over SMTP with the settings under
"mail." in the settings table and the password in the operating system's keychain, or as
.eml drafts the clerk's mail program opens. Every message sent or written is recorded as a
BatchSend row, all in one transaction after the sending succeeded."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select

from factor_desk.db.models import BatchSend, Invoice, utcnow
from factor_desk.db.work import Work
from factor_desk.documents.email_message import (
    Attachment,
    BatchMail,
    build,
    limit_bytes,
    message_bytes,
    pack,
    subject,
)
from factor_desk.documents.saving import write_new_file
from factor_desk.domain.errors import (
    DatabaseFileReplaced,
    FactorDeskError,
    InputRefused,
    Problem,
)
from factor_desk.services.batches import find_batch
from factor_desk.services.common import Progress, current_user
from factor_desk.services.export import (
    ExportCancelled,
    ExportPlan,
    ExportResult,
    Reader,
    batch_carrier,
    export_batch,
    plan_export,
)
from factor_desk.services.mail_settings import MailSecurity as MailSecurity
from factor_desk.services.mail_settings import MailSettings as MailSettings
from factor_desk.services.mail_settings import read_settings, valid_address


@dataclass(frozen=True)
class SendRecord:
    """One message of a batch sent (``via`` "smtp") or written as a draft ("eml")."""

    batch: str
    via: str
    to: str
    message_id: str
    part: int
    parts: int
    size_bytes: int
    sent_at: dt.datetime
    sent_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "via": self.via, "to": self.to,
                "message_id": self.message_id, "part": self.part, "parts": self.parts,
                "size_bytes": self.size_bytes, "sent_at": self.sent_at.isoformat(),
                "sent_by": self.sent_by}


@dataclass
class SendResult:
    """What ``send_batch`` did: the messages recorded, the files attached, the drafts."""

    batch: str
    to: str
    via: str
    records: list[SendRecord]
    files: list[str]
    eml_paths: list[Path] = field(default_factory=list)
    # e.g. the invoices recalled after submission, which the message asks the factor not to
    # buy (they are on the schedule as submitted)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "to": self.to, "via": self.via,
                "records": [r.to_dict() for r in self.records], "files": self.files,
                "eml_paths": [str(p) for p in self.eml_paths], "warnings": self.warnings}


class AlreadySent(InputRefused):
    """The batch was emailed before and ``again`` was not given; ``records``: those sends."""

    def __init__(self, batch: str, records: list[SendRecord]):
        self.records = records
        last = records[-1]
        how = "emailed" if last.via == "smtp" else "written as an email draft"
        super().__init__([Problem(
            f"{batch} was {how} to {last.to} on {last.sent_at:%m/%d/%Y} by {last.sent_by}; "
            "send it again with --again")])


class SentNotRecorded(FactorDeskError):
    """The email went (every message, or the parts named) but recording it failed: the
    database file was replaced meanwhile, the server went away. Not "nothing was sent":
    the clerk must not send it again in the belief that it did not go."""

    def __init__(self, batch: str, to: str, went: int, parts: int, reason: str):
        self.batch = batch
        how = "The email" if parts == 1 else f"{went} of the {parts} messages"
        super().__init__(
            f"{how} of batch {batch} went to {to}, but Factor Desk could not record it: "
            f"{reason.strip().rstrip('.')}. The factor has it: do not send it again. Its "
            f"sends (batch sends {batch}) will not list this one.")


class SendCancelled(FactorDeskError):
    """The clerk cancelled before anything was sent."""

    def __init__(self, batch: str):
        super().__init__(f"Sending batch {batch} was cancelled; nothing was sent.")


# ------------------------------------------------------------------ what to send


@dataclass
class SendPlan:
    """A send checked against the database, before anything is drawn or sent."""

    batch: str
    to: str
    eml: Path | None
    settings: MailSettings
    export: ExportPlan
    mail: BatchMail
    again: bool = False  # sent before, and the clerk said to send it again
    batch_id: int = 0  # the key of the lock its send takes (send_steps' ``claim``)

    @property
    def via(self) -> str:
        return "smtp" if self.eml is None else "eml"


def _record(row: BatchSend, batch: str) -> SendRecord:
    return SendRecord(batch=batch, via=row.via, to=row.to_address, message_id=row.message_id,
                      part=row.part, parts=row.parts, size_bytes=row.size_bytes,
                      sent_at=row.sent_at, sent_by=row.sent_by)


def batch_sends(work: Work, batch: str) -> list[SendRecord]:
    """Every message of the batch sent or written, oldest first."""
    b = find_batch(work, batch)
    rows = work.execute(select(BatchSend).where(BatchSend.batch_id == b.id)
                        .order_by(BatchSend.sent_at, BatchSend.id)).scalars()
    return [_record(r, b.label) for r in rows]


def plan_send(work: Work, batch: str, *, to: str | None, eml: Path | None,
              again: bool) -> SendPlan:
    """Check the send: the batch exists and was not reversed, it was not sent before
    (unless ``again``: AlreadySent), an address to send to, the mail server when sending."""
    b = find_batch(work, batch)
    if b.reversed_at is not None:
        raise InputRefused([f"Batch {b.label} was reversed on {b.reversed_at:%m/%d/%Y}; a "
                            "reversed batch is not sent to the factor."])
    earlier = batch_sends(work, b.label)
    if earlier and not again:
        raise AlreadySent(b.label, earlier)
    factor = b.factoring_company
    address = (to or "").strip() or (factor.email or "").strip()
    if not address:
        raise InputRefused([f"There is no address to send {b.label} to: {factor.name} has no "
                            "email address. Give one (--to ADDRESS) or set the factor's "
                            "email in its profile."])
    if not valid_address(address):
        raise InputRefused([Problem(f"{address} is not an email address "
                                    "(name@example.com)", column="to")])
    settings = read_settings(work)
    if eml is None and not settings.host:
        raise InputRefused(["The mail server is not set: give its host, port and security "
                            "in File → Settings (or `settings mail --host ...`), or write "
                            "the email as an .eml draft instead (--eml FILE)."])
    if eml is None and not settings.from_address:
        raise InputRefused(["The sender's address is not set: give it in File → Settings "
                            "(or `settings mail --from ADDRESS`)."])
    plan = plan_export(work, b.label)
    recalled = work.execute(
        select(Invoice.invoice_number, Invoice.recall_reason)
        .where(Invoice.batch_id == b.id, Invoice.recalled_at.is_not(None))
        .order_by(Invoice.position)).all()
    mail = BatchMail(batch=b.label, carrier=plan.schedule.carrier, factor=factor.name,
                     invoices=len(plan.schedule.rows), total=plan.schedule.total,
                     sender=current_user(work),
                     recalled=tuple((n, r or "") for n, r in recalled))
    return SendPlan(b.label, address, eml, settings, plan, mail, again=again, batch_id=b.id)


def send_subject(work: Work, batch: str) -> str:
    """The subject ``batch send`` gives the batch's email (one part), for the window to
    show before sending: the carrier as the batch froze it, as the message says it."""
    b = find_batch(work, batch)
    first = work.execute(select(Invoice.snapshot).where(Invoice.batch_id == b.id)
                         .order_by(Invoice.position).limit(1)).scalar_one_or_none()
    return subject(BatchMail(batch=b.label, carrier=batch_carrier(b, first)["legal_name"],
                             factor=b.factoring_company.name, invoices=0,
                             total=Decimal(0), sender=""))


def attachment_names(folder: Path) -> list[str]:
    """The files of a download that the email carries: the schedule of accounts (PDF and
    XLSX) and the whole batch in one PDF, named as the download names them."""
    return [f"Schedule_of_Accounts_{folder.name}.pdf",
            f"Schedule_of_Accounts_{folder.name}.xlsx", f"{folder.name}_packet.pdf"]


# ------------------------------------------------------------------ sending


Writer = Callable[[], AbstractContextManager[Work]]
Claim = Callable[[int], AbstractContextManager[bool]]
"""The lock on a batch's send (db/locks.py ``exclusive``): True when this send holds it."""


def _unclaimed(_batch_id: int) -> AbstractContextManager[bool]:
    return contextlib.nullcontext(True)


def send_steps(plan: SendPlan, read: Reader, write: Writer, *,
               password: str | None = None,
               should_stop: Callable[[], bool] | None = None,
               limit: int | None = None, timeout: float = 30.0,
               claim: Claim = _unclaimed) -> Iterator[Progress]:
    """Download the batch into a temporary folder, build the message(s) and send them (or
    write the drafts), then record each one in one transaction. The last step carries
    the SendResult. ``limit``: the size of a message in bytes (default: the setting).
    ``claim``: the lock held from the last check that the batch was not sent until its
    sends are recorded, so that two clerks sending it at once cannot both mail it."""
    stop = should_stop or (lambda: False)
    limit = limit or limit_bytes(plan.settings.size_limit_mb)
    settings = plan.settings
    if plan.eml is None and settings.user and password is None:
        raise InputRefused([f"No mail password is kept for {settings.user} at "
                            f"{settings.host}: enter it in File → Settings (or `settings "
                            "mail --password-prompt`); nothing was sent."])
    with tempfile.TemporaryDirectory(prefix="factor-desk-send-") as tmp:
        done: ExportResult | None = None
        try:
            for step in export_batch(plan.export, tmp, read, should_stop=stop):
                done = step.result if isinstance(step.result, ExportResult) else done
                yield Progress(step.done, step.total + 2, step.message)
        except ExportCancelled:
            raise SendCancelled(plan.batch) from None
        assert done is not None
        total = len(plan.export.invoices) + 4
        files = [Attachment(name, (done.folder / name).read_bytes())
                 for name in attachment_names(done.folder)]
    packed = pack(files, limit)
    messages = [build(plan.mail, part, to=plan.to, from_address=plan.settings.from_address,
                      part=i, parts=len(packed), draft=plan.eml is not None)
                for i, part in enumerate(packed, start=1)]
    if stop():
        raise SendCancelled(plan.batch)
    sent: list[tuple[EmailMessage, int]] = []
    paths: list[Path] = []
    with claim(plan.batch_id) as mine:
        if not mine:
            raise InputRefused([
                f"Batch {plan.batch} is being emailed right now by another clerk (or from "
                "another window); nothing was sent. Its sends will list it once it went; "
                "if that send fails, send it again then."])
        _unchanged_since_planned(plan, read)
        if plan.eml is not None:
            yield Progress(total - 1, total, f"Writing the email of {plan.batch}")
            paths = write_drafts(plan.eml, messages)
            sent = [(m, len(message_bytes(m))) for m in messages]
        else:
            yield Progress(total - 1, total, f"Sending {plan.batch} to {plan.to}")
            failure = smtp_send(plan.settings, plan.to, messages, sent,
                                password, timeout)
            if failure is not None:
                if sent:
                    _store_what_went(write, plan, sent, len(messages))
                raise failure
        records = _store_what_went(write, plan, sent, len(messages))
    result = SendResult(batch=plan.batch, to=plan.to, via=plan.via, records=records,
                        files=[f.name for f in files], eml_paths=paths,
                        warnings=[w for w in (plan.mail.recalled_note(),) if w])
    what = (f"written to {', '.join(str(p) for p in paths)}" if paths
            else f"sent to {plan.to}")
    yield Progress(total, total, f"Batch {plan.batch} {what}", result)


def _unchanged_since_planned(plan: SendPlan, read: Reader) -> None:
    """Just before it goes: refused as ``plan_send`` refuses when, while the download was
    drawn, another Desk sent the batch (unless ``again``) or reversed it."""
    with read() as work:
        earlier = [] if plan.again else batch_sends(work, plan.batch)
        reversed_at = find_batch(work, plan.batch).reversed_at
    if earlier:
        raise AlreadySent(plan.batch, earlier)
    if reversed_at is not None:
        raise InputRefused([f"Batch {plan.batch} was reversed while its email was being "
                            "made; a reversed batch is not sent to the factor, and nothing "
                            "was sent."])


def _store_what_went(write: Writer, plan: SendPlan, sent: list[tuple[EmailMessage, int]],
                     parts: int) -> list[SendRecord]:
    """``_store`` once messages went: a failure to record them says they went."""
    try:
        return _store(write, plan, sent, parts)
    except Exception as exc:
        if plan.eml is not None:  # drafts: nothing went anywhere yet
            raise
        reason = exc.notice if isinstance(exc, DatabaseFileReplaced) else str(exc)
        raise SentNotRecorded(plan.batch, plan.to, len(sent), parts, reason) from exc


def _store(write: Writer, plan: SendPlan, sent: list[tuple[EmailMessage, int]],
           parts: int) -> list[SendRecord]:
    """One BatchSend row per message that went, in one transaction."""
    now = utcnow()
    with write() as work:
        who = current_user(work)
        b = find_batch(work, plan.batch)
        rows = [BatchSend(batch_id=b.id, via=plan.via, to_address=plan.to,
                          message_id=str(msg["Message-ID"]), part=i,
                          parts=parts, size_bytes=size,
                          sent_at=now, sent_by=who)
                for i, (msg, size) in enumerate(sent, start=1)]
        work.add_all(rows)
        work.flush()
        return [_record(r, b.label) for r in rows]


def draft_paths(eml: Path, count: int) -> list[Path]:
    """NAME.eml, then NAME-part2.eml, NAME-part3.eml... for the further parts."""
    eml = eml.expanduser()
    if eml.suffix.lower() != ".eml":
        eml = eml.with_name(eml.name + ".eml")
    return [eml] + [eml.with_name(f"{eml.stem}-part{i}{eml.suffix}")
                    for i in range(2, count + 1)]


def write_drafts(eml: Path, messages: list[EmailMessage]) -> list[Path]:
    """Each message as an .eml draft; refused, writing none, when one of the files exists
    already; a failure half way removes the drafts already written."""
    paths = draft_paths(eml, len(messages))
    there = [p for p in paths if p.exists()]
    if there:
        raise InputRefused([Problem("already exists; choose another name (or remove it)",
                                    file=str(p)) for p in there])
    written: list[Path] = []
    try:
        for path, msg in zip(paths, messages, strict=True):
            written.append(write_new_file(path, message_bytes(msg)))
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


def smtp_send(settings: MailSettings, to: str, messages: list[EmailMessage],
              sent: list[tuple[EmailMessage, int]], password: str | None,
              timeout: float) -> InputRefused | None:
    """Send the messages over one connection, appending each one that went to ``sent``;
    the refusal in the clerk's words when one did not go (None when all went)."""
    import smtplib  # here: ssl and smtplib cost the program's start ~20 ms
    import ssl

    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    step = "connecting to"
    try:
        server: smtplib.SMTP
        if settings.security == MailSecurity.SSL:
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with server:
            if settings.security == MailSecurity.STARTTLS:
                step = "starting a secure connection (STARTTLS) with"
                server.starttls(context=context)
            if settings.user:
                step = f"logging in as {settings.user} to"
                server.login(settings.user, password or "")
            for msg in messages:
                step = f"sending {msg['Subject']} through"
                server.send_message(msg, from_addr=settings.from_address, to_addrs=[to])
                sent.append((msg, len(message_bytes(msg))))
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        if len(sent) == len(messages):  # every one taken; only the goodbye (QUIT) failed
            return None
        return _smtp_refusal(exc, step, where, to, sent, len(messages))
    return None


def _smtp_refusal(exc: Exception, step: str, where: str, to: str,
                  sent: list[tuple[EmailMessage, int]], parts: int) -> InputRefused:
    import smtplib
    import ssl

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reason = f"the server refused the address {to} ({_reply(exc.recipients.get(to))})"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        reason = ("the server refused the user name or password "
                  f"({_reply((exc.smtp_code, exc.smtp_error))})")
    elif isinstance(exc, smtplib.SMTPResponseException):
        reason = f"the server answered {_reply((exc.smtp_code, exc.smtp_error))}"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "the connection was refused (no mail server listens there)"
    elif isinstance(exc, TimeoutError | socket.timeout):
        reason = "the server did not answer in time"
    elif isinstance(exc, socket.gaierror):
        reason = "no server of that name was found"
    elif isinstance(exc, ssl.SSLError):
        reason = f"the secure connection failed ({exc.reason or exc})"
    else:
        reason = str(exc) or type(exc).__name__
    if sent:
        went = ", ".join(str(i) for i in range(1, len(sent) + 1))
        outcome = (f"Part(s) {went} of {parts} went and are recorded; the others did not. "
                   "Send the batch again (--again) when the server takes it.")
    else:
        outcome = "Nothing was sent. Check the mail settings (File → Settings)."
    reason = reason.strip().rstrip(".")
    return InputRefused([f"Failed {step} the mail server {where}: {reason}. {outcome}"])


def _reply(answer: tuple[int, bytes | str] | None) -> str:
    if answer is None:
        return "no reason given"
    code, text = answer
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {text}".strip()

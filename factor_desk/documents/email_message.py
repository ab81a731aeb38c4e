"""The email that carries a batch to its factor (issue #14): subject, a short plain-text
body, the download's files attached byte for byte. A batch too big for one message is
packed into numbered parts, each file whole in one part; a file too big for any message is
refused. Pure: no database, no network."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.money import format_money

MIME_TYPES = {
    ".pdf": ("application", "pdf"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".csv": ("text", "csv"),
    ".zip": ("application", "zip"),
}
# Headers, body and MIME boundaries of a message, beyond its attachments (generous).
MESSAGE_ROOM = 4096
# Each attachment's part headers and boundary, beyond its base64 lines.
PART_ROOM = 512


@dataclass(frozen=True)
class Attachment:
    """One file of the download, attached under its own name."""

    name: str
    data: bytes

    @property
    def mime(self) -> tuple[str, str]:
        return MIME_TYPES.get(Path(self.name).suffix.lower(), ("application", "octet-stream"))

    @property
    def encoded_size(self) -> int:
        """Its size in the message: base64 (4 characters per 3 bytes) in lines of 76
        characters and a line break, plus its part's headers."""
        chars = 4 * -(-len(self.data) // 3)
        return chars + 2 * -(-chars // 76) + PART_ROOM


@dataclass(frozen=True)
class BatchMail:
    """What the message says about the batch."""

    batch: str
    carrier: str
    factor: str
    invoices: int
    total: Decimal
    sender: str
    # Invoices the carrier recalled after submitting the batch (invoice number, reason):
    # the download carries them as submitted, so the message tells the factor.
    recalled: tuple[tuple[str, str], ...] = ()

    def recalled_note(self) -> str:
        """What the message says of the recalled invoices ("" when none)."""
        if not self.recalled:
            return ""
        listed = "; ".join(f"{number} ({reason})" if reason else number
                           for number, reason in self.recalled)
        one = len(self.recalled) == 1
        return (f"Please do not purchase {'invoice' if one else 'invoices'} {listed}: "
                f"we recalled {'it' if one else 'them'} after submitting this batch, and "
                f"{'it is' if one else 'they are'} still on the attached schedule as "
                "submitted.")


def subject(mail: BatchMail, part: int = 1, parts: int = 1) -> str:
    text = f"Schedule of Accounts {mail.batch} — {mail.carrier}"
    return f"{text} (part {part} of {parts})" if parts > 1 else text


def body(mail: BatchMail, files: list[str], part: int = 1, parts: int = 1) -> str:
    invoices = f"{mail.invoices} invoice{'s' if mail.invoices != 1 else ''}"
    lines = [
        "Hello,",
        "",
        f"Please find the schedule of accounts of batch {mail.batch} for {mail.carrier}: "
        f"{invoices}, {format_money(mail.total)}.",
        "The schedule and the invoices are attached:",
        *(f"  - {name}" for name in files),
    ]
    if mail.recalled:
        lines += ["", mail.recalled_note()]
    if parts > 1:
        lines += ["", f"This is part {part} of {parts}: the batch is too big for one "
                      f"message, so its files come in {parts} messages."]
    lines += ["", "Regards,", mail.sender, mail.carrier, ""]
    return "\n".join(lines)


def limit_bytes(size_limit_mb: int) -> int:
    return size_limit_mb * 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def pack(files: list[Attachment], limit: int) -> list[list[Attachment]]:
    """The files in as few messages of at most ``limit`` bytes (encoded) as first fit
    allows, in their order within each message; one message when all fit. Refused, naming
    the file, its size and the limit, when a file is too big for a message of its own."""
    too_big = [f for f in files if MESSAGE_ROOM + f.encoded_size > limit]
    if too_big:
        raise InputRefused([Problem(
            f"{f.name} is {_megabytes(len(f.data))} ({_megabytes(f.encoded_size)} in an "
            f"email), more than the mail size limit of {_megabytes(limit)} by itself; "
            "nothing was sent. Raise the limit in the mail settings if the factor's mail "
            "server takes bigger messages, or send the download another way.",
            file=f.name) for f in too_big],
            summary="A file is too big for one email; nothing was sent.")
    messages: list[list[Attachment]] = []
    room: list[int] = []
    # First fit, biggest first: few parts, each file whole in one.
    for f in sorted(files, key=lambda f: -f.encoded_size):
        for i, left in enumerate(room):
            if f.encoded_size <= left:
                messages[i].append(f)
                room[i] -= f.encoded_size
                break
        else:
            messages.append([f])
            room.append(limit - MESSAGE_ROOM - f.encoded_size)
    order = {f.name: i for i, f in enumerate(files)}
    for m in messages:
        m.sort(key=lambda f: order[f.name])
    messages.sort(key=lambda m: order[m[0].name])
    return messages


def build(mail: BatchMail, files: list[Attachment], *, to: str, from_address: str,
          part: int = 1, parts: int = 1, draft: bool = False,
          when: dt.datetime | None = None) -> EmailMessage:
    """One message of the batch: To, From (when known), Subject, Date, Message-ID, the body
    and ``files`` attached. A ``draft`` is marked X-Unsent so Outlook and Apple Mail open
    it ready to send."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["To"] = to
    if from_address:
        msg["From"] = from_address
    msg["Subject"] = subject(mail, part, parts)
    msg["Date"] = email.utils.format_datetime(when or dt.datetime.now(dt.UTC))
    # A domain of our own: without one, make_msgid asks the network for this machine's name.
    domain = from_address.rpartition("@")[2].strip("> ") or "factor-desk.local"
    msg["Message-ID"] = email.utils.make_msgid("factor-desk", domain=domain)
    if draft:
        msg["X-Unsent"] = "1"
    msg.set_content(body(mail, [f.name for f in files], part, parts))
    for f in files:
        maintype, subtype = f.mime
        msg.add_attachment(f.data, maintype=maintype, subtype=subtype, filename=f.name)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes over the wire (CRLF line ends), the size that counts."""
    return msg.as_bytes(policy=email.policy.SMTP)

"""Sending a batch to its factor by email (issue #14): over SMTP with the settings under
"mail." in the settings table and the password in the operating system's keychain, or as
.eml drafts the clerk's mail program opens. Every message sent or written is recorded as a
BatchSend row, all in one transaction after the sending succeeded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from factor_desk.domain.errors import InputRefused, Problem


class MailSecurity(StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


@dataclass(frozen=True)
class MailSettings:
    """How to reach the mail server; the password is in the keychain (``has_password``)."""

    host: str
    port: int
    security: MailSecurity
    user: str
    from_address: str
    size_limit_mb: int = 20
    has_password: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "security": self.security.value,
                "user": self.user, "from_address": self.from_address,
                "size_limit_mb": self.size_limit_mb, "has_password": self.has_password}


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

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "to": self.to, "via": self.via,
                "records": [r.to_dict() for r in self.records], "files": self.files,
                "eml_paths": [str(p) for p in self.eml_paths]}


class AlreadySent(InputRefused):
    """The batch was emailed before and ``again`` was not given; ``records``: those sends."""

    def __init__(self, batch: str, records: list[SendRecord]):
        self.records = records
        last = records[-1]
        how = "emailed" if last.via == "smtp" else "written as an email draft"
        super().__init__([Problem(
            f"{batch} was {how} to {last.to} on {last.sent_at:%m/%d/%Y} by {last.sent_by}; "
            "send it again with --again")])

"""Stand-ins for the world outside mail sending: a keychain in memory (the OS keychain is
not touched by tests) and a local SMTP server (aiosmtpd) that keeps what arrives."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError


class MemoryKeyring(KeyringBackend):
    """A keychain that lives as long as the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


class NoKeyring(KeyringBackend):
    """A computer without a usable keychain: every use fails as keyring's own 'fail'
    backend does."""

    priority = 0  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("No recommended backend was available.")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("No recommended backend was available.")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("No recommended backend was available.")


@contextlib.contextmanager
def using_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """``backend`` as the keychain for the block; the one before is put back after."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


@dataclass
class Inbox:
    """What the local server received: each message with its envelope."""

    host: str
    port: int
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def smtp_server() -> Iterator[Inbox]:
    """A plain SMTP server on 127.0.0.1 that accepts any login (over plain text: it is a
    test) and keeps every message."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox("127.0.0.1", _free_port())

    def authenticator(server, session, envelope, mechanism, auth_data):
        inbox.logins.append(auth_data.login.decode() if auth_data.login else "")
        return AuthResult(success=True)

    controller = Controller(inbox, hostname=inbox.host, port=inbox.port,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def attachments(message: EmailMessage) -> dict[str, bytes]:
    """The message's attached files by name, as bytes."""
    return {part.get_filename(): part.get_payload(decode=True)
            for part in message.iter_attachments()}

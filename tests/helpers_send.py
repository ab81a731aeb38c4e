"""Helpers of the send tests (issue #14): a mail server on this machine that keeps what
arrives (aiosmtpd), and a keychain in memory in place of the operating system's."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage

import keyring
import keyring.backend
import keyring.errors
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "billing", "s3cret pass"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keychain that keeps passwords in a dict, for tests only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        if self.kept.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@pytest.fixture
def memory_keyring():
    """The keychain in memory for the test; the one before comes back after."""
    before = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    yield kept
    keyring.set_keyring(before)


@pytest.fixture
def no_keychain():
    """A computer without a usable keychain (keyring's fail backend)."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@dataclass
class Mailbox:
    """What the server received, and the addresses it refuses."""

    envelopes: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    take: int | None = None  # refuse every message after this many

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.take is not None and len(self.envelopes) >= self.take:
            return "552 5.3.4 Message size exceeds fixed maximum message size"
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default)
                for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_login(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@dataclass
class MailServer:
    host: str
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp_server():
    """A mail server on 127.0.0.1 at a free port, taking a login (USER, PASSWORD) without
    TLS; ``.mailbox`` holds what arrived."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=_check_login, auth_require_tls=False,
                            auth_exclude_mechanism=["LOGIN"], data_size_limit=0)
    controller.start()
    yield MailServer("127.0.0.1", controller.port, mailbox)
    controller.stop()


def attachments(msg: EmailMessage) -> dict[str, bytes]:
    """Each attachment of the message by its file name."""
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}

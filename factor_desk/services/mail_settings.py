"""The mail settings (issue #14): host, port, security, user, sender and size limit under
"mail." in the settings table; the password in the operating system's keychain (keyring),
service "Factor Desk mail", user name "USER@HOST", never in the database or a file."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select

from factor_desk.db.models import Setting
from factor_desk.db.work import Work
from factor_desk.domain.errors import InputRefused, Problem
from factor_desk.domain.text import is_email_address


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



KEYRING_SERVICE = "Factor Desk mail"
PREFIX = "mail."
KEYS = ("host", "port", "security", "user", "from", "size_limit_mb")
DEFAULT_PORTS = {MailSecurity.SSL: 465, MailSecurity.STARTTLS: 587, MailSecurity.NONE: 25}
NO_KEYCHAIN = ("This computer has no keychain Factor Desk can use to keep the mail password; "
               "install or unlock one (Windows Credential Manager, macOS Keychain, or on "
               "Linux a Secret Service such as GNOME Keyring or KWallet), or use a mail "
               "server that needs no login (a local relay), or write the email as an .eml "
               "draft instead.")


def valid_address(address: str) -> bool:
    return is_email_address(address)


def keychain_user(user: str, host: str) -> str:
    return f"{user}@{host}"


# keyring is imported when a password is needed: it costs ~80 ms that starting the
# program (which imports the Desk) should not pay.


def _keychain_refusal(exc: Exception) -> InputRefused:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return InputRefused([NO_KEYCHAIN])
    return InputRefused([f"The keychain refused the mail password ({exc}). {NO_KEYCHAIN}"])


def password(user: str, host: str) -> str | None:
    """The password kept in the keychain for ``user`` at ``host``; None when none is kept.
    A computer without a usable keychain is refused in the clerk's words."""
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(KEYRING_SERVICE, keychain_user(user, host))
    except keyring.errors.KeyringError as exc:
        raise _keychain_refusal(exc) from exc


def _has_password(user: str, host: str) -> bool:
    if not user or not host:
        return False
    try:
        return password(user, host) is not None
    except InputRefused:
        return False


def read_settings(work: Work) -> MailSettings:
    stored = dict(work.execute(
        select(Setting.key, Setting.value).where(Setting.key.startswith(PREFIX))).all())
    value = {k: (stored.get(PREFIX + k) or "").strip() for k in KEYS}
    try:
        security = MailSecurity(value["security"] or MailSecurity.STARTTLS)
    except ValueError:
        security = MailSecurity.STARTTLS
    port = int(value["port"]) if value["port"].isdigit() else DEFAULT_PORTS[security]
    limit = int(value["size_limit_mb"]) if value["size_limit_mb"].isdigit() else 20
    return MailSettings(host=value["host"], port=port, security=security, user=value["user"],
                        from_address=value["from"], size_limit_mb=limit or 20,
                        has_password=_has_password(value["user"], value["host"]))


def _checked(host: str, port: int, security: MailSecurity | str, user: str,
             from_address: str, size_limit_mb: int) -> dict[str, str]:
    problems: list[Problem] = []
    host, user, from_address = host.strip(), user.strip(), from_address.strip()
    if any(c.isspace() for c in host) or "/" in host:
        problems.append(Problem("the mail server's name cannot hold spaces or slashes, "
                                "e.g. smtp.example.com", column="host"))
    if not 1 <= port <= 65535:
        problems.append(Problem(f"the port is a number from 1 to 65535, not {port}",
                                column="port"))
    try:
        security = MailSecurity(str(security).strip().lower())
    except ValueError:
        problems.append(Problem(f"the security is ssl, starttls or none, not {security}",
                                column="security"))
        security = MailSecurity.STARTTLS
    if from_address and not valid_address(from_address):
        problems.append(Problem(f"{from_address} is not an email address (name@example.com)",
                                column="from"))
    if not 1 <= size_limit_mb <= 1000:
        problems.append(Problem(f"the size limit is 1 to 1000 MB, not {size_limit_mb}",
                                column="size_limit_mb"))
    if problems:
        raise InputRefused(problems)
    return {"host": host, "port": str(port), "security": security.value, "user": user,
            "from": from_address, "size_limit_mb": str(size_limit_mb)}


def save_settings(work: Work, *, host: str, port: int, security: MailSecurity | str,
                  user: str, from_address: str, size_limit_mb: int = 20,
                  new_password: str | None = None) -> MailSettings:
    """Keep the settings (refused, every reason, when one does not hold). ``new_password``:
    None leaves the keychain as it is, "" removes the password, else it is kept. The
    keychain is written last, inside the transaction: refused, nothing is kept."""
    values = _checked(host, port, security, user, from_address, size_limit_mb)
    if new_password and not (values["user"] and values["host"]):
        raise InputRefused([Problem("a password needs the mail server and the user it "
                                    "belongs to", column="user")])
    for key, value in values.items():
        work.execute(delete(Setting).where(Setting.key == PREFIX + key))
        if value:
            work.add(Setting(key=PREFIX + key, value=value))
    work.flush()
    keep_password(values["user"], values["host"], new_password)
    return read_settings(work)


def keep_password(user: str, host: str, new_password: str | None) -> None:
    """This computer's keychain: ``new_password`` kept for ``user`` at ``host``; "" removes
    it, None leaves it. The database is not written: a clerk who sends batches keeps the
    password on their own computer (the settings themselves are the admin's)."""
    if new_password and not (user and host):
        raise InputRefused([Problem("a password needs the mail server and the user it "
                                    "belongs to (the mail settings name none yet)",
                                    column="user")])
    import keyring
    import keyring.errors

    who = keychain_user(user, host)
    try:
        if new_password:
            keyring.set_password(KEYRING_SERVICE, who, new_password)
        elif new_password == "" and user:
            # None kept (or no keychain at all): nothing to remove.
            with contextlib.suppress(keyring.errors.PasswordDeleteError,
                                     keyring.errors.NoKeyringError):
                keyring.delete_password(KEYRING_SERVICE, who)
    except keyring.errors.KeyringError as exc:
        raise _keychain_refusal(exc) from exc

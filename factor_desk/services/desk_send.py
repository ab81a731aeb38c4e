"""The Desk's door to Sending a batch to its factor by email (issue #14): SMTP or an .eml
draft, the settings, the record of what was sent. ``Desk`` (services/desk.py) inherits it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from factor_desk.services import mail_settings
from factor_desk.services.common import Progress
from factor_desk.services.mail_settings import MailSecurity, MailSettings

# services.sending is imported where it is used: it brings the download (reportlab, pypdf),
# which a command such as ``loads list`` should not wait for at every start.
if TYPE_CHECKING:
    from factor_desk.db.database import Database
    from factor_desk.services.sending import SendRecord


class SendDoor:
    """Issue #14, through the Desk's database (owned by one helper; see BRIEF)."""

    db: Database

    def mail_settings(self) -> MailSettings:
        """How to reach the mail server (the settings table; the password's presence from
        the keychain)."""
        with self.db.read() as work:
            return mail_settings.read_settings(work)

    def save_mail_settings(self, *, host: str, port: int, security: MailSecurity | str,
                           user: str, from_address: str, size_limit_mb: int = 20,
                           password: str | None = None) -> MailSettings:
        """Keep the mail settings, all or nothing; ``password`` None leaves the keychain as
        it is, "" removes it, anything else is kept in the keychain (never the database).
        Refused, keeping nothing, when a value does not hold or the keychain refuses."""
        with self.db.write() as work:
            return mail_settings.save_settings(
                work, host=host, port=port, security=security, user=user,
                from_address=from_address, size_limit_mb=size_limit_mb,
                new_password=password)

    def keep_mail_password(self, password: str) -> MailSettings:
        """Keep (or, "", remove) the password of the mail settings' user in this computer's
        keychain, changing nothing in the database: each clerk who sends batches keeps it on
        their own computer, while the settings are the admin's (NEEDS: Billing)."""
        settings = self.mail_settings()
        mail_settings.keep_password(settings.user, settings.host, password)
        return self.mail_settings()

    def batch_sends(self, batch: str) -> list[SendRecord]:
        """Every email of the batch sent or written, oldest first."""
        from factor_desk.services import sending

        with self.db.read() as work:
            return sending.batch_sends(work, batch)

    def send_subject(self, batch: str) -> str:
        """The subject the batch's email will have (the window shows it before sending)."""
        from factor_desk.services import sending

        with self.db.read() as work:
            return sending.send_subject(work, batch)

    def send_batch(self, batch: str, *, to: str | None = None, eml: Path | None = None,
                   again: bool = False, should_stop: Callable[[], bool] | None = None
                   ) -> Iterator[Progress]:
        """Email the batch's schedule (PDF, XLSX) and packet to ``to`` (None: the factor's
        email) over SMTP, or write it as .eml draft(s) to ``eml``: the files are the
        download's, byte for byte. The last Progress carries the SendResult. Refused
        (AlreadySent) when sent before unless ``again``; a reversed batch is refused.
        Each message that went is recorded after it went; nothing else is."""
        from factor_desk.db.locks import exclusive
        from factor_desk.services import sending

        with self.db.read() as work:
            plan = sending.plan_send(work, batch, to=to, eml=eml, again=again)
        settings = plan.settings
        # Asked before the download is drawn: no keychain is refused at once.
        password = (mail_settings.password(settings.user, settings.host)
                    if eml is None and settings.user else None)
        yield from sending.send_steps(plan, self.db.read, self.db.write, password=password,
                                      should_stop=should_stop,
                                      claim=lambda key: exclusive(self.db, "send", key))

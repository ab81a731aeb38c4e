"""Email to factor…: the selected batch's schedule and packet to the factor, either as a
draft the clerk's mail program opens (an .eml file) or sent now over SMTP with the settings
of File → Settings. The dialog shows the address (the factor's, from its profile), the
subject, what will be attached and the batch's earlier emails; sending again is asked
first. The work runs on the job runner with a progress dialog and Cancel."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.errors import FactorDeskError, InputRefused
from factor_desk.gui.common import Asker, primary_button, when_text
from factor_desk.gui.jobs import Job, JobRunner
from factor_desk.gui.preview_dialog import plural
from factor_desk.gui.settings_dialog import SettingsDialog, grow_to_fit
from factor_desk.gui.tones import tone_style
from factor_desk.services.desk import Desk
from factor_desk.services.sending import (
    AlreadySent,
    MailSettings,
    SendCancelled,
    SendRecord,
    SendResult,
    attachment_names,
)

if TYPE_CHECKING:
    from factor_desk.gui.page import Page

NO_MAIL = "Set up mail in File → Settings to send from Factor Desk."
NO_ADDRESS = "Type the address to send to."


@dataclass(frozen=True)
class SendInfo:
    """What the dialog shows, read on the worker before it opens."""

    batch: str
    factor: str
    subject: str  # as the service will write it
    factor_email: str
    sends: list[SendRecord]
    settings: MailSettings


def gather(desk: Desk, batch: str) -> SendInfo:
    """The batch's factor and carrier, the factor's address, the earlier sends, the mail
    settings (quick reads; run on the worker all the same)."""
    found = desk.show_batch(batch)  # refused (NotFound) when there is none
    email = desk.factor_profile(found.factoring_company).email
    return SendInfo(batch, found.factoring_company, desk.send_subject(batch), email.strip(),
                    desk.batch_sends(batch), desk.mail_settings())


def attachment_text(batch: str) -> str:
    """The files the email will carry, named as the download names them; their sizes are
    known once they are made, when sending."""
    names = "\n".join(f"• {name}" for name in attachment_names(Path(batch)))
    return f"{names}\n(made when you send, from what the batch froze at submission)"


def send_line(record: SendRecord) -> str:
    how = "Emailed" if record.via == "smtp" else "Draft written"
    part = f" (part {record.part} of {record.parts})" if record.parts > 1 else ""
    return f"{how} to {record.to} on {when_text(record.sent_at)} by {record.sent_by}{part}"


def sent_text(result: SendResult) -> str:
    """"Sent to x@y (message id <...>)": what the clerk may quote to the factor."""
    ids = ", ".join(r.message_id for r in result.records if r.message_id)
    parts = f" in {len(result.records)} parts" if len(result.records) > 1 else ""
    label = "message ids" if len(result.records) > 1 else "message id"
    sent = f"Sent to {result.to}{parts} ({label} {ids})" if ids else f"Sent to {result.to}"
    return sent + "".join(f". {w.rstrip('.')}" for w in result.warnings)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class SendDialog(QDialog):
    """Email to factor… for one batch."""

    def __init__(self, desk: Desk, runner: JobRunner, asker: Asker, info: SendInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.runner, self.asker, self.info = desk, runner, asker, info
        self.settings = info.settings
        self.sends = list(info.sends)
        self.progress: QProgressDialog | None = None
        self.last_result: SendResult | None = None  # the last send or draft that went through
        self.setWindowTitle(f"Email batch {info.batch} to {info.factor}")
        self.setObjectName("sendDialog")

        self.to = QLineEdit(info.factor_email)
        self.to.setObjectName("sendTo")
        self.to.setPlaceholderText("the factor's address, e.g. schedules@factor.com")
        self.to.textChanged.connect(self._update)
        self.to_note = QLabel()
        self.to_note.setObjectName("toNote")
        self.to_note.setWordWrap(True)
        if not info.factor_email:
            self.to_note.setText(f"{info.factor} has no email address in its profile: type "
                                 "the address to send to.")
        self.to_note.setStyleSheet(tone_style(self, "caution"))
        self.subject = QLabel(info.subject)
        self.subject.setObjectName("sendSubject")
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files = QLabel(attachment_text(info.batch))
        self.files.setObjectName("sendFiles")
        self.files.setWordWrap(True)
        self.earlier = QLabel()
        self.earlier.setObjectName("earlierSends")
        self.earlier.setWordWrap(True)

        self.form = form = QFormLayout()
        form.addRow("To:", self.to)
        form.addRow("", self.to_note)
        form.addRow("Subject:", self.subject)
        form.addRow("Attached:", self.files)
        self.earlier_label = QLabel("Sent before:")
        form.addRow(self.earlier_label, self.earlier)

        self.outcome = QLabel()
        self.outcome.setObjectName("sendOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.hide()
        self.reason = QLabel()
        self.reason.setObjectName("sendReason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(tone_style(self, "note"))

        self.settings_button = QPushButton("Mail settings…")
        self.settings_button.setObjectName("mailSettings")
        self.settings_button.clicked.connect(self.open_settings)
        self.draft_button = QPushButton("Open in mail program")
        self.draft_button.setObjectName("openDraft")
        self.draft_button.setToolTip("Write the email as a draft (.eml) and open it in this "
                                     "computer's mail program, to check and send from there")
        self.draft_button.clicked.connect(lambda: self.open_draft())
        self.send_button = primary_button("Send now")
        self.send_button.setObjectName("sendNow")
        self.send_button.clicked.connect(lambda: self.send_now())
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.settings_button)
        buttons.addStretch(1)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)

        self.column = layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        layout.addSpacing(6)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        # a width for the fields, not the dialog: so the dialog grows with what it shows
        self.to.setMinimumWidth(440)
        self._show_sends()
        self._update()

    # ------------------------------------------------------------------ state

    def address(self) -> str:
        return self.to.text().strip()

    def _update(self) -> None:
        """Send now only with a mail server and an address; the reason shown when not."""
        reasons = []
        if not self.settings.host:
            reasons.append(NO_MAIL)
        if not self.address() and self.info.factor_email:  # else the note above says it
            reasons.append(NO_ADDRESS)
        # the factor has no address: said until one is typed
        self.form.setRowVisible(self.to_note, not self.info.factor_email and not self.address())
        busy = self.progress is not None
        self.send_button.setEnabled(not reasons and bool(self.address()) and not busy)
        self.draft_button.setEnabled(bool(self.address()) and not busy)
        self.reason.setText(" ".join(reasons))
        self.reason.setVisible(bool(reasons))

    def _show_sends(self) -> None:
        self.earlier.setText("\n".join(send_line(r) for r in self.sends))
        self.earlier.setVisible(bool(self.sends))
        self.earlier_label.setVisible(bool(self.sends))
        grow_to_fit(self, self.column)

    def _say(self, text: str, *, error: bool = False, plain: bool = False) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(
            "" if plain else tone_style(self, "error" if error else "done"))
        self.outcome.show()
        grow_to_fit(self, self.column)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.desk, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def saved() -> None:
            if dialog.saved is not None:
                self.settings = dialog.saved
                self._update()

        dialog.accepted.connect(saved)
        dialog.open()

    def reject(self) -> None:
        if self.progress is None:  # while sending, Cancel in the progress dialog stops it
            super().reject()

    # ------------------------------------------------------------------ actions

    def _again(self, draft: bool) -> bool | None:
        """``again`` for the service: False when never sent, True when the clerk agreed to
        send again, None when they did not."""
        if not self.sends:
            return False
        earlier = send_line(self.sends[-1])
        if len(self.sends) > 1:
            earlier += f" ({plural(len(self.sends) - 1, 'earlier email')} before that)"
        question = "Write a new draft to send it again?" if draft else "Send it again?"
        if self.asker.confirm("Send again?", f"Batch {self.info.batch} was sent before: "
                              f"{earlier}.\n\n{question}",
                              "Write draft" if draft else "Send again"):
            return True
        return None

    def send_now(self, again: bool | None = None) -> None:
        """Send over SMTP; ``again`` None: asked when the batch was sent before."""
        if again is None and (again := self._again(draft=False)) is None:
            return
        to = self.address()
        self._start(f"Emailing batch {self.info.batch}", f"Emailing {self.info.batch} to {to}…",
                    partial(self.desk.send_batch, self.info.batch, to=to, again=again),
                    self._sent, draft=False)

    def open_draft(self, again: bool | None = None) -> None:
        """Write the .eml draft and open it; ``again`` as for ``send_now``."""
        if again is None and (again := self._again(draft=True)) is None:
            return
        # A folder of its own per draft: the mail program may hold the last one open.
        folder = Path(tempfile.mkdtemp(prefix=f"factor-desk-{self.info.batch}-"))
        eml = folder / f"{self.info.batch}.eml"
        self._start(f"Writing the email of batch {self.info.batch}",
                    f"Writing the email of {self.info.batch}…",
                    partial(self.desk.send_batch, self.info.batch, to=self.address(), eml=eml,
                            again=again),
                    self._drafted, draft=True)

    def _start(self, title: str, label: str, fn, done, *, draft: bool) -> None:
        self.outcome.hide()
        self.progress = QProgressDialog(label, "Cancel", 0, 0, self)
        self.progress.setWindowTitle(title)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.runner.cancel)
        self._update()

        def progress(step: int, total: int, message: str) -> None:
            if self.progress is not None:
                self.progress.setMaximum(total)
                self.progress.setValue(step)
                self.progress.setLabelText(message)

        def finished(result) -> None:
            self._close_progress()
            if result is None:  # stopped by Cancel between two steps
                self._say("Cancelled.", plain=True)
                self._reload_sends()
            else:
                done(result)

        def failed(exc: BaseException) -> None:
            self._close_progress()
            if isinstance(exc, AlreadySent):  # sent meanwhile (another clerk, the CLI)
                self.sends = list(exc.records)
                self._show_sends()
                if self._again(draft):
                    (self.open_draft if draft else self.send_now)(again=True)
                return
            if isinstance(exc, SendCancelled):
                self._say(str(exc), plain=True)
            elif isinstance(exc, InputRefused):  # the summary; each reason when several
                reasons = [str(p) for p in exc.problems] if len(exc.problems) > 1 else []
                self._say("\n".join([exc.summary, *reasons]), error=True)
            elif isinstance(exc, FactorDeskError):
                self._say(str(exc), error=True)
            else:
                self.asker.problem(exc)
            self._reload_sends()

        if not self.runner.start(Job(title, fn, done=finished, error=failed,
                                     progress=progress)):
            self._close_progress()
            self.asker.info("Factor Desk", f"Please wait: {self.runner.current_title} is "
                                           "still running.")

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None
        self._update()

    def _reload_sends(self) -> None:
        self.runner.start(Job("Reading the batch's emails",
                              partial(self.desk.batch_sends, self.info.batch),
                              done=self._sends_read, user=False))

    def _sends_read(self, sends: list[SendRecord]) -> None:
        self.sends = list(sends)
        self._show_sends()

    def _show_result(self, result: SendResult) -> None:
        self.last_result = result
        self.sends.extend(result.records)
        self._show_sends()
        size = sum(r.size_bytes for r in result.records)
        names = "\n".join(f"• {name}" for name in result.files)
        self.files.setText(f"{names}\n{size_text(size)} in all" if size else names)

    def _sent(self, result: SendResult) -> None:
        self._show_result(result)
        self._say(sent_text(result) + ".")

    def _drafted(self, result: SendResult) -> None:
        self._show_result(result)
        opened = [p for p in result.eml_paths
                  if QDesktopServices.openUrl(QUrl.fromLocalFile(str(p)))]
        where = ", ".join(str(p) for p in result.eml_paths)
        if opened and len(opened) == len(result.eml_paths):
            self._say(f"The draft is open in your mail program ({where}): check it and "
                      "send it from there.")
        else:
            self._say(f"No mail program opened the draft. It is saved as {where}: open it "
                      "from there, or attach the batch's download to an email.", error=True)


def email_batch(page: Page, batch: str | None) -> None:
    """The page's Email to factor…: read what the dialog shows, then open it."""
    if not batch:
        page.asker.info("Email to factor", "Select the batch to email first.")
        return

    def show(info: SendInfo) -> None:
        dialog = SendDialog(page.desk, page.runner, page.asker, info, page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    page.run(Job(f"Getting batch {batch} ready to email", partial(gather, page.desk, batch),
                 done=show))

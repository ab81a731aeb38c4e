"""File → Settings…: the Mail section (the SMTP server that sends a batch to its factor).
The password is typed here and kept in this computer's keychain by the service, never in the
database; an empty password field keeps the saved one. Save stores everything or nothing:
a refusal (no keychain on this computer, a bad address) is shown in the dialog, which stays
open with what the clerk typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from factor_desk.domain.errors import FactorDeskError, InputRefused
from factor_desk.gui.common import primary_button
from factor_desk.gui.permissions import guard_form, read_only_note
from factor_desk.gui.tones import tone_style
from factor_desk.services.desk import Desk
from factor_desk.services.sending import MailSecurity, MailSettings

SECURITY_WORDS = {MailSecurity.SSL: "SSL/TLS", MailSecurity.STARTTLS: "STARTTLS",
                  MailSecurity.NONE: "None (not encrypted)"}
# The port each kind of security usually uses: changing the security moves a port that was
# the old kind's usual one to the new kind's (a port the clerk typed stays).
USUAL_PORTS = {MailSecurity.SSL: 465, MailSecurity.STARTTLS: 587, MailSecurity.NONE: 25}
SAVED = "A password is saved in this computer's keychain."
NOT_SAVED = "No password is saved. One typed here is kept in this computer's keychain."
FORGETTING = "The saved password will be forgotten when you save."


def grow_to_fit(dialog: QWidget, layout: QLayout) -> None:
    """Make ``dialog`` taller when it shows more (a refusal, the files sent): its wrapped
    lines at its width, never cut."""
    layout.activate()
    wanted = (layout.heightForWidth(dialog.width()) if layout.hasHeightForWidth()
              else layout.sizeHint().height())
    if wanted > dialog.height():
        dialog.resize(dialog.width(), wanted)


class SettingsDialog(QDialog):
    """The settings of this data folder; for now its Mail section."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.saved: MailSettings | None = None  # what Save stored, once it did
        self.forget = False  # "Forget saved password" pressed, applied by Save

        self.host = QLineEdit()
        self.host.setObjectName("mailHost")
        self.host.setPlaceholderText("smtp.example.com")
        self.port = QSpinBox()
        self.port.setObjectName("mailPort")
        self.port.setRange(1, 65535)
        self.port.setGroupSeparatorShown(False)
        self.security = QComboBox()
        self.security.setObjectName("mailSecurity")
        for kind, word in SECURITY_WORDS.items():
            self.security.addItem(word, kind)
        self.user = QLineEdit()
        self.user.setObjectName("mailUser")
        self.user.setPlaceholderText("often your email address")
        self.from_address = QLineEdit()
        self.from_address.setObjectName("mailFrom")
        self.from_address.setPlaceholderText("billing@yourcompany.com")
        self.size_limit = QSpinBox()
        self.size_limit.setObjectName("mailSizeLimit")
        self.size_limit.setRange(1, 500)
        self.size_limit.setSuffix(" MB")
        self.size_limit.setToolTip("A larger email is sent in numbered parts that together "
                                   "carry every file")
        self.size_limit.setMinimumWidth(90)
        self.password = QLineEdit()
        self.password.setObjectName("mailPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_note = QLabel()
        self.password_note.setObjectName("passwordNote")
        self.password_note.setWordWrap(True)
        self.password_note.setStyleSheet(tone_style(self, "note"))
        self.forget_button = QPushButton("Forget saved password")
        self.forget_button.setObjectName("forgetPassword")
        self.forget_button.clicked.connect(self._forget)

        mail = QGroupBox("Mail")
        mail.setObjectName("mailBox")
        form = QFormLayout(mail)
        intro = QLabel("The server that sends a batch to its factor (Email to factor… → Send "
                       "now). Your email provider lists these settings.")
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow("SMTP server:", self.host)
        server = QHBoxLayout()
        server.addWidget(self.port)
        server.addSpacing(12)
        server.addWidget(QLabel("Security:"))
        server.addWidget(self.security)
        server.addStretch(1)
        form.addRow("Port:", server)
        form.addRow("User name:", self.user)
        password = QHBoxLayout()
        password.addWidget(self.password, 1)
        password.addWidget(self.forget_button)
        form.addRow("Password:", password)
        form.addRow("", self.password_note)
        form.addRow("From address:", self.from_address)
        limit = QHBoxLayout()
        limit.addWidget(self.size_limit)
        parts = QLabel("a larger email goes in numbered parts")
        parts.setStyleSheet(tone_style(self, "note"))
        limit.addWidget(parts)
        limit.addStretch(1)
        form.addRow("Size limit:", limit)

        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(tone_style(self, "error"))
        self.error.hide()
        buttons = QDialogButtonBox()
        self.save_button = primary_button("Save")
        self.save_button.setObjectName("saveSettings")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.column = layout = QVBoxLayout(self)
        layout.addWidget(mail)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        # a width for the fields, not the dialog: so the dialog grows with what it shows
        self.host.setMinimumWidth(400)

        self._show(desk.mail_settings())
        self.security.currentIndexChanged.connect(self._security_changed)
        # the keychain keeps the password of one user on one server
        self.host.textChanged.connect(self._show_password_state)
        self.user.textChanged.connect(self._show_password_state)
        self._security_was = self.chosen_security()
        # read only for a login without the Admin permission, a line at the top saying why;
        # a billing clerk, who sends batches, still keeps their own password on this computer
        self.password_only = False
        fields = [self.host, self.port, self.security, self.user, self.from_address,
                  self.size_limit]
        note: str | None
        if desk.may("save_mail_settings") is not None and \
                desk.may("keep_mail_password") is None:
            self.password_only = True
            reason = guard_form(desk, "save_mail_settings", "Changing the mail settings",
                                fields)
            self.save_button.setText("Save password")
            note = (f"{reason}\nYou may still save your own password for this server: "
                    "it is kept in this computer's keychain, not in the shared settings.")
        else:
            note = guard_form(desk, "save_mail_settings", "Changing the mail settings",
                              [*fields, self.password], [self.save_button, self.forget_button])
        if note is not None:
            layout.insertWidget(0, read_only_note(note, self))

    def _show(self, settings: MailSettings) -> None:
        self.host.setText(settings.host)
        self.port.setValue(settings.port or USUAL_PORTS[settings.security])
        self.security.setCurrentIndex(max(0, self.security.findData(settings.security)))
        self.user.setText(settings.user)
        self.from_address.setText(settings.from_address)
        self.size_limit.setValue(settings.size_limit_mb)
        self.shown = settings
        self.forget = False
        self.password.clear()
        self._show_password_state()

    def same_account(self) -> bool:
        """Whether the server and user are still those the saved password belongs to."""
        return (self.host.text().strip(), self.user.text().strip()) == (
            self.shown.host, self.shown.user)

    def _show_password_state(self) -> None:
        saved = self.shown.has_password and self.same_account()
        keeps = saved and not self.forget
        self.password.setPlaceholderText("empty keeps the saved password" if keeps else "")
        if self.forget and saved:
            note = FORGETTING
        elif saved:
            note = SAVED
        elif self.shown.has_password:
            note = (f"The saved password is {self.shown.user}'s on {self.shown.host}: type "
                    "the password for this server and user.")
        else:
            note = NOT_SAVED
        self.password_note.setText(note)
        self.forget_button.setEnabled(keeps)

    def chosen_security(self) -> MailSecurity:
        return MailSecurity(self.security.currentData())

    def _security_changed(self) -> None:
        now = self.chosen_security()
        if self.port.value() == USUAL_PORTS[self._security_was]:
            self.port.setValue(USUAL_PORTS[now])
        self._security_was = now

    def _forget(self) -> None:
        self.forget = True
        self.password.clear()
        self._show_password_state()

    def password_to_save(self) -> str | None:
        """None keeps the keychain as it is; "" removes the saved password."""
        typed = self.password.text()
        if typed:
            return typed
        return "" if self.forget and self.same_account() else None

    def save(self) -> None:
        """Everything or nothing: on a refusal the dialog stays open and says why. A billing
        clerk's Save keeps (or forgets) only their password, in this computer's keychain."""
        try:
            if self.password_only:
                password = self.password_to_save()
                saved = (self.desk.mail_settings() if password is None else
                         self.desk.keep_mail_password(password))
            else:
                saved = self.desk.save_mail_settings(
                    host=self.host.text().strip(), port=self.port.value(),
                    security=self.chosen_security(), user=self.user.text().strip(),
                    from_address=self.from_address.text().strip(),
                    size_limit_mb=self.size_limit.value(), password=self.password_to_save())
        except InputRefused as exc:
            self._refused(exc.summary, "\n".join(str(p) for p in exc.problems))
            return
        except FactorDeskError as exc:
            self._refused(str(exc), "")
            return
        self.saved = saved
        self.accept()

    def _refused(self, summary: str, details: str) -> None:
        """The refusal's summary; its reasons one a line when there are several."""
        text = f"Not saved: {summary}"
        if "\n" in details:
            text += f"\n{details}"
        self.error.setText(text)
        self.error.show()
        grow_to_fit(self, self.column)


def open_settings(parent: QWidget, desk: Desk) -> SettingsDialog:
    """File → Settings…: the dialog, window-modal, gone once closed."""
    dialog = SettingsDialog(desk, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog

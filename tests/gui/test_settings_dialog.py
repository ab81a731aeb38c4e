"""File → Settings…: the Mail section kept in the data folder's settings, the password in
the keychain (an in-memory one here), never in the database; a refusal shown in the dialog
with nothing saved."""

from __future__ import annotations

import helpers_send
from helpers import settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from sqlalchemy import select

from factor_desk.db.models import Setting
from factor_desk.gui.settings_dialog import FORGETTING, NOT_SAVED, SAVED, SettingsDialog
from factor_desk.services.sending import MailSecurity

memory_keyring = helpers_send.memory_keyring
no_keychain = helpers_send.no_keychain
keychain = memory_keyring


def fill(dialog: SettingsDialog, *, password: str = "") -> None:
    dialog.host.setText("smtp.blueridge.test")
    dialog.security.setCurrentIndex(dialog.security.findData(MailSecurity.STARTTLS))
    dialog.user.setText("billing@blueridge.test")
    dialog.from_address.setText("billing@blueridge.test")
    dialog.size_limit.setValue(15)
    dialog.password.setText(password)


def settings_rows(desk) -> dict[str, str]:
    with desk.db.read() as work:
        return {s.key: s.value for s in work.scalars(select(Setting))}


def test_settings_are_saved_and_read_back_the_password_in_the_keychain(qtbot, desk,
                                                                         keychain):
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    assert dialog.password_note.text() == NOT_SAVED
    assert not dialog.forget_button.isEnabled()
    fill(dialog, password="s3cret-pass")
    assert dialog.port.value() == 587, "STARTTLS's usual port follows the choice"
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted

    saved = desk.mail_settings()
    assert (saved.host, saved.port, saved.security, saved.user, saved.from_address,
            saved.size_limit_mb, saved.has_password) == (
        "smtp.blueridge.test", 587, MailSecurity.STARTTLS, "billing@blueridge.test",
        "billing@blueridge.test", 15, True)
    assert "s3cret-pass" in keychain.kept.values()
    assert not any("s3cret-pass" in value for value in settings_rows(desk).values())

    again = SettingsDialog(desk)
    qtbot.addWidget(again)
    assert again.host.text() == "smtp.blueridge.test"
    assert again.security.currentText() == "STARTTLS" and again.port.value() == 587
    assert again.size_limit.text() == "15 MB"
    assert again.password.text() == "", "the saved password is never shown"
    assert again.password_note.text() == SAVED and again.forget_button.isEnabled()


def test_an_empty_password_keeps_the_saved_one_and_forget_removes_it(qtbot, desk, keychain):
    first = SettingsDialog(desk)
    qtbot.addWidget(first)
    fill(first, password="s3cret-pass")
    first.save()
    kept = SettingsDialog(desk)
    qtbot.addWidget(kept)
    kept.size_limit.setValue(25)
    kept.save()
    assert desk.mail_settings().size_limit_mb == 25
    assert desk.mail_settings().has_password
    assert "s3cret-pass" in keychain.kept.values()

    forget = SettingsDialog(desk)
    qtbot.addWidget(forget)
    forget.host.setText("smtp.other.test")
    assert forget.password_note.text().startswith("The saved password is billing@blueridge"
                                                  ".test's on smtp.blueridge.test")
    assert not forget.forget_button.isEnabled()
    forget.host.setText("smtp.blueridge.test")
    assert forget.password_note.text() == SAVED
    qtbot.mouseClick(forget.forget_button, Qt.MouseButton.LeftButton)
    assert forget.password_note.text() == FORGETTING
    assert desk.mail_settings().has_password, "nothing happens before Save"
    forget.save()
    assert not desk.mail_settings().has_password
    assert "s3cret-pass" not in keychain.kept.values()


def test_no_keychain_is_a_refusal_in_the_dialog_and_nothing_is_saved(qtbot, desk,
                                                                      no_keychain):
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, password="s3cret-pass")
    before = settings_rows(desk)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "the dialog stays open with what was typed"
    assert dialog.error.isVisible() and dialog.error.text().startswith("Not saved:")
    assert "keychain" in dialog.error.text().lower()
    assert dialog.host.text() == "smtp.blueridge.test"
    assert settings_rows(desk) == before


def test_the_file_menu_opens_the_settings(qtbot, window, keychain):
    file_menu = window.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text().replace("&", "") == "Settings…")
    action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.findChild(type(dialog.host), "mailHost") is dialog.host
    dialog.reject()
    settle(qtbot, window)

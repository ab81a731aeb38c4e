"""Attacks on the team's command line (issue #15): a billing clerk sends batches, so it
keeps the mail password in its own computer's keychain; the mail settings stay the
admin's; a viewer is refused (exit 3) and nothing changes."""

from __future__ import annotations

from helpers_send import PASSWORD, USER, memory_keyring  # noqa: F401 (a fixture)
from sqlalchemy import text

from factor_desk.domain.permissions import Permission
from factor_desk.services.mail_settings import KEYRING_SERVICE


def _settings(db):
    with db.read() as work:
        return sorted(work.execute(text("SELECT key, value FROM settings")).all())


def test_a_billing_clerk_keeps_the_mail_password_on_its_own_computer(
        db, team, capsys, memory_keyring, monkeypatch):  # noqa: F811
    team.desk(Permission.ADMIN).save_mail_settings(
        host="smtp.example.com", port=587, security="starttls", user=USER,
        from_address="billing@example.com")
    before = _settings(db)
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)
    code, out, err = team.cli(Permission.BILLING, "settings", "mail", "--password-prompt",
                              capsys=capsys)
    assert code == 0, err
    assert "password in the keychain: yes" in out
    assert memory_keyring.kept == {(KEYRING_SERVICE, f"{USER}@smtp.example.com"): PASSWORD}
    # the settings themselves stay the admin's
    code, _, err = team.cli(Permission.BILLING, "settings", "mail", "--port", "465",
                            capsys=capsys)
    assert code == 3 and "needs the Admin permission" in err
    code, _, err = team.cli(Permission.VIEWER, "settings", "mail", "--forget-password",
                            capsys=capsys)
    assert code == 3 and "needs the Billing permission" in err
    assert memory_keyring.kept != {}
    code, out, err = team.cli(Permission.BILLING, "settings", "mail", "--forget-password",
                              capsys=capsys)
    assert code == 0 and memory_keyring.kept == {}
    assert _settings(db) == before

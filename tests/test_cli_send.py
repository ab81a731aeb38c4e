"""batch send, batch sends and settings mail on the command line (issue #14), against a
mail server the test starts on this machine."""

from __future__ import annotations

import email
import email.policy
import json

import helpers_send
import pytest
from helpers_send import PASSWORD, USER, attachments, free_port

from factor_desk.services.mail_settings import KEYRING_SERVICE

memory_keyring = helpers_send.memory_keyring
smtp_server = helpers_send.smtp_server
pytestmark = pytest.mark.usefixtures("memory_keyring")
FACTOR = "schedules@factor.test"


def _batch(cli) -> str:
    assert cli("demo", "--loads", "3")[0] == 0
    code, out, _ = cli("batch", "submit", "--subsidiary", "Blue Ridge Freight LLC",
                       "--all-eligible", "--json")
    assert code == 0
    return json.loads(out)["batch"]


def _mail_to(cli, server, *extra) -> None:
    code, out, err = cli("settings", "mail", "--host", server.host, "--port", server.port,
                         "--security", "none", "--from", "billing@blueridge.test", *extra)
    assert code == 0, err


def test_settings_mail_shows_and_keeps_the_password_in_the_keychain(cli, memory_keyring,
                                                                    monkeypatch):
    code, out, _ = cli("settings", "mail", "--json")
    assert code == 0
    assert json.loads(out) == {"host": "", "port": 587, "security": "starttls", "user": "",
                               "from_address": "", "size_limit_mb": 20,
                               "has_password": False}
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)
    code, out, err = cli("settings", "mail", "--host", "smtp.example.com", "--user", USER,
                         "--from", "billing@example.com", "--password-prompt")
    assert code == 0, err
    assert "smtp.example.com, port 587, security starttls" in out
    assert "password in the keychain: yes" in out
    assert memory_keyring.kept == {(KEYRING_SERVICE, f"{USER}@smtp.example.com"): PASSWORD}
    code, out, _ = cli("settings", "mail", "--size-limit-mb", "10", "--json")
    shown = json.loads(out)
    assert (shown["host"], shown["size_limit_mb"], shown["has_password"]) == (
        "smtp.example.com", 10, True)
    code, out, _ = cli("settings", "mail", "--forget-password")
    assert code == 0 and "password in the keychain: no" in out and memory_keyring.kept == {}
    code, _, err = cli("settings", "mail", "--port", "70000")
    assert code == 3 and "the port is a number from 1 to 65535" in err


def test_batch_send_delivers_then_needs_again(cli, smtp_server):
    label = _batch(cli)
    _mail_to(cli, smtp_server)
    code, out, err = cli("batch", "send", label, "--to", FACTOR)
    assert code == 0, err
    assert f"Batch {label} was emailed to {FACTOR}." in out
    assert f"{label}_packet.pdf" in out
    (msg,) = smtp_server.mailbox.messages()
    assert msg["To"] == FACTOR and msg["Subject"].startswith(f"Schedule of Accounts {label} — ")
    assert len(attachments(msg)) == 3

    code, out, err = cli("batch", "send", label, "--to", FACTOR)
    assert code == 3 and "send it again with --again" in err
    code, out, _ = cli("batch", "send", label, "--to", FACTOR, "--again", "--json")
    assert code == 0 and json.loads(out)["via"] == "smtp"
    assert len(smtp_server.mailbox.envelopes) == 2

    code, out, _ = cli("batch", "sends", label, "--json")
    sends = json.loads(out)
    assert [(s["to"], s["part"], s["parts"]) for s in sends] == [(FACTOR, 1, 1)] * 2
    assert sends[0]["message_id"] == msg["Message-ID"].strip()  # folded: a long id
    code, out, _ = cli("batch", "sends", label)
    assert code == 0 and "1 of 1" in out and FACTOR in out


def test_batch_send_eml_writes_a_draft(cli, tmp_path):
    label = _batch(cli)
    target = tmp_path / "batch.eml"
    code, out, err = cli("batch", "send", label, "--to", FACTOR, "--eml", target)
    assert code == 0, err
    assert str(target) in out
    msg = email.message_from_bytes(target.read_bytes(), policy=email.policy.default)
    assert msg["X-Unsent"] == "1" and len(attachments(msg)) == 3
    code, _, err = cli("batch", "send", label, "--to", FACTOR, "--eml", target, "--again")
    assert code == 3 and "already exists" in err


def test_batch_send_to_a_closed_port_exits_3_and_records_nothing(cli, smtp_server):
    label = _batch(cli)
    port = free_port()
    code, _, err = cli("settings", "mail", "--host", "127.0.0.1", "--port", port,
                       "--security", "none", "--from", "billing@blueridge.test")
    assert code == 0, err
    code, _, err = cli("batch", "send", label, "--to", FACTOR)
    assert code == 3 and f"127.0.0.1:{port}" in err and "Nothing was sent" in err
    code, out, _ = cli("batch", "sends", label, "--json")
    assert json.loads(out) == []

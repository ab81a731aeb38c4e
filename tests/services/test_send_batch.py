"""Sending a batch to its factor (issue #14): to a mail server the test starts on this
machine (aiosmtpd), read back with Python's email package; .eml drafts; the record."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import helpers_send
import pytest
from helpers_send import PASSWORD, USER, attachments, free_port
from sqlalchemy import func, select, update

from factor_desk.db.models import Batch, BatchSend, FactoringCompany
from factor_desk.documents.email_message import MESSAGE_ROOM, Attachment
from factor_desk.domain.errors import InputRefused
from factor_desk.services import sending
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.mail_settings import KEYRING_SERVICE, NO_KEYCHAIN
from factor_desk.services.sending import AlreadySent, MailSecurity, SendResult

FACTOR_MAIL = "schedules@capitaldepot.test"
SENDER = "billing@acme.test"

memory_keyring = helpers_send.memory_keyring
no_keychain = helpers_send.no_keychain
smtp_server = helpers_send.smtp_server
pytestmark = pytest.mark.usefixtures("memory_keyring")


@pytest.fixture
def desk(db, batch, smtp_server):
    """A Desk whose factor has an email and whose mail settings name the test's server."""
    with db.write() as work:
        work.execute(update(FactoringCompany).values(email=FACTOR_MAIL))
    d = Desk(db)
    d.save_mail_settings(host=smtp_server.host, port=smtp_server.port, security="none",
                         user="", from_address=SENDER)
    return d


def download(desk, batch, tmp_path) -> dict[str, bytes]:
    result = run_to_end(desk.export(batch, tmp_path / "download"))
    return {p.name: p.read_bytes() for p in result.folder.iterdir() if p.is_file()}


def sends_in_db(db) -> int:
    with db.read() as work:
        return work.execute(select(func.count()).select_from(BatchSend)).scalar_one()


def test_the_email_carries_the_download_byte_for_byte(desk, batch, smtp_server, tmp_path):
    result = run_to_end(desk.send_batch(batch))

    assert isinstance(result, SendResult)
    (msg,) = smtp_server.mailbox.messages()
    assert msg["To"] == FACTOR_MAIL and msg["From"] == SENDER
    assert msg["Subject"] == f"Schedule of Accounts {batch} — Acme Freight"
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == [FACTOR_MAIL]
    text = msg.get_body(("plain",)).get_content()
    assert batch in text and "4 invoices" in text and "$4,000.00" in text
    assert "test-clerk" in text and "the schedule and the invoices are attached" in text.lower()
    files = download(desk, batch, tmp_path)
    got = attachments(msg)
    assert sorted(got) == sorted([f"Schedule_of_Accounts_{batch}.pdf",
                                  f"Schedule_of_Accounts_{batch}.xlsx", f"{batch}_packet.pdf"])
    for name, data in got.items():
        assert data == files[name], name
    assert result.files == list(got)
    (record,) = desk.batch_sends(batch)
    assert (record.via, record.to, record.part, record.parts) == ("smtp", FACTOR_MAIL, 1, 1)
    assert record.message_id == msg["Message-ID"].strip() and record.sent_by == "test-clerk"
    assert result.records == [record]


def test_sending_again_needs_again(desk, batch, smtp_server):
    run_to_end(desk.send_batch(batch))
    with pytest.raises(AlreadySent) as refused:
        run_to_end(desk.send_batch(batch))
    assert re.search(rf"{batch} was emailed to {FACTOR_MAIL} on \d\d/\d\d/\d{{4}} by "
                     "test-clerk; send it again with --again", str(refused.value))
    assert len(refused.value.records) == 1 and len(smtp_server.mailbox.envelopes) == 1

    run_to_end(desk.send_batch(batch, to="other@factor.test", again=True))
    assert [r.to for r in desk.batch_sends(batch)] == [FACTOR_MAIL, "other@factor.test"]
    assert smtp_server.mailbox.envelopes[1].rcpt_tos == ["other@factor.test"]


def _plan(desk, batch, **kw):
    with desk.db.read() as work:
        return sending.plan_send(work, batch, to=None, eml=None, again=False, **kw)


def split_limit(files: dict[str, bytes], batch: str) -> int:
    """A message size the biggest file fits alone in, and not with any other."""
    sizes = sorted(Attachment(n, files[n]).encoded_size
                   for n in sending.attachment_names(Path(batch)))
    return MESSAGE_ROOM + sizes[-1] + 10


def test_a_big_batch_goes_in_numbered_parts_carrying_every_file_once(desk, batch,
                                                                      smtp_server, tmp_path):
    files = download(desk, batch, tmp_path)
    limit = split_limit(files, batch)

    result = run_to_end(sending.send_steps(_plan(desk, batch), desk.db.read, desk.db.write,
                                           limit=limit))

    messages = smtp_server.mailbox.messages()
    parts = len(messages)
    assert parts >= 2
    assert [m["Subject"] for m in messages] == [
        f"Schedule of Accounts {batch} — Acme Freight (part {i} of {parts})"
        for i in range(1, parts + 1)]
    arrived = [(name, data) for m in messages for name, data in attachments(m).items()]
    assert sorted(name for name, _ in arrived) == sorted(result.files)
    for name, data in arrived:
        assert data == files[name]
    for envelope in smtp_server.mailbox.envelopes:
        assert len(envelope.original_content) <= limit
    assert [(r.part, r.parts) for r in desk.batch_sends(batch)] == [
        (i, parts) for i in range(1, parts + 1)]


def test_when_part_2_fails_part_1_is_recorded_and_the_clerk_told(desk, batch, smtp_server,
                                                                tmp_path):
    limit = split_limit(download(desk, batch, tmp_path), batch)
    smtp_server.mailbox.take = 1
    with pytest.raises(InputRefused) as refused:
        run_to_end(sending.send_steps(_plan(desk, batch), desk.db.read, desk.db.write,
                                      limit=limit))
    text = str(refused.value)
    assert "552 5.3.4" in text and "(part 2 of" in text
    assert "Part(s) 1 of" in text and "went and are recorded" in text and "--again" in text
    (msg,) = smtp_server.mailbox.messages()
    assert [(r.part, r.message_id) for r in desk.batch_sends(batch)] == [
        (1, msg["Message-ID"].strip())]


def test_a_file_too_big_for_any_message_is_refused_and_nothing_recorded(desk, batch,
                                                                        smtp_server, db):
    with pytest.raises(InputRefused) as refused:
        run_to_end(sending.send_steps(_plan(desk, batch), desk.db.read, desk.db.write,
                                      limit=MESSAGE_ROOM + 600))
    text = str(refused.value)
    assert f"{batch}_packet.pdf is " in text and "more than the mail size limit" in text
    assert smtp_server.mailbox.envelopes == [] and sends_in_db(db) == 0


def test_an_eml_draft_parses_back_with_the_attachments(desk, batch, tmp_path, db):
    target = tmp_path / "to factor.eml"
    result = run_to_end(desk.send_batch(batch, eml=target))

    assert result.eml_paths == [target]
    msg = email.message_from_bytes(target.read_bytes(), policy=email.policy.default)
    assert msg["X-Unsent"] == "1" and msg["To"] == FACTOR_MAIL
    files = download(desk, batch, tmp_path)
    got = attachments(msg)
    assert len(got) == 3 and all(data == files[name] for name, data in got.items())
    (record,) = desk.batch_sends(batch)
    assert record.via == "eml" and record.message_id == msg["Message-ID"].strip()

    before = target.read_bytes()
    with pytest.raises(InputRefused, match="already exists"):
        run_to_end(desk.send_batch(batch, eml=target, again=True))
    assert target.read_bytes() == before and sends_in_db(db) == 1


def test_drafts_of_several_parts_are_named_part2(desk, batch, tmp_path):
    plan = _plan(desk, batch)
    plan.eml = tmp_path / "draft.eml"
    limit = split_limit(download(desk, batch, tmp_path), batch)
    result = run_to_end(sending.send_steps(plan, desk.db.read, desk.db.write, limit=limit))
    assert len(result.eml_paths) >= 2
    assert result.eml_paths[:2] == [tmp_path / "draft.eml", tmp_path / "draft-part2.eml"]
    names = [n for p in result.eml_paths for n in attachments(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default))]
    assert sorted(names) == sorted(result.files)


def test_a_closed_port_is_refused_cleanly(desk, batch, db, smtp_server):
    port = free_port()
    desk.save_mail_settings(host="127.0.0.1", port=port, security="none", user="",
                            from_address=SENDER)
    with pytest.raises(InputRefused) as refused:
        run_to_end(desk.send_batch(batch))
    assert f"127.0.0.1:{port}" in str(refused.value)
    assert "connection was refused" in str(refused.value)
    assert "Nothing was sent" in str(refused.value) and sends_in_db(db) == 0


def test_login_with_the_keychain_password(desk, batch, smtp_server, memory_keyring, db):
    desk.save_mail_settings(host=smtp_server.host, port=smtp_server.port, security="none",
                            user=USER, from_address=SENDER, password="wrong")
    assert desk.mail_settings().has_password
    with pytest.raises(InputRefused) as refused:
        run_to_end(desk.send_batch(batch))
    assert f"logging in as {USER}" in str(refused.value)
    assert "refused the user name or password" in str(refused.value)
    assert sends_in_db(db) == 0 and smtp_server.mailbox.envelopes == []

    desk.save_mail_settings(host=smtp_server.host, port=smtp_server.port, security="none",
                            user=USER, from_address=SENDER, password=PASSWORD)
    run_to_end(desk.send_batch(batch))
    assert len(smtp_server.mailbox.envelopes) == 1 and sends_in_db(db) == 1
    assert memory_keyring.kept == {(KEYRING_SERVICE, f"{USER}@{smtp_server.host}"): PASSWORD}


def test_a_refused_recipient_is_refused_cleanly(desk, batch, smtp_server, db):
    smtp_server.mailbox.refuse.add("nobody@factor.test")
    with pytest.raises(InputRefused, match="refused the address nobody@factor.test"):
        run_to_end(desk.send_batch(batch, to="nobody@factor.test"))
    assert sends_in_db(db) == 0


def test_the_password_is_kept_in_the_keychain_only(desk, db, memory_keyring):
    saved = desk.save_mail_settings(host="smtp.example.com", port=587, security="starttls",
                                    user=USER, from_address=SENDER, password=PASSWORD)
    assert saved.has_password and saved.security is MailSecurity.STARTTLS
    with db.read() as work:
        from factor_desk.db.models import Setting
        values = work.execute(select(Setting.value)).scalars().all()
    assert PASSWORD not in values
    again = desk.save_mail_settings(host="smtp.example.com", port=587, security="starttls",
                                    user=USER, from_address=SENDER)
    assert again.has_password  # None leaves the keychain as it was
    gone = desk.save_mail_settings(host="smtp.example.com", port=587, security="starttls",
                                   user=USER, from_address=SENDER, password="")
    assert not gone.has_password and memory_keyring.kept == {}


def test_no_keychain_is_refused_in_the_clerks_words(desk, no_keychain):
    before = desk.mail_settings()
    with pytest.raises(InputRefused) as refused:
        desk.save_mail_settings(host="smtp.example.com", port=465, security="ssl", user=USER,
                                from_address=SENDER, password=PASSWORD)
    assert str(refused.value).startswith(NO_KEYCHAIN[:60])
    assert desk.mail_settings() == before


def test_bad_settings_are_refused_each_named(desk):
    with pytest.raises(InputRefused) as refused:
        desk.save_mail_settings(host="smtp example", port=0, security="tls", user="",
                                from_address="nobody", size_limit_mb=0)
    assert len(refused.value.problems) == 5


def test_no_address_and_a_reversed_batch_are_refused(desk, batch, db, smtp_server):
    with db.write() as work:
        work.execute(update(FactoringCompany).values(email=""))
    with pytest.raises(InputRefused, match="no address to send"):
        run_to_end(desk.send_batch(batch))
    desk.reverse_batch(batch, "wrong loads")
    with pytest.raises(InputRefused, match="was reversed"):
        run_to_end(desk.send_batch(batch, to=FACTOR_MAIL))
    assert smtp_server.mailbox.envelopes == [] and sends_in_db(db) == 0
    with db.read() as work:
        assert work.execute(select(Batch.reversed_at)).scalar_one() is not None


def test_cancel_sends_and_records_nothing(desk, batch, smtp_server, db):
    with pytest.raises(sending.SendCancelled, match="nothing was sent"):
        run_to_end(desk.send_batch(batch, should_stop=lambda: True))
    assert smtp_server.mailbox.envelopes == [] and sends_in_db(db) == 0


def test_an_invoice_recalled_before_the_send_is_named_in_the_message(desk, batch,
                                                                      smtp_server):
    """The download carries the batch as submitted, a recalled invoice too: the message
    asks the factor not to buy it, and the clerk is told."""
    desk.recall_invoices(batch, ["2"], "held: missing BOL")
    result = run_to_end(desk.send_batch(batch))
    (msg,) = smtp_server.mailbox.messages()
    text = " ".join(msg.get_body(("plain",)).get_content().split())
    assert ("Please do not purchase invoice 2 (held: missing BOL): we recalled it after "
            "submitting this batch") in text
    assert len(result.warnings) == 1 and "invoice 2 (held: missing BOL)" in result.warnings[0]


def test_a_batch_with_no_recall_sends_no_warning(desk, batch, smtp_server):
    result = run_to_end(desk.send_batch(batch))
    (msg,) = smtp_server.mailbox.messages()
    assert result.warnings == [] and "do not purchase" not in msg.get_body(
        ("plain",)).get_content()


def test_the_subject_shown_before_sending_is_the_one_sent(desk, batch, smtp_server, db):
    """The window shows the subject before sending: the carrier as the batch froze it,
    even after the subsidiary's legal name changed."""
    from factor_desk.db.models import Subsidiary

    with db.write() as work:
        work.execute(update(Subsidiary).values(legal_name="Renamed Since LLC"))
    shown = desk.send_subject(batch)
    run_to_end(desk.send_batch(batch))
    (msg,) = smtp_server.mailbox.messages()
    assert shown == msg["Subject"] == f"Schedule of Accounts {batch} — Acme Freight"


HOLD_LOCK = """
import sys
from pathlib import Path
from factor_desk.db.database import Database, Location
from factor_desk.db.locks import exclusive
db = Database(Location(url=sys.argv[1], home=Path(sys.argv[2])), migrate=False)
with exclusive(db, "send", int(sys.argv[3])) as taken:
    print("held" if taken else "refused", flush=True)
    sys.stdin.readline()
"""


def _another_program_holding(db, batch: str):
    """Another Factor Desk (a process of its own, as another clerk's is) holding the lock
    on the batch's send, until its stdin is closed; it says "held" once it holds it."""
    import subprocess
    import sys

    with db.read() as work:
        key = work.execute(select(Batch.id).where(Batch.label == batch)).scalar_one()
    other = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db.location.url),
                              str(db.location.home), str(key)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             encoding="utf-8")
    assert other.stdout is not None
    said = other.stdout.readline().strip()
    if said != "held":
        other.kill()
        other.communicate()
        raise AssertionError(f"the other program said {said!r}")
    return other


def test_a_batch_another_clerk_is_sending_right_now_is_refused_not_sent_twice(
        desk, batch, smtp_server, db):
    """Both clerks pressed Send: while the other's send holds the batch, this one is
    refused and sends nothing; once that send has let go, sending goes through once."""
    other = _another_program_holding(db, batch)
    try:
        with pytest.raises(InputRefused) as refused:
            run_to_end(desk.send_batch(batch))
        assert f"Batch {batch} is being emailed right now by another clerk" in str(
            refused.value)
        assert "nothing was sent" in str(refused.value)
        assert smtp_server.mailbox.envelopes == [] and sends_in_db(db) == 0
    finally:
        other.communicate("")  # it lets go and ends
    run_to_end(desk.send_batch(batch))
    assert len(smtp_server.mailbox.envelopes) == 1 and sends_in_db(db) == 1


def test_a_program_that_died_holding_the_send_leaves_no_lock_behind(desk, batch,
                                                                     smtp_server, db):
    other = _another_program_holding(db, batch)
    other.kill()
    other.communicate()
    run_to_end(desk.send_batch(batch))
    assert len(smtp_server.mailbox.envelopes) == 1


def test_two_sends_at_the_same_moment_mail_the_batch_once(desk, batch, smtp_server, db,
                                                          monkeypatch):
    """The second send's last check runs while the first is talking to the mail server:
    it is refused, and the first is recorded once (no sleeps: the first waits for the
    second to end)."""
    import threading

    first_sending, second_done = threading.Event(), threading.Event()
    real = sending.smtp_send

    def held_open(*args, **kw):
        if not first_sending.is_set():
            first_sending.set()
            assert second_done.wait(60)
        return real(*args, **kw)

    monkeypatch.setattr(sending, "smtp_send", held_open)
    outcome: list[object] = []
    first = threading.Thread(target=lambda: outcome.append(run_to_end(desk.send_batch(batch))))
    first.start()
    try:
        assert first_sending.wait(60)
        with pytest.raises(InputRefused, match="is being emailed right now"):
            run_to_end(Desk(db).send_batch(batch))
    finally:
        second_done.set()
        first.join(60)
    assert isinstance(outcome[0], SendResult)
    assert len(smtp_server.mailbox.envelopes) == 1 and sends_in_db(db) == 1
    with pytest.raises(AlreadySent):  # and after it, the record says it went
        run_to_end(Desk(db).send_batch(batch))


def test_a_lock_of_another_batch_coming_and_going_keeps_this_ones(desk, batch, db):
    """POSIX lets go of every lock a process holds on a file when any handle of it is
    closed: a send of batch B ending in this process must not free batch A's."""
    import subprocess
    import sys

    from factor_desk.db.locks import exclusive

    with db.read() as work:
        key = work.execute(select(Batch.id).where(Batch.label == batch)).scalar_one()
    with exclusive(db, "send", key) as mine:
        assert mine
        with exclusive(db, "send", key + 1) as other:
            assert other
        # another program tries batch A now
        tried = subprocess.run(
            [sys.executable, "-c", HOLD_LOCK, str(db.location.url), str(db.location.home),
             str(key)], input="", capture_output=True, text=True, encoding="utf-8",
            timeout=60)
        assert tried.stdout.strip() == "refused", tried.stderr


def test_the_servers_send_lock_is_not_a_transaction_left_open(desk, batch, db, smtp_server,
                                                             monkeypatch):
    """A server that ends sessions idle in a transaction (idle_in_transaction_session_
    timeout) would let go of the lock in the middle of a slow send: the lock is held by
    a connection outside any transaction."""
    if db.location.is_sqlite:
        pytest.skip("a PostgreSQL server's session")
    from sqlalchemy import text

    states: list[tuple[str, str]] = []
    real = sending.smtp_send

    def looking(*args, **kw):
        with db.engine.connect() as conn:
            states.extend(conn.execute(text(
                "SELECT a.state, l.mode FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted")).all())
        return real(*args, **kw)

    monkeypatch.setattr(sending, "smtp_send", looking)
    run_to_end(desk.send_batch(batch))
    assert states == [("idle", "ExclusiveLock")]
    with db.engine.connect() as conn:  # and let go after
        assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = "
                                 "'advisory'")).scalar_one() == 0


def test_an_email_that_went_but_could_not_be_recorded_says_it_went(desk, batch, db,
                                                                   smtp_server, monkeypatch):
    """The mail went, then recording it failed (here: the server refused the write):
    the clerk is told the factor has it, not that nothing happened."""
    def refused_write(*_args, **_kw):
        raise InputRefused(["The database server db1 is not answering."])

    monkeypatch.setattr(sending, "_store", refused_write)
    with pytest.raises(sending.SentNotRecorded) as caught:
        run_to_end(desk.send_batch(batch))
    message = str(caught.value)
    assert message.startswith(f"The email of batch {batch} went to {FACTOR_MAIL}, but "
                              "Factor Desk could not record it: The database server db1 "
                              "is not answering. The factor has it: do not send it again.")
    assert len(smtp_server.mailbox.envelopes) == 1 and sends_in_db(db) == 0

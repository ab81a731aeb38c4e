"""Attacks on #14's batch send: the same batch sent from two Desks at the same moment (two
windows, two computers) must not email the factor twice without --again."""

from __future__ import annotations

import helpers_send
import pytest
from sqlalchemy import update

from factor_desk.db.models import FactoringCompany
from factor_desk.domain.errors import InputRefused
from factor_desk.services.common import run_to_end
from factor_desk.services.desk import Desk
from factor_desk.services.sending import AlreadySent

memory_keyring = helpers_send.memory_keyring
smtp_server = helpers_send.smtp_server
pytestmark = pytest.mark.usefixtures("memory_keyring")


def test_the_same_batch_sent_from_two_desks_at_once_goes_once(db, batch, smtp_server):
    """Clerk A clicks Send; while A's download is being drawn, clerk B sends the same batch
    and it goes. A's send must then be refused (AlreadySent), not email the factor a second
    schedule of the same invoices."""
    with db.write() as work:
        work.execute(update(FactoringCompany).values(email="schedules@capitaldepot.test"))
    Desk(db).save_mail_settings(host=smtp_server.host, port=smtp_server.port,
                                security="none", user="", from_address="billing@acme.test")
    first = Desk(db).send_batch(batch)
    next(first)  # A: checked, drawing the download
    run_to_end(Desk(db).send_batch(batch))  # B: sent
    with pytest.raises(AlreadySent, match="send it again with --again"):
        run_to_end(first)
    assert len(smtp_server.mailbox.envelopes) == 1
    assert len(Desk(db).batch_sends(batch)) == 1


def test_a_server_that_takes_the_mail_then_answers_quit_badly_is_a_send(
        db, batch, smtp_server, monkeypatch):
    """Every message was accepted (250); only the goodbye (QUIT) was answered 421. The
    factor has the schedule: the clerk must be told it went, not "Failed ... send it again"
    (which emails it twice)."""
    import smtplib

    def bad_goodbye(self, *args):
        self.close()
        raise smtplib.SMTPResponseException(421, b"4.4.2 closing connection")

    monkeypatch.setattr(smtplib.SMTP, "__exit__", bad_goodbye)
    with db.write() as work:
        work.execute(update(FactoringCompany).values(email="schedules@capitaldepot.test"))
    Desk(db).save_mail_settings(host=smtp_server.host, port=smtp_server.port,
                                security="none", user="", from_address="billing@acme.test")
    result = run_to_end(Desk(db).send_batch(batch))
    assert len(result.records) == 1 and len(smtp_server.mailbox.envelopes) == 1
    assert len(Desk(db).batch_sends(batch)) == 1


def test_a_batch_reversed_while_its_email_is_drawn_is_not_sent(db, batch, smtp_server):
    """Clerk A clicks Send; meanwhile clerk B reverses the batch. A's email must not ask the
    factor to buy invoices that went back to Queued (and may go in another batch)."""
    with db.write() as work:
        work.execute(update(FactoringCompany).values(email="schedules@capitaldepot.test"))
    Desk(db).save_mail_settings(host=smtp_server.host, port=smtp_server.port,
                                security="none", user="", from_address="billing@acme.test")
    first = Desk(db).send_batch(batch)
    next(first)
    Desk(db).reverse_batch(batch, "sent to the wrong factor")
    with pytest.raises(InputRefused, match="was reversed while .* nothing was sent"):
        run_to_end(first)
    assert smtp_server.mailbox.envelopes == [] and Desk(db).batch_sends(batch) == []

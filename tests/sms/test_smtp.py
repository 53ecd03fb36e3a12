"""The SMTP e-mail gateway against a real SMTP server (aiosmtpd) on loopback, through the
real sender: sent once, refused recipients fail for good, busy servers are retried."""

from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from extensions import db
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.sender import Sender
from tests import services


class Mailbox:
    """What the SMTP server accepted, and how it should answer the next recipients."""

    def __init__(self):
        self.messages = []
        self.refuse = {}  # recipient -> SMTP answer, e.g. "550 5.1.1 no such user"
        self.busy = []  # answers for the next DATA commands, e.g. "451 4.3.0 try later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            return self.busy.pop(0)
        self.messages.append(
            {"to": envelope.rcpt_tos, "message": message_from_bytes(envelope.content)}
        )
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    port = services.free_port()
    # server_hostname: the greeting would otherwise look up this machine's name in DNS.
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, server_hostname="smtp.test")
    controller.start()
    controller.mailbox, controller.port = mailbox, port
    yield controller
    controller.stop()


@pytest.fixture
def smtp_app(make_app, smtp_server):
    app = make_app(
        EMAIL_GATEWAY="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_FROM="Gemeente Loket <loket@example.org>",
        SMS_RETRY_BASE_SECONDS=0,
        SMS_GATEWAY_TIMEOUT=5,
    )
    with app.app_context():
        yield app
        db.session.remove()


def queue_mail(key="booked:1:0", to="An@Example.org"):
    row = queue_message(
        key=key,
        channel="email",
        recipient=to,
        subject="Gemeente Loket: afspraak bevestigd",
        body="Identiteitskaart op dinsdag 2 maart om 10:00.\nWijzigen of annuleren: …",
        purpose="confirmation",
    )
    db.session.commit()
    return row.id


def send():
    Sender(name="mail", threads=2).run(once=True)


def row(message_id) -> OutboxMessage:
    db.session.commit()
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id))


def test_a_mail_reaches_the_smtp_server_once_with_its_headers(smtp_app, smtp_server):
    message_id = queue_mail()
    send()
    send()
    [mail] = smtp_server.mailbox.messages
    assert mail["to"] == ["an@example.org"]
    message = mail["message"]
    assert message["From"] == "Gemeente Loket <loket@example.org>"
    assert message["Subject"] == "Gemeente Loket: afspraak bevestigd"
    assert message["Message-ID"] == f"<outbox-{message_id}@loket.invalid>"
    assert "Identiteitskaart op dinsdag 2 maart" in message.get_payload(decode=True).decode()
    sent = row(message_id)
    assert sent.status == MessageStatus.SENT
    assert sent.provider_sid == f"outbox-{message_id}@loket.invalid"
    assert sent.cost == 0 and sent.segments == 0  # e-mail is not billed per segment


def test_a_refused_recipient_fails_for_good_and_says_why(smtp_app, smtp_server):
    smtp_server.mailbox.refuse["nobody@example.org"] = "550 5.1.1 no such user"
    message_id = queue_mail(to="nobody@example.org")
    send()
    failed = row(message_id)
    assert failed.status == MessageStatus.FAILED
    assert failed.attempts == 1
    assert "no such user" in failed.last_error
    assert smtp_server.mailbox.messages == []


def test_a_busy_server_is_tried_again_and_the_mail_goes_once(smtp_app, smtp_server):
    smtp_server.mailbox.busy = ["451 4.3.0 try again later"]
    message_id = queue_mail()
    send()  # the first try is answered 451, the retry (no back-off in tests) gets through
    done = row(message_id)
    assert done.status == MessageStatus.SENT and done.attempts == 2
    assert len(smtp_server.mailbox.messages) == 1


def test_an_unreachable_server_loses_nothing(make_app, smtp_server):
    app = make_app(
        EMAIL_GATEWAY="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=services.free_port(),  # nobody listens here
        SMS_RETRY_BASE_SECONDS=3600,
    )
    with app.app_context():
        message_id = queue_mail()
        send()
        waiting = row(message_id)
        assert waiting.status == MessageStatus.QUEUED
        assert "ConnectionRefusedError" in waiting.last_error
        db.session.remove()

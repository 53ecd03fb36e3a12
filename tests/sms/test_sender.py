"""The sender against a fake Twilio, through the real `twilio` client."""

from datetime import timedelta

from sqlalchemy import select

from core.database import utcnow
from extensions import db
from sms import consent, reasons
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.sender import Sender
from tests.services import free_port
from tests.words import english_reason

NUMBER = "+32470123456"


def queue(key="k", to=NUMBER, body="Gemeente Loket: test", **extra):
    row = queue_message(key=key, recipient=to, body=body, purpose="reminder", **extra)
    db.session.commit()
    return row.id


def send_all(name="test"):
    return Sender(name=name, threads=4).run(once=True)


def reloaded(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_a_message_reaches_twilio_once_and_is_marked_sent(twilio_app, fake_twilio):
    message_id = queue()
    send_all()
    row = reloaded(message_id)
    [received] = fake_twilio.received()
    assert received["to"] == NUMBER
    assert received["body"] == "Gemeente Loket: test"
    assert row.status == MessageStatus.SENT
    assert row.provider_sid == received["sid"]
    assert row.attempts == 1
    assert received["status_callback"] == f"https://loket.example.org/sms/status?id={message_id}"
    send_all()
    assert len(fake_twilio.received()) == 1


def test_temporary_failures_are_retried_until_sent(twilio_app, fake_twilio):
    fake_twilio.fail_next(1, status=429, code=20429)
    fake_twilio.fail_next(1, status=503)
    message_id = queue()
    send_all()
    row = reloaded(message_id)
    assert row.status == MessageStatus.SENT
    assert row.attempts == 3
    assert len(fake_twilio.received()) == 1


def test_retries_back_off_exponentially(make_app, twilio_config, fake_twilio):
    app = make_app(**{**twilio_config, "SMS_RETRY_BASE_SECONDS": 60})
    with app.app_context():
        sender = Sender(name="backoff", threads=1)
        delays = [sender.backoff(n).total_seconds() for n in (1, 2, 3, 4)]
        sender.pool.shutdown()
        assert 48 <= delays[0] <= 72
        assert 96 <= delays[1] <= 144
        assert 192 <= delays[2] <= 288
        assert 384 <= delays[3] <= 576
        fake_twilio.fail_next(1, status=500)
        message_id = queue()
        Sender(name="backoff", threads=1).run(once=True)
        row = reloaded(message_id)
        assert row.status == MessageStatus.QUEUED
        assert row.attempts == 1
        assert row.next_attempt_at > utcnow() + timedelta(seconds=30)
        assert "500" in row.last_error
        db.session.remove()


def test_an_invalid_number_fails_for_good_and_is_not_retried(twilio_app, fake_twilio):
    fake_twilio.fail_number("+32470999999", code=21211)
    message_id = queue(to="+32470999999")
    send_all()
    send_all()
    row = reloaded(message_id)
    assert row.status == MessageStatus.FAILED
    assert row.error_code == "21211"
    assert row.reason == reasons.REFUSED and "invalid" in row.last_error.lower()
    assert english_reason(row) == "refused by the provider"
    assert row.cost == 0
    assert fake_twilio.stats()["requests"] == 1


def test_an_unsubscribed_recipient_fails_and_counts_as_an_opt_out(twilio_app, fake_twilio):
    fake_twilio.fail_number(NUMBER, code=21610, message="Attempt to send to unsubscribed")
    message_id = queue()
    send_all()
    assert reloaded(message_id).status == MessageStatus.FAILED
    assert consent.opted_out(NUMBER)


def test_twilio_unreachable_keeps_the_message_queued(make_app, twilio_config, fake_twilio):
    closed = f"http://127.0.0.1:{free_port()}"
    app = make_app(**{**twilio_config, "TWILIO_API_BASE_URL": closed, "SMS_MAX_ATTEMPTS": 2})
    with app.app_context():
        message_id = queue()
        Sender(name="offline", threads=1).run(once=True)
        row = reloaded(message_id)
        assert row.status == MessageStatus.FAILED  # gave up after SMS_MAX_ATTEMPTS
        assert row.in_doubt_since is None  # a refused connection never reached anyone
        assert english_reason(row) == "gave up after 2 attempts"
        db.session.remove()
    app = make_app(**{**twilio_config, "TWILIO_API_BASE_URL": closed})
    with app.app_context():
        message_id = queue(key="second")
        Sender(name="offline", threads=1).step()
        row = reloaded(message_id)
        assert row.status == MessageStatus.QUEUED
        assert "ConnectionError" in row.last_error
        db.session.remove()
    assert fake_twilio.received() == []


def test_a_timeout_is_in_doubt_and_never_sent_twice(make_app, twilio_config, fake_twilio):
    app = make_app(**{**twilio_config, "SMS_GATEWAY_TIMEOUT": 0.3})
    fake_twilio.delay = 1.0  # the request arrives; its answer comes after the client gave up
    with app.app_context():
        message_id = queue()
        Sender(name="slow", threads=1).step()
        row = reloaded(message_id)
        assert row.status == MessageStatus.QUEUED
        assert row.in_doubt_since is not None
        fake_twilio.delay = 0
        Sender(name="slow", threads=1).run(once=True)
        row = reloaded(message_id)
        assert row.status == MessageStatus.SENT
        assert row.in_doubt_since is None
        db.session.remove()
    [received] = fake_twilio.received()
    assert row.provider_sid == received["sid"]


def test_a_restarted_sender_recovers_its_rows_when_its_grace_ends_during_a_claim(
    twilio_app, fake_twilio, monkeypatch
):
    """The grace ends while an idle claim (which did not ask for our rows) is running: the
    empty answer must not count our rows as recovered, or `--once` exits and leaves them."""
    message_id = queue()
    killed = Sender(name="restarted", threads=1)
    killed.claim_due()  # claimed, then killed before it reached Twilio
    killed.pool.shutdown()
    assert reloaded(message_id).status == MessageStatus.SENDING
    db.session.rollback()

    restarted = Sender(name="restarted", threads=1)
    claim = restarted._claim

    def claim_outlasting_the_grace(*args, **kwargs):
        batch = claim(*args, **kwargs)
        restarted.recover_own_after = min(restarted.recover_own_after, utcnow())
        return batch

    monkeypatch.setattr(restarted, "_claim", claim_outlasting_the_grace)
    assert restarted.run(once=True) == 1
    row = reloaded(message_id)
    assert row.status == MessageStatus.SENT
    [received] = fake_twilio.received()
    assert row.provider_sid == received["sid"]


def test_a_message_whose_moment_passed_is_not_sent(twilio_app, fake_twilio):
    message_id = queue(expires_at=utcnow() - timedelta(minutes=1))
    send_all()
    assert reloaded(message_id).status == MessageStatus.EXPIRED
    assert fake_twilio.received() == []


def test_skipped_and_refused_rows_are_never_claimed(twilio_app, fake_twilio):
    queue_message(key="s", recipient="", body="x", purpose="reminder", status=MessageStatus.SKIPPED)
    queue_message(key="r", recipient="12", body="x", purpose="reminder")
    db.session.commit()
    assert send_all() == 0
    assert fake_twilio.received() == []


def test_the_dev_gateway_keeps_messages_for_the_staff_page(app):
    from sms.models import DevMessage

    message_id = queue()
    send_all()
    row = reloaded(message_id)
    assert row.status == MessageStatus.SENT
    dev = db.session.scalars(select(DevMessage)).one()
    assert dev.outbox_id == message_id
    assert dev.provider_sid == row.provider_sid

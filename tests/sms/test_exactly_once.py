"""Exactly once under crashes and competition: real sender processes, a real kill -9.

The fake Twilio counts every (recipient, body) it accepts; each message body is unique, so
any count above one is a duplicate and any missing body a loss.
"""

import os
import signal

import pytest
from sqlalchemy import func, select

from extensions import db
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message

pytestmark = pytest.mark.slow


def queue_many(count: int) -> None:
    for n in range(count):
        queue_message(
            key=f"reminder:{n}:24h",
            recipient=f"+3247{n:07d}",
            body=f"Gemeente Loket: herinnering {n}",
            purpose="reminder",
        )
    db.session.commit()


def statuses() -> dict:
    db.session.commit()  # a new snapshot: SQLite keeps reading the old one otherwise
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {str(status): n for status, n in rows}


def assert_each_received_once(fake, count: int) -> None:
    received = fake.received()
    bodies = sorted(m["body"] for m in received)
    assert fake.duplicates() == {}
    assert len(received) == count
    assert bodies == sorted(f"Gemeente Loket: herinnering {n}" for n in range(count))


def finished(process) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def test_a_sender_killed_mid_batch_and_restarted_sends_each_message_once(
    twilio_app, fake_twilio, start_sender
):
    queue_many(200)
    fake_twilio.hold_at = 70  # the 70th message reaches Twilio; its answer never comes back
    sender = start_sender("kill-me", "--batch-size", "50", "--threads", "4")
    while not fake_twilio.held.wait(timeout=0.2):
        assert sender.poll() is None, sender.stderr.read()
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=30)
    fake_twilio.release.set()
    in_doubt = statuses().get("sending", 0)
    assert in_doubt > 0  # the kill left a batch in flight, some of it already at Twilio
    assert len(fake_twilio.received()) < 200

    finished(start_sender("kill-me"))  # the same name: it recovers its own rows

    assert statuses() == {"sent": 200}  # first: a failure shows what was left, and as what
    assert_each_received_once(fake_twilio, 200)
    db.session.commit()
    sids = db.session.scalars(select(OutboxMessage.provider_sid)).all()
    assert set(sids) == {m["sid"] for m in fake_twilio.received()}


def test_two_senders_at_once_send_each_message_once(twilio_app, fake_twilio, start_sender):
    queue_many(300)
    first = start_sender("sender-a", "--batch-size", "20", "--threads", "4")
    second = start_sender("sender-b", "--batch-size", "20", "--threads", "4")
    outputs = [finished(first), finished(second)]
    assert_each_received_once(fake_twilio, 300)
    assert statuses() == {MessageStatus.SENT.value: 300}
    handled = [int(out.split()[1]) for out in outputs]
    assert sum(handled) == 300
    claimed_by = db.session.execute(
        select(OutboxMessage.claimed_by, func.count()).group_by(OutboxMessage.claimed_by)
    ).all()
    assert {name for name, _count in claimed_by} <= {"sender-a", "sender-b"}

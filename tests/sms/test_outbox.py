"""The outbox: one row per idempotency key, written with its cause, refused when it cannot go."""

from decimal import Decimal

from sqlalchemy import func, select

from extensions import db
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.segments import count_segments
from tests.words import english_reason


def count_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_the_same_key_queues_one_message(app):
    first = queue_message(
        key="reminder:1:24h", recipient="0470 12 34 56", body="Hallo", purpose="reminder"
    )
    second = queue_message(
        key="reminder:1:24h", recipient="+32470123456", body="Anders", purpose="reminder"
    )
    db.session.commit()
    assert first.id == second.id
    assert count_rows() == 1
    assert first.recipient == "+32470123456"
    assert first.body == "Hallo"


def test_a_rolled_back_cause_leaves_no_message(app):
    queue_message(key="confirmation:7", recipient="+32470123456", body="Bevestigd", purpose="x")
    db.session.rollback()
    assert count_rows() == 0


def test_an_invalid_number_is_refused_with_its_reason(app):
    row = queue_message(key="k1", recipient="12", body="Hallo", purpose="reminder")
    db.session.commit()
    assert row.status == MessageStatus.REFUSED
    assert english_reason(row) == "not a valid phone number: 12"
    assert row.cost == 0


def test_a_body_over_1600_characters_is_refused(app):
    row = queue_message(key="k2", recipient="+32470123456", body="x" * 1601, purpose="reminder")
    db.session.commit()
    assert row.status == MessageStatus.REFUSED
    assert english_reason(row) == "the text of 1,601 characters is over the limit of 1,600"


def test_segments_and_cost_follow_the_encoding(app):
    assert count_segments("a" * 160) == 1
    assert count_segments("a" * 161) == 2
    assert count_segments("€" * 80) == 1  # extension characters count double: 160 septets
    assert count_segments("ł" * 70) == 1  # outside GSM-7: UCS-2
    assert count_segments("ł" * 71) == 2
    row = queue_message(key="k3", recipient="+32470123456", body="a" * 200, purpose="reminder")
    db.session.commit()
    assert row.segments == 2
    assert row.cost == Decimal("0.14")


def test_the_price_per_segment_is_configurable(make_app):
    app = make_app(SMS_COST_PER_SEGMENT="0.05")
    with app.app_context():
        row = queue_message(key="k4", recipient="+32470123456", body="hi", purpose="reminder")
        db.session.commit()
        assert row.cost == Decimal("0.05")
        db.session.remove()

"""Putting a message in the outbox: the one way anything in Loket sends an SMS or e-mail.

The row is written in the caller's transaction, so a booking that rolls back sends nothing;
the sender picks it up after the commit. The idempotency key is unique in the database and the
insert is `ON CONFLICT DO NOTHING`: a second queueing, even a concurrent one, returns the first
row instead of sending twice.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from core.database import utcnow
from core.rows import insert_rows_unless_exist
from desk import identifiers
from extensions import db
from sms import reasons
from sms.models import MessageStatus, OutboxMessage
from sms.segments import MAX_BODY, cost_of, count_segments

# Notices a citizen must not miss: repeated once when still unopened (portal.repeat_notices).
IMPORTANT_PURPOSES = ("legal", "case_update")


class InvalidRecipient(ValueError):
    """Not a number or address we can send to; `args` are the reason's code and parameters
    (sms.reasons), for staff."""


def normalise_phone(value: str, region: str = "BE") -> str:
    """E.164, or InvalidRecipient. Belgian numbers may be given as 0470 12 34 56."""
    number = identifiers.e164(value, region)
    if number is None:
        raise InvalidRecipient(reasons.INVALID_PHONE, {"value": str(value)[:100]})
    return number


def normalise_email(value: str) -> str:
    address = identifiers.mailbox(value)
    if address is None:
        raise InvalidRecipient(reasons.INVALID_EMAIL, {"value": str(value)[:100]})
    return address


def normalise_address(channel: str, value: str) -> str:
    return normalise_email(value) if channel == "email" else normalise_phone(value)


def queue_message(**message) -> OutboxMessage:
    """The outbox row for one message, its keywords those of `message_values`: new, or the one
    queued before under its key. Does not commit."""
    return queue_messages([message])[0]


def queue_messages(messages: list[dict]) -> list[OutboxMessage]:
    """`queue_message` for each of `messages` (dicts of its keywords), in order: one INSERT for
    all, and one SELECT for those whose key was queued before. Does not commit."""
    rows = [message_values(**message) for message in messages]
    queued = insert_rows_unless_exist(OutboxMessage, ("idempotency_key",), rows)
    earlier = [row["idempotency_key"] for row, new in zip(rows, queued, strict=True) if new is None]
    if earlier:
        found = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(earlier))
        )
        by_key = {row.idempotency_key: row for row in found}
        queued = [
            new or by_key.get(row["idempotency_key"]) for row, new in zip(rows, queued, strict=True)
        ]
    return queued


def message_values(
    *,
    key: str,
    recipient: str,
    body: str,
    purpose: str,
    channel: str = "sms",
    subject: str = "",
    html_body: str | None = None,
    attachments: list | None = None,
    language: str = "nl",
    party_id: int | None = None,
    link_type: str | None = None,
    link_id: int | None = None,
    accepts_replies: bool = False,
    expires_at: datetime | None = None,
    send_after: datetime | None = None,
    reason: str = "",
    reason_params: dict | None = None,
    status: MessageStatus = MessageStatus.QUEUED,
    important: bool | None = None,
) -> dict:
    """The outbox row's columns for a message.

    Bad input is stored, not raised: a refused message with its reason is what staff need to
    see when a citizen says "I never got a text". `important` (default: by purpose, see
    IMPORTANT_PURPOSES) marks a notice that is repeated once when it stays unopened.
    """
    now = utcnow()
    if status == MessageStatus.QUEUED:
        try:
            recipient = normalise_address(channel, recipient)
        except InvalidRecipient as invalid:
            status, (reason, reason_params) = MessageStatus.REFUSED, invalid.args
    if len(body) > MAX_BODY and status == MessageStatus.QUEUED:
        status = MessageStatus.REFUSED
        reason, reason_params = reasons.TOO_LONG, {"length": len(body), "limit": MAX_BODY}
    segments = count_segments(body) if channel == "sms" else 0
    price = current_app.config["SMS_COST_PER_SEGMENT"] if channel == "sms" else 0
    return dict(
        idempotency_key=key,
        channel=channel,
        recipient=recipient or "",
        subject=subject,
        body=body,
        html_body=html_body if channel == "email" else None,
        attachments=attachments if channel == "email" else None,
        purpose=purpose,
        language=language,
        party_id=party_id,
        link_type=link_type,
        link_id=link_id,
        accepts_replies=accepts_replies,
        status=status,
        reason=reason[:300],
        reason_params=reason_params,
        next_attempt_at=send_after or now,
        expires_at=expires_at,
        segments=segments if status == MessageStatus.QUEUED else 0,
        cost=cost_of(segments, price) if status == MessageStatus.QUEUED else 0,
        important=purpose in IMPORTANT_PURPOSES if important is None else important,
        created_at=now,
        updated_at=now,
    )

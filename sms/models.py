"""The outbox and what belongs to it: consent per address, inbound replies, the dev mailbox.

`party_id` and the `link_*` pair are plain integers on purpose: the record and the channels'
tables (an appointment, a ticket) are owned by other packages, and the outbox must keep a
message even if those rows are merged or removed.
"""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import JSONText, UTCDateTime, text_enum, utcnow
from extensions import db


class MessageStatus(enum.StrEnum):
    """Where a message is. Ranks only rise: see `RANK` and `sms.delivery`."""

    QUEUED = "queued"  # waiting for the sender (first try or a retry)
    SENDING = "sending"  # claimed by a sender; in doubt if that sender died
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the handset has it (status callback)
    UNDELIVERED = "undelivered"
    FAILED = "failed"  # a permanent error, or retries gave up; shown to staff
    REFUSED = "refused"  # never tried: invalid number, body too long
    SKIPPED = "skipped"  # a notice decided not to send (opt-out, preferred channel…)
    EXPIRED = "expired"  # its moment passed (an appointment began) before it could go


RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.REFUSED: 3,
    MessageStatus.SKIPPED: 3,
    MessageStatus.EXPIRED: 3,
}


class OutboxMessage(db.Model):
    """One outgoing SMS or e-mail; `idempotency_key` makes a second queueing a no-op."""

    __tablename__ = "sms_message"
    __table_args__ = (
        # The sender's claim query: due rows in order.
        Index("ix_sms_message_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_sms_message_recipient_created_at", "recipient", "created_at"),
        Index("ix_sms_message_party_id_created_at", "party_id", "created_at"),
        Index("ix_sms_message_link", "link_type", "link_id"),
        # The repeat job's query: important notices by when they went out.
        Index("ix_sms_message_important_sent_at", "important", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")  # "sms" | "email"
    recipient: Mapped[str] = mapped_column(String(254))  # E.164 or a lower-case address
    subject: Mapped[str] = mapped_column(String(200), default="")  # e-mail only
    body: Mapped[str] = mapped_column(Text)
    # E-mail only: the HTML part beside the plain `body`, and files to attach, each
    # {"filename", "content_type", "content"} with text content (an appointment's .ics). The
    # channel that worded the notice builds them; the gateway only wraps them.
    html_body: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list | None] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(30))  # confirmation | reminder | reply | consent…
    language: Mapped[str] = mapped_column(String(5), default="nl")
    party_id: Mapped[int | None] = mapped_column()
    link_type: Mapped[str | None] = mapped_column(String(40))  # what it concerns: "appointment"
    link_id: Mapped[int | None] = mapped_column()
    accepts_replies: Mapped[bool] = mapped_column(default=False)  # offered JA / NEE
    status: Mapped[MessageStatus] = mapped_column(text_enum(MessageStatus), default="queued")
    # Why it was (or was not) sent: a code with parameters (sms.reasons), read on the staff page
    # in the reader's language; rows from before reason codes hold English text.
    reason: Mapped[str] = mapped_column(String(300), default="")
    reason_params: Mapped[dict | None] = mapped_column(JSONText)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # never sent after this
    # Set when a send may or may not have reached the provider (a timeout, a sender killed
    # mid-batch): the next attempt asks the provider first (see sms.sender).
    in_doubt_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(String(500))
    segments: Mapped[int] = mapped_column(default=0)
    cost: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=Decimal("0"))
    interaction_id: Mapped[int | None] = mapped_column()
    # Important notices not opened in Mijn Loket in time are repeated once (portal).
    important: Mapped[bool] = mapped_column(default=False)
    # When the citizen first read it in Mijn Loket: theirs alone, no staff page shows it (the
    # postman does not look in the letterbox).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_problem(self) -> bool:
        return self.status in (
            MessageStatus.FAILED,
            MessageStatus.REFUSED,
            MessageStatus.UNDELIVERED,
            MessageStatus.EXPIRED,
        )


class Consent(db.Model):
    """A number's (or address's) own STOP / START, honoured by every purpose not required by
    law. Keyed by the address, not the party: whoever holds the phone decides."""

    __tablename__ = "sms_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    keyword: Mapped[str] = mapped_column(String(30), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundMessage(db.Model):
    """A reply; the provider's SID is unique, so a webhook that Twilio retries acts once."""

    __tablename__ = "sms_inbound"
    __table_args__ = (Index("ix_sms_inbound_sender_received_at", "sender", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    party_id: Mapped[int | None] = mapped_column()
    in_reply_to_id: Mapped[int | None] = mapped_column()  # the outbox message it answers
    action: Mapped[str] = mapped_column(String(20), default="")  # stop | start | confirm | …
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DevMessage(db.Model):
    """What the development gateways "sent": the staff page shows them instead of a phone."""

    __tablename__ = "sms_dev_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    provider_sid: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""What other packages may know of the outbox: the notices sent to a party, as plain values.

Mijn Loket lists a citizen's notices and marks one opened when the citizen reads it there;
it reads through these functions, never the outbox table. Whether a notice was opened is the
citizen's alone (the postman does not look in the letterbox): no staff page reads `opened_at`.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, exists, literal, select, tuple_, update
from sqlalchemy.orm import aliased

from core import cursors
from core.bounds import as_id
from extensions import db
from sms.models import MessageStatus, OutboxMessage

# Notices the citizen never received as such: decided not to send (opt-out, post preferred).
NOT_SENT = (MessageStatus.SKIPPED,)
# Purposes that are not notices to list: a sign-in code is a key, not a message.
UNLISTED_PURPOSES = ("sign_in_code",)
DELIVERED = (MessageStatus.DELIVERED,)
NOT_DELIVERED = (
    MessageStatus.UNDELIVERED,
    MessageStatus.FAILED,
    MessageStatus.REFUSED,
    MessageStatus.EXPIRED,
)
REPEAT_KEY = "repeat:"  # the idempotency key of a repeat: "repeat:<original id>"


@dataclass(frozen=True)
class PartyNotice:
    id: int
    channel: str  # sms | email
    purpose: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None
    status: str
    important: bool
    opened_at: datetime | None
    repeat: bool  # the repeat of an unopened important notice

    @property
    def delivery(self) -> str:
        """delivered | not_delivered | sent (no word back yet) | pending."""
        if self.status in DELIVERED:
            return "delivered"
        if self.status in NOT_DELIVERED:
            return "not_delivered"
        if self.status == MessageStatus.SENT:
            return "sent"
        return "pending"


COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.channel,
    OutboxMessage.purpose,
    OutboxMessage.subject,
    OutboxMessage.body,
    OutboxMessage.created_at,
    OutboxMessage.sent_at,
    OutboxMessage.status,
    OutboxMessage.important,
    OutboxMessage.opened_at,
    OutboxMessage.idempotency_key,
)


def _notice(row) -> PartyNotice:
    return PartyNotice(
        id=row.id,
        channel=row.channel,
        purpose=row.purpose,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        sent_at=row.sent_at,
        status=str(row.status),
        important=row.important,
        opened_at=row.opened_at,
        repeat=row.idempotency_key.startswith(REPEAT_KEY),
    )


def _of_parties(party_ids):
    return (
        OutboxMessage.party_id.in_(list(party_ids)),
        OutboxMessage.status.notin_(NOT_SENT),
        OutboxMessage.purpose.notin_(UNLISTED_PURPOSES),
    )


def encode_cursor(notice: PartyNotice) -> str:
    return cursors.encode_cursor(notice.created_at, notice.id)


decode_cursor = cursors.decode_cursor


def notices_of(
    party_ids, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[PartyNotice], str | None]:
    """A page of the notices sent to these parties, newest first, keyset-paged on
    (created_at, id): a page never reads the rest of a long history. Returns the page and the
    cursor of the next (older) one, or None."""
    query = (
        select(*COLUMNS)
        .where(*_of_parties(party_ids))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit + 1)
    )
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(tuple_(OutboxMessage.created_at, OutboxMessage.id) < position)
    rows = [_notice(row) for row in db.session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more else None)


def iter_notices(party_ids, *, page_size: int = 500) -> Iterator[PartyNotice]:
    """Every notice sent to these parties, oldest first, one keyset page in memory at a time
    (a copy of a citizen's data streams however long their history)."""
    after = None
    while True:
        query = (
            select(*COLUMNS)
            .where(*_of_parties(party_ids))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(page_size)
        )
        if after is not None:
            query = query.where(tuple_(OutboxMessage.created_at, OutboxMessage.id) > after)
        rows = db.session.execute(query).all()
        for row in rows:
            yield _notice(row)
        if len(rows) < page_size:
            return
        after = (rows[-1].created_at, rows[-1].id)


def notice_of(party_ids, notice_id) -> PartyNotice | None:
    """One notice, if it was sent to one of these parties; None for any other id."""
    ident = as_id(notice_id)
    if ident is None:
        return None
    row = db.session.execute(
        select(*COLUMNS).where(OutboxMessage.id == ident, *_of_parties(party_ids))
    ).first()
    return _notice(row) if row is not None else None


def mark_opened(party_ids, notice_id: int, now: datetime) -> None:
    """The citizen read it: kept once, the first time. In the caller's unit of work."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == notice_id,
            OutboxMessage.party_id.in_(list(party_ids)),
            OutboxMessage.opened_at.is_(None),
        )
        .values(opened_at=now)
    )


def important_unopened(sent_before: datetime, *, limit: int = 500) -> list[OutboxMessage]:
    """Important notices that went out before `sent_before`, are still unopened and have no
    repeat yet: what the repeat job sends again (once: a repeat is not itself important)."""
    repeat = aliased(OutboxMessage)
    repeated = exists().where(
        repeat.idempotency_key == literal(REPEAT_KEY) + cast(OutboxMessage.id, String)
    )
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.important.is_(True),
            OutboxMessage.opened_at.is_(None),
            OutboxMessage.sent_at.isnot(None),
            OutboxMessage.sent_at < sent_before,
            OutboxMessage.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)),
            ~repeated,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))

"""Each event of a call once: the insert of its CallEvent row is what lets the change happen.

Twilio repeats a webhook it got no timely answer to, and a phone system may send an event
twice. The row's unique keys (CallSid + event, and Twilio's I-Twilio-Idempotency-Token) make
the insert of a repeat do nothing (INSERT … ON CONFLICT DO NOTHING, one round trip on both
engines): the repeat is recognised, the transaction goes on, and nothing changes twice.
Racing repeats are settled by the same keys: the second waits for the first and inserts none.
"""

from sqlalchemy.dialects import postgresql, sqlite

from core.database import utcnow
from extensions import db
from phone.models import Call, CallEvent

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def first_time(call: Call, event: str, key: str, token: str | None = None, **details) -> bool:
    """Store the event; False when it was stored before (by key or by token)."""
    insert = INSERTS[db.session.get_bind().dialect.name]
    table = CallEvent.__table__
    statement = (
        insert(table)
        .values(
            call_id=call.id,
            event=event[:40],
            key=key[:160],
            token=(token or None) and token[:100],
            details=details or None,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar() is not None

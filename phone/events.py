"""Each event of a call once: the insert of its CallEvent row is what lets the change happen.

Twilio repeats a webhook it got no timely answer to, and a phone system may send an event
twice. The row's unique keys (CallSid + event, and Twilio's I-Twilio-Idempotency-Token) turn a
repeat into an IntegrityError inside a savepoint: the repeat is recognised, the transaction
goes on, and nothing changes twice. Racing repeats are settled by the same keys.
"""

from sqlalchemy.exc import IntegrityError

from extensions import db
from phone.models import Call, CallEvent


def first_time(call: Call, event: str, key: str, token: str | None = None, **details) -> bool:
    """Store the event; False when it was stored before (by key or by token)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                CallEvent(
                    call_id=call.id,
                    event=event[:40],
                    key=key[:160],
                    token=(token or None) and token[:100],
                    details=details or None,
                )
            )
    except IntegrityError:
        return False
    return True

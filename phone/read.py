"""The phone channel's small read API for the portal, reports and panels: calls as plain values.

Readers get what a call was (when, which service, how it ended, how long), never the table's
internal states: `outcome` is one of "answered", "missed", "callback", "closed" or "open".
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from desk.models import Party
from extensions import db
from phone.models import Call, CallbackState, CallDirection, CallStatus

RECENT = 20


@dataclass(frozen=True)
class CallSummary:
    id: int
    started_at: datetime
    direction: str  # "inbound" | "outbound"
    service_id: int | None
    outcome: str
    waited_seconds: int | None
    talked_seconds: int | None
    callback_number: str | None


def _outcome(call: Call) -> str:
    if call.answered_at is not None:
        return "answered"
    if call.callback_state in (CallbackState.REQUESTED, CallbackState.DIALING):
        return "callback"
    if call.status in (CallStatus.ABANDONED, CallStatus.FAILED, CallStatus.QUEUE_FULL):
        return "missed"
    if call.status == CallStatus.CLOSED:
        return "closed"
    return "open"


def calls_of(party_id: int, limit: int = RECENT) -> list[CallSummary]:
    """The party's calls, newest first (through ix_phone_call_party), those of the parties
    merged into it included: a call keeps the party it was matched to."""
    merged = select(Party.id).where(Party.merged_into_id == party_id)
    calls = db.session.scalars(
        select(Call)
        .where(or_(Call.party_id == party_id, Call.party_id.in_(merged)))
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(limit)
    )
    return [
        CallSummary(
            id=call.id,
            started_at=call.created_at,
            direction=CallDirection(call.direction).value,
            service_id=call.service_id,
            outcome=_outcome(call),
            waited_seconds=call.wait_seconds,
            talked_seconds=call.talk_seconds,
            callback_number=call.callback_number,
        )
        for call in calls
    ]

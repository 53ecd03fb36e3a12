"""The generic CTI endpoint's events: phone systems other than Twilio tell Loket about their
calls (Zammad's shape: `newCall`, `answer`, `hangup` with `callId`, `from`, `to`,
`direction`, `user`, `queue`, `cause`), and they land in the same call log and screen pop.

A call from another system is never in Loket's queue (it rings there, not here): it has no
line, so take-next never offers it. `user` names the staff member who answered, by e-mail
address (set each agent's address in the phone system's user field). Each event counts once
per call: a repeat changes nothing (phone.models.CallEvent's unique key).
"""

import hmac

from flask import current_app
from sqlalchemy import func, select

from core.database import utcnow
from core.unit_of_work import run_in_transaction
from desk import identifiers
from desk.models import Staff
from extensions import db
from phone import agents, events, matching, queue, screen_pop
from phone.agent_errors import AgentError
from phone.models import AgentState, Call, CallDirection, CallSource, CallStatus

EVENTS = ("newCall", "answer", "hangup")
TEXT_MAX = 100


def text(body: dict, name: str, *, required: bool = False) -> str:
    value = body.get(name)
    if isinstance(value, list):  # Zammad sends `user` as a list of names
        value = value[0] if value else None
    if value is None or value == "":
        if required:
            raise AgentError("missing_call_id" if name == "callId" else "invalid", field=name)
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise AgentError("not_text", field=name)
    value = str(value).strip()
    if len(value) > TEXT_MAX or "\x00" in value:
        raise AgentError("invalid", field=name)
    return value


def number(raw: str) -> str:
    """E.164 when it is a phone number; as the phone system sent it otherwise (an extension)."""
    if not raw:
        return ""
    return identifiers.e164(raw) or raw[:32]


def receive(body: dict) -> None:
    """One event, in its own unit of work; checked before anything is written."""
    event = text(body, "event", required=True)
    if event not in EVENTS:
        raise AgentError("invalid_event", field="event")
    call_id = text(body, "callId", required=True)
    direction = text(body, "direction") or "in"
    if direction not in ("in", "out"):
        raise AgentError("invalid_direction", field="direction")
    details = {
        name: text(body, name) for name in ("from", "to", "user", "queue", "cause") if name in body
    }
    run_in_transaction(_apply, event, call_id, direction, details)


def _apply(event: str, external_id: str, direction: str, details: dict) -> None:
    call = db.session.scalar(select(Call).where(Call.external_id == external_id))
    if call is None:
        if event != "newCall":
            return  # a call Loket never heard of: nothing to change
        call = _new_call(external_id, direction, details)
    if not events.first_time(call, event, f"cti:{external_id}:{event}", **details):
        return
    now = utcnow()
    if event == "answer":
        call.answered_at = call.answered_at or now
        call.status = CallStatus.ON_CALL
        staff = _staff(details.get("user", ""))
        if staff is not None:
            call.agent_id = staff.id
            agents.move(agents.agent_status(staff.id, lock=True), AgentState.ON_CALL, call.id)
            screen_pop.pop_after_commit(call, staff)
    elif event == "hangup":
        call.ended_at = call.ended_at or now
        if call.answered_at is not None:
            call.status = CallStatus.COMPLETED
            call.duration_seconds = int((call.ended_at - call.created_at).total_seconds())
        else:
            call.status = CallStatus.ABANDONED
        if call.agent_id is not None:
            agent = agents.agent_status(call.agent_id, lock=True)
            if agent.current_call_id == call.id:
                agents.move(agent, AgentState.WRAP_UP, call.id)
        queue.publish_after_commit()


def _new_call(external_id: str, direction: str, details: dict) -> Call:
    inbound = direction == "in"
    caller = number(details.get("from" if inbound else "to", ""))
    call = Call(
        source=CallSource.CTI,
        external_id=external_id,
        direction=CallDirection.INBOUND if inbound else CallDirection.OUTBOUND,
        from_number=caller,
        to_number=number(details.get("to" if inbound else "from", "")),
        status=CallStatus.CONNECTING,
        created_at=utcnow(),
        queued_at=utcnow(),
    )
    if caller.startswith("+"):
        found = matching.candidates_for(caller)
        call.party_id, call.candidate_party_ids = found.party_id, found.candidate_ids or None
    db.session.add(call)
    db.session.flush()
    return call


def _staff(user: str) -> Staff | None:
    if not user:
        return None
    return db.session.scalar(
        select(Staff).where(func.lower(Staff.email) == user.lower(), Staff.active.is_(True))
    )


def token_matches(given: str) -> bool:
    expected = current_app.config.get("CTI_TOKEN") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

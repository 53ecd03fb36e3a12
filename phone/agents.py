"""Call agents: their status (available, on a call, wrap-up, away), the lines they answer, and
what the console shows of the queues.

An agent's row (phone.models.AgentStatus) is made the first time they open the console. The
status moves by itself with the work (taking a call: on a call; the call ends: wrap-up; the
wrap-up logged: available) and by the agent's own choice (available or away). An agent who
answers no line in particular answers every active line: a small municipality does not
assign them.
"""

from datetime import datetime

from sqlalchemy import Row, bindparam, exists, or_, select, update

from core.database import utcnow
from extensions import db
from phone.agent_errors import AgentError
from phone.models import (
    AgentState,
    AgentStatus,
    Call,
    CallbackState,
    CallStatus,
    PhoneLine,
    agent_line,
)
from realtime import emit_after_commit
from realtime.namespaces import phone_room

PHONE_ROOM = phone_room()  # every console on /desk (realtime.namespaces: watch_phone)
CHOSEN_STATES = (AgentState.AVAILABLE, AgentState.AWAY)  # what an agent may pick themselves
TO_CALL_BACK_LIMIT = 50


def agent_status(staff_id: int, *, lock: bool = False) -> AgentStatus:
    """The agent's row, made on first use (away until they say they are available)."""
    agent = db.session.get(AgentStatus, staff_id, with_for_update=lock or None)
    if agent is None:
        agent = AgentStatus(staff_id=staff_id, status=AgentState.AWAY, since=utcnow())
        db.session.add(agent)
        db.session.flush()
    return agent


def set_status(staff_id: int, status: str) -> AgentStatus:
    """The agent's own choice: available or away. While on a call it waits for the call."""
    if status not in {s.value for s in CHOSEN_STATES}:
        raise AgentError("invalid_status", field="status")
    agent = agent_status(staff_id, lock=True)
    move(agent, AgentState(status))
    return agent


def move(agent: AgentStatus, status: AgentState, call_id: int | None = None) -> None:
    if agent.status != status:
        agent.status, agent.since = status, utcnow()
    agent.current_call_id = call_id if status in (AgentState.ON_CALL, AgentState.WRAP_UP) else None
    announce(agent.staff_id, status)


STATUSES = AgentStatus.__table__
ONTO_CALL = (
    update(STATUSES)
    .where(STATUSES.c.staff_id == bindparam("agent"))
    .values(
        status=AgentState.ON_CALL,
        since=bindparam("status_since"),
        current_call_id=bindparam("call_id"),
    )
)


def move_onto_call(agent: Row, call_id: int, now: datetime) -> None:
    """`move` to "on a call" for take-next, which holds the agent's locked row as columns
    (phone.take.LOCK_AGENT: staff_id, status, since): one UPDATE built once."""
    since = agent.since if agent.status == AgentState.ON_CALL else now
    db.session.execute(
        ONTO_CALL, {"agent": agent.staff_id, "status_since": since, "call_id": call_id}
    )
    announce(agent.staff_id, AgentState.ON_CALL)


def announce(staff_id: int, status: AgentState) -> None:
    """Every console sees the agent's new status once it is committed."""
    emit_after_commit(
        "agent_status",
        {"staff_id": staff_id, "status": status.value},
        namespace="/desk",
        to=PHONE_ROOM,
    )


def answered_lines(staff_id: int):
    """The lines this agent answers, their own or every active line when none are set, as a
    subquery: take-next reads it inside its search for the oldest entry, no extra round trip
    (over the table's columns, so take-next's Core statements stay Core)."""
    own = select(agent_line.c.line_id).where(agent_line.c.staff_id == staff_id)
    lines = PhoneLine.__table__.c
    return select(lines.id).where(lines.active.is_(True), or_(lines.id.in_(own), ~exists(own)))


def to_call_back(limit: int = TO_CALL_BACK_LIMIT) -> list[Call]:
    """Callers nobody reached: hung up while waiting (and not logged since), or a callback
    nobody answered. Newest first; put back in line (`call_back_later`) they leave the list."""
    return list(
        db.session.scalars(
            select(Call)
            .where(
                ((Call.status == CallStatus.ABANDONED) & Call.wrap_up_ended_at.is_(None))
                | (Call.callback_state == CallbackState.UNANSWERED),
                Call.from_number != "",
            )
            .order_by(Call.created_at.desc())
            .limit(limit)
        )
    )


def call_back_later(call_id: int) -> Call:
    """A caller nobody reached goes back in line as a callback, in their ORIGINAL place
    (queued_at is kept): the next "take next" that reaches it rings the agent, then them."""
    call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is None or call.line_id is None or not needs_call_back(call):
        raise AgentError("unknown_call", field="call_id")
    call.status = CallStatus.CALLBACK
    call.callback_state = CallbackState.REQUESTED
    call.callback_number = call.callback_number or call.from_number
    call.callback_requested_at = call.callback_requested_at or utcnow()
    call.agent_id = None
    # the next attempt is a contact of its own: its end comes from its own call, and it is
    # logged on the timeline on its own
    call.ended_at = call.duration_seconds = None
    call.interaction_id = call.wrap_up_ended_at = call.outcome = None
    return call


def needs_call_back(call: Call) -> bool:
    """The rule of `to_call_back`, for one call."""
    abandoned = call.status == CallStatus.ABANDONED and call.wrap_up_ended_at is None
    unanswered = call.callback_state == CallbackState.UNANSWERED
    return (abandoned or unanswered) and call.from_number != ""

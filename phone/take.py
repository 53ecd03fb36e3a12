"""Take next: the oldest entry across the live callers and the callbacks of the agent's lines.

A callback is the caller's own queue entry, kept with its original `queued_at`, so ordering by
that time alone gives it its turn. Agents pressing together never get one entry each twice:
the winner is the one transaction whose compare-and-set moved the entry from "in line, nobody's"
to theirs (UPDATE … WHERE agent_id IS NULL AND status IN (waiting, callback), rowcount 1); a
loser moves on to the next oldest. The first try picks and takes in that one UPDATE, its
subquery skipping the entries colleagues are taking (FOR UPDATE SKIP LOCKED on PostgreSQL), so
agents taking together take different entries at once instead of queueing behind one row
lock (counter.calling does the same for tickets). The Twilio side (bridging the
caller, dialling the callback) and the screen pop run after the commit (phone.console).

Fifty agents pressing at once queue for one worker's CPU, so a press is lean: Core statements
built once over the tables, reading only the columns it uses and loading no ORM objects
(a quarter fewer instructions per press than the ORM's entities and unit-of-work flush,
bench/phone_take_instructions.py).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, case, func, literal, select, update

from core.database import utcnow
from core.unit_of_work import run_in_transaction
from desk.models import Staff
from extensions import db
from phone import agents, bridge, queue, screen_pop
from phone.agent_errors import Conflict
from phone.models import (
    IN_LINE,
    AgentStatus,
    Call,
    CallbackState,
    CallStatus,
)

CANDIDATES = 5  # read per round without locks; the first still in line is tried first


@dataclass(frozen=True)
class Taken:
    call_id: int
    kind: str  # "live" | "callback"
    from_number: str
    waited_seconds: int
    parties: list  # [{"id", "name"}]: the matched record or the candidates the agent may see


# The statements are built once, with the agent and the entry as bound parameters: a press
# builds no SQL expressions.
CALLS, AGENTS = Call.__table__, AgentStatus.__table__
AGENT = bindparam("staff_id")

# What the press needs of the entry it takes, for the screen pop (screen_pop.pop_payload) and
# the Twilio side (bridge.connect_after_commit).
TAKEN_COLUMNS = (
    CALLS.c.id,
    CALLS.c.source,
    CALLS.c.call_sid,
    CALLS.c.direction,
    CALLS.c.from_number,
    CALLS.c.to_number,
    CALLS.c.callback_state,
    CALLS.c.callback_number,
    CALLS.c.queued_at,
    CALLS.c.answered_at,
    CALLS.c.party_id,
    CALLS.c.candidate_party_ids,
)

# The agent's row, locked (one agent's presses one at a time), with the status of their
# current call, in one round trip.
LOCK_AGENT = (
    select(
        AGENTS.c.staff_id,
        AGENTS.c.status,
        AGENTS.c.since,
        AGENTS.c.device,
        AGENTS.c.device_number,
        CALLS.c.status.label("current_call_status"),
    )
    .select_from(AGENTS.outerjoin(CALLS, CALLS.c.id == AGENTS.c.current_call_id))
    .where(AGENTS.c.staff_id == AGENT)
    .with_for_update(of=AGENTS)
)


def _oldest(limit: int):
    """The oldest entries in line on the agent's lines, nobody's yet."""
    return (
        select(CALLS.c.id)
        .where(
            CALLS.c.line_id.in_(agents.answered_lines(AGENT)),
            CALLS.c.status.in_(IN_LINE),
            CALLS.c.agent_id.is_(None),
        )
        .order_by(CALLS.c.queued_at, CALLS.c.id)
        .limit(limit)
    )


def _compare_and_set(entry):
    """The entry becomes this agent's, connecting, only if it is still in line and nobody's;
    a callback is being dialled from then on (UPDATE … RETURNING: one statement, and the
    winner has its row without reading it back)."""
    was_callback = CALLS.c.status == CallStatus.CALLBACK
    return (
        update(CALLS)
        .where(CALLS.c.id == entry, CALLS.c.agent_id.is_(None), CALLS.c.status.in_(IN_LINE))
        .values(
            agent_id=AGENT,
            status=CallStatus.CONNECTING,
            callback_state=case(
                (was_callback, literal(CallbackState.DIALING, CALLS.c.callback_state.type)),
                else_=CALLS.c.callback_state,
            ),
            callback_attempts=case(
                (was_callback, func.coalesce(CALLS.c.callback_attempts, 0) + 1),
                else_=CALLS.c.callback_attempts,
            ),
        )
        .returning(*TAKEN_COLUMNS)
    )


OLDEST = _oldest(CANDIDATES)
TAKE_OLDEST = _compare_and_set(_oldest(1).with_for_update(skip_locked=True).scalar_subquery())
TAKE_ENTRY = _compare_and_set(bindparam("call_id"))


def _take(statement, **params) -> Row | None:
    return db.session.execute(statement, params).first()


def take_next_call(staff_id: int, now: datetime | None = None) -> Taken | None:
    """The oldest waiting entry of the agent's lines, now theirs, in a transaction of its own;
    None when nobody waits."""
    return run_in_transaction(take_next, staff_id, now, expire=False)


def take_next(staff_id: int, now: datetime | None = None) -> Taken | None:
    """Take-next inside the caller's unit of work (the API writes its access-log entry in the
    same transaction). The caller retries it as a whole (`run_in_transaction`)."""
    moment = now or utcnow()
    agent = db.session.execute(LOCK_AGENT, {"staff_id": staff_id}).first()
    if agent is None:  # never opened the console: their row is made now
        agents.agent_status(staff_id)
        agent = db.session.execute(LOCK_AGENT, {"staff_id": staff_id}).first()
    if agent.current_call_status in (CallStatus.CONNECTING, CallStatus.ON_CALL):
        raise Conflict("agent_on_call")
    # The oldest entry nobody is taking, found and taken in one statement. SKIP LOCKED
    # (PostgreSQL; SQLite, one writer at a time, has no need of it): agents pressing together
    # take different entries at once instead of queueing behind one row.
    if call := _take(TAKE_OLDEST, staff_id=staff_id):
        return _start(call, agent, moment)
    while True:
        # every entry left is being taken by a colleague: wait for their commits, then see
        candidates = list(db.session.scalars(OLDEST, {"staff_id": staff_id}))
        if not candidates:
            return None
        for call_id in candidates:
            if call := _take(TAKE_ENTRY, staff_id=staff_id, call_id=call_id):
                return _start(call, agent, moment)
        # every candidate was taken by a colleague meanwhile: read the line again


def _start(call: Row, agent: Row, moment: datetime) -> Taken:
    """The agent is on this call; the rest happens after the commit."""
    callback = call.callback_state == CallbackState.DIALING
    agents.move_onto_call(agent, call.id, moment)
    queue.publish_after_commit()
    bridge.connect_after_commit(call, agent)
    pop = screen_pop.pop_after_commit(call, db.session.get(Staff, agent.staff_id))
    waited = max(0, int((moment - call.queued_at).total_seconds())) if call.queued_at else 0
    return Taken(
        call_id=call.id,
        kind="callback" if callback else "live",
        from_number=screen_pop.caller_number(call),
        waited_seconds=waited,
        parties=pop["parties"],
    )

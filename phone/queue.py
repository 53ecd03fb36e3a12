"""Loket's queue per phone line: a caller's place, the expected wait, joining and leaving.

The queue is the calls themselves: an entry is a call WAITING (live, in Twilio's queue too) or
a CALLBACK (gone from Twilio's queue, kept here), in the order of `queued_at`. A callback keeps
its `queued_at`, so the position of everyone behind it stays what it was, and agents taking
the next entry take it in its turn. Twilio's own QueuePosition counts only live callers; the
position told to a caller counts the callbacks ahead of them too.
"""

import logging
import math
import threading
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from core.database import utcnow
from core.unit_of_work import after_commit
from extensions import db
from office.models import Service
from phone.models import (
    IN_LINE,
    AgentState,
    AgentStatus,
    Call,
    CallbackState,
    CallStatus,
    PhoneLine,
    agent_line,
)

log = logging.getLogger(__name__)
DEFAULT_HANDLE_SECONDS = 240  # LOKET_PHONE_HANDLE_SECONDS: an agent's time per call, wrap-up too


def position(call: Call) -> int:
    """1 for the first in line: the entries of the line ahead of this one, plus one."""
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Call)
        .where(
            Call.line_id == call.line_id,
            Call.status.in_(IN_LINE),
            or_(
                Call.queued_at < call.queued_at,
                and_(Call.queued_at == call.queued_at, Call.id < call.id),
            ),
        )
    )
    return ahead + 1


def staffed_agents(line_id: int) -> int:
    """Agents not away who answer the line: those who chose it, and those who chose no line
    (they answer every line, as take-next gives them)."""
    chosen = select(agent_line.c.line_id).where(agent_line.c.staff_id == AgentStatus.staff_id)
    return db.session.scalar(
        select(func.count())
        .select_from(AgentStatus)
        .where(
            AgentStatus.status != AgentState.AWAY,
            or_(
                chosen.where(agent_line.c.line_id == line_id).exists(),
                ~chosen.exists(),
            ),
        )
    )


def expected_wait_seconds(position: int, agents: int, handle_seconds: int) -> int:
    """Each agent takes one entry per handle time: the caller's turn comes after the
    entries ahead have been shared out among the agents (one agent when none is in)."""
    rounds = math.ceil(max(position, 1) / max(agents, 1))
    return rounds * handle_seconds


def expected_wait_minutes(call: Call, place: int) -> int:
    handle = int(current_app.config.get("PHONE_HANDLE_SECONDS") or DEFAULT_HANDLE_SECONDS)
    seconds = expected_wait_seconds(place, staffed_agents(call.line_id), handle)
    return max(1, math.ceil(seconds / 60))


def live_waiting(line: PhoneLine) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Call)
        .where(Call.line_id == line.id, Call.status == CallStatus.WAITING)
    )


def is_full(line: PhoneLine) -> bool:
    """The line holds its maximum of live callers (callbacks wait outside Twilio's queue)."""
    return live_waiting(line) >= line.max_waiting


def join(call: Call, line: PhoneLine, moment: datetime | None = None) -> None:
    """The caller's place in the line: kept when the menu is answered again (another
    language), so a caller never moves back."""
    call.line_id, call.service_id = line.id, line.service_id
    call.status = CallStatus.WAITING
    if call.queued_at is None:
        call.queued_at = moment or utcnow()


def leave_for_callback(call: Call, number: str | None, moment: datetime | None = None) -> None:
    """Out of Twilio's queue, still in Loket's: the same row, the same `queued_at`."""
    call.status = CallStatus.CALLBACK
    call.callback_number = number
    call.callback_requested_at = moment or utcnow()
    call.callback_state = CallbackState.REQUESTED


def figures(now: datetime | None = None) -> list[dict]:
    """Per active line: live callers waiting, the longest wait (live or callback), and the
    callbacks waiting; the shape of GET /api/v1/phone/queues and of the `phone_queues` event."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            PhoneLine.id,
            PhoneLine.service_id,
            func.count(case((Call.status == CallStatus.WAITING, 1))),
            func.count(case((Call.status == CallStatus.CALLBACK, 1))),
            func.min(Call.queued_at),
        )
        .select_from(PhoneLine)
        .outerjoin(Call, and_(Call.line_id == PhoneLine.id, Call.status.in_(IN_LINE)))
        .where(PhoneLine.active)
        .group_by(PhoneLine.id, PhoneLine.service_id)
        .order_by(PhoneLine.digit)
    ).all()
    names = dict(
        db.session.execute(
            select(PhoneLine.id, Service.name_nl).join(Service, Service.id == PhoneLine.service_id)
        ).all()
    )
    return [
        {
            "service_id": service_id,
            "line_id": line_id,
            "name": names[line_id],
            "waiting": waiting,
            "longest_wait_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
            "callbacks_waiting": callbacks,
        }
        for line_id, service_id, waiting, callbacks, oldest in rows
    ]


def publish_after_commit() -> None:
    """The lines' figures to the staff's /desk namespace (`phone_queues {"lines": [...]}`)
    once this change is committed: a change that rolls back announces nothing."""
    after_commit(_schedule, current_app._get_current_object())


# Figures are read in the background a moment after the commit, not in the request: Twilio's
# answer never waits for them, and the changes of that moment (many callers at once) share
# one read and one emit.
PUBLISH_DELAY_SECONDS = 0.2
_scheduled: set[int] = set()  # the apps with a publish on its way
_lock = threading.Lock()


def _schedule(app) -> None:
    with _lock:
        if id(app) in _scheduled:
            return
        _scheduled.add(id(app))
    server = app.extensions["socketio"]
    try:
        server.start_background_task(_publish, app, server)
    except Exception:
        with _lock:
            _scheduled.discard(id(app))
        log.exception("could not schedule the phone queues' publish")


def _publish(app, server) -> None:
    server.sleep(float(app.config.get("PHONE_PUBLISH_DELAY_SECONDS", PUBLISH_DELAY_SECONDS)))
    with _lock:
        _scheduled.discard(id(app))  # a change from now on schedules the next publish
    with app.app_context():
        try:
            server.emit("phone_queues", {"lines": figures()}, namespace="/desk")
        except Exception:
            log.exception("could not publish the phone queues")
        finally:
            db.session.remove()

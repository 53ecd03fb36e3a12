"""What screens show, read fresh on every (re)connect: the board, a ticket, a desk's queue."""

from flask import current_app
from sqlalchemy import func, select

from appointments.models import Counter, Location, Service, counter_service
from core.database import utcnow
from counter.models import Ticket, TicketStatus
from counter.ordering import count_ahead_query
from counter.queue import (
    estimated_wait_minutes,
    in_call_order,
    local_day,
    minutes_per_person,
)
from extensions import db


def board_state(location_id: int) -> dict | None:
    """The last called tickets of today at a location; None for an unknown location."""
    location = db.session.get(Location, location_id)
    if location is None:
        return None
    rows = db.session.execute(
        select(Ticket, Counter.name)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.location_id == location_id,
            Ticket.day == local_day(utcnow()),
            Ticket.called_at.is_not(None),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(current_app.config["COUNTER_BOARD_SIZE"])
    ).all()
    return {
        "location_id": location.id,
        "location": location.name,
        "called": [
            {
                "number": ticket.code,
                "counter": counter_name,
                "location_id": location.id,
                "called_at": ticket.called_at.isoformat(),
            }
            for ticket, counter_name in rows
        ],
    }


def counters_serving_query(service_id: int, location_id: int):
    return (
        select(func.count(Counter.id))
        .join(counter_service, counter_service.c.counter_id == Counter.id)
        .where(
            counter_service.c.service_id == service_id,
            Counter.location_id == location_id,
            Counter.active.is_(True),
        )
    )


def counters_serving(service_id: int, location_id: int) -> int:
    return db.session.scalar(counters_serving_query(service_id, location_id))


def recent_minutes(service_id: int, location_id: int, day) -> list[float]:
    rows = db.session.execute(
        select(Ticket.called_at, Ticket.finished_at)
        .where(
            Ticket.service_id == service_id,
            Ticket.location_id == location_id,
            Ticket.day == day,
            Ticket.status == TicketStatus.FINISHED,
        )
        .order_by(Ticket.finished_at.desc())
        .limit(20)
    ).all()
    return [(end - start).total_seconds() / 60 for start, end in rows if start and end]


def queue_position(ticket: Ticket) -> tuple[int, int]:
    """(people ahead, estimated wait in minutes) in the ticket's service queue: one COUNT in
    the database (counter.ordering), never the whole queue loaded; the counters serving it
    come back in the same round trip."""
    if ticket.status != TicketStatus.WAITING:
        return 0, 0
    ahead, counters = db.session.execute(
        select(
            count_ahead_query(ticket, current_app.config["COUNTER_CALL_RULE"]).scalar_subquery(),
            counters_serving_query(ticket.service_id, ticket.location_id).scalar_subquery(),
        )
    ).one()
    service = db.session.get(Service, ticket.service_id)
    per_person = minutes_per_person(
        recent_minutes(ticket.service_id, ticket.location_id, ticket.day), service.duration_minutes
    )
    return ahead, estimated_wait_minutes(ahead, per_person, counters)


def ticket_view(ticket: Ticket) -> dict:
    ahead, wait = queue_position(ticket)
    counter = db.session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    service = db.session.get(Service, ticket.service_id)
    return {
        "id": ticket.id,
        "number": ticket.code,
        "status": ticket.status.value,
        "kind": ticket.kind.value,
        "service": service.name,
        "location_id": ticket.location_id,
        "position": ahead,
        "estimated_wait_minutes": wait,
        "counter": counter.name if counter else None,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "sms_requested": ticket.notify_phone is not None,
    }


def desk_overview(counter: Counter) -> dict:
    """Who waits per service of this counter, and for how long; the counter's open and parked
    tickets."""
    now = utcnow()
    day = local_day(now)
    rule = current_app.config["COUNTER_CALL_RULE"]
    service_ids = [s.id for s in counter.services]
    tickets = db.session.scalars(
        select(Ticket).where(
            Ticket.location_id == counter.location_id,
            Ticket.day == day,
            Ticket.status.in_([TicketStatus.WAITING, TicketStatus.PARKED, TicketStatus.CALLED]),
        )
    ).all()
    waiting = [t for t in tickets if t.status == TicketStatus.WAITING]
    services = []
    for service in counter.services:
        queue = in_call_order([t for t in waiting if t.service_id == service.id], rule)
        services.append(
            {
                "id": service.id,
                "name": service.name,
                "waiting": [_row(t, now) for t in queue],
                "longest_wait_minutes": max((_waited(t, now) for t in queue), default=0),
            }
        )
    current = next(
        (t for t in tickets if t.status == TicketStatus.CALLED and t.counter_id == counter.id),
        None,
    )
    return {
        "counter": {"id": counter.id, "name": counter.name, "location_id": counter.location_id},
        "services": services,
        "next_up": len([t for t in waiting if t.service_id in service_ids]),
        "current": ticket_view(current) if current else None,
        "parked": [_row(t, now) for t in tickets if t.status == TicketStatus.PARKED],
    }


def _waited(ticket, now) -> int:
    return int((now - ticket.issued_at).total_seconds() // 60)


def _row(ticket, now) -> dict:
    return {
        "id": ticket.id,
        "number": ticket.code,
        "kind": ticket.kind.value,
        "booked_start": ticket.booked_start.isoformat() if ticket.booked_start else None,
        "waited_minutes": _waited(ticket, now),
        "priority": ticket.priority,
    }

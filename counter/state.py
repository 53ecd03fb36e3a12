"""What screens show, read fresh on every (re)connect: the board, a ticket, a desk's queue."""

import functools

from flask import current_app
from sqlalchemy import bindparam, func, literal, select, true

from core.database import utcnow
from counter import ordering
from counter.models import Ticket, TicketStatus
from counter.queue import (
    estimated_wait_minutes,
    in_call_order,
    local_day,
    minutes_per_person,
)
from extensions import db
from office import hours
from office.models import Counter, Location, Service, counter_service


def board_state(location_id: int) -> dict | None:
    """The last called tickets of today at a location, and whether it is open now (the
    office's answer, as for the kiosk); None for an unknown location."""
    location = db.session.get(Location, location_id)
    if location is None:
        return None
    now = utcnow()
    rows = db.session.execute(
        select(Ticket, Counter.name)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.location_id == location_id,
            Ticket.day == local_day(now),
            Ticket.called_at.is_not(None),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(current_app.config["COUNTER_BOARD_SIZE"])
    ).all()
    return {
        "location_id": location.id,
        "location": location.name,
        "open": location.active and hours.open_at(location.id, now),
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


RECENT_SAMPLES = 20  # today's last finished visits: the pace the estimate goes by


@functools.cache
def _position(rule: str):
    """People ahead, counters serving the queue, the service's duration, and the recent visits
    (a row each, outer-joined to a single row so that none still answers). Built once per rule
    of table columns (see counter.ordering); parameters are ordering.queue_params."""
    ticket, counter, service = Ticket.__table__.c, Counter.__table__.c, Service.__table__.c
    recent = (
        select(ticket.called_at, ticket.finished_at)
        .where(
            ticket.service_id == bindparam("service_id"),
            ticket.location_id == bindparam("location_id"),
            ticket.day == bindparam("day"),
            ticket.status == TicketStatus.FINISHED,
        )
        .order_by(ticket.finished_at.desc())
        .limit(RECENT_SAMPLES)
        .subquery()
    )
    counters = (
        select(func.count(counter.id))
        .join(counter_service, counter_service.c.counter_id == counter.id)
        .where(
            counter_service.c.service_id == bindparam("service_id"),
            counter.location_id == bindparam("location_id"),
            counter.active.is_(True),
        )
    )
    duration = select(service.duration_minutes).where(service.id == bindparam("service_id"))
    one = select(literal(1).label("one")).subquery()
    return (
        select(
            ordering.ahead_count(rule).scalar_subquery(),
            counters.scalar_subquery(),
            duration.scalar_subquery(),
            recent.c.called_at,
            recent.c.finished_at,
        )
        .select_from(one)
        .outerjoin(recent, true())
    )


def queue_position(ticket: Ticket) -> tuple[int, int]:
    """(people ahead, estimated wait in minutes) in the ticket's service queue, in one round
    trip: people ahead is one COUNT in the database, never the whole queue loaded."""
    if ticket.status != TicketStatus.WAITING:
        return 0, 0
    rule = current_app.config["COUNTER_CALL_RULE"]
    rows = db.session.execute(_position(rule), ordering.queue_params(ticket, rule)).all()
    ahead, counters, duration = rows[0][:3]
    minutes = [(end - start).total_seconds() / 60 for *_, start, end in rows if start and end]
    return ahead, estimated_wait_minutes(ahead, minutes_per_person(minutes, duration), counters)


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


OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.PARKED)


def open_tickets_of(party_ids, now) -> list[tuple[Ticket, Service, str, str | None]]:
    """These parties' open tickets (waiting, called or parked) with their service, location
    name and, once called, counter name; oldest first. A ticket is open on its own day only (the
    queue is today's), so the index on location, day and status finds them: one short range
    per location, however many tickets the years have left behind."""
    locations = select(Location.id).scalar_subquery()
    return [
        tuple(row)
        for row in db.session.execute(
            select(Ticket, Service, Location.name, Counter.name)
            .join(Service, Service.id == Ticket.service_id)
            .join(Location, Location.id == Ticket.location_id)
            .outerjoin(Counter, Counter.id == Ticket.counter_id)
            .where(
                Ticket.location_id.in_(locations),
                Ticket.day == local_day(now),
                Ticket.status.in_(OPEN_STATUSES),
                Ticket.party_id.in_(party_ids),
            )
            .order_by(Ticket.issued_at, Ticket.id)
        )
    ]

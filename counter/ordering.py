"""The call order in SQL: the same order as counter.queue.call_order_key, asked of the database.

Why both: the pure key is the definition (tested with hypothesis); this module lets the database
answer "who is next" with ORDER BY … LIMIT and "how many are ahead" with one COUNT over the
(location, day, status) index, instead of loading every waiting ticket into Python on each
ticket issued and each call (which made both paths linear in the queue's length).
tests/counter/test_ordering.py holds the two to the same answers on both databases.

The statements are built once per rule with bound parameters: building a SQLAlchemy statement
and computing its cache key costs more Python time than the round trip on these hot paths; a
statement object built once keeps its cache key, and its compiled form comes from the cache.
They are made of table columns (TICKET), not the mapped attributes: a statement without ORM
entities is run as Core, without the ORM's compile and result steps.
"""

import functools

from sqlalchemy import and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.types import Integer

from core.database import UTCDateTime
from counter.models import Ticket, TicketKind, TicketStatus
from counter.queue import call_order_key
from extensions import db

# The types of call_order_key's items per rule (see counter.queue).
KEY_TYPES = {
    "appointments_first": (Integer, Integer, UTCDateTime, Integer),
    "booked_time_or_arrival": (Integer, UTCDateTime, Integer),
}


TICKET = Ticket.__table__.c


def order_columns(rule: str) -> list:
    """SQL expressions whose tuple sorts like call_order_key(ticket, rule)."""
    appointment = and_(TICKET.kind == TicketKind.APPOINTMENT, TICKET.booked_start.is_not(None))
    when = type_coerce(
        case((appointment, TICKET.booked_start), else_=TICKET.queued_at), UTCDateTime
    )
    if rule == "booked_time_or_arrival":
        return [-TICKET.priority, when, TICKET.id]
    return [
        case((appointment, 0), else_=1),
        case((appointment, 0), else_=-TICKET.priority),
        when,
        TICKET.id,
    ]


def before(columns: list, values: list):
    """Lexicographic columns < values, spelled out (c0 < v0 OR c0 = v0 AND c1 < v1 …) so both
    databases plan it the same way."""
    terms = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        equal_so_far = [c == v for c, v in zip(columns[:index], values[:index], strict=False)]
        terms.append(and_(*equal_so_far, column < value))
    return or_(*terms)


def key_params(ticket, rule: str) -> dict:
    return {f"key_{i}": value for i, value in enumerate(call_order_key(ticket, rule))}


def same_queue_waiting():
    """WHERE for one service's waiting tickets at a location today; parameters location_id,
    day, service_id."""
    return and_(
        TICKET.location_id == bindparam("location_id"),
        TICKET.day == bindparam("day"),
        TICKET.service_id == bindparam("service_id"),
        TICKET.status == TicketStatus.WAITING,
    )


@functools.cache
def ahead_count(rule: str):
    """COUNT of the waiting tickets of the same queue called before a ticket. Parameters:
    location_id, day, service_id, ticket_id and key_params(ticket, rule)."""
    keys = [bindparam(f"key_{i}", type_=kind()) for i, kind in enumerate(KEY_TYPES[rule])]
    return select(func.count(TICKET.id)).where(
        same_queue_waiting(),
        TICKET.id != bindparam("ticket_id"),
        before(order_columns(rule), keys),
    )


def queue_params(ticket, rule: str) -> dict:
    return {
        "location_id": ticket.location_id,
        "day": ticket.day,
        "service_id": ticket.service_id,
        "ticket_id": ticket.id,
        **key_params(ticket, rule),
    }


def count_ahead(ticket: Ticket, rule: str) -> int:
    return db.session.scalar(ahead_count(rule), queue_params(ticket, rule))


@functools.cache
def _next_ids(rule: str, limit: int, skip_locked: bool):
    """FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises): counters
    pressing Call next together each lock a different ticket instead of queueing on the first
    one's row lock until its transaction ends. With limit 1 nobody skips a ticket another
    counter has locked but will not take, so the call order holds."""
    statement = (
        select(Ticket.id)
        .where(
            Ticket.location_id == bindparam("location_id"),
            Ticket.day == bindparam("day"),
            Ticket.status == TicketStatus.WAITING,
            Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
        )
        .order_by(*order_columns(rule))
        .limit(limit)
    )
    return statement.with_for_update(skip_locked=True) if skip_locked else statement


def next_ids(
    location_id: int, day, service_ids, rule: str, limit: int, skip_locked: bool = False
) -> list[int]:
    """The first `limit` waiting tickets of these services, in call order: ids only.
    skip_locked: only those no other transaction has locked, and lock them."""
    return list(
        db.session.scalars(
            _next_ids(rule, limit, skip_locked),
            {"location_id": location_id, "day": day, "service_ids": list(service_ids)},
        )
    )


@functools.cache
def _asking():
    return select(Ticket).where(
        Ticket.location_id == bindparam("location_id"),
        Ticket.day == bindparam("day"),
        Ticket.status == TicketStatus.WAITING,
        Ticket.notify_phone.is_not(None),
        Ticket.turn_near_at.is_(None),
    )


def asking_for_sms(location_id: int, day) -> list[Ticket]:
    """Waiting tickets whose holder asked for the turn-near SMS and has not had it."""
    return list(db.session.scalars(_asking(), {"location_id": location_id, "day": day}))

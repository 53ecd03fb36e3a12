"""The call order in SQL: the same order as counter.queue.call_order_key, asked of the database.

Why both: the pure key is the definition (tested with hypothesis); this module lets the database
answer "who is next" with ORDER BY … LIMIT and "how many are ahead" with one COUNT over the
(location, day, status) index, instead of loading every waiting ticket into Python on each
ticket issued and each call (which made both paths linear in the queue's length).
tests/counter/test_ordering.py holds the two to the same answers on both databases.
"""

from sqlalchemy import and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.types import Integer

from core.database import UTCDateTime
from counter.models import Ticket, TicketKind, TicketStatus
from counter.queue import call_order_key
from extensions import db


def order_columns(rule: str) -> list:
    """SQL expressions whose tuple sorts like call_order_key(ticket, rule)."""
    appointment = and_(Ticket.kind == TicketKind.APPOINTMENT, Ticket.booked_start.is_not(None))
    when = type_coerce(
        case((appointment, Ticket.booked_start), else_=Ticket.queued_at), UTCDateTime
    )
    if rule == "booked_time_or_arrival":
        return [-Ticket.priority, when, Ticket.id]
    return [
        case((appointment, 0), else_=1),
        case((appointment, 0), else_=-Ticket.priority),
        when,
        Ticket.id,
    ]


def before(columns: list, key: tuple):
    """Lexicographic columns < key, spelled out (c0 < k0 OR c0 = k0 AND c1 < k1 …) so both
    databases plan it the same way."""
    values = [
        bindparam(None, value, type_=Integer() if isinstance(value, int) else UTCDateTime())
        for value in key
    ]
    terms = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        equal_so_far = [c == v for c, v in zip(columns[:index], values[:index], strict=False)]
        terms.append(and_(*equal_so_far, column < value))
    return or_(*terms)


def waiting_clause(location_id: int, day, service_ids=None):
    clause = and_(
        Ticket.location_id == location_id,
        Ticket.day == day,
        Ticket.status == TicketStatus.WAITING,
    )
    if service_ids is not None:
        clause = and_(clause, Ticket.service_id.in_(list(service_ids)))
    return clause


def next_ids(location_id: int, day, service_ids, rule: str, limit: int) -> list[int]:
    """The first `limit` waiting tickets of these services, in call order: ids only."""
    return list(
        db.session.scalars(
            select(Ticket.id)
            .where(waiting_clause(location_id, day, service_ids))
            .order_by(*order_columns(rule))
            .limit(limit)
        )
    )


def count_ahead_query(ticket: Ticket, rule: str):
    """How many waiting tickets of the same service queue will be called before this one."""
    return select(func.count(Ticket.id)).where(
        waiting_clause(ticket.location_id, ticket.day, [ticket.service_id]),
        Ticket.id != ticket.id,
        before(order_columns(rule), call_order_key(ticket, rule)),
    )


def count_ahead(ticket: Ticket, rule: str) -> int:
    return db.session.scalar(count_ahead_query(ticket, rule))

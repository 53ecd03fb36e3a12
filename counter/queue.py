"""Pure functions of the queue: who is called next, how many are ahead, how long the wait is.

They take plain values (anything with the attributes below), so they are tested without a
database, with hypothesis.
"""

import math
from datetime import date, datetime

from core.time import BRUSSELS

RULES = ("appointments_first", "booked_time_or_arrival")


def local_day(now: datetime) -> date:
    """Ticket numbers restart every day at midnight in Brussels, not in UTC."""
    return now.astimezone(BRUSSELS).date()


def default_letter(service_id: int) -> str:
    """A service without a configured letter still gets a stable one: 1 → A, 2 → B, ..."""
    return chr(ord("A") + (service_id - 1) % 26)


def call_order_key(ticket, rule: str = "appointments_first") -> tuple:
    """Sort key for waiting tickets; the smallest is called first.

    appointments_first: every checked-in appointment (by booked time) before any walk-in;
    walk-ins by priority (transferred to the front) and then by how long they wait.
    booked_time_or_arrival: one line, appointments placed at their booked time among walk-ins
    by arrival; priority still goes first.
    """
    is_appointment = ticket.kind == "appointment" and ticket.booked_start is not None
    if rule == "booked_time_or_arrival":
        when = ticket.booked_start if is_appointment else ticket.queued_at
        return (-ticket.priority, when, ticket.id)
    if is_appointment:
        return (0, 0, ticket.booked_start, ticket.id)
    return (1, -ticket.priority, ticket.queued_at, ticket.id)


def in_call_order(tickets, rule: str = "appointments_first") -> list:
    return sorted(tickets, key=lambda t: call_order_key(t, rule))


def people_ahead(ticket, waiting, rule: str = "appointments_first") -> int:
    """How many of `waiting` (the same service's queue) will be called before `ticket`."""
    mine = call_order_key(ticket, rule)
    return sum(
        1 for other in waiting if other.id != ticket.id and call_order_key(other, rule) < mine
    )


def minutes_per_person(recent_minutes: list[float], service_minutes: int) -> float:
    """Today's real service times when there are enough of them, else the booked duration."""
    if len(recent_minutes) >= 3:
        return sum(recent_minutes) / len(recent_minutes)
    return float(service_minutes)


def estimated_wait_minutes(ahead: int, per_person: float, counters: int) -> int:
    return math.ceil(ahead * per_person / max(counters, 1))

"""Free times for a visit: loads the rows availability.py needs, only for the range asked.

The appointments read are those of the counters that could take the visit, between the first
and last day asked: the cost grows with the appointments in that range, not with all ever made.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from appointments import availability
from appointments.models import (
    Appointment,
    Counter,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
    Status,
    counter_service,
)
from core.database import utcnow
from extensions import db


class BookingError(Exception):
    """A request the citizen or clerk can correct: `fields` names what is wrong, and why."""

    status = 422
    code = "invalid"

    def __init__(self, message, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class UnknownService(BookingError):
    status = 404
    code = "unknown_service"


@dataclass(frozen=True)
class Visit:
    """What one booking asks of a counter: these services, for this many people."""

    services: tuple[Service, ...]
    people: int = 1

    @property
    def service_ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.services)

    @property
    def need_minutes(self) -> int:
        return sum(s.duration_minutes for s in self.services) * self.people

    @property
    def hold_minutes(self) -> int:
        return self.need_minutes + max((s.buffer_minutes for s in self.services), default=0)


def load_visit(service_ids, people: int = 1) -> Visit:
    ids = sorted({int(i) for i in service_ids})
    if not ids:
        raise BookingError(_l("Choose at least one service."), {"service_id": _l("Required.")})
    services = db.session.scalars(
        select(Service).where(Service.id.in_(ids), Service.active.is_(True)).order_by(Service.id)
    ).all()
    if len(services) != len(ids):
        raise UnknownService(_l("This service does not exist."), {"service_id": _l("Unknown.")})
    most = min(s.max_people for s in services)
    if not 1 <= people <= most:
        raise BookingError(
            _l("One booking can cover 1 to %(most)s people.", most=most),
            {"people": _l("Between 1 and %(most)s.", most=most)},
        )
    return Visit(tuple(services), people)


def locations_for(visit: Visit, location_id: int | None = None) -> list[Location]:
    """Active locations that offer every service of the visit."""
    offered = [set(s.locations) for s in visit.services]
    found = [loc for loc in set.intersection(*offered) if loc.active]
    if location_id is not None:
        found = [loc for loc in found if loc.id == location_id]
        if not found:
            raise BookingError(
                _l("This service is not offered at that location."),
                {"location_id": _l("Not offered here.")},
            )
    return sorted(found, key=lambda loc: loc.id)


def counters_for(visit: Visit, locations: list[Location]) -> dict[int, list[int]]:
    """Location id -> ids of its active counters that serve every service of the visit."""
    if not locations:
        return {}
    rows = db.session.execute(
        select(Counter.id, Counter.location_id, counter_service.c.service_id)
        .join(counter_service, counter_service.c.counter_id == Counter.id)
        .where(
            Counter.active.is_(True),
            Counter.location_id.in_([loc.id for loc in locations]),
            counter_service.c.service_id.in_(visit.service_ids),
        )
    ).all()
    served: dict[tuple[int, int], set[int]] = {}
    for counter_id, location_id, service_id in rows:
        served.setdefault((location_id, counter_id), set()).add(service_id)
    result: dict[int, list[int]] = {loc.id: [] for loc in locations}
    for (location_id, counter_id), services in sorted(served.items()):
        if services >= set(visit.service_ids):
            result[location_id].append(counter_id)
    return result


def plans_for(
    visit: Visit,
    locations: list[Location],
    first_day: date,
    last_day: date,
    *,
    with_bookings: bool = True,
) -> list[availability.LocationPlan]:
    counters = counters_for(visit, locations)
    counter_ids = [c for ids in counters.values() for c in ids]
    location_ids = [loc.id for loc in locations]
    # A day in any time zone lies within a day either side of the same UTC dates.
    window_start = datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC)
    window_end = datetime.combine(last_day + timedelta(days=2), time(), tzinfo=UTC)
    busy: dict[int, list] = {c: [] for c in counter_ids}
    if counter_ids and with_bookings:
        rows = db.session.execute(
            select(Appointment.counter_id, Appointment.starts_at, Appointment.blocked_until)
            .where(
                Appointment.counter_id.in_(counter_ids),
                Appointment.status != Status.CANCELLED,
                # Nobody holds a counter for a day: the lower bound keeps the index useful.
                Appointment.starts_at >= window_start - timedelta(days=1),
                Appointment.starts_at < window_end,
                Appointment.blocked_until > window_start,
            )
            .order_by(Appointment.starts_at)
        ).all()
        for counter_id, starts_at, blocked_until in rows:
            busy[counter_id].append((starts_at, blocked_until))
    weekly: dict[int, dict[int, list]] = {i: {} for i in location_ids}
    for period in db.session.scalars(
        select(OpeningPeriod).where(OpeningPeriod.location_id.in_(location_ids))
    ):
        weekly[period.location_id].setdefault(period.weekday, []).append(
            (period.opens, period.closes)
        )
    exceptions: dict[int, list] = {i: [] for i in location_ids}
    for exc in db.session.scalars(
        select(OpeningException).where(
            OpeningException.location_id.in_(location_ids),
            OpeningException.day >= first_day,
            OpeningException.day <= last_day,
        )
    ):
        exceptions[exc.location_id].append(
            availability.HoursException(exc.day, exc.closed, exc.opens, exc.closes)
        )
    return [
        availability.LocationPlan(
            id=loc.id,
            timezone=loc.timezone,
            weekly=weekly[loc.id],
            exceptions=exceptions[loc.id],
            counters=[availability.CounterPlan(c, busy[c]) for c in counters[loc.id]],
            min_notice_minutes=loc.min_notice_minutes,
            horizon_days=loc.horizon_days,
            walk_in_percent=loc.walk_in_percent,
        )
        for loc in locations
    ]


def find_slots(
    visit: Visit,
    first_day: date,
    last_day: date,
    *,
    location_id: int | None = None,
    now: datetime | None = None,
    exclude: int | None = None,
    ignore_bookings: bool = False,
) -> list[availability.Slot]:
    """Free starts for the visit; `exclude` leaves one appointment out (its own reschedule).

    `ignore_bookings` gives the times the hours allow at all: a start outside them is bad
    input, a start inside them that someone holds is a lost race.
    """
    now = now or utcnow()
    locations = locations_for(visit, location_id)
    plans = plans_for(visit, locations, first_day, last_day, with_bookings=not ignore_bookings)
    if exclude is not None:
        _leave_out(plans, exclude, first_day, last_day)
    return availability.available_slots(
        plans,
        need_minutes=visit.need_minutes,
        hold_minutes=visit.hold_minutes,
        first_day=first_day,
        last_day=last_day,
        now=now,
        step_minutes=current_app.config["BOOKING_SLOT_MINUTES"],
    )


def _leave_out(plans, appointment_id: int, first_day: date, last_day: date) -> None:
    own = db.session.get(Appointment, appointment_id)
    if own is None:
        return
    for plan in plans:
        for counter in plan.counters:
            if counter.id == own.counter_id:
                counter.busy = [b for b in counter.busy if b != (own.starts_at, own.blocked_until)]


def check_range(first_day: date, last_day: date, locations: list[Location], now=None) -> None:
    """Refuse ranges nobody can book in: the past, reversed, past the horizon, or too long."""
    now = now or utcnow()
    zone = locations[0].timezone if locations else "Europe/Brussels"
    today = availability.local_today(now, zone)
    last_bookable = today + timedelta(days=max((loc.horizon_days for loc in locations), default=0))
    longest = current_app.config["BOOKING_MAX_RANGE_DAYS"]
    if last_day < first_day:
        raise BookingError(
            _l("The end date lies before the start date."), {"to": _l("Before the start date.")}
        )
    if first_day < today:
        raise BookingError(
            _l("This date is in the past. Choose today or a later date."),
            {"from": _l("In the past.")},
        )
    if last_day > last_bookable:
        raise BookingError(
            _l("You can book up to %(day)s.", day=last_bookable.isoformat()),
            {"to": _l("Past the booking horizon.")},
        )
    if (last_day - first_day).days >= longest:
        raise BookingError(
            _l("Ask for at most %(days)s days at once.", days=longest),
            {"to": _l("Range too long.")},
        )

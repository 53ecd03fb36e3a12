"""Free times for a visit: loads the rows availability.py needs, only for the range asked.

The appointments read are those of the counters that could take the visit, between the first
and last day asked: the cost grows with the appointments in that range, not with all ever made.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from appointments import availability
from appointments.models import (
    TIMEZONE,
    Appointment,
    Counter,
    Location,
    OpeningException,
    OpeningPeriod,
    Service,
    Status,
    counter_service,
)
from core.database import epoch_seconds, utcnow
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
    """What one booking asks of a counter: these services, for this many people.

    The figures are cached on first use: the booking path rolls back its read transaction
    before it writes, which expires the Service rows, and each later attribute read would
    reload them.
    """

    services: tuple[Service, ...]
    people: int = 1

    @cached_property
    def service_ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.services)

    @cached_property
    def need_minutes(self) -> int:
        return sum(s.duration_minutes for s in self.services) * self.people

    @cached_property
    def hold_minutes(self) -> int:
        return self.need_minutes + max((s.buffer_minutes for s in self.services), default=0)


@dataclass(frozen=True)
class Place:
    """A location's booking rules as plain values, so they outlive the transaction."""

    id: int
    timezone: str
    min_notice_minutes: int
    horizon_days: int
    walk_in_percent: int

    @classmethod
    def of(cls, location: Location) -> "Place":
        return cls(
            location.id,
            location.timezone,
            location.min_notice_minutes,
            location.horizon_days,
            location.walk_in_percent,
        )


def load_visit(service_ids, people: int = 1) -> Visit:
    """The services asked for, with the locations that offer them, in one query."""
    ids = sorted({int(i) for i in service_ids})
    if not ids:
        raise BookingError(_l("Choose at least one service."), {"service_id": _l("Required.")})
    services = (
        db.session.scalars(
            select(Service)
            .where(Service.id.in_(ids), Service.active.is_(True))
            .options(joinedload(Service.locations))
            .order_by(Service.id)
        )
        .unique()
        .all()
    )
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


def _utc_window(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    # A day in any time zone lies within a day either side of the same UTC dates.
    return (
        datetime.combine(first_day - timedelta(days=1), time(), tzinfo=UTC),
        datetime.combine(last_day + timedelta(days=2), time(), tzinfo=UTC),
    )


class Timetable:
    """Where and when one visit can take place: the set-up rows, read once per request.

    Locations, the counters that serve the visit and the opening hours (with the exceptions
    between `first_day` and `last_day`) are read here, in three queries. Appointments are read
    apart, by `busy()`, because the booking path must read them again inside its write
    transaction and on every retry, while the set-up rows stay the same.
    """

    def __init__(self, visit: Visit, locations: list[Location], first_day: date, last_day: date):
        self.places = [Place.of(loc) for loc in locations]
        self.need_minutes, self.hold_minutes = visit.need_minutes, visit.hold_minutes
        self.first_day, self.last_day = first_day, last_day
        self.counters = counters_for(visit, locations)
        location_ids = [place.id for place in self.places]
        self.weekly: dict[int, dict[int, list]] = {i: {} for i in location_ids}
        self.exceptions: dict[int, list] = {i: [] for i in location_ids}
        if not location_ids:
            return
        for location_id, weekday, opens, closes in db.session.execute(
            select(
                OpeningPeriod.location_id,
                OpeningPeriod.weekday,
                OpeningPeriod.opens,
                OpeningPeriod.closes,
            ).where(OpeningPeriod.location_id.in_(location_ids))
        ):
            self.weekly[location_id].setdefault(weekday, []).append((opens, closes))
        for location_id, day, closed, opens, closes in db.session.execute(
            select(
                OpeningException.location_id,
                OpeningException.day,
                OpeningException.closed,
                OpeningException.opens,
                OpeningException.closes,
            ).where(
                OpeningException.location_id.in_(location_ids),
                OpeningException.day >= first_day,
                OpeningException.day <= last_day,
            )
        ):
            self.exceptions[location_id].append(
                availability.HoursException(day, closed, opens, closes)
            )

    @property
    def counter_ids(self) -> list[int]:
        return [c for ids in self.counters.values() for c in ids]

    def busy(
        self, first_day: date, last_day: date, *, exclude: int | None = None
    ) -> dict[int, list[availability.Seconds]]:
        """Counter id -> the times its appointments hold it around these days, in seconds.

        One query, limited to the counters that could take the visit and to the days asked
        (ix_appointment_counter_id_starts_at), run on the connection: plain integer tuples, no
        ORM row processing. Unordered: availability sorts each counter's few intervals itself,
        cheaper than a sort in the database. `exclude` leaves one appointment out: its own
        reschedule.
        """
        busy: dict[int, list] = {c: [] for c in self.counter_ids}
        if not busy:
            return busy
        window_start, window_end = _utc_window(first_day, last_day)
        query = select(
            Appointment.counter_id,
            epoch_seconds(Appointment.starts_at),
            epoch_seconds(Appointment.blocked_until),
        ).where(
            Appointment.counter_id.in_(list(busy)),
            Appointment.status != Status.CANCELLED,
            # Nobody holds a counter for a day: the lower bound keeps the index useful.
            Appointment.starts_at >= window_start - timedelta(days=1),
            Appointment.starts_at < window_end,
            Appointment.blocked_until > window_start,
        )
        if exclude is not None:
            query = query.where(Appointment.id != exclude)
        rows = db.session.connection().execute(query).all()  # one fetch, not a fetch per row
        for counter_id, starts_at, blocked_until in rows:
            busy[counter_id].append((starts_at, blocked_until))
        return busy

    def plans(self, busy: dict[int, list] | None = None) -> list[availability.LocationPlan]:
        busy = busy or {}
        return [
            availability.LocationPlan(
                id=loc.id,
                timezone=loc.timezone,
                weekly=self.weekly[loc.id],
                exceptions=self.exceptions[loc.id],
                counters=[
                    availability.CounterPlan(c, busy.get(c, [])) for c in self.counters[loc.id]
                ],
                min_notice_minutes=loc.min_notice_minutes,
                horizon_days=loc.horizon_days,
                walk_in_percent=loc.walk_in_percent,
            )
            for loc in self.places
        ]

    def slot_at(
        self, start: datetime, *, now: datetime, busy: dict | None = None
    ) -> availability.Slot | None:
        """The slot that starts at `start`, if the visit fits there; no `busy`: hours alone."""
        day = availability.local_today(start, self.places[0].timezone if self.places else TIMEZONE)
        if not self.first_day <= day <= self.last_day:
            return None
        for slot in self.slots(day, day, now=now, busy=busy):
            if slot.start == start:
                return slot
        return None

    def slots(
        self, first_day: date, last_day: date, *, now: datetime, busy: dict | None = None
    ) -> list[availability.Slot]:
        """Free starts between the days (within the timetable's); no `busy`: hours alone."""
        if first_day < self.first_day or last_day > self.last_day:
            raise ValueError("days outside the timetable's exceptions")
        return availability.available_slots(
            self.plans(busy),
            need_minutes=self.need_minutes,
            hold_minutes=self.hold_minutes,
            first_day=first_day,
            last_day=last_day,
            now=now,
            step_minutes=current_app.config["BOOKING_SLOT_MINUTES"],
        )


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
    timetable = Timetable(visit, locations_for(visit, location_id), first_day, last_day)
    busy = None if ignore_bookings else timetable.busy(first_day, last_day, exclude=exclude)
    return timetable.slots(first_day, last_day, now=now or utcnow(), busy=busy)


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

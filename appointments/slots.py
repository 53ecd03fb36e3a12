"""What a citizen asks for (a visit: services and people), and the free times for it.

The rows are read by timetable.py, the times computed by availability.py; this module checks
the request and ties the two together.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from flask import current_app
from flask_babel import lazy_gettext as _l

from appointments import availability
from appointments.timetable import Timetable
from core.database import utcnow
from core.errors import DomainError
from core.time import BRUSSELS, TIMEZONE
from office import setup
from office.models import Location, Service


class BookingError(DomainError):
    """A request the citizen or clerk can correct: `fields` names what is wrong, and why."""

    def __init__(self, message, fields: dict | None = None):
        super().__init__(message=message, fields=fields)


class UnknownService(BookingError):
    status = 404
    code = "unknown_service"


@dataclass(frozen=True)
class Visit:
    """What one booking asks of a counter: these services, for this many people.

    The figures are cached on first use: a rollback (a retried booking) expires the Service
    rows, and each later attribute read would reload them.
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


def load_visit(service_ids, people: int = 1, *, attached: bool = True) -> Visit:
    """The active services asked for, with the locations that offer them: from the snapshot
    (not `attached` to the session: to read only, see setup.services)."""
    ids = sorted({int(i) for i in service_ids})
    if not ids:
        raise BookingError(_l("Choose at least one service."), {"service_id": _l("Required.")})
    services = [s for s in setup.services(ids, attached=attached) if s.active]
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


def find_starts(
    visit: Visit, first_day: date, last_day: date, *, location_id: int | None = None, now=None
) -> list[tuple[int, int, tuple]]:
    """`find_slots` as (start in seconds, location id, ()): what a long list needs, cheaply."""
    timetable = Timetable(visit, locations_for(visit, location_id), first_day, last_day)
    busy = timetable.busy(first_day, last_day)
    return timetable.starts(first_day, last_day, now=now or utcnow(), busy=busy)


def check_range(first_day: date, last_day: date, locations: list[Location], now=None) -> None:
    """Refuse ranges nobody can book in: the past, reversed, past the horizon, or too long."""
    now = now or utcnow()
    zone = locations[0].timezone if locations else TIMEZONE
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


@functools.lru_cache(maxsize=50_000)
def local_iso(moment: datetime | int) -> str:
    """Brussels time as ISO 8601, of a datetime or of whole seconds since 1970 (UTC). Cached:
    a 60-day answer has thousands of times, and every answer repeats the same grid."""
    if isinstance(moment, int):
        return datetime.fromtimestamp(moment, BRUSSELS).isoformat()
    return moment.astimezone(BRUSSELS).isoformat()


def slots_json(slots) -> list[dict]:
    return [
        {"start": local_iso(s.start), "end": local_iso(s.end), "location_id": s.location_id}
        for s in slots
    ]


def starts_json(starts, need_minutes: int) -> list[dict]:
    """slots_json for find_starts' whole seconds."""
    need = need_minutes * 60
    return [
        {"start": local_iso(start), "end": local_iso(start + need), "location_id": location_id}
        for start, location_id, _counters in starts
    ]

"""Where and when one visit can take place: the rows availability.py needs.

The set-up (counters, weekly hours, exceptions) comes from the process's snapshot (office.setup),
the public holidays from office.holidays;
only the appointments are read per request, by `busy()`. That statement is built once, at
import: constructing it anew on every request cost more than running it. It runs on the
connection: plain tuples, no ORM row handling; appointment times come back as integer seconds
(epoch_seconds), never parsed into datetimes.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select

from appointments import availability
from appointments.models import Appointment, Status
from core.database import epoch_seconds
from core.time import TIMEZONE
from extensions import db
from office import holidays, setup
from office.models import Location
from office.setup import Place

if TYPE_CHECKING:
    from appointments.slots import Visit

# Served by ix_appointment_counter_id_starts_at: counter, then a starts_at range. Unordered:
# availability sorts each counter's intervals itself, cheaper than a sort in the database.
BUSY = select(
    Appointment.counter_id,
    epoch_seconds(Appointment.starts_at),
    epoch_seconds(Appointment.blocked_until),
).where(
    Appointment.counter_id.in_(bindparam("counters", expanding=True)),
    Appointment.status != Status.CANCELLED,
    Appointment.starts_at >= bindparam("earliest_start"),
    Appointment.starts_at < bindparam("window_end"),
    Appointment.blocked_until > bindparam("window_start"),
    Appointment.id != bindparam("exclude"),
)


def _utc_window(
    first_day: date, last_day: date, zones: set[str], hold_minutes: int
) -> tuple[datetime, datetime]:
    """From the first day's local midnight to the last day's, at every place, plus the hold:
    the last visit's buffer may run past midnight (availability looks that far, no further)."""
    day_after = last_day + timedelta(days=1)
    starts, ends = [], []
    for zone in map(ZoneInfo, zones):
        starts.append(datetime.combine(first_day, time(), tzinfo=zone).astimezone(UTC))
        ends.append(datetime.combine(day_after, time(), tzinfo=zone).astimezone(UTC))
    return min(starts), max(ends) + timedelta(minutes=hold_minutes)


class Timetable:
    """The set-up for one visit between two days, taken from the snapshot.

    Appointments are read apart, by `busy()`: the booking path reads them again inside its
    write transaction and on every retry, while the set-up stays the same. Everything kept is
    a plain value, so a rollback (which expires ORM rows) costs no reloads.
    """

    def __init__(self, visit: "Visit", locations: list[Location], first_day: date, last_day: date):
        self.places = [Place.of(loc) for loc in locations]
        self.need_minutes, self.hold_minutes = visit.need_minutes, visit.hold_minutes
        self.first_day, self.last_day = first_day, last_day
        location_ids = [place.id for place in self.places]
        known = setup.snapshot()
        self.counters = known.counters_for(visit.service_ids, location_ids)
        self.weekly = {i: known.weekly.get(i, {}) for i in location_ids}
        self.exceptions = {
            i: [e for e in known.exceptions.get(i, []) if first_day <= e.day <= last_day]
            for i in location_ids
        }
        self.holidays = holidays.days_between(first_day, last_day)

    @property
    def counter_ids(self) -> list[int]:
        return [c for ids in self.counters.values() for c in ids]

    def busy(
        self, first_day: date, last_day: date, *, exclude: int | None = None
    ) -> dict[int, list[availability.Seconds]]:
        """Counter id -> the seconds its appointments hold it around these days.

        Only the counters that could take the visit, only the days asked: the cost grows with
        the appointments in the range, not with all ever made. `exclude` leaves one
        appointment out: its own reschedule.
        """
        busy: dict[int, list] = {c: [] for c in self.counter_ids}
        if not busy:
            return busy
        zones = {place.timezone for place in self.places}
        window_start, window_end = _utc_window(first_day, last_day, zones, self.hold_minutes)
        values = {
            "counters": list(busy),
            # Nobody holds a counter for a day: the lower bound keeps the index useful.
            "earliest_start": window_start - timedelta(days=1),
            "window_start": window_start,
            "window_end": window_end,
            "exclude": exclude or 0,
        }
        # .all(): one fetch for thousands of rows; iterating the result fetches row by row.
        rows = db.session.connection().execute(BUSY, values).all()
        for counter_id, starts_at, blocked_until in rows:
            busy[counter_id].append((starts_at, blocked_until))
        return busy

    def plans(self, busy: dict[int, list] | None = None) -> list[availability.LocationPlan]:
        busy = busy or {}
        return [
            availability.LocationPlan(
                id=place.id,
                timezone=place.timezone,
                weekly=self.weekly[place.id],
                exceptions=self.exceptions[place.id],
                counters=[
                    availability.CounterPlan(c, busy.get(c, [])) for c in self.counters[place.id]
                ],
                min_notice_minutes=place.min_notice_minutes,
                horizon_days=place.horizon_days,
                walk_in_percent=place.walk_in_percent,
                holidays=self.holidays,
            )
            for place in self.places
        ]

    def slots(
        self,
        first_day: date,
        last_day: date,
        *,
        now: datetime,
        busy: dict | None = None,
        with_counters: bool = True,
    ) -> list[availability.Slot]:
        """Free starts between the days (within the timetable's); no `busy`: hours alone.
        Without counters (each Slot's `counter_ids` empty) for times only offered, a third
        cheaper."""
        asked = self._asked(first_day, last_day, now, busy)
        return availability.available_slots(**asked, with_counters=with_counters)

    def starts(
        self, first_day: date, last_day: date, *, now: datetime, busy: dict | None = None
    ) -> list[tuple[int, int, tuple]]:
        """`slots` as whole seconds without counters (availability.available_starts): for
        answers that list thousands of them."""
        asked = self._asked(first_day, last_day, now, busy)
        return availability.available_starts(**asked, with_counters=False)

    def _asked(self, first_day: date, last_day: date, now: datetime, busy) -> dict:
        if first_day < self.first_day or last_day > self.last_day:
            raise ValueError("days outside the timetable's exceptions")
        return {
            "plans": self.plans(busy),
            "need_minutes": self.need_minutes,
            "hold_minutes": self.hold_minutes,
            "first_day": first_day,
            "last_day": last_day,
            "now": now,
            "step_minutes": current_app.config["BOOKING_SLOT_MINUTES"],
        }

    def slot_at(
        self, start: datetime, *, now: datetime, busy: dict | None = None
    ) -> availability.Slot | None:
        """The slot that starts at `start`, with the counters free then, if the visit fits
        there (availability.free_at: that start alone, not its whole day); no `busy`: hours
        alone."""
        if start.microsecond:  # between two whole seconds: never on the grid
            return None
        day = availability.local_today(start, TIMEZONE)
        if not self.first_day <= day <= self.last_day:
            return None
        second = availability.seconds(start)
        asked = self._asked(day, day, now, busy)
        found = availability.free_at(
            asked["plans"],
            second,
            need_minutes=self.need_minutes,
            hold_minutes=self.hold_minutes,
            now=now,
            step_minutes=asked["step_minutes"],
        )
        if found is None:
            return None
        location_id, counter_ids = found
        return availability.as_slots([(second, location_id, counter_ids)], self.need_minutes)[0]

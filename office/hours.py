"""When a location is open: the answers every channel asks for.

Booking, the kiosk, and later the phone menu and the chat ask these instead of reading hours
themselves, so they never disagree. They read the set-up snapshot (office.setup), so asking
costs no query; the rule itself is office.opening.day_hours.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from office import holidays, setup
from office.opening import Periods


def hours_on(location_id: int, day: date) -> Periods:
    """The location's local opening periods on the day, in order; [] when closed."""
    return setup.snapshot().hours_on(location_id, day)


def open_at(location_id: int, moment: datetime) -> bool:
    """Whether the location takes visitors at this moment (an aware datetime): it is active, and
    the moment falls in one of the day's periods (opening time included, closing excluded)."""
    known = setup.snapshot()
    place = known.places.get(location_id)
    if place is None or not place.active:
        return False
    local = moment.astimezone(place.zone)
    clock = local.time()
    return any(opens <= clock < closes for opens, closes in known.hours_on(place.id, local.date()))


@dataclass(frozen=True)
class DayHours:
    """One day of a location's hours, as a page or a phone menu tells it."""

    day: date
    periods: Periods  # local times, in order; empty: closed
    holiday: str | None  # the public holiday's name in the reader's language, if it is one


def week(location_id: int, first_day: date, days: int = 7) -> list[DayHours]:
    """The location's hours from the first day on, one entry a day."""
    known = setup.snapshot()
    return [
        DayHours(day, known.hours_on(location_id, day), holidays.name(day))
        for day in (first_day + timedelta(days=n) for n in range(days))
    ]

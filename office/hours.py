"""When a location is open: the answers every channel asks for.

Booking, the kiosk, and later the phone menu and the chat ask these instead of reading hours
themselves, so they never disagree. They read the set-up snapshot (office.setup), so asking
costs no query; the rule itself is office.opening.day_hours.
"""

from datetime import date, datetime

from office import setup
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

"""What the public home page tells a visitor about each place: where it is and when it is open
(today, and the week from today), from the hours every channel uses (office.hours)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from extensions import db
from office import hours
from office.models import Location, LocationKind


@dataclass(frozen=True)
class VisitingPlace:
    name: str  # in the reader's language
    address: str
    today: hours.DayHours
    week: list[hours.DayHours]  # today and the six days after it


def visiting_places(today: date) -> list[VisitingPlace]:
    """Every place open for visitors, by name, with its hours from `today` (a local date). An
    online location (video appointments) is no place to visit."""
    places = db.session.scalars(
        select(Location)
        .where(Location.active.is_(True), Location.kind == LocationKind.OFFICE)
        .order_by(Location.name)
    ).all()
    found = []
    for place in places:
        week = hours.week(place.id, today)
        found.append(VisitingPlace(place.local_name, place.address, week[0], week))
    return found

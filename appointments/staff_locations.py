"""Booking's answer to the staff form's question "where can this person work?"
(desk.signals.staff_locations): the offices citizens book at, in the reader's language.
The desk imports no channel and no floor beside it, so it asks."""

from sqlalchemy import select

from desk.signals import staff_locations
from extensions import db
from office.models import Location


@staff_locations.connect
def offices(_sender, **_kwargs) -> list[tuple[int, str]]:
    locations = db.session.scalars(select(Location).order_by(Location.name))
    return [(location.id, location.local_name) for location in locations]

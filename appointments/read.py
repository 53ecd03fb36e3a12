"""What other packages may know of appointments: a party's appointments, as plain values.

Other packages (Mijn Loket, the phone console's screen pop) read bookings through
`appointments.of_party` and never the booking tables: they learn no internal state, and booking
may change its rows without breaking them.

One citizen, one list: the record may have merged parties since a booking was made, and an
appointment keeps the party it was booked under. So the party asked for is followed to the
party that survives it (desk.record.live_party), and the appointments of every party merged
into that one count as its own (desk.merging.absorbed_party_ids); an undone merge gives them
back.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appointments.manage_links import manage_token
from appointments.models import Appointment, Status
from core.database import utcnow
from desk import merging, record
from desk.errors import RecordError
from extensions import db


@dataclass(frozen=True)
class PartyAppointment:
    id: int
    reference: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    location: str  # the location's name
    services: tuple[str, ...]  # their names in the reader's language
    status: str  # booked | arrived | no_show | cancelled
    upcoming: bool  # it had not begun when it was read


def of_party(
    party_id: int, *, language: str | None = None, now: datetime | None = None
) -> list[PartyAppointment]:
    """The party's appointments: upcoming ones first, soonest first, then past ones, latest
    first. Cancelled ones are included (their status says so). An unknown party has none.
    Reads only, in the caller's transaction. `language`: of the service names (default: the
    reader's, as the request or the CLI has it)."""
    return [found for found, _row in _of_party(party_id, language, now or utcnow())]


def _of_party(party_id: int, language, now) -> list[tuple[PartyAppointment, Appointment]]:
    party_ids = _party_and_merged(party_id)
    if not party_ids:
        return []
    rows = db.session.scalars(
        select(Appointment)
        .where(Appointment.party_id.in_(party_ids))
        .options(selectinload(Appointment.services), selectinload(Appointment.location))
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    found = [
        (
            PartyAppointment(
                id=row.id,
                reference=row.reference,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                location=row.location.name,
                services=tuple(service.name_in(language) for service in row.services),
                status=str(row.status),
                upcoming=row.starts_at > now,
            ),
            row,
        )
        for row in rows
    ]
    upcoming = [pair for pair in found if pair[0].upcoming]
    return upcoming + [pair for pair in reversed(found) if not pair[0].upcoming]


@dataclass(frozen=True)
class ManageLinks:
    """Where the party changes an appointment: the booking's own manage pages (its rules, its
    confirmation notices), and a new booking of the same services at the same place."""

    reschedule_url: str | None  # None: it can no longer be changed
    changeable: bool  # booked and not begun: it may be moved or cancelled (appointments.citizen)
    book_again_url: str


def with_manage_links(
    party_id: int, *, now: datetime | None = None
) -> list[tuple[PartyAppointment, ManageLinks]]:
    """`of_party`, each appointment with its links (in a request: the links are URLs), read in
    the same queries; only the party's own appointments, so a page that lists them never
    hands out another party's link."""
    now = now or utcnow()
    return [(found, _links(row, now)) for found, row in _of_party(party_id, None, now)]


def _links(row: Appointment, now: datetime) -> ManageLinks:
    changeable = row.status == Status.BOOKED and row.starts_at > now
    return ManageLinks(
        reschedule_url=url_for(
            "booking.reschedule", reference=row.reference, token=manage_token(row)
        )
        if changeable
        else None,
        changeable=changeable,
        book_again_url=url_for(
            "booking.when",
            service=[service.id for service in row.services],
            people=row.people,
            location=row.location_id,
        ),
    )


def _party_and_merged(party_id: int) -> list[int]:
    """The surviving party's id and those of every party merged into it, however deep."""
    try:
        survivor = record.resolve_party(party_id)
    except RecordError:
        return []
    return [survivor.id, *merging.absorbed_party_ids(survivor.id)]

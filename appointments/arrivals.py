"""The booking side of an arrival at the office (office.visits): what a reference stands for,
"arrived" when the counter's kiosk checks the citizen in, and the announcement that checks the
citizen in when staff mark the booking arrived (booking.mark_arrived).

Either way the party's timeline gets the same one "arrived" entry (case_record.note_booking)."""

import logging
from datetime import datetime

from sqlalchemy import select

from appointments import case_record
from appointments.models import Appointment, Status
from extensions import db
from office import visits
from office.visits import BookedVisit, booked_visit_wanted, visit_arrived

logger = logging.getLogger(__name__)


def normalise_reference(value: str) -> str:
    chars = "".join(c for c in (value or "").upper() if c.isalnum())
    return f"{chars[:3]}-{chars[3:]}" if len(chars) == 6 else chars


def check_in(appointment: Appointment, at: datetime) -> None:
    """Staff marked the booking arrived: the counter queues the citizen (office.visits)."""
    visits.check_in(_visit(appointment), at)


def _visit(appointment: Appointment) -> BookedVisit:
    return BookedVisit(
        id=appointment.id,
        reference=appointment.reference,
        location_id=appointment.location_id,
        starts_at=appointment.starts_at,
        service_ids=tuple(service.id for service in appointment.services),
        status=appointment.status.value,
        language=appointment.language,
        name=appointment.name,
        phone=appointment.phone,
        email=appointment.email,
        party_id=appointment.party_id,
        ends_at=appointment.ends_at,
    )


@booked_visit_wanted.connect
def answer_booked_visit(_sender, *, reference=None, visit_id=None, lock=False, **_kwargs):
    if visit_id is not None:
        query = select(Appointment).where(Appointment.id == visit_id)
    else:
        code = normalise_reference(str(reference or ""))
        if not code:
            return None
        query = select(Appointment).where(Appointment.reference == code)
    if lock:
        # PostgreSQL: a second press of the same check-in waits for the first to commit and is
        # then refused, like one that comes later. SQLite's BEGIN IMMEDIATE already serialises.
        query = query.with_for_update()
    appointment = db.session.scalar(query)
    return None if appointment is None else _visit(appointment)


@visit_arrived.connect
def mark_arrived(_sender, *, visit_id, at, **_kwargs):
    """The kiosk checked the citizen in: arrived, on the record as the day view's "arrived" is.
    A record that refuses the booking's contact details never costs the citizen the ticket:
    the entry is left out (in a savepoint) and logged."""
    appointment = db.session.get(Appointment, visit_id)
    if appointment is None or appointment.status == Status.ARRIVED:
        return
    appointment.status = Status.ARRIVED
    appointment.arrived_at = at
    appointment.updated_at = at
    db.session.flush()
    try:
        with db.session.begin_nested():
            case_record.note_booking(appointment, "arrived")
    except (case_record.RecordRefused, case_record.BookingLost):
        logger.warning("arrival of appointment %s not on the record", visit_id, exc_info=True)

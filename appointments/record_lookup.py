"""Booking's answer to the desk's search by reference (desk.signals.reference_lookup).

Staff type the reference a citizen shows them ("ABC-123", any case, spaces or not) into the
desk's search, at the counter or on the phone; the desk imports no channel, so it asks, and
booking answers with the party the appointment was booked for.
"""

from sqlalchemy import select

from appointments.booking import normalise_reference
from appointments.models import Appointment
from desk.signals import link_names, reference_lookup
from extensions import db


@reference_lookup.connect
def party_of_reference(_sender, *, reference: str, **_kwargs) -> int | None:
    text = (reference or "").strip()[:20]
    if sum(c.isalnum() for c in text) != 6:  # a reference is six letters and digits
        return None
    return db.session.scalar(
        select(Appointment.party_id).where(Appointment.reference == normalise_reference(text))
    )


@link_names.connect
def references(_sender, *, link_type: str, ids, **_kwargs) -> dict[int, str] | None:
    """The timeline's "Afspraak ABC-123": an appointment is named by its reference."""
    if link_type != "appointment" or not ids:
        return None
    rows = db.session.execute(
        select(Appointment.id, Appointment.reference).where(Appointment.id.in_(ids))
    )
    return {appointment_id: reference for appointment_id, reference in rows}

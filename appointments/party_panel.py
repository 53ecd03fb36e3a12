"""Booking's panel on every screen that shows a party (desk.panels): the citizen's coming
appointments, so whoever answers the phone or stands at the counter sees them at once.

The desk imports nothing of booking: this receiver connects to the signal the desk declares
(`desk.signals.party_panels`) and reads booking's own table, by the party ids the record gives
(the party and every party merged into it).
"""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from appointments.availability import local_today
from appointments.models import Appointment, Status
from core.database import utcnow
from desk.panels import Panel
from desk.signals import party_panels
from extensions import db

SHOWN = 5  # a citizen rarely has more; the panel says when there are
STATUS_LABELS = {Status.BOOKED: _l("Booked"), Status.ARRIVED: _l("Arrived")}


def upcoming(party_ids, now, limit: int) -> list[Appointment]:
    """Booked or arrived, not yet over, soonest first; one query through the index on
    party_id, and one more for the services only when there are any."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.party_id.in_(party_ids),
                Appointment.ends_at > now,
                Appointment.status.in_(list(STATUS_LABELS)),
            )
            .options(joinedload(Appointment.location), selectinload(Appointment.services))
            .order_by(Appointment.starts_at, Appointment.id)
            .limit(limit)
        )
    )


@party_panels.connect
def appointments_panel(_sender, *, party_ids, **_kwargs) -> Panel:
    found = upcoming(party_ids, utcnow(), SHOWN + 1)
    rows = [
        {
            "reference": appointment.reference,
            "starts_at": appointment.starts_at,
            "location": appointment.location.name,
            "services": ", ".join(service.name for service in appointment.services),
            "status": str(STATUS_LABELS[appointment.status]),
            "day_url": url_for(
                "booking_desk.day_view",
                location=appointment.location_id,
                day=local_today(appointment.starts_at, appointment.location.timezone).isoformat(),
            ),
        }
        for appointment in found[:SHOWN]
    ]
    return Panel(
        key="appointments",
        title=_("Upcoming appointments"),
        order=20,
        template="appointments/party_panel.html",
        context={"appointments": rows, "more": len(found) > SHOWN, "shown": SHOWN},
    )

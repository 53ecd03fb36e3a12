"""The booking side of an SMS reply: "JA" confirms, "NEE" cancels (sms.signals)."""

from flask import current_app

from appointments import booking
from appointments.models import Appointment, Status
from core.database import utcnow
from extensions import db
from sms.signals import reply_received


@reply_received.connect
def act_on_reply(sender, *, action, link_type, link_id, **_details):
    if link_type != "appointment":
        return None
    appointment = db.session.get(Appointment, link_id)
    if appointment is None:
        return "not_found"
    if appointment.status != Status.BOOKED or appointment.starts_at <= utcnow():
        return "too_late"
    if action == "confirm":
        return "confirmed"
    try:
        booking.cancel(appointment)
    except booking.TooLate:
        return "too_late"
    current_app.logger.info("appointment %s cancelled by SMS reply", appointment.reference)
    return "cancelled"

"""The booking side of an SMS reply: "JA" confirms, "NEE" cancels (sms.signals)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from appointments import booking
from appointments.models import Appointment, Status
from appointments.notice_texts import reply_answer
from core.database import utcnow
from desk.interaction_texts import register_texts
from extensions import db
from sms.signals import ReplyHandled, reply_received

# The outcomes of a reply on the timeline, beside desk.labels.OUTCOMES' confirmed and cancelled.
register_texts(
    {
        "too_late": _l("Too late to change the appointment"),
        "not_found": _l("No appointment to change"),
    }
)


@reply_received.connect
def act_on_reply(sender, *, action, link_type, link_id, language, **_details):
    """A reply to one of booking's notices; None for any other notice's."""
    if link_type != "appointment":
        return None
    appointment = db.session.get(Appointment, link_id)
    if appointment is None:
        return ReplyHandled("not_found", reply_answer("too_late", language))
    if appointment.status != Status.BOOKED or appointment.starts_at <= utcnow():
        return ReplyHandled("too_late", reply_answer("too_late", language))
    if action == "confirm":
        return ReplyHandled("confirmed", reply_answer("confirmed", language))
    try:
        booking.cancel(appointment)
    except booking.TooLate:
        return ReplyHandled("too_late", reply_answer("too_late", language))
    current_app.logger.info("appointment %s cancelled by SMS reply", appointment.reference)
    return ReplyHandled("cancelled")  # its cancellation notice is the answer

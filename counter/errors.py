"""Domain errors of the counter: a code for the API, a message in the user's language."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MESSAGES = {
    "invalid": _l("This request is not valid."),
    "not_text": _l("Send this as text."),
    "unknown_service": _l("This service does not exist or is not offered here."),
    "unknown_location": _l("This location does not exist."),
    "location_required": _l("Choose a location."),
    "location_closed": _l("This office is closed now. Tickets are issued during opening hours."),
    "unknown_counter": _l("This counter does not exist."),
    "unknown_ticket": _l("This ticket does not exist."),
    "unknown_reference": _l("We cannot find an appointment with this reference."),
    "appointment_cancelled": _l("This appointment was cancelled."),
    "not_today": _l("This appointment is not for today."),
    "other_location": _l("This appointment is at another office."),
    "too_early": _l("You are early. You can check in from %(time)s."),
    "already_checked_in": _l("This appointment has already been checked in."),
    "counter_has_open_ticket": _l("This counter still has an open ticket. Finish it first."),
    "ticket_not_open": _l("This ticket is not at your counter any more."),
    "ticket_not_parked": _l("This ticket is not parked."),
    "invalid_outcome": _l("Choose an outcome."),
    "note_too_long": _l("The note is too long."),
    "invalid_phone": _l("This is not a valid mobile number."),
    "phone_has_ticket": _l("This number already has a ticket waiting for this service."),
    "kiosk_token_invalid": _l("This kiosk's token is not valid. Ask an administrator."),
    "kiosk_other_location": _l("This kiosk issues tickets for its own location only."),
    "kiosk_name": _l("Give the kiosk a name of at most 80 characters."),
    "unknown_kiosk": _l("This kiosk does not exist or was revoked."),
    "pairing_invalid": _l("This pairing link is not valid: it was used, or it expired."),
    "counter_role_required": _l("This needs a counter staff account."),
    "record_failed": _l("The visit could not be written to the citizen's record. Try again."),
}


class CounterError(DomainError):
    messages = MESSAGES


class NotFound(CounterError):
    status = 404


class Conflict(CounterError):
    status = 409


class NotAllowed(CounterError):
    status = 403

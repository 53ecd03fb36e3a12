"""What the page after a booking (or a move) says about its confirmation: how and where it
went, or why it could not, with the address partly hidden (the page may be seen by others:
a shared screen, a link sent on)."""

import phonenumbers
from flask_babel import gettext as _

from appointments.models import Appointment
from appointments.notices import confirmation_key
from sms import reasons
from sms.models import MessageStatus
from sms.notices import notice_outcome


def masked_phone(e164: str) -> str:
    """ "0470 12 .. 56": the way the citizen writes it, one group hidden."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "…"
    national = phonenumbers.region_code_for_number(number) == "BE"
    style = phonenumbers.PhoneNumberFormat
    groups = phonenumbers.format_number(
        number, style.NATIONAL if national else style.INTERNATIONAL
    ).split(" ")
    if len(groups) >= 3:
        groups[-2] = ".." if len(groups[-2]) <= 2 else "." * len(groups[-2])
    return " ".join(groups)


def masked_email(address: str) -> str:
    """ "a…@example.org": the first letter and the domain."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def confirmation_sentence(appointment: Appointment, event: str) -> tuple[str, bool] | None:
    """(sentence, sent) about the confirmation of `event` as the appointment now stands, or
    None when no notice was queued for it."""
    outcome = notice_outcome(confirmation_key(appointment, event))
    if outcome is None:
        return None
    if outcome.going:
        if outcome.channel == "email":
            where = masked_email(outcome.recipient)
            return _("We sent a confirmation by e-mail to %(address)s.", address=where), True
        where = masked_phone(outcome.recipient)
        return _("We sent a confirmation by SMS to %(number)s.", number=where), True
    return _("We could not send a confirmation: %(why)s", why=_why(outcome)), False


def _why(outcome) -> str:
    """The stored reason (written for staff, in English) in the citizen's words."""
    if outcome.status == MessageStatus.REFUSED:
        return _("the phone number or e-mail address is not valid.")
    if outcome.reason == reasons.OPTED_OUT:
        return _("this number asked for no more messages (STOP).")
    if not outcome.recipient:
        return _("we have no phone number or e-mail address to send it to.")
    return _("the message could not be delivered.")

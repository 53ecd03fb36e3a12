"""Domain errors of the agents' side of the phone channel: a code for the API, a message in the
agent's language."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MESSAGES = {
    "invalid": _l("This request is not valid."),
    "not_text": _l("Send this as text."),
    "call_agent_role_required": _l("This needs a call agent's account."),
    "agent_on_call": _l("You are still on a call. Finish it first."),
    "unknown_call": _l("This call does not exist."),
    "call_not_yours": _l("This call was taken by a colleague."),
    "call_logged": _l("This call has been logged already."),
    "invalid_outcome": _l("Choose an outcome from the list."),
    "invalid_subject": _l("Choose a subject from the list."),
    "note_too_long": _l("The note is too long."),
    "invalid_status": _l("Choose a status from the list."),
    "invalid_party": _l("Choose a record from the list."),
    "voice_not_configured": _l("Calls in the browser are not set up. Ask an administrator."),
    "invalid_event": _l("The event must be newCall, answer or hangup."),
    "invalid_direction": _l("The direction must be in or out."),
    "missing_call_id": _l("The callId is missing."),
    "calls_out_not_configured": _l("Calls out are not set up. Ask an administrator."),
    "desk_phone_without_number": _l(
        "Loket does not know the number of your desk phone. Ask an administrator."
    ),
    "desk_phone_not_rung": _l(
        "Twilio could not ring your desk phone, so the call was not made. Try again; if it "
        "keeps failing, ask an administrator."
    ),
    "invalid_device": _l("Choose how you take calls: in this browser or on a desk phone."),
    "desk_number_missing": _l("Enter the number of the desk phone."),
    "desk_number_not_allowed": _l(
        "Loket cannot ring this number: give a landline or mobile number in the allowed "
        "countries, never a premium-rate or free number."
    ),
    "device_on_call": _l(
        "You cannot change how calls reach you during a call. Change it once the call has ended."
    ),
    "invalid_number": _l(
        "Enter a phone number the way you would dial it, for example 0470 12 34 56 or "
        "+31 20 123 4567."
    ),
    "number_not_allowed": _l(
        "Loket cannot call this number: only landline, mobile and free numbers in the allowed "
        "countries, never premium-rate numbers."
    ),
}


class AgentError(DomainError):
    messages = MESSAGES


class NotFound(AgentError):
    status = 404


class Conflict(AgentError):
    status = 409


class NotAllowed(AgentError):
    status = 403

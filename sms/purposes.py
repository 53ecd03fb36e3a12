"""Why a message was sent, in words: the outbox stores a purpose code ("reminder"), staff read
"Reminder" in their own language on the messages page and on the party's timeline."""

from flask_babel import lazy_gettext as _l

PURPOSES = {
    "confirmation": _l("Confirmation"),
    "manage_link": _l("Link to manage the appointment"),
    "reminder": _l("Reminder"),
    "queue_alert": _l("Turn nearly there"),
    "case_update": _l("Case update"),
    "reply": _l("Answer to a reply"),
    "consent": _l("Answer to STOP or START"),
    "legal": _l("Legal notice"),
    "sign_in_code": _l("Sign-in code for Mijn Loket"),
}


def purpose_label(purpose: str | None) -> str:
    """A purpose nobody named here is shown as stored."""
    found = PURPOSES.get(purpose or "")
    return str(found) if found is not None else (purpose or "")

"""The words Mijn Loket shows instead of the record's codes, in the citizen's language.

The record stores codes (a channel, a role, a purpose, a status); a citizen reads words. Codes
the desk already names are taken from it, so staff and citizen read the same word for the same
thing; a code nobody names is shown as stored.
"""

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from desk import labels
from desk.forms import status_labels
from desk.interaction_texts import register_texts
from desk.staff_forms import ROLE_LABELS
from sms.purposes import purpose_label

# The portal's own contact moments, as the timeline and the desk read them.
PREFERENCES_CHANGED = "portal.preferences_changed"
CORRECTION_ASKED = "portal.correction_asked"
REPRESENTATION_ASKED = "portal.representation_asked"
register_texts(
    {
        PREFERENCES_CHANGED: _l("Preferences changed in Mijn Loket: %(changes)s"),
        CORRECTION_ASKED: _l("Correction asked in Mijn Loket: %(item)s"),
        REPRESENTATION_ASKED: _l("Representation asked in Mijn Loket: %(request)s"),
    }
)

DELIVERY = {
    "delivered": _l("Delivered"),
    "not_delivered": _l("Not delivered"),
    "sent": _l("Sent"),
    "pending": _l("On its way"),
}
NOTICE_CHANNELS = {"sms": _l("SMS"), "email": _l("E-mail"), "post": _l("Post")}
PREFERRED_CHANNELS = {
    "sms": _l("SMS"),
    "email": _l("E-mail"),
    "post": _l("Post"),
    "none": _l("No notices"),
}
APPOINTMENT_STATUS = {
    "booked": _l("Booked"),
    "arrived": _l("Arrived"),
    "no_show": _l("Missed"),
    "cancelled": _l("Cancelled"),
}
CONSENT_PURPOSES = {
    "reminders": _l("Reminders of appointments"),
    "queue_alerts": _l("A message when it is almost my turn"),
    "case_updates": _l("News about my cases"),
}
ADDRESS_KINDS = {"phone": _l("Phone"), "email": _l("E-mail")}
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
DIRECTIONS = {"inbound": _l("From you"), "outbound": _l("To you"), "internal": ""}


def word(table: dict, code) -> str:
    return labels.label(table, code)


def case_status(code) -> str:
    return labels.label(status_labels(), code)


def role(code) -> str:
    return labels.label(ROLE_LABELS, code)


def access_purpose(code) -> str:
    return labels.label(labels.PURPOSES, code)


def access_action(code) -> str:
    return labels.label(labels.ACTIONS, code)


def notice_purpose(code) -> str:
    return purpose_label(code)


def template_helpers() -> dict:
    return {
        "my_words": {
            "correction_url": url_for("portal.correction"),
            "this_is_wrong": _("This is wrong"),
            "word": word,
            "case_status": case_status,
            "role": role,
            "access_purpose": access_purpose,
            "access_action": access_action,
            "notice_purpose": notice_purpose,
            "delivery": DELIVERY,
            "notice_channels": NOTICE_CHANNELS,
            "preferred_channels": PREFERRED_CHANNELS,
            "appointment_status": APPOINTMENT_STATUS,
            "consent_purposes": CONSENT_PURPOSES,
            "address_kinds": ADDRESS_KINDS,
            "languages": LANGUAGE_NAMES,
            "day": format_date,
        }
    }

"""Why a message was or was not sent, in words: the outbox stores a reason code with parameters
("sms.reason.no_consent", {"channel_code": "channel.sms", ...}); staff read it on the messages
page in their own language (desk.interaction_texts renders it). Rows written before reason codes
hold English text, shown as it was stored.

A channel that skips a notice for its own reason (a reminder whose moment passed) registers
that reason's words itself.
"""

from flask_babel import lazy_gettext as _l

from desk.interaction_texts import register_texts, render
from sms.purposes import PURPOSES

PREFERS_POST = "sms.reason.prefers_post"
NO_NOTIFICATIONS = "sms.reason.no_notifications"
NO_MOBILE = "sms.reason.no_mobile"
NO_EMAIL = "sms.reason.no_email"
NO_CONSENT = "sms.reason.no_consent"
OPTED_OUT = "sms.reason.opted_out"
SENT_BY = "sms.reason.sent_by"
INVALID_PHONE = "sms.reason.invalid_phone"
INVALID_EMAIL = "sms.reason.invalid_email"
TOO_LONG = "sms.reason.too_long"
EXPIRED = "sms.reason.expired"
GAVE_UP = "sms.reason.gave_up"
REFUSED = "sms.reason.refused"
NOT_DELIVERED = "sms.reason.not_delivered"
NOT_DELIVERED_ERROR = "sms.reason.not_delivered_error"
ANSWER_TO_REPLY = "sms.reason.answer_to_reply"

# Twilio's delivery error codes staff meet most; any other is shown by its number.
CARRIER_ERRORS = {
    "30003": _l("the handset is unreachable (off or out of coverage)"),
    "30004": _l("the message was blocked"),
    "30005": _l("unknown number, or no longer in use"),
    "30006": _l("a landline or an unreachable carrier"),
    "30007": _l("filtered by the carrier"),
    "30008": _l("unknown error at the carrier"),
    "21610": _l("the recipient unsubscribed (STOP)"),
}

register_texts(
    {
        PREFERS_POST: _l("the citizen prefers post: not sent electronically"),
        NO_NOTIFICATIONS: _l("the citizen chose no notifications"),
        NO_MOBILE: _l("the preferred channel is SMS, but there is no mobile number"),
        NO_EMAIL: _l("the preferred channel is e-mail, but there is no e-mail address"),
        NO_CONSENT: _l("no consent for this purpose (%(purpose_code)s) by %(channel_code)s"),
        OPTED_OUT: _l("the number opted out with %(keyword)s on %(stopped_at)s"),
        SENT_BY: _l("sent by %(channel_code)s, the citizen's preferred channel"),
        INVALID_PHONE: _l("not a valid phone number: %(value)s"),
        INVALID_EMAIL: _l("not a valid e-mail address: %(value)s"),
        TOO_LONG: _l("the text of %(length)s characters is over the limit of %(limit)s"),
        EXPIRED: _l("not sent: its moment had passed"),
        GAVE_UP: _l("gave up after %(tries)s attempts"),
        REFUSED: _l("refused by the provider"),
        NOT_DELIVERED: _l("not delivered: %(carrier_code)s"),
        NOT_DELIVERED_ERROR: _l("not delivered: error %(error)s"),
        ANSWER_TO_REPLY: _l("answer to the citizen's reply"),
        **{f"sms.carrier.{code}": words for code, words in CARRIER_ERRORS.items()},
        **{f"sms.purpose.{purpose}": words for purpose, words in PURPOSES.items()},
    }
)


def not_delivered(error_code: str) -> tuple[str, dict]:
    """The reason of a message the carrier did not deliver: its error in words, or its number."""
    if error_code in CARRIER_ERRORS:
        return NOT_DELIVERED, {"carrier_code": f"sms.carrier.{error_code}"}
    return NOT_DELIVERED_ERROR, {"error": error_code}


def reason_words(row) -> str:
    """An outbox row's reason in the reader's language (older rows: their stored text)."""
    return render(row.reason, row.reason_params, row.reason)

"""Signals this package sends, for the packages above it (booking) to connect to.

SMS is below booking: it must not import the booking views, yet a reply "NEE" must cancel an
appointment. Receivers return an outcome string ("confirmed", "cancelled", "too_late",
"not_found"); the first non-None one decides the answer to the citizen.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Flask app; kwargs: action ("confirm" | "cancel"), link_type, link_id, phone,
# party_id, message_id (the outbox row that offered the reply words)
reply_received = _signals.signal("sms-reply-received")

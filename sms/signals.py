"""Signals this package sends, for the channels above it to connect to.

SMS knows no channel and must not import one, yet a reply "NEE" to a reminder must cancel the
appointment the reminder offered to cancel. The channel whose notice offered the reply words
connects to `reply_received`, acts on replies to its own notices (told apart by `link_type`)
and answers with a `ReplyHandled`; a receiver returns None for a notice that is not its own.
The first answer decides what the citizen hears; with none, the reply is one nobody could act
on (a short answer, and a task for staff).
"""

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()


@dataclass(frozen=True)
class ReplyHandled:
    """What a channel did with a reply to its notice."""

    outcome: str  # for staff, on the reply and its contact moment: "confirmed", "too_late"…
    # The short SMS answer, whole (sms.texts.first_line first), in the notice's language; None
    # when the channel's own notice answers (a cancellation's confirmation).
    answer: str | None = None


# sender: the Flask app; kwargs: action ("confirm" | "cancel"), link_type, link_id, phone,
# party_id, message_id (the outbox row that offered the reply words) and language (its
# language, for the answer)
reply_received = _signals.signal("sms-reply-received")

"""The counter's notice to a waiting citizen: "your turn is near", by SMS.

(counter.notices is what the counter tells screens over Socket.IO; this is what it tells a
person.) A citizen who left a phone number on their ticket's phone page gets one SMS when the
queue has moved to COUNTER_TURN_NEAR_AHEAD turns before them. The counter hands it to the SMS
package (sms.notices) in the unit of work that moved the queue: the commit that calls the next
ticket also queues the SMS, and a rollback drops both. The idempotency key
`queue:<ticket_id>:near` makes a second one for the same ticket a no-op.
"""

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from sms.notices import addressee_for_number, send_notice
from sms.texts import Text, first_line, language_of, reply_words


def turn_near_text(code: str, ahead: int, language: str) -> Text:
    """The ticket code is what the board will show."""
    with force_locale(language_of(language)):
        if ahead > 0:
            where = ngettext(
                "Ticket %(code)s: %(num)d person is before you. Please come to the waiting room.",
                "Ticket %(code)s: %(num)d people are before you. Please come to the waiting room.",
                ahead,
                code=code,
            )
        else:
            where = _("Ticket %(code)s: you are next. Please come to the waiting room.", code=code)
        lines = [first_line(_("your turn is near")), where, reply_words(False, False)]
        return Text(subject=lines[0], body="\n".join(lines), accepts_replies=False)


def send_turn_near(ticket, ahead: int) -> None:
    """Queue the SMS to the number left on `ticket`: by SMS whatever the party's usual
    channel (the citizen asked for this one), unless the number said STOP or the party refused
    queue alerts."""
    addressee = addressee_for_number(ticket.notify_phone, ticket.language)
    send_notice(
        key=f"queue:{ticket.id}:near",
        addressee=addressee,
        purpose="queue_alert",
        text_for=lambda _channel: turn_near_text(ticket.code, ahead, addressee.language),
        link_type="ticket",
        link_id=ticket.id,
    )

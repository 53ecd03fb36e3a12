"""INTEGRATION with the walk-in counter (counter/): the "your turn is near" SMS.

The counter sends `counter.signals.turn_near` inside the transaction that moved the queue,
before its commit. The receiver only adds an outbox row to that same session (and reads the
record to find the number's party and consent), never commits: the commit that calls the
next ticket also queues the SMS, and a rollback drops both. The idempotency key
`queue:<ticket_id>:near` makes a second signal for the same ticket a no-op.
"""

from sms import case_record
from sms.notices import Addressee, send_notice
from sms.texts import language_of, turn_near_text


def notify_turn_near(sender, *, ticket_id, phone, code, language, ahead, **_details) -> None:
    """The citizen left this number on the ticket's phone page and asked for this message:
    it goes by SMS whatever the party's usual channel, unless the number said STOP or the
    party refused queue alerts."""
    addressee = Addressee(
        party_id=case_record.party_for_address(phone),
        language=language_of(language),
        preferred_channel="sms",
        phone=phone,
        consents=case_record.address_consents(phone),
    )
    send_notice(
        key=f"queue:{ticket_id}:near",
        addressee=addressee,
        purpose="queue_alert",
        text_for=lambda _channel: turn_near_text(code, ahead, addressee.language),
        link_type="ticket",
        link_id=ticket_id,
    )


def connect() -> None:
    from counter.signals import turn_near

    turn_near.connect(notify_turn_near)

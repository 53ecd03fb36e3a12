"""What a citizen's reply does: STOP / START change consent, the offered words act through
`sms.signals.reply_received`, anything else gets a short helpful answer and a task for staff.

Twilio retries a webhook it thinks failed; the inbound SID is unique, so a reply acts once.
Answers go through the outbox like every message (recorded, priced, retried).
"""

import unicodedata

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.database import utcnow
from extensions import db
from sms import case_record, consent, reasons, signals
from sms.models import InboundMessage, MessageStatus, OutboxMessage
from sms.outbox import InvalidRecipient, normalise_phone, queue_message
from sms.texts import answer_text

CONFIRM_WORDS = {"ja", "oui", "yes"}
CANCEL_WORDS = {"nee", "non", "no"}


def first_word(body: str) -> str:
    words = (body or "").strip().split()
    word = words[0] if words else ""
    return word.strip(".,!?;:'\"()").casefold()


def _plain(word: str) -> str:
    """arrêt and arret both mean stop: people type without accents on a phone."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


STOP_PLAIN = {_plain(w) for w in consent.STOP_WORDS}
START_PLAIN = {_plain(w) for w in consent.START_WORDS}


def classify(body: str) -> str:
    word = _plain(first_word(body))
    if word in STOP_PLAIN:
        return "stop"
    if word in START_PLAIN:
        return "start"
    if word in CONFIRM_WORDS:
        return "confirm"
    if word in CANCEL_WORDS:
        return "cancel"
    return "unknown"


def _store(sid: str, sender: str, body: str) -> InboundMessage | None:
    """The inbound row, or None when this SID was handled already."""
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else None
    statement = (insert or sqlite_insert)(InboundMessage).values(
        provider_sid=sid, sender=sender, body=body[:2000], received_at=utcnow()
    )
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["provider_sid"]))
    row = db.session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
    return None if row.action else row


def _last_offer(phone: str) -> OutboxMessage | None:
    """The latest message to this number that offered reply words and is still current."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient == phone,
            OutboxMessage.channel == "sms",
            OutboxMessage.accepts_replies.is_(True),
            OutboxMessage.status.in_(
                [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.SENDING]
            ),
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


def receive_reply(*, sid: str, sender: str, body: str) -> InboundMessage | None:
    """Act on one inbound SMS, in the caller's unit of work (the webhook's request). Returns
    the stored row (None for a repeat, which writes nothing).

    The inbound row, its answer (an outbox row) and its interaction commit together; see
    sms.case_record for the order of the writes. A reply to a channel's notice is the
    channel's to act on (`sms.signals.reply_received`).
    """
    try:
        phone = normalise_phone(sender)
    except InvalidRecipient:
        phone = (sender or "")[:32]
    inbound = _store(sid, phone, body or "")
    if inbound is None:
        return None
    offer = _last_offer(phone)
    language = _language(offer)
    inbound.in_reply_to_id = offer.id if offer else None
    inbound.party_id = (offer.party_id if offer else None) or case_record.party_for_address(phone)
    case_record.verify_replying_number(inbound, offer)
    action = classify(body)
    word = first_word(body)
    answer, purpose, outcome, unread = None, "reply", "", False
    if action in ("stop", "start"):
        consent.set_opted_out(phone, action == "stop", keyword=word)
        outcome = "opted out" if action == "stop" else "opted in"
        if word not in consent.TWILIO_HANDLED_WORDS:
            answer, purpose = answer_text(action, language), "consent"
    elif action in ("confirm", "cancel"):
        # The channel may write in a unit of work of its own, after this one's commit.
        handled = _act_on_offer(action, offer, phone, inbound.party_id, language)
        inbound = db.session.get(InboundMessage, inbound.id)
        if handled is None:
            unread, outcome = True, "nothing the reply could act on"
        else:
            answer, outcome = handled.answer, handled.outcome
    else:
        unread, outcome = True, "a colleague follows up"
    if unread:
        answer = answer_text("unknown", language)
        case_record.party_for_reply(inbound)
    inbound.action = action
    inbound.outcome = outcome[:200]
    if answer:
        queue_message(
            key=f"reply:{sid}",
            recipient=phone,
            body=answer,
            language=language,
            purpose=purpose,
            party_id=inbound.party_id,
            link_type=offer.link_type if offer else None,
            link_id=offer.link_id if offer else None,
            reason=reasons.ANSWER_TO_REPLY,
        )
    case_record.record_reply(inbound, offer, task=unread)
    return inbound


def _language(offer: OutboxMessage | None) -> str:
    return offer.language if offer else current_app.config["BABEL_DEFAULT_LOCALE"]


def _act_on_offer(action, offer, phone, party_id, language) -> signals.ReplyHandled | None:
    if offer is None or offer.link_type is None:
        return None
    results = signals.reply_received.send(
        current_app._get_current_object(),
        action=action,
        link_type=offer.link_type,
        link_id=offer.link_id,
        phone=phone,
        party_id=party_id,
        message_id=offer.id,
        language=language,
    )
    return next((value for _receiver, value in results if value is not None), None)

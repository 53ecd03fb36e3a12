"""INTEGRATION with the case record (desk.record): the only module of sms/ that writes there.

Every inbound and outbound SMS (and e-mail) becomes an interaction; an unreadable reply
becomes a task; STOP / START are mirrored onto the party's ContactAddress consent; notices read
the party's language, preferred channel and addresses. While the record is not installed (an
older desk), each function does nothing, and messages still flow.
"""

import logging

from flask import current_app
from sqlalchemy import select

from extensions import db

log = logging.getLogger(__name__)

# Which ContactAddress consent column a purpose needs; other purposes need none.
CONSENT_COLUMN = {
    "reminder": "consent_reminders",
    "confirmation": "consent_reminders",
    "queue_alert": "consent_queue_alerts",
    "case_update": "consent_case_updates",
}


def _record():
    try:
        from desk import record
        from desk.models import ContactAddress, Party
    except ImportError:
        return None, None, None
    return record, Party, ContactAddress


def available() -> bool:
    return _record()[0] is not None


def party_for_phone(phone: str) -> int | None:
    return party_for_address(phone)


def party_for_address(value: str) -> int | None:
    """The party this number or e-mail belongs to: a verified address first, then the newest."""
    _record_module, _party, address = _record()
    if address is None:
        return None
    return db.session.scalar(
        select(address.party_id)
        .where(address.value == value)
        .order_by(address.verified_at.is_(None), address.id.desc())
        .limit(1)
    )


def mirror_consent(address_value: str, allowed: bool) -> None:
    """STOP / START on a number also changes the consent of every party holding it."""
    _record_module, _party, address = _record()
    if address is None:
        return
    from core.database import utcnow

    for row in db.session.scalars(select(address).where(address.value == address_value)):
        row.consent_reminders = allowed
        row.consent_queue_alerts = allowed
        row.consent_case_updates = allowed
        row.consent_changed_at = utcnow()


def record_outbound(message_ids: list[int]) -> None:
    """One interaction per message that went out or failed for good; commits per message
    (record_interaction is one transaction). Rows without a party are not in the record."""
    record, _party, _address = _record()
    if record is None:
        return
    from sms.models import OutboxMessage

    rows = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.party_id.isnot(None),
            OutboxMessage.interaction_id.is_(None),
        )
    ).all()
    for row in rows:
        _record_message(record, row)


def _record_message(record, row) -> None:
    subject = (row.body.splitlines() or [""])[0][:200] or row.purpose
    try:
        interaction = record.record_interaction(
            party=row.party_id,
            channel="email" if row.channel == "email" else "sms",
            direction="outbound",
            subject=subject,
            summary=row.body,
            outcome=str(row.status),
            link_type="sms_message",
            link_id=row.id,
        )
    except Exception:  # the record refusing must never stop the sending
        db.session.rollback()
        log.exception("could not record outbox message %s in the case record", row.id)
        return
    row.interaction_id = interaction.id
    db.session.commit()


def record_inbound(inbound_id: int) -> None:
    record, _party, _address = _record()
    if record is None:
        return
    from sms.models import InboundMessage

    inbound = db.session.get(InboundMessage, inbound_id)
    if inbound is None or inbound.party_id is None:
        return
    try:
        record.record_interaction(
            party=inbound.party_id,
            channel="sms",
            direction="inbound",
            subject=(inbound.body.strip().splitlines() or ["(empty)"])[0][:200] or "(empty)",
            summary=inbound.body,
            outcome=inbound.outcome[:200] or None,
            link_type="sms_inbound",
            link_id=inbound.id,
        )
    except Exception:
        db.session.rollback()
        log.exception("could not record inbound SMS %s in the case record", inbound_id)


def task_for_reply(inbound_id: int) -> None:
    """A reply we could not act on: a person reads it and answers."""
    record, _party, _address = _record()
    if record is None:
        return
    from sms.models import InboundMessage

    inbound = db.session.get(InboundMessage, inbound_id)
    if inbound is None:
        return
    party_id = inbound.party_id
    try:
        if party_id is None:
            party_id = record.find_or_create_party(phone=inbound.sender).id
            inbound = db.session.get(InboundMessage, inbound_id)
            inbound.party_id = party_id
            db.session.commit()
        department = _reply_department()
        record.create_task(
            party=party_id,
            title=f"SMS reply to answer: {inbound.body.strip()[:150]}",
            description=f"From {inbound.sender}:\n{inbound.body}",
            department=department,
            kind="callback",
        )
    except Exception:
        db.session.rollback()
        log.exception("could not create a task for inbound SMS %s", inbound_id)


def _reply_department():
    from desk import accounts

    code = current_app.config["SMS_REPLY_DEPARTMENT"]
    department = accounts.get_or_create_department(code)
    db.session.commit()
    return department.id


def addressee_for_party(party_id: int):
    """The party's language, preferred channel, default addresses and their consent."""
    from sms.notices import Addressee

    _record_module, party_model, _address = _record()
    if party_model is None:
        return None
    party = db.session.get(party_model, party_id)
    if party is None:
        return None
    while party.merged_into_id is not None:
        party = db.session.get(party_model, party.merged_into_id)

    def pick(kind):
        rows = [a for a in party.addresses if a.kind == kind]
        rows.sort(key=lambda a: (not a.is_default, a.verified_at is None, -a.id))
        return rows[0] if rows else None

    phone, email = pick("phone"), pick("email")
    return Addressee(
        party_id=party.id,
        language=party.preferred_language or "nl",
        preferred_channel=str(party.preferred_channel),
        phone=phone.value if phone else None,
        email=email.value if email else None,
        consents={
            kind: {column: getattr(row, column) for column in set(CONSENT_COLUMN.values())}
            for kind, row in (("sms", phone), ("email", email))
            if row is not None
        },
    )


def set_preferences(party_id: int, *, channel: str, reminders: bool) -> None:
    """The desk changes a party's preferred channel and reminder consent. Does not commit."""
    _record_module, party_model, _address = _record()
    if party_model is None:
        raise LookupError("the case record is not installed")
    from core.database import utcnow
    from desk.models import NotificationChannel

    try:
        preferred = NotificationChannel(channel)
    except ValueError as error:
        raise ValueError(channel) from error
    party = db.session.get(party_model, party_id)
    party.preferred_channel = preferred
    for row in party.addresses:
        if row.consent_reminders != reminders:
            row.consent_reminders = reminders
            row.consent_changed_at = utcnow()

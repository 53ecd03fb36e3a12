"""The SMS package's one door into the case record (desk.record, desk.models).

Every inbound and outbound SMS or e-mail becomes an interaction, linked to what it concerns
(an appointment, a ticket) where its notice said so; an unreadable reply becomes a task for
staff; STOP / START change the consent on the party's ContactAddress rows; notices read the
party's language, preferred channel, addresses and consent.

Transactions. Nothing here commits: the caller's unit of work does.

- Readers (`party_for_address`, `addressee_for_party`) and `mirror_consent` run inside other
  packages' units of work (a booking, a counter call).
- `record_outbound` is called by the sender in the unit of work that writes its batch results:
  results and interactions commit together, so a message is never "sent" without its
  interaction, and a crash before that commit leaves neither (the in-doubt recovery then records
  it once). The back-link `sms_message.interaction_id` follows in a second, small unit of work
  (`link_interactions`); a crash between the two loses only that convenience link.
- `record_reply` is called by the webhook with the inbound row and its answer (an outbox row)
  pending: they commit with the interaction. An unreadable reply's task is created first,
  because a lost task is worse than a lost timeline line.
"""

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload

from core.database import utcnow
from desk import accounts, record
from desk.errors import RecordError
from desk.interaction_texts import in_default_language, register_texts
from desk.models import ContactAddress, Party
from extensions import db
from sms.models import InboundMessage, MessageStatus, OutboxMessage
from sms.purposes import PURPOSES

log = logging.getLogger(__name__)

# What the timeline says of a message, in the reader's language (desk.interaction_texts): a
# message sent is named by its purpose, a reply is what the citizen typed (the summary).
REPLY = "sms.reply"
register_texts({f"sms.sent.{purpose}": words for purpose, words in PURPOSES.items()})

# Messages whose words are a secret of the moment (a sign-in code): on the timeline by purpose
# only, so the record never holds a copy of the code.
SECRET_BODIES = {"sign_in_code"}
register_texts({REPLY: _l("Reply from the citizen")})
# A message that did not go out: its outcome is its status (the reason is on the outbox row).
register_texts(
    {
        "sms.failed": _l("Failed"),
        "sms.refused": _l("Refused"),
        "sms.undelivered": _l("Not delivered"),
        "sms.skipped": _l("Not sent"),
        "sms.expired": _l("Too late, not sent"),
    }
)

# Which ContactAddress consent column a purpose needs; other purposes need none. A
# confirmation of what the citizen just did (a booking) is a service message: it needs none.
CONSENT_COLUMN = {
    "reminder": "consent_reminders",
    "queue_alert": "consent_queue_alerts",
    "case_update": "consent_case_updates",
}
ADDRESS_KIND = {"sms": "phone", "email": "email"}


# --- reading: safe inside anyone's transaction ----------------------------------------------


def party_for_address(value: str | None) -> int | None:
    """The (surviving) party this number or e-mail belongs to: a verified address first, then
    the newest. Reads only."""
    if not value:
        return None
    party_id = db.session.scalar(
        select(ContactAddress.party_id)
        .where(ContactAddress.value == value)
        .order_by(ContactAddress.verified_at.is_(None), ContactAddress.id.desc())
        .limit(1)
    )
    return record.resolve_party(party_id).id if party_id is not None else None


def parties_with_addresses(party_ids) -> list:
    """The parties with their addresses, in two queries: hold on to the list while calling
    `addressee_for_party` for many of them (a pass of reminders), which then reads nothing."""
    if not party_ids:
        return []
    query = select(Party).where(Party.id.in_(set(party_ids)))
    return db.session.scalars(query.options(selectinload(Party.addresses))).all()


def addressee_for_party(party_id: int):
    """The party's language, preferred channel, default addresses and their consent."""
    from sms.notices import Addressee

    try:
        party = record.resolve_party(party_id)
    except RecordError:
        return None

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
            channel: {column: getattr(row, column) for column in set(CONSENT_COLUMN.values())}
            for channel, row in (("sms", phone), ("email", email))
            if row is not None
        },
    )


def address_consents(value: str) -> dict:
    """{"sms"|"email": {consent column: allowed}} of the address row holding this value (a
    verified one first), for a message to a number the citizen gave just now. Only an answer
    counts as a refusal: where nobody asked yet (consent is never assumed, so the columns are
    off), giving the number for this very message is the answer, and nothing is returned."""
    row = db.session.scalar(
        select(ContactAddress)
        .where(ContactAddress.value == value)
        .order_by(ContactAddress.verified_at.is_(None), ContactAddress.id.desc())
        .limit(1)
    )
    if row is None or row.consent_changed_at is None:
        return {}
    channel = "sms" if row.kind == "phone" else "email"
    return {channel: {column: getattr(row, column) for column in set(CONSENT_COLUMN.values())}}


def mirror_consent(address_value: str, allowed: bool) -> None:
    """STOP / START on a number changes the consent of every party holding it. No commit."""
    now = utcnow()
    for row in db.session.scalars(
        select(ContactAddress).where(ContactAddress.value == address_value)
    ):
        for column in set(CONSENT_COLUMN.values()):
            setattr(row, column, allowed)
        row.consent_changed_at = now


# --- outbound: the sender's batch -------------------------------------------------------------


def _link(link_type, link_id, own_type: str, own_id: int) -> dict:
    """What the interaction concerns: the appointment (or ticket) if known, else the message."""
    if link_type and link_id is not None:
        return {"link_type": link_type, "link_id": link_id}
    return {"link_type": own_type, "link_id": own_id}


def _first_line(body: str, fallback: str) -> str:
    line = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return (line or fallback)[:200]


def record_outbound(message_ids: list[int]) -> list[tuple[int, int]]:
    """Record the batch's finished messages as interactions, in the sender's unit of work,
    which commits them with the results (see the module docstring). Returns (message id,
    interaction id) pairs for `link_interactions`. Rows without a party are not in the
    record; e-mails are recorded on channel "email". Raises RecordError, before any write, if
    the record refuses; the sender then writes its results alone.
    """
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.party_id,
            OutboxMessage.channel,
            OutboxMessage.body,
            OutboxMessage.purpose,
            OutboxMessage.status,
            OutboxMessage.link_type,
            OutboxMessage.link_id,
        )
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.party_id.isnot(None),
            OutboxMessage.interaction_id.is_(None),
        )
        .order_by(OutboxMessage.id)
    ).all() if message_ids else []  # fmt: skip
    moments = [
        dict(
            party=row.party_id,
            channel="email" if row.channel == "email" else "sms",
            direction="outbound",
            **_sent_subject(row.purpose, row.body),
            summary="" if row.purpose in SECRET_BODIES else row.body,
            outcome=_outcome(row.status),
            **_link(row.link_type, row.link_id, "sms_message", row.id),
        )
        for row in rows
    ]
    if not moments:
        return []
    interactions = record.record_interactions(moments)
    return [(row.id, interaction.id) for row, interaction in zip(rows, interactions, strict=True)]


def _sent_subject(purpose: str, body: str) -> dict:
    """A known purpose is a code; any other keeps the message's first line as its subject."""
    if purpose not in PURPOSES:
        return {"subject": _first_line(body, purpose)}
    code = f"sms.sent.{purpose}"
    return {"subject": in_default_language(code, None), "subject_code": code}


def _outcome(status) -> str:
    status = MessageStatus(status)
    if status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        return "sent"
    return f"sms.{status.value}"


def link_interactions(pairs: list[tuple[int, int]]) -> None:
    """The outbox row points at its interaction (the staff page links to the timeline)."""
    if not pairs:
        return
    table = OutboxMessage.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("m_id"))
        .values(interaction_id=bindparam("i_id")),
        [{"m_id": message_id, "i_id": interaction_id} for message_id, interaction_id in pairs],
    )


# --- inbound: a citizen's reply -----------------------------------------------------------------


def party_for_reply(inbound: InboundMessage) -> int | None:
    """A party to hang a staff task on: the number's, or a new one (an unverified number never
    joins an existing record by itself; desk.record suggests the duplicate)."""
    if inbound.party_id is None:
        try:
            inbound.party_id = record.find_or_create_party(phone=inbound.sender).id
        except RecordError:  # a sender id that is no phone number: no record, no task
            log.warning("no party for the sender of inbound SMS %s", inbound.id)
    return inbound.party_id


def verify_replying_number(inbound: InboundMessage, offer: OutboxMessage | None) -> None:
    """A reply from the number we wrote to on a party's behalf proves the number is theirs:
    their address is verified (how: an SMS reply), so the next contact from it matches."""
    if offer is None or offer.party_id is None or offer.recipient != inbound.sender:
        return
    try:
        party_id = record.resolve_party(offer.party_id).id
    except RecordError:
        return
    record.verify_by_reply(party_id=party_id, phone=inbound.sender)


def record_reply(inbound: InboundMessage, offer: OutboxMessage | None, *, task: bool) -> None:
    """The reply as an inbound interaction (and, if unreadable, a task), in the unit of work
    of the pending inbound row and its answer. Without a party nothing is recorded: STOP from
    an unknown number is the number's business (sms_consent), not a record's."""
    if inbound.party_id is None:
        return
    link = _link(
        offer.link_type if offer else None,
        offer.link_id if offer else None,
        "sms_inbound",
        inbound.id,
    )
    try:
        if task:
            department = accounts.get_or_create_department(
                current_app.config["SMS_REPLY_DEPARTMENT"]
            )
            record.create_task(
                party=inbound.party_id,
                title=f"SMS reply to answer: {inbound.body.strip()[:150] or '(empty)'}",
                description=f"From {inbound.sender}:\n{inbound.body}",
                department=department,
                kind="callback",
            )
        record.record_interaction(
            party=inbound.party_id,
            channel="sms",
            direction="inbound",
            subject=in_default_language(REPLY, None),
            subject_code=REPLY,
            summary=inbound.body,  # what the citizen typed: text
            outcome=inbound.outcome[:200] or None,
            **link,
        )
    except RecordError:
        # Refused before writing: the reply itself (and its answer) must still be kept.
        log.exception("the case record refused inbound SMS %s", inbound.id)

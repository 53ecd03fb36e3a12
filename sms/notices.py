"""Notices to a party: one channel, the party's own, and a stored reason either way.

This is what the channels call (appointments.notices, counter.citizen_notices): they word a
notice (`sms.texts`) and say who it is for (an `Addressee`, found with the helpers below), and
this module queues it in the outbox, in the caller's unit of work, so the notice commits with
the change it announces or not at all.

The party's preferred channel decides: SMS or e-mail, never both, and nothing after an
opt-out. A notice that is not sent is still a row (status "skipped") with the reason, under the
same idempotency key, so staff can answer "why did I get nothing?" and a later retry of the
cause cannot send it on another channel.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from desk.interaction_texts import iso_utc
from extensions import db
from sms import case_record, consent, reasons
from sms.case_record import CONSENT_COLUMN
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_messages
from sms.texts import Text, language_of


@dataclass
class Addressee:
    party_id: int | None
    language: str
    preferred_channel: str  # sms | email | post | none
    phone: str | None = None
    email: str | None = None
    # channel -> {consent column: allowed}, from the party's ContactAddress rows
    consents: dict = field(default_factory=dict)


# --- who a notice is for: reads only, in the caller's unit of work ---------------------------


def addressee_for_party(party_id: int) -> Addressee | None:
    """The party's language, preferred channel, default addresses and their consent (followed
    to the surviving party after a merge); None for an unknown party."""
    return case_record.addressee_for_party(party_id)


def party_for_address(value: str | None) -> int | None:
    """The party a phone number or e-mail address belongs to, if any: a verified address
    first, then the newest."""
    return case_record.party_for_address(value)


def parties_with_addresses(party_ids) -> list:
    """Read these parties with their addresses at once: hold on to the answer while calling
    `addressee_for_party` for many of them (a pass of reminders), which then reads nothing."""
    return case_record.parties_with_addresses(party_ids)


def addressee_for_number(phone: str, language: str | None) -> Addressee:
    """A number a citizen left for this very notice (a ticket's "tell me when it is my turn"):
    SMS whatever their party's usual channel, unless the number said STOP or the party holding
    it refused messages of the notice's purpose."""
    return Addressee(
        party_id=case_record.party_for_address(phone),
        language=language_of(language),
        preferred_channel="sms",
        phone=phone,
        consents=case_record.address_consents(phone),
    )


# --- sending ----------------------------------------------------------------------------------


def address_for(addressee: Addressee) -> str | None:
    """The address of the party's preferred channel, if it is SMS or e-mail and they have one."""
    if addressee.preferred_channel == "sms":
        return addressee.phone or None
    if addressee.preferred_channel == "email":
        return addressee.email or None
    return None


def choose_channel(
    addressee: Addressee, purpose: str, opted_out: dict | None = None
) -> tuple[str | None, str | None, tuple[str, dict | None]]:
    """(channel, address, reason); channel None means: do not send, for `reason` (a code of
    sms.reasons with its parameters).

    `opted_out`: `consent.opted_out_among` of the addresses, read once for a batch of notices;
    without it, this address's is read here.
    """
    preferred = addressee.preferred_channel
    if preferred == "post":
        return None, None, (reasons.PREFERS_POST, None)
    if preferred not in ("sms", "email"):
        return None, None, (reasons.NO_NOTIFICATIONS, None)
    address = address_for(addressee)
    if not address:
        return None, None, (reasons.NO_MOBILE if preferred == "sms" else reasons.NO_EMAIL, None)
    channel_code = f"channel.{preferred}"
    column = CONSENT_COLUMN.get(purpose)
    if column and not addressee.consents.get(preferred, {}).get(column, True):
        params = {"purpose_code": f"sms.purpose.{purpose}", "channel_code": channel_code}
        return None, address, (reasons.NO_CONSENT, params)
    if purpose not in consent.EXEMPT_PURPOSES:
        if opted_out is None:
            opted_out = consent.opted_out_among([address])
        stop = opted_out.get(address)
        if stop is not None:
            params = {"keyword": stop.keyword.upper(), "stopped_at": iso_utc(stop.changed_at)}
            return None, address, (reasons.OPTED_OUT, params)
    return preferred, address, (reasons.SENT_BY, {"channel_code": channel_code})


def already_queued(keys) -> set[str]:
    """Those of these idempotency keys a notice was queued (or skipped) under before, in one
    query: a pass of reminders words only the new ones."""
    keys = list(keys)
    if not keys:
        return set()
    query = select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))
    return set(db.session.scalars(query))


@dataclass(frozen=True)
class NoticeOutcome:
    """How a queued notice is going, for the page that caused it ("we sent it by SMS to…")."""

    channel: str  # sms | email
    recipient: str
    status: MessageStatus
    reason: str

    @property
    def going(self) -> bool:
        """Queued, on its way or sent: not skipped, refused, failed or expired."""
        return self.status in (
            MessageStatus.QUEUED,
            MessageStatus.SENDING,
            MessageStatus.SENT,
            MessageStatus.DELIVERED,
        )


def notice_outcome(key: str) -> NoticeOutcome | None:
    """The notice queued (or skipped) under this idempotency key, if any. Reads only."""
    row = db.session.execute(
        select(
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.status,
            OutboxMessage.reason,
        ).where(OutboxMessage.idempotency_key == key)
    ).first()
    return NoticeOutcome(*row) if row is not None else None


def send_notice(**notice) -> OutboxMessage:
    """Queue the notice by the party's channel, or store why not; its keywords are those of
    `notice_message`. Does not commit."""
    return send_notices([notice])[0]


def send_notices(notices: list[dict]) -> list[OutboxMessage]:
    """`send_notice` for each of `notices` (dicts of its keywords), in order: one query for the
    opt-outs of all their addresses, then `queue_messages`. Does not commit."""
    asked = [n["addressee"] for n in notices if n["purpose"] not in consent.EXEMPT_PURPOSES]
    opted_out = consent.opted_out_among(filter(None, map(address_for, asked)))
    return queue_messages([notice_message(**notice, opted_out=opted_out) for notice in notices])


def notice_message(
    *,
    key: str,
    addressee: Addressee,
    purpose: str,
    text_for,  # channel -> Text
    link_type: str | None = None,
    link_id: int | None = None,
    expires_at: datetime | None = None,
    opted_out: dict | None = None,
    skip: str | None = None,
) -> dict:
    """The `queue_message` keywords of a notice: by the party's channel, or skipped with why;
    `skip` is a reason the caller already has not to send it (a reminder whose time passed): a
    code the caller registered (desk.interaction_texts.register_texts)."""
    channel, address, (reason, reason_params) = choose_channel(addressee, purpose, opted_out)
    text: Text = text_for(channel or "sms")
    return dict(
        key=key,
        channel=channel or ("email" if addressee.preferred_channel == "email" else "sms"),
        recipient=address or "",
        subject=text.subject,
        body=text.body,
        html_body=(text.html or None) if channel == "email" else None,
        attachments=(list(text.attachments) or None) if channel == "email" else None,
        purpose=purpose,
        language=addressee.language,
        party_id=addressee.party_id,
        link_type=link_type,
        link_id=link_id,
        accepts_replies=text.accepts_replies and channel == "sms",
        expires_at=expires_at,
        reason=skip or reason,
        reason_params=None if skip else reason_params,
        status=MessageStatus.QUEUED if channel and not skip else MessageStatus.SKIPPED,
    )

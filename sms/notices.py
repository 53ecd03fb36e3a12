"""Notices to a party: one channel, the party's own, and a stored reason either way.

The party's preferred channel decides: SMS or e-mail, never both, and nothing after an
opt-out. A notice that is not sent is still a row (status "skipped") with the reason, under the
same idempotency key, so staff can answer "why did I get nothing?" and a later retry of the
cause cannot send it on another channel.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sms import consent
from sms.case_record import CONSENT_COLUMN
from sms.models import MessageStatus, OutboxMessage
from sms.outbox import queue_message
from sms.texts import Text


@dataclass
class Addressee:
    party_id: int | None
    language: str
    preferred_channel: str  # sms | email | post | none
    phone: str | None = None
    email: str | None = None
    # channel -> {consent column: allowed}, from the party's ContactAddress rows
    consents: dict = field(default_factory=dict)


def choose_channel(addressee: Addressee, purpose: str) -> tuple[str | None, str | None, str]:
    """(channel, address, reason); channel None means: do not send, for `reason`."""
    preferred = addressee.preferred_channel
    if preferred == "post":
        return None, None, "the party prefers post: not sent electronically"
    if preferred not in ("sms", "email"):
        return None, None, "the party chose no notifications"
    address = addressee.phone if preferred == "sms" else addressee.email
    label = "SMS" if preferred == "sms" else "e-mail"
    if not address:
        missing = "mobile number" if preferred == "sms" else "e-mail address"
        return None, None, f"preferred channel is {label}, but there is no {missing}"
    column = CONSENT_COLUMN.get(purpose)
    if column and not addressee.consents.get(preferred, {}).get(column, True):
        return None, address, f"no consent for {purpose} messages by {label}"
    if not consent.may_send(address, purpose):
        row = consent.consent_of(address)
        when = row.changed_at.strftime("%Y-%m-%d") if row else ""
        return None, address, f"opted out ({row.keyword.upper() if row else 'STOP'} {when})"
    return preferred, address, f"sent by {label}, the party's preferred channel"


def send_notice(
    *,
    key: str,
    addressee: Addressee,
    purpose: str,
    text_for,  # channel -> Text
    link_type: str | None = None,
    link_id: int | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage:
    """Queue the notice by the party's channel, or store why not. Does not commit."""
    channel, address, reason = choose_channel(addressee, purpose)
    text: Text = text_for(channel or "sms")
    return queue_message(
        key=key,
        channel=channel or ("email" if addressee.preferred_channel == "email" else "sms"),
        recipient=address or "",
        subject=text.subject,
        body=text.body,
        purpose=purpose,
        language=addressee.language,
        party_id=addressee.party_id,
        link_type=link_type,
        link_id=link_id,
        accepts_replies=text.accepts_replies and channel == "sms",
        expires_at=expires_at,
        reason=reason,
        status=MessageStatus.QUEUED if channel else MessageStatus.SKIPPED,
    )

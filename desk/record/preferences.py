"""How a citizen wants to hear from us: consent per purpose on each address, one preferred
notification channel, a language.

Channels read these before they send a notice (one channel, never two for the same notice);
marketing is never a purpose. A change is logged, and nothing is written when nothing changed.
"""

from core.database import utcnow
from desk.errors import InvalidInput, NotFound
from desk.models import ContactAddress, NotificationChannel, Party, Staff, VerifiedHow
from desk.record.access_log import _log
from desk.record.common import LANGUAGES, _choice, _get, resolve_staff
from desk.record.parties import live_party, resolve_party
from extensions import db

# Purposes a citizen can consent to, and the column that keeps each. Marketing is never one.
CONSENT_PURPOSES = {
    "reminders": "consent_reminders",
    "queue_alerts": "consent_queue_alerts",
    "case_updates": "consent_case_updates",
}


def set_contact_consent(
    *,
    party: Party | int,
    address: ContactAddress | int,
    consents: dict[str, bool] | None = None,
    verified: bool | None = None,
    staff: Staff | None = None,
    source: str | None = None,
) -> ContactAddress:
    """What the citizen told us about one address: consent per purpose, and whether the address
    is proven to be theirs. Purposes not given stay as they are. `source` says where they
    answered ("appointments.web", "counter.follow"); with it, a first answer is recorded (when
    and where) even where it equals the column's default, so "never asked" and "said yes" stay
    apart. An address of another party is
    "not found": a party id and an address id from two records never combine. A merged party's
    id still reaches its survivor's addresses."""
    given = resolve_party(party, follow=False)
    target = live_party(given)
    found = address if isinstance(address, ContactAddress) else _get(ContactAddress, address)
    if found is None or found.party_id not in (given.id, target.id):
        raise NotFound("unknown_address", field="address")
    staff = resolve_staff(staff)
    consents = dict(consents or {})
    unknown = set(consents) - set(CONSENT_PURPOSES)
    if unknown:
        raise InvalidInput("unknown_purpose", field=sorted(unknown)[0])
    changes = [
        f"consent.{purpose}.{'yes' if wanted else 'no'}"
        for purpose, wanted in consents.items()
        if getattr(found, CONSENT_PURPOSES[purpose]) != bool(wanted)
    ]
    first_answer = bool(consents) and source is not None and found.consent_changed_at is None
    if first_answer and not changes:
        changes = [
            f"consent.{purpose}.{'yes' if wanted else 'no'}" for purpose, wanted in consents.items()
        ]
    if verified is not None and (found.verified_at is not None) != bool(verified):
        changes.append(f"verified.{'yes' if verified else 'no'}")
    if not changes:
        return found  # nothing changed: nothing to write or log
    now = utcnow()
    for purpose, wanted in consents.items():
        column = CONSENT_PURPOSES[purpose]
        if getattr(found, column) != bool(wanted) or first_answer:
            setattr(found, column, bool(wanted))
            found.consent_changed_at = now
            found.consent_source = source or ("desk" if staff is not None else None)
    if verified is not None and (found.verified_at is not None) != bool(verified):
        found.verified_at = now if verified else None
        # staff ticking "verified" have checked a document; unticking forgets how and by whom
        found.verified_how = VerifiedHow.IDENTITY_DOCUMENT.value if verified else None
        found.verified_by_id = staff.id if verified and staff is not None else None
    params = {"address": found.id, "change_codes": changes}
    _log(staff, target.id, "change", "contact", "access.address_changed", params)
    db.session.flush()
    return found


def set_preferences(
    *,
    party: Party | int,
    preferred_channel: str | None = None,
    language: str | None = None,
    staff: Staff | None = None,
) -> Party:
    """How the citizen wants to hear from us: one notification channel (never two for the same
    notice) and a language. SMS needs a phone and e-mail an address on the record, otherwise
    the channels would silently send nothing. `language=""` clears the language."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    changes = []
    channel = None
    if preferred_channel is not None:
        channel = _choice(
            NotificationChannel, preferred_channel, "invalid_preferred_channel", "preferred_channel"
        )
        kinds = {a.kind for a in target.addresses}
        if channel == NotificationChannel.SMS and "phone" not in kinds:
            raise InvalidInput("channel_needs_phone", field="preferred_channel")
        if channel == NotificationChannel.EMAIL and "email" not in kinds:
            raise InvalidInput("channel_needs_email", field="preferred_channel")
        if channel != target.preferred_channel:
            changes.append(f"preference.channel.{channel}")
    if language is not None:
        if language and language not in LANGUAGES:
            raise InvalidInput("invalid_language", field="language")
        if (language or None) != target.preferred_language:
            changes.append(f"preference.language.{language or 'none'}")
    if not changes:
        return target
    if channel is not None:
        target.preferred_channel = channel
    if language is not None:
        target.preferred_language = language or None
    _log(staff, target.id, "change", "contact", "access.preferences", {"change_codes": changes})
    db.session.flush()
    return target

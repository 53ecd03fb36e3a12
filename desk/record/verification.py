"""Proof that an address or identifier is the party's: when, how and by whom.

Only a verified address matches a person by itself (desk.record.parties), so verifying is what
lets the next contact from that number find this record without a person choosing. Staff verify
after checking an identity document; a citizen's SMS reply from a number we wrote to on this
party's behalf verifies that number. Each is logged; verifying what is verified changes nothing.
"""

from sqlalchemy import select

from core.database import utcnow
from desk.errors import NotFound
from desk.models import ContactAddress, Party, PartyIdentifier, Staff, VerifiedHow
from desk.record.access_log import _log
from desk.record.common import _choice, _get, resolve_staff
from desk.record.parties import live_party, resolve_party
from extensions import db


def _owned(model, row, party: Party | int, field: str):
    given = resolve_party(party, follow=False)
    target = live_party(given)
    found = row if isinstance(row, model) else _get(model, row)
    if found is None or found.party_id not in (given.id, target.id):
        raise NotFound("unknown_address", field=field)
    return target, found


def verify_address(
    *,
    party: Party | int,
    address: ContactAddress | int,
    staff: Staff | None,
    how: str = VerifiedHow.IDENTITY_DOCUMENT,
) -> ContactAddress:
    """Mark one of the party's addresses verified, saying how and by whom."""
    target, found = _owned(ContactAddress, address, party, "address")
    how = _choice(VerifiedHow, how, "invalid_kind", "how")
    staff = resolve_staff(staff)
    if found.verified_at is not None and found.verified_how == how.value:
        return found
    found.verified_at, found.verified_how = utcnow(), how.value
    found.verified_by_id = staff.id if staff is not None else None
    params = {"address": found.id, "how_code": f"verified.{how.value}"}
    _log(staff, target.id, "change", "contact", "access.address_verified", params)
    db.session.flush()
    return found


def verify_identifier(
    *,
    party: Party | int,
    identifier: PartyIdentifier | int,
    staff: Staff,
    how: str = VerifiedHow.IDENTITY_DOCUMENT,
) -> PartyIdentifier:
    """Mark one of the party's identifiers checked against an identity document."""
    target, found = _owned(PartyIdentifier, identifier, party, "identifier")
    how = _choice(VerifiedHow, how, "invalid_kind", "how")
    staff = resolve_staff(staff)
    if found.verified_at is not None:
        return found
    found.verified_at, found.verified_how = utcnow(), how.value
    found.verified_by_id = staff.id if staff is not None else None
    params = {"identifier": found.id, "how_code": f"verified.{how.value}"}
    _log(staff, target.id, "change", "contact", "access.identifier_verified", params)
    db.session.flush()
    return found


def verify_by_reply(*, party_id: int, phone: str) -> bool:
    """A citizen answered from `phone` a message we sent to that party at that number: the
    number is theirs. Returns whether anything changed. No staff member, so no log row (the
    reply itself is on the timeline)."""
    rows = db.session.scalars(
        select(ContactAddress).where(
            ContactAddress.party_id == party_id,
            ContactAddress.kind == "phone",
            ContactAddress.value == phone,
            ContactAddress.verified_at.is_(None),
        )
    ).all()
    now = utcnow()
    for row in rows:
        row.verified_at, row.verified_how, row.verified_by_id = now, VerifiedHow.SMS_REPLY, None
    if rows:
        db.session.flush()
    return bool(rows)

"""The desk's one search box: name, phone in any typed form, e-mail, national or KBO number.

Each reading of the query (see identifiers.search_keys) is one indexed lookup; results are live
parties the staff member may see, at most LIMIT of them. Merged parties answer as their survivor.
"""

from flask import current_app
from sqlalchemy import and_, select

from desk import access, identifiers
from desk.models import ContactAddress, Party, PartyIdentifier, Staff
from desk.record import live_party
from extensions import db

LIMIT = 20


def search_parties(query: str, staff: Staff, limit: int = LIMIT) -> list[Party]:
    found: dict[int, Party] = {}
    key = identifiers.identifier_key(current_app.config)
    for kind, value in identifiers.search_keys(query):
        if kind in (identifiers.NATIONAL_NUMBER, identifiers.KBO_NUMBER):
            digest = identifiers.identifier_digest(kind, value, key)
            statement = (
                select(Party)
                .join(PartyIdentifier, PartyIdentifier.party_id == Party.id)
                .where(PartyIdentifier.kind == kind, PartyIdentifier.digest == digest)
            )
        elif kind in ("phone", "email"):
            statement = (
                select(Party)
                .join(ContactAddress, ContactAddress.party_id == Party.id)
                .where(ContactAddress.kind == kind, ContactAddress.value == value)
                .distinct()
            )
        else:
            words = [w.replace("\\", "").replace("%", "").replace("_", "") for w in value.split()]
            words = [w for w in words if w]
            if not words:
                continue
            statement = (
                select(Party)
                .where(
                    Party.merged_into_id.is_(None),
                    and_(*(Party.search_name.like(f"%{w}%") for w in words)),
                )
                .order_by(Party.search_name, Party.id)
            )
        for party in db.session.scalars(statement.limit(limit * 2)):
            survivor = live_party(party)
            if survivor.id not in found and access.can_see_party(staff, survivor):
                found[survivor.id] = survivor
            if len(found) >= limit:
                return list(found.values())
    return list(found.values())

"""The desk's one search box: name, phone in any typed form, e-mail, national or KBO number;
and the candidates a contact can be attached to (`attach_candidates`), with a booking reference
answered by the channel that gave it.

Each reading of the query (see identifiers.search_keys) is one indexed lookup; results are live
parties the staff member may see, at most LIMIT of them. Merged parties answer as their survivor.
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from desk import access, identifiers, record, signals
from desk.models import ContactAddress, Party, PartyIdentifier, Staff
from desk.record import live_party
from extensions import db

LIMIT = 20


def search_parties(
    query: str, staff: Staff, limit: int = LIMIT, *, keys_only: bool = False
) -> list[Party]:
    """`keys_only`: match identifiers, phones and e-mail addresses, never names, for where a
    person must be named exactly (who represents whom), not browsed."""
    found: dict[int, Party] = {}
    key = identifiers.identifier_key(current_app.config)
    for kind, value in identifiers.search_keys(query):
        if keys_only and kind == "name":
            continue
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
        # the result list shows each party's masked identifiers and addresses: loaded here, in
        # the same statement, rather than two lazy loads per party while rendering
        statement = statement.options(
            joinedload(Party.identifiers), joinedload(Party.addresses)
        ).limit(limit * 2)
        for party in db.session.scalars(statement).unique():
            survivor = live_party(party)
            if survivor.id not in found and access.can_see_party(staff, survivor):
                found[survivor.id] = survivor
            if len(found) >= limit:
                return list(found.values())
    return list(found.values())


# --- choosing the party a contact belongs to ---------------------------------------------------


@dataclass
class Candidate:
    """A party a contact may belong to, and why it is offered ("phone", "email", "reference",
    "search"): a shared phone or e-mail first, since that is most likely the same person."""

    party: Party
    reasons: list[str] = field(default_factory=list)


def attach_candidates(
    staff: Staff,
    *,
    query: str = "",
    phone: str | None = None,
    email: str | None = None,
    limit: int = LIMIT,
) -> list[Candidate]:
    """Whom staff can attach a contact to: the parties holding the contact's phone or e-mail
    (verified or not), then those a booking reference names (desk.signals.reference_lookup,
    answered by the channels), then the search box's hits. Live parties the staff member may
    see, each once. Logged as search hits (one INSERT) by the caller's page via `log_shown`."""
    found: dict[int, Candidate] = {}

    def offer(party: Party | None, reason: str) -> None:
        if party is None:
            return
        survivor = live_party(party)
        if survivor.id in found:
            if reason not in found[survivor.id].reasons:
                found[survivor.id].reasons.append(reason)
        elif len(found) < limit and access.can_see_party(staff, survivor):
            found[survivor.id] = Candidate(survivor, [reason])

    for kind, value in (("phone", phone), ("email", email)):
        if not value:
            continue
        holders = db.session.scalars(
            select(Party)
            .join(ContactAddress, ContactAddress.party_id == Party.id)
            .where(ContactAddress.kind == kind, ContactAddress.value == value)
            .options(joinedload(Party.identifiers), joinedload(Party.addresses))
            .order_by(Party.created_at, Party.id)
            .limit(limit)
        ).unique()
        for party in holders:
            offer(party, kind)
    text = (query or "").strip()
    if text:
        answers = signals.reference_lookup.send(current_app._get_current_object(), reference=text)
        for _receiver, party_id in answers:
            if party_id is not None:
                offer(db.session.get(Party, party_id), "reference")
        for party in search_parties(text, staff, limit):
            offer(party, "search")
    return list(found.values())


def log_shown(staff: Staff, candidates: list[Candidate], purpose: str = "contact") -> None:
    """Every candidate shown is a search hit in the access log, in one INSERT."""
    record.log_access(
        staff=staff,
        party_ids=[c.party.id for c in candidates],
        action="search",
        purpose=purpose,
        detail="access.attach_candidates",
    )

"""Who is calling: the caller's number matched to parties of the record, conservatively.

One party holding the number as a VERIFIED address is the caller: the agent's screen pops that
record. Anything else (several verified holders, or only unverified ones) is a list of
candidates the agent chooses from; nothing is merged or attached on a guess. Merged parties are
followed to the party they became.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from desk import record
from desk.identifiers import e164
from desk.models import ContactAddress, Party
from extensions import db
from phone.models import Call


@dataclass(frozen=True)
class Match:
    party_id: int | None = None  # the one verified holder
    candidate_ids: list[int] = field(default_factory=list)  # to choose from, best first


def caller_number(raw: str) -> str | None:
    """The caller's number in E.164, or None (withheld, "anonymous", not a valid number)."""
    return e164(raw or "") if (raw or "").strip() else None


def candidates_for(number: str) -> Match:
    """The parties holding this phone number: one verified holder is the match; otherwise
    every holder, verified ones first, is a candidate."""
    normalised = caller_number(number)
    if normalised is None:
        return Match()
    rows = db.session.execute(
        select(ContactAddress.party_id, ContactAddress.verified_at)
        .where(ContactAddress.kind == "phone", ContactAddress.value == normalised)
        .order_by(ContactAddress.verified_at.is_(None), ContactAddress.id)
    ).all()
    if not rows:
        return Match()
    holders = select(Party).where(Party.id.in_({party_id for party_id, _ in rows}))
    parties = {party.id: party for party in db.session.scalars(holders)}
    verified, everyone = [], []
    for party_id, verified_at in rows:
        live = record.live_party(parties[party_id]).id
        if live not in everyone:
            everyone.append(live)
        if verified_at is not None and live not in verified:
            verified.append(live)
    if len(verified) == 1:
        return Match(party_id=verified[0])
    return Match(candidate_ids=everyone)


def match_call(call: Call) -> None:
    found = candidates_for(call.from_number)
    call.party_id = found.party_id
    call.candidate_party_ids = found.candidate_ids or None

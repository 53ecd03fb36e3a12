"""Parties and matching: who a contact is, found by its keys or created, in as few statements
as a channel's batch allows.

Matching is conservative, because wrongly joined records leak one citizen's data to another:
an identifier (national register or KBO number) or a *verified* address that belongs to exactly
one party matches; an unverified phone or e-mail match creates a new party plus a duplicate
suggestion for a person to judge. Nothing here merges automatically (see desk.merging). Every
channel's first contact with a citizen comes through here, so the common case (keys nobody
holds yet) costs a fixed number of statements however many contacts a batch has.
"""

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from core.database import utcnow
from core.rows import insert_rows
from desk import identifiers
from desk.errors import InvalidInput, NotFound
from desk.models import (
    ContactAddress,
    DuplicateSuggestion,
    NotificationChannel,
    Party,
    PartyIdentifier,
    PartyKind,
    VerifiedHow,
)
from desk.record.common import LANGUAGES, SUBJECT_MAX, _choice, _get, _text
from extensions import db

# --- resolving a party ------------------------------------------------------------------------


def live_party(party: Party) -> Party:
    """Follow merges to the surviving party: channels may hold the id of a merged one."""
    seen = set()
    while party.merged_into_id is not None and party.id not in seen:
        seen.add(party.id)
        party = db.session.get(Party, party.merged_into_id)
    return party


def resolve_party(party: Party | int, field: str = "party", follow: bool = True) -> Party:
    found = party if isinstance(party, Party) else _get(Party, party)
    if found is None:
        raise NotFound("unknown_party", field=field)
    return live_party(found) if follow else found


# --- a contact's keys -------------------------------------------------------------------------


@dataclass
class PartyKeys:
    """The keys a contact was given, normalised and checked before any write."""

    name: str = ""
    phone: str | None = None
    email: str | None = None
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)  # kind, digest, masked

    @property
    def addresses(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("phone", self.phone), ("email", self.email)) if v]

    @property
    def all(self) -> list[tuple[str, str]]:
        """Every key another party could hold: (kind, value) of each address, (kind, digest)
        of each identifier (the kinds of the two never coincide)."""
        return [*self.addresses, *((kind, digest) for kind, digest, _ in self.identifiers)]


def party_keys(*, name, phone, email, national_number, kbo_number) -> PartyKeys:
    keys = PartyKeys(name=_text(name, "name", required=False, limit=SUBJECT_MAX))
    if phone:
        keys.phone = identifiers.normalise_phone(phone)
    if email:
        keys.email = identifiers.normalise_email(email)
    key = identifiers.identifier_key(current_app.config)
    for kind, raw, normalise in (
        (identifiers.NATIONAL_NUMBER, national_number, identifiers.normalise_national_number),
        (identifiers.KBO_NUMBER, kbo_number, identifiers.normalise_kbo_number),
    ):
        if raw:
            digits = normalise(raw)
            keys.identifiers.append(
                (
                    kind,
                    identifiers.identifier_digest(kind, digits, key),
                    identifiers.mask_identifier(kind, digits),
                )
            )
    if not (keys.name or keys.addresses or keys.identifiers):
        raise InvalidInput("party_needs_a_key", field="name")
    return keys


# --- parties ----------------------------------------------------------------------------------


def find_or_create_party(**contact) -> Party:
    """The party these keys belong to, or a new one. Takes the keywords of `_checked_contact`
    (name, phone, email, national_number, language, verified, kbo_number, kind,
    preferred_channel)."""
    return find_or_create_parties([contact])[0]


def find_or_create_parties(contacts: list[dict]) -> list[Party]:
    """`find_or_create_party` for each dict in order, in one transaction: a channel's batch (a
    hundred online bookings at a time) pays one commit, and its brand-new citizens a fixed
    number of statements instead of three each. The answer is aligned with `contacts`.

    All are checked before anything is written, so one bad contact refuses the whole batch.
    A lost race for an identifier raises IntegrityError (see `lost_race`).

    Why the result equals the calls in order (apart from the order of the new ids): a contact
    none of whose keys (address or identifier) has a holder yet and none of whose keys another
    contact of the batch has is a new party with just its own keys and no suggestion, wherever
    it stands in the batch, since nothing before it can give its keys a holder. Nor can its
    party matter to any other contact: matching and suggestions look only at the holders of a
    contact's own keys. So all of these are written first, together; the rest follow one by one
    in the batch's order, each reading the holders read for the batch unless a contact before
    it shared one of its keys (then it reads them again, as a call of its own would).
    """
    checked = [_checked_contact(**contact) for contact in contacts]
    if not checked:
        return []
    parties = _find_or_create(checked)
    db.session.flush()
    return parties


def lost_race(error: BaseException) -> bool:
    """A concurrent transaction stored the same identifier or address first: the caller's
    unit of work is lost whole, and run again (`run_in_transaction(retry_if=lost_race)`) the
    party matches."""
    return isinstance(error, IntegrityError)


@dataclass
class Contact:
    """One contact, checked: everything the writes need, known before the first of them."""

    keys: PartyKeys
    kind: PartyKind
    language: str | None
    channel: NotificationChannel | None
    verified: bool


def _checked_contact(
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    national_number: str | None = None,
    language: str | None = None,
    verified: bool = False,
    kbo_number: str | None = None,
    kind: str | None = None,
    preferred_channel: str | None = None,
) -> Contact:
    """`verified`: the caller has proven the phone/e-mail belongs to this person (an SMS code,
    an eID sign-in); it is stored as such. Raises InvalidInput before anything is written."""
    keys = party_keys(
        name=name, phone=phone, email=email, national_number=national_number, kbo_number=kbo_number
    )
    if language is not None and language not in LANGUAGES:
        raise InvalidInput("invalid_language", field="language")
    party_kind = _choice(PartyKind, kind or PartyKind.PERSON, "invalid_kind", "kind")
    channel = None
    if preferred_channel is not None:
        channel = _choice(
            NotificationChannel, preferred_channel, "invalid_preferred_channel", "preferred_channel"
        )
    return Contact(keys, party_kind, language, channel, bool(verified))


@dataclass
class Holders:
    """Who holds the keys asked about, read before anything of theirs is written."""

    addresses: dict[tuple[str, str], list[tuple[Party, bool]]]  # -> (party, verified) each
    identifiers: dict[tuple[str, str], Party]  # (kind, digest) -> its one holder

    def hold(self, key: tuple[str, str]) -> bool:
        return key in self.addresses or key in self.identifiers


def _find_or_create(contacts: list[Contact]) -> list[Party]:
    holders = _holders([contact.keys for contact in contacts])
    uses = Counter(key for contact in contacts for key in contact.keys.all)
    fresh = [
        i
        for i, contact in enumerate(contacts)
        if not any(uses[key] > 1 or holders.hold(key) for key in contact.keys.all)
    ]
    parties = dict(zip(fresh, _create([contacts[i] for i in fresh]), strict=True))
    handled: set[tuple[str, str]] = set()  # the keys of the contacts handled one by one so far
    for i, contact in enumerate(contacts):
        if i in parties:
            continue
        keys = contact.keys.all
        current = holders if handled.isdisjoint(keys) else _holders([contact.keys])
        parties[i] = _find_or_create_one(contact, current)
        handled.update(keys)
    return [parties[i] for i in range(len(contacts))]


def _find_or_create_one(contact: Contact, holders: Holders) -> Party:
    party = _match(contact.keys, holders)
    new = party is None
    if new:
        [party] = _create([contact])
    else:
        _complete(party, contact.keys, contact.language)
        _add_keys(party, contact.keys, contact.verified)
    _suggest_duplicates(party, contact.keys, holders.addresses, new=new)
    return party


def _create(contacts: list[Contact]) -> list[Party]:
    """New parties with their identifiers and addresses, three INSERTs however many: every
    channel's first contact with a citizen, so written directly (core.rows), each party's lists
    set as written."""
    parties = insert_rows(
        Party,
        [
            dict(
                kind=contact.kind,
                name=contact.keys.name,
                search_name=identifiers.fold_name(contact.keys.name),
                preferred_language=contact.language,
                preferred_channel=contact.channel or _default_channel(contact.keys),
            )
            for contact in contacts
        ],
    )
    held = insert_rows(
        PartyIdentifier,
        [
            dict(party_id=party.id, kind=k, digest=d, masked=m)
            for party, contact in zip(parties, contacts, strict=True)
            for k, d, m in contact.keys.identifiers
        ],
    )
    now = utcnow()
    addresses = insert_rows(
        ContactAddress,
        [
            dict(
                party_id=party.id,
                kind=k,
                value=v,
                is_default=True,  # one of each kind: each the default
                verified_at=now if contact.verified else None,
                verified_how=VerifiedHow.CHANNEL.value if contact.verified else None,
            )
            for party, contact in zip(parties, contacts, strict=True)
            for k, v in contact.keys.addresses
        ],
    )
    held_by, addresses_of = defaultdict(list), defaultdict(list)
    for identifier in held:
        held_by[identifier.party_id].append(identifier)
    for address in addresses:
        addresses_of[address.party_id].append(address)
    for party in parties:
        set_committed_value(party, "identifiers", held_by[party.id])
        set_committed_value(party, "addresses", addresses_of[party.id])
    return parties


def _default_channel(keys: PartyKeys) -> NotificationChannel:
    if keys.phone:
        return NotificationChannel.SMS
    return NotificationChannel.EMAIL if keys.email else NotificationChannel.NONE


def _match(keys: PartyKeys, holders: Holders) -> Party | None:
    for kind, digest, _masked in keys.identifiers:
        holder = holders.identifiers.get((kind, digest))
        if holder is not None:
            return live_party(holder)
    for kind, value in keys.addresses:
        verified = [p for p, is_verified in holders.addresses.get((kind, value), []) if is_verified]
        live = {live_party(p).id: live_party(p) for p in verified}
        if len(live) == 1:
            candidate = next(iter(live.values()))
            if not _conflicting_identifier(candidate, keys):
                return candidate
    return None


def _conflicting_identifier(party: Party, keys: PartyKeys) -> bool:
    """A verified address of someone with another national number is not this person."""
    held = {(i.kind, i.digest) for i in party.identifiers}
    held_kinds = {kind for kind, _ in held}
    return any(kind in held_kinds and (kind, d) not in held for kind, d, _ in keys.identifiers)


def _complete(party: Party, keys: PartyKeys, language: str | None) -> None:
    """Fill what the record lacks; never overwrite what a person already told us."""
    if keys.name and not party.name:
        party.name = keys.name
        party.search_name = identifiers.fold_name(keys.name)
    if language and not party.preferred_language:
        party.preferred_language = language


def _add_keys(party: Party, keys: PartyKeys, verified: bool) -> None:
    held_kinds = {i.kind for i in party.identifiers}
    for kind, digest, masked in keys.identifiers:
        if kind not in held_kinds:
            db.session.add(PartyIdentifier(party=party, kind=kind, digest=digest, masked=masked))
    now = utcnow()
    for kind, value in keys.addresses:
        existing = [a for a in party.addresses if a.kind == kind]
        same = next((a for a in existing if a.value == value), None)
        if same is None:
            db.session.add(
                ContactAddress(
                    party=party,
                    kind=kind,
                    value=value,
                    is_default=not existing,
                    verified_at=now if verified else None,
                    verified_how=VerifiedHow.CHANNEL.value if verified else None,
                )
            )
        elif verified and same.verified_at is None:
            same.verified_at, same.verified_how = now, VerifiedHow.CHANNEL.value
    db.session.flush()


@functools.cache
def _address_holders(count: int):
    """Who holds any of `count` (kind, value) pairs, through ix_contact_address_kind_value; built
    once per count (a party gives at most a phone and an e-mail address, a batch two per
    contact): constructing a statement costs more than running this one. (A row-value IN would
    be one statement for all counts, but SQLite answers it with a full scan.)"""
    address = ContactAddress
    return select(address.kind, address.value, address.verified_at, address.party_id).where(
        or_(
            *(
                (address.kind == bindparam(f"kind{i}")) & (address.value == bindparam(f"value{i}"))
                for i in range(count)
            )
        )
    )


def _holders(keys: list[PartyKeys]) -> Holders:
    """Who holds any of these keys: one query for the addresses, one for the identifiers,
    however many contacts; read before anything is added, for matching and for duplicate
    suggestions.

    Plain rows first: a new citizen's keys have no holder, and that is the common case on every
    channel's first contact; only holders found are loaded as parties, in one query.
    """
    addresses = list(dict.fromkeys(address for each in keys for address in each.addresses))
    held = {(kind, digest) for each in keys for kind, digest, _masked in each.identifiers}
    if not (addresses or held):
        return Holders({}, {})
    db.session.flush()  # the queries below run on the connection, past the session's autoflush
    connection = db.session.connection()
    address_rows = []
    if addresses:
        values = {}
        for i, (kind, value) in enumerate(addresses):
            values[f"kind{i}"], values[f"value{i}"] = kind, value
        address_rows = connection.execute(_address_holders(len(addresses)), values).all()
    identifier_rows = []
    if held:
        kinds, digests = sorted({k for k, _d in held}), sorted({d for _k, d in held})
        found = connection.execute(_IDENTIFIER_HOLDERS, {"kinds": kinds, "digests": digests})
        identifier_rows = [row for row in found if (row.kind, row.digest) in held]
    if not (address_rows or identifier_rows):
        return Holders({}, {})
    ids = {row.party_id for row in (*address_rows, *identifier_rows)}
    parties = {p.id: p for p in db.session.scalars(select(Party).where(Party.id.in_(ids)))}
    owners: dict[tuple[str, str], list[tuple[Party, bool]]] = {}
    for kind, value, verified_at, party_id in address_rows:
        owners.setdefault((kind, value), []).append((parties[party_id], verified_at is not None))
    return Holders(owners, {(r.kind, r.digest): parties[r.party_id] for r in identifier_rows})


# Who holds any of these identifiers; the unique index on (kind, digest) answers both IN lists
# on SQLite and PostgreSQL. Rows of a kind with another kind's digest are dropped in _holders.
_IDENTIFIER_HOLDERS = select(
    PartyIdentifier.kind, PartyIdentifier.digest, PartyIdentifier.party_id
).where(
    PartyIdentifier.kind.in_(bindparam("kinds", expanding=True)),
    PartyIdentifier.digest.in_(bindparam("digests", expanding=True)),
)


def _suggest_duplicates(party: Party, keys: PartyKeys, owners: dict, *, new: bool) -> None:
    """A new party has no suggestions yet: only an existing one needs the check for repeats."""
    suggested = {party.id}  # and each other party once, by the first address they share
    for kind, value in keys.addresses:
        others = [p for p, _verified in owners.get((kind, value), [])]
        for other in {live_party(o).id: live_party(o) for o in others}.values():
            if other.id in suggested or (not new and _suggested(party.id, other.id)):
                continue
            suggested.add(other.id)
            db.session.add(
                DuplicateSuggestion(party_id=party.id, candidate_id=other.id, reason=kind)
            )


def _suggested(a: int, b: int) -> bool:
    return (
        db.session.scalar(
            select(DuplicateSuggestion.id).where(
                or_(
                    (DuplicateSuggestion.party_id == a) & (DuplicateSuggestion.candidate_id == b),
                    (DuplicateSuggestion.party_id == b) & (DuplicateSuggestion.candidate_id == a),
                )
            )
        )
        is not None
    )

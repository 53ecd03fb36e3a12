"""The one write path into the case record: every channel and the staff desk write through here.

Services take plain values and raise `desk.errors.RecordError` subclasses (each with a code).
They add and flush and never commit: the caller's unit of work (core.unit_of_work) does, so a
channel's own change and its record entries stand or fall together. All input is checked
before anything is written. Signals that announce a change (`desk.signals`) go out after the
commit, never for a change that rolled back.

Matching is conservative, because wrongly joined records leak one citizen's data to another:
an identifier (national register or KBO number) or a *verified* address that belongs to exactly
one party matches; an unverified phone or e-mail match creates a new party plus a duplicate
suggestion for a person to judge. Nothing here merges automatically (see desk.merging).
"""

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from core.database import utcnow
from core.rows import insert_rows
from core.unit_of_work import after_commit
from desk import access, identifiers, signals
from desk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from desk.models import (
    AccessLog,
    Case,
    CaseStatus,
    CaseStatusChange,
    Channel,
    ContactAddress,
    Department,
    Direction,
    DuplicateSuggestion,
    Interaction,
    NotificationChannel,
    Party,
    PartyIdentifier,
    PartyKind,
    Representation,
    Staff,
    Task,
)
from extensions import db

LANGUAGES = ("nl", "fr", "en", "de")
PURPOSES = ("contact", "case_work", "callback", "quality", "access_request", "merge")
TASK_KINDS = ("follow_up", "callback")
LINK_TYPE = re.compile(r"[a-z][a-z_]{0,39}")
SUBJECT_MAX = 200
SUMMARY_MAX = 20_000


# --- resolving what callers pass in ---------------------------------------------------------


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


def resolve_department(department: Department | int | str) -> Department:
    if isinstance(department, Department):
        return department
    if isinstance(department, str) and not department.isdigit():
        found = db.session.scalar(select(Department).where(Department.code == department))
    else:
        found = _get(Department, department)
    if found is None:
        raise NotFound("unknown_department", field="department")
    return found


def resolve_staff(staff: Staff | int | None, field: str = "staff") -> Staff | None:
    if staff is None or isinstance(staff, Staff):
        return staff
    found = _get(Staff, staff)
    if found is None:
        raise NotFound("unknown_staff", field=field)
    return found


def resolve_case(case: Case | int, staff: Staff | None, party: Party | None = None) -> Case:
    found = case if isinstance(case, Case) else _get(Case, case)
    if found is None:
        raise NotFound("unknown_case", field="case")
    if not access.can_see_case(staff, found):
        raise NotAllowed("confidential_case", field="case")
    if party is not None and found.party_id != party.id:
        raise InvalidInput("case_of_other_party", field="case")
    return found


def _get(model, key):
    try:
        return db.session.get(model, int(key))
    except (TypeError, ValueError):
        return None


# --- checking plain values ------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("subject_required", field=field)
    if len(text) > limit:
        raise InvalidInput("text_too_long", field=field)
    return text


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise InvalidInput("naive_datetime", field=field)
    return value


def _choice(enum_class, value, code: str, field: str):
    try:
        return enum_class(value)
    except ValueError as error:
        raise InvalidInput(code, field=field) from error


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
                )
            )
        elif verified and same.verified_at is None:
            same.verified_at = now
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


# --- contact moments --------------------------------------------------------------------------


def record_interaction(**moment) -> Interaction:
    """One contact moment on the party's timeline. Append-only: corrections are new rows.

    Takes the keywords of `_checked_interaction` (party, channel, direction, subject, ...).
    """
    return record_interactions([moment])[0]


def record_interactions(moments: list[dict]) -> list[Interaction]:
    """Many contact moments in one INSERT: a channel's batch (the SMS sender records a hundred
    sent messages at a time) pays one statement instead of one per message.

    Each dict takes the keywords of `_checked_interaction`. All are checked before anything
    is written, so one bad moment refuses the whole batch and writes nothing.
    """
    checked = [_checked_interaction(**moment) for moment in moments]
    if not checked:
        return []
    # Written directly (core.rows): every channel records a moment per contact.
    written = insert_rows(Interaction, [values for values, _staff, _purpose in checked])
    for interaction, (_values, staff, purpose) in zip(written, checked, strict=True):
        detail = f"interaction {interaction.id} ({interaction.channel})"
        _log(staff, interaction.party_id, "change", purpose, detail)
    app = current_app._get_current_object()
    for interaction in written:
        after_commit(
            signals.interaction_recorded.send,
            app,
            party_id=interaction.party_id,
            interaction_id=interaction.id,
        )
    return written


def _checked_interaction(
    *,
    party: Party | int,
    channel: str,
    direction: str,
    subject: str,
    summary: str = "",
    outcome: str | None = None,
    staff: Staff | None = None,
    started_at=None,
    ended_at=None,
    link_type: str | None = None,
    link_id: int | None = None,
    case: Case | None = None,
    representative: Party | None = None,
    purpose: str = "contact",
) -> tuple[dict, Staff | None, str]:
    """The column values of one moment, after every check; raises before anything is written."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    the_channel = _choice(Channel, channel, "invalid_channel", "channel")
    the_direction = _choice(Direction, direction, "invalid_direction", "direction")
    subject = _text(subject, "subject", required=True, limit=SUBJECT_MAX)
    summary = _text(summary, "summary", required=False, limit=SUMMARY_MAX)
    outcome = _text(outcome, "outcome", required=False, limit=SUBJECT_MAX) or None
    started_at = _aware(started_at, "started_at") or utcnow()
    ended_at = _aware(ended_at, "ended_at")
    if ended_at is not None and ended_at < started_at:
        raise InvalidInput("invalid_times", field="ended_at")
    if (link_type is None) != (link_id is None) or (
        link_type is not None and not LINK_TYPE.fullmatch(link_type)
    ):
        raise InvalidInput("invalid_link", field="link_type")
    the_case = resolve_case(case, staff, target) if case is not None else None
    the_representative = None
    if representative is not None:
        the_representative = resolve_party(representative, field="representative")
        if the_representative.id == target.id:
            raise InvalidInput("representative_is_party", field="representative")
    values = dict(
        party_id=target.id,
        case_id=the_case.id if the_case else None,
        channel=the_channel,
        direction=the_direction,
        started_at=started_at,
        ended_at=ended_at,
        subject=subject,
        summary=summary,
        outcome=outcome,
        staff_id=staff.id if staff else None,
        representative_id=the_representative.id if the_representative else None,
        subject_type=link_type,
        subject_id=int(link_id) if link_id is not None else None,
    )
    return values, staff, purpose


def add_note(*, party: Party | int, staff: Staff, text: str, case: Case | int | None = None):
    """A staff note on the timeline: channel "note", never sent to the citizen."""
    body = (text or "").strip()
    first_line = body.splitlines()[0] if body else ""
    subject = first_line if len(first_line) <= 80 else first_line[:79] + "…"
    return record_interaction(
        party=party,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        subject=subject,
        summary=body,
        staff=staff,
        case=case,
    )


def add_representation(
    *,
    representative: Party | int,
    represented: Party | int,
    basis: str,
    valid_until: datetime | None = None,
    staff: Staff | None = None,
) -> Representation:
    """One party may act for another (a daughter for her father) on a basis, until a date."""
    agent = resolve_party(representative, field="representative")
    principal = resolve_party(represented, field="represented")
    if agent.id == principal.id:
        raise InvalidInput("representative_is_party", field="representative")
    basis = _text(basis, "basis", required=True, limit=100)
    valid_until = _aware(valid_until, "valid_until")
    representation = Representation(
        representative_id=agent.id,
        represented_id=principal.id,
        basis=basis,
        valid_until=valid_until,
    )
    db.session.add(representation)
    db.session.flush()
    _log(staff, principal.id, "change", "case_work", f"representation {representation.id}")
    return representation


def end_representation(
    *, representation: Representation | int, staff: Staff | None = None
) -> Representation:
    """From now on the representative no longer acts for the party; the row stays, so the
    interactions it was used in keep showing who acted."""
    found = (
        representation
        if isinstance(representation, Representation)
        else _get(Representation, representation)
    )
    if found is None:
        raise NotFound("unknown_representation", field="representation")
    staff = resolve_staff(staff)
    now = utcnow()
    if found.valid_until is not None and found.valid_until <= now:
        raise Conflict("representation_ended", field="representation")
    found.valid_until = now
    _log(staff, found.represented_id, "change", "case_work", f"representation {found.id} ended")
    db.session.flush()
    return found


# --- contact preferences ----------------------------------------------------------------------

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
) -> ContactAddress:
    """What the citizen told us about one address: consent per purpose, and whether the address
    is proven to be theirs. Purposes not given stay as they are. An address of another party is
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
        f"{purpose}={'yes' if wanted else 'no'}"
        for purpose, wanted in consents.items()
        if getattr(found, CONSENT_PURPOSES[purpose]) != bool(wanted)
    ]
    if verified is not None and (found.verified_at is not None) != bool(verified):
        changes.append(f"verified={'yes' if verified else 'no'}")
    if not changes:
        return found  # nothing changed: nothing to write or log
    now = utcnow()
    for purpose, wanted in consents.items():
        column = CONSENT_PURPOSES[purpose]
        if getattr(found, column) != bool(wanted):
            setattr(found, column, bool(wanted))
            found.consent_changed_at = now
    if verified is not None and (found.verified_at is not None) != bool(verified):
        found.verified_at = now if verified else None
    _log(staff, target.id, "change", "contact", f"address {found.id}: {', '.join(changes)}")
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
            changes.append(f"channel={channel}")
    if language is not None:
        if language and language not in LANGUAGES:
            raise InvalidInput("invalid_language", field="language")
        if (language or None) != target.preferred_language:
            changes.append(f"language={language or '-'}")
    if not changes:
        return target
    if channel is not None:
        target.preferred_channel = channel
    if language is not None:
        target.preferred_language = language or None
    _log(staff, target.id, "change", "contact", "preferences: " + ", ".join(changes))
    db.session.flush()
    return target


# --- cases ------------------------------------------------------------------------------------


def open_case(
    *,
    party: Party | int,
    subject: str,
    department: Department | int | str,
    staff: Staff | None = None,
    owner: Staff | int | None = None,
    due_date: date | None = None,
    confidential: bool = False,
    retention_until: date | None = None,
    note: str = "",
) -> Case:
    """A new dossier, status "open"; the opening is the first row of its status history."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    subject = _text(subject, "subject", required=True, limit=SUBJECT_MAX)
    note = _text(note, "note", required=False, limit=500)
    the_department = resolve_department(department)
    the_owner = resolve_staff(owner, field="owner")
    case = Case(
        party_id=target.id,
        subject=subject,
        department_id=the_department.id,
        owner_id=the_owner.id if the_owner else None,
        status=CaseStatus.OPEN,
        due_date=due_date,
        confidential=bool(confidential),
        retention_until=retention_until,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CaseStatusChange(
            case_id=case.id,
            from_status=None,
            to_status=CaseStatus.OPEN,
            note=note,
            staff_id=staff.id if staff else None,
        )
    )
    _log(staff, target.id, "change", "case_work", f"case {case.id} opened")
    db.session.flush()
    return case


def set_case_status(
    *, case: Case | int, status: str, staff: Staff | None = None, note: str = ""
) -> Case:
    the_case = resolve_case(case, resolve_staff(staff))
    new_status = _choice(CaseStatus, status, "invalid_status", "status")
    note = _text(note, "note", required=False, limit=500)
    if new_status == the_case.status:
        raise InvalidInput("status_unchanged", field="status")
    old_status = the_case.status
    the_case.status = new_status
    the_case.closed_at = utcnow() if new_status == CaseStatus.CLOSED else None
    db.session.add(
        CaseStatusChange(
            case_id=the_case.id,
            from_status=old_status,
            to_status=new_status,
            note=note,
            staff_id=staff.id if staff else None,
        )
    )
    _log(staff, the_case.party_id, "change", "case_work", f"case {the_case.id} {new_status}")
    db.session.flush()
    after_commit(
        signals.case_status_changed.send,
        current_app._get_current_object(),
        party_id=the_case.party_id,
        case_id=the_case.id,
        from_status=str(old_status),
        to_status=str(new_status),
    )
    return the_case


# --- tasks ------------------------------------------------------------------------------------


def create_task(
    *,
    party: Party | int,
    title: str,
    staff: Staff | None = None,
    assignee: Staff | int | None = None,
    department: Department | int | str | None = None,
    due_at: datetime | None = None,
    case: Case | int | None = None,
    kind: str = "follow_up",
    description: str = "",
) -> Task:
    """A follow-up or callback request for a person, a department, or both."""
    target = resolve_party(party)
    staff = resolve_staff(staff)
    title = _text(title, "title", required=True, limit=SUBJECT_MAX)
    description = _text(description, "description", required=False, limit=SUMMARY_MAX)
    if kind not in TASK_KINDS:
        raise InvalidInput("invalid_kind", field="kind")
    if assignee is None and department is None:
        raise InvalidInput("task_needs_assignee", field="department")
    the_assignee = resolve_staff(assignee, field="assignee")
    the_department = resolve_department(department) if department is not None else None
    due_at = _aware(due_at, "due_at")
    the_case = resolve_case(case, staff, target) if case is not None else None
    task = Task(
        party_id=target.id,
        case_id=the_case.id if the_case else None,
        kind=kind,
        title=title,
        description=description,
        assignee_id=the_assignee.id if the_assignee else None,
        department_id=the_department.id if the_department else None,
        due_at=due_at,
        created_by_id=staff.id if staff else None,
    )
    db.session.add(task)
    db.session.flush()
    _log(staff, target.id, "change", "case_work", f"task {task.id} created")
    return task


def close_task(*, task: Task | int, staff: Staff | None = None) -> Task:
    the_task = task if isinstance(task, Task) else _get(Task, task)
    if the_task is None:
        raise NotFound("unknown_task", field="task")
    staff = resolve_staff(staff)
    if the_task.case is not None and not access.can_see_case(staff, the_task.case):
        raise NotAllowed("confidential_case", field="task")
    if the_task.done_at is not None:
        raise Conflict("task_already_closed", field="task")
    the_task.done_at = utcnow()
    the_task.done_by_id = staff.id if staff else None
    _log(staff, the_task.party_id, "change", "case_work", f"task {the_task.id} closed")
    db.session.flush()
    return the_task


# --- the access log ---------------------------------------------------------------------------


def log_access(
    *, staff: Staff, party_ids: list[int] | int, action: str, purpose: str, detail: str = ""
) -> None:
    """Who looked: one row per party shown, one INSERT, one transaction. Purposes outside
    PURPOSES are stored as "contact" rather than refused: the log must never block the desk."""
    ids = [party_ids] if isinstance(party_ids, int) else list(party_ids)
    if not ids:
        return
    _log_rows(staff, ids, action, purpose, detail)


def _log(staff: Staff | None, party_id: int, action: str, purpose: str, detail: str) -> None:
    """Changes by a citizen channel (no staff member) are on the timeline, not in this log."""
    if staff is not None:
        _log_rows(staff, [party_id], action, purpose, detail)


def _log_rows(staff: Staff, party_ids: list[int], action: str, purpose: str, detail: str) -> None:
    """A Core INSERT (several VALUES for several parties), not ORM objects: the log is written
    on every page view and nothing reads the rows back in the same request."""
    now = utcnow()
    values = {
        "staff_id": staff.id,
        "action": action,
        "purpose": purpose if purpose in PURPOSES else "contact",
        "detail": detail[:200],
        "at": now,
    }
    db.session.execute(insert(AccessLog.__table__), [{**values, "party_id": i} for i in party_ids])

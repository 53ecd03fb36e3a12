"""Merging two records of one person, always by a staff member, and always undoable.

A merge moves the absorbed party's contact moments, cases, tasks, identifiers, new addresses and
representations to the survivor and marks the absorbed party as merged. The MergeRecord keeps the
ids of exactly what moved and the survivor's fields before the merge, so undo moves those rows
back and nothing created on the survivor afterwards. Automatic merges lost data elsewhere; here a
person looks at the preview first.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from core.database import utcnow
from core.unit_of_work import after_commit
from desk import access, signals
from desk.errors import Conflict, NotAllowed, NotFound
from desk.models import (
    Case,
    ContactAddress,
    DuplicateSuggestion,
    Interaction,
    MergeRecord,
    Party,
    PartyIdentifier,
    Representation,
    Staff,
    Task,
)
from desk.record.access_log import _log
from desk.record.parties import resolve_party
from extensions import db

# (snapshot key, model, column): rows that move wholesale from the absorbed party.
MOVING = (
    ("interactions", Interaction, Interaction.party_id),
    ("cases", Case, Case.party_id),
    ("tasks", Task, Task.party_id),
    ("identifiers", PartyIdentifier, PartyIdentifier.party_id),
    ("represents", Representation, Representation.representative_id),
    ("represented_by", Representation, Representation.represented_id),
)
FILLED_FIELDS = ("name", "search_name", "preferred_language")
CHUNK = 5000  # stays under SQLite's bound-parameter limit


@dataclass
class MergePreview:
    survivor: Party
    absorbed: Party
    counts: dict[str, int]
    addresses: list[ContactAddress]  # those that move (the survivor lacks them)
    identifiers: list[PartyIdentifier]
    fields: dict[str, str]  # survivor fields the absorbed party fills in


def _check(survivor, absorbed, staff: Staff) -> tuple[Party, Party]:
    keep = resolve_party(survivor, field="survivor", follow=False)
    drop = resolve_party(absorbed, field="absorbed", follow=False)
    for party in (keep, drop):
        if not access.can_see_party(staff, party):
            raise NotFound("unknown_party", field="absorbed")
    if keep.id == drop.id:
        raise Conflict("merge_into_itself", field="absorbed")
    if keep.merged_into_id is not None or drop.merged_into_id is not None:
        raise Conflict("already_merged", field="absorbed")
    kept = {i.kind: i.digest for i in keep.identifiers}
    if any(i.kind in kept and kept[i.kind] != i.digest for i in drop.identifiers):
        raise Conflict("conflicting_identifiers", field="absorbed")
    return keep, drop


def _moving_addresses(keep: Party, drop: Party) -> list[ContactAddress]:
    held = {(a.kind, a.value) for a in keep.addresses}
    return [a for a in drop.addresses if (a.kind, a.value) not in held]


def _filled_fields(keep: Party, drop: Party) -> dict[str, str]:
    return {f: getattr(drop, f) for f in FILLED_FIELDS if not getattr(keep, f) and getattr(drop, f)}


def older_first(a: Party | int, b: Party | int) -> tuple[int, int]:
    """(survivor, absorbed) of two parties: the older one survives, with its id and number,
    whichever page the merge was started from (a newer, emptier record made at a counter must
    never absorb the citizen's long-standing one)."""
    first = resolve_party(a, field="survivor", follow=False)
    second = resolve_party(b, field="absorbed", follow=False)
    ordered = sorted((first, second), key=lambda p: (p.created_at, p.id))
    return ordered[0].id, ordered[1].id


def merge_preview(*, survivor: Party | int, absorbed: Party | int, staff: Staff) -> MergePreview:
    """What a merge would move, checked exactly as the merge itself checks it."""
    keep, drop = _check(survivor, absorbed, staff)
    counts = {
        key: db.session.scalar(select(db.func.count()).where(column == drop.id))
        for key, _model, column in MOVING
    }
    return MergePreview(
        survivor=keep,
        absorbed=drop,
        counts=counts,
        addresses=_moving_addresses(keep, drop),
        identifiers=list(drop.identifiers),
        fields=_filled_fields(keep, drop),
    )


def merge_parties(*, survivor: Party | int, absorbed: Party | int, staff: Staff) -> MergeRecord:
    keep, drop = _check(survivor, absorbed, staff)
    snapshot: dict = {"survivor_fields": {f: getattr(keep, f) for f in FILLED_FIELDS}}
    snapshot["survivor_secret"] = keep.secret
    for key, model, column in MOVING:
        ids = list(db.session.scalars(select(model.id).where(column == drop.id)))
        snapshot[key] = ids
        _move(model, column, ids, drop.id, keep.id)
    addresses = [a.id for a in _moving_addresses(keep, drop)]
    snapshot["addresses"] = addresses
    _move(ContactAddress, ContactAddress.party_id, addresses, drop.id, keep.id)
    for name, value in _filled_fields(keep, drop).items():
        setattr(keep, name, value)
    keep.secret = keep.secret or drop.secret  # secrecy is never lost in a merge
    suggestions = _pair_suggestions(keep.id, drop.id, open_only=True)
    snapshot["suggestions"] = [s.id for s in suggestions]
    now = utcnow()
    for suggestion in suggestions:
        suggestion.resolved_at, suggestion.resolution = now, "merged"
    drop.merged_into_id = keep.id
    record = MergeRecord(
        survivor_id=keep.id, absorbed_id=drop.id, snapshot=snapshot, merged_by_id=staff.id
    )
    db.session.add(record)
    db.session.flush()
    for party_id in (keep.id, drop.id):
        params = {"merge": record.id, "absorbed": drop.id, "kept": keep.id}
        _log(staff, party_id, "merge", "merge", "access.merged", params)
    db.session.flush()
    db.session.expire_all()
    after_commit(
        signals.parties_merged.send,
        current_app._get_current_object(),
        survivor_id=keep.id,
        absorbed_id=drop.id,
        merge_id=record.id,
        undone=False,
    )
    return record


def undo_merge(*, merge: MergeRecord | int, staff: Staff) -> MergeRecord:
    """Moves back exactly what the merge moved; later work on the survivor stays there."""
    record = merge if isinstance(merge, MergeRecord) else db.session.get(MergeRecord, int(merge))
    if record is None:
        raise NotFound("unknown_merge", field="merge")
    keep, drop = record.survivor, record.absorbed
    if not (access.can_see_party(staff, keep)):
        raise NotAllowed("unknown_merge", field="merge")
    if record.undone_at is not None:
        raise Conflict("merge_already_undone", field="merge")
    if keep.merged_into_id is not None or drop.merged_into_id != keep.id:
        raise Conflict("merge_not_latest", field="merge")
    snapshot = record.snapshot
    for key, model, column in MOVING:
        _move(model, column, snapshot.get(key, []), keep.id, drop.id)
    _move(ContactAddress, ContactAddress.party_id, snapshot.get("addresses", []), keep.id, drop.id)
    for name, value in snapshot["survivor_fields"].items():
        setattr(keep, name, value)
    keep.secret = snapshot["survivor_secret"]
    for suggestion_id in snapshot.get("suggestions", []):
        suggestion = db.session.get(DuplicateSuggestion, suggestion_id)
        if suggestion is not None:
            suggestion.resolved_at, suggestion.resolution = None, None
    drop.merged_into_id = None
    record.undone_at, record.undone_by_id = utcnow(), staff.id
    for party_id in (keep.id, drop.id):
        _log(staff, party_id, "merge", "merge", "access.merge_undone", {"merge": record.id})
    db.session.flush()
    db.session.expire_all()
    after_commit(
        signals.parties_merged.send,
        current_app._get_current_object(),
        survivor_id=keep.id,
        absorbed_id=drop.id,
        merge_id=record.id,
        undone=True,
    )
    return record


def dismiss_suggestion(*, suggestion: DuplicateSuggestion | int, staff: Staff) -> None:
    """ "Not the same person": the pair is not suggested again."""
    found = (
        suggestion
        if isinstance(suggestion, DuplicateSuggestion)
        else db.session.get(DuplicateSuggestion, int(suggestion))
    )
    if found is None:
        raise NotFound("unknown_party", field="suggestion")
    if found.resolved_at is not None:
        raise Conflict("suggestion_resolved", field="suggestion")
    found.resolved_at, found.resolution = utcnow(), "dismissed"
    params = {"suggestion": found.id}
    _log(staff, found.party_id, "change", "merge", "access.suggestion_dismissed", params)
    db.session.flush()


def open_suggestions(party_id: int) -> list[DuplicateSuggestion]:
    """Unresolved suggestions naming this party on either side, live parties only."""
    rows = db.session.scalars(
        select(DuplicateSuggestion)
        .where(
            DuplicateSuggestion.resolved_at.is_(None),
            (DuplicateSuggestion.party_id == party_id)
            | (DuplicateSuggestion.candidate_id == party_id),
        )
        .options(joinedload(DuplicateSuggestion.party), joinedload(DuplicateSuggestion.candidate))
        .order_by(DuplicateSuggestion.id)
    ).all()
    return [
        s for s in rows if s.party.merged_into_id is None and s.candidate.merged_into_id is None
    ]


def absorbed_party_ids(party_id: int) -> list[int]:
    """The parties merged into this one, also through a party that had absorbed others before
    it was merged itself: one indexed query per level (a merge that was undone is no longer
    merged)."""
    found: list[int] = []
    level = [party_id]
    while level:
        below = db.session.scalars(select(Party.id).where(Party.merged_into_id.in_(level)))
        level = [i for i in below if i != party_id and i not in found]
        found += level
    return found


def _pair_suggestions(a: int, b: int, open_only: bool) -> list[DuplicateSuggestion]:
    query = select(DuplicateSuggestion).where(
        ((DuplicateSuggestion.party_id == a) & (DuplicateSuggestion.candidate_id == b))
        | ((DuplicateSuggestion.party_id == b) & (DuplicateSuggestion.candidate_id == a))
    )
    if open_only:
        query = query.where(DuplicateSuggestion.resolved_at.is_(None))
    return list(db.session.scalars(query))


def _move(model, column, ids: list[int], from_id: int, to_id: int) -> None:
    """Core UPDATEs that touch only the party column (the interaction trigger allows that)."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        db.session.execute(
            update(model)
            .where(model.id.in_(chunk), column == from_id)
            .values({column.key: to_id})
            .execution_options(synchronize_session=False)
        )

"""Merging duplicates: a preview, a merge that moves everything, and an exact undo."""

import pytest
from sqlalchemy import func, select

from desk import merging as merging_module
from desk import record as record_module
from desk.errors import Conflict, NotFound
from desk.models import (
    AccessLog,
    Case,
    ContactAddress,
    DuplicateSuggestion,
    Interaction,
    MergeRecord,
    Party,
    PartyIdentifier,
    Role,
    Task,
)
from extensions import db
from tests.record_data import JAN, LISA
from tests.units import each_call_committed

merging = each_call_committed(merging_module)
record = each_call_committed(record_module)


@pytest.fixture
def clerk(make_staff):
    return make_staff(email="clerk@example.org", role=Role.BACK_OFFICE, department="burgerzaken")


@pytest.fixture
def duplicates(app, clerk):
    """Jan known by national number and phone; a second Jan from a web booking, same phone."""
    jan = record.find_or_create_party(name="Jan Peeters", national_number=JAN, phone="0470123456")
    web = record.find_or_create_party(
        name="J. Peeters", phone="0470 12 34 56", email="jan@example.org", language="nl"
    )
    record.record_interaction(party=jan, channel="counter", direction="inbound", subject="ID-kaart")
    for n in range(3):
        record.record_interaction(
            party=web, channel="web", direction="inbound", subject=f"Boeking {n}"
        )
    record.open_case(party=web, subject="Verhuis", department="burgerzaken")
    record.create_task(party=web, title="Terugbellen", department="burgerzaken")
    return jan, web


def party_of(model, **where):
    return {row.party_id for row in db.session.scalars(select(model).filter_by(**where))}


def test_preview_says_what_moves(duplicates, clerk):
    jan, web = duplicates
    preview = merging.merge_preview(survivor=jan.id, absorbed=web.id, staff=clerk)
    assert preview.counts["interactions"] == 3
    assert preview.counts["cases"] == 1 and preview.counts["tasks"] == 1
    assert [a.value for a in preview.addresses] == ["jan@example.org"]  # the phone is shared
    assert preview.fields == {"preferred_language": "nl"}
    assert db.session.scalar(select(func.count()).select_from(MergeRecord)) == 0


def test_merge_moves_everything_and_undo_moves_exactly_that_back(duplicates, clerk):
    jan, web = duplicates
    merge = merging.merge_parties(survivor=jan, absorbed=web, staff=clerk)
    db.session.expire_all()
    assert party_of(Interaction) == {jan.id}
    assert party_of(Case) == {jan.id} and party_of(Task) == {jan.id}
    assert db.session.get(Party, web.id).merged_into_id == jan.id
    assert db.session.get(Party, jan.id).preferred_language == "nl"
    assert {a.value for a in db.session.get(Party, jan.id).addresses} == {
        "+32470123456",
        "jan@example.org",
    }
    assert db.session.scalar(select(DuplicateSuggestion.resolution)) == "merged"
    # channels still holding the old id write onto the survivor
    later = record.record_interaction(
        party=web.id, channel="sms", direction="outbound", subject="Herinnering"
    )
    assert later.party_id == jan.id
    assert {(a.party_id, a.action) for a in db.session.scalars(select(AccessLog))} >= {
        (jan.id, "merge"),
        (web.id, "merge"),
    }

    merging.undo_merge(merge=merge.id, staff=clerk)
    db.session.expire_all()
    subjects = {i.subject: i.party_id for i in db.session.scalars(select(Interaction))}
    assert subjects == {
        "ID-kaart": jan.id,
        "Boeking 0": web.id,
        "Boeking 1": web.id,
        "Boeking 2": web.id,
        "Herinnering": jan.id,  # written after the merge: stays with the survivor
    }
    assert party_of(Case) == {web.id} and party_of(Task) == {web.id}
    assert db.session.get(Party, web.id).merged_into_id is None
    assert db.session.get(Party, jan.id).preferred_language is None
    assert party_of(ContactAddress, value="jan@example.org") == {web.id}
    assert db.session.scalar(select(DuplicateSuggestion.resolution)) is None
    assert db.session.get(MergeRecord, merge.id).undone_at is not None

    with pytest.raises(Conflict) as twice:
        merging.undo_merge(merge=merge.id, staff=clerk)
    assert twice.value.code == "merge_already_undone"


def test_identifiers_move_and_secrecy_survives(app, clerk, make_staff):
    admin = make_staff(email="admin@example.org", role=Role.ADMIN)
    jan = record.find_or_create_party(name="Jan")
    known = record.find_or_create_party(name="Jan P", national_number=JAN)
    known.secret = True
    db.session.commit()
    with pytest.raises(NotFound):  # the clerk may not see a secret party, so cannot merge it
        merging.merge_parties(survivor=jan, absorbed=known, staff=clerk)
    merging.merge_parties(survivor=jan, absorbed=known, staff=admin)
    db.session.expire_all()
    assert party_of(PartyIdentifier) == {jan.id}
    assert db.session.get(Party, jan.id).secret is True
    assert record.find_or_create_party(national_number=JAN).id == jan.id


def test_merge_refusals_write_nothing(app, clerk):
    jan = record.find_or_create_party(name="Jan", national_number=JAN)
    lisa = record.find_or_create_party(name="Lisa", national_number=LISA)
    third = record.find_or_create_party(name="Derde")
    fourth = record.find_or_create_party(name="Vierde")
    cases = [
        ({"survivor": jan, "absorbed": jan}, Conflict, "merge_into_itself"),
        ({"survivor": jan, "absorbed": lisa}, Conflict, "conflicting_identifiers"),
        ({"survivor": jan, "absorbed": 9999}, NotFound, "unknown_party"),
    ]
    merging.merge_parties(survivor=third, absorbed=fourth, staff=clerk)
    cases += [
        ({"survivor": fourth.id, "absorbed": jan.id}, Conflict, "already_merged"),
        ({"survivor": jan.id, "absorbed": fourth.id}, Conflict, "already_merged"),
    ]
    before = db.session.scalar(select(func.count()).select_from(MergeRecord))
    for arguments, error, code in cases:
        with pytest.raises(error) as refused:
            merging.merge_parties(staff=clerk, **arguments)
        assert refused.value.code == code, arguments
    assert db.session.scalar(select(func.count()).select_from(MergeRecord)) == before == 1
    assert db.session.get(Party, jan.id).merged_into_id is None


def test_a_merge_cannot_be_undone_while_a_later_one_holds_the_survivor(app, clerk):
    a, b, c = (record.find_or_create_party(name=n) for n in ("A", "B", "C"))
    first = merging.merge_parties(survivor=b, absorbed=a, staff=clerk)
    second = merging.merge_parties(survivor=c, absorbed=b, staff=clerk)
    with pytest.raises(Conflict) as refused:
        merging.undo_merge(merge=first, staff=clerk)
    assert refused.value.code == "merge_not_latest"
    merging.undo_merge(merge=second, staff=clerk)
    merging.undo_merge(merge=first, staff=clerk)
    db.session.expire_all()
    assert all(p.merged_into_id is None for p in db.session.scalars(select(Party)))


def test_dismissed_suggestion_is_not_offered_again(app, clerk):
    first = record.find_or_create_party(name="Jan", phone="0470123456")
    second = record.find_or_create_party(name="Jan", phone="0470123456")
    [suggestion] = merging.open_suggestions(first.id)
    merging.dismiss_suggestion(suggestion=suggestion.id, staff=clerk)
    assert merging.open_suggestions(second.id) == []
    with pytest.raises(Conflict):
        merging.dismiss_suggestion(suggestion=suggestion.id, staff=clerk)
    record.find_or_create_party(name="Jan", phone="0470123456", email="x@example.org")
    assert db.session.scalar(select(func.count()).select_from(DuplicateSuggestion)) == 3

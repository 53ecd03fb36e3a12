"""desk.record, the write path every channel uses: on SQLite and PostgreSQL (see conftest)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from core.unit_of_work import run_in_transaction, unit_of_work
from desk import record as record_module
from desk import signals
from desk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from desk.models import (
    AccessLog,
    Case,
    CaseStatusChange,
    ContactAddress,
    DuplicateSuggestion,
    Interaction,
    Party,
    PartyIdentifier,
    Role,
    Task,
)
from desk.record import parties as parties_module
from extensions import db
from tests.record_data import JAN, LISA, dotted
from tests.units import each_call_committed

record = each_call_committed(record_module)


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


# --- find_or_create_party --------------------------------------------------------------------


def test_new_party_stores_normalised_addresses_and_only_a_hash_of_the_identifier(app):
    party = record.find_or_create_party(
        name="Jan Peeters",
        phone="0470 12 34 56",
        email="Jan.Peeters@Example.org",
        national_number=dotted(JAN),
        language="nl",
    )
    assert {(a.kind, a.value) for a in party.addresses} == {
        ("phone", "+32470123456"),
        ("email", "jan.peeters@example.org"),
    }
    assert all(a.is_default and a.verified_at is None for a in party.addresses)
    [identifier] = party.identifiers
    assert identifier.masked == "**.**.**-*33.28"
    assert JAN not in identifier.digest and len(identifier.digest) == 64
    stored = db.session.execute(text("SELECT * FROM party_identifier")).all()
    assert not any(JAN in str(value) for row in stored for value in row)
    assert party.preferred_channel == "sms"
    assert party.search_name == "jan peeters"


def test_the_national_number_in_any_form_finds_the_same_party_and_completes_it(app):
    first = record.find_or_create_party(name="Jan Peeters", national_number=JAN)
    again = record.find_or_create_party(national_number=dotted(JAN), email="jan@example.org")
    assert again.id == first.id
    assert count(Party) == 1
    assert [a.value for a in again.addresses] == ["jan@example.org"]


def test_a_verified_address_matches_a_person(app):
    first = record.find_or_create_party(name="Jan", phone="0470123456", verified=True)
    again = record.find_or_create_party(name="Jan P.", phone="+32 470 12 34 56")
    assert again.id == first.id
    assert again.name == "Jan"  # what we had is never overwritten
    assert count(DuplicateSuggestion) == 0


def test_an_unverified_match_only_suggests_a_duplicate(app):
    first = record.find_or_create_party(name="Jan", phone="0470123456")
    second = record.find_or_create_party(name="Jan Peeters", phone="0032 470 12 34 56")
    assert second.id != first.id
    [suggestion] = db.session.scalars(select(DuplicateSuggestion)).all()
    assert (suggestion.party_id, suggestion.candidate_id, suggestion.reason) == (
        second.id,
        first.id,
        "phone",
    )
    third = record.find_or_create_party(name="Jan P", email="j@example.org", phone="0470123456")
    assert count(Party) == 3
    pairs = {(s.party_id, s.candidate_id) for s in db.session.scalars(select(DuplicateSuggestion))}
    assert pairs == {(second.id, first.id), (third.id, first.id), (third.id, second.id)}
    assert all(p.merged_into_id is None for p in db.session.scalars(select(Party)))


def test_e_mail_matches_case_insensitively_when_verified(app):
    first = record.find_or_create_party(email="Jan@Example.org", verified=True)
    assert record.find_or_create_party(email="JAN@example.ORG").id == first.id


def test_a_verified_address_of_someone_with_another_national_number_is_not_a_match(app):
    first = record.find_or_create_party(name="Jan", phone="0470123456", national_number=JAN)
    first.addresses[0].verified_at = datetime.now(UTC)
    db.session.commit()
    other = record.find_or_create_party(name="Lisa", phone="0470123456", national_number=LISA)
    assert other.id != first.id
    assert count(DuplicateSuggestion) == 1


def test_verifying_later_marks_the_existing_address(app):
    first = record.find_or_create_party(national_number=JAN, phone="0470123456")
    assert first.addresses[0].verified_at is None
    again = record.find_or_create_party(national_number=JAN, phone="0470123456", verified=True)
    assert again.id == first.id and again.addresses[0].verified_at is not None


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": "Jan", "phone": "0470 12 34"}, "invalid_phone", "phone"),
        ({"name": "Jan", "email": "jan@"}, "invalid_email", "email"),
        ({"name": "Jan", "national_number": "85.07.30-033.29"}, "invalid_national_number", None),
        ({"name": "Jan", "kbo_number": "0403.170.702"}, "invalid_kbo_number", None),
        ({"name": "  "}, "party_needs_a_key", "name"),
        ({"name": "Jan", "language": "xx"}, "invalid_language", "language"),
    ],
)
def test_bad_party_input_writes_nothing(app, fields, code, field):
    with pytest.raises(InvalidInput) as refused:
        record.find_or_create_party(**fields)
    assert refused.value.code == code
    if field:
        assert refused.value.field == field
    assert refused.value.message  # a sentence for people, not the code
    assert count(Party) == 0
    assert count(ContactAddress) == 0


def test_kbo_number_identifies_an_organisation(app):
    firm = record.find_or_create_party(
        name="Bakkerij Peeters", kbo_number="0403.170.701", kind="organisation"
    )
    assert firm.kind == "organisation"
    assert record.find_or_create_party(kbo_number="403170701").id == firm.id
    assert db.session.scalar(select(PartyIdentifier.masked)) == "****.***.701"


# --- record_interaction ----------------------------------------------------------------------


def test_interactions_from_every_channel_land_on_one_party(app, make_staff):
    agent = make_staff(role=Role.CALL_AGENT)
    party = record.find_or_create_party(name="Jan", phone="0470123456")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for minutes, channel in enumerate(["web", "sms", "phone", "counter", "chat"]):
        record.record_interaction(
            party=party.id,
            channel=channel,
            direction="inbound",
            subject=f"via {channel}",
            started_at=start + timedelta(minutes=minutes),
            staff=agent if channel == "phone" else None,
            link_type="appointment" if channel == "web" else None,
            link_id=12 if channel == "web" else None,
        )
    rows = db.session.scalars(select(Interaction).order_by(Interaction.started_at)).all()
    assert [r.channel for r in rows] == ["web", "sms", "phone", "counter", "chat"]
    assert (rows[0].subject_type, rows[0].subject_id) == ("appointment", 12)
    assert rows[2].staff_id == agent.id
    # only the staff member's change is in the access log; citizen channels are on the timeline
    assert [(a.action, a.staff_id) for a in db.session.scalars(select(AccessLog))] == [
        ("change", agent.id)
    ]


def test_interaction_signal_fires_after_commit(app):
    party = record.find_or_create_party(name="Jan")
    heard = []

    def receiver(sender, **kwargs):
        # committed already: a fresh connection sees the row
        with db.engine.connect() as conn:
            heard.append(conn.execute(text("SELECT count(*) FROM interaction")).scalar())
        heard.append(kwargs)

    with signals.interaction_recorded.connected_to(receiver):
        made = record.record_interaction(
            party=party, channel="sms", direction="outbound", subject="Reminder"
        )
    assert heard == [1, {"party_id": party.id, "interaction_id": made.id}]


def test_representative_and_case_are_kept(app, make_staff):
    make_staff(department="mobiliteit")
    father = record.find_or_create_party(name="Vader")
    daughter = record.find_or_create_party(name="Dochter")
    case = record.open_case(party=father, subject="Parkeerkaart", department="mobiliteit")
    made = record.record_interaction(
        party=father,
        channel="phone",
        direction="inbound",
        subject="Belt voor vader",
        case=case,
        representative=daughter,
    )
    assert (made.case_id, made.representative_id) == (case.id, daughter.id)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"channel": "pigeon"}, "invalid_channel"),
        ({"direction": "sideways"}, "invalid_direction"),
        ({"subject": "  "}, "subject_required"),
        ({"subject": "x" * 201}, "text_too_long"),
        ({"started_at": datetime(2026, 1, 1, 9)}, "naive_datetime"),
        (
            {
                "started_at": datetime(2026, 1, 1, 9, tzinfo=UTC),
                "ended_at": datetime(2026, 1, 1, 8, tzinfo=UTC),
            },
            "invalid_times",
        ),
        ({"link_type": "appointment"}, "invalid_link"),
        ({"link_type": "Drop Table", "link_id": 1}, "invalid_link"),
    ],
)
def test_bad_interactions_are_refused_and_nothing_is_written(app, overrides, code):
    party = record.find_or_create_party(name="Jan")
    values = {"party": party, "channel": "phone", "direction": "inbound", "subject": "Call"}
    with pytest.raises(InvalidInput) as refused:
        record.record_interaction(**{**values, **overrides})
    assert refused.value.code == code
    assert count(Interaction) == 0


def test_unknown_party_and_other_partys_case(app, make_staff):
    make_staff(department="burgerzaken")
    with pytest.raises(NotFound) as missing:
        record.record_interaction(party=999, channel="sms", direction="inbound", subject="x")
    assert missing.value.code == "unknown_party"
    jan = record.find_or_create_party(name="Jan")
    piet = record.find_or_create_party(name="Piet")
    pietje = record.open_case(party=piet, subject="Piet's", department="burgerzaken")
    with pytest.raises(InvalidInput) as wrong:
        record.record_interaction(
            party=jan, channel="sms", direction="inbound", subject="x", case=pietje
        )
    assert wrong.value.code == "case_of_other_party"
    with pytest.raises(InvalidInput) as itself:
        record.record_interaction(
            party=jan, channel="sms", direction="inbound", subject="x", representative=jan
        )
    assert itself.value.code == "representative_is_party"
    assert count(Interaction) == 0


def test_a_confidential_case_of_another_department_cannot_be_written_to(app, make_staff):
    social = make_staff(email="s@x.org", department="sociaal")
    civil = make_staff(email="c@x.org", department="burgerzaken")
    party = record.find_or_create_party(name="Jan")
    case = record.open_case(
        party=party, subject="Schuldhulp", department="sociaal", confidential=True, staff=social
    )
    logs_before = count(AccessLog)
    with pytest.raises(NotAllowed) as refused:
        record.record_interaction(
            party=party,
            channel="counter",
            direction="inbound",
            subject="x",
            case=case.id,
            staff=civil,
        )
    assert refused.value.code == "confidential_case"
    with pytest.raises(NotAllowed):
        record.set_case_status(case=case.id, status="closed", staff=civil)
    with pytest.raises(NotAllowed):
        record.create_task(party=party, title="x", department="burgerzaken", case=case, staff=civil)
    assert count(Interaction) == 0 and count(Task) == 0
    assert count(CaseStatusChange) == 1
    assert db.session.get(Case, case.id).status == "open"
    assert count(AccessLog) == logs_before
    # the owning department may
    record.record_interaction(
        party=party, channel="counter", direction="inbound", subject="ok", case=case, staff=social
    )
    assert count(Interaction) == 1


def test_interactions_are_append_only_in_the_database(app):
    party = record.find_or_create_party(name="Jan")
    other = record.find_or_create_party(name="Piet")
    made = record.record_interaction(party=party, channel="sms", direction="inbound", subject="a")
    with pytest.raises(DatabaseError):
        db.session.execute(
            update(Interaction).where(Interaction.id == made.id).values(subject="rewritten")
        )
    db.session.rollback()
    db.session.execute(
        update(Interaction).where(Interaction.id == made.id).values(party_id=other.id)
    )  # a merge moves it: allowed
    db.session.commit()
    assert db.session.get(Interaction, made.id).subject == "a"


def test_access_log_is_append_only_in_the_database(app, make_staff):
    staff = make_staff()
    party = record.find_or_create_party(name="Jan")
    record.log_access(staff=staff, party_ids=party.id, action="view", purpose="contact")
    with pytest.raises(DatabaseError):
        db.session.execute(update(AccessLog).values(purpose="nothing to see"))
    db.session.rollback()
    assert db.session.scalar(select(AccessLog.purpose)) == "contact"


# --- cases and tasks ---------------------------------------------------------------------------


def test_case_status_history_is_kept_and_announced(app, make_staff):
    staff = make_staff(department="burgerzaken")
    party = record.find_or_create_party(name="Jan")
    case = record.open_case(
        party=party, subject="Verhuis", department="burgerzaken", staff=staff, note="aangevraagd"
    )
    heard = []
    with signals.case_status_changed.connected_to(lambda sender, **kw: heard.append(kw)):
        record.set_case_status(case=case, status="in_progress", staff=staff)
        record.set_case_status(case=case.id, status="closed", staff=staff, note="klaar")
    history = db.session.scalars(
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case.id)
        .order_by(CaseStatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "open"),
        ("open", "in_progress"),
        ("in_progress", "closed"),
    ]
    assert history[0].note == "aangevraagd" and history[2].note == "klaar"
    assert db.session.get(Case, case.id).closed_at is not None
    assert [h["to_status"] for h in heard] == ["in_progress", "closed"]
    with pytest.raises(InvalidInput) as same:
        record.set_case_status(case=case, status="closed", staff=staff)
    assert same.value.code == "status_unchanged"
    with pytest.raises(InvalidInput) as unknown:
        record.set_case_status(case=case, status="lost", staff=staff)
    assert unknown.value.code == "invalid_status"
    assert count(CaseStatusChange) == 3


def test_case_for_an_unknown_department_is_refused(app):
    party = record.find_or_create_party(name="Jan")
    for department in ("nope", 999):
        with pytest.raises(NotFound) as missing:
            record.open_case(party=party, subject="x", department=department)
        assert missing.value.code == "unknown_department"
    assert count(Case) == 0 and count(CaseStatusChange) == 0


def test_tasks_for_a_person_or_department_and_closing_them(app, make_staff):
    clerk = make_staff(department="burgerzaken")
    party = record.find_or_create_party(name="Jan")
    due = datetime(2026, 5, 1, 10, tzinfo=UTC)
    callback = record.create_task(
        party=party, title="Terugbellen", department="burgerzaken", kind="callback", due_at=due
    )
    personal = record.create_task(party=party, title="Nakijken", assignee=clerk.id, staff=clerk)
    assert callback.department.code == "burgerzaken" and callback.due_at == due
    assert personal.assignee_id == clerk.id
    closed = record.close_task(task=callback.id, staff=clerk)
    assert closed.done_at is not None and closed.done_by_id == clerk.id
    with pytest.raises(Conflict) as twice:
        record.close_task(task=callback.id, staff=clerk)
    assert twice.value.code == "task_already_closed"


@pytest.mark.parametrize(
    ("fields", "error", "code"),
    [
        ({}, InvalidInput, "task_needs_assignee"),
        ({"department": "does-not-exist"}, NotFound, "unknown_department"),
        ({"department": 12345}, NotFound, "unknown_department"),
        ({"assignee": 12345}, NotFound, "unknown_staff"),
        ({"department": "burgerzaken", "kind": "party"}, InvalidInput, "invalid_kind"),
        (
            {"department": "burgerzaken", "due_at": datetime(2026, 5, 1)},
            InvalidInput,
            "naive_datetime",
        ),
    ],
)
def test_bad_tasks_write_nothing(app, make_staff, fields, error, code):
    make_staff(department="burgerzaken")
    party = record.find_or_create_party(name="Jan")
    with pytest.raises(error) as refused:
        record.create_task(party=party, title="Bellen", **fields)
    assert refused.value.code == code
    assert count(Task) == 0


def test_log_access_writes_one_row_per_party_with_purpose(app, make_staff):
    staff = make_staff()
    a = record.find_or_create_party(name="A")
    b = record.find_or_create_party(name="B")
    record.log_access(staff=staff, party_ids=[a.id, b.id], action="search", purpose="callback")
    rows = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
    assert [(r.party_id, r.action, r.purpose, r.staff_id) for r in rows] == [
        (a.id, "search", "callback", staff.id),
        (b.id, "search", "callback", staff.id),
    ]


def test_representation_is_recorded_and_refused_for_oneself(app):
    father = record.find_or_create_party(name="Vader")
    daughter = record.find_or_create_party(name="Dochter")
    made = record.add_representation(
        representative=daughter, represented=father.id, basis="volmacht"
    )
    assert (made.representative_id, made.represented_id, made.basis) == (
        daughter.id,
        father.id,
        "volmacht",
    )
    with pytest.raises(InvalidInput) as itself:
        record.add_representation(representative=father, represented=father, basis="x")
    assert itself.value.code == "representative_is_party"
    with pytest.raises(InvalidInput) as no_basis:
        record.add_representation(representative=daughter, represented=father, basis=" ")
    assert no_basis.value.field == "basis"


def test_a_record_call_waits_for_another_writer_instead_of_failing(app, make_app):
    """SQLite: a call that began by reading could not become a writer once another connection
    committed meanwhile ("database is locked" at once); record calls take the write lock
    first and wait for it. On PostgreSQL the same steps simply both succeed."""
    import threading
    import time

    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    db.session.execute(text("INSERT INTO department (code, name) VALUES ('held', 'Held')"))
    outcome = []

    def other_writer():
        with make_app().app_context():
            try:
                outcome.append(record.find_or_create_party(name="Els Maes", phone="0470 99 88 77"))
            except DatabaseError as error:
                outcome.append(error)

    thread = threading.Thread(target=other_writer)
    thread.start()
    time.sleep(0.5)  # let it read (and, without the write lock first, try to write) meanwhile
    db.session.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1 and not isinstance(outcome[0], DatabaseError), outcome
    assert count(Party) == 1


def test_a_call_that_fails_inside_a_transaction_ends_the_whole_block(app, monkeypatch):
    """A call does not roll back and carry on by itself (that would drop what the unit of work
    wrote before it): the unit fails as a whole, for its owner to retry (here the identifier
    race, which `run_in_transaction(retry_if=record.lost_race)` retries)."""
    real_create = parties_module._create

    def lost_race_once(*args, **kwargs):
        monkeypatch.setattr(parties_module, "_create", real_create)
        raise IntegrityError("INSERT", {}, Exception("concurrent insert of the identifier"))

    with pytest.raises(IntegrityError), unit_of_work():
        record.find_or_create_party(name="An Peeters", email="an@example.be")
        monkeypatch.setattr(parties_module, "_create", lost_race_once)
        record.find_or_create_party(name="Jan Peeters", email="jan@example.be")
    assert count(Party) == 0
    monkeypatch.setattr(parties_module, "_create", lost_race_once)
    alone = run_in_transaction(  # what a caller does: the whole unit of work again
        record_module.find_or_create_party,
        name="Jan Peeters",
        email="jan@example.be",
        retry_if=record_module.lost_race,
    )
    assert count(Party) == 1 and alone.name == "Jan Peeters"

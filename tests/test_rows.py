"""core.rows: a direct INSERT that hands back the row as if a query had loaded it."""

import pytest
from sqlalchemy import func, select

from appointments.models import Appointment, appointment_service
from core.rows import insert_row, insert_row_with_links, insert_rows, insert_rows_unless_exist
from desk.models import ContactAddress, NotificationChannel, Party, PartyIdentifier, PartyKind
from extensions import db
from tests.statements import statements_during


def test_the_row_is_stored_with_its_defaults_and_read_without_a_query(app):
    party, written = statements_during(lambda: insert_row(Party, name="Jan"))
    assert [s.split()[0] for s in written if s != "BEGIN"] == ["INSERT"]
    facts, read = statements_during(
        lambda: (party.id, party.kind, party.search_name, party.secret, party.created_at)
    )
    assert read == []  # every column is loaded, defaults included
    assert facts[1] == PartyKind.PERSON and facts[2] == "" and facts[3] is False
    assert party in db.session and party not in db.session.new
    db.session.commit()
    stored = db.session.get(Party, party.id)
    assert (stored.name, stored.kind, stored.created_at) == ("Jan", PartyKind.PERSON, facts[4])


def test_many_rows_come_back_in_order_with_their_own_keys(app):
    party = insert_row(Party, name="Jan", preferred_channel=NotificationChannel.EMAIL)
    values = [f"jan{n}@example.be" for n in range(5)]
    rows = insert_rows(
        ContactAddress, [dict(party_id=party.id, kind="email", value=v) for v in values]
    )
    db.session.commit()
    assert [r.value for r in rows] == values
    stored = dict(db.session.execute(select(ContactAddress.id, ContactAddress.value)).all())
    assert {r.id: r.value for r in rows} == stored
    assert all(r.consent_reminders is False for r in rows)  # the default: nothing assumed


def test_many_rows_are_one_insert_with_every_value_stored_as_given(app):
    """Enums, booleans, NULLs and times of many rows: one statement on both databases
    (PostgreSQL: from one array per column), each row under its own key."""
    kinds, channels = list(PartyKind), list(NotificationChannel)
    given = [
        dict(
            name=f"Partij {n}",
            kind=kinds[n % len(kinds)],
            preferred_channel=channels[n % len(channels)],
            preferred_language=None if n % 3 else "fr",
            secret=n % 2 == 1,
        )
        for n in range(7)
    ]
    parties, statements = statements_during(lambda: insert_rows(Party, given))
    assert [s.split()[0] for s in statements if s != "BEGIN"] == ["INSERT"]
    expected = {p.id: (*v.values(), p.created_at) for p, v in zip(parties, given, strict=True)}
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalars(select(Party).order_by(Party.id)).all()
    assert [p.id for p in stored] == sorted(expected)
    assert {
        p.id: (p.name, p.kind, p.preferred_channel, p.preferred_language, p.secret, p.created_at)
        for p in stored
    } == expected


def test_relationships_load_as_usual_and_later_changes_are_saved(app):
    party = insert_row(Party, name="Jan")
    address = insert_row(ContactAddress, party_id=party.id, kind="email", value="jan@example.be")
    assert address.party is party  # from the session's identity map
    assert [a.value for a in party.addresses] == ["jan@example.be"]  # loaded on first use
    party.name = "Jan Peeters"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Party, party.id).name == "Jan Peeters"


def test_the_callers_pending_rows_are_written_first(app):
    """The direct INSERT may refer to them (or a trigger may look for them): they go first."""
    pending = Party(name="An")
    db.session.add(pending)
    direct = insert_row(Party, name="Jan")
    db.session.commit()
    assert pending.id < direct.id
    assert db.session.scalar(select(func.count()).select_from(Party)) == 2


def test_rows_of_a_rolled_back_transaction_leave_the_session(app):
    """As flushed objects do: the row never existed, and SQLite gives its id to the next one."""
    gone = insert_row(Party, name="Jan")
    db.session.rollback()
    assert gone not in db.session
    kept = insert_row(Party, name="An")
    db.session.commit()
    assert db.session.get(Party, kept.id) is kept and kept.name == "An"


def test_a_row_with_links_needs_a_link_to_tell_written_from_refused(app):
    with pytest.raises(ValueError):
        insert_row_with_links(
            Appointment,
            constraint="ex_appointment_counter_time",
            links=appointment_service,
            link_ids=[],
            name="Jan",
        )
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_rows_unless_they_exist_are_answered_in_the_order_given(app):
    """RETURNING names only the written rows: each answer is matched to its row by the unique
    columns (two here), a stored key and a key repeated in the batch giving None."""
    party = insert_row(Party, name="Jan")
    unique = ("kind", "digest")

    def identifier(kind, digest):
        return dict(party_id=party.id, kind=kind, digest=digest, masked=f"{kind}:{digest}")

    stored = insert_rows_unless_exist(PartyIdentifier, unique, [identifier("nrn", "b")])[0]
    batch = [
        identifier("nrn", "c"),
        identifier("nrn", "b"),  # stored before
        identifier("kbo", "b"),  # another kind: no conflict
        identifier("nrn", "a"),
        identifier("nrn", "c"),  # earlier in this batch
    ]
    answer, sent = statements_during(
        lambda: insert_rows_unless_exist(PartyIdentifier, unique, batch)
    )
    assert [s.split()[0] for s in sent if s != "BEGIN"] == ["INSERT"]
    assert [a and a.masked for a in answer] == ["nrn:c", None, "kbo:b", "nrn:a", None]
    db.session.commit()
    in_table = dict(db.session.execute(select(PartyIdentifier.masked, PartyIdentifier.id)).all())
    assert in_table == {a.masked: a.id for a in [stored, *answer] if a is not None}
    assert insert_rows_unless_exist(PartyIdentifier, unique, batch[:2]) == [None, None]


def test_many_rows_under_a_named_constraint_need_columns_to_tell_them_apart(app):
    rows = [dict(name="Jan"), dict(name="An")]
    with pytest.raises(ValueError):
        insert_rows_unless_exist(Party, (), rows, constraint="pk_party")
    assert insert_rows_unless_exist(Party, (), []) == []

"""Bookings land in the case record: a party per citizen, an interaction per change."""

from datetime import UTC, date, datetime

import pytest
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from appointments import booking
from appointments.models import Appointment
from appointments.signals import appointment_changed
from core.unit_of_work import Busy
from desk import record as record_module
from desk.models import Channel, Direction, Interaction, Party, Role
from desk.record import parties as parties_module
from extensions import db
from sms.models import OutboxMessage
from tests.appointments.conftest import local, next_weekday
from tests.units import each_call_committed

record = each_call_committed(record_module)

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # a Monday morning before opening
MONDAY = date(2027, 3, 1)
NATIONAL_NUMBER = "85.07.30-033.28"


def book(office, start, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": start,
        "name": "An Peeters",
        "phone": "0470 12 34 56",
        "email": "an.peeters@example.be",
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def interactions_of(appointment) -> list[Interaction]:
    db.session.expire_all()
    return db.session.scalars(
        select(Interaction)
        .where(Interaction.subject_type == "appointment", Interaction.subject_id == appointment.id)
        .order_by(Interaction.id)
    ).all()


def count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))


def test_every_booking_is_in_the_record_with_its_confirmation_right_after_the_request(
    client, office, make_staff, login
):
    """The citizen's own (API and form), one with a national number, one by staff: each
    answer comes after the commit that holds the appointment, its party, its "booked" contact
    moment and its confirmation in the outbox."""
    monday = next_weekday(0)
    answers = [
        client.post(
            "/api/v1/appointments",
            json={
                "service_id": office.id_card.id,
                "start": local(monday, 9).isoformat(),
                "name": "Mia Maes",
                "email": "mia@example.be",
            },
        ),
        client.post(
            "/api/v1/appointments",
            json={
                "service_id": office.id_card.id,
                "start": local(monday, 10).isoformat(),
                "name": "An Peeters",
                "phone": "0470 12 34 56",
                "language": "fr",
            },
        ),
    ]
    assert [answer.status_code for answer in answers] == [201, 201]
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    by_staff = book(office, local(monday, 11), staff=clerk, channel="phone", now=None)
    with_number = book(office, local(monday, 13), national_number=NATIONAL_NUMBER, now=None)
    db.session.expire_all()
    references = [answer.get_json()["reference"] for answer in answers]
    references += [by_staff.reference, with_number.reference]
    for reference in references:
        stored = db.session.scalar(select(Appointment).where(Appointment.reference == reference))
        party = db.session.get(Party, stored.party_id)
        assert party is not None and party.name == stored.name
        [noted] = interactions_of(stored)
        assert (noted.party_id, noted.outcome) == (party.id, "booked")
        [confirmation] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.link_id == stored.id)
        ).all()
        assert confirmation.idempotency_key == f"booked:{stored.id}:0"
        assert confirmation.party_id == party.id
    mia = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient.contains("@")))
    assert (mia.channel, mia.recipient) == ("email", "mia@example.be")


def test_a_booking_creates_the_party_and_an_interaction_linked_to_it(office):
    appointment = book(office, local(MONDAY, 9), national_number=NATIONAL_NUMBER)
    db.session.expire_all()
    party = db.session.get(Party, db.session.get(Appointment, appointment.id).party_id)
    assert party.name == "An Peeters" and party.preferred_language == "nl"
    assert {a.value for a in party.addresses} == {"+32470123456", "an.peeters@example.be"}
    assert party.identifiers[0].masked != NATIONAL_NUMBER  # stored masked, never in clear
    [noted] = interactions_of(appointment)
    assert noted.party_id == party.id
    assert (noted.channel, noted.direction, noted.outcome) == (
        Channel.WEB,
        Direction.INBOUND,
        "booked",
    )
    assert "Identiteitskaart" in noted.subject and appointment.reference in noted.summary
    assert noted.staff_id is None


def test_appointment_changed_announces_each_committed_change_and_no_refused_one(office):
    heard = []

    def receiver(sender, **change):
        heard.append((change, count(Appointment)))  # after the commit: the row is there

    appointment_changed.connect(receiver)
    try:
        appointment = book(office, local(MONDAY, 9))
        with pytest.raises(booking.BookingError):
            book(office, local(MONDAY, 9, 7))  # not on the grid: nothing written, nothing heard
        booking.cancel(appointment, now=NOW)
    finally:
        appointment_changed.disconnect(receiver)
    change = {
        "appointment_id": appointment.id,
        "reference": appointment.reference,
        "party_id": appointment.party_id,
    }
    assert heard == [({**change, "event": "booked"}, 1), ({**change, "event": "cancelled"}, 1)]


def test_the_same_national_number_matches_the_same_party(office):
    first = book(office, local(MONDAY, 9), national_number=NATIONAL_NUMBER)
    second = book(
        office, local(MONDAY, 10), national_number=NATIONAL_NUMBER, name="An Peeters-Janssens"
    )
    db.session.expire_all()
    assert first.party_id is not None and second.party_id == first.party_id
    assert count(Party) == 1


def test_reschedule_and_cancel_add_interactions_to_the_same_party(office):
    appointment = book(office, local(MONDAY, 9))
    booking.reschedule(appointment, local(MONDAY, 11), now=NOW)
    booking.cancel(db.session.get(Appointment, appointment.id), now=NOW)
    noted = interactions_of(appointment)
    assert [i.outcome for i in noted] == ["booked", "rescheduled", "cancelled"]
    assert {i.party_id for i in noted} == {db.session.get(Appointment, appointment.id).party_id}
    assert "09:00" in noted[1].summary and "11:00" in noted[1].summary  # from and to
    assert count(Party) == 1


def test_a_refused_booking_leaves_no_party_and_no_interaction(office):
    book(office, local(MONDAY, 9))
    book(office, local(MONDAY, 9), name="Bert Claes", email="bert@example.be")
    parties, interactions, messages = count(Party), count(Interaction), count(OutboxMessage)
    with pytest.raises(booking.SlotTaken):  # both counters are taken: 409
        book(office, local(MONDAY, 9), name="Carla Dewit", email="carla@example.be")
    with pytest.raises(booking.BookingError):  # not on the grid: 422
        book(office, local(MONDAY, 9, 7), name="Carla Dewit", email="carla@example.be")
    with pytest.raises(booking.BookingError):  # a national number with wrong check digits
        book(office, local(MONDAY, 10), name="Carla Dewit", national_number="85.07.30-033.29")
    assert (count(Party), count(Interaction), count(OutboxMessage)) == (
        parties,
        interactions,
        messages,
    )
    assert count(Appointment) == 2


def test_staff_booking_by_phone_and_counter_marks_are_recorded_as_such(office, make_staff):
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    appointment = book(office, local(MONDAY, 9), staff=clerk, channel="phone")
    booking.mark_arrived(appointment, staff=clerk)
    booking.mark_no_show(db.session.get(Appointment, appointment.id), staff=clerk)
    noted = interactions_of(appointment)
    assert [(i.channel, i.direction, i.outcome) for i in noted] == [
        (Channel.PHONE, Direction.INBOUND, "booked"),
        (Channel.COUNTER, Direction.INBOUND, "arrived"),
        (Channel.COUNTER, Direction.INTERNAL, "no_show"),
    ]
    assert {i.staff_id for i in noted} == {clerk.id}


def test_an_appointment_from_before_the_record_gets_its_party_on_the_next_change(office):
    appointment = book(office, local(MONDAY, 9))
    db.session.execute(
        Appointment.__table__.update().values(party_id=None).where(Appointment.id == appointment.id)
    )
    db.session.commit()
    booking.cancel(db.session.get(Appointment, appointment.id), now=NOW)
    db.session.expire_all()
    stored = db.session.get(Appointment, appointment.id)
    assert stored.party_id is not None
    assert interactions_of(appointment)[-1].party_id == stored.party_id


def test_a_record_write_that_keeps_failing_leaves_no_booking_and_no_message(
    app, office, monkeypatch
):
    tries = []

    def locked(moments):
        tries.append(moments)
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(record_module, "record_interactions", locked)
    with pytest.raises(Busy):
        book(office, local(MONDAY, 9))
    assert len(tries) == app.config["BOOKING_RETRIES"]  # the booking was retried whole
    db.session.expire_all()
    assert [count(m) for m in (Appointment, Party, Interaction, OutboxMessage)] == [0, 0, 0, 0]


def test_a_record_write_that_fails_once_is_retried_with_the_booking(office, monkeypatch):
    real = record.record_interactions
    failures = ["database is locked"]

    def flaky(moments):
        if failures:
            raise OperationalError("INSERT", {}, Exception(failures.pop()))
        return real(moments)

    monkeypatch.setattr(record_module, "record_interactions", flaky)
    appointment = book(office, local(MONDAY, 9), national_number=NATIONAL_NUMBER)
    db.session.expire_all()
    assert count(Appointment) == 1 and count(Party) == 1
    [noted] = interactions_of(appointment)
    assert noted.party_id == db.session.get(Appointment, appointment.id).party_id


def test_the_day_view_links_each_name_to_the_party_page(client, office, make_staff, login):
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    monday = next_weekday(0)
    response = client.post(
        "/api/v1/appointments",
        json={
            "service_id": office.id_card.id,
            "start": local(monday, 9).isoformat(),
            "name": "Mia Maes",
            "email": "mia@example.be",
        },
    )
    assert response.status_code == 201
    appointment = db.session.scalar(select(Appointment))
    day = client.get(
        "/desk/appointments/",
        query_string={"location": office.town_hall.id, "day": monday.isoformat()},
    ).get_data(as_text=True)
    assert f'href="/desk/parties/{appointment.party_id}"' in day
    party_page = client.get(f"/desk/parties/{appointment.party_id}")
    assert party_page.status_code == 200 and appointment.reference in party_page.get_data(
        as_text=True
    )


@pytest.mark.parametrize("when", ["booked", "from_before_the_record"])
def test_losing_the_race_for_an_identifier_retries_the_whole_booking(office, monkeypatch, when):
    """Another booking stored the same national number a moment earlier: this transaction is
    undone whole and tried again, and then finds that party: nothing is lost or doubled."""
    if when != "booked":
        appointment = book(office, local(MONDAY, 9))
        db.session.execute(db.update(Appointment).values(party_id=None))
        db.session.execute(db.delete(Interaction))
        db.session.commit()
    real_create = parties_module._create

    def lost_race_once(*args, **kwargs):
        monkeypatch.setattr(parties_module, "_create", real_create)
        raise IntegrityError("INSERT", {}, Exception("duplicate key value: party_identifier"))

    parties_before = count(Party)
    monkeypatch.setattr(parties_module, "_create", lost_race_once)
    if when == "booked":
        appointment = book(office, local(MONDAY, 9), national_number=NATIONAL_NUMBER)
    else:
        appointment = booking.cancel(db.session.get(Appointment, appointment.id), now=NOW)
    db.session.expire_all()
    assert parties_module._create is real_create  # the race did happen
    assert count(Appointment) == 1 and count(Party) == parties_before + 1  # one new, not two
    # Each notice once: the booking's, and the cancellation's.
    assert count(OutboxMessage) == (2 if when == "from_before_the_record" else 1)
    [noted] = interactions_of(appointment)[-1:]
    assert noted.party_id == db.session.get(Appointment, appointment.id).party_id


READ_AS = {
    "en": ("Appointment booked: Identity card", "Reference {}, Mar 2, 2027 09:30, Stadhuis."),
    "fr": ("Rendez-vous pris\xa0: Carte d'identité", "Référence {}, 2 mars 2027 09:30, Stadhuis."),
    "nl": ("Afspraak geboekt: Identiteitskaart", "Referentie {}, 2 mrt 2027 09:30, Stadhuis."),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_booking_recorded_in_dutch_is_read_in_the_reader_s_language(
    client, office, make_staff, login, language
):
    """The record keeps codes: a booking made while the municipality's language is Dutch
    reads in English or French to staff who work in it, the time on the Brussels clock."""
    appointment = book(office, start=local(date(2027, 3, 2), 9, 30))
    [noted] = interactions_of(appointment)
    assert (noted.subject_code, noted.summary_code) == (
        "appointments.booked",
        "appointments.summary",
    )
    subject, summary = READ_AS["nl"]
    assert (noted.subject, noted.summary) == (subject, summary.format(appointment.reference))

    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    with client.session_transaction() as session:
        session["lang"] = language
    page = client.get(f"/desk/parties/{appointment.party_id}").get_data(as_text=True)
    subject, summary = READ_AS[language]
    assert str(escape(subject)) in page
    assert str(escape(summary.format(appointment.reference))) in page
    assert "Afspraak geboekt" not in page and "Referentie" not in page

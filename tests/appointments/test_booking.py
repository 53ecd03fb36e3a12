"""Booking, rescheduling and cancelling through the service, on both databases."""

import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from appointments import booking
from appointments.models import Appointment, Status, appointment_service
from appointments.slots import BookingError, UnknownService, find_slots, load_visit
from appointments.timetable import Timetable
from desk.models import Interaction, Party, Role
from extensions import db
from tests.appointments.conftest import BRUSSELS, local, next_weekday, tampered
from tests.statements import statements_during

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # a Monday morning before opening
MONDAY = date(2027, 3, 1)


def book(office, start, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": start,
        "name": "An Peeters",
        "phone": "0470 12 34 56",
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def test_booking_holds_a_counter_for_the_visit_and_its_buffer(office):
    appointment = book(office, local(MONDAY, 9))
    assert appointment.reference[3] == "-" and len(appointment.reference) == 7
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=15)
    assert appointment.blocked_until - appointment.starts_at == timedelta(minutes=20)
    assert appointment.phone == "+32470123456"
    assert appointment.counter_id == office.desk_1.id


def test_several_services_add_up_and_people_multiply(office):
    appointment = book(
        office, local(MONDAY, 9), service_ids=[office.id_card.id, office.address.id], people=2
    )
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=(15 + 20) * 2)
    assert {s.id for s in appointment.services} == {office.id_card.id, office.address.id}


def test_the_second_booking_takes_the_next_counter_and_the_third_is_refused(office):
    first = book(office, local(MONDAY, 9))
    second = book(office, local(MONDAY, 9))
    assert {first.counter_id, second.counter_id} == {office.desk_1.id, office.desk_2.id}
    with pytest.raises(booking.SlotTaken) as taken:
        book(office, local(MONDAY, 9))
    assert taken.value.status == 409
    assert taken.value.alternatives and taken.value.alternatives[0].start > local(MONDAY, 9)
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 2


def test_a_time_taken_late_on_friday_offers_mondays_first_times_without_a_fortnight(
    office, monkeypatch
):
    friday, monday = MONDAY + timedelta(days=4), MONDAY + timedelta(days=7)
    book(office, local(friday, 15, 45))  # the day's last time, on both counters
    book(office, local(friday, 15, 45))
    mondays = find_slots(load_visit([office.id_card.id]), monday, monday, now=NOW)
    read = []
    busy = Timetable.busy

    def reading(timetable, first_day, last_day, **options):
        read.append((last_day - first_day).days + 1)
        return busy(timetable, first_day, last_day, **options)

    monkeypatch.setattr(Timetable, "busy", reading)
    with pytest.raises(booking.SlotTaken) as taken:
        book(office, local(friday, 15, 45))

    assert [s.start for s in taken.value.alternatives] == [s.start for s in mondays[:5]]
    assert read == [1, 4]  # the day (the booking's), then four days: no fortnight


def test_the_database_refuses_an_overlapping_row_whatever_the_code_does(office):
    first = book(office, local(MONDAY, 9))
    clash = Appointment(
        reference="XXX-XXX",
        location_id=first.location_id,
        counter_id=first.counter_id,
        starts_at=local(MONDAY, 9, 10),
        ends_at=local(MONDAY, 9, 25),
        blocked_until=local(MONDAY, 9, 25),
        name="Check Then Insert",
        manage_nonce="x",
        manage_token_expires_at=local(MONDAY, 23),
    )
    db.session.add(clash)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A cancelled appointment does not hold the counter.
    booking.cancel(first, now=NOW)
    clash = db.session.merge(clash)
    db.session.add(clash)
    db.session.commit()


def test_a_counter_the_database_refuses_is_skipped_and_nothing_is_left_behind(
    office, monkeypatch, make_staff
):
    """As when a rival commits between the read and the write: the database refuses the counter
    (no savepoint around the insert), the next free one takes the visit in the same
    transaction, and when every counter is refused the booking is a 409 that wrote nothing,
    not even the party a booking recorded in its request (by staff) writes first."""
    clerk = make_staff(role=Role.COUNTER)
    first = book(office, local(MONDAY, 9), name="Eerste Klant", phone="0470 11 11 11", staff=clerk)
    stale = lambda self, *_args, **_kwargs: {c: [] for c in self.counter_ids}  # noqa: E731
    monkeypatch.setattr(booking.Timetable, "busy", stale)
    second = book(office, local(MONDAY, 9), name="Tweede Klant", phone="0470 22 22 22", staff=clerk)
    assert second.counter_id != first.counter_id
    assert db.session.get(Party, second.party_id).name == "Tweede Klant"
    assert [i.subject_id for i in db.session.scalars(select(Interaction))] == [first.id, second.id]
    parties = db.session.scalar(select(db.func.count()).select_from(Party))
    with pytest.raises(booking.SlotTaken):
        book(office, local(MONDAY, 9), name="Derde Klant", phone="0470 33 33 33", staff=clerk)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 2
    assert db.session.scalar(select(db.func.count()).select_from(appointment_service)) == 2
    assert db.session.scalar(select(db.func.count()).select_from(Party)) == parties


def test_the_appointment_and_its_services_are_written_together(office, backend):
    """PostgreSQL writes the row and its service links in one statement (core.rows)."""
    services = [office.id_card.id, office.address.id]
    appointment, statements = statements_during(
        lambda: book(office, local(MONDAY, 9), service_ids=services)
    )
    db.session.expire_all()
    assert sorted(s.id for s in db.session.get(Appointment, appointment.id).services) == services
    writes = [s for s in statements if "INSERT INTO appointment_service" in s]
    assert len(writes) == 1 and ("INSERT INTO appointment " in writes[0]) == (
        backend == "postgresql"
    )


def test_moving_an_appointment_onto_another_is_refused_by_the_database(office):
    first = book(office, local(MONDAY, 9))
    second = book(office, local(MONDAY, 10))
    assert first.counter_id == second.counter_id
    second = db.session.get(Appointment, second.id)
    second.starts_at, second.ends_at, second.blocked_until = (
        local(MONDAY, 9, 5),
        local(MONDAY, 9, 20),
        local(MONDAY, 9, 20),
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_unknown_service_past_times_and_times_off_the_grid_are_refused(office):
    with pytest.raises(UnknownService):
        book(office, local(MONDAY, 9), service_ids=[9999])
    with pytest.raises(BookingError) as past:
        book(office, local(MONDAY, 9), now=local(MONDAY, 10))
    assert "start" in past.value.fields
    between_seconds = local(MONDAY, 9) + timedelta(milliseconds=500)
    off_the_grid = (local(MONDAY, 9, 7), local(MONDAY, 12, 15), local(MONDAY, 20), between_seconds)
    for off_grid in off_the_grid:
        with pytest.raises(BookingError) as wrong:
            book(office, off_grid)
        assert wrong.value.status == 422 and "start" in wrong.value.fields
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": "  "}, "name"),
        ({"phone": "12"}, "phone"),
        ({"phone": "", "email": "not-an-address"}, "email"),
        ({"phone": "", "email": ""}, "phone"),
        ({"national_number": "85073003329"}, "national_number"),
        ({"people": 5}, "people"),
    ],
)
def test_contact_details_are_checked_and_nothing_is_written(office, fields, wrong):
    with pytest.raises(BookingError) as invalid:
        book(office, local(MONDAY, 9), **fields)
    assert wrong in invalid.value.fields
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


def test_a_valid_national_number_is_accepted_but_never_stored(office):
    appointment = book(office, local(MONDAY, 9), national_number="85.07.30-033.28")
    row = db.session.execute(text("SELECT * FROM appointment")).mappings().one()
    assert "85073003328" not in " ".join(str(v) for v in row.values())
    assert appointment.id


def test_the_same_form_sent_twice_books_once(office):
    key = secrets.token_hex(16)
    first = book(office, local(MONDAY, 9), submission_key=key)
    again = book(office, local(MONDAY, 9), submission_key=key)
    assert again.id == first.id
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 1


def test_reschedule_moves_raises_sequence_and_frees_the_old_time(office):
    appointment = book(office, local(MONDAY, 9))
    moved = booking.reschedule(appointment, local(MONDAY, 14), now=NOW)
    assert moved.sequence == 1 and moved.starts_at == local(MONDAY, 14)
    visit = load_visit([office.id_card.id])
    nine = [s for s in find_slots(visit, MONDAY, MONDAY, now=NOW) if s.start == local(MONDAY, 9)]
    assert nine[0].counter_ids == (office.desk_1.id, office.desk_2.id)


def test_reschedule_to_its_own_overlapping_time_works(office):
    appointment = book(office, local(MONDAY, 9))
    book(office, local(MONDAY, 9))  # desk 2 busy at 9:00 too
    moved = booking.reschedule(appointment, local(MONDAY, 9, 15), now=NOW)
    assert moved.starts_at == local(MONDAY, 9, 15)


def test_cancel_frees_the_counter_and_cannot_happen_twice_or_after_the_start(office):
    appointment = book(office, local(MONDAY, 9))
    cancelled = booking.cancel(appointment, now=NOW)
    assert cancelled.status == Status.CANCELLED and cancelled.sequence == 1
    with pytest.raises(booking.TooLate):
        booking.cancel(cancelled, now=NOW)
    late = book(office, local(MONDAY, 10))
    with pytest.raises(booking.TooLate):
        booking.cancel(late, now=local(MONDAY, 10, 1))


def test_manage_link_must_match_and_expires(office):
    appointment = book(office, local(MONDAY, 9))
    token = booking.manage_token(appointment)
    found = booking.appointment_for_link(appointment.reference.lower().replace("-", ""), token)
    assert found.id == appointment.id
    with pytest.raises(booking.ManageLinkInvalid):
        booking.appointment_for_link(appointment.reference, tampered(token))
    with pytest.raises(booking.ManageLinkInvalid):
        booking.appointment_for_link("AAA-AAA", token)
    with pytest.raises(booking.ManageLinkExpired):
        booking.appointment_for_link(
            appointment.reference, token, now=local(MONDAY, 9) + timedelta(days=31)
        )


@pytest.mark.parametrize(
    ("day", "offset"), [(date(2027, 3, 28), "+02:00"), (date(2027, 10, 31), "+01:00")]
)
def test_booking_on_a_clock_change_day_keeps_the_wall_clock(office, day, offset):
    office.open_on(day, time(9), time(12))
    db.session.commit()
    start = datetime.combine(day, time(10), tzinfo=BRUSSELS)
    appointment = book(office, start, now=datetime(2027, 3, 1, tzinfo=UTC))
    stored = db.session.get(Appointment, appointment.id)
    assert stored.starts_at == start.astimezone(UTC)
    assert stored.starts_at.astimezone(BRUSSELS).isoformat().endswith(f"10:00:00{offset}")
    assert stored.ends_at - stored.starts_at == timedelta(minutes=15)


def test_arrived_and_no_show_are_recorded(office):
    appointment = book(office, local(MONDAY, 9))
    assert booking.mark_arrived(appointment).status == Status.ARRIVED
    assert booking.mark_no_show(appointment).status == Status.NO_SHOW


def test_next_weekday_helper_is_in_the_future():
    assert next_weekday(0) > date.today()


def test_a_reference_drawn_twice_is_drawn_again(office, monkeypatch):
    draws = iter(["AAA-AAA", "AAA-AAA", "CCC-CCC"])
    monkeypatch.setattr(booking, "new_reference", lambda: next(draws))
    first = book(office, local(MONDAY, 9))
    second = book(office, local(MONDAY, 10))
    assert (first.reference, second.reference) == ("AAA-AAA", "CCC-CCC")


@pytest.mark.parametrize("day", [MONDAY, date(2027, 3, 28), date(2027, 10, 31)])
def test_a_day_reads_the_appointments_that_touch_it_and_no_others(office, day):
    """Local midnight to midnight (23 or 25 hours on a clock change day), in UTC."""
    midnight, next_midnight = local(day, 0), local(day + timedelta(days=1), 0)
    starts = {
        "ends at midnight": midnight - timedelta(minutes=30),
        "runs past midnight": midnight - timedelta(minutes=10),
        "after midnight": midnight + timedelta(minutes=10),
        "last half hour": next_midnight - timedelta(minutes=30),
        "next day": next_midnight + timedelta(hours=1),
    }
    for number, start in enumerate(starts.values()):
        db.session.add(
            Appointment(
                reference=f"TST-{number:03d}",
                location_id=office.town_hall.id,
                counter_id=office.desk_1.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=20),
                blocked_until=start + timedelta(minutes=20),
                name="Nacht Uil",
                manage_nonce="x",
                manage_token_expires_at=start + timedelta(days=30),
            )
        )
    db.session.commit()
    visit = load_visit([office.id_card.id])
    timetable = Timetable(visit, [office.town_hall], day, day)
    held = sorted(start for start, _end in timetable.busy(day, day)[office.desk_1.id])
    wanted = ["runs past midnight", "after midnight", "last half hour"]
    assert held == [int(starts[name].timestamp()) for name in wanted]

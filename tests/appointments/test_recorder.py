"""The recorder: a citizen's own bookings land in the case record afterwards, in batches,
exactly once, and a change made before that keeps the timeline whole."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from appointments import booking, recorder
from appointments.models import Appointment
from core.rows import insert_row
from desk.models import Interaction, Party, Role
from extensions import db
from sms.models import OutboxMessage
from tests.appointments.conftest import local
from tests.races import race
from tests.statements import statements_during

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # a Monday morning before opening
MONDAY = date(2027, 3, 1)
HOURS = (9, 10, 11, 13, 14, 15)


def book(office, start, number=0, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": start,
        "name": f"Citizen {number}",
        "email": f"citizen{number}@example.be",
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def book_many(office, count: int, first: int = 0) -> list[Appointment]:
    """`count` bookings by as many citizens, one an hour over the week (30 at most)."""
    starts = [local(MONDAY + timedelta(days=day), hour) for day in range(5) for hour in HOURS]
    numbers = range(first, first + count)
    return [book(office, starts[number], number) for number in numbers]


def rows(model, *where):
    db.session.expire_all()
    return db.session.scalars(select(model).where(*where).order_by(model.id)).all()


def moments_of(appointment_id: int) -> list[Interaction]:
    return rows(
        Interaction,
        Interaction.subject_type == "appointment",
        Interaction.subject_id == appointment_id,
    )


def test_a_citizens_booking_waits_for_the_recorder_then_lands_once(office):
    appointment = book(office, local(MONDAY, 9))
    stored = db.session.get(Appointment, appointment.id)
    assert stored.record_pending and stored.party_id is None
    assert moments_of(appointment.id) == [] and rows(OutboxMessage) == []

    assert recorder.record_waiting_bookings() == 1

    stored = rows(Appointment)[0]
    assert not stored.record_pending
    party = db.session.get(Party, stored.party_id)
    assert party.name == "Citizen 0"
    assert [a.value for a in party.addresses] == ["citizen0@example.be"]
    [moment] = moments_of(appointment.id)
    assert (moment.party_id, moment.outcome) == (party.id, "booked")
    assert moment.started_at == stored.created_at  # when the citizen booked
    [confirmation] = rows(OutboxMessage)
    assert confirmation.idempotency_key == f"booked:{appointment.id}:0"
    assert (confirmation.channel, confirmation.recipient) == ("email", "citizen0@example.be")

    assert recorder.record_waiting_bookings() == 0
    assert len(moments_of(appointment.id)) == 1 and len(rows(OutboxMessage)) == 1


def test_staff_bookings_and_national_numbers_are_recorded_in_the_request(office, make_staff):
    clerk = make_staff(email="clerk@example.org", role=Role.COUNTER)
    by_staff = book(office, local(MONDAY, 9), staff=clerk, channel="phone")
    with_number = book(office, local(MONDAY, 10), 1, national_number="85.07.30-033.28")
    for appointment in (by_staff, with_number):
        stored = db.session.get(Appointment, appointment.id)
        assert not stored.record_pending and stored.party_id is not None
        assert [m.outcome for m in moments_of(appointment.id)] == ["booked"]
    assert recorder.record_waiting_bookings() == 0


def test_a_batch_costs_the_same_statements_for_two_bookings_as_for_thirty(office):
    book_many(office, 2)
    recorded, for_two = statements_during(recorder.record_waiting_bookings)
    assert recorded == 2
    book_many(office, 28, first=2)
    recorded, for_many = statements_during(recorder.record_waiting_bookings)
    assert recorded == 28
    assert len(for_many) == len(for_two), for_many
    assert len(rows(Party)) == 30 and len(rows(Interaction)) == 30
    assert len(rows(OutboxMessage)) == 30


def test_a_run_goes_on_while_batches_are_full_and_leaves_later_bookings_to_the_next(
    office, monkeypatch
):
    """A booking made while a run records waits for the next run, which takes the bookings of
    that half second together: a run that chased each one recorded them a few at a time."""
    book(office, local(MONDAY, 9))
    record, arrived = recorder._record, []

    def record_while_a_citizen_books(ids):
        recorded = record(ids)
        if not arrived:
            arrived.append(book(office, local(MONDAY, 10), 1))
        return recorded

    monkeypatch.setattr(recorder, "_record", record_while_a_citizen_books)
    assert recorder.record_waiting_bookings() == 1
    assert [a.id for a in rows(Appointment, Appointment.record_pending)] == [arrived[0].id]
    assert recorder.record_waiting_bookings() == 1
    assert not rows(Appointment, Appointment.record_pending)

    monkeypatch.undo()
    book_many(office, 5, first=2)
    assert recorder.record_waiting_bookings(batch=2) == 5  # 2 + 2 + 1
    assert len(rows(Interaction)) == 7


def test_a_change_before_the_recorder_records_the_booking_first(office):
    appointment = book(office, local(MONDAY, 9))
    booking.reschedule(appointment, local(MONDAY, 11), now=NOW)
    booking.cancel(db.session.get(Appointment, appointment.id), now=NOW)
    assert recorder.record_waiting_bookings() == 0

    noted = moments_of(appointment.id)
    assert [m.outcome for m in noted] == ["booked", "rescheduled", "cancelled"]
    assert len({m.party_id for m in noted}) == 1 and len(rows(Party)) == 1
    # No "booked" confirmation for a time that was moved before it went out.
    assert [m.idempotency_key for m in rows(OutboxMessage)] == [
        f"rescheduled:{appointment.id}:1",
        f"cancelled:{appointment.id}:2",
    ]


def test_recorders_racing_record_each_booking_exactly_once(app, office):
    appointments = book_many(office, 30)
    db.session.commit()
    results, errors = race(app, 4, lambda _i: recorder.record_waiting_bookings(batch=7))
    assert errors == []
    assert sum(results) == 30
    assert len(rows(Party)) == 30 and len(rows(OutboxMessage)) == 30
    for appointment in appointments:
        assert [m.outcome for m in moments_of(appointment.id)] == ["booked"]


def test_a_recorder_and_a_cancellation_racing_record_the_booking_once(app, office):
    appointments = book_many(office, 12)
    db.session.commit()
    ids = [a.id for a in appointments]

    def work(index):
        if index == 0:
            return recorder.record_waiting_bookings(batch=3)
        cancelled = booking.cancel(db.session.get(Appointment, ids[index]), now=NOW)
        return cancelled.id

    results, errors = race(app, len(ids), work)
    assert errors == []
    recorder.record_waiting_bookings()
    for index, appointment_id in enumerate(ids):
        outcomes = [m.outcome for m in moments_of(appointment_id)]
        assert outcomes == (["booked"] if index == 0 else ["booked", "cancelled"])
        assert len({m.party_id for m in moments_of(appointment_id)}) == 1
    assert len(rows(Party)) == 12
    assert not rows(Appointment, Appointment.record_pending)


def test_a_booking_the_record_refuses_stays_waiting_and_holds_up_no_other(office, caplog):
    first = book(office, local(MONDAY, 9))
    broken = insert_row(
        Appointment,
        reference="BAD-ROW",
        location_id=office.town_hall.id,
        counter_id=office.desk_2.id,
        starts_at=local(MONDAY, 9),
        ends_at=local(MONDAY, 9, 15),
        blocked_until=local(MONDAY, 9, 20),
        name="",  # no name, no phone, no e-mail: the record needs at least one key
        manage_nonce="0" * 32,
        manage_token_expires_at=local(MONDAY, 9) + timedelta(days=30),
        record_pending=True,
    )
    db.session.commit()
    last = book(office, local(MONDAY, 10), 2)

    assert recorder.record_waiting_bookings() == 2
    assert [a.id for a in rows(Appointment, Appointment.record_pending)] == [broken.id]
    assert f"refused booking {broken.id}" in caplog.text
    assert [m.outcome for m in moments_of(first.id)] == ["booked"]
    assert [m.outcome for m in moments_of(last.id)] == ["booked"]


def test_the_scheduler_once_records_then_sends_the_confirmation(app, office):
    appointment = book(office, local(MONDAY, 9))
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    names = [line.split()[-1] for line in result.output.splitlines() if line.startswith("running")]
    assert names.index("appointments.record") < names.index("sms.send_outbox")
    [confirmation] = rows(OutboxMessage)
    assert confirmation.link_id == appointment.id
    assert confirmation.status == "sent"


def test_the_scheduler_can_run_the_recorder_alone(app, office):
    book(office, local(MONDAY, 9))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--once", "--job", "appointments.record"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["running appointments.record"]
    [confirmation] = rows(OutboxMessage)
    assert confirmation.status == "queued"  # the sender did not run

    unknown = runner.invoke(args=["scheduler", "--once", "--job", "appointments.recrod"])
    assert unknown.exit_code == 2
    assert "no job appointments.recrod" in unknown.output and "sms.send_outbox" in unknown.output

"""Races with real threads on SQLite and PostgreSQL: 50 kiosks at once, counters pressing
Call next together. Each thread has its own app context, session and connection."""

from collections import Counter as Tally

import pytest
from sqlalchemy import select

from appointments.models import Appointment
from appointments.models import Status as AppointmentStatus
from counter import calling, tickets
from counter.errors import Conflict
from counter.models import Ticket, TicketEvent, TicketSequence, TicketStatus
from extensions import db
from tests.races import race

pytestmark = pytest.mark.slow


def test_fifty_kiosks_at_once_get_fifty_different_numbers(app, town):
    hall, service = town.hall.id, town.id_card.id

    def issue(_index):
        ticket = tickets.issue_ticket(service_id=service, location_id=hall)
        return ticket.number

    numbers, errors = race(app, 50, issue)
    assert errors == []
    assert sorted(numbers) == list(range(1, 51))
    db.session.commit()
    stored = db.session.scalars(select(Ticket.number)).all()
    assert sorted(stored) == list(range(1, 51))


def press_together(app, count, body, headers=None):
    """`count` kiosk requests with one body at once, each on its own test client."""

    def post(_index):
        response = app.test_client().post("/api/v1/tickets", json=body, headers=headers or {})
        return response.status_code, response.get_json()

    answers, errors = race(app, count, post)
    assert errors == []
    db.session.commit()
    return answers


def written_counts():
    """Tickets, issued events, and the last number each location's sequence handed out."""
    return (
        db.session.scalar(select(db.func.count(Ticket.id))),
        db.session.scalar(
            select(db.func.count(TicketEvent.id)).where(TicketEvent.action == "issued")
        ),
        db.session.scalars(select(TicketSequence.last_number)).all(),
    )


def test_a_kiosk_press_sent_twice_at_once_gives_one_ticket(app, town, kiosk):
    body = {"service_id": town.id_card.id, "location_id": town.hall.id, "submission_key": "k-1"}
    answers = press_together(app, 8, body, kiosk.headers)
    assert {status for status, _ in answers} == {201}
    assert len({(json["id"], json["number"]) for _, json in answers}) == 1
    assert answers[0][1]["number"] == "A001"
    assert written_counts() == (1, 1, [1])
    # No number was used up by the requests that lost: the next press gets A002.
    after = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    assert after.number == 2


def test_one_phone_pressing_eight_times_at_once_gets_one_waiting_ticket(app, town):
    """From one's own phone: the partial unique index lets one ticket wait per service, day and
    number, whoever wins the race; the losers used up no number."""
    body = {"service_id": town.id_card.id, "location_id": town.hall.id, "phone": "0470123456"}
    answers = press_together(app, 8, body)
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {json["error"]["code"] for status, json in answers if status == 409} == {
        "phone_has_ticket"
    }
    assert written_counts() == (1, 1, [1])


def test_a_check_in_pressed_twice_at_once_gives_one_ticket(app, town, make_appointment):
    appointment = make_appointment(minutes=5)
    body = {"appointment_reference": appointment.reference, "location_id": town.hall.id}
    answers = press_together(app, 8, body)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 7
    refused = {json["error"]["code"] for status, json in answers if status == 409}
    assert refused == {"already_checked_in"}  # what a repeated check-in answers
    assert written_counts() == (1, 1, [1])
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.ARRIVED
    # The winner's ticket was linked to the booking's citizen despite the rivals' writes.
    assert db.session.scalar(select(Ticket.party_id)) is not None


def test_counters_pressing_call_next_together_never_share_a_ticket(app, town):
    for _ in range(30):
        tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    counters = [c.id for c in town.counters(12)]

    def serve(index):
        """Each counter calls, finishes and calls again until nobody waits."""
        served = []
        while True:
            ticket = calling.call_next(counters[index])
            if ticket is None:
                return served
            served.append(ticket.id)
            calling.finish(ticket.id, calling.Closer(None, admin=True), outcome="served")

    results, errors = race(app, len(counters), serve)
    assert errors == []
    every_call = [ticket_id for served in results for ticket_id in served]
    assert len(every_call) == 30
    assert max(Tally(every_call).values()) == 1  # no ticket was called twice
    db.session.commit()
    statuses = db.session.scalars(select(Ticket.status)).all()
    assert set(statuses) == {TicketStatus.FINISHED}


def test_one_counter_pressed_twice_at_once_calls_one_ticket(app, town):
    for _ in range(5):
        tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    counter = town.desk_1.id

    def press(_index):
        try:
            return calling.call_next(counter).id
        except Conflict as refused:
            return refused.code

    results, errors = race(app, 8, press)
    assert errors == []
    called = [r for r in results if isinstance(r, int)]
    assert len(called) == 1
    assert set(results) - set(called) == {"counter_has_open_ticket"}
    db.session.commit()
    assert db.session.scalars(select(Ticket.status)).all().count(TicketStatus.CALLED) == 1


def test_the_queue_survives_a_restart(make_app, app, town):
    first = tickets.issue_ticket(service_id=town.id_card.id, location_id=town.hall.id)
    restarted = make_app()
    with restarted.app_context():
        called = calling.call_next(town.desk_1.id)
        assert called.id == first.id
        db.session.remove()

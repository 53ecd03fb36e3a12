"""The counter knows a booking only as booking tells it (office.visits), never by its tables."""

import pytest
from sqlalchemy import func, select

from appointments import arrivals
from core.database import utcnow
from counter.models import Ticket, TicketKind, TicketStatus
from desk.models import Role
from extensions import db
from office import visits


def test_booking_answers_for_its_references_and_ids(make_appointment):
    appointment = make_appointment(minutes=5)
    typed = appointment.reference.lower().replace("-", " ")  # as a citizen may type it
    visit = visits.booked_visit(reference=typed)
    assert visit == visits.BookedVisit(
        id=appointment.id,
        reference=appointment.reference,
        location_id=appointment.location_id,
        starts_at=appointment.starts_at,
        service_ids=tuple(s.id for s in appointment.services),
        status="booked",
        language="nl",
        name="An Janssens",
        phone="+32470123456",
        email=None,
        party_id=None,
        ends_at=appointment.ends_at,
    )
    assert visits.booked_visit(visit_id=appointment.id) == visit
    assert visits.booked_visit(reference="ZZZ-999") is None
    assert visits.booked_visit(reference="") is None


def test_an_arrival_marks_the_booking_arrived(make_appointment):
    appointment = make_appointment(minutes=5)
    now = utcnow()
    visits.mark_arrived(appointment.id, now)
    assert visits.booked_visit(visit_id=appointment.id).status == "arrived"
    assert appointment.arrived_at == now


@pytest.fixture
def without_booking():
    """As if the booking channel were not installed: nobody answers the office's question."""
    visits.booked_visit_wanted.disconnect(arrivals.answer_booked_visit)
    yield
    visits.booked_visit_wanted.connect(arrivals.answer_booked_visit)


def test_without_a_booking_channel_no_reference_is_known(client, make_appointment, without_booking):
    appointment = make_appointment(minutes=5)
    response = client.post("/api/v1/tickets", json={"appointment_reference": appointment.reference})
    assert (response.status_code, response.json["error"]["code"]) == (404, "unknown_reference")


def _waiting_codes(counter) -> list[str]:
    from counter.state import desk_overview

    db.session.expire_all()
    return [row["number"] for s in desk_overview(counter)["services"] for row in s["waiting"]]


def test_arrived_on_the_day_view_queues_the_citizen_as_the_kiosk_would(
    client, town, make_appointment, make_staff, login
):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    assert _waiting_codes(town.desk_1) == []

    answer = client.post(f"/desk/appointments/{appointment.id}/arrived")
    assert answer.status_code == 302

    ticket = db.session.scalar(select(Ticket).where(Ticket.appointment_id == appointment.id))
    assert ticket.kind == TicketKind.APPOINTMENT
    assert ticket.booked_start == appointment.starts_at
    assert ticket.status == TicketStatus.WAITING and ticket.location_id == town.hall.id
    assert ticket.service_id == town.address.id
    assert _waiting_codes(town.desk_1) == [ticket.code]
    queue = client.get(f"/counter/desk/{town.desk_1.id}/queue")
    assert ticket.code in queue.get_data(as_text=True)

    # The kiosk's check-in afterwards, and "arrived" pressed again, make no second ticket.
    again = client.post("/api/v1/tickets", json={"appointment_reference": appointment.reference})
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_checked_in")
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    count = select(func.count()).select_from(Ticket).where(Ticket.appointment_id == appointment.id)
    assert db.session.scalar(count) == 1


def test_arrived_after_the_kiosk_check_in_keeps_the_kiosk_ticket(
    client, town, make_appointment, make_staff, login
):
    appointment = make_appointment(minutes=5)
    kiosk = client.post("/api/v1/tickets", json={"appointment_reference": appointment.reference})
    assert kiosk.status_code == 201
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    tickets = db.session.scalars(select(Ticket).where(Ticket.appointment_id == appointment.id))
    [ticket] = tickets.all()
    assert ticket.kind == TicketKind.APPOINTMENT and ticket.booked_start == appointment.starts_at


def test_arrived_late_on_the_day_view_joins_the_normal_queue_as_at_the_kiosk(
    client, town, make_appointment, make_staff, login
):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=-60)
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    ticket = db.session.scalar(select(Ticket).where(Ticket.appointment_id == appointment.id))
    assert ticket.kind == TicketKind.WALK_IN and ticket.booked_start is None


def _arrived_entries(appointment) -> list:
    from desk.models import Interaction

    db.session.expire_all()
    return db.session.scalars(
        select(Interaction).where(
            Interaction.subject_type == "appointment",
            Interaction.subject_id == appointment.id,
            Interaction.outcome == "arrived",
        )
    ).all()


def test_the_kiosk_check_in_writes_the_same_arrived_entry_as_the_day_view(
    client, town, make_appointment, make_staff, login
):
    at_kiosk, at_desk = make_appointment(minutes=5), make_appointment(minutes=10)
    kiosk = client.post("/api/v1/tickets", json={"appointment_reference": at_kiosk.reference})
    assert kiosk.status_code == 201
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    client.post(f"/desk/appointments/{at_desk.id}/arrived")

    [from_kiosk], [from_desk] = _arrived_entries(at_kiosk), _arrived_entries(at_desk)
    for entry, appointment in ((from_kiosk, at_kiosk), (from_desk, at_desk)):
        assert entry.party_id == appointment.party_id is not None
        assert (entry.channel, entry.direction) == ("counter", "inbound")
    assert from_kiosk.subject == from_desk.subject


def test_arriving_at_the_kiosk_and_on_the_day_view_is_one_arrival(
    client, town, make_appointment, make_staff, login
):
    appointment = make_appointment(minutes=5)
    client.post("/api/v1/tickets", json={"appointment_reference": appointment.reference})
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    assert len(_arrived_entries(appointment)) == 1
    count = select(func.count()).select_from(Ticket).where(Ticket.appointment_id == appointment.id)
    assert db.session.scalar(count) == 1


def test_arrived_twice_on_the_day_view_is_one_arrival(
    client, town, make_appointment, make_staff, login
):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    assert len(_arrived_entries(appointment)) == 1
    [ticket] = db.session.scalars(select(Ticket).where(Ticket.appointment_id == appointment.id))
    assert ticket.kind == TicketKind.APPOINTMENT


def test_a_no_show_after_arriving_takes_the_ticket_out_of_the_queue(
    client, town, make_appointment, make_staff, login
):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    ticket = db.session.scalar(select(Ticket).where(Ticket.appointment_id == appointment.id))
    assert _waiting_codes(town.desk_1) == [ticket.code]

    client.post(f"/desk/appointments/{appointment.id}/no_show")

    assert _waiting_codes(town.desk_1) == []
    db.session.refresh(ticket)
    assert ticket.status == TicketStatus.NO_SHOW and ticket.finished_at is not None
    assert visits.booked_visit(visit_id=appointment.id).status == "no_show"
    from counter import calling

    assert calling.call_next(town.desk_1.id) is None


def test_a_citizen_being_served_cannot_be_marked_a_no_show(
    client, town, make_appointment, make_staff, login
):
    from counter import calling

    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    called = calling.call_next(town.desk_1.id)
    assert called is not None

    page = client.post(f"/desk/appointments/{appointment.id}/no_show", follow_redirects=True)

    assert "wordt nu aan een loket geholpen" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, called.id).status == TicketStatus.CALLED
    assert visits.booked_visit(visit_id=appointment.id).status == "arrived"


def test_arrived_after_a_mistaken_no_show_puts_the_ticket_back(
    client, town, make_appointment, make_staff, login
):
    login(make_staff("clerk@example.org", role=Role.COUNTER))
    appointment = make_appointment(minutes=5)
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    client.post(f"/desk/appointments/{appointment.id}/no_show")
    client.post(f"/desk/appointments/{appointment.id}/arrived")
    [ticket] = db.session.scalars(select(Ticket).where(Ticket.appointment_id == appointment.id))
    assert ticket.status == TicketStatus.WAITING and ticket.finished_at is None
    assert _waiting_codes(town.desk_1) == [ticket.code]
    assert visits.booked_visit(visit_id=appointment.id).status == "arrived"

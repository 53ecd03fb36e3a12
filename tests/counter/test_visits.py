"""The counter knows a booking only as booking tells it (office.visits), never by its tables."""

import pytest

from appointments import arrivals
from core.database import utcnow
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

"""Belgian public holidays close every location, unless an exception for the date opens it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from appointments import booking
from appointments.slots import BookingError, find_slots, load_visit
from desk.models import Role
from extensions import db
from tests.appointments.conftest import BRUSSELS, local

CHRISTMAS = date(2028, 12, 25)  # a Monday
NEW_YEAR = date(2029, 1, 1)  # a Monday too
NOW = datetime(2028, 12, 18, 6, 0, tzinfo=UTC)


def book(office, start, **fields):
    values = {"service_ids": [office.id_card.id], "start": start, "name": "An Peeters"}
    values.update(phone="0470 12 34 56", now=NOW, **fields)
    return booking.book(**values)


def days_offered(office, first: date, last: date) -> set[date]:
    slots = find_slots(load_visit([office.id_card.id]), first, last, now=NOW)
    return {slot.start.astimezone(BRUSSELS).date() for slot in slots}


def test_christmas_and_new_years_day_are_not_offered(office):
    offered = days_offered(office, CHRISTMAS - timedelta(days=7), NEW_YEAR + timedelta(days=4))
    assert CHRISTMAS not in offered and NEW_YEAR not in offered
    weekdays = {CHRISTMAS + timedelta(days=n) for n in range(-7, 12) if n % 7 < 5}
    assert offered == weekdays - {CHRISTMAS, NEW_YEAR}  # every other working day is


@pytest.mark.parametrize("day", [CHRISTMAS, NEW_YEAR])
def test_booking_on_a_public_holiday_is_refused(office, day):
    with pytest.raises(BookingError) as refused:
        book(office, local(day, 10))
    assert refused.value.status == 422 and "start" in refused.value.fields


def test_an_exception_opens_a_location_on_a_public_holiday(office):
    office.open_on(CHRISTMAS, time(10), time(12))
    db.session.commit()
    assert CHRISTMAS in days_offered(office, CHRISTMAS, CHRISTMAS)
    appointment = book(office, local(CHRISTMAS, 10, 30))
    assert appointment.starts_at == local(CHRISTMAS, 10, 30)
    with pytest.raises(BookingError):
        book(office, local(CHRISTMAS, 9))  # only the exception's hours, not the weekly ones


def test_the_api_offers_no_time_on_christmas_and_refuses_one(client, office):
    with time_machine.travel(NOW, tick=False):
        week = f"from={CHRISTMAS}&to={CHRISTMAS + timedelta(days=4)}"
        slots = client.get(f"/api/v1/services/{office.id_card.id}/slots?{week}").get_json()
        days = {datetime.fromisoformat(s["start"]).date() for s in slots}
        assert days == {CHRISTMAS + timedelta(days=n) for n in range(1, 5)}
        response = client.post(
            "/api/v1/appointments",
            json={
                "service_id": office.id_card.id,
                "start": local(CHRISTMAS, 10).astimezone(BRUSSELS).isoformat(),
                "name": "Jan Janssens",
                "phone": "+32 470 12 34 56",
            },
        )
    assert response.status_code == 422
    assert "start" in response.get_json()["error"]["fields"]


def test_the_location_page_lists_the_coming_public_holidays(client, office, make_staff, login):
    office.open_on(CHRISTMAS, time(10), time(12))
    db.session.commit()
    with time_machine.travel(NOW):  # signed in then, or the session would have expired
        login(make_staff(email="admin@example.org", role=Role.ADMIN))
        address = f"/admin/booking/locations/{office.town_hall.id}"
        page = client.get(address, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    listed = page[page.index("Jours fériés") :]  # the section, in the reader's language
    items = listed.split("<li>")
    christmas, new_year = (item for item in items if "Noël" in item or "Nouvel An" in item)
    assert "ouvert" in christmas and "10:00–12:00" in christmas  # opened by its exception
    assert "fermé" in new_year  # closed, as every public holiday without one
    assert listed.index("Nouvel An") < listed.index("Lundi de Pâques")  # in date order

"""Calendar files, read back by two independent parsers (icalendar and vobject)."""

from datetime import UTC, date, datetime, time

import icalendar
import vobject
from sqlalchemy import select

from appointments import booking
from appointments.models import Appointment
from extensions import db
from tests.appointments.conftest import BRUSSELS, local, next_weekday

NOW = datetime(2027, 3, 1, tzinfo=UTC)


def book(office, start, now=None):
    return booking.book(
        service_ids=[office.id_card.id],
        start=start,
        name="Ann",
        email="ann@example.be",
        now=now or NOW,
    )


def fetch(client, appointment):
    token = booking.manage_token(appointment)
    response = client.get(
        f"/appointments/manage/{appointment.reference}/appointment.ics",
        query_string={"token": token},
    )
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return response.data


def events(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    parsed = vobject.readOne(data.decode())
    return calendar, calendar.walk("VEVENT")[0], parsed, parsed.vevent


def test_file_has_uid_sequence_vtimezone_and_local_times(client, office):
    monday = next_weekday(0)
    appointment = book(office, local(monday, 10), now=datetime.now(UTC))
    calendar, event, parsed, vevent = events(fetch(client, appointment))
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Brussels"
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTSTART") == local(monday, 10)
    assert vevent.dtstart.value == local(monday, 10)  # vobject agrees, through the VTIMEZONE
    assert vevent.dtstart.value.astimezone(BRUSSELS).hour == 10
    assert vevent.dtend.value == local(monday, 10, 15)
    assert int(vevent.sequence.value) == 0 and vevent.status.value == "CONFIRMED"
    assert appointment.reference in vevent.description.value


def test_reschedule_keeps_uid_raises_sequence_and_cancel_removes(client, office):
    monday = next_weekday(0)
    appointment = book(office, local(monday, 10), now=datetime.now(UTC))
    _, first, _, _ = events(fetch(client, appointment))
    moved = booking.reschedule(appointment, local(monday, 14))
    _, second, _, vsecond = events(fetch(client, moved))
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == 1 and vsecond.dtstart.value == local(monday, 14)
    cancelled = booking.cancel(moved)
    calendar, third, parsed, vthird = events(fetch(client, cancelled))
    assert third["UID"] == first["UID"]
    assert calendar["METHOD"] == "CANCEL" and parsed.method.value == "CANCEL"
    assert third["STATUS"] == "CANCELLED" and vthird.status.value == "CANCELLED"
    assert third["SEQUENCE"] == 2


def test_clock_change_days_are_right_in_both_parsers(client, office):
    for day, offset_hours in ((date(2027, 3, 28), 2), (date(2027, 10, 31), 1)):
        office.open_on(day, time(9), time(12))
        db.session.commit()
        appointment = book(office, datetime.combine(day, time(9, 30), tzinfo=BRUSSELS))
        _, event, _, vevent = events(fetch(client, appointment))
        for value in (event.decoded("DTSTART"), vevent.dtstart.value):
            assert value.astimezone(BRUSSELS).hour == 9 and value.astimezone(BRUSSELS).minute == 30
            assert value.astimezone(UTC).hour == 9 - offset_hours


def test_secret_feeds_per_counter_and_location(client, office):
    monday = next_weekday(0)
    kept = book(office, local(monday, 10), now=datetime.now(UTC))
    gone = book(office, local(monday, 11), now=datetime.now(UTC))
    booking.cancel(gone)
    counter_feed = client.get(f"/appointments/feeds/{office.desk_1.feed_token}.ics")
    location_feed = client.get(f"/appointments/feeds/{office.town_hall.feed_token}.ics")
    other_counter = client.get(f"/appointments/feeds/{office.desk_3.feed_token}.ics")
    for response in (counter_feed, location_feed):
        parsed = vobject.readOne(response.data.decode())
        summaries = [e.description.value for e in parsed.vevent_list]
        assert len(summaries) == 1 and kept.reference in summaries[0]
    assert "VEVENT" not in other_counter.data.decode()
    assert client.get("/appointments/feeds/not-a-token.ics").status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 2

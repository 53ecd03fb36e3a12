"""A booked video appointment: the join link on the manage page, its time window, the staff's
join from the day view, and both ending up in the same chat."""

import pytest
import time_machine

from appointments import booking
from appointments.manage_links import manage_token
from chat.models import Chat, ChatKind
from extensions import db
from office import video_visits
from tests.appointments.conftest import local, next_weekday

DAY = next_weekday(2)  # a Wednesday to come


def book_at(place, service, name="Lies Peeters"):
    with time_machine.travel(local(DAY, 7), tick=False):
        appointment = booking.book(
            service_ids=[service.id], start=local(DAY, 10), location_id=place.id, name=name,
            email="lies@example.org",
        )  # fmt: skip
        db.session.commit()
    return appointment


def manage_page(client, appointment):
    token = manage_token(appointment)
    return client.get(f"/appointments/manage/{appointment.reference}?token={token}")


def test_the_manage_page_of_a_video_appointment_carries_its_join_link(client, video_office):
    online, town_hall, advice = video_office
    video = book_at(online, advice)
    visit = book_at(town_hall, advice, name="Jan Visit")

    with time_machine.travel(local(DAY, 8), tick=False):
        page = manage_page(client, video).get_data(as_text=True)
        assert video_visits.citizen_join_path(video.reference) in page
        assert "09:45" in page  # the link works from 15 minutes before
        assert "/video/" not in manage_page(client, visit).get_data(as_text=True)


def test_the_join_link_opens_fifteen_minutes_before_and_closes_half_an_hour_after(
    client, video_office
):
    online, _town_hall, advice = video_office
    appointment = book_at(online, advice)
    path = video_visits.citizen_join_path(appointment.reference)

    with time_machine.travel(local(DAY, 9, 40), tick=False):
        early = client.get(path)
        assert early.status_code == 200
        assert "09:45" in early.get_data(as_text=True)
        assert 'data-chat-id="' not in early.get_data(as_text=True)
    with time_machine.travel(local(DAY, 9, 46), tick=False):
        open_page = client.get(path)
        assert open_page.status_code == 200
        assert open_page.headers["Permissions-Policy"].startswith(
            "camera=(self), microphone=(self)"
        )
        assert open_page.headers["Cache-Control"] == "no-store"
        html = open_page.get_data(as_text=True)
        chat = db.session.scalar(db.select(Chat).where(Chat.appointment_reference
                                                       == appointment.reference))  # fmt: skip
        assert chat.kind == ChatKind.VIDEO_APPOINTMENT
        assert f'data-chat-id="{chat.id}"' in html
        assert 'data-resume-token=""' not in html
        # A second visit of the link meets the same chat.
        client.get(path)
        assert db.session.scalar(db.select(db.func.count()).select_from(Chat)) == 1
    with time_machine.travel(local(DAY, 11, 1), tick=False):
        assert client.get(path).status_code == 410


def test_a_wrong_link_an_office_visit_or_a_cancelled_one_opens_nothing(client, video_office):
    online, town_hall, advice = video_office
    appointment = book_at(online, advice)
    office_visit = book_at(town_hall, advice, name="Jan Visit")
    path = video_visits.citizen_join_path(appointment.reference)

    with time_machine.travel(local(DAY, 10), tick=False):
        assert client.get(path[:-2] + "xx").status_code == 404
        assert client.get("/video/" + appointment.reference).status_code == 404
        office_path = video_visits.citizen_join_path(office_visit.reference)
        assert client.get(office_path).status_code == 404
    with time_machine.travel(local(DAY, 8), tick=False):
        booking.cancel(db.session.get(type(appointment), appointment.id))
        db.session.commit()
    with time_machine.travel(local(DAY, 10), tick=False):
        assert client.get(path).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Chat)) == 0


def test_staff_join_from_the_day_view_into_the_citizens_chat(
    client, make_staff, login, video_office
):
    online, _town_hall, advice = video_office
    appointment = book_at(online, advice)
    agent = make_staff("agent@example.org", role="call_agent")
    join = video_visits.staff_join_path(appointment.reference)

    with time_machine.travel(local(DAY, 9, 50), tick=False):
        staff = login(agent)  # signed in on the day: the idle timeout reads this clock
        day = client.get(f"/desk/appointments/?location={online.id}&day={DAY.isoformat()}")
        assert join in day.get_data(as_text=True)
        citizen = client.get(video_visits.citizen_join_path(appointment.reference))
        assert citizen.status_code == 200
        page = client.get(join)
        assert page.status_code == 200
        assert page.headers["Permissions-Policy"].startswith("camera=(self)")
        chat = db.session.scalar(db.select(Chat))
        assert chat.agent_id == staff.id
        assert f'data-chat-id="{chat.id}"' in page.get_data(as_text=True)
        assert 'data-side="agent"' in page.get_data(as_text=True)


def test_pages_other_than_the_video_call_may_not_use_camera_or_microphone(client):
    policy = client.get("/").headers["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy
    assert (
        client.get("/chat/video")
        .headers["Permissions-Policy"]
        .startswith("camera=(self), microphone=(self)")
    )


@pytest.mark.slow
def test_first_visits_at_once_meet_in_one_chat(app, video_office):
    """The citizen's two tabs and staff open the link at the same moment: one chat."""
    from chat.video_appointments import appointment_chat, video_visit
    from tests.races import race

    online, _town_hall, advice = video_office
    appointment = book_at(online, advice)
    reference = appointment.reference  # read here: the threads have sessions of their own
    results, errors = race(app, 6, lambda _i: appointment_chat(video_visit(reference))[0].id)
    assert errors == []
    assert len(set(results)) == 1
    db.session.commit()  # a fresh snapshot (SQLite): what the threads wrote
    assert db.session.scalar(db.select(db.func.count()).select_from(Chat)) == 1


def test_the_confirmation_notice_carries_the_join_link(app, video_office):
    from sms.models import OutboxMessage

    online, town_hall, advice = video_office
    video = book_at(online, advice)
    book_at(town_hall, advice, name="Jan Visit")
    db.session.commit()
    notices = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(notices) == 2
    join = video_visits.public_join_url(video.reference)
    assert join in notices[0].body and f'href="{join}"' in notices[0].html_body
    assert "/video/" not in notices[1].body


def test_an_online_location_is_no_place_to_visit_on_the_home_page(client, video_office):
    page = client.get("/").get_data(as_text=True)
    assert "Stadhuis" in page
    assert "Videoloket" not in page


def calendar_event(data):
    import icalendar

    return icalendar.Calendar.from_ical(data).walk("VEVENT")[0]


def test_the_calendar_file_carries_the_join_link_in_the_citizens_language(client, video_office):
    from sms.models import OutboxMessage

    online, town_hall, advice = video_office
    video = book_at(online, advice)
    visit = book_at(town_hall, advice, name="Jan Visit")
    join = video_visits.public_join_url(video.reference)

    def fetch(appointment, language):
        response = client.get(
            f"/appointments/manage/{appointment.reference}/appointment.ics",
            query_string={"token": manage_token(appointment)},
            headers={"Accept-Language": language},
        )
        assert response.status_code == 200
        return calendar_event(response.data)

    french = fetch(video, "fr")
    assert str(french["URL"]) == join
    assert str(french["LOCATION"]) == f"Vidéo\u00a0: {join}"
    assert f"Appel vidéo, à partir de 15 minutes avant\u00a0: {join}" in str(french["DESCRIPTION"])
    dutch = fetch(video, "nl")
    assert str(dutch["LOCATION"]) == f"Video: {join}"
    assert f"Videogesprek, vanaf een kwartier voordien: {join}" in str(dutch["DESCRIPTION"])
    assert str(fetch(video, "en")["LOCATION"]) == f"Video: {join}"
    office = fetch(visit, "nl")  # an office visit keeps its address and has no link
    assert "URL" not in office and str(office["LOCATION"]) == "Stadhuis, Markt 1"
    assert "/video/" not in str(office["DESCRIPTION"])

    # The confirmation e-mail's attachment is the same file.
    email = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    [attached] = email.attachments
    event = calendar_event(attached["content"])
    assert str(event["URL"]) == join and str(event["LOCATION"]) == f"Video: {join}"


def test_a_cancelled_video_appointments_calendar_file_has_no_link(client, video_office):
    online, _town_hall, advice = video_office
    video = book_at(online, advice)
    with time_machine.travel(local(DAY, 8), tick=False):
        booking.cancel(video)
        db.session.commit()
    response = client.get(
        f"/appointments/manage/{video.reference}/appointment.ics",
        query_string={"token": manage_token(video)},
    )
    event = calendar_event(response.data)
    assert "URL" not in event and "/video/" not in response.get_data(as_text=True)

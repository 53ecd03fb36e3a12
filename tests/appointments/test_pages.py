"""The citizen's pages, the staff day view and the admin screens, through HTTP."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date
from sqlalchemy import select

from appointments.models import Appointment, Status
from desk.models import Role
from extensions import db
from office.models import Location, Service
from tests.appointments.conftest import BRUSSELS, local, next_weekday, tampered
from tests.races import race


def visit_args(office, **extra):
    return {"service": [office.id_card.id], "people": 1, **extra}


def contact(**fields):
    return {
        "name": "Mia Maes",
        "phone": "0470 11 22 33",
        "email": "",
        "national_number": "",
        **fields,
    }


def test_start_page_offers_life_events_and_filters_services(client, office):
    page = client.get("/appointments/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Ik verhuis" in page and "Ik krijg een kind" in page
    moving = client.get("/appointments/?life_event=moving").get_data(as_text=True)
    assert "Identiteitskaart" in moving and "Aangifte geboorte" not in moving
    assert client.get("/appointments/?life_event=nothing").status_code == 404


def test_calendar_lists_only_days_with_free_time(client, office):
    monday = next_weekday(0)
    office.close_on(monday + timedelta(days=1))
    db.session.commit()
    page = client.get("/appointments/when", query_string=visit_args(office)).get_data(as_text=True)
    days = set(re.findall(r"day=(\d{4}-\d{2}-\d{2})", page))
    assert monday.isoformat() in days
    assert (monday + timedelta(days=1)).isoformat() not in days  # closed
    assert (monday + timedelta(days=5)).isoformat() not in days  # Saturday


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_calendar_months_are_headed_in_words_in_the_readers_language(client, office, language):
    monday = next_weekday(0)
    page = client.get(
        "/appointments/when",
        query_string=visit_args(office),
        headers={"Accept-Language": language},
    ).get_data(as_text=True)
    month = format_date(monday, "LLLL y", locale=language)
    assert f'<h2 id="month-heading">{month[:1].upper()}{month[1:]}</h2>' in page
    assert not re.search(r"<h2>\d{4} / \d{2}</h2>", page)


def test_booking_flow_from_service_to_confirmation(client, office):
    monday = next_weekday(0)
    start = local(monday, 10).astimezone(BRUSSELS).isoformat()
    args = visit_args(office, location=office.town_hall.id)
    times = client.get("/appointments/times", query_string={**args, "day": monday.isoformat()})
    assert start in times.get_data(as_text=True)

    details = client.get("/appointments/details", query_string={**args, "start": start})
    key = re.search(
        r'name="submission_key"[^>]*value="([0-9a-f]+)"', details.get_data(as_text=True)
    )
    form = {**args, "start": start, **contact(), "submission_key": key.group(1)}
    confirm = client.post("/appointments/details", data=form)
    assert confirm.status_code == 200 and "Mia Maes" in confirm.get_data(as_text=True)
    assert "+32 470 11 22 33" in confirm.get_data(as_text=True)  # read back, not as stored
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0
    stored_form = re.findall(r'name="(\w+)" value="([^"]*)"', confirm.get_data(as_text=True))
    change = client.post("/appointments/details", data=dict(stored_form))  # "Change my details"
    assert change.status_code == 200
    assert 'value="+32 470 11 22 33"' in change.get_data(as_text=True)  # as people write it

    done = client.post("/appointments/confirm", data=form)
    assert done.status_code == 302
    appointment = db.session.scalar(select(Appointment))
    assert appointment.starts_at == local(monday, 10) and appointment.phone == "+32470112233"

    page = client.get(done.headers["Location"], headers={"Accept-Language": "nl"})
    text = page.get_data(as_text=True)
    assert appointment.reference in text
    assert "Een pasfoto" in text  # what to bring
    assert "appointment.ics" in text and "/reschedule" in text and "/cancel" in text
    assert "10:00" in text

    again = client.post("/appointments/confirm", data=form)  # the form sent twice
    assert again.status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("taken", [0, 1], ids=["two-places-free", "last-place"])
def test_the_same_form_sent_twice_at_once_books_once(app, office, taken):
    """A double click on Confirm: both requests race, both lead to the one booking."""
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id)
    form = {**args, "start": local(monday, 10).isoformat(), **contact()}
    for other in range(taken):  # someone else's booking takes a counter first
        app.test_client().post("/appointments/confirm", data={**form, "submission_key": other})
    count = 8

    def confirm(_index):
        response = app.test_client().post(
            "/appointments/confirm", data={**form, "submission_key": "k"}
        )
        return response.status_code, response.headers.get("Location")

    answers, problems = race(app, count, confirm)
    assert problems == []
    assert len(answers) == count
    assert {status for status, _ in answers} == {302}
    assert len({location for _, location in answers}) == 1  # the same manage link for all
    db.session.remove()
    keys = db.session.scalars(select(Appointment.submission_key)).all()
    assert sorted(keys) == sorted([str(n) for n in range(taken)] + ["k"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "<script>x</script>"}, "&lt; &gt;"),
        ({"phone": "abc"}, "0470 12 34 56"),
        ({"phone": "", "email": "mia@"}, "name@example.be"),
        ({"phone": ""}, "phone number or an e-mail"),
    ],
)
def test_details_form_explains_what_is_wrong(client, office, fields, message):
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id)
    form = {**args, "start": local(monday, 10).isoformat(), **contact(**fields)}
    response = client.post("/appointments/details", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'aria-invalid="true"' in text and "error-summary" in text


def test_taken_time_in_the_form_says_so_and_offers_fresh_times(client, office):
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id)
    form = {**args, "start": local(monday, 10).isoformat(), **contact()}
    for key in ("a", "b"):
        assert (
            client.post("/appointments/confirm", data={**form, "submission_key": key}).status_code
            == 302
        )
    response = client.post(
        "/appointments/confirm",
        data={**form, "submission_key": "c"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "This time was just taken" in text
    assert local(monday, 10, 30).astimezone(BRUSSELS).isoformat() in text  # after the buffer


def manage_link(client, office, hour=10):
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id)
    form = {
        **args,
        "start": local(monday, hour).isoformat(),
        **contact(),
        "submission_key": str(hour),
    }
    location = client.post("/appointments/confirm", data=form).headers["Location"]
    parts = urlsplit(location)
    return parts.path, parse_qs(parts.query)["token"][0], monday


def test_citizen_reschedules_and_cancels_with_the_manage_link(client, office):
    path, token, monday = manage_link(client, office)
    chosen = {"token": token, "start": local(monday, 14).isoformat()}
    check = client.post(f"{path}/reschedule", data=chosen)  # the new time, to confirm first
    assert check.status_code == 200 and 'name="confirmed" value="1"' in check.get_data(as_text=True)
    assert db.session.scalar(select(Appointment)).starts_at == local(monday, 10)
    moved = client.post(f"{path}/reschedule", data={**chosen, "confirmed": "1"})
    assert moved.status_code == 302 and "moved=1" in moved.headers["Location"]
    appointment = db.session.scalar(select(Appointment))
    assert appointment.starts_at == local(monday, 14) and appointment.sequence == 1

    days = client.get(f"{path}/reschedule", query_string={"token": token})
    assert monday.isoformat() in days.get_data(as_text=True)

    assert client.post(f"{path}/cancel", data={"token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Appointment)).status == Status.CANCELLED


def test_tampered_and_expired_manage_links_are_refused(client, office, app):
    path, token, _ = manage_link(client, office)
    assert client.get(path, query_string={"token": token}).status_code == 200
    assert client.get(path, query_string={"token": tampered(token)}).status_code == 404
    assert client.get(path).status_code == 404
    assert client.post(f"{path}/cancel", data={"token": "x"}).status_code == 404
    appointment = db.session.scalar(select(Appointment))
    appointment.manage_token_expires_at = local(next_weekday(0), 8) - timedelta(days=400)
    db.session.commit()
    assert client.get(path, query_string={"token": token}).status_code == 410
    assert db.session.scalar(select(Appointment)).status == Status.BOOKED


def test_citizen_forms_need_the_csrf_token(make_app, office):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    monday = next_weekday(0)
    form = {
        **visit_args(office, location=office.town_hall.id),
        "start": local(monday, 10).isoformat(),
        **contact(),
    }
    assert client.post("/appointments/confirm", data=form).status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(Appointment)) == 0


def test_staff_book_on_behalf_and_see_it_on_the_day_view(client, office, make_staff, login):
    clerk = login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    monday = next_weekday(0)
    args = {**visit_args(office, location=office.town_hall.id), "behalf": "phone"}
    form = {**args, "start": local(monday, 11).isoformat(), **contact(), "submission_key": "s"}
    assert client.post("/appointments/confirm", data=form).status_code == 302
    appointment = db.session.scalar(select(Appointment))
    assert appointment.channel == "phone" and appointment.booked_by_id == clerk.id

    day = client.get(
        "/desk/appointments/",
        query_string={"location": office.town_hall.id, "day": monday.isoformat()},
    ).get_data(as_text=True)
    assert appointment.reference in day and "11:00" in day and "Mia Maes" in day
    assert "+32 470 11 22 33" in day
    assert "/feeds/" not in day  # the secret calendar-feed addresses are for admins only

    client.post(f"/desk/appointments/{appointment.id}/arrived")
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == Status.ARRIVED
    client.post(f"/desk/appointments/{appointment.id}/no_show")
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == Status.NO_SHOW


def test_staff_reschedule_and_cancel(client, office, make_staff, login):
    # Sign in before the first request: the test's app context (and its cached user) is shared.
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    path, token, monday = manage_link(client, office)
    appointment = db.session.scalar(select(Appointment))
    moved = client.post(
        f"/desk/appointments/{appointment.id}/reschedule",
        data={"start": local(monday, 15).isoformat(), "confirmed": "1"},
    )
    assert moved.status_code == 302
    client.post(f"/desk/appointments/{appointment.id}/cancel")
    db.session.expire_all()
    stored = db.session.get(Appointment, appointment.id)
    assert stored.starts_at == local(monday, 15) and stored.status == Status.CANCELLED


def test_day_view_and_admin_need_the_right_account(client, office, make_staff, login, make_app):
    anonymous = make_app().test_client()  # its own app context: no cached user
    assert anonymous.get("/desk/appointments/").status_code == 302
    assert anonymous.get("/admin/booking/").status_code == 302
    login(make_staff(email="clerk@example.org", role=Role.COUNTER))
    assert client.get("/desk/appointments/").status_code == 200
    assert client.get("/admin/booking/").status_code == 403


def test_admin_sets_up_location_hours_exception_service_and_counter(client, make_staff, login):
    login(make_staff(email="admin@example.org", role=Role.ADMIN))
    response = client.post(
        "/admin/booking/locations/new",
        data={
            "name": "Dienstencentrum",
            "address": "Kerkstraat 2",
            "min_notice_minutes": 30,
            "horizon_days": 45,
            "walk_in_percent": 20,
            "active": "y",
            "monday": "08:30-12:00, 13:00-16:00",
            "tuesday": "09:00-12:00",
        },
    )
    assert response.status_code == 302
    place = db.session.scalar(select(Location))
    assert [(p.weekday, p.opens.hour) for p in place.opening_periods] == [(0, 8), (0, 13), (1, 9)]
    bad = client.post(
        f"/admin/booking/locations/{place.id}",
        data={
            "name": "X",
            "min_notice_minutes": 0,
            "horizon_days": 1,
            "walk_in_percent": 0,
            "monday": "12:00-08:00",
        },
    )
    assert bad.status_code == 200 and "moet sluiten nadat ze opent" in bad.get_data(as_text=True)

    client.post(
        f"/admin/booking/locations/{place.id}/exceptions",
        data={"day": "2027-12-24", "hours": "09:00-11:00", "reason": "Kerstavond"},
    )
    client.post(
        f"/admin/booking/locations/{place.id}/exceptions",
        data={"day": "2027-12-25", "closed": "y", "reason": "Kerstmis"},
    )
    db.session.expire_all()
    assert [(e.day.day, e.closed) for e in place.exceptions] == [(24, False), (25, True)]

    client.post(
        "/admin/booking/life-events/new",
        data={"code": "moving", "name_nl": "Ik verhuis", "name_fr": "", "name_en": ""},
    )
    client.post(
        "/admin/booking/services/new",
        data={
            "name_nl": "Adreswijziging",
            "duration_minutes": 20,
            "buffer_minutes": 5,
            "max_people": 2,
            "documents_nl": "Huurcontract",
            "life_events": [1],
            "locations": [place.id],
            "active": "y",
        },
    )
    service = db.session.scalar(select(Service))
    assert service.duration_minutes == 20 and service.life_events[0].code == "moving"
    assert service.locations == [place]
    client.post(
        "/admin/booking/counters/new",
        data={"name": "Loket A", "location_id": place.id, "services": [service.id], "active": "y"},
    )
    assert place.counters[0].services == [service]
    assert client.get("/admin/booking/").status_code == 200
    assert client.get(f"/admin/booking/locations/{place.id}").status_code == 200

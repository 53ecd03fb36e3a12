"""The booking flow's rough edges, through HTTP: nothing preselected, both contact fields
named, a cancelled appointment offers a new one, a lost link can be found again without
revealing anything, days as a month grid with the first free time, British English dates."""

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from appointments.month_grid import month_page, parse_month
from extensions import db
from sms.models import OutboxMessage
from tests.appointments.conftest import local, next_weekday, tampered
from tests.appointments.test_pages import contact, manage_link, visit_args


def test_no_time_is_preselected(client, office):
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id, day=monday.isoformat())
    page = client.get("/appointments/times", query_string=args).get_data(as_text=True)
    assert 'type="radio"' in page and "checked" not in page


def test_missing_phone_and_email_are_both_in_the_error_summary(client, office):
    monday = next_weekday(0)
    args = visit_args(office, location=office.town_hall.id, start=local(monday, 10).isoformat())
    form = {**args, **contact(name="", phone="", email="")}
    page = client.post("/appointments/details", data=form, headers={"Accept-Language": "en"})
    assert page.status_code == 422
    summary = page.get_data(as_text=True).split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#name"' in summary and 'href="#phone"' in summary and 'href="#email"' in summary
    assert 'tabindex="-1"' in page.get_data(as_text=True).split('class="error-summary"')[1][:40]


def test_a_cancelled_appointment_offers_a_new_one_and_no_documents(client, office):
    path, token, _monday = manage_link(client, office)
    client.post(f"{path}/cancel", data={"token": token})
    page = client.get(path, query_string={"token": token}, headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "This appointment is cancelled." in text
    assert "What to bring" not in text and "Een pasfoto" not in text
    assert "Book a new appointment" in text and "/appointments/when?" in text


def test_reschedule_shows_old_and_new_time_before_moving(client, office):
    path, token, monday = manage_link(client, office)
    page = client.post(
        f"{path}/reschedule",
        data={"token": token, "start": local(monday, 14).isoformat()},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "Move your appointment?" in page
    assert "10:00" in page and "14:00" in page


def test_a_wrong_link_offers_find_my_appointment_and_reveals_nothing(client, office):
    path, token, _monday = manage_link(client, office)
    reference = path.rsplit("/", 1)[1]
    wrong = client.get(path, query_string={"token": tampered(token)})
    unknown = client.get("/appointments/manage/XXX-XXX", query_string={"token": token})
    assert wrong.status_code == unknown.status_code == 404
    assert 'action="/appointments/find"' in wrong.get_data(as_text=True)
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))

    def find(reference, contact):
        answer = client.post(
            "/appointments/find", data={"reference": reference, "contact": contact}
        )
        assert answer.status_code == 200
        # The CSRF token carries a timestamp: the rest of the page is compared.
        return re.sub(r'name="csrf_token"[^>]*>', "", answer.get_data(as_text=True))

    right = find(reference.lower().replace("-", ""), "0470 11 22 33")
    nobody = find("XXX-XXX", "0470 11 22 33")
    other = find(reference, "0470 99 99 99")
    assert right == nobody == other  # the same answer whether or not anything matched
    db.session.commit()
    [sent] = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[before:]
    assert sent.recipient == "+32470112233" and token in sent.body


def test_find_my_appointment_is_rate_limited(make_app, office):
    client = make_app(RATELIMIT_ENABLED=True, BOOKING_FIND_RATE_LIMIT="2 per minute").test_client()
    codes = [
        client.post(
            "/appointments/find", data={"reference": "XXX-XXX", "contact": "a@example.org"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_days_are_a_month_grid_with_the_first_free_time(client, office):
    monday = next_weekday(0)
    page = client.get(
        "/appointments/when",
        query_string=visit_args(office, month=monday.strftime("%Y-%m")),
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert '<table class="month-grid"' in page
    assert f"day={monday.isoformat()}" in page
    assert re.search(r'<abbr title="Monday">Mon</abbr>', page)
    first = re.search(r'href="(/appointments/details\?[^"]+)"', page).group(1)
    start = parse_qs(urlsplit(first.replace("&amp;", "&")).query)["start"][0]
    assert date.fromisoformat(start[:10]) >= date.today()
    assert "First free time:" in page


def test_month_pages_stay_between_today_and_the_horizon():
    today, horizon = date(2027, 1, 20), date(2027, 3, 10)
    january = month_page(None, today, horizon)
    assert (january.first, january.last, january.previous) == (today, date(2027, 1, 31), None)
    assert january.next == date(2027, 2, 1)
    march = month_page(parse_month("2027-05"), today, horizon)
    assert (march.month, march.last, march.next) == (date(2027, 3, 1), horizon, None)
    assert march.previous == date(2027, 2, 1)
    from_a_day = month_page(parse_month("2027-02-14"), today, horizon)
    assert (from_a_day.month, from_a_day.first) == (date(2027, 2, 1), date(2027, 2, 14))
    weeks = from_a_day.weeks()
    assert weeks[0][0] == date(2027, 2, 1) and weeks[-1][-1] == date(2027, 2, 28)  # Monday first
    assert parse_month("junk") is None


def test_english_dates_are_british(client, office):
    path, token, monday = manage_link(client, office)
    page = client.get(path, query_string={"token": token}, headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert f"{monday.day} {monday.strftime('%B')} {monday.year}" in text
    assert f"{monday.strftime('%B')} {monday.day}," not in text

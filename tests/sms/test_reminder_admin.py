"""Admins set a service's reminder times; the reminder job follows them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from appointments.notices import queue_due_reminders
from appointments.reminder_plans import ReminderPlan
from appointments.reminders import parse_plan
from desk.models import Role
from extensions import db
from tests.appointments.conftest import local
from tests.sms.test_booking_notices import TUESDAY, book, reminders


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("24h, 2h", [1440, 120]), ("2d;30m", [2880, 30]), (" 2 H ", [120]), ("", []),
     ("2h, 120m", [120])],
)  # fmt: skip
def test_reminder_times_are_read_as_people_write_them(text, minutes):
    assert parse_plan(text) == minutes


@pytest.mark.parametrize("text", ["tomorrow", "5m", "15d", "1h,2h,3h,4h,5h", "-2h", "2"])
def test_times_that_make_no_sense_are_refused(text):
    with pytest.raises(ValueError):
        parse_plan(text)


@pytest.fixture
def admin(client, login, make_staff):
    return login(make_staff("admin@example.org", role=Role.ADMIN))


def plan_of(service_id):
    db.session.commit()
    return db.session.scalar(select(ReminderPlan).where(ReminderPlan.service_id == service_id))


def test_an_admin_sets_a_service_s_reminders_and_the_job_follows(office, client, admin):
    assert 'href="/admin/sms/reminders"' in client.get("/admin/booking/").text
    page = client.get("/admin/sms/reminders")
    assert page.status_code == 200
    assert "Identiteitskaart" in page.text and "24h, 2h" in page.text  # the default
    response = client.post(f"/admin/sms/reminders/{office.id_card.id}", data={"offsets": "2d, 30m"})
    assert response.status_code == 302
    assert plan_of(office.id_card.id).offsets == "2880,30"
    assert "2d, 30m" in client.get("/admin/sms/reminders").text
    appointment = book(office, start=local(TUESDAY, 14))
    queue_due_reminders(now=appointment.starts_at - timedelta(hours=47))
    assert [r.idempotency_key.rsplit(":", 1)[1] for r in reminders()] == ["2d"]


def test_an_empty_field_returns_the_service_to_the_default(office, client, admin):
    client.post(f"/admin/sms/reminders/{office.id_card.id}", data={"offsets": "3h"})
    assert plan_of(office.id_card.id) is not None
    client.post(f"/admin/sms/reminders/{office.id_card.id}", data={"offsets": ""})
    assert plan_of(office.id_card.id) is None


def test_bad_times_are_explained_and_nothing_is_saved(office, client, admin):
    response = client.post(f"/admin/sms/reminders/{office.id_card.id}", data={"offsets": "soon"})
    assert response.status_code == 200
    assert "error-summary" in response.text
    assert plan_of(office.id_card.id) is None


def test_only_admins_set_reminder_times(office, client, login, make_staff):
    login(make_staff("balie@example.org", role=Role.COUNTER))
    assert client.get("/admin/sms/reminders").status_code == 403
    post = client.post(f"/admin/sms/reminders/{office.id_card.id}", data={"offsets": "1h"})
    assert post.status_code == 403
    assert plan_of(office.id_card.id) is None


def test_an_unknown_service_is_404(office, client, admin):
    assert client.get("/admin/sms/reminders/999").status_code == 404

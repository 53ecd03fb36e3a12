"""End to end: a citizen books in Chromium on a server whose SMS gateway is the real `twilio`
client pointed at the fake Twilio; real `flask scheduler --once` processes send. Exactly one
confirmation, each configured reminder once, STOP stops the rest, a signed "NEE" cancels."""

import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from appointments import notices
from appointments.models import Appointment, Status
from desk.models import Role
from extensions import db
from sms import reasons
from sms.models import MessageStatus, OutboxMessage
from tests import services
from tests.browser import axe_violations
from tests.fake_twilio import AUTH_TOKEN
from tests.sms.conftest import PUBLIC_BASE_URL, ROOT, sender_environment
from tests.units import each_call_committed

queue_due_reminders = each_call_committed(notices).queue_due_reminders

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = "+32470998877"


@pytest.fixture
def sms_server(make_app, twilio_config):
    """The app over real HTTP, CSRF on, sending through the fake Twilio."""
    app = make_app(WTF_CSRF_ENABLED=True, **twilio_config)
    with services.serving(app) as server:
        yield server


def scheduler_once(database_url, fake) -> None:
    """The real scheduler process, as cron runs it: queue what is due, then send."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "scheduler", "--once"],
        cwd=ROOT,
        env=sender_environment(database_url, fake),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def reply(server, body: str, sid: str) -> int:
    """An inbound SMS as Twilio posts it: signed over the public address."""
    form = {"MessageSid": sid, "From": PHONE, "To": "+32460000001", "Body": body}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/sms/inbound", form
    )
    answer = requests.post(
        f"{server.url}/sms/inbound",
        data=form,
        headers={"X-Twilio-Signature": signature},
        timeout=30,
    )
    return answer.status_code


def book_in_the_browser(page, server, office) -> None:
    page.goto(f"{server.url}/appointments/")
    page.locator(f"#service-{office.id_card.id}").check()
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/appointments/when**")
    # A day at least four days ahead: the real scheduler's own clock must find nothing due.
    page.goto(page.url + f"&from={(date.today() + timedelta(days=4)).isoformat()}")
    page.locator("a[href*='day=']").first.click()
    page.wait_for_url("**/appointments/times**")
    # A late-morning time: its 2 h reminder falls outside the quiet hours (21:00-08:00).
    page.locator("input[type=radio][name=start][value*='T11:']").first.check()
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/appointments/details**")
    page.locator("#name").fill("Lotte Claes")
    page.locator("#phone").fill("0470 99 88 77")
    page.locator("#reminders").check()  # reminders are sent only to who asked for them
    page.locator("button[type=submit].primary").click()
    page.wait_for_selector("text=Afspraak bevestigen")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/appointments/manage/**")
    assert axe_violations(page) == []


def queue_reminders_at(now) -> None:
    """The reminder job at a chosen moment; first end the test's read snapshot (SQLite
    refuses to turn a stale read into a write while the server has written since)."""
    db.session.commit()
    queue_due_reminders(now=now)


def to_phone(fake) -> list[str]:
    return [m["body"].splitlines()[0] for m in fake.received(to=PHONE)]


def test_browser_booking_confirmation_reminders_stop_and_nee(
    page, sms_server, office, fake_twilio, database_url, browser_sign_in, make_staff
):
    book_in_the_browser(page, sms_server, office)
    scheduler_once(database_url, fake_twilio)
    scheduler_once(database_url, fake_twilio)
    assert to_phone(fake_twilio) == ["Gemeente Loket: afspraak bevestigd"]

    db.session.commit()
    appointment = db.session.scalar(select(Appointment))
    day_before = appointment.starts_at - timedelta(hours=23, minutes=59)
    for _ in range(2):  # the job at its time, twice: still one reminder
        queue_reminders_at(day_before)
        scheduler_once(database_url, fake_twilio)
    assert to_phone(fake_twilio) == [
        "Gemeente Loket: afspraak bevestigd",
        "Gemeente Loket: herinnering afspraak",
    ]

    assert reply(sms_server, "STOP", "SMstop") == 200
    queue_reminders_at(appointment.starts_at - timedelta(hours=1, minutes=59))
    scheduler_once(database_url, fake_twilio)
    assert len(fake_twilio.received(to=PHONE)) == 2  # the 2 h reminder stayed home
    db.session.commit()
    two_hours = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.endswith(":2h"))
    )
    # STOP is both on the number's register and (the booking made a party) on its address consent
    assert two_hours.status == MessageStatus.SKIPPED
    assert two_hours.reason in (reasons.OPTED_OUT, reasons.NO_CONSENT)

    assert reply(sms_server, "NEE", "SMnee") == 200  # answers the day-before reminder
    assert reply(sms_server, "NEE", "SMnee") == 200  # Twilio's retry acts once
    db.session.commit()
    assert db.session.get(Appointment, appointment.id).status == Status.CANCELLED
    scheduler_once(database_url, fake_twilio)
    assert len(fake_twilio.received(to=PHONE)) == 2  # opted out: no cancellation SMS either
    assert fake_twilio.duplicates() == {}

    # Staff see why each notice did or did not go, on an accessible page.
    admin = make_staff("admin@example.org", role=Role.ADMIN)
    browser_sign_in(page, admin, "?next=/sms/messages")
    page.wait_for_url("**/sms/messages**")
    why_not = re.compile(
        r"opted out with STOP|no consent for this purpose"
        r"|meldde zich af met STOP|geen toestemming voor dit doel"
    )
    assert page.get_by_text(why_not).first.is_visible()
    assert axe_violations(page) == []

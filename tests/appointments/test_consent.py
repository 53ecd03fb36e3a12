"""The booking form asks per purpose; the record keeps the answers with when and where, and
assumes nothing it did not ask. The confirmation is a service message: it goes regardless."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from appointments import notices
from desk.models import ContactAddress
from extensions import db
from sms import reasons
from sms.models import MessageStatus, OutboxMessage
from tests.appointments.conftest import BRUSSELS, local, next_weekday


def book_on_the_form(client, office, **answers):
    monday = next_weekday(0, after=date.today() + timedelta(days=7))  # reminders still due
    start = local(monday, 10).astimezone(BRUSSELS).isoformat()
    args = {"service": [office.id_card.id], "people": 1, "location": office.town_hall.id}
    details = client.get("/appointments/details", query_string={**args, "start": start})
    html = details.get_data(as_text=True)
    assert 'name="reminders"' in html and 'name="case_updates"' in html
    assert not re.search(r'name="(reminders|case_updates)"[^>]*checked', html)  # unticked
    key = re.search(r'name="submission_key"[^>]*value="([0-9a-f]+)"', html).group(1)
    form = {
        **args,
        "start": start,
        "name": "Mia Maes",
        "phone": "0470 11 22 33",
        "email": "mia@example.org",
        "national_number": "",
        "submission_key": key,
        **answers,
    }
    confirm = client.post("/appointments/details", data=form)
    assert confirm.status_code == 200
    stored = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.get_data(as_text=True)))
    done = client.post("/appointments/confirm", data=stored)  # what the confirm page posts
    assert done.status_code == 302
    db.session.commit()
    return local(monday, 10)


def addresses() -> dict[str, ContactAddress]:
    return {a.kind: a for a in db.session.scalars(select(ContactAddress))}


def test_nothing_ticked_means_no_consent_but_the_confirmation_goes(client, office):
    starts = book_on_the_form(client, office)
    for address in addresses().values():
        assert not address.consent_reminders
        assert not address.consent_queue_alerts
        assert not address.consent_case_updates
        assert address.consent_source == "appointments.web"
        assert address.consent_changed_at is not None
    [confirmation] = db.session.scalars(select(OutboxMessage)).all()
    assert confirmation.status == MessageStatus.QUEUED
    notices.queue_due_reminders(now=starts - timedelta(hours=23))
    db.session.commit()
    reminders = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "reminder")
    ).all()
    assert reminders and {r.status for r in reminders} == {MessageStatus.SKIPPED}
    assert all(r.reason == reasons.NO_CONSENT for r in reminders)


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({"reminders": "y"}, (True, False, False)),
        ({"case_updates": "y"}, (False, False, True)),
        ({"reminders": "y", "case_updates": "y"}, (True, False, True)),
    ],
)
def test_each_purpose_is_recorded_as_answered(client, office, answers, expected):
    book_on_the_form(client, office, **answers)
    for address in addresses().values():
        given = (
            address.consent_reminders,
            address.consent_queue_alerts,
            address.consent_case_updates,
        )
        assert given == expected


def test_a_reminder_goes_when_asked_for(client, office):
    starts = book_on_the_form(client, office, reminders="y")
    notices.queue_due_reminders(now=starts - timedelta(hours=23))
    db.session.commit()
    reminder = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "reminder")
    ).first()
    assert reminder is not None and reminder.status == MessageStatus.QUEUED, reminder.reason


# --- the API and staff: nothing is assumed either ---------------------------------------------


def api_booking(client, office, **fields):
    from tests.appointments.test_api import booking_body

    start = local(next_weekday(0, after=date.today() + timedelta(days=7)), 10)
    body = booking_body(office, start, email="jan@example.org", **fields)
    return client.post("/api/v1/appointments", json=body)


def test_an_api_booking_that_asked_nothing_switches_no_consent_on(client, office):
    assert api_booking(client, office).status_code == 201
    db.session.commit()
    assert set(addresses()) == {"phone", "email"}
    for address in addresses().values():
        assert not address.consent_reminders
        assert not address.consent_queue_alerts
        assert not address.consent_case_updates
        assert address.consent_changed_at is None and address.consent_source is None


def test_an_api_booking_records_the_purposes_it_asked_with_when_and_where(client, office):
    answer = api_booking(client, office, consents={"reminders": True, "case_updates": False})
    assert answer.status_code == 201
    db.session.commit()
    for address in addresses().values():
        given = (
            address.consent_reminders,
            address.consent_queue_alerts,
            address.consent_case_updates,
        )
        assert given == (True, False, False)
        assert address.consent_source == "appointments.api"
        assert address.consent_changed_at is not None


@pytest.mark.parametrize(
    "consents", [{"marketing": True}, {"reminders": "yes"}, ["reminders"], None, {"reminders": 1}]
)
def test_an_api_consent_that_is_not_true_or_false_per_purpose_is_422(client, office, consents):
    answer = api_booking(client, office, consents=consents)
    assert answer.status_code == 422
    assert "consents" in answer.json["error"]["fields"]
    assert addresses() == {}


def test_a_party_staff_create_at_the_counter_has_no_consent_switched_on(app, make_staff):
    from desk import record

    staff = make_staff(email="clerk@example.org")
    party = record.new_party_for_contact(
        staff=staff, name="Nieuw", phone="0470 99 88 77", email="nieuw@example.org"
    )
    db.session.commit()
    assert len(party.addresses) == 2
    for address in party.addresses:
        assert not (
            address.consent_reminders
            or address.consent_queue_alerts
            or address.consent_case_updates
        )

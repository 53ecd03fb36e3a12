"""Fixtures for the agents' side of the phone: two phone lines, call agents with API tokens,
callers waiting (live or for a callback), and the local fake of Twilio's REST API."""

import secrets
from datetime import timedelta

import pytest

from core.database import utcnow
from desk import accounts
from desk.models import Role
from extensions import db
from office.models import Service
from phone.models import Call, CallbackState, CallSource, CallStatus, PhoneLine
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


class Lines:
    def __init__(self):
        self.id_card = Service(name_nl="Identiteitskaart", name_en="Identity card")
        self.taxes = Service(name_nl="Belastingen", name_en="Taxes")
        self.id_line = PhoneLine(service=self.id_card, digit=1, queue_name="id-card")
        self.tax_line = PhoneLine(service=self.taxes, digit=2, queue_name="taxes")


@pytest.fixture
def lines(app):
    made = Lines()
    db.session.add_all([made.id_line, made.tax_line])
    db.session.commit()
    return made


@pytest.fixture
def enqueue(lines):
    """A caller in line `minutes_ago` (a callback keeps that original time)."""

    def factory(minutes_ago=1, line=None, callback=False, number="+32470111222", sid=None):
        queued = utcnow() - timedelta(minutes=minutes_ago)
        call = Call(
            call_sid=sid or "CA" + secrets.token_hex(16),
            source=CallSource.TWILIO,
            from_number=number,
            to_number="+3290000000",
            line_id=(line or lines.id_line).id,
            service_id=(line or lines.id_line).service_id,
            status=CallStatus.CALLBACK if callback else CallStatus.WAITING,
            created_at=queued,
            queued_at=queued,
        )
        if callback:
            call.callback_number = number
            call.callback_requested_at = queued + timedelta(seconds=30)
            call.callback_state = CallbackState.REQUESTED
        db.session.add(call)
        db.session.commit()
        return call

    return factory


@pytest.fixture
def agent_token(make_staff):
    """(staff, headers) of a call agent (or of `role`) with a personal API token."""

    def factory(role=Role.CALL_AGENT):
        staff = make_staff(f"{role.value}-{secrets.token_hex(3)}@example.org", role=role)
        token = accounts.create_api_token(staff)
        db.session.commit()
        return staff, {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def twilio_config(fake) -> dict:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+3290000000",
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": "https://loket.example.org",
    }

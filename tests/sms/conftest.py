"""SMS fixtures: a fake Twilio on loopback and apps whose real `twilio` client talks to it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extensions import db
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_BASE_URL = "https://loket.example.org"
FROM = "+32460000001"


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio_config(fake_twilio):
    return {
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM,
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SMS_RETRY_BASE_SECONDS": 0,
        "MUNICIPALITY_NAME": "Gemeente Loket",
    }


@pytest.fixture
def twilio_app(make_app, twilio_config):
    """The test's app context, on an app that sends through the fake Twilio."""
    app = make_app(**twilio_config)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def office(twilio_app):
    """The booking tests' town hall, on the app that sends through the fake Twilio."""
    from tests.appointments.conftest import Office

    made = Office()
    db.session.add_all([made.town_hall, made.id_card, made.address, made.birth])
    db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
    db.session.commit()
    return made


@pytest.fixture
def twilio_client(make_app, twilio_config):
    return make_app(**twilio_config).test_client()


def sender_environment(database_url: str, fake: FakeTwilio) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOKET_", "TWILIO_"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="sender-secret",
        SMS_GATEWAY="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM=FROM,
        TWILIO_API_BASE_URL=fake.url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        LOKET_SMS_RETRY_BASE_SECONDS="0",
    )
    return env


@pytest.fixture
def start_sender(database_url, fake_twilio):
    """Start `flask --app app sms send --once` as a real process; all are reaped at the end."""
    started = []

    def start(name: str, *extra: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "sms",
                "send",
                "--once",
                "--name",
                name,
                *extra,
            ],  # fmt: skip
            cwd=ROOT,
            env=sender_environment(database_url, fake_twilio),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)

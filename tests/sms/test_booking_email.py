"""A booking's confirmation by e-mail, through the real SMTP gateway (aiosmtpd on loopback):
a text and an HTML part, the .ics attached and the manage link; and the SMS carries the
manage link too. The confirmation page says how and where the confirmation went."""

import re
from datetime import UTC, date, datetime

import icalendar
import pytest
from sqlalchemy import select

from appointments import booking
from appointments.manage_links import public_manage_url
from extensions import db
from office.models import Counter, Location, Service
from sms import consent
from sms.models import OutboxMessage
from sms.sender import Sender
from tests.appointments.conftest import BRUSSELS, Office, local, next_weekday
from tests.sms.conftest import PUBLIC_BASE_URL
from tests.sms.test_smtp import smtp_server  # noqa: F401  (the fixture)

NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
TUESDAY = date(2027, 3, 2)


@pytest.fixture
def mail_app(make_app, smtp_server):  # noqa: F811
    app = make_app(
        EMAIL_GATEWAY="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_FROM="Gemeente Loket <loket@example.org>",
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        SMS_RETRY_BASE_SECONDS=0,
        SMS_GATEWAY_TIMEOUT=5,
    )
    with app.app_context():
        made = Office()
        db.session.add_all([made.town_hall, made.id_card, made.address, made.birth])
        db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
        db.session.commit()
        app.office = made
        yield app
        db.session.remove()


def book(office, **fields):
    values = {
        "service_ids": [office.id_card.id],
        "start": local(TUESDAY, 10),
        "name": "An Peeters",
        "phone": None,
        "email": "an@example.org",
        "now": NOW,
    }
    values.update(fields)
    return booking.book(**values)


def parts(message) -> dict:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        found[part.get_content_type()] = part
    return found


def test_an_email_only_booking_gets_its_confirmation_with_html_ics_and_link(
    mail_app,
    smtp_server,  # noqa: F811
):
    appointment = book(mail_app.office)
    manage_url = public_manage_url(appointment)
    Sender(name="mail", threads=1).run(once=True)
    [mail] = smtp_server.mailbox.messages
    assert mail["to"] == ["an@example.org"]
    message = mail["message"]
    assert message["Subject"] == "Gemeente Loket: afspraak bevestigd"
    found = parts(message)
    text = found["text/plain"].get_payload(decode=True).decode()
    html = found["text/html"].get_payload(decode=True).decode()
    assert "Identiteitskaart op dinsdag 2 maart om 10:00" in text
    assert manage_url in text
    assert f'href="{manage_url.replace("&", "&amp;")}"' in html or f'href="{manage_url}"' in html
    calendar_part = found["text/calendar"]
    assert calendar_part.get_filename() == f"{appointment.reference}.ics"
    calendar = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True))
    [event] = [c for c in calendar.walk("VEVENT")]
    assert str(event["uid"]).startswith(f"appointment-{appointment.id}-")
    assert manage_url in str(event["description"])


def test_the_sms_confirmation_carries_the_manage_link(mail_app):
    appointment = book(mail_app.office, phone="0470 12 34 56", email=None)
    db.session.commit()
    [notice] = db.session.scalars(select(OutboxMessage)).all()
    assert notice.channel == "sms"
    assert public_manage_url(appointment) in notice.body
    assert notice.body.startswith(PUBLIC_BASE_URL) is False  # the first line says who sends
    assert notice.html_body is None and notice.attachments is None


def test_a_cancellation_by_email_attaches_the_cancelling_ics(mail_app):
    appointment = book(mail_app.office)
    booking.cancel(appointment, now=NOW)
    db.session.commit()
    cancelled = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    [attached] = cancelled.attachments
    assert "METHOD:CANCEL" in attached["content"]
    assert "/appointments/manage/" not in cancelled.body


def confirmation_page(client, contact: dict) -> str:
    location = db.session.scalar(select(Location))
    service = db.session.scalar(select(Service).where(Service.name_nl == "Identiteitskaart"))
    assert db.session.scalar(select(Counter)) is not None
    monday = next_weekday(0)
    start = local(monday, 10).astimezone(BRUSSELS).isoformat()
    args = {"service": [service.id], "people": 1, "location": location.id, "start": start}
    details = client.get("/appointments/details", query_string=args)
    key = re.search(
        r'name="submission_key"[^>]*value="([0-9a-f]+)"', details.get_data(as_text=True)
    )
    form = {
        **args,
        "name": "Mia Maes",
        "phone": "",
        "email": "",
        "national_number": "",
        **contact,
        "submission_key": key.group(1),
    }
    done = client.post("/appointments/confirm", data=form)
    assert done.status_code == 302, done.get_data(as_text=True)
    page = client.get(done.headers["Location"], headers={"Accept-Language": "en"})
    return page.get_data(as_text=True)


def test_the_confirmation_page_says_how_and_where_it_went(client, office):
    by_sms = confirmation_page(client, {"phone": "0470 12 34 56"})
    assert "We sent a confirmation by SMS to 0470 12 .. 56." in by_sms
    by_email = confirmation_page(client, {"email": "anna@example.org"})
    assert "We sent a confirmation by e-mail to a…@example.org." in by_email


def test_the_confirmation_page_says_why_nothing_could_be_sent(client, office):
    consent.set_opted_out("+32470123456", True, keyword="stop")
    db.session.commit()
    page = confirmation_page(client, {"phone": "0470 12 34 56"})
    assert (
        "We could not send a confirmation: this number asked for no more messages (STOP)." in page
    )

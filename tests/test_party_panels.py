"""The party page's channel panels (desk.panels): booking's upcoming appointments and the
counter's open tickets reach the page through the signal the desk declares, in the reader's
language; the desk itself imports no channel."""

import ast
import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appointments.models import Appointment, Status
from core.database import utcnow
from counter.models import Ticket, TicketStatus
from counter.queue import local_day
from desk import merging
from desk import record as record_module
from desk.panels import Panel, party_panels
from desk.signals import party_panels as party_panels_signal
from extensions import db
from tests.appointments.conftest import Office, local, next_weekday
from tests.units import each_call_committed

record = each_call_committed(record_module)
ROOT = Path(__file__).resolve().parent.parent
CHANNELS = {"appointments", "counter", "sms", "phone", "chat", "portal", "reports"}


def seeded_office() -> Office:
    """Booking's small municipality (tests/appointments/conftest.py), stored."""
    made = Office()
    db.session.add_all([made.town_hall, made.id_card, made.address, made.birth])
    db.session.add_all([made.desk_1, made.desk_2, made.desk_3])
    db.session.commit()
    return made


@pytest.fixture
def office(app):
    return seeded_office()


@pytest.fixture
def clerk(make_staff, login):
    return login(make_staff(email="clerk@example.org", department="burgerzaken"))


@pytest.fixture
def jan(app):
    return record.find_or_create_party(name="Jan Peeters", phone="0470123456")


def appointment(office, party, start, *, reference="K7M2QX", status=Status.BOOKED, minutes=15):
    row = Appointment(
        reference=reference,
        location=office.town_hall,
        counter=office.desk_1,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes),
        status=status,
        name=party.name,
        manage_nonce=reference,
        manage_token_expires_at=start + timedelta(days=1),
        party_id=party.id,
        services=[office.id_card],
    )
    db.session.add(row)
    db.session.commit()
    return row


def ticket(office, party, *, number=12, status=TicketStatus.WAITING, day=None, counter=None):
    row = Ticket(
        location_id=office.town_hall.id,
        service_id=office.id_card.id,
        day=day or local_day(utcnow()),
        number=number,
        letter="A",
        status=status,
        counter_id=counter.id if counter else None,
        party_id=party.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def page_text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return html.unescape(re.sub(r"\s+", " ", text))


def panel(text: str, heading: str) -> str:
    """The text of one panel: from its heading to the next heading."""
    start = text.index(heading)
    following = [text.find(h, start + 1) for h in ("Open tickets", "Upcoming appointments")]
    following += [text.find("Open cases", start)]
    return text[start : min(i for i in following if i > start)]


def test_the_party_page_shows_upcoming_appointments_and_open_tickets(client, clerk, office, jan):
    day = next_weekday(1)  # a Tuesday
    appointment(office, jan, local(day, 10, 30))
    appointment(office, jan, local(day, 9), reference="CANCEL", status=Status.CANCELLED)
    appointment(office, jan, datetime(2020, 3, 2, 9, tzinfo=UTC), reference="PAST01")
    ticket(office, jan, number=12)
    ticket(office, jan, number=3, status=TicketStatus.CALLED, counter=office.desk_2)
    ticket(office, jan, number=1, status=TicketStatus.FINISHED)
    ticket(office, jan, number=7, day=local_day(utcnow()) - timedelta(days=1))  # yesterday's
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(f"/desk/parties/{jan.id}")
    text = page_text(response)

    day_view = f"/desk/appointments/?location={office.town_hall.id}&amp;day={day.isoformat()}"
    assert day_view in response.get_data(as_text=True)  # the reference opens its day
    appointments = panel(text, "Upcoming appointments")
    assert "K7M2QX" in appointments and "10:30" in appointments  # Brussels time, not UTC
    assert "Booked" in appointments and "Identity card" in appointments
    assert "Stadhuis" in appointments
    assert "CANCEL" not in appointments and "PAST01" not in appointments
    tickets = panel(text, "Open tickets")
    assert "A012" in tickets and "Waiting" in tickets and "Identity card" in tickets
    assert "A003" in tickets and "Called to Loket 2" in tickets
    assert "A001" not in tickets and "A007" not in tickets
    assert text.index("Open tickets") < text.index("Upcoming appointments")  # now, then later
    for code in ("booked", "waiting", "called"):  # never the stored codes
        assert f" {code} " not in tickets + appointments


def test_a_party_with_nothing_booked_or_queued_gets_a_short_none_line(client, clerk, office, jan):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "No upcoming appointments." in text and "No open tickets today." in text


def test_the_panels_speak_the_reader_s_language(client, clerk, office, jan):
    appointment(office, jan, local(next_weekday(1), 10, 30))
    ticket(office, jan, number=12)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Rendez-vous à venir" in text and "Réservé" in text and "Carte d'identité" in text
    assert "Tickets en cours" in text and "En attente" in text and "A012" in text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "Komende afspraken" in text and "Geboekt" in text and "Identiteitskaart" in text
    assert "Open tickets" in text and "Wachtend" in text


def test_a_merged_party_s_appointments_and_tickets_show_on_the_survivor(client, clerk, office, jan):
    other = record.find_or_create_party(name="J. Peeters", email="jan@example.org")
    appointment(office, other, local(next_weekday(1), 10, 30))
    ticket(office, other, number=12)
    db.session.commit()
    with_merge = each_call_committed(merging)
    with_merge.merge_parties(survivor=jan.id, absorbed=other.id, staff=clerk)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = page_text(client.get(f"/desk/parties/{jan.id}"))
    assert "K7M2QX" in panel(text, "Upcoming appointments")
    assert "A012" in panel(text, "Open tickets")


def test_panels_come_from_whoever_connects_ordered_and_none_skipped(app, jan, make_staff):
    staff = make_staff(email="clerk@example.org")
    heard = []

    def chats(_sender, *, party, party_ids, staff):
        heard.append((party.id, party_ids, staff.id))
        return Panel(key="chats", title="Recent chats", html="<b>3 chats</b>", order=15)

    def nothing(_sender, **_kwargs):
        return None

    with (
        party_panels_signal.connected_to(chats),
        party_panels_signal.connected_to(nothing),
        app.test_request_context(),
    ):
        panels = party_panels(jan, staff)
        # the phone's recent calls (phone.party_panel) come last
        assert [p.key for p in panels] == ["tickets", "chats", "appointments", "calls"]
        assert str(panels[1].render()) == "&lt;b&gt;3 chats&lt;/b&gt;"  # text is escaped
    assert heard == [(jan.id, (jan.id,), staff.id)]


def loket_imports(package: str) -> set[str]:
    """The top-level names the package's modules import."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_the_desk_imports_no_channel():
    assert not loket_imports("desk") & CHANNELS
    for template in (ROOT / "templates" / "desk").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(include|import|extends) ["'](?!desk/|macros/|base)""", text)

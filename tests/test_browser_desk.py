"""A staff member works a record in Chromium: search, the 360° page, a note; axe-core on each."""

from datetime import UTC, datetime, timedelta

import pytest

from desk import record as record_module
from tests.appointments.conftest import local, next_weekday
from tests.browser import axe_violations
from tests.record_data import JAN
from tests.test_party_panels import appointment, seeded_office, ticket
from tests.units import each_call_committed

record = each_call_committed(record_module)

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_record(app, make_staff):
    """Jan: contacts on several channels, an open case, a task, a likely duplicate, a
    confidential case of another department that the clerk may only know exists, an upcoming
    appointment and a ticket in the waiting room."""
    clerk = make_staff(email="balie@example.org", department="burgerzaken")
    social = make_staff(email="sociaal@example.org", department="sociaal")
    jan = record.find_or_create_party(
        name="Jan Peeters", phone="0470 12 34 56", email="jan@example.org", national_number=JAN
    )
    case = record.open_case(party=jan, subject="Verhuis naar Gent", department="burgerzaken")
    secret = record.open_case(
        party=jan, subject="Schuldbemiddeling", department="sociaal", confidential=True
    )
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    for n, channel in enumerate(["web", "sms", "phone", "counter", "email", "chat"]):
        record.record_interaction(
            party=jan,
            channel=channel,
            direction="outbound" if channel == "sms" else "inbound",
            subject=f"Contact via {channel}",
            summary="Vraag over de verhuis." if channel == "phone" else "",
            outcome="Afspraak gemaakt" if channel == "counter" else None,
            staff=clerk if channel in ("phone", "counter") else None,
            case=case if channel == "phone" else None,
            started_at=start + timedelta(hours=n),
        )
    record.record_interaction(
        party=jan,
        channel="counter",
        direction="inbound",
        subject="Budget",
        case=secret,
        staff=social,
    )
    record.create_task(party=jan, title="Terugbellen", department="burgerzaken", kind="callback")
    record.find_or_create_party(name="J. Peeters", phone="+32470123456")  # a duplicate suggestion
    office = seeded_office()
    appointment(office, jan, local(next_weekday(1), 10, 30))
    ticket(office, jan, number=12)
    return clerk, jan


def test_party_page_is_accessible_and_shows_every_channel(
    page, live_server, busy_record, browser_sign_in
):
    clerk, jan = busy_record
    browser_sign_in(page, clerk)

    page.goto(f"{live_server.url}/desk/")
    page.get_by_label("Naam, telefoon, e-mail of rijksregisternummer").fill("0032 470 12 34 56")
    page.get_by_role("button", name="Zoeken").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Jan Peeters").click()
    page.wait_for_url(f"**/desk/parties/{jan.id}**")

    assert page.locator("h1").count() == 1
    assert "Jan Peeters" in page.locator("h1").inner_text()
    items = page.locator(".timeline-item h3").all_inner_texts()
    assert items[:6] == [
        f"Contact via {c}" for c in ["chat", "email", "counter", "phone", "sms", "web"]
    ]
    assert "Budget" not in items and "Schuldbemiddeling" not in page.content()
    assert page.get_by_text("vertrouwelijke informatie van een andere dienst").is_visible()
    assert page.get_by_text("**.**.**-*33.28").is_visible()
    appointments = page.get_by_role("region", name="Komende afspraken")
    assert "K7M2QX" in appointments.inner_text() and "Geboekt" in appointments.inner_text()
    tickets = page.get_by_role("region", name="Open tickets")
    assert "A012" in tickets.inner_text() and "Wachtend" in tickets.inner_text()
    assert axe_violations(page) == []

    page.get_by_label("Notitie", exact=True).fill("Teruggebeld, alles in orde.")
    page.get_by_role("button", name="Notitie opslaan").click()
    page.wait_for_url(f"**/desk/parties/{jan.id}")
    assert page.locator(".timeline-item h3").first.inner_text() == "Teruggebeld, alles in orde."
    assert axe_violations(page) == []


def test_desk_forms_and_merge_preview_are_accessible(
    page, live_server, busy_record, browser_sign_in
):
    clerk, jan = busy_record
    browser_sign_in(page, clerk)
    page.goto(f"{live_server.url}/desk/parties/{jan.id}/tasks/new")
    page.get_by_label("Wat moet er gebeuren").fill("Bellen")
    page.get_by_role("button", name="Taak aanmaken").click()  # nobody assigned: refused
    assert page.get_by_role("alert").is_visible()
    assert "Wijs de taak toe" in page.locator(".error-summary").inner_text()
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/desk/parties/{jan.id}")
    page.get_by_role("link", name="Deze dossiers samenvoegen").click()
    assert page.locator("table").is_visible()
    assert axe_violations(page) == []


def test_consent_preferences_and_representatives_are_editable_and_accessible(
    page, live_server, busy_record, browser_sign_in
):
    clerk, jan = busy_record
    daughter = record.find_or_create_party(name="Lies Peeters", phone="0478 11 22 33")
    phone = next(a for a in jan.addresses if a.kind == "phone")
    browser_sign_in(page, clerk)
    page.goto(f"{live_server.url}/desk/parties/{jan.id}")
    page.get_by_role("link", name="Toestemming en voorkeuren wijzigen").click()
    page.wait_for_url(f"**/desk/parties/{jan.id}/contact")
    assert axe_violations(page) == []

    consent = page.locator(f'form[action$="/addresses/{phone.id}/consent"]')
    consent.get_by_label("Herinneringen aan afspraken").uncheck()
    consent.get_by_label("Geverifieerd: aangetoond dat het van deze persoon is").check()
    consent.get_by_role("button", name="Toestemming bewaren").click()
    page.wait_for_url(f"**/desk/parties/{jan.id}/contact")
    assert page.get_by_text("Toestemming bewaard.").is_visible()
    consent = page.locator(f'form[action$="/addresses/{phone.id}/consent"]')
    assert not consent.get_by_label("Herinneringen aan afspraken").is_checked()

    reach = page.get_by_role("region", name="Hoe deze persoon te bereiken")
    reach.get_by_label("Voorkeurskanaal voor berichten").select_option("post")
    reach.get_by_label("Taal").select_option("fr")
    page.get_by_role("button", name="Voorkeuren bewaren").click()
    assert page.get_by_text("Voorkeuren bewaard.").is_visible()

    page.get_by_label("Vertegenwoordiger: rijksregisternummer, telefoon of e-mail").fill("0499")
    page.get_by_label("Op welke grond", exact=False).fill("volmacht")
    page.get_by_role("button", name="Vertegenwoordiger toevoegen").click()  # nobody: refused
    assert page.get_by_role("alert").is_visible()
    assert axe_violations(page) == []  # the page with its error summary
    page.get_by_label("Vertegenwoordiger: rijksregisternummer, telefoon of e-mail").fill(
        "0478 11 22 33"
    )
    page.get_by_label("Op welke grond", exact=False).fill("volmacht")
    page.get_by_role("button", name="Vertegenwoordiger toevoegen").click()
    assert page.get_by_role("link", name=daughter.name).is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Terug naar het dossier van Jan Peeters").click()
    header = page.locator(".party-facts").inner_text()
    assert "Post" in header and "Français" in header and "Lies Peeters" in header
    assert axe_violations(page) == []

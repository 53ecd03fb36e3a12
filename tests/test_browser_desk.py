"""A staff member works a record in Chromium: search, the 360° page, a note; axe-core on each."""

from datetime import UTC, datetime, timedelta

import pytest

from desk import record
from tests.browser import axe_violations
from tests.record_data import JAN

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_record(app, make_staff):
    """Jan: contacts on several channels, an open case, a task, a likely duplicate, and a
    confidential case of another department that the clerk may only know exists."""
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
    page.get_by_role("link", name="Samenvoegen met dit dossier").click()
    assert page.locator("table").is_visible()
    assert axe_violations(page) == []

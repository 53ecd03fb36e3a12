"""The phone admin page in Chromium: usable by keyboard labels, no WCAG 2.1 A/AA violations."""

import pytest

from extensions import db
from office.models import Location, Service
from tests.browser import axe_violations

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_line_after_a_mistake(
    page, live_server, lines, make_staff, browser_sign_in
):
    extra = Service(name_nl="Rijbewijs", locations=[db.session.get(Location, lines.hall.id)])
    db.session.add(extra)
    db.session.commit()
    admin = make_staff(email="admin@example.org", role="admin")
    browser_sign_in(page, admin)
    page.goto(f"{live_server.url}/phone/admin/")
    assert page.get_by_role("heading", name="Telefoonlijnen").is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Dienst").first.select_option(label="Rijbewijs")
    page.get_by_label("Toets in het menu").fill("1")  # taken by the identity cards
    page.get_by_label("Naam van de Twilio-wachtrij").fill("licences")
    page.get_by_role("button", name="Lijn toevoegen").click()
    summary = page.locator(".error-summary")
    assert "Een andere lijn heeft deze toets." in summary.inner_text()
    assert axe_violations(page) == []

    page.get_by_label("Toets in het menu").fill("3")
    page.get_by_role("button", name="Lijn toevoegen").click()
    assert "De lijn is aan het menu toegevoegd." in page.locator(".flashes").inner_text()
    assert page.get_by_role("cell", name="licences").is_visible()

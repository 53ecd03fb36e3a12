"""A citizen books with the keyboard alone in Chromium; axe-core finds nothing on any step."""

from datetime import datetime

import pytest
from sqlalchemy import select

from appointments.models import Appointment
from extensions import db
from tests.browser import axe_violations

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def accessible(page) -> None:
    page.wait_for_selector("h1")
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_keyboard_only_booking_is_accessible_on_every_step(page, live_server, office):
    page.goto(f"{live_server.url}/appointments/")
    accessible(page)

    tab_to(page, f"#service-{office.id_card.id}")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/when**")
    accessible(page)

    tab_to(page, "a[href*='day=']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/times**")
    accessible(page)

    tab_to(page, "input[type=radio][name=start]")
    page.keyboard.press("ArrowDown")  # the second free time
    chosen = page.evaluate("document.activeElement.value")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/details**")
    accessible(page)

    tab_to(page, "button[type=submit].primary")  # sent empty: the errors must be accessible too
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    accessible(page)

    tab_to(page, "#name")
    page.keyboard.type("Lotte Claes")
    tab_to(page, "#phone")
    page.keyboard.type("0470 99 88 77")
    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Afspraak bevestigen")
    accessible(page)

    tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/manage/**")
    accessible(page)

    db.session.commit()  # end the test's read snapshot: the server wrote meanwhile
    appointment = db.session.scalar(select(Appointment))
    assert appointment.name == "Lotte Claes" and appointment.phone == "+32470998877"
    assert appointment.starts_at == datetime.fromisoformat(chosen)  # the time chosen by arrow key
    assert page.locator(".reference-code").inner_text() == appointment.reference
    assert page.get_by_role("link", name="Zet in mijn agenda (.ics)").is_visible()

    tab_to(page, "a[href*='/cancel']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cancel**")
    accessible(page)
    tab_to(page, "button.danger")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appointments/manage/**")
    accessible(page)
    db.session.commit()
    assert db.session.scalar(select(Appointment)).status.value == "cancelled"

# ruff: noqa: F811  (pytest fixtures imported from tests.phone.agents_setup)
"""The phone console in Chromium: accessible (axe-core, zero WCAG 2.1 A/AA violations), the
queues follow a new caller live over Socket.IO, and the screen pop arrives for the agent who
took the call."""

import pytest
import requests

from core.database import utcnow
from core.unit_of_work import unit_of_work
from desk import accounts
from desk.models import Role
from extensions import db
from phone import queue
from phone.models import Call, CallSource, CallStatus
from tests.browser import axe_violations
from tests.phone.agents_setup import lines  # noqa: F401  (fixture)
from tests.phone.voice_sdk import use_sdk_stand_in

pytestmark = pytest.mark.browser


def test_the_console_shows_a_new_caller_live_and_pops_the_call_taken(
    page, live_server, lines, make_staff, browser_sign_in
):
    agent = make_staff("agent@example.org", role=Role.CALL_AGENT)
    token = accounts.create_api_token(agent)
    db.session.commit()
    browser_sign_in(page, agent)
    page.goto(f"{live_server.url}/phone/console")
    page.wait_for_function(
        "() => document.getElementById('phone-console').dataset.connected === 'yes'"
    )
    assert axe_violations(page) == []
    waiting = page.locator(f"tr[data-line-id='{lines.id_line.id}'] .phone-waiting")
    assert waiting.inner_text() == "0"

    with live_server.app.app_context(), unit_of_work():
        now = utcnow()
        db.session.add(
            Call(
                call_sid="CA" + "7" * 32,
                source=CallSource.TWILIO,
                from_number="+32470123456",
                line_id=lines.id_line.id,
                service_id=lines.id_card.id,
                status=CallStatus.WAITING,
                created_at=now,
                queued_at=now,
            )
        )
        queue.publish_after_commit()
    page.locator(f"tr[data-line-id='{lines.id_line.id}'] .phone-waiting", has_text="1").wait_for()

    taken = requests.post(
        f"{live_server.url}/api/v1/phone/next",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert taken.status_code == 200
    page.locator("#current-call-meta").wait_for()
    assert page.locator("#current-call-meta").get_attribute("data-call-id") == str(
        taken.json()["id"]
    )
    assert "+32 470 12 34 56" in page.locator("#current-call-heading").inner_text()
    assert page.locator("#agent-status").inner_text() == "In gesprek"
    page.locator(f"tr[data-line-id='{lines.id_line.id}'] .phone-waiting", has_text="0").wait_for()
    assert axe_violations(page) == []


def test_call_a_number_is_checked_in_words_then_dialled_by_the_browser_phone(
    page, live_server, make_staff, browser_sign_in
):
    agent = make_staff("dialler@example.org", role=Role.CALL_AGENT)
    use_sdk_stand_in(page)
    page.route(
        "**/phone/token",
        lambda route: route.fulfill(json={"token": "t", "identity": f"agent-{agent.id}"}),
    )
    browser_sign_in(page, agent)
    page.goto(f"{live_server.url}/phone/console")
    number = page.get_by_label("Telefoonnummer")
    assert number.get_attribute("type") == "tel"
    assert axe_violations(page) == []

    number.fill("0900 12 345")
    page.get_by_role("button", name="Bellen", exact=True).click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "nooit betaalnummers" in summary.inner_text()
    assert page.locator("#dial-number-error").is_visible()
    page.wait_for_function("() => Array.isArray(window.dialled)")  # the page's phone is ready
    assert page.evaluate("window.dialled") == []
    assert axe_violations(page) == []

    page.get_by_label("Telefoonnummer").fill("0470 12 34 56")
    page.get_by_role("button", name="Bellen", exact=True).click()
    page.wait_for_function("() => window.dialled && window.dialled.length === 1")
    assert page.evaluate("window.dialled") == ["+32470123456"]
    assert "+32 470 12 34 56" in page.locator("#browser-phone").inner_text()
    page.locator("#hang-up").click()
    page.wait_for_function("() => window.hungUp === true")
    assert axe_violations(page) == []

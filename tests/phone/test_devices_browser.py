"""The console's "How you take calls" in Chromium, by keyboard only: the desk phone's number
shows once its radio is chosen, a premium number brings the error summary (focused, its link
leads to the field), a good number is saved and the console says where calls ring; axe-core
finds nothing at each step."""

import pytest

from core.unit_of_work import unit_of_work
from desk.models import Role
from extensions import db
from phone import devices
from phone.models import AgentDevice, AgentStatus
from tests.browser import axe_violations
from tests.phone.voice_sdk import use_sdk_stand_in

pytestmark = pytest.mark.browser


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def test_an_agent_moves_calls_to_a_desk_phone_by_keyboard(
    page, live_server, make_staff, browser_sign_in
):
    agent = make_staff("keys@example.org", role=Role.CALL_AGENT)
    use_sdk_stand_in(page)
    browser_sign_in(page, agent)
    page.goto(f"{live_server.url}/phone/console#device-heading")
    number = page.locator("#device-device_number")
    assert not number.is_visible()  # in the browser: nothing to give
    assert axe_violations(page) == []

    page.keyboard.press("Tab")
    assert focused(page) == "device-device"  # "In this browser", the chosen radio
    page.keyboard.press("ArrowDown")  # "On a desk phone"
    assert page.locator("#device-device-desk_phone").is_checked()
    assert number.is_visible()
    page.keyboard.press("Tab")
    assert focused(page) == "device-device_number"
    page.keyboard.type("0903 12 345")
    page.keyboard.press("Tab")
    assert focused(page) == "device-button"
    page.keyboard.press("Enter")

    summary = page.locator(".error-summary")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert "nooit een betaalnummer" in summary.inner_text()
    assert number.is_visible() and number.get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    page.keyboard.press("Tab")  # the summary's link to the field
    page.keyboard.press("Enter")
    assert focused(page) == "device-device_number"
    page.keyboard.press("Control+A")
    page.keyboard.type("0470 12 34 56")
    page.keyboard.press("Enter")

    page.locator("#browser-phone", has_text="+32 470 12 34 56").wait_for()
    assert "Oproepen gaan over op uw bureautoestel" in page.locator("#browser-phone").inner_text()
    assert axe_violations(page) == []
    with live_server.app.app_context():
        saved = db.session.get(AgentStatus, agent.id)
        assert (saved.device, saved.device_number) == (AgentDevice.DESK_PHONE, "+32470123456")


def test_a_console_open_when_an_administrator_moves_its_calls_says_so(
    page, live_server, make_staff, browser_sign_in
):
    """The page's phone is the old one: the agent reads that, instead of missing calls."""
    agent = make_staff("moved@example.org", role=Role.CALL_AGENT)
    use_sdk_stand_in(page)
    browser_sign_in(page, agent)
    page.goto(f"{live_server.url}/phone/console")
    page.wait_for_function("() => document.querySelector('[data-connected=yes]') !== null")
    with live_server.app.app_context(), unit_of_work():
        devices.set_device(agent.id, "desk_phone", "0470 12 34 56")  # as the admin page does
    page.locator("#browser-phone", has_text="Laad deze pagina opnieuw").wait_for()
    assert axe_violations(page) == []

"""A staff member signs in with Chromium: password, TOTP enrolment, then the code next time."""

import pyotp
import pytest

from tests.browser import axe_violations
from tests.test_auth import wrong_code

pytestmark = pytest.mark.browser


def test_sign_in_with_enrolment_is_accessible(page, live_server, make_staff, browser_sign_in):
    staff = make_staff(email="nieuw@example.org")
    page.goto(f"{live_server.url}/login")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []

    page.get_by_label("E-mailadres").fill(staff.email)
    page.get_by_label("Wachtwoord").fill(staff.password)
    page.get_by_role("button", name="Volgende").click()
    page.wait_for_url("**/login/enrol")
    assert page.get_by_role("img", name="QR-code").is_visible()
    qr = page.get_by_role("img", name="QR-code")
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0  # an image, not a broken one
    assert axe_violations(page) == []

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code uit uw app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bevestigen").click()
    assert page.locator("#recovery-codes li").count() == 10
    assert axe_violations(page) == []

    page.get_by_role("link", name="Ik heb ze bewaard, ga verder").click()
    page.wait_for_url("**/desk/")
    assert "Goedendag" in page.locator("h1").inner_text()
    assert axe_violations(page) == []


def test_wrong_code_then_right_code(page, live_server, make_staff, browser_sign_in):
    staff = make_staff(email="terug@example.org", totp_secret=pyotp.random_base32())
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mailadres").fill(staff.email)
    page.get_by_label("Wachtwoord").fill(staff.password)
    page.get_by_role("button", name="Volgende").click()
    page.wait_for_url("**/login/verify")
    right = pyotp.TOTP(staff.totp_secret).now()
    page.get_by_label("Code").fill(wrong_code(staff.totp_secret))
    page.get_by_role("button", name="Aanmelden").click()
    assert page.get_by_role("alert").is_visible()
    assert "Deze code is fout" in page.locator(".error-summary").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Code").fill(right)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url("**/desk/")


def test_keyboard_user_reaches_main_content_by_skip_link(page, live_server):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Naar de hoofdinhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert axe_violations(page) == []


def test_english_through_the_visible_switch(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Staff sign-in"

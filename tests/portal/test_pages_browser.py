"""Every page of Mijn Loket in Chromium, in Dutch, French and English: reached with the keyboard
only (Tab and Enter, from the overview through the menu), and axe-core finds nothing."""

from datetime import timedelta

import pytest

from core.database import utcnow
from desk import record
from desk.models import Party
from extensions import db
from tests.browser import axe_violations
from tests.portal.helpers import sign_in_browser
from tests.portal.pages_data import two_citizens
from tests.test_party_panels import appointment, seeded_office

pytestmark = pytest.mark.browser

MENU_PATHS = [
    "/my/appointments",
    "/my/messages",
    "/my/contacts",
    "/my/access-log",
    "/my/preferences",
    "/my/people",
    "/my/data",
    "/my/",
]
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}


@pytest.fixture
def record_of_jan(app):
    _staff, jan, piet = two_citizens()
    office = seeded_office()
    party = db.session.get(Party, jan.party_id)
    upcoming = appointment(office, party, utcnow() + timedelta(days=3))
    appointment(office, party, utcnow() - timedelta(days=30), reference="P4ST7X")
    record.add_representation(
        representative=jan.party_id, represented=piet.party_id, basis="volmacht"
    )
    db.session.commit()
    jan.appointment_id = upcoming.id
    return jan


def tab_to(tab, path: str, limit: int = 80) -> None:
    """Press Tab until the link to `path` has the focus, then Enter: the keyboard only."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        href = tab.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
        if href == path:
            with tab.expect_navigation():
                tab.keyboard.press("Enter")
            return
    raise AssertionError(f"no keyboard path to {path} on {tab.url}")


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_by_keyboard_with_no_axe_violations(
    browser, live_server, record_of_jan, language
):
    context = browser.new_context(locale=LOCALES[language], timezone_id="Europe/Brussels")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in_browser(context, live_server, record_of_jan.party_id)
        tab.goto(f"{live_server.url}/my/")
        assert tab.locator("html").get_attribute("lang") == language
        assert axe_violations(tab) == [], "/my/"
        for path in MENU_PATHS:
            tab_to(tab, path)
            assert tab.url.endswith(path)
            assert tab.locator("html").get_attribute("lang") == language
            assert tab.locator("h1").count() == 1
            assert axe_violations(tab) == [], path
        for path in (
            f"/my/messages/{record_of_jan.notice_id}",
            f"/my/cases/{record_of_jan.case_id}",
            f"/my/correction?item=case:{record_of_jan.case_id}",
            f"/my/appointments/{record_of_jan.appointment_id}/cancel",
        ):
            tab.goto(f"{live_server.url}{path}")
            assert axe_violations(tab) == [], path
    finally:
        context.close()


def test_preferences_saved_by_keyboard(browser, live_server, record_of_jan):
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels")
    tab = context.new_page()
    try:
        sign_in_browser(context, live_server, record_of_jan.party_id)
        tab.goto(f"{live_server.url}/my/preferences")
        tab.get_by_label("E-mail", exact=True).focus()
        tab.keyboard.press("Space")
        tab.get_by_role("button", name="Mijn voorkeuren bewaren").focus()
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert "Uw voorkeuren zijn bewaard." in tab.locator(".flashes").inner_text()
        assert axe_violations(tab) == []
        with live_server.app.app_context():
            assert db.session.get(Party, record_of_jan.party_id).preferred_channel == "email"
    finally:
        context.close()


def test_an_empty_correction_shows_the_error_summary(browser, live_server, record_of_jan):
    context = browser.new_context(locale="fr-BE", timezone_id="Europe/Brussels")
    tab = context.new_page()
    try:
        sign_in_browser(context, live_server, record_of_jan.party_id)
        tab.goto(f"{live_server.url}/my/correction?item=case:{record_of_jan.case_id}")
        tab.get_by_role("button", name="Envoyer").click()
        assert "Dites-nous ce qui ne va pas." in tab.locator(".error-summary").inner_text()
        assert axe_violations(tab) == []
    finally:
        context.close()

"""Signing in to Mijn Loket with the keyboard alone in Chromium, in Dutch, French and English:
axe-core finds nothing on any page, errors included."""

import re

import pytest
from flask import g, render_template_string

from desk import record
from extensions import db
from portal.session import citizen_required
from sms.sender import Sender
from tests import services
from tests.browser import axe_violations
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytestmark = pytest.mark.browser

WORDS = {
    "nl": {"title": "Aanmelden bij Mijn Loket", "code": "Vul uw code in", "refused": "niet gelukt"},
    "fr": {
        "title": "Se connecter à Mijn Loket",
        "code": "Saisissez votre code",
        "refused": "abouti",
    },
    "en": {"title": "Sign in to Mijn Loket", "code": "Enter your code", "refused": "did not"},
}


def whoami():
    return {"party": g.citizen.party_id}


HOME = """{% extends "portal/base.html" %}{% block title %}Mijn Loket{% endblock %}
{% block content %}<h1>Mijn Loket</h1>{% endblock %}"""


def home():
    """A page in the citizen's layout (the pages themselves are another package's)."""
    return render_template_string(HOME)


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(make_app, fake_twilio):
    """The app over real HTTP with CSRF on, sending SMS to the fake Twilio; an identity
    provider is configured (its link is on the page) but never reached."""
    app = make_app(
        WTF_CSRF_ENABLED=True,
        SMS_GATEWAY="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM="+32460000001",
        TWILIO_API_BASE_URL=fake_twilio.url,
        OIDC_ISSUER="http://127.0.0.1:9",
        OIDC_CLIENT_ID="loket",
        OIDC_CLIENT_SECRET="secret",
    )
    app.add_url_rule("/my/_whoami", "whoami", citizen_required(whoami))
    app.add_url_rule("/my/_home", "home_probe", citizen_required(home))
    with services.serving(app) as http:
        yield http


@pytest.fixture
def tab_in(browser):
    contexts = []

    def open_tab(language: str):
        context = browser.new_context(locale=f"{language}-BE", timezone_id="Europe/Brussels")
        contexts.append(context)
        tab = context.new_page()
        tab.csp_violations = []
        tab.on(
            "console",
            lambda msg: (
                tab.csp_violations.append(msg.text)
                if "Content Security Policy" in msg.text
                else None
            ),
        )
        tab.set_default_timeout(30_000)
        return tab

    yield open_tab
    for context in contexts:
        for tab in context.pages:
            assert not tab.csp_violations, tab.csp_violations
        context.close()


def tab_to(page, selector: str, limit: int = 40) -> None:
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


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_keyboard_only_sign_in_is_accessible_on_every_page(
    app, server, tab_in, fake_twilio, language
):
    party = record.find_or_create_party(name="An Peeters", phone="0470 12 34 56")
    db.session.commit()
    page = tab_in(language)
    words = WORDS[language]

    page.goto(f"{server.url}/my/sign-in?next=/my/_whoami")
    assert page.locator("h1").inner_text() == words["title"]
    assert page.locator("html").get_attribute("lang") == language
    accessible(page)
    tab_to(page, "a[href$='/my/sign-in/oidc']")  # the identity provider's link is reachable

    type_into(page, "#contact", "no address")  # the form again, its error summary first
    assert page.locator(".error-summary").count() == 1 and "field-invalid" in page.content()
    accessible(page)

    type_into(page, "#contact", "0470 12 34 56")
    assert page.url.endswith("/my/sign-in/code")
    assert page.locator("h1").inner_text() == words["code"]
    accessible(page)
    with server.app.app_context():
        Sender(name="test", threads=1).run(once=True)
    [sms] = fake_twilio.received("+32470123456")
    code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)

    type_into(page, "#code", "000000" if code != "000000" else "111111")
    assert page.locator(".error-summary").count() == 1
    accessible(page)

    type_into(page, "#code", code)
    page.wait_for_url(f"{server.url}/my/_whoami")
    assert str(party.id) in page.locator("body").inner_text()

    page.goto(f"{server.url}/my/_home")  # the citizen's layout: who is signed in, signing out
    assert "An Peeters" in page.locator("header").inner_text()
    accessible(page)
    tab_to(page, "header form[action$='/my/sign-out'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == words["title"]
    assert page.locator("main [role=status]").count() == 1
    accessible(page)

    page.goto(f"{server.url}/my/sign-in/oidc/callback?code=x&state=forged")
    assert words["refused"] in page.locator("main").inner_text()
    accessible(page)


def test_the_browser_keeps_the_citizen_cookie_from_scripts(app, server, tab_in):
    party = record.find_or_create_party(name="An Peeters", phone="0470 12 34 56")
    db.session.commit()
    page = tab_in("nl")
    from tests.portal.helpers import sign_in_browser

    sign_in_browser(page.context, server, party.id)
    page.goto(f"{server.url}/my/_whoami")
    assert str(party.id) in page.locator("body").inner_text()
    assert "loket_my" not in page.evaluate("document.cookie")

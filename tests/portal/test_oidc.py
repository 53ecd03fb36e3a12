"""Signing in with OpenID Connect against a real provider: the npm package `oidc-provider`,
run by node for the test session, its development login form driven by Chromium.

The provider's login name is the account, and its `rrn` claim says that name back: a test
signs in as whichever national register number it types.
"""

import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import g
from sqlalchemy import select

from desk import record
from desk.merging import merge_parties
from desk.models import PartyIdentifier, VerifiedHow
from extensions import db
from portal.models import CitizenSession
from portal.session import citizen_required
from tests import services
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc_provider" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "loket-test", "loket-test-secret"


def national_number(first_nine: str) -> str:
    """A valid number (mod 97) for people born before 2000."""
    return first_nine + f"{97 - int(first_nine) % 97:02d}"


@pytest.fixture(scope="session")
def app_port():
    """The live app's port, known before the provider starts: the client's redirect URI."""
    return services.free_port()


@pytest.fixture(scope="session")
def oidc_provider(app_port):
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        unavailable("node or the npm package oidc-provider is missing: run `npm ci`")
    port = services.free_port()
    redirect_uri = f"http://127.0.0.1:{app_port}/my/sign-in/oidc/callback"
    process = subprocess.Popen(
        [node, str(SCRIPT), str(port), redirect_uri, CLIENT_ID, CLIENT_SECRET],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_config(oidc_provider, app_port):
    return {
        "OIDC_ISSUER": oidc_provider,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPE": "openid profile rrn",
        "OIDC_NATIONAL_NUMBER_CLAIM": "rrn",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
    }


def whoami():
    """A page only a signed-in citizen reaches, saying whose session it is."""
    return {"party": g.citizen.party_id}


@pytest.fixture
def oidc_server(make_app, oidc_config, app_port):
    app = make_app(WTF_CSRF_ENABLED=True, **oidc_config)
    app.add_url_rule("/my/_whoami", "whoami", citizen_required(whoami))
    with services.serving(app, app_port) as server:
        yield server


def sign_in_at_provider(page, server, number: str) -> dict:
    """The whole dance in Chromium: our button, the provider's login and consent, back to us."""
    page.goto(f"{server.url}/my/sign-in?next=/my/_whoami")
    page.get_by_role("link", name="Aanmelden met itsme of eID").click()
    page.wait_for_url("**/interaction/**")
    page.locator("input[name=login]").fill(number)
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    if "/interaction/" in page.url:  # the consent step
        page.locator("button[type=submit]").click()
    page.wait_for_url(f"{server.url}/my/_whoami")
    return page.evaluate("() => JSON.parse(document.body.innerText)")


def identifiers_of(party_id: int) -> list[PartyIdentifier]:
    return db.session.scalars(
        select(PartyIdentifier).where(PartyIdentifier.party_id == party_id)
    ).all()


@pytest.mark.browser
def test_a_known_national_number_signs_in_to_its_party(app, oidc_server, page):
    number = national_number("850101123")
    party = record.find_or_create_party(name="An Peeters", national_number=number)
    db.session.commit()

    answer = sign_in_at_provider(page, oidc_server, number)

    assert answer == {"party": party.id}
    db.session.expire_all()
    [held] = identifiers_of(party.id)
    assert held.verified_how == VerifiedHow.IDENTITY_PROVIDER and held.verified_at is not None
    row = db.session.scalar(select(CitizenSession).where(CitizenSession.party_id == party.id))
    assert row.signed_in_how == "oidc" and row.ended_at is None


@pytest.mark.browser
def test_an_unknown_national_number_becomes_a_party_holding_it_verified_never_in_clear(
    app, oidc_server, page
):
    number = national_number("900202456")

    answer = sign_in_at_provider(page, oidc_server, number)

    [held] = identifiers_of(answer["party"])
    assert held.verified_how == VerifiedHow.IDENTITY_PROVIDER
    assert number not in (held.digest, held.masked) and number[:7] not in held.masked
    assert record.resolve_party(answer["party"]).name == "Test Burger " + number[-4:]


@pytest.mark.browser
def test_a_merged_party_signs_in_as_its_survivor(app, oidc_server, page, make_staff):
    number = national_number("750303789")
    absorbed = record.find_or_create_party(name="Jan Jansen", national_number=number)
    survivor = record.find_or_create_party(name="Jan Janssen", phone="0470 11 22 33")
    db.session.commit()
    staff = make_staff(role="admin")
    merge_parties(survivor=survivor, absorbed=absorbed, staff=staff)
    db.session.commit()

    assert sign_in_at_provider(page, oidc_server, number) == {"party": survivor.id}


def test_the_request_carries_state_nonce_and_a_pkce_challenge(app, make_app, oidc_config):
    client = make_app(**oidc_config).test_client()
    answer = client.get("/my/sign-in/oidc")
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [oidc_config["PUBLIC_BASE_URL"] + "/my/sign-in/oidc/callback"]
    assert "code_verifier" not in query


def test_a_callback_with_a_state_this_browser_never_sent_is_refused(app, make_app, oidc_config):
    client = make_app(**oidc_config).test_client()
    client.get("/my/sign-in/oidc")
    answer = client.get("/my/sign-in/oidc/callback?code=stolen&state=forged")
    assert answer.status_code == 400
    assert "Aanmelden met itsme of eID is niet gelukt" in answer.get_data(as_text=True)
    assert "loket_my" not in answer.headers.get("Set-Cookie", "")


def test_without_an_issuer_there_is_no_button_and_no_route(client):
    assert "itsme" not in client.get("/my/sign-in").get_data(as_text=True)
    assert client.get("/my/sign-in/oidc").status_code == 404


def test_a_provider_out_of_reach_gets_a_page_not_an_error(app, make_app):
    closed = services.free_port()
    client = make_app(
        OIDC_ISSUER=f"http://127.0.0.1:{closed}", OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y"
    ).test_client()
    answer = client.get("/my/sign-in/oidc")
    assert answer.status_code == 503
    assert "meld u aan met een code" in answer.get_data(as_text=True)

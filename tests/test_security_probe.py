"""The holes a security probe found, each closed: sessions, cookies, caching, enumeration,
outages and invisible characters."""

import json
import zlib

import pyotp
from argon2 import PasswordHasher
from itsdangerous import base64_decode

from app import create_app
from desk import accounts
from tests.conftest import TEST_CONFIG
from tests.services import free_port
from tests.test_auth import enrolled, reloaded, sign_in_password


def signed_in_client(client, staff):
    """Through the real two steps, so the session is the one a browser would hold."""
    sign_in_password(client, staff)
    client.post("/login/verify", data={"code": pyotp.TOTP(reloaded(staff).totp_secret).now()})
    assert client.get("/desk/").status_code == 200
    return client


def cookie_of(client) -> str:
    return client.get_cookie("loket_session").value


def test_a_saved_session_cookie_opens_nothing_after_sign_out(client, make_app, make_staff):
    staff = enrolled(make_staff)
    signed_in_client(client, staff)
    saved = cookie_of(client)
    client.post("/logout")
    thief = make_app().test_client()
    thief.set_cookie("loket_session", saved)
    response = thief.get("/desk/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_with_personal_data_are_never_stored(client, make_staff, login):
    login(make_staff())
    assert client.get("/desk/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/services").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/loket.css").headers.get("Cache-Control", "")


def test_the_session_cookie_is_secure_over_tls(client):
    plain = client.get("/")
    client.get("/", base_url="https://loket.example.be")
    response = client.post("/lang/fr", base_url="https://loket.example.be", data={"next": "/"})
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Secure" not in plain.headers.get("Set-Cookie", "Secure-less")


def session_data(client) -> dict:
    """What the session cookie holds (signed, not encrypted: anyone with it can read it)."""
    payload = cookie_of(client).split(".")
    compressed = payload[0] == ""
    data = base64_decode(payload[1] if compressed else payload[0])
    return json.loads(zlib.decompress(data) if compressed else data)


def test_the_authenticator_secret_is_never_in_the_session_cookie(client, make_staff):
    staff = make_staff()
    sign_in_password(client, staff)
    page = client.get("/login/enrol").text
    secret = reloaded(staff).pending_totp_secret
    assert secret and secret in page  # shown once to type in, kept on the server
    assert secret not in json.dumps(session_data(client))
    client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    staff = reloaded(staff)
    assert staff.totp_secret == secret and staff.pending_totp_secret is None


def test_an_unknown_address_costs_a_password_check_like_a_known_one(
    client, make_staff, monkeypatch
):
    staff = make_staff()
    checks = []

    class Counting(PasswordHasher):
        def verify(self, *args):
            checks.append(1)
            return super().verify(*args)

    monkeypatch.setattr(accounts, "password_hasher", Counting())
    known = sign_in_password(client, staff, password="not the password")
    known_checks, checks[:] = len(checks), []
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert known_checks == len(checks) == 1
    assert known.status_code == unknown.status_code == 401


def test_rate_limits_are_shared_through_redis_when_there_is_one(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:6399/0", RATELIMIT_STORAGE_URI=None)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6399/0"
    assert make_app(RATELIMIT_STORAGE_URI=None).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_database_outage_is_a_friendly_503_in_the_user_s_language():
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x",
        }
    )
    client = app.test_client()
    with client.session_transaction() as session:  # a signed-in clerk: the page reads the staff
        session["_user_id"] = "1:1"
    page = client.get("/desk/", headers={"Accept-Language": "fr"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "Réessayez" in page.text or "réessayer" in page.text
    answer = client.get("/api/v1/services")
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.json["error"]["code"] == "unavailable"
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unavailable"


def test_bidi_and_zero_width_characters_in_a_name_are_refused():
    from appointments import validation

    for name in ("Jan \u202eevil\u202c Peeters", "Jan\u200bPeeters", "Jan\x00Peeters"):
        try:
            validation.clean_name(name)
        except validation.InvalidValue as refused:
            assert "invisible" in str(refused.args[0]) or "onzichtbare" in str(refused.args[0])
        else:
            raise AssertionError(f"{name!r} was accepted")
    assert validation.clean_name("Zoë Ångström-Dupont") == "Zoë Ångström-Dupont"

"""Errors, security headers, languages and configuration: what every page shares."""

import pytest
from flask import abort

from app import create_app
from core.config import ConfigurationError


def test_unknown_route_gets_a_friendly_dutch_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert '<html lang="nl">' in response.text
    assert "Pagina niet gevonden" in response.text
    assert "Traceback" not in response.text


def test_error_pages_follow_the_browser_language(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.text
    assert "Page not found" in response.text


def test_language_switch_is_remembered(client):
    response = client.post("/lang/en", data={"next": "/"}, follow_redirects=True)
    assert '<html lang="en">' in response.text
    assert "Welcome to" in response.text
    assert '<html lang="en">' in client.get("/login").text
    client.post("/lang/nl", data={"next": "/"})
    assert "Aanmelden medewerkers" in client.get("/login").text


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/lang/fr", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_french_is_prepared(client):
    response = client.get("/", headers={"Accept-Language": "fr-BE"})
    assert '<html lang="fr">' in response.text


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}


def test_missing_csrf_token_is_a_clear_400(make_app, make_staff):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "Dit formulier is verlopen of kwam niet van deze website" in response.text


def test_every_form_carries_a_csrf_token(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").text
    assert page.count('name="csrf_token"') == 2  # the sign-in form and the language switch


def test_body_over_the_limit_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 5000})
    assert response.status_code == 413
    assert "Te groot" in response.text


def test_sign_in_is_rate_limited(make_app, make_staff):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    statuses = [
        client.post("/login", data={"email": "a@example.org", "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429
    page = client.post("/login", data={"email": "a@example.org", "password": "wrong"})
    assert "Te veel pogingen" in page.text


def test_unexpected_errors_show_a_friendly_500(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.text
    assert "internal detail" not in response.text


def test_forbidden_page_is_friendly(make_app):
    app = make_app()

    @app.get("/secret")
    def secret():
        abort(403)

    response = app.test_client().get("/secret")
    assert response.status_code == 403
    assert "Geen toegang" in response.text


def test_malformed_request_gets_a_friendly_400(make_app):
    app = make_app()

    @app.get("/bad")
    def bad():
        abort(400)

    assert "Ongeldige aanvraag" in app.test_client().get("/bad").text


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_tls(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_script_in_pages(client):
    for path in ("/", "/login"):
        assert "<script>" not in client.get(path).text


def test_secret_key_is_required_outside_development(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LOKET_SECRET_KEY", raising=False)
    monkeypatch.setenv("LOKET_ENV", "production")
    with pytest.raises(ConfigurationError):
        create_app()


def test_development_generates_a_secret_key_in_instance(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LOKET_ENV", "development")
    first = create_app().config["SECRET_KEY"]
    assert len(first) >= 32
    assert create_app().config["SECRET_KEY"] == first


def test_environment_then_test_override(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("LOKET_SESSION_IDLE_MINUTES", "7")
    monkeypatch.setenv("LOKET_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/loket")
    monkeypatch.setenv("SMS_GATEWAY", "twilio")
    app = create_app({"SMS_GATEWAY": "dev"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SESSION_IDLE_MINUTES"] == 7
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/loket"
    assert app.config["SMS_GATEWAY"] == "dev"


def pool_of(app):
    from extensions import db

    with app.app_context():
        return db.engine.pool


def test_postgresql_keeps_a_fixed_pool_of_connections(monkeypatch):
    """A gevent worker's burst waits for the pool's connections instead of opening and
    closing overflow ones; the size is a setting, and engine options given win."""
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/loket")
    pool = pool_of(create_app())
    assert (pool.size(), pool._max_overflow) == (20, 0)
    assert pool._pre_ping is True

    monkeypatch.setenv("LOKET_DATABASE_POOL_SIZE", "35")
    assert pool_of(create_app()).size() == 35

    monkeypatch.setenv("LOKET_SQLALCHEMY_ENGINE_OPTIONS", '{"pool_size": 7, "max_overflow": 3}')
    pool = pool_of(create_app())
    assert (pool.size(), pool._max_overflow) == (7, 3)


def test_sqlite_keeps_sqlalchemys_pool(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'loket.db'}")
    app = create_app()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_french_sign_in_page_is_translated(client):
    response = client.get("/login", headers={"Accept-Language": "fr-BE"})
    assert "Connexion du personnel" in response.text
    assert "Mot de passe" in response.text

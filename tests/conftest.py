"""Fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built once per backend by the real migrations (`flask db upgrade`); each test
then gets empty tables. No transaction-rollback trick: concurrency tests need real commits.
"""

import ipaddress
import os
import socket
import time
import uuid

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import create_app
from extensions import db
from tests import services

BACKENDS = ["sqlite", "postgresql"]
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@pytest.fixture(autouse=True, scope="session")
def no_outside_network():
    """Fail any test that would reach beyond loopback (Twilio, CDNs, DNS)."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def is_local(host) -> bool:
        if isinstance(host, bytes):
            host = host.decode()
        if host in LOOPBACK_NAMES or host is None:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return real_connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not is_local(host):
            raise RuntimeError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.getaddrinfo = guarded_getaddrinfo
    yield
    socket.socket.connect = real_connect
    socket.getaddrinfo = real_getaddrinfo


def unavailable(reason: str):
    """Fail in CI, skip on a laptop: a missing service must never pass CI unnoticed."""
    if services.in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server():
    if os.environ.get("LOKET_TEST_DATABASE_URL"):
        yield None
        return
    try:
        server = services.start_postgres()
    except services.ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    try:
        server = services.start_redis()
    except services.ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()


def new_postgres_database(postgres_server) -> str:
    name = f"loket_test_{uuid.uuid4().hex[:8]}"
    if postgres_server is None:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(os.environ["LOKET_TEST_DATABASE_URL"])
        with psycopg.connect(
            host=base.host,
            port=base.port,
            user=base.username,
            password=base.password,
            dbname=base.database,
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return base.set(database=name).render_as_string(hide_password=False)
    return postgres_server.create_database(name)


def build_schema(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "schema", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'loket.db'}"
    else:
        url = new_postgres_database(request.getfixturevalue("postgres_server"))
    build_schema(url)
    return url


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": None,
}


@pytest.fixture
def make_app(database_url):
    """Build an app on this test's database; extra config overrides the test defaults."""
    made = []

    def factory(**overrides):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        app.test_client_class = SettledClient
        made.append(app)
        return app

    yield factory
    if made:
        with made[0].app_context():
            db.session.remove()
            empty_tables()
        for app in made:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


class SettledClient(FlaskClient):
    """Ends the test's own transaction around each request.

    On SQLite a transaction keeps reading its snapshot: without this, a test would not see what
    a request just wrote, and a request would not see what the test wrote without committing.
    """

    def open(self, *args, **kwargs):
        settle()
        try:
            return super().open(*args, **kwargs)
        finally:
            settle()


def settle() -> None:
    if has_app_context():
        db.session.commit()


def empty_tables(attempts: int = 5) -> None:
    """Between tests. A background reader of the app under test (phone.queue's publish, a
    moment after a commit) may still hold a table when TRUNCATE wants them all: PostgreSQL
    then ends one of the two as a deadlock, and emptying is simply tried again."""
    tables = [t.name for t in db.metadata.sorted_tables]
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    names = ", ".join(f'"{name}"' for name in tables)
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for name in reversed(tables):
                        conn.execute(text(f'DELETE FROM "{name}"'))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


@pytest.fixture
def client(app, make_app):
    """A client of a second app on the same database.

    Requests to the app whose context the test holds would reuse that context, and with it `g`
    (Flask-Login's cached user) and the session's identity map: requests must start clean.
    """
    return make_app().test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_staff(app):
    """Create a staff member; returns it with `.password` set to its clear-text password."""
    from desk import accounts
    from desk.models import Department, Role

    def factory(email="staff@example.org", role=Role.BACK_OFFICE, department=None, **fields):
        if isinstance(department, str):
            department = accounts.get_or_create_department(department)
        password = fields.pop("password", "correct horse battery staple")
        staff = accounts.create_staff(
            email=email,
            name=fields.pop("name", email.split("@")[0].title()),
            role=Role(role),
            password=password,
            department_id=department.id if department else None,
        )
        for key, value in fields.items():
            setattr(staff, key, value)
        db.session.commit()
        staff.password = password
        return staff

    factory.Department = Department
    return factory


@pytest.fixture
def login(client):
    """Sign a staff member in on the test client without the TOTP dance (tested elsewhere)."""
    from core.database import utcnow

    def do_login(staff, test_client=None):
        with (test_client or client).session_transaction() as session:
            session["_user_id"] = staff.get_id()
            session["_fresh"] = True
            session["last_seen"] = utcnow().timestamp()
        return staff

    return do_login


# --- the live server and the browser ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture
def live_server(make_app):
    """The app served over real HTTP in a thread, with CSRF on, as a browser meets it."""

    app = make_app(WTF_CSRF_ENABLED=True)
    with services.serving(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium is not installed: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab; fails the test if the page breaks its Content-Security-Policy."""
    context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels")
    tab = context.new_page()
    tab.csp_violations = []
    tab.on(
        "console",
        lambda msg: (
            tab.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    tab.set_default_timeout(30_000)  # a loaded machine: enrolment hashes ten codes with argon2
    yield tab
    context.close()
    assert not tab.csp_violations, tab.csp_violations


@pytest.fixture
def browser_sign_in(live_server):
    """Signs a staff member in through the real pages, enrolling the TOTP app if needed."""
    import pyotp

    from desk.models import Staff

    def sign_in(tab, staff, next_path=""):
        tab.goto(f"{live_server.url}/login{next_path}")
        tab.get_by_label("E-mail").fill(staff.email)
        tab.get_by_label("Wachtwoord").fill(staff.password)
        tab.get_by_role("button", name="Volgende").click()
        tab.wait_for_load_state()
        if "/login/enrol" in tab.url:
            secret = tab.locator("#totp-secret").inner_text()
            tab.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            tab.get_by_role("button", name="Bevestigen").click()
            tab.get_by_role("link", name="bewaard").click()
        else:
            with live_server.app.app_context():
                secret = db.session.get(Staff, staff.id).totp_secret
            tab.get_by_label("Code").fill(pyotp.TOTP(secret).now())
            tab.get_by_role("button", name="Aanmelden").click()
        tab.wait_for_load_state()
        return tab

    return sign_in

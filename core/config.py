"""Configuration: defaults, then the environment, then the test override (see create_app)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from core.time import TIMEZONE

DEFAULTS = {
    "ENV": "production",
    "MUNICIPALITY_NAME": "Gemeente Loket",
    # The number "Call us" on the home page gives (a tel: link); none: the card names no number.
    # Development shows a demo number (see load_config).
    "MUNICIPALITY_PHONE": "",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # PostgreSQL connections each worker keeps open (see database_pool): every request that
    # finds them all in use waits for one, none is opened and closed for a moment's burst.
    "DATABASE_POOL_SIZE": 20,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "loket_session",
    # The idle timeout rewrites the session (and so its cookie and expiry) when it moves
    # last_seen; unchanged sessions need no new cookie on every response.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session it is bound to
    "LANGUAGES": ["nl", "fr", "en"],
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,  # REDIS_URL's server when set (limits shared by workers)
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "TOTP_ISSUER": "Loket",
    "REDIS_URL": None,
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "SMS_GATEWAY": "dev",
    "TWILIO_ACCOUNT_SID": None,
    "TWILIO_AUTH_TOKEN": None,
    "TWILIO_FROM": None,
    "TWILIO_API_BASE_URL": None,
    # Twilio Voice in the agents' browsers (phone.token): an API key, and the TwiML app.
    "TWILIO_API_KEY": None,
    "TWILIO_API_SECRET": None,
    "TWILIO_TWIML_APP_SID": None,
    "CTI_TOKEN": None,  # LOKET_CTI_TOKEN: the generic CTI endpoint's token (phone.cti)
    # Socket.IO (realtime/): None picks gevent under gunicorn's gevent worker, else threading.
    "SOCKETIO_ASYNC_MODE": None,
    "SOCKETIO_CHANNEL": "loket-socketio",
    "SOCKETIO_PING_INTERVAL": 25,
    "SOCKETIO_CORS_ALLOWED_ORIGINS": None,
    # Walk-in counter (counter/).
    "COUNTER_CALL_RULE": "appointments_first",  # or "booked_time_or_arrival"
    "COUNTER_CHECKIN_EARLY_MINUTES": 30,
    "COUNTER_CHECKIN_LATE_MINUTES": 10,
    "COUNTER_TURN_NEAR_AHEAD": 3,
    "COUNTER_BOARD_SIZE": 6,
    "COUNTER_KIOSK_IDLE_SECONDS": 30,  # an untouched kiosk goes back to the default language
    "WRITE_ATTEMPTS": 6,  # tries of a write that collides with a rival (core.unit_of_work)
    "COUNTER_TICKET_RATE_LIMIT": "120 per minute",  # per address: a kiosk is one address
    # Tickets taken without a registered kiosk's token (one's own phone), per address.
    "COUNTER_PUBLIC_TICKET_RATE_LIMIT": "5 per hour",
    # SMS and e-mail notices (sms/): price, retries, the sender, quiet hours, reminders.
    "SMS_COST_PER_SEGMENT": "0.07",
    "SMS_MAX_ATTEMPTS": 8,
    "SMS_RETRY_BASE_SECONDS": 30,
    "SMS_RETRY_MAX_SECONDS": 3600,
    "SMS_SENDER_LEASE_SECONDS": 300,
    "SMS_SENDER_NAME": None,
    "SMS_GATEWAY_TIMEOUT": 10.0,
    "SMS_STATUS_CALLBACK_URL": None,
    "SMS_QUIET_START": "21:00",
    "SMS_QUIET_END": "08:00",
    "SMS_QUIET_MARGIN_MINUTES": 30,
    "SMS_REMINDER_OFFSETS": "1440,120",
    "SMS_REPLY_DEPARTMENT": "contact-centre",
    "EMAIL_GATEWAY": "dev",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_FROM": "loket@example.org",
    # Live chat (chat/)
    "CHAT_MAX_ACTIVE": 3,  # chats one agent holds at once
    "CHAT_MESSAGE_MAX": 2000,  # characters in one message
    "CHAT_RATE_MESSAGES": 10,  # messages one connection may send ...
    "CHAT_RATE_SECONDS": 10,  # ... within this many seconds
    "CHAT_HOURS_LOCATION": None,  # the location whose opening hours are the chat's; None: first
    "CHAT_CALLBACK_DEPARTMENT": "contact-centre",  # whom callback requests go to
    "CHAT_START_RATE_LIMIT": "20 per hour",  # chats and callback requests per client address
    # With REDIS_URL: an agent's console counts as online this long after its process last
    # said so (every third of it); a process that dies takes its agents along within this time.
    "CHAT_PRESENCE_SECONDS": 45,
    # A video call whose page lost its connection ends unless the page is back within this
    # many seconds (chat.video_presence)
    "CHAT_VIDEO_GRACE_SECONDS": 5,
    # Online booking (appointments/)
    "BOOKING_RATE_LIMIT": "120 per minute",  # per client, on the public booking pages and API
    # per client, on "find my appointment" (reference plus phone or e-mail): guessing is slow
    "BOOKING_FIND_RATE_LIMIT": "5 per minute; 30 per day",
    "BOOKING_SLOT_MINUTES": 15,  # the grid free times start on, from each opening period's start
    "BOOKING_MAX_RANGE_DAYS": 92,  # the longest from-to range one slots request may ask
    "BOOKING_MANAGE_LINK_DAYS": 30,  # a manage link keeps working this long after the visit
    "BOOKING_SETUP_CACHE_SECONDS": 5,  # other processes see an admin's change within this time
    "BOOKING_RETRIES": 5,  # rounds on a lost race, deadlock or "database is locked"
}

# The variables DESIGN.md names; every other key comes in as LOKET_<KEY>.
NAMED_VARIABLES = (
    "SECRET_KEY",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "SMS_GATEWAY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "TWILIO_API_BASE_URL",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_TWIML_APP_SID",
)


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration."""


def load_config(app, test_config=None):
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("LOKET")
    for name in NAMED_VARIABLES:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # Limits kept per worker in memory would multiply by the number of workers.
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"

    # The instance folder is made only when something is written there: an installed copy with
    # DATABASE_URL and SECRET_KEY set may have no writable one.
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'loket.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database_pool(app.config)
    if app.config["ENV"] == "development" and not app.config.get("MUNICIPALITY_PHONE"):
        app.config["MUNICIPALITY_PHONE"] = DEMO_PHONE
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] != "development":
            raise ConfigurationError(
                "SECRET_KEY is required outside development "
                "(set SECRET_KEY, or LOKET_ENV=development on a developer's machine)."
            )
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SECRET_KEY"] = development_secret(instance / "secret_key")


DEMO_PHONE = "+32 9 000 00 00"  # the demo municipality's number: not a real one


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_pool(config) -> dict:
    """The engine options, with a fixed pool of DATABASE_POOL_SIZE connections on PostgreSQL.

    SQLAlchemy's own default (5, plus 10 "overflow" connections closed again as soon as they
    are returned) suits a thread per request. One gevent worker serves hundreds of requests at
    once: every burst opened and closed overflow connections, a PostgreSQL backend started and
    stopped each time (0.6 ms of the worker's CPU per "take next" with 50 agents pressing at
    once, bench/phone_take.py). A fixed pool lets a request wait its turn for a connection
    instead. Options given in LOKET_SQLALCHEMY_ENGINE_OPTIONS win.
    """
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options.setdefault("pool_size", int(config["DATABASE_POOL_SIZE"]))
        options.setdefault("max_overflow", 0)
    return options


def development_secret(path: Path) -> str:
    """A per-checkout secret, so development sessions survive restarts without a shared default."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()

"""Loket's application factory: `flask --app app …` and `gunicorn 'app:create_app()'`.

Where the files are. Everything lies beside this module: templates/ and static/ (Flask's
defaults, relative to the module), migrations/, and each package's translations/. The wheel
(pyproject.toml) installs exactly that layout into site-packages, so a checkout and an installed
copy find their files the same way, through ROOT, with no second code path that only production
would take. That is also why Loket is installed into a virtualenv of its own: its top-level names
(app, core, templates, migrations, …) are an application's, not a library's. The one thing that
differs is where Loket may write (instance_path below): never beside an installed copy's code.
"""

import os
import sys
from pathlib import Path

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import text

from core import bounds, errors, i18n, openapi, security, unit_of_work
from core.config import load_config
from core.database import utcnow
from core.json_provider import OrjsonProvider
from core.time import local_clock, local_moment
from extensions import babel, csrf, db, limiter, login_manager, migrate
from realtime import init_realtime

ROOT = Path(__file__).resolve().parent


def instance_path() -> Path:
    """Where Loket writes: the development secret key and the default SQLite database.

    `LOKET_INSTANCE_PATH` when set; else `instance/` beside this module in a checkout (`make
    run`); an installed copy, whose code lies in site-packages, uses Flask's place for installed
    applications, `<prefix>/var/loket-instance`, the same for every process (web, scheduler,
    command line) whatever their working directory. Production sets SECRET_KEY and DATABASE_URL
    and then writes nothing there.
    """
    if os.environ.get("LOKET_INSTANCE_PATH"):
        return Path(os.environ["LOKET_INSTANCE_PATH"]).resolve()
    if ROOT.name in ("site-packages", "dist-packages"):
        return Path(sys.prefix) / "var" / "loket-instance"
    return ROOT / "instance"


def create_app(test_config=None):
    app = Flask(__name__, instance_path=str(instance_path()))
    app.json = OrjsonProvider(app)  # before anything (templates' tojson) takes its dumps
    load_config(app, test_config)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", i18n.translation_directories(ROOT))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    security.init_security(app)
    unit_of_work.init_app(app)
    errors.init_errors(app)
    app.context_processor(i18n.template_globals)
    # Times in the reader's format (Babel) on the Brussels clock: "6 dec 2026 14:30", "14:30".
    app.add_template_filter(local_moment, "moment")
    app.add_template_filter(local_clock, "clock")
    bounds.init_app(app)  # before the blueprints: their <int:…> rules take its converter
    register_blueprints(app)
    register_commands(app)
    init_realtime(app)
    init_chat_sockets(app)
    app.extensions["realtime.display"] = board_state_for_display

    app.add_url_rule("/", "home", home)
    app.add_url_rule("/follow", "follow_ticket", follow_ticket)
    app.add_url_rule("/healthz", "healthz", limiter.exempt(healthz))
    return app


def register_blueprints(app):
    import appointments.models  # noqa: F401
    import appointments.reminder_plans  # noqa: F401
    import chat.models  # noqa: F401
    import chat.video_appointments  # noqa: F401
    import chat.video_calls  # noqa: F401
    import counter.models  # noqa: F401
    import desk.models  # noqa: F401  (every table must be known to Alembic)
    import office.models  # noqa: F401
    import phone.models  # noqa: F401
    import portal
    import sms.models  # noqa: F401
    from appointments import admin as booking_admin
    from appointments import api as booking_api
    from appointments import desk as booking_desk
    from appointments import jobs as booking_jobs
    from appointments import reminder_admin as booking_reminders
    from appointments import views as booking_views
    from chat.admin import bp as chat_admin_bp
    from chat.video import bp as video_bp
    from chat.views import bp as chat_bp
    from counter.admin import bp as counter_admin_bp
    from counter.api import bp as counter_api_bp
    from counter.views import bp as counter_bp
    from desk.admin import bp as admin_bp
    from desk.api import bp as desk_api_bp
    from desk.auth import bp as auth_bp
    from desk.views import bp as desk_bp
    from phone.admin import bp as phone_admin_bp
    from phone.api import bp as phone_api_bp
    from phone.console import bp as phone_console_bp
    from phone.webhooks import bp as phone_hooks_bp
    from sms import jobs as sms_jobs
    from sms.views import bp as sms_bp
    from sms.webhooks import bp as sms_hooks_bp

    app.register_blueprint(i18n.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(desk_api_bp)
    app.register_blueprint(counter_bp)
    app.register_blueprint(counter_api_bp)
    app.register_blueprint(counter_admin_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(sms_hooks_bp)
    app.register_blueprint(phone_hooks_bp)
    app.register_blueprint(phone_admin_bp)
    app.register_blueprint(phone_console_bp)
    app.register_blueprint(phone_api_bp)

    app.register_blueprint(chat_bp)
    app.register_blueprint(chat_admin_bp)
    app.register_blueprint(video_bp)
    booking_jobs.init_app(app)  # before the sender: `scheduler --once` sends what they queue
    sms_jobs.init_app(app)
    # The channels' panels on the party page connect to desk.signals.party_panels.
    import appointments.party_panel  # noqa: F401
    import chat.party_panel  # noqa: F401
    import counter.party_panel  # noqa: F401
    import counter.record_names  # noqa: F401  (desk.signals.link_names)
    import phone.party_panel  # noqa: F401

    for module in (booking_views, booking_desk, booking_admin, booking_reminders, booking_api):
        app.register_blueprint(module.bp)
    portal.init_app(app)  # Mijn Loket, /my


def register_commands(app):
    from core.scheduler import scheduler_command
    from demo import seed_demo_command
    from desk.cli import staff_cli
    from sms.cli import sms_cli

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(sms_cli)
    for command in staff_cli:
        app.cli.add_command(command)


def init_chat_sockets(app):
    """The chat package's /chat handlers replace realtime's plain ChatNamespace (realtime
    imports no channel)."""
    import chat.signalling  # noqa: F401  (the video call's `signal` relay, chat.sockets.chat_event)
    from chat.sockets import ChatSockets

    app.extensions["socketio"].register_namespace(ChatSockets(app, "/chat"))


def board_state_for_display(location_id):
    """What a board or phone gets on (re)connecting to /display; None refuses the location."""
    from counter.state import board_state

    return board_state(location_id)


def home():
    """Where and when to visit, the number to call, booking and following a ticket."""
    from core.time import BRUSSELS
    from office.visiting import visiting_places

    today = utcnow().astimezone(BRUSSELS).date()
    phone = current_app.config.get("MUNICIPALITY_PHONE") or ""
    return render_template(
        "home.html",
        places=visiting_places(today),
        phone=phone,
        phone_tel="".join(c for c in phone if c.isdigit() or c == "+"),
    )


def follow_ticket():
    """The home page's "follow my ticket": the address printed on the ticket (or the code at
    its end) leads to the ticket's follow page."""
    typed = (request.args.get("ticket") or "").strip().rstrip("/")
    token = typed.rsplit("/", 1)[-1].split("?", 1)[0]
    if not token or len(token) > 64 or not all(c.isalnum() or c in "-_" for c in token):
        flash(_("Type the address printed on your ticket, or scan its QR code."), "error")
        return redirect(url_for("home") + "#follow")
    return redirect(url_for("counter.follow", token=token))


def healthz():
    """For load balancers: 503 tells them to stop sending traffic when the database is gone."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database="ok")

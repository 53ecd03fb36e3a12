"""Staff sign-in: e-mail and password, then a TOTP code; the first sign-in enrols the app.

Between the two steps the session holds only `pending_staff_id`; nobody is signed in until the
second factor is proven.
"""

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.database import utcnow
from core.qr import qr_data_uri
from core.unit_of_work import run_opening_read
from desk import accounts
from desk.models import Role, Staff
from desk.staff_forms import CodeForm, EnrolForm, LoginForm
from extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def error_message(code: str) -> str:
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    return {
        "bad_credentials": _(
            "The e-mail address or the password is wrong. After %(failures)d failed attempts "
            "an account is locked for %(minutes)d minutes.",
            failures=current_app.config["LOGIN_MAX_FAILURES"],
            minutes=minutes,
        ),
        "locked": _(
            "This account is locked for %(minutes)d minutes after too many failed attempts.",
            minutes=minutes,
        ),
        "bad_code": _("This code is wrong. Check the time on your phone and try again."),
        "code_reused": _("This code was used already. Wait for the next code in your app."),
    }[code]


STATUS_FOR = {"bad_credentials": 401, "bad_code": 401, "code_reused": 401, "locked": 423}


@login_manager.user_loader
def load_staff(user_id: str):
    """Ids carry the session version, so a reset or deactivation ends every open session."""
    staff_id, _sep, version = user_id.partition(":")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    return staff


def role_required(*roles: Role):
    """Staff with one of these roles (admins always) may pass; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def token_required(view):
    """For counter hardware and integrations: `Authorization: Bearer <personal API token>`."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        # Read before the view, in the transaction its unit of work continues (PostgreSQL):
        # a write the view retries never repeats it.
        staff = (
            run_opening_read(accounts.staff_for_api_token, token.strip())
            if scheme == "Bearer"
            else None
        )
        if staff is None:
            from core.errors import api_error

            return api_error(401, "unauthorized", _("A valid API token is required."))
        g.api_staff = staff
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not urlsplit(target).netloc:
        return target
    return url_for("desk.start")


def pending_staff() -> Staff | None:
    staff_id, started = session.get("pending_staff_id"), session.get("pending_at", 0)
    if staff_id is None or utcnow().timestamp() - started > PENDING_SECONDS:
        return None
    staff = db.session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


def finish_sign_in(staff: Staff):
    accounts.complete_sign_in(staff)
    next_url = session.get("next")
    language = session.get("lang")
    session.clear()  # a fresh session: nothing from before sign-in carries over
    if language:
        session["lang"] = language
    login_user(staff)
    session["last_seen"] = utcnow().timestamp()
    session.permanent = True
    return safe_next(next_url)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("desk.start"))
    form = LoginForm()
    status = 200
    if request.method == "GET" and request.args.get("next"):
        session["next"] = request.args["next"]
    if form.validate_on_submit():
        try:
            staff = accounts.check_password(form.email.data, form.password.data, current_app.config)
        except accounts.AccountError as error:
            form.password.errors.append(error_message(error.code))
            status = STATUS_FOR[error.code]
        else:
            session["pending_staff_id"] = staff.id
            session["pending_at"] = utcnow().timestamp()
            target = "auth.verify" if staff.has_second_factor else "auth.enrol"
            return redirect(url_for(target))
    elif form.is_submitted():
        status = 422
    return render_template("desk/auth/login.html", form=form), status


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def verify():
    staff = pending_staff()
    if staff is None or not staff.has_second_factor:
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            used = accounts.verify_second_factor(staff, form.code.data, current_app.config)
        except accounts.AccountError as error:
            form.code.errors.append(error_message(error.code))
            status = STATUS_FOR[error.code]
        else:
            target = finish_sign_in(staff)
            if used == "recovery_code":
                flash(_("You used a recovery code. Each code works only once."), "warning")
            return redirect(target)
    elif form.is_submitted():
        status = 422
    return render_template("desk/auth/verify.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def enrol():
    staff = pending_staff()
    if staff is None or staff.has_second_factor:
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("auth.login"))
    secret = accounts.enrolment_secret(staff)
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = accounts.enrol_second_factor(staff, form.code.data)
        except accounts.AccountError as error:
            form.code.errors.append(error_message(error.code))
            status = STATUS_FOR[error.code]
        else:
            target = finish_sign_in(staff)
            return render_template("desk/auth/recovery_codes.html", codes=codes, next_url=target)
    elif form.is_submitted():
        status = 422
    uri = accounts.provisioning_uri(staff, secret, current_app.config["TOTP_ISSUER"])
    qr_data = qr_data_uri(uri, scale=5)
    return render_template(
        "desk/auth/enrol.html", form=form, secret=secret, qr_data=qr_data, uri=uri
    ), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Server-side: a copy of this session's cookie opens nothing any more.
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))

"""HTTP security headers, the session cookie and the inactivity timeout for staff sessions."""

from datetime import timedelta

from flask import current_app, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from core.database import utcnow

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# No page may use the camera or microphone, except those a view marks for a video call.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
MEDIA_PERMISSIONS_POLICY = "camera=(self), microphone=(self), geolocation=()"


def allows_camera_and_microphone(view):
    """Marks a view whose page may ask for camera and microphone (the video call pages): a
    script slipped into any other page cannot even ask."""
    view.permissions_policy = MEDIA_PERMISSIONS_POLICY
    return view


def permissions_policy() -> str:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "permissions_policy", PERMISSIONS_POLICY)


def set_security_headers(response):
    """Each header unless the view set its own: one look at the response's headers, not one
    lookup (and one KeyError) per header."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", permissions_policy()),
    ]
    if request.is_secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if request.endpoint != "static":
        # Pages and answers carry personal data (a party page, a manage link, an export):
        # no browser or proxy may keep a copy. Static files are the same for everyone.
        headers.append(("Cache-Control", "no-store"))
    present = {key.lower() for key, _value in response.headers}
    response.headers.extend((key, value) for key, value in headers if key.lower() not in present)
    return response


class SessionOverTLS(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over TLS (behind a proxy that
    forwards X-Forwarded-Proto), not only when SESSION_COOKIE_SECURE says so: one setting
    less to forget, and development over plain HTTP keeps working."""

    def get_cookie_secure(self, app) -> bool:
        configured = super().get_cookie_secure(app)
        return configured or (has_request_context() and request.is_secure)


LAST_SEEN_RESOLUTION_SECONDS = 30


def expire_idle_session():
    """Sign staff out after SESSION_IDLE_MINUTES without a request, and tell them why. A
    request without a session (an API client with its token) has nobody signed in to look
    up."""
    if not session or request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]).total_seconds()
    last_seen = session.get("last_seen", now)
    if now - last_seen > idle:
        logout_user()
        session.clear()
        flash(
            _("Your session expired after a period of inactivity. Please sign in again."), "warning"
        )
        if request.path.startswith("/api/"):
            return None
        return redirect(url_for("auth.login", next=request.full_path))
    if "last_seen" not in session or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        # Rewriting the session on every request would re-sign and resend its cookie each time.
        session["last_seen"] = now
    if not session.permanent:
        session.permanent = True
    return None


def init_security(app):
    app.session_interface = SessionOverTLS()
    app.after_request(set_security_headers)
    app.before_request(expire_idle_session)

"""Friendly error pages in the user's language, the JSON error shape for the API, and the one
family of domain errors every package raises.

A service raises a `DomainError` subclass; an HTML view that shows a form catches it and puts
`field_messages()` on the form's fields (`form_errors`); anything not caught becomes the error
envelope for the JSON API or the error page for a browser, here, in one place each.
"""

from collections.abc import Mapping

from flask import (
    current_app,
    has_app_context,
    has_request_context,
    jsonify,
    render_template,
    request,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.i18n import template_globals
from extensions import db


def _messages():
    return {
        400: (_("Bad request"), _("We could not understand that request. Please try again.")),
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("We cannot find this page. Check the address or go back.")),
        405: (_("Not allowed"), _("This action is not possible on this page.")),
        413: (_("Too large"), _("What you sent is too large. Send something smaller.")),
        429: (_("Too many attempts"), _("You tried too often. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("Something went wrong on our side. Try again later.")),
        503: (
            _("Temporarily unavailable"),
            _("We cannot reach our records right now. Please try again in a minute."),
        ),
    }


class DomainError(Exception):
    """Something a user or caller can cause, never a 500.

    `code` is stable (the API's error code), `field` names the input that was wrong (or
    `fields` maps several to their messages), `status` is the HTTP answer, and `message` is
    in the reader's language: given, or looked up in the subclass's `messages` by code and
    filled in with `params`. Nothing is written when one is raised (the unit of work rolls
    back).
    """

    status = 422
    code = "invalid"
    messages: Mapping[str, object] = {}

    def __init__(
        self,
        code: str | None = None,
        field: str | None = None,
        *,
        message=None,
        fields: Mapping | None = None,
        **params,
    ):
        super().__init__(code or self.code)
        if code:
            self.code = code
        self.field = field
        self.fields = dict(fields or {})
        self.params = params
        self._message = message

    @property
    def message(self) -> str:
        """In the request's language; outside a request (scheduler, CLI) in the default one."""
        text = self._message or self.messages.get(self.code) or _l("This request is not valid.")
        if has_request_context() or not has_app_context():
            return _filled(text, self.params)
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return _filled(text, self.params)

    def field_messages(self) -> dict[str, str]:
        """Each wrong field with its message, for a form or the API's `fields`."""
        if self.fields:
            return {key: str(value) for key, value in self.fields.items()}
        return {self.field: self.message} if self.field else {}

    def extra(self) -> dict:
        """Keys the API answer carries beside code, message and fields (a taken time's
        alternatives)."""
        return {}


def _filled(text, params: dict) -> str:
    return str(text) % params if params else str(text)


def form_errors(form, error: DomainError, fallback: str | None = None) -> None:
    """Put the error's messages on the form's fields; one about no field of the form goes on
    `fallback` (or the form's own error list, shown in the error summary)."""
    messages = error.field_messages() or {None: error.message}
    for name, text in messages.items():
        field = getattr(form, name, None) if name else None
        if field is None and fallback:
            field = getattr(form, fallback, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, text]
        else:
            form.form_errors.append(text)


def _roll_back() -> None:
    """An error answer keeps nothing the request wrote (core.unit_of_work commits the rest)."""
    db.session.rollback()


def handle_domain_error(error: DomainError):
    """An error no view turned into a form message: the API's envelope or the error page."""
    _roll_back()
    if wants_json():
        return api_error(
            error.status, error.code, error.message, error.field_messages(), **error.extra()
        )
    title = _messages().get(error.status, (_("Something went wrong"), ""))[0]
    page = render_template(
        "errors/error.html", status=error.status, title=title, message=error.message
    )
    return page, error.status


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def api_error(status: int, code: str, message: str, fields: dict | None = None, **more):
    """The API's error answer; `more` adds keys beside code, message and fields."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **more}}
    return jsonify(body), status


def handle_http_error(error: HTTPException):
    """Our page or envelope in place of Werkzeug's, with the headers the error carries (a 405's
    `Allow`, a 429's `Retry-After`): only its body is replaced."""
    _roll_back()
    status = error.code or 500
    title, message = _messages().get(status, (error.name, error.description))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body, status = api_error(status, error.name.lower().replace(" ", "_"), message)
        return body, status, headers
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return page, status, headers


def handle_csrf_error(error: CSRFError):
    _roll_back()
    message = _("This form has expired or was not sent from this site. Please try again.")
    if wants_json():
        return api_error(400, "csrf", message)
    title = _("Form expired")
    return render_template("errors/error.html", status=400, title=title, message=message), 400


RETRY_AFTER_SECONDS = 30


def handle_database_unavailable(error: OperationalError):
    """The database is down or unreachable: 503 with Retry-After, so a person (and a load
    balancer) knows to try again, instead of a 500 that says something broke."""
    current_app.logger.error(
        "database unavailable on %s %s: %s", request.method, request.path, error.orig
    )
    try:
        _roll_back()
    except OperationalError:
        db.session.invalidate()
    title, message = _messages()[503]
    if wants_json():
        response, status = api_error(503, "unavailable", message)
    else:
        # Rendered without the context processors: Flask-Login's would load the staff member.
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        page = template.render(title=title, message=message, **template_globals())
        response, status = current_app.make_response(page), 503
    response.status_code = status
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def init_errors(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)

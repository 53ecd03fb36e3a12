"""Friendly error pages in the user's language, and the JSON error shape for the API."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def _messages():
    return {
        400: (_("Bad request"), _("We could not understand that request. Please try again.")),
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("We cannot find this page. Check the address or go back.")),
        405: (_("Not allowed"), _("This action is not possible on this page.")),
        413: (_("Too large"), _("What you sent is too large. Send something smaller.")),
        429: (_("Too many attempts"), _("You tried too often. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("Something went wrong on our side. Try again later.")),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def api_error(status: int, code: str, message: str, fields: dict | None = None, **more):
    """The API's error answer; `more` adds keys beside code, message and fields."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **more}}
    return jsonify(body), status


def handle_http_error(error: HTTPException):
    status = error.code or 500
    title, message = _messages().get(status, (error.name, error.description))
    if wants_json():
        return api_error(status, error.name.lower().replace(" ", "_"), message)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_csrf_error(error: CSRFError):
    message = _("This form has expired or was not sent from this site. Please try again.")
    if wants_json():
        return api_error(400, "csrf", message)
    title = _("Form expired")
    return render_template("errors/error.html", status=400, title=title, message=message), 400


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def init_errors(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)

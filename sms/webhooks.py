"""Twilio's webhooks: `POST /sms/inbound` (a reply) and `POST /sms/status` (delivery news).

Both are signed by Twilio with the auth token over the exact URL it called; we rebuild that URL
from PUBLIC_BASE_URL, not from the request, because behind a proxy the request's own host and
scheme are the proxy's. Anything unsigned or forged gets 403. They are CSRF-exempt (Twilio has
no session) and answer quickly: the work is small and the answers go through the outbox.
"""

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from extensions import csrf, limiter
from sms import delivery, replies

log = logging.getLogger(__name__)
bp = Blueprint("sms_hooks", __name__, url_prefix="/sms")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_url() -> str:
    query = request.query_string.decode()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    if not RequestValidator(token).validate(signed_url(), request.form, signature):
        log.warning("forged or mis-signed Twilio webhook on %s", request.path)
        abort(403)


@bp.post("/inbound")
@csrf.exempt
@limiter.exempt
def inbound():
    require_twilio_signature()
    replies.receive_reply(
        sid=request.form.get("MessageSid") or request.form.get("SmsSid") or "",
        sender=request.form.get("From", ""),
        body=request.form.get("Body", ""),
    )
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/status")
@csrf.exempt
@limiter.exempt
def status():
    require_twilio_signature()
    delivery.apply_status(
        request.form.get("MessageSid", ""),
        request.form.get("MessageStatus") or request.form.get("SmsStatus", ""),
        request.form.get("ErrorCode"),
        outbox_id=request.args.get("id"),
    )
    return Response("", status=200)

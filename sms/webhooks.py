"""Twilio's webhooks: `POST /sms/inbound` (a reply) and `POST /sms/status` (delivery news).

Both are signed by Twilio with the auth token over the exact URL it called; we rebuild that URL
from PUBLIC_BASE_URL, not from the request, because behind a proxy the request's own host and
scheme are the proxy's. Anything unsigned or forged gets 403. They are CSRF-exempt (Twilio has
no session) and answer quickly: the work is small and the answers go through the outbox.
"""

import logging
import re

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from core import bounds
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


SID = re.compile(r"[A-Za-z0-9]{1,64}")  # Twilio's are 34: two letters, 32 hex digits


def message_sid(*names: str) -> str:
    """The message's SID from the first of these form fields that has one; a signed request
    with a SID that cannot be one (too long for its column, odd characters) is a 400."""
    sid = next((request.form[n] for n in names if request.form.get(n)), "")
    if not SID.fullmatch(sid):
        abort(400)
    return sid


@bp.post("/inbound")
@csrf.exempt
@limiter.exempt
def inbound():
    require_twilio_signature()
    replies.receive_reply(
        sid=message_sid("MessageSid", "SmsSid"),
        sender=request.form.get("From", "")[:32],
        body=request.form.get("Body", ""),
    )
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/status")
@csrf.exempt
@limiter.exempt
def status():
    require_twilio_signature()
    delivery.apply_status(
        message_sid("MessageSid", "SmsSid"),
        (request.form.get("MessageStatus") or request.form.get("SmsStatus", ""))[:32],
        request.form.get("ErrorCode", "")[:20] or None,
        outbox_id=bounds.as_id(request.args.get("id", "")),
    )
    return Response("", status=200)

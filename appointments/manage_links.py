"""The secret manage link of a booking: reschedule or cancel without an account.

The token is an HMAC of reference and nonce under SECRET_KEY: the table alone does not reveal
it, and a new nonce revokes every link sent before. Its own module because pages, the API and
the notices all hand the link out, and booking checks it.
"""

import hashlib
import hmac

from flask import current_app


def manage_token(appointment) -> str:
    message = f"{appointment.reference}:{appointment.manage_nonce}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def public_manage_url(appointment) -> str:
    """The link as a notice carries it: on PUBLIC_BASE_URL, outside any request."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    token = manage_token(appointment)
    return f"{base}/appointments/manage/{appointment.reference}?token={token}"

"""Registered kiosks: the device that may hand out tickets without the limits a phone gets.

Anyone may take a ticket from their own phone (a virtual queue), but then with a mobile number,
at most one waiting ticket per service and number, and a few tickets per hour per address
(counter.api, counter.views). A kiosk an admin registered is exempt, at its own location:

- kiosk hardware that calls the API sends its device token as `X-Kiosk-Token`;
- a kiosk browser is paired once: the admin hands out a pairing link (one use, a day), and the
  browser that confirms it gets a signed cookie, tied to the kiosk's current token, which the
  kiosk page renews on every visit. Nothing secret is in the kiosk's address.

Only hashes of the token and the pairing code are stored; revoking a kiosk ends both.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from core.database import utcnow
from core.unit_of_work import run_in_transaction
from counter.errors import CounterError, NotFound
from counter.models import Kiosk
from extensions import db
from office.models import Location

HEADER = "X-Kiosk-Token"
COOKIE = "loket_kiosk"
COOKIE_PATH = "/counter/kiosk/"
COOKIE_DAYS = 365  # renewed on every visit of the kiosk page
PAIRING_HOURS = 24
PREFIX = "lkk_"  # how a device token starts: recognisable in a leak scan
NAME_MAX = 80


class KioskTokenInvalid(CounterError):
    status = 401


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def clean_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name or len(name) > NAME_MAX:
        raise CounterError("kiosk_name", field="name")
    return name


def register(*, name, location_id, staff_id=None) -> tuple[Kiosk, str, str]:
    """A new kiosk; returns it with its device token and a pairing code, each shown once."""
    name = clean_name(name)
    token, code = PREFIX + _new_secret(), _new_secret()

    def work():
        if db.session.get(Location, location_id) is None:
            raise NotFound("unknown_location", field="location_id")
        kiosk = Kiosk(
            location_id=location_id,
            name=name,
            token_hash=digest(token),
            pairing_hash=digest(code),
            pairing_expires_at=utcnow() + timedelta(hours=PAIRING_HOURS),
            created_by_id=staff_id,
        )
        db.session.add(kiosk)
        db.session.flush()
        return kiosk

    return run_in_transaction(work), token, code


def new_pairing(kiosk_id: int) -> tuple[Kiosk, str]:
    """A fresh pairing code (the browser's data was cleared, the device replaced); an unused
    earlier one stops working."""
    code = _new_secret()

    def work():
        kiosk = active(kiosk_id)
        kiosk.pairing_hash = digest(code)
        kiosk.pairing_expires_at = utcnow() + timedelta(hours=PAIRING_HOURS)
        return kiosk

    return run_in_transaction(work), code


def revoke(kiosk_id: int) -> Kiosk:
    def work():
        kiosk = active(kiosk_id)
        kiosk.revoked_at = utcnow()
        kiosk.pairing_hash = kiosk.pairing_expires_at = None
        return kiosk

    return run_in_transaction(work)


def active(kiosk_id: int) -> Kiosk:
    kiosk = db.session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.revoked_at is not None:
        raise NotFound("unknown_kiosk")
    return kiosk


def pairing(code: str) -> Kiosk | None:
    """The kiosk this pairing code is for, while it is unused, unexpired and not revoked."""
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.pairing_hash == digest(code)))
    if kiosk is None or kiosk.revoked_at is not None or kiosk.pairing_expires_at < utcnow():
        return None
    return kiosk


def pair(code: str) -> Kiosk:
    """Use the pairing code (once): the caller sets the cookie (`cookie_for`)."""

    def work():
        kiosk = pairing(code)
        if kiosk is None:
            raise NotFound("pairing_invalid")
        kiosk.pairing_hash = kiosk.pairing_expires_at = None
        kiosk.paired_at = utcnow()
        return kiosk

    return run_in_transaction(work)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="loket.kiosk")


def cookie_for(kiosk: Kiosk) -> str:
    """Signed: the kiosk and the first half of its token's hash, so revoking the kiosk or
    registering it anew ends the cookie too."""
    return _serializer().dumps({"kiosk": kiosk.id, "token": kiosk.token_hash[:32]})


def set_cookie(response, kiosk: Kiosk) -> None:
    response.set_cookie(
        COOKIE,
        cookie_for(kiosk),
        max_age=int(timedelta(days=COOKIE_DAYS).total_seconds()),
        path=COOKIE_PATH,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )


def _from_token(token: str) -> Kiosk | None:
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.token_hash == digest(token)))
    return kiosk if kiosk is not None and kiosk.revoked_at is None else None


def _from_cookie(value: str) -> Kiosk | None:
    try:
        claims = _serializer().loads(value)
        kiosk = db.session.get(Kiosk, int(claims["kiosk"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk if hmac.compare_digest(kiosk.token_hash[:32], str(claims["token"])) else None


def requesting_kiosk() -> Kiosk | None:
    """The registered kiosk this request comes from (its header, else its cookie), once per
    request. A header that names no kiosk is refused (401): kiosk hardware must learn that its
    token stopped working, not fall back to a phone's limits unnoticed."""
    if "loket_kiosk" not in g:
        kiosk = None
        if request.headers.get(HEADER):
            kiosk = _from_token(request.headers[HEADER])
            g.loket_kiosk_refused = kiosk is None
        elif request.cookies.get(COOKIE):
            kiosk = _from_cookie(request.cookies[COOKIE])
        # Read only: a "last used" written here would make every kiosk's ticket wait on that
        # row; its tickets say when it was last used (ticket.kiosk_id).
        g.loket_kiosk = kiosk
    if g.get("loket_kiosk_refused"):
        raise KioskTokenInvalid("kiosk_token_invalid")
    return g.loket_kiosk


def is_kiosk() -> bool:
    """For the rate limiter's exempt_when: never raises (the view refuses a bad token)."""
    try:
        return requesting_kiosk() is not None
    except KioskTokenInvalid:
        return False


def kiosk_at(location_id: int) -> Kiosk | None:
    """The requesting kiosk if it stands at this location: elsewhere it is no kiosk."""
    kiosk = requesting_kiosk()
    return kiosk if kiosk is not None and kiosk.location_id == location_id else None

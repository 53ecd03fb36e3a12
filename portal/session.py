"""A citizen's session, kept apart from staff sessions.

Its own cookie (`loket_my`, signed, HttpOnly, SameSite=Lax, Secure over TLS) carries a random
token; the server keeps the session row (found by the token's hash), so signing out or an idle
timeout ends it for good, and a copied cookie is worth nothing afterwards. Staff sign in through
Flask's session (`loket_session`): neither cookie opens the other's pages.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select

from core.database import utcnow
from desk import record
from desk.models import Representation
from extensions import db
from portal.models import CitizenSession

COOKIE_NAME = "loket_my"
LAST_SEEN_RESOLUTION = timedelta(seconds=30)  # one write per half minute, not per request


@dataclass(frozen=True)
class Citizen:
    """Who is signed in, and for whom they act now (`party_id` when for themselves)."""

    session_id: int
    own_party_id: int
    acting_for_id: int | None
    representation_id: int | None

    @property
    def party_id(self) -> int:
        """The party whose pages are shown: the represented one while acting for them."""
        return self.acting_for_id or self.own_party_id


def citizen_of(row: CitizenSession) -> Citizen:
    return Citizen(
        session_id=row.id,
        own_party_id=row.party_id,
        acting_for_id=row.acting_for_id,
        representation_id=row.representation_id,
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="loket-my-session")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["MY_IDLE_MINUTES"]))


def start_session(party_id: int, how: str) -> str:
    """A new session for the party (followed to its survivor after a merge); returns the signed
    cookie value, which `set_cookie` puts on the response. Does not commit."""
    party = record.resolve_party(party_id)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        CitizenSession(
            token_hash=_token_hash(token),
            party_id=party.id,
            signed_in_how=how,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return _serializer().dumps(token)


def set_cookie(response, value: str):
    response.set_cookie(
        COOKIE_NAME,
        value,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE", False),
        path="/my",
    )
    return response


def clear_cookie(response):
    response.delete_cookie(COOKIE_NAME, path="/my")
    return response


def current_session() -> CitizenSession | None:
    """The open, recently used session this request's cookie names, or None. Moves its
    last_seen; ends it when it was idle too long."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    try:
        token = _serializer().loads(value)
    except BadSignature:
        return None
    row = db.session.scalar(
        select(CitizenSession).where(
            CitizenSession.token_hash == _token_hash(str(token)),
            CitizenSession.ended_at.is_(None),
        )
    )
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > idle_limit():
        row.ended_at = now
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
    _follow_merges(row)
    _drop_lapsed_representation(row, now)
    return row


def _follow_merges(row: CitizenSession) -> None:
    """A party merged while signed in: carry on as the survivor (both the citizen and whom
    they act for)."""
    survivor = record.resolve_party(row.party_id).id
    if survivor != row.party_id:
        row.party_id = survivor
    if row.acting_for_id is not None:
        represented = record.resolve_party(row.acting_for_id).id
        if represented != row.acting_for_id:
            row.acting_for_id = represented


def _drop_lapsed_representation(row: CitizenSession, now) -> None:
    """Acting for someone holds only while the representation does."""
    if row.representation_id is None:
        return
    held = db.session.get(Representation, row.representation_id)
    if held is None or not _valid(held, row.party_id, now):
        row.acting_for_id = row.representation_id = None


def _valid(held: Representation, party_id: int, now) -> bool:
    return (
        held.representative_id == party_id
        and held.valid_from <= now
        and (held.valid_until is None or held.valid_until > now)
    )


def act_for(row: CitizenSession, representation_id: int | None) -> None:
    """Switch to acting for the party of a representation the citizen holds now (None: back to
    themselves); `g.citizen` follows. Any other id is a 404: it tells nothing about other
    people's representations."""
    if representation_id is None:
        row.acting_for_id = row.representation_id = None
        g.citizen = citizen_of(row)
        return
    held = db.session.get(Representation, representation_id)
    if held is None or not _valid(held, row.party_id, utcnow()):
        abort(404)
    row.acting_for_id = record.resolve_party(held.represented_id).id
    row.representation_id = held.id
    db.session.flush()
    g.citizen = citizen_of(row)


def forget_old_sessions() -> int:
    """Delete sessions ended, or idle past the limit, more than a day ago: nothing reads them
    then. The scheduler's job `portal.forget_sign_ins`; returns how many went."""
    cutoff = utcnow() - timedelta(days=1)
    gone = db.session.execute(
        delete(CitizenSession).where(
            (CitizenSession.ended_at < cutoff)
            | (CitizenSession.last_seen_at < cutoff - idle_limit())
        )
    ).rowcount
    db.session.commit()
    return gone


def end_session(row: CitizenSession | None) -> None:
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.session.flush()


def citizen_required(view):
    """Pages of a signed-in citizen: `g.citizen` (a Citizen), `g.citizen_session` (its row);
    anyone else goes to the sign-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        row = current_session()
        if row is None:
            answer = redirect(url_for("portal.sign_in", next=request.full_path.rstrip("?")))
            if request.cookies.get(COOKIE_NAME):
                flash(_("You were signed out of Mijn Loket. Please sign in again."), "info")
                clear_cookie(answer)
            return answer
        g.citizen_session, g.citizen = row, citizen_of(row)
        return view(*args, **kwargs)

    return wrapped


def signed_in_names(who: Citizen) -> tuple[str, str | None]:
    """(own name, name of the party they act for or None), for the page header."""
    own = record.resolve_party(who.own_party_id).display_name
    if who.acting_for_id is None:
        return own, None
    return own, record.resolve_party(who.acting_for_id).display_name

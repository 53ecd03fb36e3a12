"""Signing in with the government's identity provider (itsme / eID through the Flemish or
federal broker), by OpenID Connect with Authlib: authorisation code flow with PKCE (S256), state
and nonce, all three checked by Authlib against what this browser's session holds.

The national register number comes in the claim OIDC_NATIONAL_NUMBER_CLAIM (from the ID token,
else from the userinfo endpoint) and is used only to find its keyed hash in the record; it is
never stored in clear. A number the record does not hold yet becomes a new party holding that
identifier, verified: the identity provider proved who this is, and a resident who never
contacted the municipality must still be able to sign in (and see an empty Mijn Loket, book a
visit). A merged party signs in as its survivor.
"""

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core.unit_of_work import run_in_transaction
from desk import identifiers, record
from desk.errors import InvalidInput
from desk.models import PartyIdentifier, VerifiedHow
from extensions import db
from portal import bp
from portal.sign_in import finish_sign_in

PROVIDER = "identity_provider"
EXTENSION = "authlib.integrations.flask_client"


def init_app(app) -> None:
    """One Authlib registry per app (tests build many apps in one process); none without an
    issuer, and then no button either."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPE"], "code_challenge_method": "S256"},
    )


def client():
    registry = current_app.extensions.get(EXTENSION)
    return registry.create_client(PROVIDER) if registry else None


def callback_url() -> str:
    """On PUBLIC_BASE_URL, the address registered with the provider, whatever Host a proxy
    passed on."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("portal.oidc_callback")


@bp.get("/sign-in/oidc")
def oidc_start():
    """A link, not a form: the form-action CSP forbids a form to lead to another site, and a
    forged start is harmless (only the browser holding the state can finish it)."""
    provider = client()
    if provider is None:
        return refused("unavailable", 404)
    try:
        return provider.authorize_redirect(callback_url(), ui_locales=str(get_locale()))
    except (OAuthError, requests.RequestException, ValueError):
        return refused("provider_down", 503)


@bp.get("/sign-in/oidc/callback")
def oidc_callback():
    provider = client()
    if provider is None:
        return refused("unavailable", 404)
    try:
        token = provider.authorize_access_token()
    except OAuthError:
        return refused("cancelled", 400)
    except (requests.RequestException, ValueError):
        return refused("provider_down", 503)
    claims = dict(token.get("userinfo") or {})
    claim = current_app.config["OIDC_NATIONAL_NUMBER_CLAIM"]
    if claim not in claims:
        try:
            claims.update(provider.userinfo(token=token))
        except (OAuthError, requests.RequestException, ValueError):
            return refused("provider_down", 503)
    try:
        digits = identifiers.normalise_national_number(str(claims.get(claim) or ""))
    except InvalidInput:
        return refused("no_national_number", 403)
    party_id = run_in_transaction(
        party_for_national_number, digits, name_from(claims), retry_if=record.lost_race
    )
    return finish_sign_in(party_id, "oidc")


def party_for_national_number(digits: str, name: str | None) -> int:
    """The (surviving) party with this national register number, or a new one; its identifier
    verified by the identity provider either way."""
    party = record.find_or_create_party(name=name, national_number=digits)
    key = identifiers.identifier_key(current_app.config)
    digest = identifiers.identifier_digest(identifiers.NATIONAL_NUMBER, digits, key)
    held = db.session.scalar(
        select(PartyIdentifier).where(
            PartyIdentifier.kind == identifiers.NATIONAL_NUMBER, PartyIdentifier.digest == digest
        )
    )
    if held.verified_at is None:  # its row may still name a merged party: verify it there
        record.verify_identifier(
            party=held.party_id, identifier=held, staff=None, how=VerifiedHow.IDENTITY_PROVIDER
        )
    return party.id


def name_from(claims: dict) -> str | None:
    given, family = claims.get("given_name"), claims.get("family_name")
    name = " ".join(part for part in (given, family) if part) or claims.get("name")
    return str(name)[:200] if name else None


def refused(reason: str, status: int):
    messages = {
        "unavailable": _("Signing in with itsme or eID is not available here."),
        "cancelled": _(
            "Signing in with itsme or eID did not finish. Nothing was changed; you can try again."
        ),
        "provider_down": _(
            "We cannot reach the itsme and eID sign-in service just now. Try again later, or "
            "sign in with a code."
        ),
        "no_national_number": _(
            "Your identity provider did not give us your national register number, so we cannot "
            "find your file. Sign in with a code instead, or contact us."
        ),
    }
    return render_template("portal/sign_in_refused.html", message=messages[reason]), status

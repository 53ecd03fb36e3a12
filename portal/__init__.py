"""Mijn Loket: the citizen's own view of what the municipality holds about them.

Reads the floors (desk's record, office) and each channel's small read API
(`appointments.of_party`, …), never a channel's tables; writes through `desk.record` only. A
citizen's session is its own (portal.session): a staff sign-in never opens these pages, and a
citizen's never opens the desk. Nothing imports portal.
"""

from flask import Blueprint, g

from core.scheduler import register_job

bp = Blueprint("portal", __name__, url_prefix="/my")

DEFAULTS = {
    "MY_IDLE_MINUTES": 15,  # a citizen's session ends after this long without a request
    "MY_SIGN_IN_RATE_LIMIT": "10 per 15 minutes",  # codes asked, per client
    "MY_SIGN_IN_ADDRESS_RATE_LIMIT": "3 per 15 minutes",  # codes asked, per address
    "MY_CODE_RATE_LIMIT": "20 per 15 minutes",  # codes typed, per client
    # OpenID Connect (the government's identity broker); no issuer: no button.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_NATIONAL_NUMBER_CLAIM": "rrn",
    "OIDC_SCOPE": "openid profile",
}

# The citizen's menu: (endpoint, label) pairs that page modules add with `menu_item`, in order.
MENU: list[tuple[str, object]] = []


def menu_item(endpoint: str, label) -> None:
    """A page module's entry in the menu of templates/portal/base.html (label: lazy_gettext)."""
    if all(known != endpoint for known, _label in MENU):
        MENU.append((endpoint, label))


def init_app(app) -> None:
    import portal.models  # noqa: F401  (its tables, for Alembic)
    from portal import oidc, pages, sign_in  # noqa: F401  (their routes)

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    oidc.init_app(app)
    register_job(app, "portal.forget_sign_ins", forget_sign_ins, seconds=3600)
    app.register_blueprint(bp)


def forget_sign_ins() -> None:
    """Spent codes and old sessions are deleted a day after they stopped mattering."""
    from portal.codes import forget_spent_codes
    from portal.session import forget_old_sessions

    forget_spent_codes()
    forget_old_sessions()


@bp.app_context_processor
def citizen_globals():
    """What templates/portal/base.html shows: the menu, and who is signed in for whom (for
    any view behind `citizen_required`, whichever blueprint it is on)."""
    from portal.session import signed_in_names

    citizen = g.get("citizen")
    return {
        "portal_menu": MENU,
        "citizen": citizen,
        "citizen_names": signed_in_names(citizen) if citizen else None,
    }

"""The video call's pages and its ICE servers (`GET /chat/ice-servers`, DESIGN.md)."""

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from chat.ice import ice_servers
from extensions import limiter

bp = Blueprint("video", __name__)


def may_use_turn() -> bool:
    """TURN relays media at the municipality's expense: only someone in a call gets a
    credential (a signed-in agent, or a citizen showing their chat's resume token)."""
    return current_user.is_authenticated


@bp.get("/chat/ice-servers")
@limiter.limit("30 per minute")
def ice_servers_view():
    """STUN for anyone; TURN with a credential valid one hour at most for a call's parties."""
    response = jsonify(ice_servers(current_app.config, with_turn=may_use_turn()))
    response.headers["Cache-Control"] = "no-store"
    return response

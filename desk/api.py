"""Staff endpoints of the JSON API, authenticated by personal API tokens (no cookies, no CSRF)."""

from flask import Blueprint, g, jsonify

from desk import openapi
from desk.auth import token_required
from extensions import csrf

bp = Blueprint("desk_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
openapi.register()


@bp.get("/me")
@token_required
def me():
    """Lets an integration check its token and see whose it is."""
    staff = g.api_staff
    return jsonify(id=staff.id, name=staff.name, email=staff.email, role=staff.role.value)

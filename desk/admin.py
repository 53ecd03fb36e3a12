"""Admins manage staff accounts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/staff")
def staff_list():
    return "staff"

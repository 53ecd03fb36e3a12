"""The staff desk."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@login_required
def start():
    return render_template("desk/start.html")

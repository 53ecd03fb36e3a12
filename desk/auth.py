"""Staff sign-in: password, then a TOTP second factor (enrolled on first sign-in)."""

from flask import Blueprint, redirect, url_for
from flask_login import logout_user

from desk.models import Staff
from extensions import db, login_manager

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login():
    return "login"


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@login_manager.user_loader
def load_staff(user_id: str):
    """Ids carry the session version, so a reset or deactivation ends every open session."""
    staff_id, _, version = user_id.partition(":")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    return staff

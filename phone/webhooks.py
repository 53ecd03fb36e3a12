"""Twilio Voice's webhooks under /phone: the caller's side of the phone channel."""

from flask import Blueprint

bp = Blueprint("phone_hooks", __name__, url_prefix="/phone")

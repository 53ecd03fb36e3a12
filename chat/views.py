"""The chat's pages: the citizen's widget and callback form, the agents' console."""

from flask import Blueprint

bp = Blueprint("chat", __name__, url_prefix="/chat")

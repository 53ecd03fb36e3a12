"""Admin pages of the chat: canned answers per language."""

from flask import Blueprint

bp = Blueprint("chat_admin", __name__, url_prefix="/chat/admin")

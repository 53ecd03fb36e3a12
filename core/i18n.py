"""Language choice: an explicit switch wins, then the browser's preference, then Dutch."""

from pathlib import Path

from flask import Blueprint, current_app, redirect, request, session
from flask_babel import get_locale

from core.database import utcnow

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def select_locale():
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return request.accept_languages.best_match(
        current_app.config["LANGUAGES"], default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def translation_directories(root: Path) -> str:
    """Each package keeps its own catalogue (<package>/translations), so teams never collide."""
    return ";".join(str(path) for path in sorted(root.glob("*/translations")))


@bp.post("/lang/<code>")
def switch_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.form.get("next") or request.referrer or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target)


def template_globals():
    return {
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "municipality_name": current_app.config["MUNICIPALITY_NAME"],
        "now_utc": utcnow(),
    }

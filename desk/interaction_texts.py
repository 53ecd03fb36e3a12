"""A contact moment's subject and summary in the reader's language (its outcome too, when a
channel registered the outcome's code; desk.labels.interaction_outcome).

The record stores codes with parameters ("appointments.summary", {"reference": "ABC-123",
"when": "2027-03-02T08:30:00+00:00", ...}); each channel registers the words of its own codes
here at import time, so the desk renders them without importing a channel. A parameter is
rendered by its kind:

- a dict of languages ({"nl": "Paspoort", "fr": "Passeport"}): the reader's, else Dutch;
- a list: its items, each rendered, joined by commas;
- a name `when`, or ending in `_when` or `_at`, holding an ISO UTC time (`iso_utc`): date
  and time on the Brussels clock;
- a name ending in `_amount`: euros; any other number: a number in the reader's format;
- a name ending in `_code` (or `_codes`, a list): a registered code, in its words.

A code nobody registered, or parameters its words do not fit, show the stored text instead:
older rows, and rows a newer version wrote, still read as they were written.
"""

from datetime import UTC, datetime

from flask import current_app
from flask_babel import force_locale, format_currency, format_decimal, get_locale

from core.time import local_moment

TEXTS: dict[str, object] = {}  # code -> lazy_gettext text with %(name)s parameters


def register_texts(texts: dict) -> None:
    """Called by a channel at import time with its codes and their words (lazy_gettext)."""
    TEXTS.update(texts)


def in_languages(name_in) -> dict[str, str]:
    """A name as a parameter in every language, from a `name_in(language)` (office.Named)."""
    return {language: name_in(language) for language in current_app.config["LANGUAGES"]}


def in_default_language(code: str, params: dict | None) -> str:
    """The words of a code in the municipality's language: the text kept beside the code."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render(code, params, "")


def render(code: str | None, params: dict | None, fallback: str) -> str:
    words = TEXTS.get(code) if code else None
    if words is None:
        return fallback or ""
    try:
        return str(words) % {name: _value(name, v) for name, v in (params or {}).items()}
    except (KeyError, TypeError, ValueError):  # another version's params, or a damaged time
        return fallback or ""


def interaction_subject(interaction) -> str:
    """The subject line staff read: an ORM Interaction or a row with the same columns."""
    return render(interaction.subject_code, interaction.subject_params, interaction.subject)


def interaction_summary(interaction) -> str:
    return render(interaction.summary_code, interaction.summary_params, interaction.summary)


def _value(name: str, value):
    if isinstance(value, dict):
        language = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])[:2]
        return value.get(language) or value.get("nl") or next(iter(value.values()), "")
    if isinstance(value, list):
        return ", ".join(str(_value(name.removesuffix("s"), item)) for item in value)
    if name.endswith("_code") and isinstance(value, str):
        return render(value, None, value)
    if isinstance(value, str) and (name == "when" or name.endswith(("_when", "_at"))):
        return local_moment(datetime.fromisoformat(value))
    if name.endswith("_amount") and isinstance(value, int | float):
        return format_currency(value, "EUR")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    return value


def iso_utc(value: datetime) -> str:
    """A time as a parameter: ISO 8601 in UTC, shown on the Brussels clock when read."""
    return value.astimezone(UTC).isoformat()

"""What the caller hears, in the call's language: each prompt a code with its words.

Words come from the phone catalogue (nl, fr, en) and are spoken by `<Say>` with the voice an
admin chose for the language (phone_voice), else LOKET_PHONE_VOICES, else the defaults below.
A prompt without parameters may instead be a recording an admin uploaded (phone_recording):
then `<Play>` plays it.
"""

from dataclasses import dataclass
from time import monotonic as clock

from flask import current_app
from flask_babel import force_locale, format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from extensions import db
from phone.models import LANGUAGES, PhoneRecording, PhoneVoice

# Twilio's names: a voice, and the language it is told to speak (which the voice must speak).
DEFAULT_VOICES = {
    "nl": ("nl-BE", "Google.nl-BE-Standard-A"),
    "fr": ("fr-FR", "Google.fr-FR-Standard-A"),
    "en": ("en-US", "Polly.Joanna"),
}

# The prompts an admin may replace by a recording: those with no parameters.
RECORDABLE = {
    "welcome": _l("Welcome to %(name)s."),
    "wrong_key": _l("Sorry, that key is not in the menu."),
    "offer_callback": _l("Press 1 to be called back by an employee."),
    "connecting": _l("One moment please, we connect you with an employee."),
    "press_1_callback": _l("Press 1 to be called back without losing your turn."),
    "queue_full": _l("All our employees are busy and the line is full."),
    "request_callback": _l("Press 1 to ask to be called back."),
    "callback_taken": _l("Thank you. An employee will call you back as soon as possible."),
    "no_lines": _l("Our phone lines are closed."),
    "trouble": _l("Sorry, something went wrong."),
    "goodbye": _l("Goodbye."),
}


@dataclass(frozen=True)
class Prompt:
    """One thing said or played: words in a language, or a recording's address."""

    language: str
    words: str = ""
    recording: str | None = None


def voice_for(language: str) -> tuple[str, str]:
    """(say language, voice) for a call language: the admin's choice, the configuration's,
    then the default. LOKET_PHONE_VOICES='{"nl": "Polly.Lotte"}' or '{"nl": ["nl-NL",
    "Polly.Lotte"]}'."""
    chosen = _known().voices.get(language)
    if chosen is not None:
        return chosen
    configured = (current_app.config.get("PHONE_VOICES") or {}).get(language)
    default_language, default_voice = DEFAULT_VOICES[language]
    if isinstance(configured, str):
        return default_language, configured
    if isinstance(configured, list | tuple) and len(configured) == 2:
        return configured[0], configured[1]
    return default_language, default_voice


def recordings(language: str) -> dict[str, str]:
    """The language's recordings by prompt."""
    return _known().recordings.get(language, {})


# --- what admins set, read once and shared -----------------------------------------------------
# Every webhook speaks, and admins change voices and recordings a few times a year: each
# process keeps them for at most LOKET_PHONE_SETUP_CACHE_SECONDS (per app), and a commit in this
# process that changes one of them drops that at once (as office.setup does for the set-up).

CACHE_SECONDS = 5.0
_generation = 0  # raised by every commit in this process that changed a voice or recording


@dataclass(frozen=True)
class Known:
    generation: int
    read_at: float
    voices: dict[str, tuple[str, str]]
    recordings: dict[str, dict[str, str]]


def _known() -> Known:
    app = current_app._get_current_object()
    known = app.extensions.get("phone.prompts")
    ttl = float(current_app.config.get("PHONE_SETUP_CACHE_SECONDS", CACHE_SECONDS))
    if known is None or known.generation != _generation or clock() - known.read_at > ttl:
        known = _read()
        app.extensions["phone.prompts"] = known
    return known


def _read() -> Known:
    generation, read_at = _generation, clock()
    voices = {
        row.language: (row.say_language, row.voice)
        for row in db.session.scalars(select(PhoneVoice))
    }
    recorded: dict[str, dict[str, str]] = {}
    for row in db.session.scalars(select(PhoneRecording)):
        recorded.setdefault(row.language, {})[row.prompt] = row.url
    return Known(generation, read_at, voices, recorded)


@event.listens_for(Session, "after_flush")
def _note_change(session, _context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, PhoneVoice | PhoneRecording) for row in changed):
        session.info["phone.prompts_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_after_change(session) -> None:
    global _generation
    if session.info.pop("phone.prompts_changed", False):
        _generation += 1


def say(code: str, language: str, **params) -> Prompt:
    """A fixed prompt: its recording when an admin uploaded one, else its words."""
    recorded = recordings(language).get(code)
    if recorded:
        return Prompt(language, recording=recorded)
    with force_locale(language):
        text = str(RECORDABLE[code])
    return Prompt(language, text % params if params else text)


def words(language: str, text: str) -> Prompt:
    return Prompt(language, text)


def in_language(language: str, render) -> Prompt:
    """Words built by `render()` under the language's locale (texts with parameters)."""
    with force_locale(language):
        return Prompt(language, render())


def language_offers() -> list[Prompt]:
    """Each offer in its own language: a French speaker understands the French one."""
    return [
        in_language("fr", lambda: _("For French, press 9.")),
        in_language("en", lambda: _("For English, press 8.")),
    ]


LANGUAGE_KEYS = {"9": "fr", "8": "en"}
assert set(LANGUAGE_KEYS.values()) <= set(LANGUAGES)


def menu_item(language: str, name: str, digit: int) -> Prompt:
    return in_language(
        language, lambda: _("For %(service)s, press %(digit)s.", service=name, digit=digit)
    )


def place_in_line(language: str, position: int, minutes: int) -> list[Prompt]:
    def position_words():
        if position <= 1:
            return _("You are next in line.")
        return _("You are number %(position)s in line.", position=position)

    def wait_words():
        return ngettext(
            "The expected waiting time is about %(num)s minute.",
            "The expected waiting time is about %(num)s minutes.",
            minutes,
        )

    return [in_language(language, position_words), in_language(language, wait_words)]


def turn_kept(language: str, minutes: int) -> Prompt:
    return in_language(
        language,
        lambda: ngettext(
            "You keep your turn. We expect to call you back within about %(num)s minute.",
            "You keep your turn. We expect to call you back within about %(num)s minutes.",
            minutes,
        ),
    )


def spoken_number(e164: str | None) -> str:
    """A number read digit by digit, as people say it: "0 4 7 0, 1 2 ..." (national form)."""
    from desk.identifiers import display_phone

    if not e164:
        return ""
    national = display_phone(e164)
    if national.startswith("+32 "):
        national = "0" + national[4:]
    return ", ".join(" ".join(part) for part in national.split())


def callback_on(language: str, number: str | None) -> Prompt:
    spoken = spoken_number(number)
    return in_language(
        language,
        lambda: (
            _(
                "We will call you back on %(number)s. To be called on another number, type it now "
                "and end with the hash key.",
                number=spoken,
            )
            if spoken
            else _("Type the number we can call you back on, and end with the hash key.")
        ),
    )


def callback_number_set(language: str, number: str) -> Prompt:
    spoken = spoken_number(number)
    return in_language(
        language, lambda: _("Thank you. We will call you back on %(number)s.", number=spoken)
    )


def callback_number_refused(language: str) -> Prompt:
    return in_language(language, lambda: _("That is not a number we can call."))


def closed(language: str, name: str) -> Prompt:
    return in_language(
        language, lambda: _("Our phone line for %(service)s is closed now.", service=name)
    )


def opens_again(language: str, day, opens, today) -> Prompt:
    """When the line opens next: "today at 13:00", or a day and a time."""

    def render():
        clock = format_time(opens, "short")
        if day == today:
            return _("We are open again today at %(time)s.", time=clock)
        return _(
            "We are open again on %(day)s at %(time)s.",
            day=format_date(day, "EEEE d MMMM"),
            time=clock,
        )

    return in_language(language, render)


def calling(language: str, number: str) -> Prompt:
    """Said to an agent who picked up their desk phone for a call they asked for
    (phone.desk_dial): whom Loket now dials."""
    spoken = spoken_number(number)
    return in_language(language, lambda: _("You are calling %(number)s.", number=spoken))


def outgoing_refused(language: str, reason: str) -> Prompt:
    """Why a call typed in the console was not made, said to the agent (phone.outgoing)."""

    def render():
        if reason == "invalid_number":
            return _("That is not a valid phone number. Check the number and try again.")
        if reason == "number_not_allowed":
            return _("Loket does not call this kind of number.")
        if reason == "agent_on_call":
            return _("You are still on a call. Finish it first.")
        if reason == "voice_not_configured":
            return _("Calls in the browser are not set up. Ask an administrator.")
        return _("This phone may not make calls through Loket.")

    return in_language(language, render)

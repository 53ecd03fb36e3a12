"""The conventions every message follows, and the words of sms's own answers.

People miss messages whose first line does not say who sends what (the MijnOverheid and eBox
lesson), so every text starts "<municipality>: <subject>" (`first_line`) and an SMS ends with
the replies it accepts (`reply_words`: the words this package understands). The channels write
their notices' texts with these (appointments.notice_texts, counter.citizen_notices); this
module words only the answers to STOP, START and replies nobody could read. Texts are rendered
under `force_locale`, never in the language of whoever triggered them.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

LANGUAGES = ("nl", "fr", "en")


@dataclass(frozen=True)
class Text:
    """A notice's words in one language, as a channel hands them to `sms.notices`."""

    subject: str
    body: str
    accepts_replies: bool


def language_of(value: str | None) -> str:
    value = (value or "nl")[:2].lower()
    return value if value in LANGUAGES else "nl"


def first_line(subject: str) -> str:
    """The first line of every message: who sends it, and what it is about."""
    return f"{current_app.config['MUNICIPALITY_NAME']}: {subject}"


def reply_words(confirm: bool, cancel: bool) -> str:
    """The last line of an SMS: the replies it accepts (`sms.replies` understands them)."""
    if confirm and cancel:
        return _("Reply YES to confirm, NO to cancel, STOP for no more messages.")
    if cancel:
        return _("Reply NO to cancel, STOP for no more messages.")
    return _("Reply STOP for no more messages.")


def answer_text(kind: str, language: str) -> str:
    """Short answers to a citizen's reply: stop | start | unknown. (A channel words its own
    answers to the replies its notices offered: sms.signals.ReplyHandled.)"""
    with force_locale(language_of(language)):
        lines = {
            "stop": [
                _("you will get no more text messages"),
                _("Reply START to get them again."),
            ],
            "start": [_("you will get text messages again"), reply_words(False, False)],
            "unknown": [
                _("we could not read your reply"),
                _("A colleague will contact you. Reply YES, NO or STOP."),
            ],
        }[kind]
        return "\n".join([first_line(lines[0]), *lines[1:]])

"""The words of every message, in the recipient's language.

People miss messages whose first line does not say who sends what (the MijnOverheid and eBox
lesson), so every text starts "<municipality>: <subject>" and ends with the replies it accepts.
Texts are rendered under `force_locale`, never in the language of whoever triggered them.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, format_time, ngettext
from flask_babel import gettext as _

LANGUAGES = ("nl", "fr", "en")


@dataclass(frozen=True)
class AppointmentFacts:
    """What a notice says about an appointment; built by the integration module."""

    id: int
    reference: str
    starts_at: datetime
    service: dict  # language -> name
    location: str
    manage_url: str = ""


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    accepts_replies: bool


def language_of(value: str | None) -> str:
    value = (value or "nl")[:2].lower()
    return value if value in LANGUAGES else "nl"


def _first_line(subject: str) -> str:
    return f"{current_app.config['MUNICIPALITY_NAME']}: {subject}"


def _reply_words(confirm: bool, cancel: bool) -> str:
    if confirm and cancel:
        return _("Reply YES to confirm, NO to cancel, STOP for no more messages.")
    if cancel:
        return _("Reply NO to cancel, STOP for no more messages.")
    return _("Reply STOP for no more messages.")


def _when(facts: AppointmentFacts) -> str:
    return _(
        "%(service)s on %(date)s at %(time)s, %(location)s. Reference %(reference)s.",
        service=facts.service.get(str(_current())) or facts.service.get("nl", ""),
        date=format_date(facts.starts_at, "EEEE d MMMM"),
        time=format_time(facts.starts_at, "HH:mm"),
        location=facts.location,
        reference=facts.reference,
    )


def _current() -> str:
    from flask_babel import get_locale

    return str(get_locale())


def appointment_text(event: str, facts: AppointmentFacts, language: str, channel="sms") -> Text:
    """event: booked | rescheduled | cancelled | reminder."""
    with force_locale(language_of(language)):
        subject = {
            "booked": _("appointment confirmed"),
            "rescheduled": _("appointment moved"),
            "cancelled": _("appointment cancelled"),
            "reminder": _("appointment reminder"),
        }[event]
        confirm = event == "reminder"
        cancel = event != "cancelled"
        lines = [_first_line(subject), _when(facts)]
        if channel == "email" and facts.manage_url and event != "cancelled":
            lines.append(_("Change or cancel: %(url)s", url=facts.manage_url))
        if channel == "sms":
            lines.append(_reply_words(confirm, cancel))
        return Text(subject=lines[0], body="\n".join(lines), accepts_replies=cancel)


def answer_text(kind: str, language: str) -> str:
    """Short answers to a citizen's reply: stop | start | confirmed | too_late | unknown."""
    with force_locale(language_of(language)):
        lines = {
            "stop": [
                _("you will get no more text messages"),
                _("Reply START to get them again."),
            ],
            "start": [_("you will get text messages again"), _reply_words(False, False)],
            "confirmed": [
                _("thank you, your appointment is confirmed"),
                _reply_words(False, False),
            ],
            "too_late": [
                _("this appointment can no longer be changed by text message"),
                _("Please call us or use the link in your confirmation."),
            ],
            "unknown": [
                _("we could not read your reply"),
                _("A colleague will contact you. Reply YES, NO or STOP."),
            ],
        }[kind]
        return "\n".join([_first_line(lines[0]), *lines[1:]])


def turn_near_text(code: str, ahead: int, language: str) -> Text:
    """The counter's "your turn is near": the ticket code is what the board will show."""
    with force_locale(language_of(language)):
        if ahead > 0:
            where = ngettext(
                "Ticket %(code)s: %(num)d person is before you. Please come to the waiting room.",
                "Ticket %(code)s: %(num)d people are before you. Please come to the waiting room.",
                ahead,
                code=code,
            )
        else:
            where = _("Ticket %(code)s: you are next. Please come to the waiting room.", code=code)
        lines = [_first_line(_("your turn is near")), where, _reply_words(False, False)]
        return Text(subject=lines[0], body="\n".join(lines), accepts_replies=False)

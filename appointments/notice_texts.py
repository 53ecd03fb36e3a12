"""The words of booking's notices to citizens, in the recipient's language.

Confirmations of a booking, a move and a cancellation, reminders, and the answers to the
replies they offer (JA confirms, NEE cancels). They follow the SMS package's conventions
(sms.texts: who sends what on the first line, the accepted replies on the last) and are
rendered under `force_locale`, never in the language of whoever triggered them.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, format_date, format_time, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from sms.texts import Text, first_line, language_of, reply_words


@dataclass(frozen=True)
class AppointmentFacts:
    """What a notice says about an appointment (appointments.notices.facts builds them)."""

    id: int
    reference: str
    starts_at: datetime
    service: dict  # language -> name
    location: str
    manage_url: str = ""
    join_url: str = ""  # a video appointment's join link (office.video_visits)


def _when(facts: AppointmentFacts) -> str:
    return _(
        "%(service)s on %(date)s at %(time)s, %(location)s. Reference %(reference)s.",
        service=facts.service.get(str(get_locale())) or facts.service.get("nl", ""),
        date=format_date(facts.starts_at, "EEEE d MMMM"),
        time=format_time(facts.starts_at, "HH:mm"),
        location=facts.location,
        reference=facts.reference,
    )


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
        lines = [first_line(subject), _when(facts)]
        link = _("Change or cancel: %(url)s", url=facts.manage_url)
        join = facts.join_url if event != "cancelled" else ""
        if join:
            lines.append(_("Video call, from 15 minutes before: %(url)s", url=join))
        if facts.manage_url and event != "cancelled":
            lines.append(link)
        if channel == "sms":
            lines.append(reply_words(confirm, cancel))
            return Text(subject=lines[0], body="\n".join(lines), accepts_replies=cancel)
        html = _html(lines[0], _when(facts), facts.manage_url if event != "cancelled" else "", join)
        return Text(subject=lines[0], body="\n".join(lines), accepts_replies=False, html=html)


def _html(heading: str, when: str, manage_url: str, join_url: str = "") -> str:
    """The e-mail's HTML part: the same words as its text part, the link a link."""
    parts = [
        Markup(
            '<!DOCTYPE html>\n<html lang="{}"><head><meta charset="utf-8"><title>{}</title>'
        ).format(str(get_locale()), heading),
        Markup("</head><body><h1>{}</h1><p>{}</p>").format(heading, when),
    ]
    if join_url:
        parts.append(
            Markup('<p>{}</p><p><a href="{}">{}</a></p>').format(
                _("Your video call opens 15 minutes before the appointment:"), join_url, join_url
            )
        )
    if manage_url:
        parts.append(
            Markup('<p>{}</p><p><a href="{}">{}</a></p>').format(
                _("Change or cancel your appointment:"), manage_url, manage_url
            )
        )
    parts.append(Markup("</body></html>"))
    return str(escape("").join(parts))


def link_text(facts: AppointmentFacts, language: str, channel="sms") -> Text:
    """The manage link again, for a citizen who lost it ("find my appointment")."""
    with force_locale(language_of(language)):
        subject = first_line(_("the link to your appointment"))
        when = _when(facts)
        link = _("Change or cancel: %(url)s", url=facts.manage_url)
        lines = [subject, when, link]
        if channel == "sms":
            lines.append(reply_words(False, False))
            return Text(subject=subject, body="\n".join(lines), accepts_replies=False)
        html = _html(subject, when, facts.manage_url)
        return Text(subject=subject, body="\n".join(lines), accepts_replies=False, html=html)


def reply_answer(kind: str, language: str) -> str:
    """The answer to a citizen's JA or NEE: confirmed | too_late."""
    with force_locale(language_of(language)):
        lines = {
            "confirmed": [
                _("thank you, your appointment is confirmed"),
                reply_words(False, False),
            ],
            "too_late": [
                _("this appointment can no longer be changed by text message"),
                _("Please call us or use the link in your confirmation."),
            ],
        }[kind]
        return "\n".join([first_line(lines[0]), *lines[1:]])

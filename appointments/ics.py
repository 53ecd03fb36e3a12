"""iCalendar files: one per appointment for the citizen, and secret feeds for staff.

The UID never changes for an appointment and SEQUENCE rises with every change, so a calendar
program updates its copy instead of adding a second one; a cancellation is METHOD:CANCEL with
STATUS:CANCELLED, which is what makes programs remove the event. Times carry TZID
Europe/Brussels with its VTIMEZONE, so nobody's calendar shifts them.

The VTIMEZONE is written with the EU's yearly rules (RRULE), the form Outlook and Google
write, not as the long RDATE list icalendar generates: parsers such as vobject ignore RDATE
lists and would read every time as winter time.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from appointments.models import Appointment, Status
from core.database import utcnow
from core.time import BRUSSELS, TIMEZONE
from office import video_visits
from office.models import LocationKind


def uid_for(appointment: Appointment, *, with_reference: bool = True) -> str:
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "loket"
    reference = f"-{appointment.reference}" if with_reference else ""
    return f"appointment-{appointment.id}{reference}@{host}"


def brussels_vtimezone() -> Timezone:
    """Europe/Brussels as the EU rule since 1996: summer time from the last Sunday of March
    (02:00 -> 03:00) to the last Sunday of October (03:00 -> 02:00)."""
    zone = Timezone()
    zone.add("tzid", TIMEZONE)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _calendar(method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Loket//Appointments//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", TIMEZONE)
    calendar.add_component(brussels_vtimezone())
    return calendar


def _event(
    appointment: Appointment, language: str, description: str = "", secret: bool = False
) -> Event:
    location = appointment.location
    services = ", ".join(s.name_in(language) for s in appointment.services)
    event = Event()
    event.add("uid", uid_for(appointment, with_reference=not secret))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", utcnow())
    event.add("last-modified", appointment.updated_at)
    event.add("dtstart", appointment.starts_at.astimezone(BRUSSELS))
    event.add("dtend", appointment.ends_at.astimezone(BRUSSELS))
    event.add("summary", f"{services} · {current_app.config['MUNICIPALITY_NAME']}")
    event.add("location", ", ".join(p for p in (location.name, location.address) if p))
    cancelled = appointment.status == Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if description:
        event.add("description", description)
    return event


def join_url(appointment: Appointment) -> str:
    """A standing video appointment's join link (office.video_visits); "" for anything else."""
    if appointment.status == Status.CANCELLED or appointment.location.kind != LocationKind.ONLINE:
        return ""
    return video_visits.public_join_url(appointment.reference)


def appointment_ics(
    appointment: Appointment, *, description: str = "", language: str | None = None
) -> bytes:
    """The citizen's file: PUBLISH while it stands, CANCEL once it is cancelled. A video
    appointment's event carries its join link as URL and as its place ("Video: <link>", in the
    citizen's language), where calendar programs show a link to click; the description (the
    caller's, see appointments.notices.calendar_description) names it too."""
    cancelled = appointment.status == Status.CANCELLED
    language = language or appointment.language
    calendar = _calendar("CANCEL" if cancelled else "PUBLISH")
    event = _event(appointment, language, description)
    link = join_url(appointment)
    if link:
        with force_locale(language):
            place = _("Video: %(url)s", url=link)
        event["location"] = vText(place)
        event.add("url", link)
    calendar.add_component(event)
    return calendar.to_ical()


def feed_ics(
    name: str, appointments: list[Appointment], secret_ids=frozenset(), language: str = "nl"
) -> bytes:
    """A subscription feed for a counter or location: every standing appointment in it.

    Anyone holding the link reads it, and calendar services keep copies, so it names no
    citizen (no name, no contact: nothing a staff read would have to log); a reference leads
    to the day view, which shows and logs who it is. A secret citizen's booking (`secret_ids`,
    appointment ids) is only "reserved", without even its reference."""
    calendar = _calendar("PUBLISH", name)
    with force_locale(language):
        reserved = _("Reserved")
    for appointment in appointments:
        secret = appointment.id in secret_ids
        shown = reserved if secret else appointment.reference
        parts = [shown, appointment.counter.name if appointment.counter else None]
        description = " · ".join(p for p in parts if p)
        calendar.add_component(_event(appointment, language, description, secret))
    return calendar.to_ical()

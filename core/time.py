"""The municipality's wall clock. Stored times are UTC; people see them in Brussels time.

The one place the zone is named: every package that turns a stored time into a day or an hour
a person reads takes it from here.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask_babel import get_locale

TIMEZONE = "Europe/Brussels"
BRUSSELS = ZoneInfo(TIMEZONE)


def local_moment(value: datetime) -> str:
    """Date and time on the Brussels clock in the reader's format (Babel): "6 dec 2026 14:30",
    "6 déc. 2026 14:30", "Dec 6, 2026 14:30" (the 24-hour clock in every language)."""
    locale = get_locale()
    day = format_skeleton("yMMMd", value, tzinfo=BRUSSELS, locale=locale)
    return f"{day} {format_skeleton('Hm', value, tzinfo=BRUSSELS, locale=locale)}"


def local_clock(value: datetime | time) -> str:
    """The hour on the Brussels clock in the reader's format (Babel, 24-hour): "14:30"; a
    `time` is already a wall-clock time."""
    zone = BRUSSELS if isinstance(value, datetime) else None
    return format_skeleton("Hm", value, tzinfo=zone, locale=get_locale())

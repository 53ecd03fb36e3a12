"""When a reminder goes out: pure functions, so quiet hours and DST are easy to test.

Quiet hours (default 21:00-08:00 local) move a reminder *earlier*, to a margin before they
begin, never later: a reminder at 07:00 for a 09:00 visit comes the evening before. A reminder
is never sent once the appointment has begun, nor once its window closes (quiet hours began),
nor when its time had passed before the appointment was booked.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.time import BRUSSELS


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(8, 0)
    margin: timedelta = timedelta(minutes=30)  # a moved reminder leaves this long before start
    zone: ZoneInfo = BRUSSELS

    def contains(self, local: time) -> bool:
        if self.start > self.end:  # over midnight
            return local >= self.start or local < self.end
        return self.start <= local < self.end

    def start_on(self, day: date) -> datetime:
        return datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)


@dataclass(frozen=True)
class Decision:
    action: str  # "wait" | "send" | "skip"
    due_at: datetime
    expires_at: datetime
    reason: str = ""  # why it is skipped: a code (its words: appointments.notices)


def offset_label(minutes: int) -> str:
    if minutes % 1440 == 0 and minutes >= 1440 and minutes // 1440 > 1:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def due_at(starts_at: datetime, offset_minutes: int, quiet: QuietHours) -> datetime:
    """The moment to send, in UTC: start minus offset, moved before quiet hours if needed."""
    due = starts_at - timedelta(minutes=offset_minutes)
    local = due.astimezone(quiet.zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return due
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) < quiet.end:
        day -= timedelta(days=1)  # after midnight: the quiet hours began the evening before
    return quiet.start_on(day) - quiet.margin


def window_closes(due: datetime, starts_at: datetime, quiet: QuietHours) -> datetime:
    """The reminder must be out before the next quiet hours begin and before the start."""
    local_day = due.astimezone(quiet.zone).date()
    closes = quiet.start_on(local_day)
    if closes <= due:
        closes = quiet.start_on(local_day + timedelta(days=1))
    return min(closes, starts_at)


def decide(
    *, starts_at: datetime, offset_minutes: int, now: datetime, booked_at: datetime,
    quiet: QuietHours,
) -> Decision:  # fmt: skip
    due = due_at(starts_at, offset_minutes, quiet)
    closes = window_closes(due, starts_at, quiet)
    if now < due:
        return Decision("wait", due, closes)
    if now >= starts_at:
        return Decision("skip", due, closes, "appointments.reminder.begun")
    if due < booked_at:
        return Decision("skip", due, closes, "appointments.reminder.booked_after")
    if now >= closes:
        return Decision("skip", due, closes, "appointments.reminder.quiet_hours")
    return Decision("send", due, closes, "")


UNITS = {"d": 1440, "h": 60, "m": 1}
MAX_REMINDERS = 4
MAX_OFFSET_MINUTES = 14 * 1440
MIN_OFFSET_MINUTES = 15


def parse_plan(text: str) -> list[int]:
    """ "24h, 2h" -> [1440, 120] (minutes, latest first): what an admin types, in the same
    units `offset_label` shows. Empty means: the default. ValueError says what is wrong."""
    minutes = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip().lower().replace(" ", "")
        if not part:
            continue
        number, unit = part[:-1], part[-1:]
        if unit not in UNITS or not number.isdigit():
            raise ValueError(f"not a time before the appointment: {part!r}")
        value = int(number) * UNITS[unit]
        if not MIN_OFFSET_MINUTES <= value <= MAX_OFFSET_MINUTES:
            raise ValueError(f"{part!r} is not between 15 minutes and 14 days")
        minutes.add(value)
    if len(minutes) > MAX_REMINDERS:
        raise ValueError(f"at most {MAX_REMINDERS} reminders")
    return sorted(minutes, reverse=True)

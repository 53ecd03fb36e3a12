"""The opening-hours rule: a pure function over plain values, no database and no Flask.

Booking's availability computes whole months of free times from it, the set-up snapshot
answers "open now?" with it (office.hours), and hypothesis tests take it as it is. A date's
exceptions replace everything else: closed all day, or open only their hours. Without one, a
public holiday is closed; any other day has its weekday's hours.
"""

from dataclasses import dataclass
from datetime import date, time

Periods = list[tuple[time, time]]


@dataclass(frozen=True)
class HoursException:
    """A date whose hours replace the weekly ones: closed, or open from `opens` to `closes`."""

    day: date
    closed: bool
    opens: time | None = None
    closes: time | None = None


def day_hours(
    day: date,
    weekly: dict[int, Periods],
    exceptions,
    public_holidays: frozenset[date] | set[date] = frozenset(),
) -> Periods:
    """The day's local opening periods. `weekly`: weekday (0 = Monday) -> periods;
    `exceptions`: HoursException rows (of any days); `public_holidays`: days closed unless an
    exception for them says otherwise."""
    todays = [e for e in exceptions if e.day == day]
    if todays:
        if any(e.closed for e in todays):
            return []
        return [(e.opens, e.closes) for e in todays if e.opens and e.closes]
    if day in public_holidays:
        return []
    return weekly.get(day.weekday(), [])

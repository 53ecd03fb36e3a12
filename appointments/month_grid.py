"""The day-choosing page's calendar: one month as weeks of days, Monday first, and the
pages before and after it. Pure: the view adds which days have free time."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class MonthPage:
    month: date  # its first day
    first: date  # the first day offered: today in the current month
    last: date  # the last day offered: the month's end, or the booking horizon
    previous: date | None  # the first day of the month before, when it can be booked
    next: date | None

    def weeks(self) -> list[list[date | None]]:
        """Monday-first weeks; days of other months are None (empty cells)."""
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(
            self.month.year, self.month.month
        )
        return [[d if d.month == self.month.month else None for d in week] for week in weeks]


def parse_month(value: str | None) -> date | None:
    """ "2027-01" as the month's first day; an ISO day ("2027-01-14") as itself."""
    value = value or ""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        year, month = value[:7].split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def month_page(asked: date | None, today: date, horizon: date) -> MonthPage:
    """The month of the day asked for, kept between today's month and the horizon's; a day
    after the first of the month (a link "from" a day) starts the offered days there."""
    this_month = today.replace(day=1)
    month = min(max((asked or today).replace(day=1), this_month), horizon.replace(day=1))
    following = (month + timedelta(days=32)).replace(day=1)
    return MonthPage(
        month=month,
        first=max(month, today, asked if asked and asked.replace(day=1) == month else today),
        last=min(following - timedelta(days=1), horizon),
        previous=(month - timedelta(days=1)).replace(day=1) if month > this_month else None,
        next=following if following <= horizon else None,
    )

"""An office open around the clock, public holidays included: for benchmarks whose runs must
never meet a closed door, whatever the day and hour they are started."""

from datetime import date
from datetime import time as clock

from office import holidays
from office.models import Location, OpeningException, OpeningPeriod

ALL_DAY = {"opens": clock(0, 0), "closes": clock(23, 59, 59)}


def open_around_the_clock(name: str = "Stadhuis", **fields) -> Location:
    hall = Location(name=name, **fields)
    for weekday in range(7):
        hall.opening_periods.append(OpeningPeriod(weekday=weekday, **ALL_DAY))
    year = date.today().year
    for day in holidays.days(year, year + 1):
        hall.exceptions.append(OpeningException(day=day, **ALL_DAY))
    return hall

"""Free times, computed from opening hours, exceptions, appointments and the walk-in share.

Pure functions over plain values: no database, no Flask. The booking service loads the rows,
this module decides. Times go in and come out as aware UTC datetimes; opening hours are local
wall-clock times, turned into UTC per date, so a slot at 09:00 stays at 09:00 across a
daylight-saving change and the change day itself has exactly the real minutes it has.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class HoursException:
    """A date whose hours replace the weekly ones: closed, or open from `opens` to `closes`."""

    day: date
    closed: bool
    opens: time | None = None
    closes: time | None = None


@dataclass
class CounterPlan:
    id: int
    busy: list[Interval] = field(default_factory=list)  # sorted by start


@dataclass
class LocationPlan:
    id: int
    timezone: str
    weekly: dict[int, list[tuple[time, time]]]  # weekday -> periods; a break is a gap
    exceptions: list[HoursException]
    counters: list[CounterPlan]  # only counters that serve every requested service
    min_notice_minutes: int = 0
    horizon_days: int = 60
    walk_in_percent: int = 0


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    location_id: int
    counter_ids: tuple[int, ...]


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def last_bookable_day(now: datetime, plan: LocationPlan) -> date:
    return local_today(now, plan.timezone) + timedelta(days=plan.horizon_days)


def opening_periods(day: date, plan: LocationPlan) -> list[Interval]:
    """The day's opening periods in UTC; exceptions for the date replace the weekly hours."""
    zone = ZoneInfo(plan.timezone)
    todays = [e for e in plan.exceptions if e.day == day]
    if todays:
        if any(e.closed for e in todays):
            local = []
        else:
            local = [(e.opens, e.closes) for e in todays if e.opens and e.closes]
    else:
        local = plan.weekly.get(day.weekday(), [])
    periods = []
    for opens, closes in sorted(local):
        start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
        if end > start:
            periods.append((start, end))
    return periods


def _overlapping(busy: list[Interval], starts: list[datetime], lo: datetime, hi: datetime):
    """Busy intervals that overlap [lo, hi); `starts` is the sorted list of busy starts."""
    index = max(bisect_left(starts, lo) - 1, 0)
    # An earlier appointment can reach into the window; step back over long ones.
    while index > 0 and busy[index - 1][1] > lo:
        index -= 1
    result = []
    for interval in busy[index:]:
        if interval[0] >= hi:
            break
        if interval[1] > lo:
            result.append(interval)
    return result


def _free_starts(
    period: Interval,
    busy: list[Interval],
    need: timedelta,
    hold: timedelta,
    step: timedelta,
    earliest: datetime,
) -> list[datetime]:
    """Starts on the period's grid where the visit fits before closing and its hold is free."""
    period_start, period_end = period
    starts = []
    cursor = period_start
    for busy_start, busy_end in [*busy, (period_end + hold, period_end + hold)]:
        gap_start, gap_end = max(cursor, earliest), busy_start
        if gap_start < gap_end:
            offset = gap_start - period_start
            k = -(-offset // step)  # first grid point at or after gap_start
            start = period_start + k * step
            while start + need <= period_end and start + hold <= gap_end:
                starts.append(start)
                start += step
        cursor = max(cursor, busy_end)
    return starts


def available_slots(
    plans: list[LocationPlan],
    *,
    need_minutes: int,
    hold_minutes: int,
    first_day: date,
    last_day: date,
    now: datetime,
    step_minutes: int = 15,
) -> list[Slot]:
    """Every start, per location, at which at least one counter can take the whole visit.

    `need_minutes` is the visit itself, `hold_minutes` the visit plus the buffer after it: the
    visit must end before closing, the buffer must not run into the next appointment.
    """
    need, hold = timedelta(minutes=need_minutes), timedelta(minutes=hold_minutes)
    step = timedelta(minutes=step_minutes)
    found: dict[tuple[datetime, int], list[int]] = defaultdict(list)
    for plan in plans:
        earliest = now + timedelta(minutes=plan.min_notice_minutes)
        day = max(first_day, local_today(now, plan.timezone))
        end_day = min(last_day, last_bookable_day(now, plan))
        busy_starts = {c.id: [b[0] for b in c.busy] for c in plan.counters}
        while day <= end_day:
            periods = opening_periods(day, plan)
            if periods and periods[-1][1] > earliest:
                _add_day(plan, periods, busy_starts, need, hold, step, earliest, found)
            day += timedelta(days=1)
    return [
        Slot(start, start + need, location_id, tuple(sorted(counters)))
        for (start, location_id), counters in sorted(found.items())
    ]


def _add_day(plan, periods, busy_starts, need, hold, step, earliest, found):
    open_minutes = sum((end - start for start, end in periods), timedelta())
    budget = open_minutes * (100 - plan.walk_in_percent) / 100
    day_start, day_end = periods[0][0], periods[-1][1]
    for counter in plan.counters:
        todays = _overlapping(counter.busy, busy_starts[counter.id], day_start, day_end)
        booked = sum((min(e, day_end) - max(s, day_start) for s, e in todays), timedelta())
        if booked + hold > budget:
            continue  # the rest of this counter's day is kept for walk-ins
        for period in periods:
            inside = [b for b in todays if b[0] < period[1] + hold and b[1] > period[0]]
            for start in _free_starts(period, inside, need, hold, step, earliest):
                found[(start, plan.id)].append(counter.id)
